/**
 * Results cached on disk per (image pixels, budget, codec, settings, versions), so that an
 * interrupted comparison resumes where it stopped. One entry is a JSON record plus the encoded
 * files it refers to; the record is written last, by rename, so its presence means the entry is
 * complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Bumped when the layout of cached records changes. */
export const CACHE_SCHEMA = 1;

/** A stable SHA-256 hex digest of JSON-like data (object keys sorted). */
export function digest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Digest of an image's pixels and shape: the same pixels hit the same entries whatever the file. */
export function imageDigest(image: { width: number; height: number; channels: number; data: Uint8Array }): string {
  return createHash('sha256').update(`${image.width}x${image.height}x${image.channels}:`).update(image.data).digest('hex');
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

export class ResultCache {
  constructor(readonly dir: string) {}

  /** The entry key of a task description (anything JSON-like). */
  key(task: unknown): string {
    return digest({ schema: CACHE_SCHEMA, task }).slice(0, 32);
  }

  /** Where an entry's file named `name` lives. */
  filePath(name: string): string {
    return join(this.dir, name);
  }

  async get<T>(key: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, `${key}.json`), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return (JSON.parse(text) as { value: T }).value;
    } catch {
      return undefined; // damaged: computed again
    }
  }

  /**
   * Stores `value` under `key` with its files (name suffix -> bytes); returns the stored file
   * names (relative to the cache folder) by suffix. The files are written before the record.
   */
  async put<T>(key: string, files: Record<string, Uint8Array>, build: (names: Record<string, string>) => T): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const names: Record<string, string> = {};
    for (const [suffix, data] of Object.entries(files)) {
      names[suffix] = `${key}-${suffix}`;
      await writeAtomically(join(this.dir, names[suffix]), data);
    }
    const value = build(names);
    await writeAtomically(join(this.dir, `${key}.json`), `${JSON.stringify({ key, value }, null, 1)}\n`);
    return value;
  }
}

/**
 * A digest of the code in `folders` (.js and .ts files, not declarations), so that cached nnimg
 * results are not reused after the encoder changed without a version bump. Missing folders count
 * as empty.
 */
export async function codeDigest(folders: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const folder of folders) {
    let names: string[];
    try {
      names = (await readdir(folder)).filter((n) => /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts')).sort();
    } catch {
      names = [];
    }
    for (const name of names) hash.update(`${name}\u0000`).update(await readFile(join(folder, name))).update('\u0000');
  }
  return hash.digest('hex').slice(0, 16);
}
