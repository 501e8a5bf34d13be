import { notFound } from '../../core/errors.js';
import type { PolicyService } from '../../services/policy-service.js';
import type { Caller, TokenService } from '../../services/token-service.js';
import { listReply, noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';

export function sysPolicyRoutes(policies: PolicyService, tokens: TokenService): RouteDef[] {
  const capabilitiesOf = async (policyNames: string[], identity: Caller['record']['identity'], paths: string[]) => {
    const acl = await policies.aclFor(policyNames, identity);
    const data: Record<string, unknown> = {};
    for (const path of paths) data[path] = acl.capabilities(path);
    if (paths.length === 1) data.capabilities = data[paths[0]!];
    return respond(data, { dataAtTopLevel: true });
  };
  const pathFields = {
    path: { type: 'comma_string_slice', description: 'A path (or several) to report capabilities for.' },
    paths: { type: 'comma_string_slice', description: 'Paths to report capabilities for.' },
  } as const;

  return [
    defineRoute({
      pattern: 'sys/policies/acl',
      summary: 'List ACL policy names.',
      fields: {},
      operations: { list: async () => listReply(await policies.list()) },
    }),
    defineRoute({
      pattern: 'sys/policies/acl/:name',
      summary: 'Read, write (HCL or JSON in `policy`) or delete an ACL policy.',
      fields: {
        name: { type: 'string', description: 'Policy name.' },
        policy: { type: 'string', description: 'The policy document, HCL or JSON.' },
      },
      exists: async ({ params }) => (await policies.read(params.name!)) !== null,
      operations: {
        read: async ({ params }) => {
          const text = await policies.read(params.name!);
          if (text === null) throw notFound();
          return respond({ name: params.name!.toLowerCase(), policy: text });
        },
        update: async ({ params, data }) => {
          await policies.write(params.name!, data.policy);
          return noContent();
        },
        delete: async ({ params }) => {
          await policies.delete(params.name!);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'sys/policy',
      summary: 'List policy names (older API).',
      fields: {},
      operations: {
        read: async () => {
          const names = await policies.list();
          return respond({ policies: names, keys: names }, { dataAtTopLevel: true });
        },
        list: async () => listReply(await policies.list()),
      },
    }),
    defineRoute({
      pattern: 'sys/policy/:name',
      summary: 'Read, write (`rules` or `policy`) or delete a policy (older API).',
      fields: {
        name: { type: 'string', description: 'Policy name.' },
        rules: { type: 'string', description: 'The policy document, HCL or JSON.' },
        policy: { type: 'string', description: 'Alias of rules.' },
      },
      exists: async ({ params }) => (await policies.read(params.name!)) !== null,
      operations: {
        read: async ({ params }) => {
          const text = await policies.read(params.name!);
          if (text === null) throw notFound();
          return respond({ name: params.name!.toLowerCase(), rules: text }, { dataAtTopLevel: true });
        },
        update: async ({ params, data }) => {
          await policies.write(params.name!, data.rules || data.policy);
          return noContent();
        },
        delete: async ({ params }) => {
          await policies.delete(params.name!);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'sys/capabilities-self',
      summary: 'The calling token\'s capabilities on paths.',
      fields: pathFields,
      operations: {
        update: async ({ data, caller }) => capabilitiesOf(caller!.record.policies, caller!.record.identity, [...data.path, ...data.paths]),
      },
    }),
    defineRoute({
      pattern: 'sys/capabilities',
      summary: 'A token\'s capabilities on paths.',
      fields: { ...pathFields, token: { type: 'string', description: 'The token to check.' } },
      operations: {
        update: async ({ data }) => {
          const record = await tokens.authenticate(data.token);
          if (!record) return respond({ capabilities: ['deny'] }, { dataAtTopLevel: true });
          return capabilitiesOf(record.policies, record.identity, [...data.path, ...data.paths]);
        },
      },
    }),
    defineRoute({
      pattern: 'sys/capabilities-accessor',
      summary: 'A token\'s capabilities on paths, by accessor.',
      fields: { ...pathFields, accessor: { type: 'string', description: 'The token accessor.' } },
      operations: {
        update: async ({ data }) => {
          const record = await tokens.lookupByAccessor(data.accessor);
          if (!record) return respond({ capabilities: ['deny'] }, { dataAtTopLevel: true });
          return capabilitiesOf(record.policies, record.identity, [...data.path, ...data.paths]);
        },
      },
    }),
  ];
}
