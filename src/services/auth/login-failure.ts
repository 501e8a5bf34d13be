import type { Logger } from 'pino';
import { CaError, permissionDenied } from '../../core/errors.js';
import type { MountRecord } from '../../storage/types.js';

/**
 * Vault answers a refused login with a bare 403 `permission denied`; why it was refused goes to
 * the server log only, so a caller cannot probe bindings. Bad input stays a 400, an unreachable
 * cluster a 502.
 */
export function loginFailure(error: unknown, logger: Logger, mount: MountRecord, roleName: string): unknown {
  if (error instanceof CaError && error.kind === 'permission_denied') {
    logger.info({ mount: mount.path, role: roleName, reason: error.message }, 'login refused');
    return permissionDenied();
  }
  return error;
}
