import { badRequest } from '../../core/errors.js';
import type { PkiIssuerRecord, PkiKeyRecord, PkiStore } from '../../storage/types.js';

export interface IssuersConfig {
  default: string;
  default_follows_latest_issuer: boolean;
}

export interface KeysConfig {
  default: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Vault's name rule for issuer and key names: not `default`, not an id, word characters and dashes. */
export function checkRecordName(name: string, what: 'issuer' | 'key'): void {
  if (name === '') return;
  if (name === 'default') throw badRequest(`reserved name: ${what} name cannot be "default"`);
  if (uuidPattern.test(name)) throw badRequest(`invalid ${what} name: a name cannot look like an identifier`);
  if (!/^[\w.-]+$/.test(name) || name.length > 128) throw badRequest(`invalid ${what} name "${name}": use letters, digits, '_', '-' and '.'`);
}

export async function defaultIssuerId(store: PkiStore, mountUuid: string): Promise<string> {
  return (await store.getConfig<IssuersConfig>(mountUuid, 'issuers'))?.default ?? '';
}

/** `default`, an issuer id or an issuer name. */
export async function findIssuer(store: PkiStore, mountUuid: string, reference: string): Promise<PkiIssuerRecord | null> {
  const ref = reference.trim();
  if (ref === '' || ref === 'default') {
    const id = await defaultIssuerId(store, mountUuid);
    return id === '' ? null : store.getIssuer(mountUuid, id);
  }
  if (uuidPattern.test(ref)) {
    const byId = await store.getIssuer(mountUuid, ref);
    if (byId) return byId;
  }
  return store.findIssuerByName(mountUuid, ref);
}

export async function resolveIssuer(store: PkiStore, mountUuid: string, reference: string): Promise<PkiIssuerRecord> {
  const issuer = await findIssuer(store, mountUuid, reference);
  if (issuer) return issuer;
  if (reference === '' || reference === 'default') throw badRequest('no default issuer currently configured');
  throw badRequest(`unable to find PKI issuer for reference: ${reference}`);
}

export async function findKey(store: PkiStore, mountUuid: string, reference: string): Promise<PkiKeyRecord | null> {
  const ref = reference.trim();
  if (ref === '' || ref === 'default') {
    const id = (await store.getConfig<KeysConfig>(mountUuid, 'keys'))?.default ?? '';
    return id === '' ? null : store.getKey(mountUuid, id);
  }
  if (uuidPattern.test(ref)) {
    const byId = await store.getKey(mountUuid, ref);
    if (byId) return byId;
  }
  return store.findKeyByName(mountUuid, ref);
}

export async function resolveKey(store: PkiStore, mountUuid: string, reference: string): Promise<PkiKeyRecord> {
  const key = await findKey(store, mountUuid, reference);
  if (key) return key;
  if (reference === '' || reference === 'default') throw badRequest('no default key currently configured');
  throw badRequest(`unable to find PKI key for reference: ${reference}`);
}
