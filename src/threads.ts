/** Starting worker threads, from the built package and from the TypeScript sources alike. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** More threads than this gain little: the bands of work are few (DISTORTION_BANDS). */
export const MAX_THREADS = 8;

export function defaultThreadCount(): number {
  return Math.min(availableParallelism(), MAX_THREADS);
}

/**
 * Below this many output pixels a decode renders in its own thread: starting workers (each
 * loads the module) costs more than they save (measured: docs/decisions.md).
 */
export const PARALLEL_DECODE_MIN_PIXELS = 2 ** 24;

/** The default number of rendering threads for an output of `pixels` pixels. */
export function defaultDecodeThreads(pixels: number): number {
  return pixels < PARALLEL_DECODE_MIN_PIXELS ? 1 : defaultThreadCount();
}

/** Throws RangeError unless `threads` is a whole number from 1 to MAX_THREADS. */
export function checkThreadCount(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`threads must be a whole number from 1 to ${MAX_THREADS}, not ${threads}`);
  }
  return threads;
}

const running = new Set<Worker>();

/** Workers started and not yet exited: none once every encode and decode has finished. */
export function runningWorkerCount(): number {
  return running.size;
}

/**
 * A worker running the module `name` of the folder of `caller` (the caller's import.meta.url):
 * name.js in the built package; under tsx or vitest, whose modules are the .ts sources, name.ts
 * loaded through tsx (a worker does not inherit its parent's module loader). The worker does not
 * keep the process alive (see `busy`).
 */
export function startWorker(caller: string, name: string, workerData: unknown): Worker {
  const fromSource = caller.endsWith('.ts');
  const url = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, caller);
  const worker = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, {
        eval: true,
        workerData,
      })
    : new Worker(url, { workerData });
  running.add(worker);
  worker.on('exit', () => running.delete(worker));
  worker.unref();
  return worker;
}

/**
 * The worker's next message; rejects if it fails or exits first. The worker keeps the process
 * alive until then, so that an awaited reply cannot be abandoned by the process exiting.
 */
export function busy<T>(worker: Worker): Promise<T> {
  worker.ref();
  return new Promise<T>((resolve, reject) => {
    const settle = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      worker.unref();
    };
    const onMessage = (message: T | { error: string }) => {
      settle();
      if (typeof message === 'object' && message !== null && 'error' in message) reject(new Error(`worker thread: ${message.error}`));
      else resolve(message as T);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    const onExit = (code: number) => {
      settle();
      reject(new Error(`worker thread exited with code ${code}`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** Ends a worker; it no longer counts as running. */
export function endWorker(worker: Worker): Promise<number> {
  running.delete(worker);
  return worker.terminate();
}

/** Posts the error a worker's task threw, for `busy` to reject with. */
export function errorReply(error: unknown): { error: string } {
  return { error: error instanceof Error ? error.message : String(error) };
}
