import { readFileSync } from 'node:fs';

export interface RssFigure {
  label: string;
  samples: number;
  maxMb: number;
}

/** Resident set size of `pid` in kB from /proc, or null once it has gone (or off Linux). */
function rssKb(pid: number): number | null {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Direct children of `pid` (a `-workers=N` server's worker processes). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((s) => s.trim() !== '').map(Number);
  } catch {
    return [];
  }
}

/** RSS of a process and all its descendants: a server with workers is all of them together. */
function treeRssKb(pid: number): number | null {
  const own = rssKb(pid);
  if (own === null) return null;
  return childrenOf(pid).reduce((sum, child) => sum + (treeRssKb(child) ?? 0), own);
}

/** Samples the RSS of every watched process every `intervalMs` until `stop`; keeps the maximum per label. */
export class RssSampler {
  private readonly watched = new Map<number, string>();
  private readonly figures = new Map<string, RssFigure>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 200) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  watch(pid: number, label: string): void {
    this.watched.set(pid, label);
    this.sample();
  }

  private sample(): void {
    for (const [pid, label] of this.watched) {
      const kb = treeRssKb(pid);
      if (kb === null) {
        this.watched.delete(pid);
        continue;
      }
      const figure = this.figures.get(label) ?? { label, samples: 0, maxMb: 0 };
      figure.samples++;
      figure.maxMb = Math.max(figure.maxMb, Math.round(kb / 102.4) / 10);
      this.figures.set(label, figure);
    }
  }

  stop(): RssFigure[] {
    this.sample();
    clearInterval(this.timer);
    return [...this.figures.values()];
  }
}
