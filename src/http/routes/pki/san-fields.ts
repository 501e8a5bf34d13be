import { badRequest } from '../../../core/errors.js';

/** At most this many SANs in one request (alt_names, ip_sans, uri_sans and other_sans together); a CSR has its own cap. */
export const maxRequestedSans = 1000;

export interface RequestedSans {
  altNames: string[];
  ipSans: string[];
  uriSans: string[];
  otherSans: string[];
}

/** Splits `alt_names` and refuses requests whose SAN lists together exceed the cap, before any name is checked. */
export function requestedSans(data: { alt_names: string; ip_sans: string[]; uri_sans: string[]; other_sans: string[] }): RequestedSans {
  const altNames = data.alt_names.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const total = altNames.length + data.ip_sans.length + data.uri_sans.length + data.other_sans.length;
  if (total > maxRequestedSans) throw badRequest(`too many subject alternative names requested (${total}); at most ${maxRequestedSans} are allowed`);
  return { altNames, ipSans: data.ip_sans, uriSans: data.uri_sans, otherSans: data.other_sans };
}
