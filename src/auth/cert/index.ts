/** The TLS certificate auth method (`auth/cert`). */
export { loginCert, matchesCertConstraints, type CertLoginRequest } from './login.js';
export {
  buildCertConfig,
  buildCertRole,
  certConfigToWire,
  certRoleToWire,
  defaultCertConfig,
  normalizeCertRoleName,
  type CertConfig,
  type CertConfigWireInput,
  type CertRole,
  type CertRoleWireInput,
} from './role.js';
