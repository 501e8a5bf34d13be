import type Database from 'better-sqlite3';
import type { InitRecord, SystemStore, TokenRecord } from '../types.js';
import { insertToken } from './token-store.js';

const initKey = 'init';

export function createSystemStore(db: Database.Database): SystemStore {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM system_state WHERE key = ?');
  const insertIfAbsent = db.prepare('INSERT OR IGNORE INTO system_state (key, value) VALUES (?, ?)');
  const initialize = db.transaction((init: InitRecord, rootToken: TokenRecord): boolean => {
    const result = insertIfAbsent.run(initKey, JSON.stringify(init));
    if (result.changes === 0) return false;
    insertToken(db, rootToken);
    return true;
  });
  return {
    async getInit() {
      const row = get.get(initKey);
      return row ? (JSON.parse(row.value) as InitRecord) : null;
    },
    async initialize(init, rootToken) {
      return initialize.immediate(init, rootToken);
    },
    async getValue(key) {
      return get.get(key)?.value ?? null;
    },
    async setValueOnce(key, value) {
      insertIfAbsent.run(key, value);
      return get.get(key)!.value;
    },
  };
}
