-- Revocations, one row each: a revocation answered 200 is one committed INSERT, and no single
-- value grows with the number of revoked certificates. seq orders revocations for delta CRLs.
CREATE TABLE pki_revocations (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  mount_uuid     TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  serial         TEXT NOT NULL,
  issuer_id      TEXT,
  revoked_at_ms  INTEGER NOT NULL,
  reason         INTEGER,
  UNIQUE (mount_uuid, serial)
);
-- CRL building walks one issuer's revocations, optionally only the newer ones.
CREATE INDEX pki_revocations_issuer ON pki_revocations (mount_uuid, issuer_id, seq);

-- The latest signed CRL of each issuer (full and delta), served as stored bytes.
CREATE TABLE pki_crls (
  mount_uuid      TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  issuer_id       TEXT NOT NULL,
  delta           INTEGER NOT NULL,
  crl_number      INTEGER NOT NULL,
  base_number     INTEGER,
  der             BLOB NOT NULL,
  this_update_ms  INTEGER NOT NULL,
  next_update_ms  INTEGER NOT NULL,
  covers_seq      INTEGER NOT NULL,
  PRIMARY KEY (mount_uuid, issuer_id, delta)
);

-- CRL numbers are monotonic per issuer and shared by its full and delta CRLs (RFC 5280 5.2.3).
CREATE TABLE pki_crl_numbers (
  mount_uuid  TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  issuer_id   TEXT NOT NULL,
  last_number INTEGER NOT NULL,
  PRIMARY KEY (mount_uuid, issuer_id)
);
