/**
 * Writing results safely and talking to the user.
 *
 * Every output goes to a temporary file in the destination folder and is renamed into place only
 * once complete and flushed, so a failed or interrupted run never leaves a partial output behind.
 * Temporary files still pending when the process exits are removed.
 */
import { constants, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { access, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CliError, UsageError, describeSystemError, isSystemError } from './errors.js';

const pendingTemps = new Set<string>();
let exitHookInstalled = false;

/** Removes every temporary file not yet renamed into place (safe to call from signal handlers). */
export function removePendingTempsSync(): void {
  for (const path of pendingTemps) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  pendingTemps.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', removePendingTempsSync);
}

/**
 * A hidden temporary name next to `target`, keeping its extension (some writers look at it). The
 * process id and 32 random bits keep names apart; the files are created exclusively ('wx') all the
 * same. Math.random, not node:crypto, whose loading took some 20 ms of every command's start.
 */
export function tempPathFor(target: string, extension = extname(target)): string {
  const random = Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
  const name = `.${basename(target)}.nnimg-tmp-${process.pid}-${random}${extension}`;
  return join(dirname(target), name);
}

/** Registers a temporary file so that it is removed if the process ends before it is renamed. */
export function trackTemp(path: string): void {
  installExitHook();
  pendingTemps.add(path);
}

export async function discardTemp(path: string): Promise<void> {
  pendingTemps.delete(path);
  try {
    await unlink(path);
  } catch {
    // never created, or already gone
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Runs `write(tempPath)` and renames the temporary file over `target` once it succeeded. On any
 * failure the temporary file is removed and `target` is left as it was.
 */
export async function writeAtomically(target: string, write: (tempPath: string) => Promise<void>): Promise<void> {
  const temp = tempPathFor(target);
  trackTemp(temp);
  try {
    await write(temp);
    await fsyncFile(temp);
    await rename(temp, target);
    pendingTemps.delete(temp);
  } catch (error) {
    await discardTemp(temp);
    if (isSystemError(error) && !(error instanceof CliError)) throw new CliError(describeSystemError('write', target, error));
    throw error;
  }
}

/** Writes bytes to `target` atomically. */
export async function writeFileAtomically(target: string, data: Uint8Array): Promise<void> {
  await writeAtomically(target, async (temp) => {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  });
}

/** `input` with its extension replaced (or, without one, appended): photo.png -> photo.nnimg. */
export function replaceExtension(input: string, extension: string): string {
  const ext = extname(input);
  return (ext ? input.slice(0, -ext.length) : input) + extension;
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    if (realpathSync(a) === realpathSync(b)) return true;
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false; // the output does not exist yet
  }
}

/**
 * Checks, before any long work, that `output` is not the input and can be created:
 * its folder exists and is writable, and it is not itself a folder.
 */
export async function checkOutputPath(input: string, output: string, command: string): Promise<void> {
  if (sameFile(input, output)) {
    throw new UsageError(`the output ${output} is the input file; choose another path with -o`, command);
  }
  // A path that names no possible file is a usage error (exit 2, with a hint); a folder that
  // exists but cannot be written is a runtime one (exit 1).
  const folder = dirname(resolve(output));
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) throw new UsageError(`cannot write ${output}: ${dirname(output)} is not a folder`, command);
    await access(folder, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = isSystemError(error) ? error.code : undefined;
    if (code === 'ENOENT') throw new UsageError(`cannot write ${output}: the folder ${dirname(output)} does not exist`, command);
    if (code === 'ENOTDIR') throw new UsageError(`cannot write ${output}: ${dirname(output)} is not a folder`, command);
    throw new CliError(describeSystemError('write', output, error));
  }
  try {
    if ((await stat(output)).isDirectory()) throw new UsageError(`cannot write ${output}: it is a folder`, command);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // does not exist yet: fine
  }
}

/** Reads a whole input file, turning file-system errors into one-line messages. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    const data = await readFile(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    throw new CliError(describeSystemError('read', path, error));
  }
}

/** The package version, read from package.json next to dist/ (or src/ when run from source). */
export function packageVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return json.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export const processStreams: Streams = { stdout: process.stdout, stderr: process.stderr };

/** The one-line error format: "nnimg: <message>". */
export function printError(streams: Streams, message: string): void {
  streams.stderr.write(`nnimg: ${message}\n`);
}

export function channelName(channels: number): string {
  return channels === 1 ? 'grey' : channels === 3 ? 'RGB' : `${channels} channels`;
}

export function formatPsnr(psnr: number): string {
  return Number.isFinite(psnr) ? `${psnr.toFixed(2)} dB` : 'lossless (infinite)';
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}
