import { CaError } from '../../../core/errors.js';
import type { MountRecord } from '../../../storage/types.js';

/** Engine routes always run inside a mount; this narrows the type for handlers. */
export function mountOf(mount: MountRecord | null): MountRecord {
  if (!mount) throw new CaError('internal', 'engine route reached without a mount');
  return mount;
}
