import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { readMigrations } from '../../src/storage/sqlite/migrate.js';
import { call, initialize, type RunningServer, serverDir } from '../helpers/configured-server.js';

/** A small seeded generator, so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bareSerial = (serial: string): string => serial.replace(/:/g, '').toUpperCase().replace(/^0+/, '');

/** What clients were told: the promises a restarted server must keep. */
interface Acknowledged {
  certificates: Map<string, string>;
  privateKeys: string[];
  noStoreSerials: string[];
  revoked: Set<string>;
  roles: Map<string, number>;
  unrevoked: string[];
  crlNumbers: number[];
}

export interface CrashLoopOptions {
  cycles: number;
  seed: number;
  clients: number;
}

/**
 * Runs issuance, revocation and role writes from concurrent clients against a real
 * `mintca server -config`, kills it with SIGKILL at a random moment, restarts it on the same
 * files and checks every acknowledged write, `cycles` times.
 */
export async function runCrashLoop({ cycles, seed, clients }: CrashLoopOptions): Promise<{ issued: number; revoked: number; roles: number }> {
  const random = prng(seed);
  const state = serverDir('mintca-crashloop-');
  const acked: Acknowledged = { certificates: new Map(), privateKeys: [], noStoreSerials: [], revoked: new Set(), roles: new Map(), unrevoked: [], crlNumbers: [] };
  try {
    let server = await state.start();
    const token = await initialize(server.url);
    await call(server.url, token, 'POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    const rootPem = (await call(server.url, token, 'POST', 'pki/root/generate/internal', { common_name: 'Crash Loop Root', key_type: 'ec', ttl: '8760h' })).json.data.certificate;
    writeFileSync(join(state.dir, 'root.pem'), `${rootPem}\n`);
    await call(server.url, token, 'POST', 'pki/roles/web', { allow_any_name: true, key_type: 'ec', max_ttl: '2h' });
    await call(server.url, token, 'POST', 'pki/roles/ephemeral', { allow_any_name: true, key_type: 'ec', no_store: true });

    for (let cycle = 0; cycle < cycles; cycle++) {
      let killed = false;
      const client = async (id: number) => {
        let n = 0;
        while (!killed) {
          const pick = random();
          n++;
          try {
            if (pick < 0.5 || acked.unrevoked.length === 0) {
              const noStore = pick > 0.45 && pick < 0.5;
              const res = await call(server.url, token, 'POST', `pki/issue/${noStore ? 'ephemeral' : 'web'}`, { common_name: `c${cycle}-${id}-${n}.example`, ttl: '1h' });
              if (res.status === 200) {
                acked.privateKeys.push(res.json.data.private_key);
                if (noStore) acked.noStoreSerials.push(res.json.data.serial_number);
                else {
                  acked.certificates.set(res.json.data.serial_number, res.json.data.certificate);
                  acked.unrevoked.push(res.json.data.serial_number);
                }
              }
            } else if (pick < 0.8) {
              const serial = acked.unrevoked.splice(Math.floor(random() * acked.unrevoked.length), 1)[0]!;
              const res = await call(server.url, token, 'POST', 'pki/revoke', { serial_number: serial });
              if (res.status === 200) acked.revoked.add(serial);
            } else {
              const name = `r-${cycle}-${id}-${n}`;
              const hours = 1 + Math.floor(random() * 100);
              const res = await call(server.url, token, 'POST', `pki/roles/${name}`, { allow_any_name: true, max_ttl: `${hours}h` });
              if (res.status >= 200 && res.status < 300) acked.roles.set(name, hours * 3600);
            }
          } catch {
            // The connection died with the server: this write was never acknowledged.
          }
        }
      };
      const load = Array.from({ length: clients }, (_, id) => client(id));
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(random() * 700)));
      server.proc.child.kill('SIGKILL');
      killed = true;
      await Promise.all(load);
      await server.proc.exited;

      server = await state.start();
      await checkPromisesKept(server, token, state.dbPath, state.dir, acked, `seed ${seed}, cycle ${cycle}`);
    }
    server.proc.child.kill('SIGTERM');
    expect(await server.proc.exited).toBe(0);
    // The request log of every run: no token, no private key.
    const logs = state.output();
    expect(logs).toContain('"msg":"request"');
    expect(logs.includes(token), 'root token in a log line').toBe(false);
    const firstLines = acked.privateKeys.map((pem) => pem.split('\n')[1]!);
    expect(firstLines.filter((line) => line.length < 40 || logs.includes(line)).length, 'private keys in log lines').toBe(0);
    return { issued: acked.certificates.size + acked.noStoreSerials.length, revoked: acked.revoked.size, roles: acked.roles.size };
  } finally {
    state.cleanup();
  }
}

async function checkPromisesKept(server: RunningServer, token: string, dbPath: string, dir: string, acked: Acknowledged, label: string): Promise<void> {
  // The store opens (the server is up) and its schema is whole.
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    expect(db.pragma('integrity_check'), label).toEqual([{ integrity_check: 'ok' }]);
    const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all();
    expect(applied, label).toEqual(readMigrations().map(({ version, name, checksum }) => ({ version, name, checksum })));
  } finally {
    db.close();
  }

  // No serial was handed out twice, with or without no_store.
  const all = [...acked.certificates.keys(), ...acked.noStoreSerials];
  expect(new Set(all).size, label).toBe(all.length);

  // Every certificate a client received reads back by serial with the same bytes.
  for (const [serial, pem] of acked.certificates) {
    const res = await call(server.url, token, 'GET', `pki/cert/${serial}`);
    expect(res.status, `${label}: cert ${serial}`).toBe(200);
    expect(res.json.data.certificate.trim(), `${label}: cert ${serial}`).toBe(pem.trim());
    if (acked.revoked.has(serial)) expect(res.json.data.revocation_time, `${label}: ${serial} shown revoked`).toBeGreaterThan(0);
  }

  // Every revocation answered 200 is in the CRL, which verifies against the root.
  const crl = Buffer.from(await (await fetch(`${server.url}/v1/pki/crl`)).arrayBuffer());
  writeFileSync(join(dir, 'crl.der'), crl);
  const text = execFileSync('bash', ['-c', `openssl crl -inform DER -in '${join(dir, 'crl.der')}' -CAfile '${join(dir, 'root.pem')}' -noout -text -crlnumber 2>&1`]).toString();
  expect(text, label).toContain('verify OK');
  const listed = new Set([...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => bareSerial(m[1]!)));
  const missing = [...acked.revoked].filter((serial) => !listed.has(bareSerial(serial)));
  expect(missing, `${label}: acknowledged revocations missing from the CRL`).toEqual([]);
  const crlNumber = Number.parseInt(/crlNumber=(?:0x)?([0-9A-Fa-f]+)/.exec(text)![1]!, 16);
  expect(crlNumber, `${label}: CRL number went back`).toBeGreaterThanOrEqual(acked.crlNumbers.at(-1) ?? 0);
  acked.crlNumbers.push(crlNumber);

  // Every role write answered 2xx is there, as written.
  for (const [name, maxTtl] of acked.roles) {
    const res = await call(server.url, token, 'GET', `pki/roles/${name}`);
    expect(res.status, `${label}: role ${name}`).toBe(200);
    expect(res.json.data.max_ttl, `${label}: role ${name}`).toBe(maxTtl);
  }
}
