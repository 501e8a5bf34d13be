// Reads the key, certificate and CA that `mintca agent` keeps in TLS_DIR. Through `..data` (the
// agent's current version, resolved once) the key and certificate always belong together.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

export function readTlsFiles(dir = process.env.TLS_DIR ?? '/etc/tls') {
  const version = existsSync(join(dir, '..data')) ? realpathSync(join(dir, '..data')) : dir;
  const read = (name) => readFileSync(join(version, name));
  return { key: read('tls.key'), cert: read('tls.crt'), ca: read('ca.crt') };
}
