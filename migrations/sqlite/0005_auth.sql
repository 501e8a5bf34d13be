-- ACL policies as written (HCL or JSON), by name.
CREATE TABLE acl_policies (
  name        TEXT PRIMARY KEY,
  policy      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- Per-auth-mount documents: the method's config and its roles (JSON).
CREATE TABLE auth_config (
  mount_uuid TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (mount_uuid, name)
);
CREATE TABLE auth_roles (
  mount_uuid TEXT NOT NULL REFERENCES mounts (uuid) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL,
  PRIMARY KEY (mount_uuid, name)
);

-- The identity a login gave a token (entity and alias), for templated policies and roles.
ALTER TABLE tokens ADD COLUMN identity TEXT;
