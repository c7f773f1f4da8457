/** The `nnimg` program: commander setup, error reporting and exit codes. */
import { Command, CommanderError } from 'commander';
// nnimg/limits, not the whole API: every command loads this module (start-up time).
import { DEFAULT_MAX_DECODE_PIXELS, DEFAULT_MAX_INPUT_PIXELS, MAX_THREADS } from '../api/limits.js';
import { EXIT_OK, EXIT_USAGE, toFailure } from './errors.js';
import { Streams, packageVersion, printError, processStreams } from './output.js';

const COMMANDS = ['encode', 'decode', 'info', 'compare'];

// Each command's module is loaded when the command runs: a decode to PNG then loads neither sharp
// nor vega (together ~0.5 s of start-up; docs/decisions.md).
const runEncode: typeof import('./encode-command.js').runEncode = async (...args) => (await import('./encode-command.js')).runEncode(...args);
const runDecode: typeof import('./decode-command.js').runDecode = async (...args) => (await import('./decode-command.js')).runDecode(...args);
const runInfo: typeof import('./info-command.js').runInfo = async (...args) => (await import('./info-command.js')).runInfo(...args);
const runCompareCommand: typeof import('./compare-command.js').runCompareCommand = async (...args) =>
  (await import('./compare-command.js')).runCompareCommand(...args);

export function createProgram(streams: Streams = processStreams): Command {
  const program = new Command('nnimg')
    .description('Neural image codec: an image stored as a tiny overfitted network, decoded at any resolution.')
    .version(packageVersion(), '-V, --version')
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
      outputError: () => {}, // reported by runCli as one "nnimg: ..." line
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpCommand(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 runtime or codec error, 2 usage error, 130 interrupted (Ctrl-C).
Run 'nnimg <command> --help' for a command's options.`,
    );

  program
    .command('encode')
    .description('fit a model to an image and write it as a .nnimg file')
    .argument('<input>', 'image to encode (PNG, JPEG, WebP, TIFF, AVIF, GIF)')
    .option('-o, --output <file>', 'output file (default: the input with extension .nnimg)')
    .option('--bytes <n>', 'byte budget for the whole file (positive integer)')
    .option('--quality <q>', 'constant quality from 1 to 100 instead of a budget (default 75)')
    .option('--seed <s>', 'random seed, 0 to 4294967295: same seed and input give the same file (default 1)')
    .option('--iterations <n>', 'training iterations (default: chosen from the image size)')
    .option('--max-pixels <n>', `refuse input images with more pixels than this (default ${DEFAULT_MAX_INPUT_PIXELS})`)
    .option('--model <kind>', 'latent-grid (default) or mlp: a plain coordinate MLP (x, y -> colour, sigmoid units)')
    .option('--layers <list>', 'hidden layer widths, comma-separated, 1 to 4 of 1 to 64 (mlp default 15,15,15)')
    .option('--optimizer <name>', 'mlp training: rprop (default), adam or genetic; the latent-grid model trains with adam')
    .option('--child-steps <n>', 'genetic optimizer: Rprop steps each child takes before it is judged (default 0)')
    .option('--frames <dir>', 'write snapshots of the image under training to DIR as frame-00001.png, ...')
    .option('--every <k>', 'take a snapshot every K iterations (default: about 100 over the training)')
    .option('--timelapse <file>', 'write the snapshots as an animated .webp or .gif')
    .option('--threads <n>', `training threads, 1 to ${MAX_THREADS}; the file is the same whatever the count (default: one per core)`)
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print a JSON summary on stdout instead of text and progress')
    .action((input: string, flags) => runEncode(input, flags, streams));

  program
    .command('decode')
    .description('render a .nnimg file to PNG, JPEG or WebP at any size')
    .argument('<input>', '.nnimg file to decode')
    .option('-o, --output <file>', 'output image, .png, .jpg/.jpeg or .webp (default: the input with extension .png)')
    .option('--width <w>', 'output width in pixels; alone, the height keeps the aspect ratio')
    .option('--height <h>', 'output height in pixels; with --width, the exact output size')
    .option('--scale <s>', 'scale factor against the native size (any positive number)')
    .option('--max-pixels <n>', `refuse files whose image has more pixels than this (default ${DEFAULT_MAX_DECODE_PIXELS})`)
    .option('--threads <n>', `rendering threads, 1 to ${MAX_THREADS}; the pixels are the same whatever the count (default: one per core)`)
    .option('--quiet', 'print nothing but errors')
    .action((input: string, flags) => runDecode(input, flags, streams));

  program
    .command('info')
    .description('describe a .nnimg file: size, model and where its bytes go')
    .argument('<input>', '.nnimg file')
    .option('--json', 'print a JSON object instead of text')
    .option('--max-pixels <n>', `refuse files whose image has more pixels than this (default ${DEFAULT_MAX_DECODE_PIXELS})`)
    .action((input: string, flags) => runInfo(input, flags, streams));

  program
    .command('compare')
    .description('bytes against quality: nnimg, JPEG, WebP and AVIF at matched file sizes, as a report')
    .argument('<inputs...>', 'images, or folders of images')
    .option('--bytes <list>', 'byte budgets, comma-separated (for example 1000,2000,4000,8000,16000,32000)')
    .option('--codecs <list>', 'codecs to compare: nnimg, jpeg, webp, avif, and the placeholders thumbhash and blurhash (default nnimg,jpeg,webp,avif)')
    .option('-o, --out <dir>', 'report folder (default report)')
    .option('--cache <dir>', 'cache of finished measurements, for resuming (default: cache/ in the report folder)')
    .option('--iterations <n>', 'nnimg training iterations (default: chosen from the image size)')
    .option('--seed <s>', 'nnimg random seed (default 1)')
    .option('--hidden <list>', 'nnimg hidden layer widths, comma-separated (default: chosen from the budget)')
    .option('--avif-effort <n>', 'AVIF encoder effort, 6 to 9 (default 6)')
    .option('--view-budget <n>', 'budget shown in index.html (default: the middle budget)')
    .option('--crop <n>', 'side of the crops in index.html, pixels (default 256)')
    .option('--title <text>', 'title of the report')
    .option('--publish <file.md>', 'also write a short page for publication (plot, BD-rates, means) with its plot beside it')
    .option('--quiet', 'print nothing but errors')
    .action((inputs: string[], flags) => runCompareCommand(inputs, flags, streams));

  return program;
}

/** The subcommand named on the command line, for usage hints. */
function commandIn(argv: readonly string[]): string {
  return argv.slice(2).find((a) => COMMANDS.includes(a)) ?? '';
}

/** Runs the program on process-style argv (node, script, ...args); resolves to the exit code. */
export async function runCli(argv: readonly string[] = process.argv, streams: Streams = processStreams): Promise<number> {
  const program = createProgram(streams);
  if (argv.length <= 2) {
    streams.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT_OK; // --help, --version
    const failure = toFailure(error);
    if (failure.hintCommand !== undefined) {
      const command = failure.hintCommand || commandIn(argv);
      failure.message += ` (see 'nnimg ${command ? `${command} ` : ''}--help')`;
    }
    printError(streams, failure.message);
    if (process.env.NNIMG_DEBUG && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
    return failure.exitCode;
  }
}
