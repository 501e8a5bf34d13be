import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../services/token-service.js';
import type { MountRecord } from '../storage/types.js';
import type { FieldValues, Fields } from './fields.js';
import type { Reply } from './reply.js';

export type Operation = 'read' | 'list' | 'update' | 'patch' | 'delete';


export interface RouteContext<F extends Fields> {
  operation: Operation;
  /** Logical path without /v1/, e.g. `pki_int/issue/web`. */
  path: string;
  params: Record<string, string>;
  data: FieldValues<F>;
  provided(name: keyof F & string): boolean;
  rawData: Record<string, unknown>;
  rawBody: Buffer | null;
  contentType: string;
  headers: IncomingHttpHeaders;
  caller: Caller | null;
  mount: MountRecord | null;
  requestId: string;
  /** The client's address, for CIDR-bound logins and tokens. */
  remoteAddress: string | undefined;
  /** DER of the TLS client certificate, when the listener asked for one and the client sent it. */
  peerCertificate: Buffer | null;
}

export type Handler<F extends Fields> = (ctx: RouteContext<F>) => Promise<Reply>;

export interface RouteDef<F extends Fields = Fields> {
  /** Segments: literals, `:name` (one segment) or `*name` (the rest, one or more segments). */
  pattern: string;
  summary: string;
  fields: F;
  operations: Partial<Record<Operation, Handler<F>>>;
  /** Operations that need no token. */
  unauthenticated?: readonly Operation[];
  /** Operations that need the sudo capability as well (Vault's root-protected paths). */
  sudo?: readonly Operation[];
  /**
   * Vault's existence check: when given, a write to a missing item needs `create` and a write
   * to an existing one `update`. Without it every write needs `update`, as in Vault's PKI.
   */
  exists?: (ctx: { params: Record<string, string>; mount: MountRecord | null }) => Promise<boolean>;
  /** Logins: the auth-method role a request names, for role-scoped rate-limit quotas. */
  quotaRole?: (ctx: { data: Record<string, unknown>; mount: MountRecord }) => Promise<string | null>;
  /** Pass the body through undecoded (OCSP requests). */
  rawBody?: boolean;
  /** Accept `%2F` inside path parameters (OCSP GET carries base64 in the path). */
  allowEncodedSlash?: boolean;
}

/** Keeps each route's field types for its handlers, then erases them for the route table. */
export function defineRoute<const F extends Fields>(def: RouteDef<F>): RouteDef {
  return def as unknown as RouteDef;
}

interface CompiledRoute {
  def: RouteDef;
  regex: RegExp;
  names: string[];
}

export interface RouteMatch {
  def: RouteDef;
  params: Record<string, string>;
}

/** Matches mount-relative (or system) paths against routes, first declared first. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(readonly routes: readonly RouteDef[]) {
    this.compiled = routes.map((def) => compile(def));
  }

  match(path: string): RouteMatch | null {
    const trimmed = path.replace(/\/+$/, '');
    for (const { def, regex, names } of this.compiled) {
      const found = regex.exec(trimmed);
      if (!found) continue;
      const params: Record<string, string> = {};
      names.forEach((name, index) => {
        params[name] = found[index + 1]!;
      });
      return { def, params };
    }
    return null;
  }
}

function compile(def: RouteDef): CompiledRoute {
  const names: string[] = [];
  const source = def.pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      if (segment.startsWith('*')) {
        names.push(segment.slice(1));
        return '(.+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { def, regex: new RegExp(`^${source}$`), names };
}
