import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListVerbFramer } from '../../src/http/list-verb.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await api(server, 'POST', '/v1/sys/mounts/pki', { token: server.rootToken, body: { type: 'pki' } });
});
afterAll(async () => server.close());

/** Sends raw bytes on one connection and collects everything until the server has answered `expected` responses. */
function rawExchange(port: number, payload: Buffer | Buffer[], expected: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out; received so far:\n${received}`));
    }, 5000);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if ((received.match(/HTTP\/1\.1 \d{3}/g) ?? []).length >= expected && /\r\n\r\n[^]*\n$/.test(received)) {
        clearTimeout(timer);
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
    const parts = Array.isArray(payload) ? payload : [payload];
    let index = 0;
    const writeNext = () => {
      if (index >= parts.length) return;
      socket.write(parts[index++]!);
      setTimeout(writeNext, 5);
    };
    writeNext();
  });
}

const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('the LIST verb', () => {
  it('ok/curl -X LIST lists token accessors like GET ?list=true', async () => {
    const { stdout } = await run('curl', ['-sS', '-X', 'LIST', '-H', `X-Vault-Token: ${server.rootToken}`, `${server.url}/v1/auth/token/accessors`]);
    const viaVerb = JSON.parse(stdout);
    const viaQuery = await api(server, 'GET', '/v1/auth/token/accessors?list=true', { token: server.rootToken });
    expect(viaVerb.data.keys).toEqual(viaQuery.json.data.keys);
    expect(viaVerb.data.keys.length).toBeGreaterThan(0);
  });

  it('ok/curl reuses one keep-alive connection across LIST, GET and POST requests', async () => {
    const url = `${server.url}/v1/auth/token/accessors`;
    const { stdout, stderr } = await run('curl', [
      '-sS', '-v', '-X', 'LIST', '-H', `X-Vault-Token: ${server.rootToken}`, url, url, url,
    ]);
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing/);
    expect(stdout.match(/"keys"/g)?.length).toBe(3);
  });

  it('ok/pipelined requests on one socket, including bodies and a chunked body, each get their answer', async () => {
    const token = server.rootToken;
    const body = JSON.stringify({ policies: ['a'], meta: { note: 'LIST /v1/not-a-request HTTP/1.1' } });
    const chunked = '{"policies":["b"]}';
    const pipeline = Buffer.from(
      `LIST /v1/auth/token/accessors HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n` +
        `POST /v1/auth/token/create HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
        `POST /v1/auth/token/create HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${chunked.length.toString(16)}\r\n${chunked}\r\n0\r\n\r\n` +
        `LIST /v1/auth/token/accessors HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n` +
        `LIST /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nConnection: close\r\n\r\n`,
    );
    const answer = await rawExchange(server.port, pipeline, 5);
    expect(statuses(answer)).toEqual([200, 200, 200, 200, 405]);
    expect(answer.match(/"keys":\[/g)).toHaveLength(2);
    expect(answer).toContain('"policies":["a","default"]');
    expect(answer).toContain('"policies":["b","default"]');
    expect(answer).toContain('{"errors":["unsupported operation"]}');
  });

  it('ok/a request split across many tiny writes is framed correctly', async () => {
    const token = server.rootToken;
    const text = `LIST /v1/auth/token/accessors HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\nLIST /v1/auth/token/accessors HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nConnection: close\r\n\r\n`;
    const pieces: Buffer[] = [];
    for (let i = 0; i < text.length; i += 7) pieces.push(Buffer.from(text.slice(i, i + 7)));
    expect(statuses(await rawExchange(server.port, pieces, 2))).toEqual([200, 200]);
  });
});

describe('ListVerbFramer', () => {
  const feedAll = (framer: ListVerbFramer, pieces: string[]) =>
    pieces.map((piece) => Buffer.concat(framer.feed(Buffer.from(piece, 'latin1'))).toString('latin1')).join('');

  it('ok/rewrites LIST only at request starts, at every split point', () => {
    const stream =
      'POST /a HTTP/1.1\r\nContent-Length: 24\r\n\r\nLIST /b HTTP/1.1\r\n\r\nxxxx' +
      'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nLIST \r\n0\r\nTrailer: 1\r\n\r\n' +
      'LIST /d HTTP/1.1\r\nHost: h\r\n\r\n';
    const expected = stream.replace('LIST /d HTTP/1.1\r\n', 'GET /d HTTP/1.1\r\nx-mintca-list-verb: 1\r\n');
    for (let split = 1; split < stream.length; split++) {
      const out = feedAll(new ListVerbFramer(), [stream.slice(0, split), stream.slice(split)]);
      expect(out, `split at ${split}`).toBe(expected);
    }
    expect(feedAll(new ListVerbFramer(), stream.split(''))).toBe(expected);
  });

  it('ok/passes upgrades and oversized heads through untouched', () => {
    const upgrade = 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\nLIST /x HTTP/1.1\r\n\r\n';
    expect(feedAll(new ListVerbFramer(), [upgrade])).toBe(upgrade);
    const huge = `GET /x HTTP/1.1\r\nX: ${'a'.repeat(70 * 1024)}`;
    expect(feedAll(new ListVerbFramer(), [huge, '\r\n\r\nLIST /y HTTP/1.1\r\n\r\n'])).toBe(`${huge}\r\n\r\nLIST /y HTTP/1.1\r\n\r\n`);
  });
});
