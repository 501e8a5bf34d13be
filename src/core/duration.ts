/**
 * Vault's TypeDurationSecond: an integer of seconds, a numeric string, or a Go duration
 * string ("72h", "2160h0m0s", "1h30m", "1.5h"), plus the `d` suffix recent Vault accepts.
 */
const unitSeconds: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

const goDurationPart = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/** Seconds beyond 2^53 are not exact any more, and downstream date arithmetic breaks; Go's durations end far sooner. */
function safeSeconds(seconds: number, input: unknown): number {
  if (!Number.isSafeInteger(seconds)) throw new Error(`invalid duration "${String(input)}": out of range`);
  return seconds;
}

export function parseDurationSeconds(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error('duration is not a finite number');
    return safeSeconds(Math.trunc(input), input);
  }
  if (typeof input !== 'string') throw new Error('duration must be a string or a number');
  const text = input.trim();
  if (text === '') return 0;
  if (/^[+-]?\d+$/.test(text)) return safeSeconds(Number.parseInt(text, 10), input);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  let total = 0;
  goDurationPart.lastIndex = 0;
  while (goDurationPart.lastIndex < rest.length) {
    const match = goDurationPart.exec(rest);
    if (!match) throw new Error(`invalid duration "${input}"`);
    total += Number.parseFloat(match[1]!) * unitSeconds[match[2]!]!;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw new Error(`invalid duration "${input}"`);
  return sign * Math.trunc(total);
}

/** Go's time.Duration String() for whole seconds: "768h0m0s", "1m30s", "0s". */
export function formatGoDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return '0s';
  const sign = totalSeconds < 0 ? '-' : '';
  let rest = Math.abs(totalSeconds);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
