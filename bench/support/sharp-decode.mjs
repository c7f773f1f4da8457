#!/usr/bin/env node
/**
 * The reference for `nnimg decode IN --width W` in bench/cli-decode.ts: what a command line built
 * on sharp does for a JPEG: `node bench/support/sharp-decode.mjs IN.jpg OUT.png W` decodes the
 * JPEG, resizes it to W wide (Lanczos 3, sharp's default kernel) and writes a PNG with sharp's
 * default settings (zlib level 6, no row filter). Plain JavaScript, so only Node starts it.
 */
import sharp from 'sharp';

const [input, output, width] = process.argv.slice(2);
await sharp(input).resize({ width: Number(width), kernel: 'lanczos3' }).png().toFile(output);
