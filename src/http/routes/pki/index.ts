import type { PkiServices } from '../../../services/pki/pki-services.js';
import type { RouteDef } from '../../route.js';
import { pkiCaRoutes } from './ca-routes.js';
import { pkiConfigUrlRoutes } from './config-urls.js';
import { pkiFetchRoutes } from './fetch-routes.js';
import { pkiIssueRoutes } from './issue-routes.js';
import { pkiIssuerRoutes } from './issuer-routes.js';
import { pkiOcspRoutes } from './ocsp-routes.js';
import { pkiRevocationRoutes } from './revocation-routes.js';
import { pkiRoleRoutes } from './role-routes.js';
import { pkiTidyRoutes } from './tidy-routes.js';

/** Every route of a `pki` mount, relative to the mount path. */
export function pkiRoutes(pki: PkiServices): RouteDef[] {
  return [
    // Before the fetch routes: cert/crl and cert/delta-crl must win over cert/:serial.
    ...pkiRevocationRoutes({ revocations: pki.revocations, crls: pki.crls, issuers: pki.issuers, fetch: pki.fetch }),
    ...pkiFetchRoutes(pki.fetch, pki.revocations),
    ...pkiIssueRoutes(pki.issue),
    ...pkiRoleRoutes(pki.roles),
    ...pkiCaRoutes(pki.ca, pki.issuers),
    ...pkiIssuerRoutes(pki.issuers),
    ...pkiConfigUrlRoutes(pki.config),
    ...pkiOcspRoutes(pki.ocsp),
    ...pkiTidyRoutes(pki.tidy),
  ];
}
