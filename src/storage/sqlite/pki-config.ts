import type Database from 'better-sqlite3';
import type { PkiConfigName } from '../types.js';

/** The config documents that hold a mount's default issuer and default key. */
export type DefaultPointer = 'issuers' | 'keys';

/** How a change moves a default pointer; 'if-unset' only fills an empty or missing one. */
export type DefaultMode = 'if-unset' | 'always' | 'never';

/**
 * Synchronous access to a mount's config documents, for use inside the PKI store's
 * transactions (and wrapped by getConfig/setConfig).
 */
export interface PkiConfigTable {
  get(mountUuid: string, name: PkiConfigName): unknown;
  set(mountUuid: string, name: PkiConfigName, value: unknown): void;
  /** Points the default at `id` according to `mode`, keeping the document's other fields. */
  pointDefault(mountUuid: string, name: DefaultPointer, id: string, mode: DefaultMode): void;
  /** Empties the default when it points at one of `ids` (or, with null, at anything). */
  clearDefault(mountUuid: string, name: DefaultPointer, ids: ReadonlySet<string> | null): void;
}

const emptyDocuments: Record<DefaultPointer, Record<string, unknown>> = {
  issuers: { default: '', default_follows_latest_issuer: false },
  keys: { default: '' },
};

const isDocument = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function createPkiConfigTable(db: Database.Database): PkiConfigTable {
  const select = db.prepare<[string, string], { value: string }>('SELECT value FROM pki_config WHERE mount_uuid = ? AND name = ?');
  const upsert = db.prepare(
    `INSERT INTO pki_config (mount_uuid, name, value) VALUES (?, ?, ?)
     ON CONFLICT (mount_uuid, name) DO UPDATE SET value = excluded.value`,
  );

  const get = (mountUuid: string, name: PkiConfigName): unknown => {
    const row = select.get(mountUuid, name);
    return row ? (JSON.parse(row.value) as unknown) : null;
  };
  const set = (mountUuid: string, name: PkiConfigName, value: unknown): void => {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`PKI config "${name}" is not representable as JSON`);
    upsert.run(mountUuid, name, json);
  };

  return {
    get,
    set,
    pointDefault(mountUuid, name, id, mode) {
      if (mode === 'never') return;
      const current = get(mountUuid, name);
      const document = isDocument(current) ? current : emptyDocuments[name];
      const currentId = typeof document.default === 'string' ? document.default : '';
      if (mode === 'if-unset' && currentId !== '') return;
      set(mountUuid, name, { ...document, default: id });
    },
    clearDefault(mountUuid, name, ids) {
      const current = get(mountUuid, name);
      if (!isDocument(current) || typeof current.default !== 'string' || current.default === '') return;
      if (ids !== null && !ids.has(current.default)) return;
      set(mountUuid, name, { ...current, default: '' });
    },
  };
}
