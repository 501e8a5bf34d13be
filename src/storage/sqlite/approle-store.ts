import type Database from 'better-sqlite3';
import type { AppRoleSecretIdRecord, AppRoleStore } from '../types.js';

interface SecretIdRow {
  mount_uuid: string;
  role_name: string;
  secret_id_hash: string;
  accessor: string;
  metadata: string;
  cidr_list: string;
  token_bound_cidrs: string;
  num_uses: number;
  ttl: number;
  created_at: number;
  expires_at: number | null;
  updated_at: number;
}

const fromRow = (row: SecretIdRow): AppRoleSecretIdRecord => ({
  mountUuid: row.mount_uuid,
  roleName: row.role_name,
  secretIdHash: row.secret_id_hash,
  accessor: row.accessor,
  metadata: JSON.parse(row.metadata) as Record<string, string>,
  cidrList: JSON.parse(row.cidr_list) as string[],
  tokenBoundCidrs: JSON.parse(row.token_bound_cidrs) as string[],
  numUses: row.num_uses,
  ttl: row.ttl,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  updatedAt: row.updated_at,
});

const expired = (row: SecretIdRow, nowMs: number): boolean => row.expires_at !== null && row.expires_at <= nowMs;

export function createAppRoleStore(db: Database.Database): AppRoleStore {
  const roleIdOwner = db.prepare<[string, string], { role_name: string }>(
    'SELECT role_name FROM approle_role_ids WHERE mount_uuid = ? AND role_id_hash = ?',
  );
  const deleteRoleId = db.prepare('DELETE FROM approle_role_ids WHERE mount_uuid = ? AND role_name = ?');
  const insertRoleId = db.prepare('INSERT INTO approle_role_ids (mount_uuid, role_id_hash, role_name) VALUES (?, ?, ?)');
  const deleteRoleSecrets = db.prepare('DELETE FROM approle_secret_ids WHERE mount_uuid = ? AND role_name = ?');
  const insertSecret = db.prepare(
    `INSERT INTO approle_secret_ids (mount_uuid, role_name, secret_id_hash, accessor, metadata, cidr_list, token_bound_cidrs,
       num_uses, ttl, created_at, expires_at, updated_at)
     VALUES (@mount_uuid, @role_name, @secret_id_hash, @accessor, @metadata, @cidr_list, @token_bound_cidrs,
       @num_uses, @ttl, @created_at, @expires_at, @updated_at)
     ON CONFLICT DO NOTHING`,
  );
  const byHash = db.prepare<[string, string, string], SecretIdRow>(
    'SELECT * FROM approle_secret_ids WHERE mount_uuid = ? AND role_name = ? AND secret_id_hash = ?',
  );
  const byAccessor = db.prepare<[string, string, string], SecretIdRow>(
    'SELECT * FROM approle_secret_ids WHERE mount_uuid = ? AND role_name = ? AND accessor = ?',
  );
  const listLive = db.prepare<[string, string, number], { accessor: string }>(
    'SELECT accessor FROM approle_secret_ids WHERE mount_uuid = ? AND role_name = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY accessor',
  );
  const deleteHash = db.prepare('DELETE FROM approle_secret_ids WHERE mount_uuid = ? AND role_name = ? AND secret_id_hash = ?');
  const deleteAccessor = db.prepare('DELETE FROM approle_secret_ids WHERE mount_uuid = ? AND role_name = ? AND accessor = ?');
  const decrement = db.prepare(
    'UPDATE approle_secret_ids SET num_uses = num_uses - 1, updated_at = ? WHERE mount_uuid = ? AND role_name = ? AND secret_id_hash = ? AND num_uses > 1',
  );
  const touch = db.prepare('UPDATE approle_secret_ids SET updated_at = ? WHERE mount_uuid = ? AND role_name = ? AND secret_id_hash = ?');

  /** Reads a row, deleting it when it has expired. */
  const live = (row: SecretIdRow | undefined, nowMs: number): SecretIdRow | null => {
    if (!row) return null;
    if (expired(row, nowMs)) {
      deleteHash.run(row.mount_uuid, row.role_name, row.secret_id_hash);
      return null;
    }
    return row;
  };

  const setRoleId = db.transaction((mountUuid: string, roleName: string, roleIdHash: string): boolean => {
    const owner = roleIdOwner.get(mountUuid, roleIdHash);
    if (owner && owner.role_name !== roleName) return false;
    deleteRoleId.run(mountUuid, roleName);
    insertRoleId.run(mountUuid, roleIdHash, roleName);
    return true;
  });

  const deleteRole = db.transaction((mountUuid: string, roleName: string) => {
    deleteRoleId.run(mountUuid, roleName);
    deleteRoleSecrets.run(mountUuid, roleName);
  });

  // One transaction: read, then decrement or delete, so two logins cannot both spend the last use.
  const consume = db.transaction((mountUuid: string, roleName: string, hash: string, nowMs: number): SecretIdRow | null => {
    const row = live(byHash.get(mountUuid, roleName, hash), nowMs);
    if (!row) return null;
    if (row.num_uses === 0) touch.run(nowMs, mountUuid, roleName, hash);
    else if (row.num_uses === 1) deleteHash.run(mountUuid, roleName, hash);
    else decrement.run(nowMs, mountUuid, roleName, hash);
    return row;
  });

  return {
    async setRoleId(mountUuid, roleName, roleIdHash) {
      return setRoleId.immediate(mountUuid, roleName, roleIdHash);
    },
    async roleByRoleId(mountUuid, roleIdHash) {
      return roleIdOwner.get(mountUuid, roleIdHash)?.role_name ?? null;
    },
    async deleteRole(mountUuid, roleName) {
      deleteRole.immediate(mountUuid, roleName);
    },
    async createSecretId(record) {
      const result = insertSecret.run({
        mount_uuid: record.mountUuid,
        role_name: record.roleName,
        secret_id_hash: record.secretIdHash,
        accessor: record.accessor,
        metadata: JSON.stringify(record.metadata),
        cidr_list: JSON.stringify(record.cidrList),
        token_bound_cidrs: JSON.stringify(record.tokenBoundCidrs),
        num_uses: record.numUses,
        ttl: record.ttl,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        updated_at: record.updatedAt,
      });
      return result.changes === 1;
    },
    async secretId(mountUuid, roleName, secretIdHash, nowMs) {
      const row = live(byHash.get(mountUuid, roleName, secretIdHash), nowMs);
      return row ? fromRow(row) : null;
    },
    async secretIdByAccessor(mountUuid, roleName, accessor, nowMs) {
      const row = live(byAccessor.get(mountUuid, roleName, accessor), nowMs);
      return row ? fromRow(row) : null;
    },
    async listAccessors(mountUuid, roleName, nowMs) {
      return listLive.all(mountUuid, roleName, nowMs).map((row) => row.accessor);
    },
    async deleteSecretId(mountUuid, roleName, secretIdHash) {
      return deleteHash.run(mountUuid, roleName, secretIdHash).changes === 1;
    },
    async deleteByAccessor(mountUuid, roleName, accessor) {
      return deleteAccessor.run(mountUuid, roleName, accessor).changes === 1;
    },
    async consumeSecretId(mountUuid, roleName, secretIdHash, nowMs) {
      const row = consume.immediate(mountUuid, roleName, secretIdHash, nowMs);
      return row ? fromRow(row) : null;
    },
  };
}
