import { describe, expect, it } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import {
  checkCommonName,
  checkDnsSans,
  checkEmailSans,
  checkIpSans,
  checkOtherSans,
  checkSerialNumber,
  checkUriSans,
  checkUserIds,
  parseRequestedOtherSans,
} from '../../src/pki/names.js';
import { roleFromInput, type RoleWireInput } from '../../src/pki/role.js';
import type { CallerIdentity } from '../../src/pki/types.js';

type Kind = 'cn' | 'dns' | 'email' | 'ip' | 'uri' | 'other' | 'serial' | 'user_id';

interface Case {
  /** `ok/...` must pass, `fail/...` must be refused with a 400 naming `bad` (default: value). */
  name: string;
  kind: Kind;
  role: RoleWireInput;
  value: string;
  identity?: CallerIdentity | null;
  /** Part of the refusal message, beyond the offending value. */
  message?: string;
  bad?: string;
  /** For ok cases of checks that return a normalised value. */
  expected?: string[];
}

const k8s = 'auth_kubernetes_1a2b3c4d';
const web: CallerIdentity = {
  entityId: 'ent-1234',
  entityName: 'web',
  entityMetadata: { team: 'payments' },
  aliases: { [k8s]: { id: 'alias-9', name: 'sa-uid-1', metadata: { service_account_namespace: 'default', service_account_name: 'web' } } },
};
const starName: CallerIdentity = { ...web, entityName: '*' };
const noTeam: CallerIdentity = { ...web, entityMetadata: {} };

const ex = { allowed_domains: ['example.com'] };
const bare = { ...ex, allow_bare_domains: true };
const sub = { ...ex, allow_subdomains: true };
const both = { ...ex, allow_bare_domains: true, allow_subdomains: true };
const anyName = { allow_any_name: true };
const noLocal = { allow_localhost: false };
const starGlob = { allowed_domains: ['*.example.com'], allow_glob_domains: true };
const fooGlob = { allowed_domains: ['foo.*.example.com'], allow_subdomains: true, allow_glob_domains: true };
const spiffe = { allowed_uri_sans: ['spiffe://cluster.local/ns/*/sa/*'] };
const spiffeTemplate = {
  allowed_uri_sans: [`spiffe://cluster.local/ns/{{identity.entity.aliases.${k8s}.metadata.service_account_namespace}}/sa/*`],
  allowed_uri_sans_template: true,
};
const upn = '1.3.6.1.4.1.311.20.2.3';

const cases: Case[] = [
  // allowed_domains: bare domains
  { name: 'ok/bare/exact', kind: 'cn', role: bare, value: 'example.com' },
  { name: 'ok/bare/case-insensitive', kind: 'cn', role: bare, value: 'EXAMPLE.com' },
  { name: 'fail/bare/flag-off', kind: 'cn', role: ex, value: 'example.com', message: 'common name example.com not allowed by this role' },
  { name: 'fail/bare/subdomain-needs-allow_subdomains', kind: 'cn', role: bare, value: 'www.example.com' },
  { name: 'fail/bare/other-domain', kind: 'dns', role: bare, value: 'example.org', message: 'subject alternate name example.org not allowed by this role' },

  // allowed_domains: subdomains
  { name: 'ok/subdomain/one-level', kind: 'cn', role: sub, value: 'www.example.com' },
  { name: 'ok/subdomain/deep', kind: 'dns', role: sub, value: 'a.b.c.example.com' },
  { name: 'ok/subdomain/and-bare-together', kind: 'cn', role: both, value: 'example.com' },
  { name: 'fail/subdomain/bare-needs-allow_bare_domains', kind: 'cn', role: sub, value: 'example.com' },
  { name: 'fail/subdomain/suffix-without-dot', kind: 'cn', role: sub, value: 'badexample.com' },
  { name: 'fail/subdomain/other-domain', kind: 'dns', role: sub, value: 'www.example.org' },
  { name: 'fail/subdomain/suffix-is-case-sensitive', kind: 'dns', role: sub, value: 'www.EXAMPLE.COM' },
  { name: 'fail/subdomain/trailing-dot-is-not-a-suffix', kind: 'dns', role: sub, value: 'www.example.com.' },
  { name: 'fail/subdomain/empty-domain-entries-are-skipped', kind: 'cn', role: { allowed_domains: [''], allow_subdomains: true, allow_bare_domains: true }, value: 'x.com' },

  // allowed_domains: globs (shell glob on the full name, `*` crosses dots)
  { name: 'ok/glob/star-label', kind: 'cn', role: starGlob, value: 'a.example.com' },
  { name: 'ok/glob/star-crosses-dots', kind: 'dns', role: starGlob, value: 'a.b.example.com' },
  { name: 'ok/glob/matches-a-literal-wildcard-name', kind: 'dns', role: starGlob, value: '*.example.com' },
  { name: 'ok/glob/prefix-pattern', kind: 'cn', role: { allowed_domains: ['ftp*.example.com'], allow_glob_domains: true }, value: 'ftp01.example.com' },
  { name: 'fail/glob/prefix-pattern-mismatch', kind: 'cn', role: { allowed_domains: ['ftp*.example.com'], allow_glob_domains: true }, value: 'www.example.com' },
  { name: 'fail/glob/flag-off', kind: 'cn', role: { allowed_domains: ['*.example.com'] }, value: 'a.example.com' },
  { name: 'fail/glob/bare-domain-not-matched', kind: 'cn', role: starGlob, value: 'example.com' },
  { name: 'ok/glob/middle-star', kind: 'cn', role: fooGlob, value: 'foo.bar.example.com' },
  { name: 'ok/glob/middle-star-crosses-dots', kind: 'cn', role: fooGlob, value: 'foo.bar.baz.example.com' },
  // The three options are independent: a subdomain of a glob match is not allowed.
  { name: 'fail/glob/subdomain-of-glob-counter-example', kind: 'cn', role: fooGlob, value: 'bar.foo.baz.example.com' },

  // RFC 6125 wildcards
  { name: 'ok/wildcard/star-label', kind: 'cn', role: sub, value: '*.example.com' },
  { name: 'ok/wildcard/prefix-shape', kind: 'cn', role: sub, value: 'f*.example.com' },
  { name: 'ok/wildcard/suffix-shape', kind: 'cn', role: sub, value: '*f.example.com' },
  { name: 'ok/wildcard/middle-shape', kind: 'cn', role: sub, value: 'f*o.example.com' },
  { name: 'ok/wildcard/deeper', kind: 'dns', role: sub, value: '*.www.example.com' },
  { name: 'fail/wildcard/bare-domain-flag-is-not-enough', kind: 'cn', role: bare, value: '*.example.com' },
  { name: 'fail/wildcard/two-stars-in-label', kind: 'cn', role: sub, value: 'a*b*.example.com' },
  { name: 'fail/wildcard/double-star', kind: 'cn', role: anyName, value: '**.example.com' },
  { name: 'fail/wildcard/not-left-most', kind: 'cn', role: anyName, value: 'www.*.example.com' },
  { name: 'fail/wildcard/two-wildcard-labels', kind: 'dns', role: anyName, value: '*.*.example.com' },
  { name: 'fail/wildcard/bad-label-shape', kind: 'cn', role: sub, value: '*-.example.com' },
  { name: 'fail/wildcard/hyphen-after-star', kind: 'dns', role: sub, value: 'f*-.example.com' },
  { name: 'ok/wildcard/label-shape-unchecked-without-enforce_hostnames', kind: 'cn', role: { ...anyName, enforce_hostnames: false }, value: '*-.example.com' },
  { name: 'fail/wildcard/flag-false-overrides-allow_any_name', kind: 'cn', role: { ...anyName, allow_wildcard_certificates: false }, value: '*.example.com' },
  { name: 'fail/wildcard/flag-false-overrides-subdomains', kind: 'dns', role: { ...sub, allow_wildcard_certificates: false }, value: '*.example.com' },
  { name: 'fail/wildcard/flag-false-overrides-globs', kind: 'dns', role: { ...starGlob, allow_wildcard_certificates: false }, value: '*.example.com' },
  { name: 'ok/wildcard/flag-false-leaves-plain-names', kind: 'cn', role: { ...sub, allow_wildcard_certificates: false }, value: 'www.example.com' },
  { name: 'fail/wildcard/email-with-wildcard-host', kind: 'email', role: anyName, value: 'user@*.example.com', message: 'email address user@*.example.com not allowed by this role' },
  { name: 'ok/wildcard/lone-star-with-allow_any_name', kind: 'cn', role: anyName, value: '*' },
  { name: 'fail/wildcard/lone-star-is-no-subdomain', kind: 'cn', role: sub, value: '*' },

  // allow_any_name and enforce_hostnames
  { name: 'ok/any/any-hostname', kind: 'dns', role: anyName, value: 'anything.internal' },
  { name: 'fail/any/enforce_hostnames-underscore', kind: 'dns', role: anyName, value: 'foo_bar.example.com' },
  { name: 'ok/any/enforce_hostnames-off-underscore', kind: 'dns', role: { ...anyName, enforce_hostnames: false }, value: 'foo_bar.example.com' },
  { name: 'fail/any/space-in-cn', kind: 'cn', role: anyName, value: 'my device' },
  // cn_validations "hostname" only checks the kind of CN (no "@"), not its syntax.
  { name: 'ok/any/free-text-cn-when-hostnames-not-enforced', kind: 'cn', role: { ...anyName, enforce_hostnames: false }, value: 'My Device' },
  { name: 'ok/any/trailing-dot', kind: 'dns', role: anyName, value: 'www.example.com.' },
  { name: 'fail/hostname/leading-hyphen', kind: 'dns', role: sub, value: '-foo.example.com' },
  { name: 'fail/hostname/empty-label', kind: 'dns', role: sub, value: 'foo..example.com' },
  { name: 'fail/hostname/label-longer-than-63', kind: 'dns', role: sub, value: `${'a'.repeat(64)}.example.com` },

  // IDNA
  { name: 'ok/idna/unicode-label', kind: 'cn', role: sub, value: 'bücher.example.com' },
  { name: 'ok/idna/punycode-label', kind: 'dns', role: sub, value: 'xn--bcher-kva.example.com' },
  { name: 'ok/idna/emoji-label', kind: 'dns', role: sub, value: '💩.example.com' },
  { name: 'fail/idna/invalid-punycode', kind: 'dns', role: sub, value: 'xn--zz.example.com' },
  { name: 'fail/idna/invalid-punycode-under-any-name', kind: 'cn', role: anyName, value: 'xn--a.example.com' },
  { name: 'ok/idna/invalid-punycode-without-enforce_hostnames', kind: 'dns', role: { ...sub, enforce_hostnames: false }, value: 'xn--zz.example.com' },
  { name: 'fail/idna/zero-width-joiner', kind: 'dns', role: sub, value: 'ab\u200dc.example.com' },
  { name: 'ok/idna/email-unicode-host', kind: 'email', role: anyName, value: 'user@bücher.example.com' },

  // localhost
  { name: 'ok/localhost/plain', kind: 'cn', role: {}, value: 'localhost' },
  { name: 'ok/localhost/localdomain', kind: 'dns', role: {}, value: 'localdomain' },
  { name: 'ok/localhost/email', kind: 'email', role: {}, value: 'root@localhost' },
  { name: 'fail/localhost/disabled', kind: 'cn', role: noLocal, value: 'localhost' },
  { name: 'fail/localhost/subdomain-needs-allow_subdomains', kind: 'dns', role: {}, value: 'foo.localhost' },
  { name: 'ok/localhost/subdomain', kind: 'dns', role: { allow_subdomains: true }, value: 'foo.localhost' },
  { name: 'ok/localhost/wildcard-subdomain', kind: 'dns', role: { allow_subdomains: true }, value: '*.localdomain' },
  { name: 'fail/localhost/subdomain-but-localhost-disabled', kind: 'dns', role: { allow_subdomains: true, ...noLocal }, value: 'foo.localhost' },
  { name: 'fail/localhost/look-alike', kind: 'dns', role: { allow_subdomains: true }, value: 'localhost.example.net' },

  // emails
  { name: 'ok/email/bare-host', kind: 'email', role: bare, value: 'admin@example.com' },
  { name: 'ok/email/subdomain-host', kind: 'email', role: sub, value: 'admin@mail.example.com' },
  { name: 'fail/email/bare-host-needs-allow_bare_domains', kind: 'email', role: sub, value: 'admin@example.com' },
  { name: 'fail/email/two-at-signs', kind: 'email', role: anyName, value: 'a@b@example.com' },
  { name: 'fail/email/other-domain', kind: 'email', role: bare, value: 'admin@example.org' },
  { name: 'fail/email/host-not-a-hostname', kind: 'email', role: anyName, value: 'user@foo_bar.com' },

  // cn_validations
  { name: 'ok/cn_validations/email-cn-by-default', kind: 'cn', role: bare, value: 'admin@example.com' },
  { name: 'fail/cn_validations/email-only-refuses-hostname', kind: 'cn', role: { ...bare, cn_validations: ['email'] }, value: 'example.com' },
  { name: 'fail/cn_validations/hostname-only-refuses-email', kind: 'cn', role: { ...bare, cn_validations: ['hostname'] }, value: 'admin@example.com' },
  { name: 'ok/cn_validations/disabled-skips-domain-checks', kind: 'cn', role: { ...bare, cn_validations: ['disabled'] }, value: 'Any Free Text, Inc.' },
  { name: 'fail/cn_validations/disabled-does-not-cover-dns-sans', kind: 'dns', role: { ...bare, cn_validations: ['disabled'] }, value: 'other.org' },

  // IP SANs
  { name: 'ok/ip/v4', kind: 'ip', role: {}, value: '10.0.0.1', expected: ['10.0.0.1'] },
  { name: 'ok/ip/v6-canonical', kind: 'ip', role: {}, value: '2001:DB8:0:0::1', expected: ['2001:db8::1'] },
  { name: 'ok/ip/v4-mapped-v6', kind: 'ip', role: {}, value: '::ffff:192.0.2.7', expected: ['192.0.2.7'] },
  { name: 'fail/ip/garbage', kind: 'ip', role: {}, value: 'not-an-ip', message: 'the value "not-an-ip" is not a valid IP address' },
  { name: 'fail/ip/leading-zero', kind: 'ip', role: {}, value: '010.0.0.1' },
  { name: 'fail/ip/with-port', kind: 'ip', role: {}, value: '10.0.0.1:443' },
  { name: 'fail/ip/zone-id', kind: 'ip', role: {}, value: 'fe80::1%eth0' },
  { name: 'fail/ip/allow_ip_sans-off', kind: 'ip', role: { allow_ip_sans: false }, value: '10.0.0.1', message: 'IP Subject Alternative Names are not allowed in this role' },
  { name: 'fail/ip/allow_ip_sans-off-v6', kind: 'ip', role: { allow_ip_sans: false }, value: '::1' },

  // URI SANs
  { name: 'ok/uri/spiffe-glob', kind: 'uri', role: spiffe, value: 'spiffe://cluster.local/ns/default/sa/web' },
  { name: 'fail/uri/spiffe-other-trust-domain', kind: 'uri', role: spiffe, value: 'spiffe://evil.local/ns/default/sa/web', message: 'not valid for this role' },
  { name: 'fail/uri/spiffe-glob-prefix-only', kind: 'uri', role: spiffe, value: 'spiffe://cluster.local/ns/default' },
  { name: 'fail/uri/empty-allow-list', kind: 'uri', role: {}, value: 'https://example.com/', message: 'URI Subject Alternative Names are not allowed in this role' },
  { name: 'ok/uri/exact', kind: 'uri', role: { allowed_uri_sans: ['https://example.com/a'] }, value: 'https://example.com/a' },
  { name: 'fail/uri/not-a-uri', kind: 'uri', role: { allowed_uri_sans: ['*'] }, value: 'not a uri', message: 'is not a valid URI' },
  { name: 'ok/uri/template-namespace', kind: 'uri', role: spiffeTemplate, identity: web, value: 'spiffe://cluster.local/ns/default/sa/web' },
  { name: 'fail/uri/template-other-namespace', kind: 'uri', role: spiffeTemplate, identity: web, value: 'spiffe://cluster.local/ns/kube-system/sa/web' },
  { name: 'fail/uri/template-without-identity', kind: 'uri', role: spiffeTemplate, identity: null, value: 'spiffe://cluster.local/ns/default/sa/web' },

  // other SANs
  { name: 'ok/other/utf8-glob', kind: 'other', role: { allowed_other_sans: [`${upn};UTF8:*@example.com`] }, value: `${upn};UTF8:user@example.com` },
  { name: 'ok/other/utf-8-spelling', kind: 'other', role: { allowed_other_sans: [`${upn};UTF8:*@example.com`] }, value: `${upn};UTF-8:user@example.com` },
  { name: 'ok/other/single-star', kind: 'other', role: { allowed_other_sans: ['*'] }, value: '1.2.3.4;utf8:anything' },
  { name: 'fail/other/value-mismatch', kind: 'other', role: { allowed_other_sans: [`${upn};UTF8:*@example.com`] }, value: `${upn};UTF8:user@evil.com`, bad: 'user@evil.com', message: `not allowed for OID ${upn} by this role` },
  { name: 'fail/other/oid-not-listed', kind: 'other', role: { allowed_other_sans: [`${upn};UTF8:*`] }, value: '1.2.3.4;UTF8:x', bad: '1.2.3.4', message: 'other SAN OID 1.2.3.4 not allowed by this role' },
  { name: 'fail/other/empty-allow-list', kind: 'other', role: {}, value: '1.2.3.4;UTF8:x', bad: '1.2.3.4' },
  { name: 'fail/other/no-semicolon', kind: 'other', role: { allowed_other_sans: ['*'] }, value: 'garbage', message: 'expected a semicolon' },
  { name: 'fail/other/no-colon', kind: 'other', role: { allowed_other_sans: ['*'] }, value: '1.2.3.4;UTF8', message: 'expected a colon' },
  { name: 'fail/other/non-utf8-type', kind: 'other', role: { allowed_other_sans: ['*'] }, value: '1.2.3.4;IA5:x', message: 'only utf8 other SANs are supported' },
  { name: 'fail/other/bad-oid', kind: 'other', role: { allowed_other_sans: ['*'] }, value: 'abc;UTF8:x', bad: 'abc' },

  // subject serialNumber
  { name: 'ok/serial_number/glob', kind: 'serial', role: { allowed_serial_numbers: ['SN-*'] }, value: 'SN-123' },
  { name: 'ok/serial_number/exact', kind: 'serial', role: { allowed_serial_numbers: ['ABC'] }, value: 'ABC' },
  { name: 'fail/serial_number/empty-list', kind: 'serial', role: {}, value: 'SN-1', message: 'serial_number SN-1 not allowed by this role' },
  { name: 'fail/serial_number/mismatch', kind: 'serial', role: { allowed_serial_numbers: ['SN-*'] }, value: 'XY-1' },
  { name: 'fail/serial_number/exact-is-case-sensitive', kind: 'serial', role: { allowed_serial_numbers: ['ABC'] }, value: 'abc' },

  // user_ids
  { name: 'ok/user_ids/star', kind: 'user_id', role: { allowed_user_ids: ['*'] }, value: 'alice' },
  { name: 'ok/user_ids/exact-case-insensitive', kind: 'user_id', role: { allowed_user_ids: ['Alice'] }, value: 'alice' },
  { name: 'ok/user_ids/glob', kind: 'user_id', role: { allowed_user_ids: ['svc-*'] }, value: 'svc-web' },
  { name: 'fail/user_ids/empty-list', kind: 'user_id', role: {}, value: 'alice', message: 'user_id alice is not allowed by this role' },
  { name: 'fail/user_ids/mismatch', kind: 'user_id', role: { allowed_user_ids: ['svc-*'] }, value: 'alice' },

  // identity-templated allowed_domains
  { name: 'ok/template/entity-name-bare', kind: 'cn', role: { allowed_domains: ['{{identity.entity.name}}.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: web, value: 'web.example.com' },
  { name: 'ok/template/alias-metadata-subdomain', kind: 'dns', role: { allowed_domains: [`{{identity.entity.aliases.${k8s}.metadata.service_account_namespace}}.svc.cluster.local`], allowed_domains_template: true, allow_subdomains: true }, identity: web, value: 'web.default.svc.cluster.local' },
  { name: 'ok/template/entity-id', kind: 'cn', role: { allowed_domains: ['{{ identity.entity.id }}.ids.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: web, value: 'ent-1234.ids.example.com' },
  { name: 'fail/template/other-entity', kind: 'cn', role: { allowed_domains: ['{{identity.entity.name}}.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: web, value: 'db.example.com' },
  { name: 'fail/template/no-identity-skips-entry', kind: 'cn', role: { allowed_domains: ['{{identity.entity.name}}.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: null, value: 'web.example.com' },
  { name: 'fail/template/missing-metadata-key', kind: 'cn', role: { allowed_domains: ['{{identity.entity.metadata.team}}.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: noTeam, value: 'payments.example.com' },
  { name: 'ok/template/metadata-key', kind: 'cn', role: { allowed_domains: ['{{identity.entity.metadata.team}}.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: web, value: 'payments.example.com' },
  { name: 'fail/template/unknown-alias-accessor', kind: 'cn', role: { allowed_domains: ['{{identity.entity.aliases.auth_other_1.name}}.example.com'], allowed_domains_template: true, allow_bare_domains: true }, identity: web, value: 'sa-uid-1.example.com' },
  // An entity named "*" must not widen its own grant into a glob.
  { name: 'fail/template/value-containing-star-is-refused', kind: 'cn', role: { allowed_domains: ['{{identity.entity.name}}.example.com'], allowed_domains_template: true, allow_bare_domains: true, allow_glob_domains: true }, identity: starName, value: 'anything.example.com' },
  { name: 'fail/template/flag-off-means-literal', kind: 'cn', role: { allowed_domains: ['{{identity.entity.name}}.example.com'], allow_bare_domains: true }, identity: web, value: 'web.example.com' },
  { name: 'ok/template/plain-entries-still-apply-without-identity', kind: 'cn', role: { allowed_domains: ['{{identity.entity.name}}.example.com', 'static.org'], allowed_domains_template: true, allow_bare_domains: true }, identity: null, value: 'static.org' },
];

function run(c: Case): unknown {
  const role = roleFromInput(c.role, new Set(Object.keys(c.role))).role;
  const identity = c.identity === undefined ? null : c.identity;
  switch (c.kind) {
    case 'cn':
      return checkCommonName(c.value, role, identity);
    case 'dns':
      return checkDnsSans([c.value], role, identity);
    case 'email':
      return checkEmailSans([c.value], role, identity);
    case 'ip':
      return checkIpSans([c.value], role, 'api');
    case 'uri':
      return checkUriSans([c.value], role, identity, 'api');
    case 'other':
      return checkOtherSans(parseRequestedOtherSans([c.value]), role);
    case 'serial':
      return checkSerialNumber(c.value, role);
    case 'user_id':
      return checkUserIds([c.value], role);
  }
}

describe('role name validation (reference §3.1)', () => {
  it('has a broad table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) expect(c.name).toMatch(/^(ok|fail)\//);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    if (c.name.startsWith('ok/')) {
      const result = run(c);
      if (c.expected) expect(result).toEqual(c.expected);
      return;
    }
    let caught: unknown;
    try {
      run(c);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CaError);
    const error = caught as CaError;
    expect(error.status).toBe(400);
    expect(error.message).toContain(c.bad ?? c.value);
    if (c.message) expect(error.message).toContain(c.message);
  });
});
