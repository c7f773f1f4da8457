/**
 * The public API's entries (src/index.ts and its parts in src/api/): `nnimg` is exactly the union
 * of `nnimg/decode` and `nnimg/encode`, both of which carry all of `nnimg/limits`; package.json
 * exports each part; and the light entries load neither sharp nor the encoder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as decodeEntry from '../src/api/decode.js';
import * as encodeEntry from '../src/api/encode.js';
import * as limitsEntry from '../src/api/limits.js';
import * as api from '../src/index.js';
import { moduleUrl, modulesLoadedBy, root } from './support/loaded-modules.js';

const HEAVY = /node_modules\/(sharp|vega)|\/src\/encoder\/|\/src\/image\/io\.ts|\/src\/index\.ts/;

describe('the public API', () => {
  it('nnimg is the union of nnimg/decode and nnimg/encode, each with all of nnimg/limits', () => {
    const union = { ...decodeEntry, ...encodeEntry };
    expect(Object.keys(api).sort()).toEqual(Object.keys(union).sort());
    for (const [name, value] of Object.entries(api)) expect(value, name).toBe(union[name as keyof typeof union]);
    for (const [name, value] of Object.entries(limitsEntry)) {
      expect(decodeEntry[name as keyof typeof decodeEntry], name).toBe(value);
      expect(encodeEntry[name as keyof typeof encodeEntry], name).toBe(value);
    }
    // The README's examples: encode and decode from the package's main entry.
    expect(typeof api.encode).toBe('function');
    expect(typeof api.decode).toBe('function');
    expect('encode' in decodeEntry || 'readImage' in decodeEntry).toBe(false);
  });

  it('package.json exports each entry, built from its module in src/', () => {
    const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; import: string }> };
    const sources: Record<string, string> = { '.': 'src/index.ts', './decode': 'src/api/decode.ts', './encode': 'src/api/encode.ts', './limits': 'src/api/limits.ts' };
    for (const [entry, source] of Object.entries(sources)) {
      const built = source.replace(/^src\//, './dist/').replace(/\.ts$/, '');
      expect(exports[entry], entry).toEqual({ types: `${built}.d.ts`, import: `${built}.js` });
      expect(existsSync(join(root, source)), source).toBe(true);
    }
    // The browser decoder and element keep their entries; src/internals.ts has none.
    expect(Object.keys(exports)).toEqual(expect.arrayContaining(['./decoder', './element']));
    expect(Object.values(exports).some((target) => target.import.includes('internals'))).toBe(false);
  });

  it('nnimg/limits and nnimg/decode load neither sharp nor the encoder; nnimg/encode does', () => {
    const loadedBy = (path: string) => modulesLoadedBy(`await import(${JSON.stringify(moduleUrl(path))});`);
    expect(loadedBy('src/api/limits.ts').filter((url) => HEAVY.test(url) && !url.endsWith('/src/encoder/types.ts'))).toEqual([]);
    expect(loadedBy('src/api/decode.ts').filter((url) => HEAVY.test(url) && !url.endsWith('/src/encoder/types.ts'))).toEqual([]);
    const encoding = loadedBy('src/api/encode.ts');
    expect(encoding.some((url) => url.includes('node_modules/sharp/'))).toBe(true);
    expect(encoding.some((url) => url.endsWith('/src/encoder/encode.ts'))).toBe(true);
  });
});
