import { ConfigError } from '../config/config.js';
import { runAgentCommand } from './agent.js';
import { FlagError } from './flags.js';
import { runOperator } from './operator.js';
import { runServer, serverHelp } from './server.js';

const usage = `Usage: mintca <command> [options]

Commands:
  server    Start the mintca server (mintca server -dev for a dev server)
  agent     Obtain a certificate and keep it renewed (mintca agent -help)
  operator  Operator tasks: bootstrap a CA hierarchy and Kubernetes auth

Run "mintca <command> -help" for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return runServer(rest, process.env);
    case 'agent':
      return runAgentCommand(rest, process.env);
    case 'operator':
      return runOperator(rest, process.env);
    case undefined:
    case '-h':
    case '-help':
    case '--help':
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${usage}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof FlagError;
    process.stderr.write(`Error: ${known ? (error as Error).message : (error as Error).stack ?? String(error)}\n`);
    if (error instanceof FlagError) process.stderr.write(`\n${serverHelp}`);
    process.exit(1);
  },
);
