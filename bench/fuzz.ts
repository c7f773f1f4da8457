/**
 * The long decoder fuzz run: the property of test/decoder-fuzz.test.ts (every damaged or crafted file ends
 * in a typed error or a valid image) on as many cases as fit in the time given.
 *
 *   npm run fuzz -- [--seconds 180] [--seed N] [--hang-seconds 10] [--max-rss-mb 1024]
 *
 * The cases run in a worker thread watched by the main thread: a case that runs longer than
 * --hang-seconds (an infinite loop) or a process over --max-rss-mb (runaway memory) stops the run;
 * the case is saved under bench-out/fuzz/ and the exit code is 1, as for a property failure
 * (fast-check then prints the shrunk counterexample and the seed to replay it).
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Command } from 'commander';
import fc from 'fast-check';
import { FuzzCase, SeedFile, decodeCase, fuzzCases, seedFiles } from './support/nnimg-fuzz.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Shared with the worker: [cases started, length of the current case], then its bytes. */
const CASE_BYTES = 1 << 20;

interface Settings {
  seconds: number;
  seed: number;
  hangSeconds: number;
  maxRssMb: number;
}

interface Report {
  type: 'progress' | 'done';
  cases: number;
  outcomes: Record<string, number>;
  slowestMs: number;
  failure?: string;
}

function vectors(): SeedFile[] {
  const folder = join(root, 'spec', 'vectors');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.nnimg'))
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(folder, name))) }));
}

function runWorker(settings: Settings, shared: SharedArrayBuffer): void {
  const counters = new Int32Array(shared, 0, 2);
  const current = new Uint8Array(shared, 8);
  const outcomes: Record<string, number> = {};
  let cases = 0;
  let slowestMs = 0;
  let lastReport = performance.now();
  const post = (type: Report['type'], failure?: string) =>
    parentPort!.postMessage({ type, cases, outcomes, slowestMs, failure } satisfies Report);
  try {
    fc.assert(
      fc.property(fuzzCases(seedFiles(vectors())), (c: FuzzCase) => {
        const length = Math.min(c.bytes.length, current.length);
        current.set(c.bytes.subarray(0, length));
        Atomics.store(counters, 1, length);
        Atomics.add(counters, 0, 1);
        const started = performance.now();
        const outcome = `${c.kind} -> ${decodeCase(c)}`;
        slowestMs = Math.max(slowestMs, performance.now() - started);
        cases++;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          post('progress');
        }
      }),
      {
        numRuns: Number.MAX_SAFE_INTEGER,
        interruptAfterTimeLimit: settings.seconds * 1000,
        markInterruptAsFailure: false,
        seed: settings.seed,
      },
    );
    post('done');
  } catch (error) {
    post('done', error instanceof Error ? error.message : String(error));
  }
}

function saveCase(shared: SharedArrayBuffer, reason: string): string {
  const counters = new Int32Array(shared, 0, 2);
  if (Atomics.load(counters, 0) === 0) return '(no case had started)';
  const bytes = new Uint8Array(shared, 8, Atomics.load(counters, 1)).slice();
  const folder = join(root, 'bench-out', 'fuzz');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${reason}-${Date.now()}.nnimg`);
  writeFileSync(path, bytes);
  return path;
}

function summary(report: Report, seconds: number, settings: Settings, peakRssMb: number): string {
  const rows = Object.entries(report.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `  ${String(n).padStart(9)}  ${outcome}`);
  return [
    `fuzz: ${report.cases} cases in ${seconds.toFixed(0)} s (${Math.round(report.cases / seconds)}/s), seed ${settings.seed}`,
    `slowest case ${report.slowestMs.toFixed(1)} ms, peak RSS ${peakRssMb} MB`,
    'outcomes (case kind -> result):',
    ...rows,
  ].join('\n');
}

async function main(): Promise<number> {
  const options = new Command()
    .option('--seconds <s>', 'how long to run', '180')
    .option('--seed <n>', 'fast-check seed (default: from the clock)')
    .option('--hang-seconds <s>', 'a case running longer than this is a hang', '10')
    .option('--max-rss-mb <n>', 'a process larger than this is runaway memory', '1024')
    .parse()
    .opts<{ seconds: string; seed?: string; hangSeconds: string; maxRssMb: string }>();
  const settings: Settings = {
    seconds: Number(options.seconds),
    seed: options.seed !== undefined ? Number(options.seed) : Date.now() % 2 ** 31,
    hangSeconds: Number(options.hangSeconds),
    maxRssMb: Number(options.maxRssMb),
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  }
  const shared = new SharedArrayBuffer(8 + CASE_BYTES);
  const counters = new Int32Array(shared, 0, 2);
  const started = performance.now();
  console.log(`fuzzing the decoder for ${settings.seconds} s (seed ${settings.seed})`);
  // tsx's module hooks do not carry over to workers: the worker imports this file through tsx.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = `import { tsImport } from ${JSON.stringify(tsx)}; await tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), { workerData: { settings, shared } });

  return new Promise<number>((resolve) => {
    let peakRssMb = 0;
    let lastCount = -1;
    let lastChange = performance.now();
    let last: Report = { type: 'progress', cases: 0, outcomes: {}, slowestMs: 0 };
    const stop = (code: number, message?: string) => {
      clearInterval(watchdog);
      void worker.terminate();
      if (message) console.error(message);
      // After a hang the last report is stale: the shared counter has the cases started.
      const cases = Math.max(last.cases, Atomics.load(counters, 0));
      console.log(summary({ ...last, cases }, (performance.now() - started) / 1000, settings, peakRssMb));
      resolve(code);
    };
    const watchdog = setInterval(() => {
      peakRssMb = Math.max(peakRssMb, Math.round(process.memoryUsage.rss() / 2 ** 20));
      if (peakRssMb > settings.maxRssMb) {
        stop(1, `FAIL: runaway memory (${peakRssMb} MB); case saved to ${saveCase(shared, 'memory')}`);
        return;
      }
      const count = Atomics.load(counters, 0);
      if (count !== lastCount) {
        lastCount = count;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > settings.hangSeconds * 1000) {
        stop(1, `FAIL: a case ran over ${settings.hangSeconds} s; case saved to ${saveCase(shared, 'hang')}`);
      }
    }, 250);
    worker.on('message', (report: Report) => {
      last = report;
      if (report.type === 'progress') {
        const seconds = (performance.now() - started) / 1000;
        console.log(`  ${report.cases} cases, ${seconds.toFixed(0)} s`);
        return;
      }
      if (report.failure) stop(1, `FAIL: ${report.failure}\ncase saved to ${saveCase(shared, 'failure')}`);
      else stop(0);
    });
    worker.on('error', (error) => stop(1, `FAIL: the worker died: ${error.stack ?? error.message}; case saved to ${saveCase(shared, 'crash')}`));
  });
}

if (isMainThread) {
  process.exitCode = await main();
} else {
  const { settings, shared } = workerData as { settings: Settings; shared: SharedArrayBuffer };
  runWorker(settings, shared);
}
