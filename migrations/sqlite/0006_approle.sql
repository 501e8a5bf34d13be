-- AppRole auth: the role-ID index and the secret IDs of each role. Neither holds a credential in
-- clear: both are keyed HMACs under a Keyring subkey (role IDs stay readable in the role document).
CREATE TABLE approle_role_ids (
  mount_uuid   TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  role_id_hash TEXT NOT NULL,
  role_name    TEXT NOT NULL,
  PRIMARY KEY (mount_uuid, role_id_hash)
);
CREATE UNIQUE INDEX approle_role_ids_by_role ON approle_role_ids (mount_uuid, role_name);

CREATE TABLE approle_secret_ids (
  mount_uuid        TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  role_name         TEXT NOT NULL,
  secret_id_hash    TEXT NOT NULL,
  accessor          TEXT NOT NULL,
  metadata          TEXT NOT NULL,
  cidr_list         TEXT NOT NULL,
  token_bound_cidrs TEXT NOT NULL,
  -- Uses left; 0 is unlimited. A secret ID whose last use is spent is deleted.
  num_uses          INTEGER NOT NULL,
  ttl               INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  -- Milliseconds; NULL never expires.
  expires_at        INTEGER,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (mount_uuid, role_name, secret_id_hash)
);
CREATE UNIQUE INDEX approle_secret_ids_by_accessor ON approle_secret_ids (mount_uuid, role_name, accessor);
