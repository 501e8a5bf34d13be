-- Audit devices (sys/audit). The HMAC salt of each device is sealed by the Keyring, so the
-- database alone does not let anyone recompute the hashes in the audit log.
CREATE TABLE audit_devices (
  path         TEXT PRIMARY KEY,
  type         TEXT NOT NULL,
  description  TEXT NOT NULL,
  options      TEXT NOT NULL,
  local        INTEGER NOT NULL,
  sealed_salt  BLOB NOT NULL,
  created_at   INTEGER NOT NULL
);
