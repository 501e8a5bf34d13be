/**
 * Hostname syntax as Vault checks it: IDNA ToASCII, then a letters-digits-hyphens regex per
 * label, and the RFC 6125 shapes a left-most wildcard label may take.
 */
import { domainToASCII } from 'node:url';

const labelPattern = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
/** `*`, `*f`, `f*`, `f*o` — the wildcard label shapes RFC 6125 §6.4.3 describes. */
const wildcardLabelPattern = /^(\*|\*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?|[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)?)$/;
const asciiOnly = /^[\x00-\x7f]*$/;
const acePrefix = /^xn--/i;

const MAX_LABEL = 63;
const MAX_NAME = 253;

/**
 * Vault's hostname regex: dot-separated LDH labels, optionally a leading `*.` and a trailing
 * dot. Run on ASCII (IDNA-converted) names.
 */
export function isHostname(ascii: string): boolean {
  let rest = ascii.startsWith('*.') ? ascii.slice(2) : ascii;
  if (rest.endsWith('.')) rest = rest.slice(0, -1);
  if (rest === '' || rest.length > MAX_NAME) return false;
  return rest.split('.').every((label) => labelPattern.test(label));
}

export function isWildcardLabel(label: string): boolean {
  return wildcardLabelPattern.test(label);
}

export type IdnaResult = { ok: true; ascii: string } | { ok: false; error: string };

/**
 * IDNA ToASCII the way Vault's profile (StrictDomainName + VerifyDNSLength, no mapping) behaves:
 * ASCII labels pass through unchanged (the hostname regex judges them afterwards), `xn--` labels
 * must be valid Punycode, other labels are converted, and every label must be 1–63 octets and
 * the name at most 253. Non-ASCII labels go through `domainToASCII` one at a time, which maps
 * them per UTS #46 (Vault's profile would not lower-case them); converting label by label keeps
 * WHATWG's IPv4 parsing away from names such as `example.123`.
 */
export function idnaToAscii(name: string): IdnaResult {
  const trailingDot = name.endsWith('.') && name.length > 1;
  const body = trailingDot ? name.slice(0, -1) : name;
  const converted: string[] = [];
  for (const label of body.split('.')) {
    let ascii = label;
    if (!asciiOnly.test(label)) {
      ascii = domainToASCII(label);
    } else if (acePrefix.test(label) && domainToASCII(label) === '') {
      ascii = '';
    }
    if (ascii === '' || ascii.length > MAX_LABEL) return { ok: false, error: `idna: invalid label "${label}" in "${name}"` };
    converted.push(ascii);
  }
  const joined = converted.join('.');
  if (joined.length > MAX_NAME) return { ok: false, error: `idna: "${name}" is longer than ${MAX_NAME} characters` };
  return { ok: true, ascii: trailingDot ? `${joined}.` : joined };
}

/**
 * Splits a name with a `*` into its left-most label and the rest (the "reduced name").
 * Null when it is not a well-formed RFC 6125 wildcard: more than one `*`, or a `*` outside
 * the left-most label. A single-label name such as `*` reduces to "".
 */
export function splitWildcard(name: string): { label: string; reduced: string } | null {
  if (name.split('*').length > 2) return null;
  const dot = name.indexOf('.');
  if (dot < 0) return { label: name, reduced: '' };
  const label = name.slice(0, dot);
  const reduced = name.slice(dot + 1);
  if (reduced.includes('*')) return null;
  return { label, reduced };
}
