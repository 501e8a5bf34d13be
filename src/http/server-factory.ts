import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ListenerConfig } from '../config/config.js';
import { enableListVerb } from './list-verb.js';

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The listener: plain HTTP or HTTPS (optionally asking for client certificates), with LIST support. */
export function createListenerServer(listener: ListenerConfig, handler: RequestHandler): Server {
  if (listener.tlsDisable) {
    const server = createHttpServer(handler);
    enableListVerb(server, false);
    return server;
  }
  const server = createHttpsServer(
    {
      cert: readFileSync(listener.tlsCertFile!),
      key: readFileSync(listener.tlsKeyFile!),
      ca: listener.tlsClientCaFile ? readFileSync(listener.tlsClientCaFile) : undefined,
      requestCert: listener.tlsClientCaFile !== null,
      rejectUnauthorized: listener.tlsRequireClientCert,
    },
    handler,
  );
  enableListVerb(server as unknown as Server, true);
  return server as unknown as Server;
}
