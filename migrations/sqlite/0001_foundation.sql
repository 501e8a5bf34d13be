-- System state: init flag, cluster identity, KEK check value.
CREATE TABLE system_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Secret-engine and auth-method mounts. Path is stored with its trailing slash, like Vault.
CREATE TABLE mounts (
  uuid        TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('secret', 'auth')),
  path        TEXT NOT NULL,
  type        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  accessor    TEXT NOT NULL UNIQUE,
  config      TEXT NOT NULL,
  options     TEXT NOT NULL,
  local       INTEGER NOT NULL DEFAULT 0,
  seal_wrap   INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  UNIQUE (kind, path)
);

-- Tokens are stored only as keyed hashes (HMAC-SHA256 under a subkey of the KEK).
CREATE TABLE tokens (
  hash             TEXT PRIMARY KEY,
  accessor         TEXT NOT NULL UNIQUE,
  parent_accessor  TEXT,
  policies         TEXT NOT NULL,
  meta             TEXT NOT NULL,
  display_name     TEXT NOT NULL,
  num_uses         INTEGER NOT NULL,
  creation_time    INTEGER NOT NULL,
  creation_ttl     INTEGER NOT NULL,
  expire_time      INTEGER,
  explicit_max_ttl INTEGER NOT NULL,
  period           INTEGER NOT NULL,
  renewable        INTEGER NOT NULL,
  path             TEXT NOT NULL,
  type             TEXT NOT NULL,
  entity_id        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_parent_accessor ON tokens (parent_accessor);
CREATE INDEX tokens_expire_time ON tokens (expire_time);
