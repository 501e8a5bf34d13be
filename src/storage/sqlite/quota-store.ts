import type Database from 'better-sqlite3';
import type { QuotaConfigRecord, QuotaGroupBy, QuotaStore, RateLimitQuotaRecord } from '../types.js';

interface QuotaRow {
  name: string;
  path: string;
  role: string;
  rate: number;
  interval_s: number;
  block_interval_s: number;
  group_by: string;
  secondary_rate: number;
  created_at: number;
  updated_at: number;
}

interface ConfigRow {
  exempt_paths: string | null;
  enable_response_headers: number;
  enable_audit_logging: number;
}

const fromRow = (row: QuotaRow): RateLimitQuotaRecord => ({
  name: row.name,
  path: row.path,
  role: row.role,
  rate: row.rate,
  interval: row.interval_s,
  blockInterval: row.block_interval_s,
  groupBy: row.group_by as QuotaGroupBy,
  secondaryRate: row.secondary_rate,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createQuotaStore(db: Database.Database): QuotaStore {
  const list = db.prepare<[], QuotaRow>('SELECT * FROM rate_limit_quotas ORDER BY name');
  const upsert = db.prepare(
    `INSERT INTO rate_limit_quotas (name, path, role, rate, interval_s, block_interval_s, group_by, secondary_rate, created_at, updated_at)
     VALUES (@name, @path, @role, @rate, @interval, @blockInterval, @groupBy, @secondaryRate, @createdAt, @updatedAt)
     ON CONFLICT (name) DO UPDATE SET path = excluded.path, role = excluded.role, rate = excluded.rate, interval_s = excluded.interval_s,
       block_interval_s = excluded.block_interval_s, group_by = excluded.group_by, secondary_rate = excluded.secondary_rate,
       updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM rate_limit_quotas WHERE name = ?');
  const bump = db.prepare('UPDATE quota_config SET generation = generation + 1 WHERE id = 1');
  const readConfig = db.prepare<[], ConfigRow>('SELECT exempt_paths, enable_response_headers, enable_audit_logging FROM quota_config WHERE id = 1');
  const writeConfig = db.prepare(
    'UPDATE quota_config SET exempt_paths = ?, enable_response_headers = ?, enable_audit_logging = ?, generation = generation + 1 WHERE id = 1',
  );
  const generation = db.prepare<[], { generation: number }>('SELECT generation FROM quota_config WHERE id = 1');
  const put = db.transaction((quota: RateLimitQuotaRecord) => {
    upsert.run(quota);
    bump.run();
  });
  const del = db.transaction((name: string) => {
    const deleted = remove.run(name).changes === 1;
    if (deleted) bump.run();
    return deleted;
  });
  return {
    async list() {
      return list.all().map(fromRow);
    },
    async put(quota) {
      put.immediate(quota);
    },
    async delete(name) {
      return del.immediate(name);
    },
    async config(): Promise<QuotaConfigRecord> {
      const row = readConfig.get()!;
      return {
        exemptPaths: row.exempt_paths === null ? null : (JSON.parse(row.exempt_paths) as string[]),
        enableResponseHeaders: row.enable_response_headers === 1,
        enableAuditLogging: row.enable_audit_logging === 1,
      };
    },
    async setConfig(config) {
      writeConfig.run(
        config.exemptPaths === null ? null : JSON.stringify(config.exemptPaths),
        config.enableResponseHeaders ? 1 : 0,
        config.enableAuditLogging ? 1 : 0,
      );
    },
    async generation() {
      return generation.get()!.generation;
    },
  };
}
