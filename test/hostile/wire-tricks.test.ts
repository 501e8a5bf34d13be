/**
 * Header, path and framing tricks over raw sockets, where no HTTP client can normalise or
 * refuse them first: every answer is a 4xx in Vault's envelope (or a correct success), never a
 * 5xx or a dropped connection without an answer, and the server keeps serving.
 */
import { connect } from 'node:net';
import { expect, test } from 'vitest';
import { envelopeProblem, expectHealthy, type RawResponse, send, hostileServer } from './fixture.js';

const file = hostileServer();


/** Writes `raw` as is and reads until the server closes (or 1.5 s pass); parses the first response. */
function rawExchange(raw: Buffer | string): Promise<RawResponse | null> {
  file.fixture.sent.count++;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(file.fixture.server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      socket.destroy();
      const data = Buffer.concat(chunks);
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd < 0) return resolve(null);
      const [statusLine, ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = data.subarray(headEnd + 4);
      const length = Number(headers['content-length']);
      if (Number.isInteger(length)) body = body.subarray(0, length);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body, ms: performance.now() - started });
    };
    const timer = setTimeout(finish, 1_500);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    socket.on('error', () => undefined);
    socket.write(raw);
  });
}

const token = () => file.fixture.server.rootToken;
/** Asks the server to close after answering, so the exchange ends without waiting for a timeout. */
const request = (head: string, body = '') => `${head}${/\r\nConnection:/i.test(head) ? '' : '\r\nConnection: close'}\r\n\r\n${body}`;

const cases: Array<{ name: string; raw: () => string | Buffer; status?: number }> = [
  { name: 'X-Vault-Token of 64 kB (header overflow)', raw: () => request(`GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${'A'.repeat(65_536)}`), status: 431 },
  { name: 'a 100 kB path', raw: () => request(`GET /v1/${'a/'.repeat(50_000)} HTTP/1.1\r\nHost: x`), status: 431 },
  { name: '2,000 headers', raw: () => request(`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2_000 }, (_, i) => `X-H${i}: v`).join('\r\n')}`) },
  { name: 'Content-Length and Transfer-Encoding together', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token()}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked`, '0\r\n\r\n'), status: 400 },
  { name: 'two different Content-Lengths', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3`, '{}x'), status: 400 },
  { name: 'a negative Content-Length', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nContent-Length: -1`, '{}'), status: 400 },
  { name: 'a bad chunk size', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token()}\r\nTransfer-Encoding: chunked`, 'zz\r\n{}\r\n0\r\n\r\n'), status: 400 },
  { name: 'a chunk size of 2^64', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked`, 'FFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n'), status: 400 },
  { name: 'Transfer-Encoding: gzip, chunked', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token()}\r\nTransfer-Encoding: gzip, chunked`, '2\r\n{}\r\n0\r\n\r\n') },
  { name: 'Transfer-Encoding: identity', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nContent-Length: 2`, '{}') },
  { name: 'chunked JSON body split in odd places', raw: () => request(`POST /v1/sys/capabilities-self HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}\r\nTransfer-Encoding: chunked`, '3\r\n{"p\r\n10\r\naths":["a","b"]}\r\n0\r\n\r\n'), status: 200 },
  { name: 'obsolete line folding', raw: () => request(`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Vault-Token: a\r\n  folded`) },
  { name: 'a NUL in a header value', raw: () => request(`GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: a\0b`), status: 400 },
  { name: 'a bare LF request (Node waits for a CRLF header end: the client stalls)', raw: () => `GET /v1/sys/health HTTP/1.1\nHost: x\n\n` },
  { name: 'HTTP/1.0 without Host', raw: () => request('GET /v1/sys/health HTTP/1.0'), status: 200 },
  { name: 'HTTP/2.0 on a 1.1 listener', raw: () => request('GET /v1/sys/health HTTP/2.0\r\nHost: x') },
  { name: 'an absolute-form URI', raw: () => request('GET http://127.0.0.1/v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close') },
  { name: 'an unknown method', raw: () => request('FROB /v1/sys/health HTTP/1.1\r\nHost: x') },
  { name: 'a lowercase method', raw: () => request('get /v1/sys/health HTTP/1.1\r\nHost: x') },
  { name: 'LIST with a body', raw: () => request(`LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}\r\nContent-Length: 2`, '{}'), status: 200 },
  { name: 'raw UTF-8 bytes in the path', raw: () => Buffer.concat([Buffer.from('GET /v1/pki/roles/'), Buffer.from('пример', 'utf8'), Buffer.from(` HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}\r\n\r\n`)]) },
  { name: 'raw invalid UTF-8 in the path', raw: () => Buffer.concat([Buffer.from('GET /v1/pki/roles/'), Buffer.from([0xc0, 0xaf, 0xff]), Buffer.from(` HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}\r\n\r\n`)]) },
  { name: 'a raw space-padded path', raw: () => request(`GET /v1/sys/health  HTTP/1.1\r\nHost: x`) },
  { name: 'a body larger than max_request_size, announced', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}\r\nContent-Length: ${64 * 1024 * 1024}`), status: 413 },
  { name: 'a body shorter than its Content-Length (client stalls)', raw: () => request(`POST /v1/sys/mounts/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token()}\r\nContent-Length: 100`, '{"type":') },
  // The junk after the body is a second, malformed request: the first is answered, then a 400 closes the connection.
  { name: 'a body longer than its Content-Length (pipelined junk)', raw: () => request(`POST /v1/sys/capabilities-self HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token()}\r\nContent-Length: 2`, '{}GARBAGE / HTTP/1.1\r\n\r\n'), status: 200 },
  { name: 'a token of control characters', raw: () => request(`GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: \u0001\u0002\u0003`) },
  { name: 'Authorization: Bearer with 10 kB of spaces', raw: () => request(`GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${' '.repeat(10_000)}x`), status: 403 },
  { name: 'a Content-Type of 8 kB', raw: () => request(`POST /v1/sys/capabilities-self HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}\r\nContent-Type: application/json;${'a=b;'.repeat(2_000)}\r\nContent-Length: 2`, '{}'), status: 200 },
  { name: 'a query string of 15 kB', raw: () => request(`GET /v1/sys/mounts?${'a=b&'.repeat(3_700)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}`), status: 200 },
  { name: 'a malformed percent-encoding in the query', raw: () => request(`GET /v1/sys/mounts?list=%zz&%=% HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Vault-Token: ${token()}`) },
];

test('fail/framing and header tricks over raw sockets get a 4xx envelope or a correct answer', async () => {
  const failures: string[] = [];
  for (const c of cases) {
    const before = file.digest.current();
    const res = await rawExchange(c.raw());
    if (res === null) {
      // Only a stalled client may be left without an answer (the server waits for its body).
      if (!c.name.includes('stalls')) failures.push(`${c.name}: no answer`);
    } else {
      const problem = envelopeProblem(res);
      if (problem) failures.push(`${c.name}: ${problem}`);
      if (c.status !== undefined && res.status !== c.status) failures.push(`${c.name}: ${res.status}, expected ${c.status}: ${res.body.toString().slice(0, 200)}`);
      if (res.status >= 400 && file.digest.current() !== before) failures.push(`${c.name}: answered ${res.status} but the store changed`);
    }
    await expectHealthy(file.fixture);
  }
  expect(failures).toEqual([]);
});

test('fail/a write followed by garbage on the same connection is answered as carried out, then the garbage gets a 400', async () => {
  const raw = await new Promise<string>((resolve) => {
    const socket = connect(file.fixture.server.port, '127.0.0.1');
    let out = '';
    socket.on('data', (chunk: Buffer) => (out += chunk.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', () => undefined);
    const body = JSON.stringify({ policy: 'path "x" { capabilities = ["read"] }' });
    socket.write(`PUT /v1/sys/policies/acl/pipelined HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token()}\r\nContent-Length: ${body.length}\r\n\r\n${body}GARBAGE / HTTP/1.1\r\n\r\n`);
  });
  const statuses = [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
  expect(statuses).toEqual([204, 400]);
  expect(raw).toContain('{"errors":["malformed HTTP request"]}');
  expect((await send(file.fixture, 'GET', '/v1/sys/policies/acl/pipelined', { headers: { 'x-vault-token': token() } })).status).toBe(200);
});

const pathCases: Array<{ path: string; status: number }> = [
  { path: '/v1/sys/health/../../sys/mounts', status: 400 },
  { path: '/v1/%2e%2e/sys/mounts', status: 400 },
  { path: '/v1/sys/%2e/mounts', status: 400 },
  { path: '/v1/sys//mounts', status: 400 },
  { path: '/v1/sys/mounts%00', status: 400 },
  { path: '/v1/sys/mounts/pki%2Ftune', status: 400 },
  { path: '/v1/pki/cert/..%2F..%2Fsys%2Fmounts', status: 400 },
  { path: '/v1/pki/cert/%ZZ', status: 400 },
  { path: '/v1/pki/cert/%', status: 400 },
  { path: '/v1/pki/roles/%ED%A0%80', status: 400 },
  { path: '/v1/pki/roles/%C0%AE%C0%AE', status: 400 },
  { path: `/v1/pki/roles/${'r'.repeat(8_000)}`, status: 404 },
  { path: `/v1/pki/roles/${encodeURIComponent('例え')}`, status: 404 },
  { path: '/v1/', status: 404 },
  { path: '/v1', status: 404 },
  { path: '/v2/sys/health', status: 404 },
  { path: '/v1/sys/mounts#frag', status: 404 },
  { path: '/v1/sys/mounts;x=y', status: 404 },
  { path: '/v1/SYS/MOUNTS', status: 404 },
  { path: '/v1/pki_int/cert/ca/../ca_chain', status: 400 },
  { path: '/v1/pki_int/ocsp/%2F%2F%2F', status: 400 },
  { path: '/v1/pki_int/ocsp/..', status: 400 },
];

test('fail/path tricks: dot segments, encoded slashes, NUL, bad encodings, very long and unicode segments', async () => {
  const failures: string[] = [];
  for (const { path, status } of pathCases) {
    const res = await send(file.fixture, 'GET', path, { headers: { 'x-vault-token': file.fixture.server.rootToken } });
    const problem = res.headers['content-type'] === 'application/ocsp-response' ? null : envelopeProblem(res);
    if (problem) failures.push(`${path.slice(0, 80)}: ${problem}`);
    if (res.status !== status) failures.push(`${path.slice(0, 80)}: ${res.status}, expected ${status}: ${res.body.toString().slice(0, 200)}`);
  }
  await expectHealthy(file.fixture);
  expect(failures).toEqual([]);
});
