import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Requests Node's HTTP parser refuses before any route runs (oversized headers, malformed
 * framing, header timeouts) still get Vault's error envelope, then the connection closes.
 * When the garbage follows a complete request on the same connection, that request's answer
 * goes out first: it may have been carried out, and a client must not read a 400 for it.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  // Only a request whose body was read in full runs; garbage inside a body fails that request itself.
  if (pending && !pending.writableFinished && pending.req.complete) {
    pending.once('finish', () => answer(error, socket));
    pending.once('close', () => socket.destroy());
    return;
  }
  answer(error, socket);
}

function answer(error: Error & { code?: string }, socket: Socket): void {
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request header fields too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request timeout']
        : [400, 'Bad Request', 'malformed HTTP request'];
  const body = JSON.stringify({ errors: [message] });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
