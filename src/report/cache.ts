/**
 * Results cached on disk per (image pixels, budget, codec, settings, versions), so that an
 * interrupted comparison resumes where it stopped. One entry is a JSON record plus the encoded
 * files it refers to; the record is written last, by rename, so its presence means the entry is
 * complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Dirent } from 'node:fs';

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
 * A digest of the code under `root` (.js and .ts files, not declarations, in every folder below
 * it but those named in `skip`) and of the `files` given (the WebAssembly module), so that cached
 * nnimg results are not reused after the encoder changed without a version bump. Walking the tree
 * rather than listing folders: a folder added later is covered too. Missing files count as empty.
 */
export async function codeDigest(root: string, skip: readonly string[] = [], files: readonly string[] = []): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (folder: string, path: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = `${path}${entry.name}`;
      if (entry.isDirectory()) {
        if (!skip.includes(name)) await walk(join(folder, entry.name), `${name}/`);
      } else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        hash.update(`${name}\u0000`).update(await readFile(join(folder, entry.name))).update('\u0000');
      }
    }
  };
  await walk(root, '');
  for (const file of files) {
    let data: Uint8Array;
    try {
      data = await readFile(file);
    } catch {
      data = new Uint8Array();
    }
    hash.update(`${basename(file)}\u0000`).update(data).update('\u0000');
  }
  return hash.digest('hex').slice(0, 16);
}
