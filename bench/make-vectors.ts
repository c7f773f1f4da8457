/**
 * Writes the conformance vectors in spec/vectors/: small .nnimg files and, for each, the SHA-256 of
 * the exact pixels the reference decoder renders at one or more output sizes (vectors.json, and a
 * table in README.md). test/vectors.test.ts checks them, so any change that alters decoding fails.
 *
 *   npx tsx bench/make-vectors.ts [--out spec/vectors]
 *
 * The files come from the library encoder (small crops of corpus/, few iterations; one of them a
 * coordinate MLP, model kind 1) plus two made
 * by hand: the worked example of spec section 12 and the all-zero (mid-grey) model. Regenerate
 * only on purpose: new files replace the old ones, and the hashes then describe the new decoder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import sharp from 'sharp';
import { EncodeOptions, FORMAT_VERSION, NnimgHeader, QuantizedModel, RasterImage, decode, encode, parseNnimg, readImage } from '../src/index.js';
import { encodePayload, gridSizes, layerShapes, unusedGrid, writeContainer } from '../src/internals.js';
import { NegativeVector, VectorEntry } from '../spec/vectors.js';
import { decodedModelDigest, negativeVectors, pixelSamples } from './support/vector-details.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const options = new Command()
  .option('--out <folder>', 'where to write the vectors', join(root, 'spec', 'vectors'))
  .option('--keep-files', 'keep the .nnimg files already in the folder; only recompute the hashes, digests, samples and negative vectors')
  .parse()
  .opts<{ out: string; keepFiles?: boolean }>();

async function crop(name: string, left: number, top: number, width: number, height: number): Promise<RasterImage> {
  const png = await sharp(join(root, 'corpus', name)).extract({ left, top, width, height }).png().toBuffer();
  return readImage(new Uint8Array(png));
}

interface Source {
  file: string;
  note: string;
  bytes: () => Promise<Uint8Array>;
  /** Output sizes to hash; undefined means the native size. */
  sizes: ({ width: number; height: number } | undefined)[];
}

const encoded = (image: () => Promise<RasterImage>, settings: EncodeOptions) => async () =>
  (await encode(await image(), { seed: 1, ...settings })).file;

function zeroModelFile(header: NnimgHeader): Uint8Array {
  const model: QuantizedModel = {
    latentStepIndex: 32,
    layers: layerShapes(header.levels, header.hidden, header.channels).map((s) => ({
      weights: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(s.inputs * s.outputs) },
      biases: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(s.outputs) },
    })),
    grids: gridSizes(header.width, header.height, header.levels).map((g) => unusedGrid(g.width * g.height)),
  };
  return writeContainer(header, encodePayload(model, gridSizes(header.width, header.height, header.levels)));
}

/** The 27-byte file of spec/nnimg.md section 12, read from the spec itself. */
function specExample(): Uint8Array {
  const text = readFileSync(join(root, 'spec', 'nnimg.md'), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith(`6e 6e 69 6d  0${FORMAT_VERSION}`));
  if (!line) throw new Error('the section 12 example is not in spec/nnimg.md');
  const hex = line.split(/\s+/).filter((t) => /^[0-9a-f]{2}$/.test(t));
  return Uint8Array.from(hex.map((h) => parseInt(h, 16)));
}

const SOURCES: Source[] = [
  {
    file: 'coffee-16x12-rgb.nnimg',
    note: 'encoder, 16x12 RGB crop of coffee.png, --bytes 160, 40 iterations',
    bytes: encoded(() => crop('coffee.png', 300, 150, 16, 12), { bytes: 160, iterations: 40 }),
    sizes: [undefined],
  },
  {
    file: 'camera-24x16-grey.nnimg',
    note: 'encoder, 24x16 crop of camera.png (grey, one channel), quality 60, 40 iterations',
    bytes: encoded(() => crop('camera.png', 200, 100, 24, 16), { quality: 60, iterations: 40 }),
    sizes: [undefined],
  },
  {
    file: 'chelsea-20x14-rgb.nnimg',
    note: 'encoder, 20x14 crop of chelsea.png, two hidden layers [8, 4], --bytes 300; decoded at other sizes',
    bytes: encoded(() => crop('chelsea.png', 200, 120, 20, 14), { bytes: 300, iterations: 40, hidden: [8, 4] }),
    sizes: [undefined, { width: 37, height: 23 }, { width: 7, height: 5 }, { width: 1, height: 1 }],
  },
  {
    file: 'coffee-1x9-rgb.nnimg',
    note: 'encoder, a single column of 9 pixels from coffee.png, quality 90, 40 iterations',
    bytes: encoded(() => crop('coffee.png', 420, 200, 1, 9), { quality: 90, iterations: 40 }),
    sizes: [undefined, { width: 3, height: 4 }],
  },
  {
    file: 'astronaut-24x16-mlp-rgb.nnimg',
    note: 'encoder, coordinate MLP (kind 1) 2-8-8-3 on a 24x16 crop of astronaut.png, rprop, --bytes 200, 60 iterations; decoded at other sizes',
    bytes: encoded(() => crop('astronaut.png', 180, 60, 24, 16), { model: 'coordinate-mlp', hidden: [8, 8], bytes: 200, iterations: 60 }),
    sizes: [undefined, { width: 50, height: 33 }, { width: 1, height: 1 }],
  },
  {
    file: 'zero-64x48-grey.nnimg',
    note: 'all-zero model (every parameter 0, no grid used): mid-grey 128 everywhere',
    bytes: async () => zeroModelFile({ model: 'latent-grid', width: 64, height: 48, channels: 1, levels: 6, hidden: [6] }),
    sizes: [undefined],
  },
  {
    file: 'spec-example-2x1-grey.nnimg',
    note: 'the worked example of spec section 12: samples 0 255 at 2x1, 0 64 191 255 at 4x1, 128 at 1x1',
    bytes: async () => specExample(),
    sizes: [undefined, { width: 4, height: 1 }, { width: 1, height: 1 }],
  },
];

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function main(): Promise<void> {
  mkdirSync(options.out, { recursive: true });
  const entries: VectorEntry[] = [];
  for (const source of SOURCES) {
    const bytes = options.keepFiles ? new Uint8Array(readFileSync(join(options.out, source.file))) : await source.bytes();
    if (!options.keepFiles) writeFileSync(join(options.out, source.file), bytes);
    const { header } = parseNnimg(bytes);
    if (!source.file.includes(header.channels === 1 ? '-grey' : '-rgb')) throw new Error(`${source.file} has ${header.channels} channel(s)`);
    for (const size of source.sizes) {
      const { width, height } = size ?? header;
      const image = decode(bytes, { width, height });
      entries.push({
        file: source.file,
        width,
        height,
        channels: image.channels,
        sha256: sha256(image.data),
        model: decodedModelDigest(bytes),
        pixels: pixelSamples(image),
        note: source.note,
      });
    }
    console.log(`${source.file}: ${bytes.length} bytes, ${header.width}x${header.height}, ${header.channels} channel(s)`);
  }
  writeFileSync(join(options.out, 'vectors.json'), `${JSON.stringify({ format: 'nnimg', version: FORMAT_VERSION, vectors: entries }, null, 2)}\n`);
  const negative = negativeVectors((file) => new Uint8Array(readFileSync(join(options.out, file))));
  mkdirSync(join(options.out, 'negative'), { recursive: true });
  for (const v of negative) writeFileSync(join(options.out, 'negative', v.file), v.bytes);
  const negativeEntries: NegativeVector[] = negative.map(({ file, error, note }) => ({ file, error, note }));
  writeFileSync(join(options.out, 'negative', 'negative.json'), `${JSON.stringify({ format: 'nnimg', version: FORMAT_VERSION, vectors: negativeEntries }, null, 2)}\n`);
  writeFileSync(join(options.out, 'README.md'), readme(entries, negativeEntries));
}

function readme(entries: VectorEntry[], negative: NegativeVector[]): string {
  const negativeRows = negative.map((v) => `| \`negative/${v.file}\` | \`${v.error}\` | ${v.note} |`);
  const rows = entries.map((e) => `| \`${e.file}\` | ${e.width}x${e.height} | ${e.channels} | \`${e.sha256}\` |`);
  const notes = [...new Map(entries.map((e) => [e.file, e.note])).entries()].map(([file, note]) => `- \`${file}\`: ${note}.`);
  return `# Conformance vectors

Small \`.nnimg\` files and the SHA-256 of the exact pixels the reference decoder renders from
them (8-bit samples, channels interleaved, rows top to bottom, as \`decode()\` returns them) at
the output sizes listed. \`vectors.json\` holds the same list for programs;
\`test/vectors.test.ts\` decodes every entry and compares the hashes, so any change that alters
decoding is caught.

The files were written by \`bench/make-vectors.ts\`:

\`\`\`
npx tsx bench/make-vectors.ts
\`\`\`

Regenerate them only on purpose (a format or decoder change that is meant to alter pixels): the
encoder's output changes whenever training changes, so regenerating also replaces the files.
\`v1/\` holds the vectors of format version 1 (nnimg 0.1.0), kept unchanged: every decoder
still reads version 1 files, and the test suite checks it does so exactly.
The project's \`.gitignore\` ignores \`*.nnimg\`: add new vector files with \`git add -f\`.

Another decoder conforms when it reads every file into the same quantized model (the \`model\`
digest of spec section 13, listed in \`vectors.json\`) and renders exactly the listed hashes: the
synthesis arithmetic is normative (spec section 9), so every conforming decoder produces identical
samples. \`vectors.json\` also lists a few raw pixels per entry (\`pixels\`: x, y, samples), to
locate a difference without a hash.

| file | output | channels | SHA-256 of the decoded samples |
| --- | --- | --- | --- |
${rows.join('\n')}

${notes.join('\n')}

## Negative vectors

\`negative/\` holds damaged and crafted files that every reader must refuse, each with the error
of spec sections 1.1 and 6 (\`negative/negative.json\`); the crafted ones carry a correct CRC, so
only the check named can catch them. \`test/vectors.test.ts\` checks the reference reports each.

| file | error | what is wrong |
| --- | --- | --- |
${negativeRows.join('\n')}
`;
}

await main();
