/** Strict parsing of numeric flags: every bad value is a UsageError with a one-line reason. */
import { MAX_THREADS } from '../api/limits.js';
import { UsageError } from './errors.js';

const INTEGER = /^\+?\d+$/;
const DECIMAL = /^\+?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function show(raw: string): string {
  return raw === '' ? 'an empty value' : `'${raw}'`;
}

/** A whole number in [min, max]; the flag name goes in the message ("--bytes must be ..."). */
export function parseInteger(flag: string, raw: string, min: number, max: number, command: string): number {
  const value = INTEGER.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive whole number' : `a whole number of at least ${min}`) : `a whole number from ${min} to ${max}`;
    throw new UsageError(`${flag} must be ${range}, not ${show(raw)}`, command);
  }
  return value;
}

/** A positive finite real number written in plain decimal (1.5, .5, 2e-1). */
export function parsePositiveNumber(flag: string, raw: string, command: string): number {
  const value = DECIMAL.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive number, not ${show(raw)}`, command);
  }
  return value;
}

/** Parses an optional flag; undefined stays undefined. */
export function optional<T>(raw: string | undefined, parse: (raw: string) => T): T | undefined {
  return raw === undefined ? undefined : parse(raw);
}

/** The --threads flag of encode and decode: 1 .. MAX_THREADS, by default one per core up to that. */
/** --threads N, or undefined when not given (each command has its own default). */
export function threadsSetting(raw: string | undefined, command: string): number | undefined {
  return optional(raw, (value) => parseInteger('--threads', value, 1, MAX_THREADS, command));
}
