/**
 * Dotted-decimal object identifiers as they arrive on the wire (ext_key_usage_oids,
 * policy_identifiers, other SANs). Stricter than Vault's Atoi split: the first arc is 0–2,
 * there are at least two arcs, and no arc has a sign or a leading zero — the forms DER can encode.
 */
const dottedOid = /^[0-2](\.(0|[1-9][0-9]*))+$/;

export function isDottedOid(text: string): boolean {
  if (!dottedOid.test(text)) return false;
  const [first, second] = text.split('.').map(Number) as [number, number];
  // Under arcs 0 and 1 the second arc must stay below 40 (X.690 packs the first two arcs into one number).
  return first === 2 || second < 40;
}
