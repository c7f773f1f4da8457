/**
 * The import rules of issue 12, read from the sources. The public API: the command line
 * (src/cli/) imports only the public API (src/index.ts, src/api/) and src/report/; bench/
 * imports only the public API, src/report/, src/internals.ts (the tools' explicit entry to the
 * internals), the format's vector definitions (spec/vectors.ts) and the build tools, never test/;
 * the API entries import nothing above them; and no module of src/ imports src/internals.ts.
 * The synthesis network's home (src/synthesis/) stands on the format, the kernels' selection and
 * WebAssembly module, and nothing above it; nothing it stands on imports it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './support/loaded-modules.js';

/** Every file under `folder` (relative to the root) whose name ends in one of `extensions`. */
function filesUnder(folder: string, extensions = ['.ts', '.mts', '.mjs', '.js']): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => extensions.some((extension) => name.endsWith(extension)))
    .map((name) => join(folder, name).split('\\').join('/'));
}

/** The repository files a module imports (static, re-exports, side effect and dynamic), as root-relative .ts/.mjs paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((match) => match[1]);
  // Bare names are packages or node: built-ins; '/...' ones are URLs inside a browser page.
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(root, dirname(file), specifier)).split('\\').join('/').replace(/\.js$/, '.ts'));
}

function violations(files: string[], allowed: (target: string, file: string) => boolean): string[] {
  return files.flatMap((file) => importsOf(file).filter((target) => !allowed(target, file)).map((target) => `${file} -> ${target}`));
}

const PUBLIC_API = (target: string) => target === 'src/index.ts' || /^src\/api\/[^/]+\.ts$/.test(target);
const REPORT = (target: string) => target.startsWith('src/report/');

describe('import rules', () => {
  it('src/cli/ imports only the public API, src/report/ and itself', () => {
    const files = filesUnder('src/cli');
    expect(files.length).toBeGreaterThan(5);
    expect(importsOf('src/cli/decode-command.ts')).toContain('src/api/decode.ts');
    expect(violations(files, (target) => PUBLIC_API(target) || REPORT(target) || target.startsWith('src/cli/'))).toEqual([]);
  });

  it('bench/ imports only the public API, src/report/, src/internals.ts, spec/vectors.ts and tools/, never test/', () => {
    const files = filesUnder('bench');
    expect(files.length).toBeGreaterThan(5);
    const allowed = (target: string) =>
      PUBLIC_API(target) ||
      REPORT(target) ||
      target === 'src/internals.ts' ||
      target === 'spec/vectors.ts' ||
      /^tools\/[^/]+\.mjs$/.test(target) ||
      target.startsWith('bench/');
    expect(violations(files, allowed)).toEqual([]);
  });

  it('the API entries import nothing above them; src/ never imports src/internals.ts', () => {
    const entries = ['src/index.ts', 'src/internals.ts', ...filesUnder('src/api')];
    const above = (target: string) => /^(src\/(cli|report)|bench|test)\//.test(target);
    expect(violations(entries, (target) => !above(target))).toEqual([]);
    expect(violations(filesUnder('src'), (target) => target !== 'src/internals.ts')).toEqual([]);
  });

  it('src/synthesis/ imports only itself, src/format/, src/kernels/, src/image/raster.ts and src/optimizer/random.ts; none of those imports it', () => {
    const files = filesUnder('src/synthesis');
    expect(files.length).toBeGreaterThan(5);
    const below = (target: string) =>
      target.startsWith('src/format/') || target.startsWith('src/kernels/') || target === 'src/image/raster.ts' || target === 'src/optimizer/random.ts';
    expect(violations(files, (target) => target.startsWith('src/synthesis/') || below(target))).toEqual([]);
    const under = ['src/format', 'src/kernels', 'src/entropy', 'src/optimizer', 'src/image', 'assembly'].flatMap((folder) => filesUnder(folder));
    expect(under.length).toBeGreaterThan(20);
    expect(violations(under, (target) => !target.startsWith('src/synthesis/'))).toEqual([]);
  });

  it('src/format/ and src/entropy/ import only themselves (the bit-parsing path stands on nothing that chooses kernels)', () => {
    const files = ['src/format', 'src/entropy'].flatMap((folder) => filesUnder(folder));
    expect(files.length).toBeGreaterThan(10);
    expect(violations(files, (target) => target.startsWith('src/format/') || target.startsWith('src/entropy/'))).toEqual([]);
  });
});
