import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawnBuiltMintca } from '../test/helpers/process.js';
import { removeDir, tempDir, track } from './cleanup.js';

export interface RevocationFigure {
  alreadyRevoked: number;
  revokes: number;
  p50Ms: number;
  p99Ms: number;
  /** GET crl right after the revocations: waits for the rebuild of a CRL of that size. */
  crlFetchMs: number;
  crlBytes: number;
  /** A second, warm `crl/rotate` right after start-up: the full CRL rebuilt from storage and signed, over HTTP. */
  crlRotateMs: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Revoke latency with 0, 10k and 100k certificates already revoked: a production-mode server
 * over a SQLite file, the existing revocations seeded straight into the file while it is stopped.
 */
export async function revocationBench(sizes: number[] = [0, 10_000, 100_000], revokes = 200, onServer: (pid: number) => void = () => undefined): Promise<RevocationFigure[]> {
  const figures: RevocationFigure[] = [];
  for (const size of sizes) {
    const dir = tempDir('revoke');
    writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
    const dbPath = join(dir, 'mintca.db');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ storage: { sqlite: { path: dbPath } }, listener: { tcp: { address: '127.0.0.1:0', tls_disable: true } }, kek_file: join(dir, 'kek'), log_level: 'warn' }));
    const start = async () => {
      const proc = spawnBuiltMintca(['server', `-config=${join(dir, 'config.json')}`, '-log-level=info']);
      // A failed run must not leave a server behind.
      track(proc.child);
      onServer(proc.child.pid!);
      const [, url] = await proc.waitFor(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
      return { proc, url: url! };
    };
    let server = await start();
    const token = ((await (await fetch(`${server.url}/v1/sys/init`, { method: 'PUT', body: '{}' })).json()) as { root_token: string }).root_token;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}/v1/${path}`, { method, headers: { 'X-Vault-Token': token }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return (text === '' ? { data: {} } : JSON.parse(text)) as { data: Record<string, unknown> };
    };
    await call('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    const issuerId = (await call('POST', 'pki/root/generate/internal', { common_name: 'bench root', key_type: 'ec', ttl: '8760h' })).data.issuer_id as string;
    await call('POST', 'pki/roles/web', { allow_any_name: true, key_type: 'ec' });
    await call('POST', 'pki/config/crl', { max_crl_entries: -1 });
    server.proc.child.kill('SIGTERM');
    await server.proc.exited;

    if (size > 0) {
      const db = new Database(dbPath);
      const mountUuid = (db.prepare("SELECT uuid FROM mounts WHERE path = 'pki/'").get() as { uuid: string }).uuid;
      const insert = db.prepare('INSERT INTO pki_revocations (mount_uuid, serial, issuer_id, revoked_at_ms, reason) VALUES (?, ?, ?, ?, NULL)');
      const now = Date.now();
      db.transaction(() => {
        for (let i = 0; i < size; i++) {
          const serial = Buffer.concat([Buffer.of(0x40 | (i & 0x3f)), randomBytes(19)]).toString('hex').match(/../g)!.join(':');
          insert.run(mountUuid, serial, issuerId, now);
        }
      })();
      db.close();
    }

    server = await start();
    await call('GET', 'pki/crl/rotate');
    const rotateStarted = performance.now();
    await call('GET', 'pki/crl/rotate');
    const crlRotateMs = round(performance.now() - rotateStarted);
    const serials: string[] = [];
    for (let i = 0; i < revokes; i++) serials.push((await call('POST', 'pki/issue/web', { common_name: `r${i}.example`, ttl: '1h' })).data.serial_number as string);
    const latencies: number[] = [];
    for (const serial of serials) {
      const t0 = performance.now();
      await call('POST', 'pki/revoke', { serial_number: serial });
      latencies.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const crl = Buffer.from(await (await fetch(`${server.url}/v1/pki/crl`)).arrayBuffer());
    const crlFetchMs = performance.now() - t0;
    latencies.sort((a, b) => a - b);
    figures.push({ alreadyRevoked: size, revokes, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), crlFetchMs: round(crlFetchMs), crlBytes: crl.length, crlRotateMs });
    server.proc.child.kill('SIGTERM');
    await server.proc.exited;
    removeDir(dir);
  }
  return figures;
}
