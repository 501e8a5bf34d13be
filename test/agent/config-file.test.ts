import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfigFrom, agentFlags, agentHelp } from '../../src/agent/config.js';
import { readAgentConfigFile } from '../../src/agent/config-file.js';
import { type AgentFixture, agentServer, expectMatchingPair, runOnce } from './fixture.js';

let fx: AgentFixture;
let work: string;

beforeAll(async () => {
  fx = await agentServer();
  work = mkdtempSync(join(tmpdir(), 'mintca-agent-config-'));
});
afterAll(async () => {
  await fx.server.close();
  rmSync(work, { recursive: true, force: true });
});

function configFile(name: string, content: unknown): string {
  const file = join(work, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const fileBase = { address: 'http://file:8200', role: 'web', 'common-name': 'file.example.com', 'out-dir': '/tmp/x', 'token-file': '/run/file-token' };

describe('mintca agent -config=FILE', () => {
  it('ok/-help documents every flag the agent accepts', () => {
    for (const flag of agentFlags) {
      if (flag === 'h') continue;
      expect(agentHelp, flag).toMatch(new RegExp(`-${flag}[= \\n,]`));
    }
  });

  it('ok/keys are flag names; lists, numbers and booleans are accepted', () => {
    const file = readAgentConfigFile(configFile('types.json', { ...fileBase, 'alt-names': ['a.example.com', 'b.example.com'], 'renew-fraction': 0.5, once: true, 'listen-address': '127.0.0.1:8210' }));
    const config = agentConfigFrom(new Map(), {}, file);
    expect(config.address).toBe('http://file:8200');
    expect(config.altNames).toEqual(['a.example.com', 'b.example.com']);
    expect(config.renewFraction).toBe(0.5);
    expect(config.once).toBe(true);
    expect(config.listenAddress).toBe('127.0.0.1:8210');
    expect(config.auth).toEqual({ method: 'token', token: null, tokenFile: '/run/file-token' });
  });

  it('ok/flags beat the environment, which beats the file', () => {
    const file = readAgentConfigFile(configFile('layers.json', { ...fileBase, 'ca-cert': '/file/ca.pem', 'log-level': 'debug' }));
    const env = { VAULT_ADDR: 'http://env:8200', VAULT_CACERT: '/env/ca.pem' };
    const fromEnv = agentConfigFrom(new Map(), env, file);
    expect([fromEnv.address, fromEnv.caCertFile, fromEnv.logLevel, fromEnv.commonName]).toEqual(['http://env:8200', '/env/ca.pem', 'debug', 'file.example.com']);
    const fromFlags = agentConfigFrom(new Map([['address', 'http://flag:8200'], ['common-name', 'flag.example.com']]), env, file);
    expect([fromFlags.address, fromFlags.caCertFile, fromFlags.commonName]).toEqual(['http://flag:8200', '/env/ca.pem', 'flag.example.com']);
  });

  it('ok/the token is one setting: -token/-token-file, then VAULT_TOKEN, then the file', () => {
    const file = readAgentConfigFile(configFile('token.json', fileBase));
    expect(agentConfigFrom(new Map(), {}, file).auth).toEqual({ method: 'token', token: null, tokenFile: '/run/file-token' });
    expect(agentConfigFrom(new Map(), { VAULT_TOKEN: 'hvs.env' }, file).auth).toEqual({ method: 'token', token: 'hvs.env', tokenFile: null });
    expect(agentConfigFrom(new Map([['token-file', '/flag']]), { VAULT_TOKEN: 'hvs.env' }, file).auth).toEqual({ method: 'token', token: null, tokenFile: '/flag' });
  });

  it.each([
    ['fail/unknown key', { ...fileBase, commonName: 'x' }, /unknown settings "commonName"/],
    ['fail/config inside the file', { ...fileBase, config: 'other.json' }, /unknown settings "config"/],
    ['fail/object value', { ...fileBase, ttl: { h: 1 } }, /"ttl" must be a string, number, boolean or list of strings/],
    ['fail/not an object', '[1, 2]', /must hold a JSON object/],
    ['fail/not JSON', '{"address": ', /is not valid JSON/],
  ])('%s', (name, content, message) => {
    expect(() => readAgentConfigFile(configFile(`${name.replace(/\W/g, '-')}.json`, content))).toThrow(message);
  });

  it('ok/the CLI issues with settings from the file alone; a bad file exits 1 with one Error line', async () => {
    const out = join(work, 'out');
    writeFileSync(join(work, 'token'), fx.issueToken);
    const file = configFile('agent.json', { address: fx.server.url, 'token-file': join(work, 'token'), role: 'web', 'common-name': 'web.example.com', 'alt-names': ['alt.example.com'], 'out-dir': out, ttl: '1h', 'key-mode': 'local', 'key-type': 'ec' });
    const ok = await runOnce([`-config=${file}`]);
    expect(ok.code, ok.output).toBe(0);
    expect(expectMatchingPair(out).subjectAltName).toContain('DNS:alt.example.com');
    // A flag overrides the file: a name the role refuses, so the run fails.
    const overridden = await runOnce([`-config=${file}`, '-common-name=web.other.org']);
    expect(overridden.code).toBe(1);
    expect(overridden.output).toMatch(/Error: .*web\.other\.org/);
    const missing = await runOnce([`-config=${join(work, 'nope.json')}`]);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/^Error: cannot read config file .*nope\.json: ENOENT\n$/);
  }, 20_000);
});
