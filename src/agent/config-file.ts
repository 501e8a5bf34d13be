/**
 * The agent's config file (-config=FILE): a JSON object whose keys are the flag names without the
 * dash, e.g. {"address": "https://mintca:8200", "role": "web", "alt-names": ["a", "b"], "once": true}.
 * Strings, numbers, booleans and (for the comma lists) arrays of strings; unknown keys are refused.
 */
import { readFileSync } from 'node:fs';
import { agentFlags } from './config.js';
import { AgentError } from './errors.js';

const notInFile = new Set(['config', 'help', 'h']);

export function readAgentConfigFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AgentError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AgentError(`config file ${file} must hold a JSON object`);
  const values = new Map<string, string>();
  const unknown = Object.keys(parsed).filter((key) => !agentFlags.has(key) || notInFile.has(key));
  if (unknown.length) throw new AgentError(`config file ${file}: unknown settings ${unknown.map((k) => `"${k}"`).join(', ')} (keys are flag names, e.g. "common-name")`);
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') values.set(key, value);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') values.set(key, String(value));
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) values.set(key, value.join(','));
    else throw new AgentError(`config file ${file}: "${key}" must be a string, number, boolean or list of strings`);
  }
  return values;
}
