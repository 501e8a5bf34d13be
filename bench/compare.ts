import type { LoadResult } from './load.js';

/** One side of a comparison: HTTP load figures, or for the CRL a time in `p50Ms` alone. */
export interface Side {
  opsPerSecond: number | null;
  p50Ms: number;
  p99Ms: number | null;
  operations: number;
  errors: number;
  firstError?: string;
}

export interface Comparison {
  scenario: string;
  concurrency: number;
  peerName: string;
  mintca: Side | null;
  peer: Side | null;
  /** mintca/peer: throughput for load scenarios, time for the CRL. */
  ratio: number | null;
  target: string;
  /** null: no target at this concurrency, or a side is missing. */
  met: boolean | null;
}

export const side = (r: LoadResult): Side => ({
  opsPerSecond: r.opsPerSecond,
  p50Ms: r.p50Ms,
  p99Ms: r.p99Ms,
  operations: r.operations,
  errors: r.errors,
  ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
});

export const ratioOf = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null || b == null || b === 0 ? null : Math.round((a / b) * 100) / 100;

const cell = (value: number | null | undefined) => (value == null ? 'n/a' : String(value));

export function printComparisons(rows: Comparison[], write: (text: string) => void): void {
  const header = ['scenario', 'conc', 'mintca ops/s', 'p50 ms', 'p99 ms', 'peer', 'peer ops/s', 'p50 ms', 'p99 ms', 'ratio', 'errors m/p', 'target', 'met?'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.concurrency),
    r.mintca ? (r.mintca.opsPerSecond === null ? '-' : String(r.mintca.opsPerSecond)) : 'n/a',
    cell(r.mintca?.p50Ms),
    r.mintca ? (r.mintca.p99Ms === null ? '-' : String(r.mintca.p99Ms)) : 'n/a',
    r.peerName,
    r.peer ? (r.peer.opsPerSecond === null ? '-' : String(r.peer.opsPerSecond)) : 'n/a',
    cell(r.peer?.p50Ms),
    r.peer ? (r.peer.p99Ms === null ? '-' : String(r.peer.p99Ms)) : 'n/a',
    cell(r.ratio),
    `${cell(r.mintca?.errors)}/${cell(r.peer?.errors)}`,
    r.target,
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const left = new Set([0, 5, 11]);
  const line = (cells: string[]) => cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${body.map(line).join('\n')}\n`);
  for (const r of rows) {
    for (const [who, s] of [['mintca', r.mintca], [r.peerName, r.peer]] as const) {
      if (s?.firstError) write(`  ${r.scenario} c${r.concurrency} ${who}: ${s.errors} errors, first: ${s.firstError}\n`);
    }
  }
}
