/** Progress bars on stderr (cli-progress), shown only when stderr is a terminal. */
import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { Streams } from './output.js';

/** cli-progress is loaded when a bar is shown: a run without one saves its ~15 ms of start-up. */
const loadCliProgress = () => createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  /** Removes the bar from the terminal (before printing anything else). */
  stop(): void;
}

const silent: Progress = { update() {}, setTotal() {}, stop() {} };

/**
 * A bar with `format` (cli-progress tokens such as {bar}, {value}, {total}, {eta_formatted} and
 * payload fields), or a no-op when disabled or stderr is not a TTY.
 */
export function createProgress(streams: Streams, enabled: boolean, total: number, format: string, payload: Record<string, string | number>): Progress {
  if (!enabled || !streams.stderr.isTTY) return silent;
  const cliProgress = loadCliProgress();
  const bar = new cliProgress.SingleBar(
    {
      format,
      stream: streams.stderr as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 8,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payload);
  let stopped = false;
  return {
    update(value, extra) {
      if (!stopped) bar.update(value, extra);
    },
    setTotal(value) {
      if (!stopped) bar.setTotal(value);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
