import { badRequest, notFound } from '../../core/errors.js';
import { mergeRolePatch, type Role, roleFromInput, type RoleWireInput } from '../../pki/role.js';
import type { PkiStore } from '../../storage/types.js';
import { findIssuer } from './references.js';

const roleNamePattern = /^\w(?:[\w.-]*\w)?$/;

export function checkRoleName(name: string): void {
  if (!roleNamePattern.test(name) || name.length > 128) throw badRequest(`invalid role name "${name}"`);
}

/** Roles are stored as their Role model; reads return Vault's wire shape. */
export class RoleService {
  constructor(private readonly store: PkiStore) {}

  async get(mountUuid: string, name: string): Promise<Role | null> {
    return (await this.store.getRole(mountUuid, name)) as Role | null;
  }

  /** For issuance: Vault answers an unknown role with a 400 naming it. */
  async require(mountUuid: string, name: string): Promise<Role> {
    const role = await this.get(mountUuid, name);
    if (!role) throw badRequest(`unknown role: ${name}`);
    return role;
  }

  async read(mountUuid: string, name: string): Promise<Role> {
    const role = await this.get(mountUuid, name);
    if (!role) throw notFound();
    return role;
  }

  /** POST replaces the whole role: omitted fields take their defaults. */
  async write(mountUuid: string, name: string, values: RoleWireInput, provided: ReadonlySet<string>): Promise<{ role: Role; warnings: string[] }> {
    checkRoleName(name);
    const result = roleFromInput(values, provided);
    return this.save(mountUuid, name, result.role, result.warnings);
  }

  /** PATCH changes only the given fields of an existing role. */
  async patch(mountUuid: string, name: string, values: RoleWireInput, provided: ReadonlySet<string>): Promise<{ role: Role; warnings: string[] }> {
    const existing = await this.read(mountUuid, name);
    const result = mergeRolePatch(existing, values, provided);
    return this.save(mountUuid, name, result.role, result.warnings);
  }

  async delete(mountUuid: string, name: string): Promise<void> {
    await this.store.deleteRole(mountUuid, name);
  }

  async list(mountUuid: string): Promise<string[]> {
    return this.store.listRoles(mountUuid);
  }

  private async save(mountUuid: string, name: string, role: Role, warnings: string[]): Promise<{ role: Role; warnings: string[] }> {
    const out = [...warnings];
    if (!(await findIssuer(this.store, mountUuid, role.issuerRef))) {
      out.push(`Issuing Certificate was set to ${role.issuerRef} but no issuing certificate configured at that path`);
    }
    await this.store.putRole(mountUuid, name, role);
    return { role, warnings: out };
  }
}
