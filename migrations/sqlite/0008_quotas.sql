-- Rate-limit quotas (sys/quotas/rate-limit) and their configuration (sys/quotas/config).
-- `generation` grows with every write, so other processes on the file notice and reload.
CREATE TABLE rate_limit_quotas (
  name            TEXT PRIMARY KEY,
  path            TEXT NOT NULL,
  role            TEXT NOT NULL,
  rate            REAL NOT NULL,
  interval_s      INTEGER NOT NULL,
  block_interval_s INTEGER NOT NULL,
  group_by        TEXT NOT NULL,
  secondary_rate  REAL NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

CREATE TABLE quota_config (
  id                      INTEGER PRIMARY KEY CHECK (id = 1),
  exempt_paths            TEXT,
  enable_response_headers INTEGER NOT NULL DEFAULT 0,
  enable_audit_logging    INTEGER NOT NULL DEFAULT 0,
  generation              INTEGER NOT NULL DEFAULT 0
);
INSERT INTO quota_config (id) VALUES (1);
