import type Database from 'better-sqlite3';
import type { TokenRecord, TokenStore } from '../types.js';
import { fromBool, toBool } from './db.js';

interface TokenRow {
  hash: string;
  accessor: string;
  parent_accessor: string | null;
  policies: string;
  meta: string;
  display_name: string;
  num_uses: number;
  creation_time: number;
  creation_ttl: number;
  expire_time: number | null;
  explicit_max_ttl: number;
  period: number;
  renewable: number;
  path: string;
  type: string;
  entity_id: string;
  identity: string | null;
}

const fromRow = (row: TokenRow): TokenRecord => ({
  hash: row.hash,
  accessor: row.accessor,
  parentAccessor: row.parent_accessor,
  policies: JSON.parse(row.policies) as string[],
  meta: JSON.parse(row.meta) as Record<string, string>,
  displayName: row.display_name,
  numUses: row.num_uses,
  creationTime: row.creation_time,
  creationTtl: row.creation_ttl,
  expireTime: row.expire_time,
  explicitMaxTtl: row.explicit_max_ttl,
  period: row.period,
  renewable: toBool(row.renewable),
  path: row.path,
  type: row.type === 'batch' ? 'batch' : 'service',
  entityId: row.entity_id,
  identity: row.identity === null ? null : (JSON.parse(row.identity) as TokenRecord['identity']),
});

export function insertToken(db: Database.Database, token: TokenRecord): void {
  db.prepare(
    `INSERT INTO tokens (hash, accessor, parent_accessor, policies, meta, display_name, num_uses, creation_time,
       creation_ttl, expire_time, explicit_max_ttl, period, renewable, path, type, entity_id, identity)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    token.hash,
    token.accessor,
    token.parentAccessor,
    JSON.stringify(token.policies),
    JSON.stringify(token.meta),
    token.displayName,
    token.numUses,
    token.creationTime,
    token.creationTtl,
    token.expireTime,
    token.explicitMaxTtl,
    token.period,
    fromBool(token.renewable),
    token.path,
    token.type,
    token.entityId,
    token.identity === null ? null : JSON.stringify(token.identity),
  );
}

export function createTokenStore(db: Database.Database): TokenStore {
  const byHash = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?');
  const byAccessor = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE accessor = ?');
  const setExpiry = db.prepare('UPDATE tokens SET expire_time = ? WHERE hash = ?');
  const decrementUses = db.prepare('UPDATE tokens SET num_uses = num_uses - 1 WHERE hash = ? AND num_uses > 1');
  const deleteLastUse = db.prepare('DELETE FROM tokens WHERE hash = ? AND num_uses = 1');
  const hasUnlimitedUses = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM tokens WHERE hash = ? AND num_uses = 0');
  const deleteTree = db.prepare(
    `WITH RECURSIVE tree(accessor) AS (
       SELECT accessor FROM tokens WHERE accessor = ?
       UNION SELECT t.accessor FROM tokens t JOIN tree ON t.parent_accessor = tree.accessor)
     DELETE FROM tokens WHERE accessor IN (SELECT accessor FROM tree)`,
  );
  const deleteOne = db.prepare('DELETE FROM tokens WHERE accessor = ?');
  const orphanChildren = db.prepare('UPDATE tokens SET parent_accessor = NULL WHERE parent_accessor = ?');
  const accessors = db.prepare<[], { accessor: string }>('SELECT accessor FROM tokens ORDER BY accessor');
  const expiredAccessors = db.prepare<[number], { accessor: string }>(
    'SELECT accessor FROM tokens WHERE expire_time IS NOT NULL AND expire_time <= ?',
  );

  const consumeUse = db.transaction((hash: string): boolean => {
    if (hasUnlimitedUses.get(hash)) return true;
    if (decrementUses.run(hash).changes === 1) return true;
    return deleteLastUse.run(hash).changes === 1;
  });
  const revokeOrphan = db.transaction((accessor: string): boolean => {
    orphanChildren.run(accessor);
    return deleteOne.run(accessor).changes === 1;
  });
  const deleteExpired = db.transaction((now: number): number => {
    let count = 0;
    for (const { accessor } of expiredAccessors.all(now)) count += deleteTree.run(accessor).changes;
    return count;
  });

  return {
    async insert(token) {
      insertToken(db, token);
    },
    async getByHash(hash) {
      const row = byHash.get(hash);
      return row ? fromRow(row) : null;
    },
    async getByAccessor(accessor) {
      const row = byAccessor.get(accessor);
      return row ? fromRow(row) : null;
    },
    async setExpiry(hash, expireTime) {
      setExpiry.run(expireTime, hash);
    },
    async consumeUse(hash) {
      return consumeUse.immediate(hash);
    },
    async revokeTree(accessor) {
      return deleteTree.run(accessor).changes;
    },
    async revokeOrphan(accessor) {
      return revokeOrphan.immediate(accessor);
    },
    async listAccessors() {
      return accessors.all().map((row) => row.accessor);
    },
    async deleteExpired(now) {
      return deleteExpired.immediate(now);
    },
  };
}
