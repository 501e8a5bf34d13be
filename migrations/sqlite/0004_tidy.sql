-- Tidy walks a mount's expired certificates in (not_after_ms, serial) order, a batch at a time:
-- this index makes each batch a range scan over expired rows only, however many valid
-- certificates the mount holds, and gives the keyset cursor a total order.
CREATE INDEX pki_certs_not_after ON pki_certs (mount_uuid, not_after_ms, serial);
-- Tidy walks a mount's revocations in seq order a batch at a time; without this index each batch
-- would read and sort every revocation of the mount.
CREATE INDEX pki_revocations_mount_seq ON pki_revocations (mount_uuid, seq);
