import { nowSeconds, type Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { reportedVersion } from '../../core/version.js';
import type { SystemService } from '../../services/system-service.js';
import { rawJson } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';

export interface SysStatusDeps {
  system: SystemService;
  clock: Clock;
  storageType: string;
}

export function sysStatusRoutes({ system, clock, storageType }: SysStatusDeps): RouteDef[] {
  return [
    defineRoute({
      pattern: 'sys/health',
      summary: 'Health of the server, unauthenticated, with status codes chosen by query parameters.',
      fields: {
        standbyok: { type: 'bool', description: 'Answer activecode on a standby.' },
        perfstandbyok: { type: 'bool', description: 'Answer activecode on a performance standby.' },
        activecode: { type: 'int', default: 200, description: 'Status code for an active, initialized, unsealed server.' },
        standbycode: { type: 'int', default: 429, description: 'Status code for a standby.' },
        drsecondarycode: { type: 'int', default: 472, description: 'Status code for a DR secondary.' },
        performancestandbycode: { type: 'int', default: 473, description: 'Status code for a performance standby.' },
        sealedcode: { type: 'int', default: 503, description: 'Status code when sealed.' },
        uninitcode: { type: 'int', default: 501, description: 'Status code when not initialized.' },
      },
      unauthenticated: ['read'],
      operations: {
        read: async ({ data }) => {
          const init = await system.initState();
          const status = init ? data.activecode : data.uninitcode;
          if (status < 100 || status > 599) throw badRequest('status codes must be between 100 and 599');
          return rawJson(status, {
            initialized: init !== null,
            sealed: false,
            standby: false,
            performance_standby: false,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: nowSeconds(clock),
            version: reportedVersion,
            cluster_name: init?.clusterName ?? '',
            cluster_id: init?.clusterId ?? '',
          });
        },
      },
    }),
    defineRoute({
      pattern: 'sys/init',
      summary: 'Whether the server is initialized (GET); initialize it and receive the root token once (PUT).',
      fields: {
        secret_shares: { type: 'int', description: 'Accepted for compatibility; mintca has no unseal keys.' },
        secret_threshold: { type: 'int', description: 'Accepted for compatibility; mintca has no unseal keys.' },
        pgp_keys: { type: 'comma_string_slice', description: 'Accepted for compatibility.' },
        root_token_pgp_key: { type: 'string', description: 'Not supported: the root token is returned in clear once.' },
        stored_shares: { type: 'int', description: 'Accepted for compatibility.' },
        recovery_shares: { type: 'int', description: 'Accepted for compatibility.' },
        recovery_threshold: { type: 'int', description: 'Accepted for compatibility.' },
      },
      unauthenticated: ['read', 'update'],
      operations: {
        read: async () => rawJson(200, { initialized: (await system.initState()) !== null }),
        update: async ({ data }) => {
          if (data.root_token_pgp_key !== '') throw badRequest('root_token_pgp_key is not supported');
          const { rootToken } = await system.initialize(null);
          return rawJson(200, { keys: [], keys_base64: [], root_token: rootToken });
        },
      },
    }),
    defineRoute({
      pattern: 'sys/seal-status',
      summary: 'Seal status in Vault\'s shape; mintca is never sealed once its key-encryption key is loaded.',
      fields: {},
      unauthenticated: ['read'],
      operations: {
        read: async () => {
          const init = await system.initState();
          return rawJson(200, {
            type: 'shamir',
            initialized: init !== null,
            sealed: false,
            t: 0,
            n: 0,
            progress: 0,
            nonce: '',
            version: reportedVersion,
            build_date: '',
            migration: false,
            cluster_name: init?.clusterName ?? '',
            cluster_id: init?.clusterId ?? '',
            recovery_seal: false,
            storage_type: storageType,
          });
        },
      },
    }),
  ];
}
