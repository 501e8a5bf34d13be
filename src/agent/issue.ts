/**
 * Obtaining one certificate: `<mount>/issue/<role>` (server key) or a locally generated key and
 * CSR sent to `<mount>/sign/<role>` (the private key never leaves the process). The result is
 * checked locally — the certificate's public key must be the key's — before anyone writes it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { buildCsr } from '../pki/csr.js';
import type { AgentConfig } from './config.js';
import { AgentError } from './errors.js';
import type { VaultClient } from './vault-client.js';

export interface IssuedSet {
  certPem: string;
  keyPem: string;
  /** Issuing CA followed by the rest of the chain, deduplicated. */
  caPem: string;
  serial: string;
  notBeforeMs: number;
  notAfterMs: number;
}

function localKey(config: AgentConfig): KeyObject {
  switch (config.keyType) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: config.keyBits }).privateKey;
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: { 256: 'P-256', 384: 'P-384', 521: 'P-521' }[config.keyBits] ?? 'P-256' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

const pemBlock = (pem: string) => `${pem.trim()}\n`;

/** Checks a certificate/key/CA set and returns it in its final shape. */
export function checkedSet(certPem: string, keyPem: string, caPems: string[]): IssuedSet {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new AgentError('the server returned a certificate that does not parse');
  }
  const key = createPrivateKey(keyPem);
  const spki = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'der' });
  if (!spki(key).equals(cert.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new AgentError('the certificate returned does not match the private key');
  }
  const seen = new Set<string>();
  const chain = caPems.map((p) => pemBlock(p)).filter((p) => p.trim() !== '' && !seen.has(p) && (seen.add(p), true));
  return {
    certPem: pemBlock(certPem),
    keyPem: pemBlock(keyPem),
    caPem: chain.join(''),
    serial: cert.serialNumber,
    notBeforeMs: Date.parse(cert.validFrom),
    notAfterMs: Date.parse(cert.validTo),
  };
}

const pemBlocks = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];

/** The certificates of a PEM chain that are not self-signed roots (what a server sends after its leaf). */
export function withoutRoots(chainPem: string): string {
  return pemBlocks(chainPem)
    .filter((pem) => {
      const cert = new X509Certificate(pem);
      return !(cert.issuer === cert.subject && cert.verify(cert.publicKey));
    })
    .map(pemBlock)
    .join('');
}

function requestBody(config: AgentConfig): Record<string, string> {
  const body: Record<string, string> = { common_name: config.commonName, format: 'pem' };
  if (config.altNames.length) body.alt_names = config.altNames.join(',');
  if (config.ipSans.length) body.ip_sans = config.ipSans.join(',');
  if (config.uriSans.length) body.uri_sans = config.uriSans.join(',');
  if (config.ttl) body.ttl = config.ttl;
  return body;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function caPemsOf(data: any): string[] {
  const chain: unknown = data?.ca_chain;
  return [data?.issuing_ca, ...(Array.isArray(chain) ? chain : [])].filter((p): p is string => typeof p === 'string');
}

export async function issueCertificate(config: AgentConfig, client: VaultClient, token: string): Promise<IssuedSet> {
  const body = requestBody(config);
  if (config.keyMode === 'server') {
    const res = await client.call('POST', `${config.mount}/issue/${config.role}`, { token, body });
    const data = res.json?.data;
    if (typeof data?.certificate !== 'string' || typeof data?.private_key !== 'string') throw new AgentError(`${config.mount}/issue/${config.role}: the answer has no certificate and private_key`);
    return checkedSet(data.certificate, data.private_key, caPemsOf(data));
  }
  const privateKey = localKey(config);
  const isIp = (s: string) => /^[0-9.]+$|:/.test(s);
  const csr = buildCsr({
    subject: [{ type: 'CN', value: config.commonName }],
    privateKey,
    sans: {
      dns: config.altNames.filter((n) => !n.includes('@') && !isIp(n)),
      email: config.altNames.filter((n) => n.includes('@')),
      ip: config.ipSans,
      uri: config.uriSans,
      otherNames: [],
    },
  });
  const csrPem = `-----BEGIN CERTIFICATE REQUEST-----\n${csr.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE REQUEST-----\n`;
  const res = await client.call('POST', `${config.mount}/sign/${config.role}`, { token, body: { ...body, csr: csrPem } });
  const data = res.json?.data;
  if (typeof data?.certificate !== 'string') throw new AgentError(`${config.mount}/sign/${config.role}: the answer has no certificate`);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return checkedSet(data.certificate, keyPem, caPemsOf(data));
}
