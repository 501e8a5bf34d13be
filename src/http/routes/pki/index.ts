import type { PkiServices } from '../../../services/pki/pki-services.js';
import type { RouteDef } from '../../route.js';
import { pkiCaRoutes } from './ca-routes.js';
import { pkiConfigUrlRoutes } from './config-urls.js';
import { pkiFetchRoutes } from './fetch-routes.js';
import { pkiIssueRoutes } from './issue-routes.js';
import { pkiIssuerRoutes } from './issuer-routes.js';
import { pkiRoleRoutes } from './role-routes.js';

/** Every route of a `pki` mount, relative to the mount path. */
export function pkiRoutes(pki: PkiServices): RouteDef[] {
  return [
    ...pkiFetchRoutes(pki.fetch),
    ...pkiIssueRoutes(pki.issue),
    ...pkiRoleRoutes(pki.roles),
    ...pkiCaRoutes(pki.ca, pki.issuers),
    ...pkiIssuerRoutes(pki.issuers),
    ...pkiConfigUrlRoutes(pki.config),
  ];
}
