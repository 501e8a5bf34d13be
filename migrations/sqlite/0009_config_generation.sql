-- One counter that every write to configuration-like tables bumps in its own transaction,
-- so a process can keep parsed mounts, roles, issuers, config, policies and audit devices in
-- memory and still see another process's writes by reading one row per request
-- (src/storage/sqlite/generation.ts).
CREATE TABLE config_generation (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  value  INTEGER NOT NULL
);
INSERT INTO config_generation (id, value) VALUES (1, 0);

CREATE TRIGGER mounts_insert_generation AFTER INSERT ON mounts
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER mounts_update_generation AFTER UPDATE ON mounts
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER mounts_delete_generation AFTER DELETE ON mounts
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_issuers_insert_generation AFTER INSERT ON pki_issuers
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_issuers_update_generation AFTER UPDATE ON pki_issuers
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_issuers_delete_generation AFTER DELETE ON pki_issuers
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_keys_insert_generation AFTER INSERT ON pki_keys
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_keys_update_generation AFTER UPDATE ON pki_keys
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_keys_delete_generation AFTER DELETE ON pki_keys
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_config_insert_generation AFTER INSERT ON pki_config
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_config_update_generation AFTER UPDATE ON pki_config
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_config_delete_generation AFTER DELETE ON pki_config
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_roles_insert_generation AFTER INSERT ON pki_roles
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_roles_update_generation AFTER UPDATE ON pki_roles
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pki_roles_delete_generation AFTER DELETE ON pki_roles
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER acl_policies_insert_generation AFTER INSERT ON acl_policies
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER acl_policies_update_generation AFTER UPDATE ON acl_policies
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER acl_policies_delete_generation AFTER DELETE ON acl_policies
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER audit_devices_insert_generation AFTER INSERT ON audit_devices
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER audit_devices_update_generation AFTER UPDATE ON audit_devices
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER audit_devices_delete_generation AFTER DELETE ON audit_devices
  BEGIN UPDATE config_generation SET value = value + 1 WHERE id = 1; END;
