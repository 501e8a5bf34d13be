import type { QuotaRequest } from '../services/quota/quota-service.js';
import type { TokenService } from '../services/token-service.js';
import type { MountRecord } from '../storage/types.js';
import type { RouteDef } from './route.js';

export interface QuotaRequestInput {
  path: string;
  remoteAddress: string | undefined;
  mount: MountRecord | null;
  /** Null for a path no route serves: such requests count too. */
  route: RouteDef | null;
  /** The decoded request input; called only for logins when role quotas exist. */
  data: () => Record<string, unknown>;
  tokens: TokenService;
  clientToken: string | null;
}

/** What the quota check may ask of a request, each part computed only when a quota needs it. */
export function quotaRequestOf(input: QuotaRequestInput): QuotaRequest {
  const { route, mount } = input;
  return {
    path: input.path,
    remoteAddress: input.remoteAddress,
    caller: async () => {
      if (!input.clientToken) return null;
      const record = await input.tokens.authenticate(input.clientToken);
      return record ? { entityId: record.entityId, accessor: record.accessor } : null;
    },
    loginRole:
      route?.quotaRole && mount?.kind === 'auth'
        ? async () => {
            let data: Record<string, unknown>;
            try {
              data = input.data();
            } catch {
              return null; // An undecodable body is refused later, with its own 400.
            }
            const role = await route.quotaRole!({ data, mount }).catch(() => null);
            return role === null ? null : { mountPath: `auth/${mount.path}`, role };
          }
        : null,
  };
}
