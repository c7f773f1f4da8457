/**
 * Training timelapses: snapshots of the image the current, unquantized model paints, written as
 * numbered PNG frames as they come, or gathered into an animated WebP or GIF at the end.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { RasterImage } from '../image/io.js';
import { Model } from '../kinds/latent-grid/model.js';
import { modelRenderer } from '../kinds/index.js';
import type { TrainedModel } from './trainer.js';

/** At most this many frames are held for an animation; beyond it every other one is dropped. */
export const MAX_ANIMATION_FRAMES = 120;
/** ... and at most this many bytes of raw pixels (what libvips holds when it joins them). */
const MAX_ANIMATION_BYTES = 2 ** 28;
/** The animation lasts about this long, each frame at least MIN_FRAME_MS. */
const ANIMATION_MS = 8000;
const MIN_FRAME_MS = 40;

/** Without --every, about this many snapshots are taken over the training. */
export const DEFAULT_SNAPSHOTS = 100;
/** ... or one every this many iterations when training runs for a time rather than a count. */
const DEFAULT_TIMED_EVERY = 10;

export function snapshotEvery(every: number | undefined, iterations: number): number {
  if (every !== undefined) return every;
  return Number.isFinite(iterations) ? Math.max(1, Math.round(iterations / DEFAULT_SNAPSHOTS)) : DEFAULT_TIMED_EVERY;
}

export type AnimationFormat = 'webp' | 'gif';

export function animationFormatFor(path: string): AnimationFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.webp')) return 'webp';
  if (lower.endsWith('.gif')) return 'gif';
  return null;
}

export function frameName(index: number): string {
  return `frame-${String(index).padStart(5, '0')}.png`;
}

/** The latent-grid trainer's current model (latents in steps of 1, unrounded), rendered at native size. */
export function previewLatentGrid(trainer: TrainedModel): RasterImage {
  const tensors = trainer.layerTensors();
  const { width, height } = trainer.grids[0];
  const channels = trainer.shapes[trainer.shapes.length - 1].outputs;
  const model: Model = {
    kind: 'latent-grid',
    width,
    height,
    channels,
    grids: trainer.grids,
    latents: trainer.latentViews,
    layers: trainer.shapes.map((shape, k) => ({ shape, weights: tensors[2 * k], biases: tensors[2 * k + 1] })),
  };
  const data = new Uint8Array(width * height * channels);
  modelRenderer(model, width, height).renderRows(0, height, data);
  return { width, height, channels: channels as 1 | 3, data };
}

function pngOf(image: RasterImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).png();
}

export interface TimelapseSettings {
  /** Folder for numbered PNG frames (created when missing). */
  framesDir?: string;
  /** Animated .webp or .gif to write at the end. */
  animationPath?: string;
}

/**
 * Takes snapshots as training goes. PNG frames go straight to disk; frames for the animation are
 * kept PNG-compressed, and when there are too many every other one is dropped and only every
 * second later snapshot is kept, so memory stays bounded however long the training runs.
 */
export class Timelapse {
  /** Frames written to framesDir. */
  framesWritten = 0;
  private readonly animationFrames: Buffer[] = [];
  private stride = 1;
  private snapshots = 0;

  constructor(private readonly settings: TimelapseSettings) {}

  async take(image: RasterImage): Promise<void> {
    const { framesDir, animationPath } = this.settings;
    if (framesDir !== undefined) {
      if (this.framesWritten === 0) await mkdir(framesDir, { recursive: true });
      await pngOf(image).toFile(join(framesDir, frameName(++this.framesWritten)));
    }
    if (animationPath === undefined) return;
    const maxFrames = Math.max(2, Math.min(MAX_ANIMATION_FRAMES, Math.floor(MAX_ANIMATION_BYTES / (image.width * image.height * 4))));
    if (this.snapshots++ % this.stride !== 0) return;
    this.animationFrames.push(await pngOf(image).toBuffer());
    if (this.animationFrames.length > maxFrames) {
      const kept = this.animationFrames.filter((_, i) => i % 2 === 0);
      this.animationFrames.splice(0, this.animationFrames.length, ...kept);
      this.stride *= 2;
    }
  }

  /** Frames the animation will hold. */
  get animationFrameCount(): number {
    return this.animationFrames.length;
  }

  /** Writes the animation (when one was asked for and at least one snapshot was taken) to `path`. */
  async writeAnimation(path: string): Promise<void> {
    const frames = this.animationFrames;
    if (frames.length === 0) return;
    const delay = Math.max(MIN_FRAME_MS, Math.round(ANIMATION_MS / frames.length));
    const joined = sharp(frames, { join: { animated: true } });
    const format = animationFormatFor(path) ?? 'webp';
    const encoder = format === 'gif' ? joined.gif({ loop: 0, delay }) : joined.webp({ loop: 0, delay, lossless: true });
    await encoder.toFile(path);
  }
}
