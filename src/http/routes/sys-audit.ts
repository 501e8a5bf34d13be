import { badRequest } from '../../core/errors.js';
import type { AuditService } from '../../services/audit-service.js';
import { noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';

/** sys/audit and sys/audit-hash: Vault's audit devices (root-protected, so sudo). */
export function sysAuditRoutes(audit: AuditService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'sys/audit',
      summary: 'List the enabled audit devices (sudo).',
      fields: {},
      sudo: ['read'],
      operations: {
        read: async () => {
          const data: Record<string, unknown> = {};
          for (const device of audit.list()) data[device.path] = device;
          return respond(data, { dataAtTopLevel: true });
        },
      },
    }),
    defineRoute({
      pattern: 'sys/audit/*path',
      summary: 'Enable (PUT/POST) or disable (DELETE) an audit device (sudo). Type `file`; options.file_path may be `stdout` or `discard`.',
      fields: {
        path: { type: 'string', description: 'Where to enable the device, e.g. file.' },
        type: { type: 'string', description: 'The device type: file (syslog and socket are refused).' },
        description: { type: 'string', description: 'Human-readable description.' },
        options: {
          type: 'object',
          description: 'file_path (required; or stdout, discard), log_raw, hmac_accessor (default true), mode (default 0600), prefix, format (json).',
        },
        local: { type: 'bool', description: 'Accepted for compatibility.' },
      },
      sudo: ['update', 'delete'],
      operations: {
        update: async ({ params, data }) => {
          await audit.enable(params.path!, { type: data.type, description: data.description, options: data.options, local: data.local });
          return noContent();
        },
        delete: async ({ params }) => {
          await audit.disable(params.path!);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'sys/audit-hash/*path',
      summary: 'Hash a value with an audit device\'s salt, to find it in the log (sudo).',
      fields: {
        path: { type: 'string', description: 'The audit device path.' },
        input: { type: 'string', description: 'The value to hash.' },
      },
      sudo: ['update'],
      operations: {
        update: async ({ params, data, provided }) => {
          if (!provided('input')) throw badRequest('missing required field "input"');
          return respond({ hash: audit.hash(params.path!, data.input) }, { dataAtTopLevel: true });
        },
      },
    }),
  ];
}
