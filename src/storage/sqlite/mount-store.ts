import type Database from 'better-sqlite3';
import type { MountConfig, MountKind, MountRecord, MountStore } from '../types.js';
import { fromBool, toBool } from './db.js';
import { createGenerationReader } from './generation.js';

interface MountRow {
  uuid: string;
  kind: MountKind;
  path: string;
  type: string;
  description: string;
  accessor: string;
  config: string;
  options: string;
  local: number;
  seal_wrap: number;
  created_at: number;
}

const fromRow = (row: MountRow): MountRecord => ({
  uuid: row.uuid,
  kind: row.kind,
  path: row.path,
  type: row.type,
  description: row.description,
  accessor: row.accessor,
  config: JSON.parse(row.config) as MountConfig,
  options: JSON.parse(row.options) as Record<string, string>,
  local: toBool(row.local),
  sealWrap: toBool(row.seal_wrap),
  createdAt: row.created_at,
});

export function createMountStore(db: Database.Database): MountStore {
  const list = db.prepare<[MountKind], MountRow>('SELECT * FROM mounts WHERE kind = ? ORDER BY path');
  const paths = db.prepare<[MountKind], { path: string }>('SELECT path FROM mounts WHERE kind = ?');
  const insert = db.prepare(
    `INSERT INTO mounts (uuid, kind, path, type, description, accessor, config, options, local, seal_wrap, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare('UPDATE mounts SET config = ?, description = ? WHERE kind = ? AND path = ?');
  const remove = db.prepare('DELETE FROM mounts WHERE kind = ? AND path = ?');

  // Overlap check and insert in one IMMEDIATE transaction, so two processes cannot both win.
  const create = db.transaction((mount: MountRecord): string | null => {
    for (const { path } of paths.all(mount.kind)) {
      if (path.startsWith(mount.path) || mount.path.startsWith(path)) return path;
    }
    insert.run(
      mount.uuid,
      mount.kind,
      mount.path,
      mount.type,
      mount.description,
      mount.accessor,
      JSON.stringify(mount.config),
      JSON.stringify(mount.options),
      fromBool(mount.local),
      fromBool(mount.sealWrap),
      mount.createdAt,
    );
    return null;
  });

  const generation = createGenerationReader(db);

  return {
    async configGeneration() {
      return generation();
    },
    async list(kind) {
      return list.all(kind).map(fromRow);
    },
    async create(mount) {
      return { conflict: create.immediate(mount) };
    },
    async updateConfig(kind, path, config, description) {
      return update.run(JSON.stringify(config), description, kind, path).changes === 1;
    },
    async delete(kind, path) {
      return remove.run(kind, path).changes === 1;
    },
  };
}
