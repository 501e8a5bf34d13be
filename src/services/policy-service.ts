import { Acl, parseDefaultPolicy, parsePolicy, type Policy, ROOT_POLICY } from '../auth/acl/index.js';
import type { Clock } from '../core/clock.js';
import { badRequest } from '../core/errors.js';
import type { Store, TokenIdentity } from '../storage/types.js';

/**
 * A policy as last read: its text is read again once the store's config generation moves (any
 * policy write, in this process or another on the same database, takes effect on the next
 * request), and parsed again only if that text changed.
 */
interface Cached {
  generation: number;
  text: string | null;
  policy: Policy | null;
}

const normalize = (name: string): string => name.trim().toLowerCase();

/** ACL policies: stored as written, parsed on write (bad text is a 400), evaluated per request. */
export class PolicyService {
  private readonly cache = new Map<string, Cached>();
  private builtinDefault: Policy | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<string[]> {
    const names = new Set(['default', 'root', ...(await this.store.policies.list())]);
    return [...names].sort();
  }

  /** The text of a policy; built-in ones included. Null when unknown. */
  async read(rawName: string): Promise<string | null> {
    const name = normalize(rawName);
    if (name === 'root') return '';
    const stored = await this.store.policies.get(name);
    if (stored) return stored.policy;
    return name === 'default' ? this.defaultPolicy().raw : null;
  }

  async write(rawName: string, text: string): Promise<void> {
    const name = normalize(rawName);
    if (name === '') throw badRequest('policy name must be provided');
    if (name === 'root') throw badRequest('cannot update "root" policy');
    if (text.trim() === '') throw badRequest("'policy' parameter not supplied or empty");
    const policy = await parsePolicy(name, text);
    await this.store.policies.put(name, text, this.clock.nowMs());
    // Generation unknown: the text is read again on use, and this parse kept if it is the same.
    this.cache.set(name, { generation: -1, text, policy });
  }

  async delete(rawName: string): Promise<void> {
    const name = normalize(rawName);
    if (name === 'root') throw badRequest('cannot delete "root" policy');
    if (name === 'default') throw badRequest('cannot delete "default" policy');
    await this.store.policies.delete(name);
    this.cache.delete(name);
  }

  /** The ACL of a token: its policies (unknown names grant nothing) rendered for its identity. */
  async aclFor(policyNames: readonly string[], identity: TokenIdentity | null): Promise<Acl> {
    if (policyNames.includes('root')) return new Acl([ROOT_POLICY]);
    const policies: Policy[] = [];
    for (const name of policyNames) {
      const policy = await this.load(name);
      if (policy) policies.push(policy);
    }
    return new Acl(policies, identity);
  }

  private async load(name: string): Promise<Policy | null> {
    const generation = await this.store.policies.configGeneration();
    const cached = this.cache.get(name);
    if (cached?.generation === generation) return cached.policy;
    const text = (await this.store.policies.get(name))?.policy ?? null;
    let policy: Policy | null;
    if (cached && cached.text === text) policy = cached.policy;
    else if (text !== null) policy = await parsePolicy(name, text);
    else policy = name === 'default' ? this.defaultPolicy() : null;
    // A slower load that read an older generation does not replace a newer entry.
    if ((this.cache.get(name)?.generation ?? -1) <= generation) this.cache.set(name, { generation, text, policy });
    return policy;
  }

  private defaultPolicy(): Policy {
    this.builtinDefault ??= parseDefaultPolicy();
    return this.builtinDefault;
  }
}
