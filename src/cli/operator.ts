import { readFileSync } from 'node:fs';
import { BootstrapError, bootstrap, bootstrapDefaults, pemBlocks } from '../operator/bootstrap.js';
import { flagBool, FlagError, parseFlags } from './flags.js';

export const operatorHelp = `Usage: mintca operator <subcommand> [options]

Subcommands:
  bootstrap    Set up a root CA, an intermediate CA, a "services" role and Kubernetes auth (idempotent)

Run "mintca operator bootstrap -help" for its options.
`;

export const bootstrapHelp = `Usage: mintca operator bootstrap [options]

  Sets up, over the HTTP API, what the guides do by hand. Every step checks first and creates only
  what is missing; existing pieces are left as they are, so running it again changes nothing.

    - a root PKI mount with a root CA (EC P-384, 10 years)
    - an intermediate PKI mount with an intermediate CA signed by the root (EC P-256, 5 years)
    - config/urls (issuing CA, CRL and OCSP URLs) on both mounts
    - a Kubernetes auth mount, configured with -kubernetes-host and/or -pem-keys-file
    - the policy "issue-services": update on <int-mount>/issue/services and <int-mount>/sign/services
    - the PKI role "services": server and client certificates for <sa>.<ns>.<domain> (and <sa>.<ns>.svc,
      <sa>.<ns> when the domain starts with "svc.") plus spiffe://<trust domain>/ns/<ns>/sa/<sa>, where
      <sa> and <ns> are the caller's own service account and namespace
    - the Kubernetes auth role "services": every service account in every namespace, policy issue-services

  -address=URL               Server address (env VAULT_ADDR). For a server certificate from a private CA
                             set NODE_EXTRA_CA_CERTS.
  -token=TOKEN               A token allowed to mount, configure and write policies (env VAULT_TOKEN).
  -root-mount=PATH           Root CA mount (default ${bootstrapDefaults.rootMount}).
  -int-mount=PATH            Intermediate CA mount (default ${bootstrapDefaults.intMount}).
  -domain=DOMAIN             Service domain of the cluster (default ${bootstrapDefaults.domain}).
  -kubernetes-mount=PATH     Kubernetes auth mount (default ${bootstrapDefaults.kubernetesMount}).
  -kubernetes-host=URL       Kubernetes API server for TokenReview (default ${bootstrapDefaults.kubernetesHost}).
  -pem-keys-file=FILE        PEM public key(s) of the service-account token issuer: logins are then
                             verified locally, without TokenReview.
  -public-url=URL            Base URL clients reach the server at, for AIA/CRL/OCSP URLs (default: -address).
`;

const booleanFlags = new Set(['help', 'h']);
const bootstrapFlags = new Set([
  ...booleanFlags,
  'address',
  'token',
  'root-mount',
  'int-mount',
  'domain',
  'kubernetes-mount',
  'kubernetes-host',
  'pem-keys-file',
  'public-url',
]);

async function runBootstrap(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseFlags(argv, booleanFlags, bootstrapFlags);
  if (flagBool(flags, 'help') || flagBool(flags, 'h')) {
    process.stdout.write(bootstrapHelp);
    return 0;
  }
  if (flags.positional.length > 0) throw new FlagError(`unexpected arguments: ${flags.positional.join(' ')}`);
  const get = (name: string) => flags.values.get(name);
  let pemKeys: string[] | undefined;
  const pemFile = get('pem-keys-file');
  if (pemFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(pemFile, 'utf8');
    } catch (error) {
      throw new BootstrapError(`cannot read ${pemFile}: ${(error as Error).message}`);
    }
    pemKeys = pemBlocks(text);
    if (pemKeys.length === 0) throw new BootstrapError(`${pemFile} holds no PEM block`);
  }
  const result = await bootstrap({
    address: get('address') ?? env.VAULT_ADDR ?? '',
    token: get('token') ?? env.VAULT_TOKEN ?? '',
    rootMount: get('root-mount'),
    intMount: get('int-mount'),
    domain: get('domain'),
    kubernetesMount: get('kubernetes-mount'),
    kubernetesHost: get('kubernetes-host'),
    pemKeys,
    publicUrl: get('public-url'),
  });
  for (const { step, status } of result.steps) {
    process.stdout.write(`${status === 'created' ? 'created        ' : 'already present'}  ${step}\n`);
  }
  const created = result.steps.filter((step) => step.status === 'created').length;
  process.stdout.write(created === 0 ? 'Nothing to do: everything was already present.\n' : `Done: ${created} created, ${result.steps.length - created} already present.\n`);
  return 0;
}

/** `mintca operator ...`. Errors of its own are reported here, with this command's help. */
export async function runOperator(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [subcommand, ...rest] = argv;
  try {
    switch (subcommand) {
      case 'bootstrap':
        return await runBootstrap(rest, env);
      case undefined:
      case '-h':
      case '-help':
      case '--help':
        process.stdout.write(operatorHelp);
        return subcommand === undefined ? 1 : 0;
      default:
        process.stderr.write(`unknown operator subcommand "${subcommand}"\n\n${operatorHelp}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`Error: ${error.message}\n\n${bootstrapHelp}`);
      return 1;
    }
    if (error instanceof BootstrapError) {
      process.stderr.write(`Error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
