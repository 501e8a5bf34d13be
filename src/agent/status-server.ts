/**
 * The agent's probe and metrics listener (-listen-address): `/healthz` answers 200 while the
 * process runs, `/readyz` 200 only while a certificate valid now is on disk (503 before the first
 * one and after expiry), `/metrics` the Prometheus text format. Plain HTTP: bind it to loopback or
 * the pod network only; it serves no secrets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentError } from './errors.js';
import type { AgentStatus } from './status.js';

export interface StatusServer {
  address: string;
  close(): Promise<void>;
}

export function parseListenAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new AgentError(`-listen-address must be HOST:PORT, got "${value}"`);
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!), port };
}

function handler(status: AgentStatus): Parameters<typeof createServer>[1] {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      const cert = status.certificate();
      if (status.ready()) return send(200, `ok ${cert!.serial}\n`);
      return send(503, cert ? `certificate ${cert.serial} is not valid now\n` : 'no certificate yet\n');
    }
    if (path === '/metrics') {
      status.registry.metrics().then(
        (text) => send(200, text, status.registry.contentType),
        () => send(500, 'metrics failed\n'),
      );
      return;
    }
    send(404, 'not found\n');
  };
}

export async function startStatusServer(listen: string, status: AgentStatus): Promise<StatusServer> {
  const { host, port } = parseListenAddress(listen);
  const server: Server = createServer(handler(status));
  // A probe must not keep the process alive past its shutdown.
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new AgentError(`cannot listen on ${listen}: ${error.code ?? error.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
