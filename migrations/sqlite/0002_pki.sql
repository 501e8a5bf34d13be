-- PKI secret engine state. Every row belongs to one mount; disabling the mount deletes it all.
-- Lists and documents are JSON text, DER and sealed key material are BLOBs, times are Unix ms.

-- Keys. The private key is sealed by the Keyring (context `pki-key:<id>`) before it gets here.
CREATE TABLE pki_keys (
  mount_uuid         TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  id                 TEXT NOT NULL,
  name               TEXT NOT NULL DEFAULT '',
  key_type           TEXT NOT NULL CHECK (key_type IN ('rsa', 'ec', 'ed25519')),
  key_bits           INTEGER NOT NULL,
  public_key_der     BLOB NOT NULL,
  sealed_private_key BLOB NOT NULL,
  created_at         INTEGER NOT NULL,
  PRIMARY KEY (mount_uuid, id),
  -- A key is stored once per mount; also serves the lookup by public key.
  UNIQUE (mount_uuid, public_key_der)
);
CREATE UNIQUE INDEX pki_keys_name ON pki_keys (mount_uuid, name) WHERE name <> '';

-- Issuers: CA certificates, with the key they use when the mount holds it. The foreign key to
-- pki_keys has no ON DELETE action, so a key in use cannot be deleted (it is checked at the end
-- of each statement, which lets a mount's cascade remove issuers and keys together).
CREATE TABLE pki_issuers (
  mount_uuid                     TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  id                             TEXT NOT NULL,
  name                           TEXT NOT NULL DEFAULT '',
  key_id                         TEXT,
  certificate_der                BLOB NOT NULL,
  certificate_sha256             BLOB NOT NULL,
  serial                         TEXT NOT NULL,
  subject_der                    BLOB NOT NULL,
  issuer_der                     BLOB NOT NULL,
  subject_key_id                 BLOB NOT NULL,
  authority_key_id               BLOB,
  not_before_ms                  INTEGER NOT NULL,
  not_after_ms                   INTEGER NOT NULL,
  leaf_not_after_behavior        TEXT NOT NULL CHECK (leaf_not_after_behavior IN ('err', 'truncate', 'permit')),
  usage                          TEXT NOT NULL,
  manual_chain                   TEXT NOT NULL,
  revocation_signature_algorithm TEXT NOT NULL DEFAULT '',
  urls                           TEXT NOT NULL,
  revoked                        INTEGER NOT NULL DEFAULT 0,
  revocation_time_ms             INTEGER,
  created_at                     INTEGER NOT NULL,
  PRIMARY KEY (mount_uuid, id),
  -- An issuer certificate is stored once per mount (SHA-256 of its DER).
  UNIQUE (mount_uuid, certificate_sha256),
  FOREIGN KEY (mount_uuid, key_id) REFERENCES pki_keys (mount_uuid, id)
);
CREATE UNIQUE INDEX pki_issuers_name ON pki_issuers (mount_uuid, name) WHERE name <> '';
-- Serves the foreign-key check when a key is deleted, and "which issuers use this key".
CREATE INDEX pki_issuers_key ON pki_issuers (mount_uuid, key_id);

-- Per-mount configuration documents: issuers (default issuer), keys (default key), urls,
-- cluster, crl, auto-tidy.
CREATE TABLE pki_config (
  mount_uuid TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (mount_uuid, name)
);

-- Roles, stored as opaque JSON documents.
CREATE TABLE pki_roles (
  mount_uuid TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL,
  PRIMARY KEY (mount_uuid, name)
);

-- Issued certificates (and the CA certificates of the mount). The primary key makes the serial
-- unique per mount and serves listing in serial order. issuer_id has no foreign key: a
-- certificate outlives the deletion of its issuer. Revocation state will come in its own
-- migration, keyed by (mount_uuid, serial).
CREATE TABLE pki_certs (
  mount_uuid      TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  serial          TEXT NOT NULL,
  issuer_id       TEXT,
  certificate_der BLOB NOT NULL,
  not_after_ms    INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (mount_uuid, serial)
);
