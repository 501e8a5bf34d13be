import { beforeAll, describe, expect, it } from 'vitest';
import { Acl, DEFAULT_POLICY_HCL, parseDefaultPolicy, parsePolicy, ROOT_POLICY, type AclIdentity, type Operation, type Policy } from '../../src/auth/acl/index.js';
import { CaError } from '../../src/core/errors.js';

let counter = 0;
const policy = (text: string): Promise<Policy> => parsePolicy(`p${++counter}`, text);
/** The path of the first block: where a one-rule policy's cases are checked. */
const firstPath = (text: string): string => /path "([^"]+)"/.exec(text)![1]!;
const aclOf = async (texts: string[], identity: AclIdentity | null = null): Promise<Acl> =>
  new Acl(await Promise.all(texts.map(policy)), identity);

const identity: AclIdentity = {
  entityId: 'ent-1234',
  entityName: 'web-frontend',
  entityMetadata: { team: 'payments', sneaky: 'a*b', slashy: 'a/b', plus: 'a+b', empty: '' },
  aliases: {
    auth_kubernetes_9f1c: { id: 'alias-k8s', name: 'sa-web', metadata: { service_account_namespace: 'shop' }, customMetadata: { tier: 'gold' } },
  },
  groups: [{ id: 'grp-77', name: 'ops', metadata: { region: 'eu' } }],
};

describe('parsePolicy', () => {
  const ok: Array<[string, string, (p: Policy) => void]> = [
    [
      'hcl with comments and several blocks',
      `# hash comment
// slash comment
/* block
   comment */
path "pki_int/issue/*" {
  capabilities = ["create", "update"]
}
path "secret/foo" { capabilities = ["read"] }`,
      (p) => expect(p.rules.map((r) => [r.path, r.capabilities])).toEqual([
        ['pki_int/issue/*', ['create', 'update']],
        ['secret/foo', ['read']],
      ]),
    ],
    ['json form', '{"path": {"secret/*": {"capabilities": ["read", "list"]}}}', (p) => expect(p.rules[0]).toMatchObject({ path: 'secret/*', capabilities: ['read', 'list'] })],
    [
      'json with a list of path objects (HCL v1 shape)',
      '{"path": [{"a": {"capabilities": ["read"]}}, {"b": [{"capabilities": ["update"]}]}]}',
      (p) => expect(p.rules.map((r) => r.path)).toEqual(['a', 'b']),
    ],
    ['legacy policy = "read"', 'path "s/*" { policy = "read" }', (p) => expect(p.rules[0]!.capabilities).toEqual(['read', 'list'])],
    ['legacy policy = "write"', 'path "s/*" { policy = "write" }', (p) => expect(p.rules[0]!.capabilities).toEqual(['create', 'read', 'update', 'delete', 'list'])],
    ['legacy policy = "sudo"', 'path "s/*" { policy = "sudo" }', (p) => expect(p.rules[0]!.capabilities).toContain('sudo')],
    ['legacy policy = "deny"', 'path "s/*" {\n policy = "deny"\n capabilities = ["read"]\n}', (p) => expect(p.rules[0]!.capabilities).toEqual(['deny'])],
    ['legacy policy adds to capabilities', 'path "s" {\n policy = "read"\n capabilities = ["patch"]\n}', (p) => expect(p.rules[0]!.capabilities).toEqual(['read', 'list', 'patch'])],
    ['deny drops every other capability', 'path "s" { capabilities = ["read", "deny", "sudo"] }', (p) => expect(p.rules[0]!.capabilities).toEqual(['deny'])],
    [
      'parameter constraints and wrapping TTLs are kept',
      `path "secret/foo" {
  capabilities = ["create"]
  allowed_parameters = {
    "Bar" = ["zip", "zap"]
    "*"   = []
  }
  denied_parameters = { "baz" = [] }
  required_parameters = ["bar"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "90m"
}`,
      (p) => {
        const r = p.rules[0]!;
        expect(Object.fromEntries(r.allowedParameters!)).toEqual({ bar: ['zip', 'zap'], '*': [] });
        expect(Object.fromEntries(r.deniedParameters!)).toEqual({ baz: [] });
        expect(r.requiredParameters).toEqual(['bar']);
        expect([r.minWrappingTtl, r.maxWrappingTtl]).toEqual([1, 5400]);
      },
    ],
    ['a leading slash is dropped', 'path "/secret/x" { capabilities = ["read"] }', (p) => expect(p.rules[0]!.path).toBe('secret/x')],
    ['templated paths are flagged', 'path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }', (p) => expect([p.templated, p.rules[0]!.templated]).toEqual([true, true])],
    ['an empty policy has no rules', '', (p) => expect(p.rules).toEqual([])],
    ['the same path twice gives two rules', 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }', (p) => expect(p.rules).toHaveLength(2)],
    ['`+` segments and a trailing glob', 'path "pki/+/sign/+" { capabilities = ["update"] }\npath "secret/+/*" { capabilities = ["read"] }', (p) => expect(p.rules).toHaveLength(2)],
    ['a top-level name is accepted', 'name = "ignored"\npath "a" { capabilities = ["read"] }', (p) => expect(p.rules).toHaveLength(1)],
  ];
  for (const [name, text, check] of ok) {
    it(`ok/${name}`, async () => check(await policy(text)));
  }

  it('ok/the name is trimmed and lower-cased', async () => expect((await parsePolicy(' Ops ', '')).name).toBe('ops'));

  const fail: Array<[string, string, RegExp]> = [
    ['unknown capability', 'path "a" { capabilities = ["reed"] }', /invalid capability "reed"/],
    ['capabilities are case-sensitive', 'path "a" { capabilities = ["Read"] }', /invalid capability "Read"/],
    ['glob in the middle', 'path "secret/*/foo" { capabilities = ["read"] }', /only allowed as the last character/],
    ['partial + segment', 'path "secret/a+/foo" { capabilities = ["read"] }', /whole path segment/],
    ['+* is forbidden', 'path "secret/+*" { capabilities = ["read"] }', /'\+\*' is forbidden/],
    ['unknown top-level key', 'foo = "bar"\npath "a" { capabilities = ["read"] }', /invalid key "foo"/],
    ['unknown path key', 'path "a" { capabilites = ["read"] }', /path "a": invalid key "capabilites"/],
    ['missing item separator', 'path "a" { capabilities = ["read" "list"] }', /failed to parse policy: At 1:\d+: Missing item separator/],
    ['unclosed block', 'path "a" {\n  capabilities = ["read"]\n', /At 1:10: Unclosed configuration block/],
    ['an argument set twice', 'path "a" {\n capabilities = ["read"]\n capabilities = ["list"]\n}', /At 3:2: Attribute redefined; The argument "capabilities" was already set at 2:2/],
    ['unquoted path label', 'path a/b { capabilities = ["read"] }', /failed to parse policy: At 1:/],
    ['invalid legacy policy', 'path "a" { policy = "admin" }', /invalid policy "admin"/],
    ['legacy policy naming a prototype key', 'path "a" { policy = "constructor" }', /invalid policy "constructor"/],
    ['json syntax error', '{"path": {"a": {"capabilities": ["read"]}}', /failed to parse policy/],
    ['json root that is not an object', '{"path": 1}', /"path" must be a block/],
    ['capabilities not a list', '{"path": {"a": {"capabilities": "read"}}}', /must be a list of strings/],
    ['an HCL expression instead of a string', 'path "a" { capabilities = [read] }', /expressions and template sequences are not allowed/],
    ['unbalanced template', 'path "secret/{{identity.entity.id}/x" { capabilities = ["read"] }', /unbalanced templating characters/],
    ['max_wrapping_ttl below min_wrapping_ttl', 'path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = "1h"\n max_wrapping_ttl = "1m"\n}', /max_wrapping_ttl cannot be less than min_wrapping_ttl/],
    ['invalid wrapping duration', 'path "a" {\n capabilities = ["read"]\n max_wrapping_ttl = "soon"\n}', /error parsing max_wrapping_ttl/],
    ['enterprise control_group', '{"path": {"a": {"capabilities": ["read"], "control_group": {"ttl": "1h"}}}}', /Vault Enterprise feature/],
    ['wildcard inside a parameter name', 'path "a" {\n capabilities = ["update"]\n allowed_parameters = { "ttl*" = [] }\n}', /non-tail wildcards/],
  ];
  for (const [name, text, message] of fail) {
    it(`fail/${name}`, async () => {
      const error = await policy(text).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CaError);
      expect((error as CaError).status).toBe(400);
      expect((error as CaError).message).toMatch(message);
    });
  }

  it('fail/the root policy cannot be written', async () => {
    await expect(parsePolicy('root', 'path "a" { capabilities = ["read"] }')).rejects.toThrow(/cannot update "root" policy/);
  });
});

describe('matching and priority', () => {
  // The examples of Vault's policy documentation, one policy each so they do not shadow each other.
  const cases: Array<[string, string[], string, string[]]> = [
    ['exact path', ['path "secret/foo" { capabilities = ["read"] }'], 'secret/foo', ['read']],
    ['exact path does not match a longer one', ['path "secret/foo" { capabilities = ["read"] }'], 'secret/food', ['deny']],
    ['exact path does not match a child', ['path "secret/foo" { capabilities = ["read"] }'], 'secret/foo/bar', ['deny']],
    ['glob under a directory', ['path "secret/bar/*" { capabilities = ["read"] }'], 'secret/bar/zip/zap', ['read']],
    ['glob does not match a sibling prefix', ['path "secret/bar/*" { capabilities = ["read"] }'], 'secret/bars/zip', ['deny']],
    ['secret/zip-* matches secret/zip-zap', ['path "secret/zip-*" { capabilities = ["read"] }'], 'secret/zip-zap', ['read']],
    ['secret/zip-* matches secret/zip-zap/zong', ['path "secret/zip-*" { capabilities = ["read"] }'], 'secret/zip-zap/zong', ['read']],
    ['secret/zip-* does not match secret/zip/zap', ['path "secret/zip-*" { capabilities = ["read"] }'], 'secret/zip/zap', ['deny']],
    ['+ matches one segment', ['path "secret/+/teamb" { capabilities = ["read"] }'], 'secret/foo/teamb', ['read']],
    ['+ does not match two segments', ['path "secret/+/teamb" { capabilities = ["read"] }'], 'secret/foo/bar/teamb', ['deny']],
    ['+/+ matches two segments', ['path "secret/+/+/teamb" { capabilities = ["read"] }'], 'secret/foo/bar/teamb', ['read']],
    ['+ followed by a glob', ['path "secret/+/data/*" { capabilities = ["read"] }'], 'secret/a/data/b/c', ['read']],
    [
      'exact beats glob',
      ['path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "secret/foo" { capabilities = ["read"] }'],
      'secret/foo',
      ['read'],
    ],
    ['the glob still covers the rest', ['path "secret/*" { capabilities = ["read", "list"] }\npath "secret/foo" { capabilities = ["update"] }'], 'secret/other', ['list', 'read']],
    ['secret/+/teamb beats secret/* (not ending in *)', ['path "secret/*" { capabilities = ["read"] }\npath "secret/+/teamb" { capabilities = ["update"] }'], 'secret/a/teamb', ['update']],
    ['secret/* beats secret/+/+/foo/* (fewer +)', ['path "secret/*" { capabilities = ["read"] }\npath "secret/+/+/foo/*" { capabilities = ["update"] }'], 'secret/a/b/foo/c', ['read']],
    ['the first wildcard appearing later wins', ['path "secret/+/foo" { capabilities = ["read"] }\npath "secret/team/*" { capabilities = ["update"] }'], 'secret/team/foo', ['update']],
    ['fewer + segments win', ['path "a/+/+/d" { capabilities = ["read"] }\npath "a/+/c/d" { capabilities = ["update"] }'], 'a/b/c/d', ['update']],
    ['the longer pattern wins', ['path "a/+/b*" { capabilities = ["read"] }\npath "a/+/bc*" { capabilities = ["update"] }'], 'a/x/bcd', ['update']],
    ['the lexicographically larger pattern wins', ['path "a/+/+/d" { capabilities = ["read"] }\npath "a/+/c/+" { capabilities = ["update"] }'], 'a/b/c/d', ['update']],
    ['the longer prefix wins', ['path "pki/*" { capabilities = ["read"] }\npath "pki/issue/*" { capabilities = ["update"] }'], 'pki/issue/web', ['update']],
    ['a matching rule with no capabilities shadows a broader grant', ['path "secret/*" { capabilities = ["read"] }\npath "secret/locked" { capabilities = [] }'], 'secret/locked', ['deny']],
    ['nothing matches', ['path "secret/*" { capabilities = ["read"] }'], 'pki/issue/web', ['deny']],
    ['a leading slash on the request path is ignored', ['path "secret/foo" { capabilities = ["read"] }'], '/secret/foo', ['read']],
    ['a * policy covers everything', ['path "*" { capabilities = ["read"] }'], 'anything/at/all', ['read']],
  ];
  for (const [name, texts, path, expected] of cases) {
    it(`ok/${name}`, async () => expect((await aclOf(texts)).capabilities(path)).toEqual(expected));
  }
});

describe('several policies, deny and sudo', () => {
  it('ok/the same pattern in two policies is the union', async () => {
    const acl = await aclOf(['path "secret/foo" { capabilities = ["read"] }', 'path "secret/foo" { capabilities = ["update", "sudo"] }']);
    expect(acl.capabilities('secret/foo')).toEqual(['read', 'sudo', 'update']);
  });
  it('ok/the same glob in two policies is the union', async () => {
    const acl = await aclOf(['path "pki/*" { capabilities = ["list"] }', 'path "pki/*" { capabilities = ["read"] }']);
    expect(acl.capabilities('pki/cert/ca')).toEqual(['list', 'read']);
  });
  it('fail/deny in any policy wins over grants on the same path, sudo included', async () => {
    for (const order of [
      ['path "secret/foo" { capabilities = ["read", "update", "sudo"] }', 'path "secret/foo" { capabilities = ["deny"] }'],
      ['path "secret/foo" { capabilities = ["deny"] }', 'path "secret/foo" { capabilities = ["read", "update", "sudo"] }'],
    ]) {
      const acl = await aclOf(order);
      expect(acl.capabilities('secret/foo')).toEqual(['deny']);
      expect(acl.allowOperation('secret/foo', 'read')).toMatchObject({ allowed: false, sudo: false });
      expect(acl.allowOperation('secret/foo', 'sudo').allowed).toBe(false);
    }
  });
  it('fail/deny on a path under a broad grant (docs example)', async () => {
    const acl = await aclOf(['path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "secret/super-secret" { capabilities = ["deny"] }']);
    expect(acl.allowOperation('secret/super-secret', 'read')).toMatchObject({ allowed: false, reason: expect.stringMatching(/denied by policy/) });
    expect(acl.allowOperation('secret/other', 'read').allowed).toBe(true);
  });
  it('ok/a more specific grant under a broad deny is honoured, as in Vault', async () => {
    const acl = await aclOf(['path "secret/*" { capabilities = ["deny"] }', 'path "secret/open" { capabilities = ["read"] }']);
    expect(acl.allowOperation('secret/open', 'read').allowed).toBe(true);
    expect(acl.allowOperation('secret/closed', 'read').allowed).toBe(false);
  });
  it('ok/sudo is a capability of its own', async () => {
    const acl = await aclOf(['path "pki/root" { capabilities = ["delete", "sudo"] }\npath "pki/tidy" { capabilities = ["update"] }']);
    expect(acl.allowOperation('pki/root', 'delete', {}, { requireSudo: true })).toEqual({ allowed: true, sudo: true });
    expect(acl.allowOperation('pki/root', 'sudo').allowed).toBe(true);
    expect(acl.allowOperation('pki/tidy', 'update', {}, { requireSudo: true })).toMatchObject({ allowed: false, reason: expect.stringMatching(/sudo/) });
    expect(acl.allowOperation('pki/tidy', 'update')).toEqual({ allowed: true, sudo: false });
  });
  it('ok/root may do everything', () => {
    const acl = new Acl([ROOT_POLICY]);
    expect(acl.capabilities('sys/anything')).toEqual(['root']);
    expect(acl.allowOperation('pki/root', 'delete', { x: 1 }, { requireSudo: true })).toEqual({ allowed: true, sudo: true });
  });
  it('fail/no policies at all', () => {
    const acl = new Acl([]);
    expect(acl.capabilities('pki/issue/web')).toEqual(['deny']);
    expect(acl.allowOperation('pki/issue/web', 'update')).toMatchObject({ allowed: false, reason: expect.stringMatching(/no policy grants/) });
  });
  it('fail/an operation the rule does not grant', async () => {
    const acl = await aclOf(['path "pki/issue/web" { capabilities = ["read"] }']);
    expect(acl.allowOperation('pki/issue/web', 'update')).toMatchObject({ allowed: false, reason: expect.stringMatching(/no "update" capability/) });
  });
});

describe('LIST on the path with a trailing slash', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['pki/roles/* grants list of pki/roles/', 'path "pki/roles/*" { capabilities = ["list"] }', 'pki/roles/', true],
    ['pki/roles/ grants list of pki/roles/', 'path "pki/roles/" { capabilities = ["list"] }', 'pki/roles/', true],
    ['the slash is added when missing', 'path "pki/roles/*" { capabilities = ["list"] }', 'pki/roles', true],
    ['pki/roles (no slash) grants list, as in Vault', 'path "pki/roles" { capabilities = ["list"] }', 'pki/roles/', true],
    ['pki/+ grants list of pki/roles/', 'path "pki/+" { capabilities = ["list"] }', 'pki/roles/', true],
    ['read on pki/roles/* is not list', 'path "pki/roles/*" { capabilities = ["read"] }', 'pki/roles/', false],
    ['a deny on pki/roles/* beats list on pki/*', 'path "pki/*" { capabilities = ["list"] }\npath "pki/roles/*" { capabilities = ["deny"] }', 'pki/roles/', false],
    ['list on pki/* still lists pki/roles/ under a read-only pki/roles/*', 'path "pki/*" { capabilities = ["list"] }\npath "pki/roles/*" { capabilities = ["read"] }', 'pki/roles/', true],
  ];
  for (const [name, text, path, allowed] of cases) {
    it(`${allowed ? 'ok' : 'fail'}/${name}`, async () => expect((await aclOf([text])).allowOperation(path, 'list').allowed).toBe(allowed));
  }
  it('ok/sys/capabilities of the list path', async () => {
    expect((await aclOf(['path "pki/roles/*" { capabilities = ["list", "read"] }'])).capabilities('pki/roles/')).toEqual(['list', 'read']);
  });
});

describe('parameter constraints', () => {
  const issueWeb = `path "pki_int/issue/web" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["*.example.com"]
    "alt_names"   = ["a.example.com", "b.example.com"]
    "ttl"         = []
  }
}`;
  const cases: Array<[string, string, Operation, Record<string, unknown>, boolean]> = [
    ['an allowed value glob', issueWeb, 'update', { common_name: 'www.example.com', ttl: '24h' }, true],
    ['a value outside the glob', issueWeb, 'update', { common_name: 'www.evil.com' }, false],
    ['a parameter not listed', issueWeb, 'update', { common_name: 'www.example.com', ip_sans: '10.0.0.1' }, false],
    ['parameter names compare case-insensitively', issueWeb, 'update', { Common_Name: 'www.example.com' }, true],
    ['a comma-separated list, every element allowed', issueWeb, 'update', { alt_names: 'a.example.com, b.example.com' }, true],
    ['a JSON list with one element not allowed', issueWeb, 'update', { alt_names: ['a.example.com', 'c.example.com'] }, false],
    ['no parameters at all', issueWeb, 'update', {}, true],
    ['"*" allows any other parameter', 'path "a" {\n capabilities = ["update"]\n allowed_parameters = {\n  "*" = []\n  "ttl" = ["1h"]\n }\n}', 'update', { anything: 1, ttl: '1h' }, true],
    ['"*" does not lift a listed restriction', 'path "a" {\n capabilities = ["update"]\n allowed_parameters = {\n  "*" = []\n  "ttl" = ["1h"]\n }\n}', 'update', { ttl: '9h' }, false],
    ['a denied parameter', 'path "a" {\n capabilities = ["create"]\n denied_parameters = { "private_key" = [] }\n}', 'create', { private_key: 'x' }, false],
    ['a parameter that is not denied', 'path "a" {\n capabilities = ["create"]\n denied_parameters = { "private_key" = [] }\n}', 'create', { name: 'x' }, true],
    ['denied_parameters "*" refuses any parameter', 'path "a" {\n capabilities = ["update"]\n denied_parameters = { "*" = [] }\n}', 'update', { name: 'x' }, false],
    ['denied_parameters "*" allows a request without parameters', 'path "a" {\n capabilities = ["update"]\n denied_parameters = { "*" = [] }\n}', 'update', {}, true],
    ['a denied value glob', 'path "a" {\n capabilities = ["update"]\n denied_parameters = { "ip_sans" = ["10.*"] }\n}', 'update', { ip_sans: '192.168.0.1,10.0.0.1' }, false],
    ['a value the denied glob does not match', 'path "a" {\n capabilities = ["update"]\n denied_parameters = { "ip_sans" = ["10.*"] }\n}', 'update', { ip_sans: '192.168.0.1' }, true],
    ['a missing required parameter', 'path "a" {\n capabilities = ["update"]\n required_parameters = ["common_name"]\n}', 'update', { ttl: '1h' }, false],
    ['a present required parameter', 'path "a" {\n capabilities = ["update"]\n required_parameters = ["common_name"]\n}', 'update', { common_name: 'x' }, true],
    ['delete does not check parameters', 'path "a" {\n capabilities = ["delete"]\n denied_parameters = { "*" = [] }\n}', 'delete', { x: 1 }, true],
    ['patch checks parameters', 'path "a" {\n capabilities = ["patch"]\n allowed_parameters = { "ttl" = [] }\n}', 'patch', { other: 1 }, false],
    ['a non-string allowed value compares by value', 'path "a" {\n capabilities = ["update"]\n allowed_parameters = { "max_path_length" = [0, 1] }\n}', 'update', { max_path_length: 1 }, true],
  ];
  for (const [name, text, operation, params, allowed] of cases) {
    it(`${allowed ? 'ok' : 'fail'}/${name}`, async () => expect((await aclOf([text])).allowOperation(firstPath(text), operation, params).allowed).toBe(allowed));
  }
  it('ok/allowed values of the same path in two policies are merged', async () => {
    const acl = await aclOf([
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { "ttl" = ["1h"] }\n}',
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { "ttl" = ["2h"] }\n}',
    ]);
    expect(acl.allowOperation('a', 'update', { ttl: '2h' }).allowed).toBe(true);
    expect(acl.allowOperation('a', 'update', { ttl: '3h' }).allowed).toBe(false);
  });
  it('fail/max_wrapping_ttl requires a wrapped response within the bound', async () => {
    const acl = await aclOf(['path "a" {\n capabilities = ["read"]\n max_wrapping_ttl = "60s"\n}']);
    expect(acl.allowOperation('a', 'read').allowed).toBe(false);
    expect(acl.allowOperation('a', 'read', {}, { wrapTtl: 120 }).allowed).toBe(false);
    expect(acl.allowOperation('a', 'read', {}, { wrapTtl: 30 }).allowed).toBe(true);
  });
});

describe('templated policies', () => {
  const cases: Array<[string, string, AclIdentity | null, string, boolean]> = [
    ['entity id', 'path "secret/data/{{identity.entity.id}}/*" { capabilities = ["read"] }', identity, 'secret/data/ent-1234/db', true],
    ["another entity's path", 'path "secret/data/{{identity.entity.id}}/*" { capabilities = ["read"] }', identity, 'secret/data/ent-9999/db', false],
    ['no identity: the rule is dropped', 'path "secret/data/{{identity.entity.id}}/*" { capabilities = ["read"] }', null, 'secret/data/ent-1234/db', false],
    ['entity name', 'path "pki/issue/{{ identity.entity.name }}" { capabilities = ["read"] }', identity, 'pki/issue/web-frontend', true],
    ['entity metadata', 'path "kv/{{identity.entity.metadata.team}}/*" { capabilities = ["read"] }', identity, 'kv/payments/x', true],
    ['missing metadata: dropped', 'path "kv/{{identity.entity.metadata.nope}}/*" { capabilities = ["read"] }', identity, 'kv//x', false],
    ['alias name by mount accessor', 'path "k8s/{{identity.entity.aliases.auth_kubernetes_9f1c.name}}" { capabilities = ["read"] }', identity, 'k8s/sa-web', true],
    ['alias metadata', 'path "ns/{{identity.entity.aliases.auth_kubernetes_9f1c.metadata.service_account_namespace}}/*" { capabilities = ["read"] }', identity, 'ns/shop/a', true],
    ['alias custom metadata', 'path "tier/{{identity.entity.aliases.auth_kubernetes_9f1c.custom_metadata.tier}}" { capabilities = ["read"] }', identity, 'tier/gold', true],
    ['unknown accessor: dropped', 'path "k8s/{{identity.entity.aliases.auth_other.name}}" { capabilities = ["read"] }', identity, 'k8s/sa-web', false],
    ['group id by name', 'path "groups/{{identity.groups.names.ops.id}}" { capabilities = ["read"] }', identity, 'groups/grp-77', true],
    ['group name by id', 'path "groups/{{identity.groups.ids.grp-77.name}}" { capabilities = ["read"] }', identity, 'groups/ops', true],
    ['group metadata', 'path "region/{{identity.groups.names.ops.metadata.region}}" { capabilities = ["read"] }', identity, 'region/eu', true],
    ['not a member of the group: dropped', 'path "groups/{{identity.groups.names.admins.id}}" { capabilities = ["read"] }', identity, 'groups/', false],
    ['a value holding * does not widen the rule', 'path "kv/{{identity.entity.metadata.sneaky}}" { capabilities = ["read"] }', identity, 'kv/a*b', false],
    ['a value holding / does not widen the rule', 'path "kv/{{identity.entity.metadata.slashy}}" { capabilities = ["read"] }', identity, 'kv/a/b', false],
    ['a value holding + does not widen the rule', 'path "kv/{{identity.entity.metadata.plus}}/x" { capabilities = ["read"] }', identity, 'kv/a+b/x', false],
    ['an empty value: dropped', 'path "kv/{{identity.entity.metadata.empty}}x" { capabilities = ["read"] }', identity, 'kv/x', false],
    ['a prototype key is not a metadata value', 'path "kv/{{identity.entity.metadata.constructor}}" { capabilities = ["read"] }', identity, 'kv/function Object() { [native code] }', false],
    ['time templates are not rendered', 'path "kv/{{time.now}}" { capabilities = ["read"] }', identity, 'kv/0', false],
  ];
  for (const [name, text, who, path, allowed] of cases) {
    it(`${allowed ? 'ok' : 'fail'}/${name}`, async () => expect((await aclOf([text], who)).allowOperation(path, 'read').allowed).toBe(allowed));
  }
  it('ok/untemplated rules of a templated policy apply without identity', async () => {
    const acl = await aclOf(['path "secret/{{identity.entity.id}}" { capabilities = ["read"] }\npath "secret/shared" { capabilities = ["read"] }']);
    expect(acl.capabilities('secret/shared')).toEqual(['read']);
  });
});

describe('built-in policies', () => {
  let defaults: Policy;
  beforeAll(async () => {
    defaults = await parseDefaultPolicy();
  });

  it('ok/the default policy parses and holds what Vault grants every token', () => {
    expect(defaults.name).toBe('default');
    expect(defaults.raw).toBe(DEFAULT_POLICY_HCL);
    expect(defaults.rules.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        'auth/token/lookup-self',
        'auth/token/renew-self',
        'auth/token/revoke-self',
        'sys/capabilities-self',
        'sys/internal/ui/resultant-acl',
        'sys/leases/renew',
        'sys/leases/lookup',
        'sys/tools/hash',
        'sys/control-group/request',
        'cubbyhole/*',
        'sys/wrapping/wrap',
        'sys/wrapping/lookup',
        'sys/wrapping/unwrap',
      ]),
    );
  });

  const cases: Array<[string, Operation, boolean]> = [
    ['auth/token/lookup-self', 'read', true],
    ['auth/token/renew-self', 'update', true],
    ['auth/token/revoke-self', 'update', true],
    ['sys/capabilities-self', 'update', true],
    ['sys/leases/renew', 'update', true],
    ['sys/tools/hash/sha2-256', 'update', true],
    ['cubbyhole/notes', 'create', true],
    ['cubbyhole/', 'list', true],
    ['sys/wrapping/unwrap', 'update', true],
    ['identity/entity/id/ent-1234', 'read', true],
    ['identity/entity/id/ent-9999', 'read', false],
    ['auth/token/lookup-self', 'update', false],
    ['auth/token/create', 'update', false],
    ['pki/issue/web', 'update', false],
    ['sys/policies/acl/', 'list', false],
  ];
  for (const [path, operation, allowed] of cases) {
    it(`${allowed ? 'ok' : 'fail'}/default policy: ${operation} ${path}`, () => {
      expect(new Acl([defaults], identity).allowOperation(path, operation).allowed).toBe(allowed);
    });
  }
  it('ok/default policy capabilities as sys/capabilities-self reports them', () => {
    const acl = new Acl([defaults]);
    expect(acl.capabilities('auth/token/lookup-self')).toEqual(['read']);
    expect(acl.capabilities('cubbyhole/x')).toEqual(['create', 'delete', 'list', 'read', 'update']);
    expect(acl.capabilities('secret/anything')).toEqual(['deny']);
  });
});

describe('a policy granting pki_int/issue/services update only', () => {
  const text = 'path "pki_int/issue/services" {\n  capabilities = ["update"]\n}';
  const cases: Array<[string, Operation, boolean]> = [
    ['pki_int/issue/services', 'update', true],
    ['pki_int/issue/services', 'create', false],
    ['pki_int/issue/services', 'read', false],
    ['pki_int/issue/services', 'delete', false],
    ['pki_int/issue/other', 'update', false],
    ['pki_int/issue/services/extra', 'update', false],
    ['pki_int/sign/services', 'update', false],
    ['pki_int/issue/', 'list', false],
  ];
  for (const [path, operation, allowed] of cases) {
    it(`${allowed ? 'ok' : 'fail'}/${operation} ${path}`, async () => expect((await aclOf([text])).allowOperation(path, operation, { common_name: 'svc.internal' }).allowed).toBe(allowed));
  }
  it('ok/its capabilities', async () => {
    const acl = await aclOf([text]);
    expect(acl.capabilities('pki_int/issue/services')).toEqual(['update']);
    expect(acl.capabilities('pki_int/issue/other')).toEqual(['deny']);
  });
});
