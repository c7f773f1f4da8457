/** Error kinds of the command line and how each maps to a one-line message and an exit code. */
import { CommanderError } from 'commander';
// nnimg/limits, not ../index.js, which loads sharp and the encoder (start-up time).
import { BudgetError, EncodeCancelledError, ImageInputError, NnimgDecodeError, NnimgFormatError } from '../api/limits.js';

export const EXIT_OK = 0;
/** Runtime or codec error: unreadable input, damaged file, budget too small, write failure. */
export const EXIT_FAILURE = 1;
/** Usage error: unknown flag, bad number, conflicting options, output equal to input. */
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Bad flags or arguments; `command` names the subcommand for the usage hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A runtime failure whose message is already fit for the user. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Stopped by a signal; nothing was written. */
export class InterruptedError extends Error {
  constructor(readonly exitCode: number = EXIT_INTERRUPTED) {
    super('interrupted; no output written');
    this.name = 'InterruptedError';
  }
}

export interface Failure {
  message: string;
  exitCode: number;
  /** Set for usage errors: the subcommand whose help to point at ('' for the program). */
  hintCommand?: string;
}

const SYSTEM_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  EXDEV: 'cannot rename across file systems',
  ERR_FS_FILE_TOO_LARGE: 'file is too large to read',
};

export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/** "cannot read x.png: no such file or directory" from a Node file-system error. */
export function describeSystemError(action: string, path: string, error: unknown): string {
  const code = isSystemError(error) ? (error.code ?? '') : '';
  const reason = SYSTEM_MESSAGES[code] ?? (error instanceof Error ? error.message : String(error));
  return `cannot ${action} ${path}: ${reason}`;
}

/** Classifies anything thrown by a command. */
export function toFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { message: error.message, exitCode: EXIT_USAGE, hintCommand: error.command ?? '' };
  if (error instanceof InterruptedError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof EncodeCancelledError) return { message: 'interrupted; no output written', exitCode: EXIT_INTERRUPTED };
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error:\s*/i, '').replace(/\.\s*$/, '');
    return { message, exitCode: EXIT_USAGE, hintCommand: '' };
  }
  if (
    error instanceof CliError ||
    error instanceof BudgetError ||
    error instanceof ImageInputError ||
    error instanceof NnimgFormatError ||
    error instanceof NnimgDecodeError
  ) {
    return { message: error.message, exitCode: EXIT_FAILURE };
  }
  if (isSystemError(error) && error.code && SYSTEM_MESSAGES[error.code]) {
    const where = error.path ? `${error.path}: ` : '';
    return { message: `${where}${SYSTEM_MESSAGES[error.code]}`, exitCode: EXIT_FAILURE };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { message: `internal error: ${text.split('\n')[0]} (set NNIMG_DEBUG=1 for details)`, exitCode: EXIT_FAILURE };
}
