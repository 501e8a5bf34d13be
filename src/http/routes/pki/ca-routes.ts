import { badRequest } from '../../../core/errors.js';
import { parsePrivateKeyFormat } from '../../../pki/keys.js';
import type { CaService, KeySource } from '../../../services/pki/ca-service.js';
import { parseOutputFormat } from '../../../services/pki/cert-output.js';
import type { IssuerService } from '../../../services/pki/issuer-service.js';
import { respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { caKeyFields, caSubjectFields, toCaRequest } from './ca-fields.js';
import { mountOf } from './mount-of.js';

const keySource = (type: string, allowExisting: boolean): KeySource => {
  const allowed = allowExisting ? ['internal', 'exported', 'existing', 'kms'] : ['internal', 'exported', 'kms'];
  if (!allowed.includes(type)) throw badRequest(`invalid type "${type}": must be one of ${allowed.join(', ')}`);
  return type as KeySource;
};

const rootFields = {
  type: { type: 'string', description: 'internal (key kept), exported (key returned), existing (key_ref).' },
  ...caSubjectFields,
  ...caKeyFields,
  issuer_name: { type: 'string', description: 'Name of the new issuer.' },
} as const;

const intermediateFields = {
  type: { type: 'string', description: 'internal (key kept), exported (key returned), existing (key_ref).' },
  ...caSubjectFields,
  ...caKeyFields,
  add_basic_constraints: { type: 'bool', description: 'Request BasicConstraints CA:true in the CSR.' },
} as const;

const signIntermediateFields = {
  ref: { type: 'string', description: 'Issuer reference: id, name or default.' },
  csr: { type: 'string', required: true, description: 'PEM CSR of the intermediate CA.' },
  use_csr_values: { type: 'bool', description: 'Take the subject and SANs from the CSR.' },
  skid: { type: 'string', description: 'Subject key identifier to use (hex), for cross-signing.' },
  issuer_ref: { type: 'string', default: 'default', description: 'Issuer that signs (root/sign-intermediate).' },
  ...caSubjectFields,
} as const;

const bundleFields = { pem_bundle: { type: 'string', required: true, description: 'PEM certificates and private keys, in any order.' } } as const;

const selfIssuedFields = {
  ref: { type: 'string', description: 'Issuer reference: id, name or default.' },
  issuer_ref: { type: 'string', default: 'default', description: 'Issuer that signs (root/sign-self-issued).' },
  certificate: { type: 'string', required: true, description: 'The self-issued CA certificate (PEM).' },
  require_matching_certificate_algorithms: { type: 'bool', description: 'Refuse when the key types differ.' },
} as const;

export function pkiCaRoutes(ca: CaService, issuers: IssuerService): RouteDef[] {
  const rootRoute = (pattern: string, summary: string, defaultName = '') =>
    defineRoute({
      pattern,
      summary,
      fields: rootFields,
      operations: {
        update: async ({ mount, data }) => {
          const result = await ca.generateRoot(
            mountOf(mount),
            { source: keySource(data.type, true), keyType: data.key_type, keyBits: data.key_bits, keyName: data.key_name, keyRef: data.key_ref },
            toCaRequest(data),
            {
              format: parseOutputFormat(data.format),
              privateKeyFormat: parsePrivateKeyFormat(data.private_key_format),
              issuerName: data.issuer_name || defaultName,
            },
          );
          return respond(result.data, { warnings: result.warnings });
        },
      },
    });

  const intermediateRoute = (pattern: string, summary: string, forcedType?: KeySource) =>
    defineRoute({
      pattern,
      summary,
      fields: intermediateFields,
      operations: {
        update: async ({ mount, data }) => {
          const result = await ca.generateIntermediate(
            mountOf(mount),
            {
              source: forcedType ?? keySource(data.type, true),
              keyType: data.key_type,
              keyBits: data.key_bits,
              keyName: data.key_name,
              keyRef: data.key_ref,
            },
            toCaRequest(data),
            { format: parseOutputFormat(data.format), privateKeyFormat: parsePrivateKeyFormat(data.private_key_format), issuerName: '' },
            data.add_basic_constraints,
          );
          return respond(result.data, { warnings: result.warnings });
        },
      },
    });

  const signIntermediateRoute = (pattern: string, summary: string) =>
    defineRoute({
      pattern,
      summary,
      fields: signIntermediateFields,
      operations: {
        update: async ({ mount, data, params }) => {
          const result = await ca.signIntermediate(mountOf(mount), params.ref ?? data.issuer_ref, data.csr, toCaRequest(data), {
            useCsrValues: data.use_csr_values,
            format: parseOutputFormat(data.format),
            skid: data.skid,
          });
          return respond(result.data, { warnings: result.warnings });
        },
      },
    });

  const importRoute = (pattern: string, summary: string, allowKeys: boolean) =>
    defineRoute({
      pattern,
      summary,
      fields: bundleFields,
      operations: {
        update: async ({ mount, data }) => {
          const result = await ca.importBundle(mountOf(mount), data.pem_bundle, allowKeys);
          return respond(result.data, { warnings: result.warnings });
        },
      },
    });

  const setSignedRoute = defineRoute({
    pattern: 'intermediate/set-signed',
    summary: 'Import the signed intermediate (and optionally its parents) as issuers, linked to the key of its CSR.',
    fields: { certificate: { type: 'string', required: true, description: 'PEM certificate(s): the signed intermediate, optionally followed by its parents.' } },
    operations: {
      update: async ({ mount, data }) => {
        const result = await ca.importBundle(mountOf(mount), data.certificate, false);
        return respond(result.data, { warnings: result.warnings });
      },
    },
  });

  const selfIssuedRoute = (pattern: string, summary: string) =>
    defineRoute({
      pattern,
      summary,
      fields: selfIssuedFields,
      sudo: ['update'],
      operations: {
        update: async ({ mount, data, params }) => {
          const result = await ca.signSelfIssued(mountOf(mount), params.ref ?? data.issuer_ref, data.certificate, data.require_matching_certificate_algorithms);
          return respond(result.data, { warnings: result.warnings });
        },
      },
    });

  return [
    rootRoute('root/generate/:type', 'Generate a self-signed root CA (a new issuer).'),
    rootRoute('issuers/generate/root/:type', 'Generate a self-signed root CA (a new issuer).'),
    rootRoute('root/rotate/:type', 'Generate a new root for rotation (issuer_name defaults to "next").', 'next'),
    intermediateRoute('intermediate/generate/:type', 'Generate a key (or use an existing one) and return an intermediate CA CSR.'),
    intermediateRoute('issuers/generate/intermediate/:type', 'Generate a key (or use an existing one) and return an intermediate CA CSR.'),
    intermediateRoute('intermediate/cross-sign', 'A CSR for an existing key, to have it cross-signed.', 'existing'),
    signIntermediateRoute('root/sign-intermediate', 'Sign an intermediate CA CSR with the default (or issuer_ref) issuer.'),
    signIntermediateRoute('issuer/:ref/sign-intermediate', 'Sign an intermediate CA CSR with this issuer.'),
    setSignedRoute,
    importRoute('config/ca', 'Import a PEM bundle of CA certificates and keys.', true),
    importRoute('issuers/import/bundle', 'Import a PEM bundle of CA certificates and keys.', true),
    importRoute('issuers/import/cert', 'Import CA certificates (no keys).', false),
    selfIssuedRoute('root/sign-self-issued', 'Re-sign a self-issued CA certificate with the default issuer.'),
    selfIssuedRoute('issuer/:ref/sign-self-issued', 'Re-sign a self-issued CA certificate with this issuer.'),
    defineRoute({
      pattern: 'root',
      summary: 'Delete every issuer and key of the mount (sudo).',
      fields: {},
      sudo: ['delete'],
      operations: {
        // Vault answers 200 with a warning (not 204), steering callers to per-item deletes.
        delete: async ({ mount }) => respond(null, { warnings: await issuers.deleteAll(mountOf(mount)) }),
      },
    }),
  ];
}
