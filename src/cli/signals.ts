/**
 * Ctrl-C handling. The first SIGINT (or SIGTERM) asks the running command to stop at its next
 * check point; it then cleans up and exits 130 without writing output. A second signal exits at
 * once, removing any temporary file.
 */
import { EXIT_INTERRUPTED, InterruptedError } from './errors.js';
import { removePendingTempsSync } from './output.js';

export interface InterruptWatch {
  /** True once a stop was requested. */
  readonly requested: boolean;
  /** The exit code for the signal received (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode: number;
  dispose(): void;
}

const SIGNALS = { SIGINT: EXIT_INTERRUPTED, SIGTERM: 143 } as const;

export function watchInterrupts(onFirst?: () => void): InterruptWatch {
  let requested = false;
  let exitCode = EXIT_INTERRUPTED;
  const handlers = Object.entries(SIGNALS).map(([signal, code]) => {
    const handler = () => {
      if (requested) {
        removePendingTempsSync();
        process.exit(exitCode);
      }
      requested = true;
      exitCode = code;
      onFirst?.();
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    get requested() {
      return requested;
    },
    get exitCode() {
      return exitCode;
    },
    dispose() {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/**
 * Runs a command's work while watching for Ctrl-C: once a stop was requested, whatever the work
 * throws becomes InterruptedError; the progress display is stopped and the watch removed either
 * way. The work checks `interrupts.requested` itself before it writes anything.
 */
export async function runInterruptible<T>(progress: { stop(): void }, work: (interrupts: InterruptWatch) => Promise<T>): Promise<T> {
  const interrupts = watchInterrupts(() => progress.stop());
  try {
    return await work(interrupts);
  } catch (error) {
    if (interrupts.requested) throw new InterruptedError(interrupts.exitCode);
    throw error;
  } finally {
    progress.stop();
    interrupts.dispose();
  }
}
