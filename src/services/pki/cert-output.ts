import type { KeyObject } from 'node:crypto';
import { badRequest } from '../../core/errors.js';
import { describeKey, exportPrivateKey, type PrivateKeyFormat } from '../../pki/keys.js';
import type { ExportedPrivateKey } from '../../pki/leaf-job.js';
import { toPem } from '../../pki/pem.js';

export type OutputFormat = 'pem' | 'der' | 'pem_bundle';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === '' || value === 'pem') return 'pem';
  if (value === 'der' || value === 'pem_bundle') return value;
  throw badRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"');
}

/** PEM as issue/sign and most fetch endpoints return it: no trailing newline. */
export const trimmedPem = (der: Buffer): string => toPem(der, 'CERTIFICATE').trimEnd();
/** PEM as stored issuers are returned (issuer/:ref/json, issuer/:ref/pem): with its trailing newline. */
export const storedPem = (der: Buffer): string => toPem(der, 'CERTIFICATE');

export interface CertificateOutput {
  certificateDer: Buffer;
  issuingCaDer: Buffer;
  /** Issuing CA first, up to the root. */
  chainDers: Buffer[];
  privateKey?: KeyObject;
  privateKeyFormat: PrivateKeyFormat;
  /** A key already exported in the requested format and encoding (by the crypto thread); wins over privateKey. */
  exportedPrivateKey?: ExportedPrivateKey | null;
}

const exportedKey = (key: KeyObject, keyFormat: PrivateKeyFormat, format: OutputFormat): ExportedPrivateKey => ({
  text: exportPrivateKey(key, keyFormat, format === 'der' ? 'der' : 'pem'),
  type: describeKey(key).type,
});

/** The certificate fields of issue / sign / CA responses in the requested format (reference §4.2). */
export function certificateFields(format: OutputFormat, output: CertificateOutput): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const encode = (der: Buffer): string => (format === 'der' ? der.toString('base64') : trimmedPem(der));
  const exported = output.exportedPrivateKey ?? (output.privateKey ? exportedKey(output.privateKey, output.privateKeyFormat, format) : null);
  const keyText = exported ? exported.text.trimEnd() : null;
  if (format === 'pem_bundle') {
    fields.certificate = [keyText, trimmedPem(output.certificateDer), ...output.chainDers.map(trimmedPem)].filter((part) => part !== null).join('\n');
  } else {
    fields.certificate = encode(output.certificateDer);
  }
  fields.issuing_ca = encode(output.issuingCaDer);
  if (output.chainDers.length > 0) fields.ca_chain = output.chainDers.map(encode);
  if (exported) {
    fields.private_key = keyText;
    fields.private_key_type = exported.type;
  }
  return fields;
}
