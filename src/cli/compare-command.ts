/**
 * `nnimg compare <files or folders...> --bytes LIST [--codecs LIST] [--out DIR] [encoder options]`:
 * bytes against quality for nnimg, JPEG, WebP and AVIF at matched file sizes (src/report/).
 */
import { CompareInterruptedError, CompareOptions, listImages, runCompare } from '../report/runner.js';
import { formatBdRate } from '../report/markdown.js';
import { CODECS, CodecName, DEFAULT_CODECS, Measurement } from '../report/types.js';
import { CliError, InterruptedError, UsageError, describeSystemError } from './errors.js';
import { optional, parseInteger } from './options.js';
import { Streams, packageVersion } from './output.js';
import { createProgress } from './progress.js';
import { watchInterrupts } from './signals.js';

export interface CompareFlags {
  bytes?: string;
  codecs?: string;
  out?: string;
  cache?: string;
  iterations?: string;
  seed?: string;
  hidden?: string;
  avifEffort?: string;
  viewBudget?: string;
  crop?: string;
  title?: string;
  publish?: string;
  quiet?: boolean;
}

const COMMAND = 'compare';
const MAX_ITERATIONS = 10_000_000;

function parseList(flag: string, raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`${flag} must be a comma-separated list, not '${raw}'`, COMMAND);
  return items;
}

/** Validated options of the command (everything but the inputs' existence). */
export function compareSettings(inputs: string[], flags: CompareFlags): Omit<CompareOptions, 'version'> & { quiet: boolean } {
  if (inputs.length === 0) throw new UsageError('give at least one image or folder', COMMAND);
  if (flags.bytes === undefined) throw new UsageError('--bytes is required (for example --bytes 1000,2000,4000,8000,16000,32000)', COMMAND);
  const budgets = [...new Set(parseList('--bytes', flags.bytes).map((b) => parseInteger('--bytes', b, 1, Number.MAX_SAFE_INTEGER, COMMAND)))].sort((a, b) => a - b);
  const codecs = flags.codecs === undefined ? [...DEFAULT_CODECS] : [...new Set(parseList('--codecs', flags.codecs).map((c) => c.toLowerCase()))];
  for (const codec of codecs) {
    if (!CODECS.includes(codec as CodecName)) throw new UsageError(`--codecs: unknown codec '${codec}' (choose from ${CODECS.join(', ')})`, COMMAND);
  }
  const viewBudget = optional(flags.viewBudget, (raw) => parseInteger('--view-budget', raw, 1, Number.MAX_SAFE_INTEGER, COMMAND));
  if (viewBudget !== undefined && !budgets.includes(viewBudget)) throw new UsageError(`--view-budget ${viewBudget} is not one of the --bytes budgets`, COMMAND);
  const publish = flags.publish;
  if (publish !== undefined && !publish.toLowerCase().endsWith('.md')) throw new UsageError(`--publish names a Markdown file (.md), not '${publish}'`, COMMAND);
  return {
    inputs,
    budgets,
    codecs: CODECS.filter((c) => codecs.includes(c)),
    outDir: flags.out ?? 'report',
    cacheDir: flags.cache,
    iterations: optional(flags.iterations, (raw) => parseInteger('--iterations', raw, 1, MAX_ITERATIONS, COMMAND)),
    seed: optional(flags.seed, (raw) => parseInteger('--seed', raw, 0, 0xffffffff, COMMAND)),
    hidden: optional(flags.hidden, (raw) => parseList('--hidden', raw).map((w) => parseInteger('--hidden', w, 1, 256, COMMAND))),
    avifEffort: optional(flags.avifEffort, (raw) => parseInteger('--avif-effort', raw, 6, 9, COMMAND)),
    viewBudget,
    cropSize: optional(flags.crop, (raw) => parseInteger('--crop', raw, 8, 4096, COMMAND)),
    title: flags.title,
    publish,
    quiet: flags.quiet === true,
  };
}

/** "2 h 05 min", "7 min 30 s", "42 s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

function describe(m: Measurement): string {
  if (m.status === 'failed') return `failed: ${m.error ?? 'unknown error'}`;
  if (m.status === 'does-not-fit' || !m.best) return 'does not fit';
  const p = m.best;
  return `${p.bytes} B, ${p.psnr.toFixed(2)} dB${p.quality !== null ? `, q${p.quality}` : ''}${p.scale !== 1 ? ` at 1/${p.scale}` : ''}`;
}

class CompareInterrupted extends InterruptedError {
  constructor(exitCode: number, message: string) {
    super(exitCode);
    this.message = message;
  }
}

/** The command line as given (flags in a fixed order), for the report. */
export function commandLine(inputs: readonly string[], flags: CompareFlags): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['nnimg', 'compare', ...inputs.map(quote)];
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    parts.push(value === true ? flag : `${flag} ${quote(String(value))}`);
  }
  return parts.join(' ');
}

export async function runCompareCommand(inputs: string[], flags: CompareFlags, streams: Streams): Promise<void> {
  const settings = compareSettings(inputs, flags);
  for (const input of settings.inputs) {
    try {
      await listImages([input]);
    } catch (error) {
      throw new CliError(describeSystemError('read', input, error));
    }
  }
  if ((await listImages(settings.inputs)).length === 0) throw new CliError(`no images in ${settings.inputs.join(', ')}`);

  const tty = streams.stderr.isTTY === true;
  const chatty = !settings.quiet;
  const progress = createProgress(
    streams,
    chatty,
    1,
    '{bar} {value}/{total} | {image} | {budget} B | {codec} {detail} | about {left} left',
    { image: '', budget: '', codec: '', detail: '', left: '?' },
  );
  const interrupts = watchInterrupts(() => progress.stop());
  let current = { image: '', budget: '', codec: '', left: '?' };
  let lastIterationDraw = 0;
  let done = 0;
  try {
    const { report, paths } = await runCompare({
      ...settings,
      version: packageVersion(),
      command: commandLine(inputs, flags),
      shouldStop: () => interrupts.requested,
      events: {
        taskStart(task) {
          current = { image: task.image, budget: String(task.budget), codec: task.codec, left: formatDuration(task.secondsLeft) };
          progress.setTotal(task.total);
          done = task.index - 1;
          progress.update(done, { ...current, detail: '' });
        },
        iteration(iteration, iterations) {
          const now = performance.now();
          if (now - lastIterationDraw < 250 && iteration !== iterations) return;
          lastIterationDraw = now;
          progress.update(done, { ...current, detail: `${iteration}/${iterations} it` });
        },
        taskEnd(task, measurement) {
          done = task.index;
          progress.update(done, { ...current, left: formatDuration(task.secondsLeft), detail: '' });
          if (chatty && !tty && !measurement.cached) {
            streams.stderr.write(
              `[${task.index}/${task.total}] ${task.image} ${task.budget} B ${task.codec}: ${describe(measurement)} ` +
                `(${measurement.seconds.toFixed(1)} s; about ${formatDuration(task.secondsLeft)} left)\n`,
            );
          }
        },
        imageError(image, message) {
          if (chatty && !tty) streams.stderr.write(`${image}: cannot read: ${message}\n`);
        },
      },
    });
    progress.stop();
    if (chatty) {
      const lines = [
        `compared ${report.images.length} image${report.images.length === 1 ? '' : 's'} at ${settings.budgets.length} budget${settings.budgets.length === 1 ? '' : 's'}: ` +
          `${report.run.computed} measured, ${report.run.cached} from the cache, ${report.run.failed} failed (${formatDuration(report.run.seconds)})`,
        ...report.summary.bdRate.map((e) => `  BD-rate of nnimg against ${e.anchorLabel}: ${formatBdRate(e.meanCurve)}`),
        `wrote ${paths.markdown}, ${paths.json}, ${paths.svg}, ${paths.png}, ${paths.html}${paths.published ? `, ${paths.published}` : ''}`,
        '',
      ];
      streams.stdout.write(lines.join('\n'));
    }
    if (report.run.failed > 0) {
      throw new CliError(`${report.run.failed} measurement${report.run.failed === 1 ? '' : 's'} failed; see Failures in ${paths.markdown}`);
    }
  } catch (error) {
    if (error instanceof CompareInterruptedError || interrupts.requested) {
      const message = error instanceof CompareInterruptedError ? error.message : 'interrupted';
      throw new CompareInterrupted(interrupts.exitCode, message);
    }
    throw error;
  } finally {
    progress.stop();
    interrupts.dispose();
  }
}
