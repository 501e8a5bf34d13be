import { badRequest, notFound } from '../../../core/errors.js';
import { storedPem } from '../../../services/pki/cert-output.js';
import type { IssuerService, IssuerUpdate } from '../../../services/pki/issuer-service.js';
import type { FieldValues } from '../../fields.js';
import { listReply, noContent, type RawReply, respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';

const issuerFields = {
  ref: { type: 'string', description: 'Issuer reference: id, name or default.' },
  issuer_name: { type: 'string', description: 'Unique name of the issuer.' },
  leaf_not_after_behavior: { type: 'string', default: 'err', description: 'err, truncate or permit: what to do when a leaf would outlive the issuer.' },
  usage: { type: 'comma_string_slice', default: ['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'], description: 'read-only, issuing-certificates, crl-signing, ocsp-signing.' },
  manual_chain: { type: 'comma_string_slice', description: 'The chain to return, starting with this issuer ("self").' },
  revocation_signature_algorithm: { type: 'string', description: 'Signature algorithm for CRLs and OCSP responses.' },
  issuing_certificates: { type: 'comma_string_slice', description: 'AIA caIssuers URLs for certificates this issuer signs.' },
  crl_distribution_points: { type: 'comma_string_slice', description: 'CRL distribution points for certificates this issuer signs.' },
  delta_crl_distribution_points: { type: 'comma_string_slice', description: 'Delta CRL distribution points.' },
  ocsp_servers: { type: 'comma_string_slice', description: 'OCSP responder URLs.' },
  enable_aia_url_templating: { type: 'bool', description: 'Render templates in this issuer\'s URLs.' },
} as const;

type IssuerFieldValues = FieldValues<typeof issuerFields>;

/** POST writes every field (omitted ones reset); PATCH only the given ones. */
function issuerUpdate(data: IssuerFieldValues, has: (name: keyof IssuerFieldValues & string) => boolean, isPatch: boolean): IssuerUpdate {
  const take = <K extends keyof IssuerFieldValues & string>(name: K): IssuerFieldValues[K] | undefined =>
    !isPatch || has(name) ? data[name] : undefined;
  const urls: IssuerUpdate['urls'] = {};
  if (take('issuing_certificates') !== undefined) urls.issuingCertificates = data.issuing_certificates;
  if (take('crl_distribution_points') !== undefined) urls.crlDistributionPoints = data.crl_distribution_points;
  if (take('delta_crl_distribution_points') !== undefined) urls.deltaCrlDistributionPoints = data.delta_crl_distribution_points;
  if (take('ocsp_servers') !== undefined) urls.ocspServers = data.ocsp_servers;
  if (take('enable_aia_url_templating') !== undefined) urls.enableTemplating = data.enable_aia_url_templating;
  return {
    issuerName: !isPatch || has('issuer_name') ? data.issuer_name : undefined,
    leafNotAfterBehavior: take('leaf_not_after_behavior'),
    usage: take('usage'),
    manualChain: take('manual_chain'),
    revocationSignatureAlgorithm: take('revocation_signature_algorithm'),
    urls,
  };
}

const keyFields = {
  ref: { type: 'string', description: 'Key reference: id, name or default.' },
  key_name: { type: 'string', description: 'Unique name of the key.' },
} as const;

export function pkiIssuerRoutes(issuers: IssuerService): RouteDef[] {
  const rawIssuer = (contentType: string, body: (der: Buffer) => string | Buffer) =>
    async ({ mount, params }: { mount: Parameters<typeof mountOf>[0]; params: Record<string, string> }): Promise<RawReply> => {
      const issuer = await issuers.read(mountOf(mount), params.ref!);
      return { type: 'raw', status: 200, contentType, body: body(issuer.certificateDer) };
    };

  return [
    defineRoute({
      pattern: 'issuers',
      summary: 'List issuers with their names, default flag, serial and key.',
      fields: {},
      unauthenticated: ['list'],
      operations: {
        list: async ({ mount }) => {
          const { keys, keyInfo } = await issuers.list(mountOf(mount));
          if (keys.length === 0) throw notFound();
          return listReply(keys, keyInfo);
        },
      },
    }),
    defineRoute({
      pattern: 'issuer/:ref/json',
      summary: 'The issuer certificate and its chain (unauthenticated).',
      fields: { ref: issuerFields.ref },
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount, params }) => {
          const m = mountOf(mount);
          const issuer = await issuers.read(m, params.ref!);
          const view = await issuers.view(m, issuer);
          return respond({ issuer_id: issuer.id, issuer_name: issuer.name, certificate: view.certificate, ca_chain: view.ca_chain });
        },
      },
    }),
    defineRoute({
      pattern: 'issuer/:ref/pem',
      summary: 'The issuer certificate as PEM (unauthenticated).',
      fields: { ref: issuerFields.ref },
      unauthenticated: ['read'],
      operations: { read: rawIssuer('application/pem-certificate-chain', storedPem) },
    }),
    defineRoute({
      pattern: 'issuer/:ref/der',
      summary: 'The issuer certificate as DER (unauthenticated).',
      fields: { ref: issuerFields.ref },
      unauthenticated: ['read'],
      operations: { read: rawIssuer('application/pkix-cert', (der) => der) },
    }),
    defineRoute({
      pattern: 'issuer/:ref',
      summary: 'Read, update (POST replaces, PATCH merges) or delete an issuer.',
      fields: issuerFields,
      operations: {
        read: async ({ mount, params }) => {
          const m = mountOf(mount);
          return respond(await issuers.view(m, await issuers.read(m, params.ref!)));
        },
        update: async ({ mount, params, data, provided }) => {
          const m = mountOf(mount);
          const { issuer, warnings } = await issuers.update(m, params.ref!, issuerUpdate(data, provided, false));
          return respond(await issuers.view(m, issuer), { warnings });
        },
        patch: async ({ mount, params, data, provided }) => {
          const m = mountOf(mount);
          const { issuer, warnings } = await issuers.update(m, params.ref!, issuerUpdate(data, provided, true));
          return respond(await issuers.view(m, issuer), { warnings });
        },
        delete: async ({ mount, params }) => respond(null, { warnings: await issuers.delete(mountOf(mount), params.ref!) }),
      },
    }),
    defineRoute({
      pattern: 'config/issuers',
      summary: 'The default issuer and whether it follows the latest new issuer.',
      fields: {
        default: { type: 'string', description: 'Issuer reference to make the default.' },
        default_follows_latest_issuer: { type: 'bool', description: 'Make each new root or imported issuer the default.' },
      },
      operations: {
        read: async ({ mount }) => respond({ ...(await issuers.issuersConfig(mountOf(mount))) }),
        update: async ({ mount, data, provided }) =>
          respond({
            ...(await issuers.setIssuersConfig(
              mountOf(mount),
              provided('default') ? data.default : undefined,
              provided('default_follows_latest_issuer') ? data.default_follows_latest_issuer : undefined,
            )),
          }),
      },
    }),
    defineRoute({
      pattern: 'keys',
      summary: 'List keys with their names and types.',
      fields: {},
      operations: {
        list: async ({ mount }) => {
          const { keys, keyInfo } = await issuers.listKeys(mountOf(mount));
          if (keys.length === 0) throw notFound();
          return listReply(keys, keyInfo);
        },
      },
    }),
    defineRoute({
      pattern: 'keys/generate/:type',
      summary: 'Generate a key: internal (kept) or exported (returned once).',
      fields: {
        type: { type: 'string', description: 'internal or exported.' },
        key_type: { type: 'string', default: 'rsa', description: 'rsa, ec or ed25519.' },
        key_bits: { type: 'int', description: 'Key size; 0 picks the default.' },
        key_name: { type: 'string', description: 'Unique name of the key.' },
      },
      operations: {
        update: async ({ mount, data }) => {
          if (data.type !== 'internal' && data.type !== 'exported') throw badRequest(`invalid type "${data.type}": must be internal or exported`);
          const result = await issuers.generateKey(mountOf(mount), data.type === 'exported', data.key_type, data.key_bits, data.key_name);
          return respond(result.data, { warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'keys/import',
      summary: 'Import an unencrypted private key.',
      fields: {
        pem_bundle: { type: 'string', required: true, description: 'The private key as PEM.' },
        key_name: { type: 'string', description: 'Unique name of the key.' },
      },
      operations: {
        update: async ({ mount, data }) => {
          const result = await issuers.importKey(mountOf(mount), data.pem_bundle, data.key_name);
          return respond(result.data, { warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'key/:ref',
      summary: 'Read, rename or delete a key (refused while an issuer uses it).',
      fields: keyFields,
      operations: {
        read: async ({ mount, params }) => respond(issuers.keyView(await issuers.readKey(mountOf(mount), params.ref!))),
        update: async ({ mount, params, data }) => respond(issuers.keyView(await issuers.renameKey(mountOf(mount), params.ref!, data.key_name))),
        delete: async ({ mount, params }) => {
          const warnings = await issuers.deleteKey(mountOf(mount), params.ref!);
          return warnings.length > 0 ? respond(null, { warnings }) : noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'config/keys',
      summary: 'The default key.',
      fields: { default: { type: 'string', description: 'Key reference to make the default.' } },
      operations: {
        read: async ({ mount }) => respond({ ...(await issuers.keysConfig(mountOf(mount))) }),
        update: async ({ mount, data }) => respond({ ...(await issuers.setKeysConfig(mountOf(mount), data.default)) }),
      },
    }),
  ];
}
