/**
 * Vault's flag style: `-name=value`, `-name value`, `--name=value`, and bare `-name` for
 * booleans. Flags declared boolean never consume the next argument.
 */
export interface ParsedFlags {
  values: Map<string, string>;
  positional: string[];
}

export class FlagError extends Error {}

export function parseFlags(argv: readonly string[], booleanFlags: ReadonlySet<string>, knownFlags: ReadonlySet<string>): ParsedFlags {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--' ) {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (!knownFlags.has(name)) throw new FlagError(`flag provided but not defined: -${name}`);
    if (eq >= 0) {
      values.set(name, body.slice(eq + 1));
    } else if (booleanFlags.has(name)) {
      values.set(name, 'true');
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new FlagError(`flag needs an argument: -${name}`);
      values.set(name, next);
      i++;
    }
  }
  return { values, positional };
}

export function flagBool(flags: ParsedFlags, name: string): boolean {
  const value = flags.values.get(name);
  if (value === undefined) return false;
  if (['1', 't', 'true'].includes(value.toLowerCase())) return true;
  if (['0', 'f', 'false'].includes(value.toLowerCase())) return false;
  throw new FlagError(`invalid boolean value "${value}" for -${name}`);
}
