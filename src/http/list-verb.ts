import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/**
 * Vault clients send the non-standard `LIST` method (hvac by default, `curl -X LIST` in
 * Vault's docs). Node's HTTP parser rejects unknown methods before any framework sees them,
 * so every connection is framed here first: at each request boundary a `LIST` request line
 * becomes `GET` plus a marker header, and the request handler restores the method. Bodies
 * (fixed length or chunked) are passed through untouched; framing is tracked only so that
 * keep-alive and pipelined requests are recognised at their start.
 */
export const listMarkerHeader = 'x-mintca-list-verb';

const maxHeadBytes = 64 * 1024;
const listPrefix = Buffer.from('LIST ');
const markerLine = Buffer.from(`${listMarkerHeader}: 1\r\n`);
const headTerminator = Buffer.from('\r\n\r\n');

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'passthrough';

export class ListVerbFramer {
  private state: State = 'head';
  private pending: Buffer | null = null;
  private remaining = 0;
  private line = '';

  /** Takes bytes from the wire; returns the bytes to hand the HTTP parser. */
  feed(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let data = chunk;
    let pos = 0;
    while (pos < data.length) {
      switch (this.state) {
        case 'passthrough':
          out.push(data.subarray(pos));
          return out;
        case 'head': {
          const combined = this.pending ? Buffer.concat([this.pending, data.subarray(pos)]) : data.subarray(pos);
          this.pending = null;
          let start = 0;
          while (start < combined.length && (combined[start] === 0x0d || combined[start] === 0x0a)) start++;
          const end = combined.indexOf(headTerminator, start);
          if (end < 0) {
            if (combined.length > maxHeadBytes) {
              this.state = 'passthrough';
              out.push(combined);
            } else {
              this.pending = Buffer.from(combined);
            }
            return out;
          }
          const head = combined.subarray(start, end + 4);
          out.push(...this.rewriteHead(head));
          data = combined;
          pos = end + 4;
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, data.length - pos);
          out.push(data.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'head';
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, data.length - pos);
          out.push(data.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'chunk-size';
          break;
        }
        case 'chunk-size':
        case 'trailers': {
          const newline = data.indexOf(0x0a, pos);
          const stop = newline < 0 ? data.length : newline + 1;
          out.push(data.subarray(pos, stop));
          this.line += data.toString('latin1', pos, stop);
          pos = stop;
          if (newline < 0) {
            if (this.line.length > maxHeadBytes) this.state = 'passthrough';
            break;
          }
          this.endLine(this.line.trim());
          this.line = '';
          break;
        }
      }
    }
    return out;
  }

  private endLine(line: string): void {
    if (this.state === 'trailers') {
      if (line === '') this.state = 'head';
      return;
    }
    const size = Number.parseInt(line.split(';')[0]!, 16);
    if (!Number.isFinite(size) || size < 0) {
      this.state = 'passthrough';
    } else if (size === 0) {
      this.state = 'trailers';
    } else {
      this.remaining = size + 2;
      this.state = 'chunk-data';
    }
  }

  private rewriteHead(head: Buffer): Buffer[] {
    const text = head.toString('latin1');
    if (/^CONNECT /i.test(text) || /\r\nupgrade:/i.test(text)) {
      this.state = 'passthrough';
    } else if (/\r\ntransfer-encoding:[^\r\n]*chunked/i.test(text)) {
      this.state = 'chunk-size';
    } else {
      const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(text);
      this.remaining = length ? Number(length[1]) : 0;
      this.state = this.remaining > 0 ? 'body' : 'head';
    }
    if (!head.subarray(0, listPrefix.length).equals(listPrefix)) return [head];
    const lineEnd = head.indexOf('\r\n') + 2;
    return [Buffer.from('GET'), head.subarray(listPrefix.length - 1, lineEnd), markerLine, head.subarray(lineEnd)];
  }
}

/** The socket handed to Node's HTTP machinery: framed reads, direct writes, socket facts passed through. */
class FramedSocket extends Duplex {
  private readonly framer = new ListVerbFramer();

  constructor(private readonly inner: Socket) {
    super({ allowHalfOpen: true });
    inner.on('data', (chunk: Buffer) => {
      for (const piece of this.framer.feed(chunk)) {
        if (!this.push(piece)) inner.pause();
      }
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
    inner.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.inner.write(chunk, encoding, callback);
  }

  /** A response's head and body leave in one writev (one syscall), as on an unframed socket. */
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    this.inner.cork();
    chunks.forEach(({ chunk, encoding }, i) => {
      if (i < chunks.length - 1) this.inner.write(chunk, encoding);
      else this.inner.write(chunk, encoding, callback);
    });
    this.inner.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy(error ?? undefined);
    callback(error);
  }

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.inner.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.inner.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.inner.localPort;
  }
  get encrypted(): boolean {
    return (this.inner as TLSSocket).encrypted === true;
  }
  get authorized(): boolean {
    return (this.inner as TLSSocket).authorized === true;
  }
  get authorizationError(): Error | undefined {
    return (this.inner as TLSSocket).authorizationError;
  }
  get alpnProtocol(): string | false | null {
    return (this.inner as TLSSocket).alpnProtocol ?? null;
  }
  getPeerCertificate(detailed?: boolean): ReturnType<TLSSocket['getPeerCertificate']> | null {
    const tls = this.inner as TLSSocket;
    return typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate(detailed === true) : null;
  }
  address(): ReturnType<Socket['address']> {
    return this.inner.address();
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.inner.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }
  ref(): this {
    this.inner.ref();
    return this;
  }
  unref(): this {
    this.inner.unref();
    return this;
  }
}

/**
 * Routes every accepted connection of an http or https server through the LIST framer.
 * An https server hands decrypted sockets to HTTP on 'secureConnection', a plain one on 'connection'.
 */
export function enableListVerb(server: HttpServer, encrypted: boolean): void {
  const event = encrypted ? 'secureConnection' : 'connection';
  const listeners = server.listeners(event) as Array<(socket: Socket) => void>;
  server.removeAllListeners(event);
  server.on(event, (socket: Socket) => {
    const framed = new FramedSocket(socket) as unknown as Socket;
    for (const listener of listeners) listener.call(server, framed);
  });
}
