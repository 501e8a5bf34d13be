import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type CallResult, initialize, serverDir } from '../helpers/configured-server.js';

const state = serverDir('mintca-two-');
afterAll(() => state.cleanup());

function crlNumberAndSerials(der: Buffer, name: string): { number: number; serials: Set<string> } {
  const file = join(state.dir, `${name}.der`);
  writeFileSync(file, der);
  const text = execFileSync('bash', ['-c', `openssl crl -inform DER -in '${file}' -CAfile '${join(state.dir, 'root.pem')}' -noout -text -crlnumber 2>&1`]).toString();
  expect(text).toContain('verify OK');
  const number = Number.parseInt(/crlNumber=(?:0x)?([0-9A-Fa-f]+)/.exec(text)![1]!, 16);
  const serials = new Set([...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.replace(/^0+/, '')));
  return { number, serials };
}

const fetchCrl = async (url: string): Promise<Buffer> => Buffer.from(await (await fetch(`${url}/v1/pki/crl`)).arrayBuffer());

describe('two server processes on one SQLite file', () => {
  it('ok/mixed issuance, revocation and CRL rotation on both: no 5xx, no duplicate serial, CRL numbers strictly increasing', async () => {
    const a = await state.start(state.config('a'));
    const token = await initialize(a.url);
    await call(a.url, token, 'POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    const rootPem = (await call(a.url, token, 'POST', 'pki/root/generate/internal', { common_name: 'Two Process Root', key_type: 'ec', ttl: '8760h' })).json.data.certificate;
    writeFileSync(join(state.dir, 'root.pem'), `${rootPem}\n`);
    await call(a.url, token, 'POST', 'pki/roles/web', { allow_any_name: true, key_type: 'ec' });
    const b = await state.start(state.config('b'));
    const servers = [a.url, b.url];

    const answers: Array<{ what: string; res: CallResult }> = [];
    const issued: string[] = [];
    const revoked: string[] = [];
    const pool: string[] = [];
    const client = async (id: number) => {
      for (let n = 0; n < 40; n++) {
        const url = servers[(id + n) % 2]!;
        let what: string;
        let res: CallResult;
        if (n % 3 !== 2 || pool.length === 0) {
          what = `issue on ${url}`;
          res = await call(url, token, 'POST', 'pki/issue/web', { common_name: `c${id}-${n}.example`, ttl: '1h' });
          if (res.status === 200) {
            issued.push(res.json.data.serial_number);
            pool.push(res.json.data.serial_number);
          }
        } else if (n % 9 === 8) {
          what = `token on ${url}`;
          res = await call(url, token, 'POST', 'auth/token/create', { policies: ['p'] });
        } else {
          const serial = pool.shift()!;
          what = `revoke ${serial} on ${url}`;
          res = await call(url, token, 'POST', 'pki/revoke', { serial_number: serial });
          if (res.status === 200) revoked.push(serial);
        }
        answers.push({ what, res });
      }
    };
    // One client rotates the CRL on each process in turn: every CRL it then reads is newer than the last.
    const numbers: number[] = [];
    const rotator = async () => {
      for (let n = 0; n < 16; n++) {
        const url = servers[n % 2]!;
        const res = await call(url, token, 'GET', 'pki/crl/rotate');
        answers.push({ what: `rotate on ${url}`, res });
        numbers.push(crlNumberAndSerials(await fetchCrl(url), `crl-${n}`).number);
      }
    };
    await Promise.all([...Array.from({ length: 6 }, (_, id) => client(id)), rotator()]);

    const failures = answers.filter(({ res }) => res.status >= 500 || /SQLITE|locked|busy/i.test(JSON.stringify(res.json)));
    expect(failures.map(({ what, res }) => `${what}: ${res.status} ${JSON.stringify(res.json)}`)).toEqual([]);
    expect(answers.filter(({ res }) => res.status >= 300).map(({ what, res }) => `${what}: ${res.status}`)).toEqual([]);
    expect(issued.length).toBeGreaterThan(100);
    expect(revoked.length).toBeGreaterThan(30);
    expect(new Set(issued).size).toBe(issued.length);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i], `CRL numbers ${numbers.join(',')}`).toBeGreaterThan(numbers[i - 1]!);

    // Each process's CRL lists the revocations answered by either.
    for (const url of servers) {
      const { serials } = crlNumberAndSerials(await fetchCrl(url), 'final');
      expect(revoked.filter((s) => !serials.has(s.replace(/:/g, '').toUpperCase().replace(/^0+/, '')))).toEqual([]);
    }
    // Both see every certificate, whichever issued it.
    for (const serial of issued.slice(0, 20)) {
      for (const url of servers) expect((await call(url, token, 'GET', `pki/cert/${serial}`)).status).toBe(200);
    }

    a.proc.child.kill('SIGTERM');
    b.proc.child.kill('SIGTERM');
    expect(await a.proc.exited).toBe(0);
    expect(await b.proc.exited).toBe(0);
    const db = new Database(state.dbPath, { readonly: true });
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    db.close();
  }, 60_000);
});

describe('rate-limit quotas with two processes', () => {
  const quotaState = serverDir('mintca-two-quota-');
  afterAll(() => quotaState.cleanup());

  it('ok/a quota written through one process is enforced by the other within seconds, and its removal too', async () => {
    const [a, b] = await Promise.all([quotaState.start(quotaState.config('a')), quotaState.start(quotaState.config('b'))]);
    const token = await initialize(a.url);
    expect((await call(b.url, token, 'GET', 'sys/mounts')).status).toBe(200);
    expect((await call(a.url, token, 'POST', 'sys/quotas/rate-limit/mounts', { path: 'sys/mounts', rate: 1, interval: '1h' })).status).toBe(204);
    const until = async (url: string, status: number): Promise<number> => {
      const started = Date.now();
      while (Date.now() - started < 6000) {
        if ((await call(url, token, 'GET', 'sys/mounts')).status === status) return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${url} never answered ${status}`);
    };
    expect(await until(b.url, 429)).toBeLessThan(3000);
    expect((await call(a.url, token, 'GET', 'sys/mounts')).status).toBe(200);
    expect((await call(a.url, token, 'GET', 'sys/mounts')).status).toBe(429);
    expect((await call(b.url, token, 'DELETE', 'sys/quotas/rate-limit/mounts')).status).toBe(204);
    expect(await until(a.url, 200)).toBeLessThan(3000);
    a.proc.child.kill('SIGTERM');
    b.proc.child.kill('SIGTERM');
    expect([await a.proc.exited, await b.proc.exited]).toEqual([0, 0]);
  }, 30_000);
});
