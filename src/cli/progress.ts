import type { SyncProgress } from '../sync.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream;
  /** A terminal gets one bar redrawn in place; anything else gets a plain line now and then. */
  isTty: boolean;
  /** Least time between plain lines. */
  intervalMs?: number;
  width?: number;
}

/** Reports a sync's progress as it goes; call `done()` at the end to finish the bar's line. */
export function createProgress(options: ProgressOptions): { update(progress: SyncProgress): void; done(): void } {
  const interval = options.intervalMs ?? 10_000;
  let lastLine = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(progress) {
      if (options.isTty) {
        options.stream.write(`\r${formatProgress(progress, options.width ?? 80)}\u001b[K`);
        drawn = true;
      } else if (progress.elapsedMs - lastLine >= interval) {
        options.stream.write(`${formatProgress(progress)}\n`);
        lastLine = progress.elapsedMs;
      }
    },
    done() {
      if (drawn) options.stream.write('\n');
    },
  };
}

/** "[#####-----] 120/500 articles · 2300/9000 passages · 58.1/s · ETA 1m 55s", with a bar when `width` is given. */
export function formatProgress(progress: SyncProgress, width?: number): string {
  const { articlesDone, articlesTotal, passagesDone, passagesEstimate, elapsedMs } = progress;
  const rate = elapsedMs > 0 ? (passagesDone / elapsedMs) * 1000 : 0;
  const total = Math.max(passagesEstimate, passagesDone);
  const remaining = rate > 0 && total > passagesDone ? ((total - passagesDone) / rate) * 1000 : 0;
  const parts = [
    `${articlesDone}/${articlesTotal} articles`,
    `${passagesDone}/${total || '?'} passages`,
    `${rate.toFixed(1)}/s`,
    `ETA ${remaining > 0 ? duration(remaining) : '-'}`,
  ];
  const text = parts.join(' · ');
  if (width === undefined) return text;
  const barWidth = Math.max(10, Math.min(30, width - text.length - 4));
  const filled = total > 0 ? Math.round((passagesDone / total) * barWidth) : 0;
  return `[${'#'.repeat(Math.min(filled, barWidth))}${'-'.repeat(Math.max(barWidth - filled, 0))}] ${text}`;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m ${seconds % 60}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
