/**
 * Auth strategies and the token they produce. A strategy only logs in; TokenManager keeps the
 * token alive: renew-self at a fraction of its TTL, a fresh login when renewal fails or the
 * token is not renewable.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { AgentConfig } from './config.js';
import { AgentError } from './errors.js';
import type { VaultClient } from './vault-client.js';

export interface TokenLease {
  token: string;
  /** 0: does not expire. */
  ttlSeconds: number;
  renewable: boolean;
  obtainedAtMs: number;
}

function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new AgentError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (text === '') throw new AgentError(`${what} ${file} is empty`);
  return text;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function leaseOfAuth(auth: any, nowMs: number, what: string): TokenLease {
  if (!auth || typeof auth.client_token !== 'string') throw new AgentError(`${what}: the answer has no auth.client_token`);
  return { token: auth.client_token, ttlSeconds: Number(auth.lease_duration) || 0, renewable: auth.renewable === true, obtainedAtMs: nowMs };
}

/** Logs in once; null for a plain token with nothing to log in with again. */
export type Login = () => Promise<TokenLease>;

export function loginFor(config: AgentConfig, clientOf: () => VaultClient, clock: Clock): Login {
  const auth = config.auth;
  switch (auth.method) {
    case 'token':
      return async () => {
        const token = auth.tokenFile ? readSecretFile(auth.tokenFile, 'token file') : auth.token!;
        const res = await clientOf().call('GET', 'auth/token/lookup-self', { token }).catch((error: AgentError) => {
          throw error.status === 403 ? new AgentError(`the token was refused (lookup-self: ${error.message})`, 403) : error;
        });
        const data = res.json?.data ?? {};
        return { token, ttlSeconds: Number(data.ttl) || 0, renewable: data.renewable === true, obtainedAtMs: clock.nowMs() };
      };
    case 'kubernetes':
      return async () => {
        const jwt = readSecretFile(auth.jwtFile, 'service-account token file');
        const res = await clientOf().call('POST', `auth/${auth.mount}/login`, { body: { role: auth.role, jwt } });
        return leaseOfAuth(res.json?.auth, clock.nowMs(), 'kubernetes login');
      };
    case 'approle':
      return async () => {
        const body: Record<string, string> = { role_id: readSecretFile(auth.roleIdFile, 'role-id file') };
        if (auth.secretIdFile) body.secret_id = readSecretFile(auth.secretIdFile, 'secret-id file');
        const res = await clientOf().call('POST', `auth/${auth.mount}/login`, { body });
        return leaseOfAuth(res.json?.auth, clock.nowMs(), 'approle login');
      };
    case 'cert':
      // The client certificate is presented by the TLS layer: clientOf() builds a client with
      // the certificate on disk at the time of each login (after a renewal, the new one).
      return async () => {
        const res = await clientOf().call('POST', `auth/${auth.mount}/login`, { body: auth.role ? { name: auth.role } : {} });
        return leaseOfAuth(res.json?.auth, clock.nowMs(), 'cert login');
      };
  }
}

export class TokenManager {
  private lease: TokenLease | null = null;

  constructor(
    private readonly login: Login,
    private readonly client: () => VaultClient,
    private readonly clock: Clock,
    private readonly renewFraction: number,
    private readonly log: (msg: string, fields?: object) => void,
  ) {}

  /** When the token should next be renewed or replaced; null: never. */
  dueAtMs(): number | null {
    if (!this.lease) return this.clock.nowMs();
    if (this.lease.ttlSeconds <= 0) return null;
    return this.lease.obtainedAtMs + this.lease.ttlSeconds * 1000 * this.renewFraction;
  }

  /** A token good for the next calls: renews or logs in again when due. */
  async token(): Promise<string> {
    const due = this.dueAtMs();
    if (this.lease && (due === null || this.clock.nowMs() < due)) return this.lease.token;
    if (this.lease?.renewable) {
      try {
        const res = await this.client().call('POST', 'auth/token/renew-self', { token: this.lease.token, body: {} });
        const renewed = leaseOfAuth(res.json?.auth, this.clock.nowMs(), 'renew-self');
        // Near its max TTL a token renews to less and less: accept while that is still a
        // useful time (a minute, or half the previous TTL), then log in again.
        if (renewed.ttlSeconds >= Math.min(60, this.lease.ttlSeconds / 2)) {
          this.lease = { ...renewed, token: this.lease.token };
          this.log('token renewed', { ttl_s: renewed.ttlSeconds });
          return this.lease.token;
        }
      } catch (error) {
        this.log('token renewal failed, logging in again', { error: (error as Error).message });
      }
    }
    this.lease = await this.login();
    this.log('logged in', { ttl_s: this.lease.ttlSeconds, renewable: this.lease.renewable });
    return this.lease.token;
  }

  /** Forget the token (after a 403) so the next call logs in again. */
  invalidate(): void {
    this.lease = null;
  }
}
