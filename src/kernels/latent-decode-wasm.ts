/**
 * The decoder's latent values in WebAssembly (assembly/latent-decode.ts): a grid of format
 * versions 1 and 2 decoded as LinearContextCoding.decodeGridValues (src/entropy/
 * linear-context-model.ts) and its reference decodeCellByCell (latent-model.ts) do, the same
 * values, decoder state and errors, without the JavaScript's warm-up: in a fresh process (the
 * command line) the first parse ran some 4 times slower than the next ones (docs/decisions.md).
 *
 * The payload's bytes are copied into the instance once; each grid's values are decoded there and
 * copied out, the RangeDecoder carried on from its state and handed it back. The Laplace tables
 * are built here (laplace.ts, exact arithmetic) as the kernel asks for them, and kept.
 */
import { MEAN_OFFSETS } from '../entropy/kernel-constants.js';
import { escapeTooLong, laplaceTable } from '../entropy/laplace.js';
import { LatentGrid, outOfRange } from '../entropy/latent-model.js';
import { CONTEXT_COUNT, LinearGridParameters, contextOfActivityTable } from '../entropy/linear-context-model.js';
import { RangeDecoder } from '../entropy/range-coder.js';
import { KernelExports, MemoryPlan, instantiateKernels } from './wasm-module.js';
import { LatentDecodeSlot as Slot } from './wasm-layout.js';

// decodeLatents' statuses (assembly/latent-decode.ts).
const NEED_TABLE = 1;
const ESCAPE_TOO_LONG = 2;
const OUT_OF_RANGE = 3;

/** Keys of (context, mean offset): context x MEAN_OFFSETS + offset + MEAN_OFFSETS / 2. */
const KEYS = CONTEXT_COUNT * MEAN_OFFSETS;

export class WasmLatentDecoder {
  private readonly kernels: KernelExports;
  private readonly plan: MemoryPlan;
  private readonly layout: number;
  private readonly valuesAt: number;
  private readonly tablesAt: number;
  private readonly magnitudesAt: number;
  /** Where each Laplace table (by laplaceTable's scale index and offset) was copied. */
  private readonly copied = new Map<number, number>();
  private buffer: ArrayBuffer;

  /** For the payload `data`, whose grids have at most `largestGrid` cells. */
  constructor(data: Uint8Array, largestGrid: number) {
    this.kernels = instantiateKernels();
    this.plan = new MemoryPlan(this.kernels);
    this.layout = this.plan.reserve((Slot.Wanted + 1) * 4);
    const dataAt = this.plan.reserve(data.length);
    this.valuesAt = this.plan.reserve(largestGrid * 4);
    this.tablesAt = this.plan.reserve(KEYS * 4);
    this.magnitudesAt = this.plan.reserve(KEYS * 4);
    const contexts = contextOfActivityTable();
    const contextsAt = this.plan.reserve(contexts.length);
    this.buffer = this.plan.commit();
    new Uint8Array(this.buffer, dataAt, data.length).set(data);
    new Uint8Array(this.buffer, contextsAt, contexts.length).set(contexts);
    const fields = this.fields();
    fields[Slot.Data] = dataAt;
    fields[Slot.DataLength] = data.length;
    fields[Slot.Values] = this.valuesAt;
    fields[Slot.Tables] = this.tablesAt;
    fields[Slot.Magnitudes] = this.magnitudesAt;
    fields[Slot.ContextOfActivity] = contextsAt;
    fields[Slot.LastActivity] = contexts.length - 1;
  }

  private fields(): Int32Array {
    return new Int32Array(this.buffer, this.layout, Slot.Wanted + 1);
  }

  /**
   * Decodes grid's values (its cells in raster order) from `decoder`, which must be reading this
   * payload; throws EntropyError where decodeGridValues does, the values before it decoded.
   */
  decode(decoder: RangeDecoder, grid: LatentGrid, { coefficients, scaleIndices }: LinearGridParameters): void {
    const { width, height, values } = grid;
    const { code, range, position } = decoder.state;
    let fields = this.fields();
    fields[Slot.Code] = code | 0; // below 2^32: its bits
    fields[Slot.Range] = range | 0;
    fields[Slot.Position] = position;
    fields[Slot.Width] = width;
    fields[Slot.Height] = height;
    fields[Slot.Next] = 0;
    [fields[Slot.Left], fields[Slot.Top], fields[Slot.TopLeft], fields[Slot.TopRight]] = coefficients;
    // Each grid has its own scale per context: its tables are given as it asks for them.
    new Int32Array(this.buffer, this.tablesAt, KEYS).fill(0);
    let status: number;
    while ((status = this.kernels.decodeLatents(this.layout)) === NEED_TABLE) {
      const key = this.fields()[Slot.Wanted];
      const context = Math.floor(key / MEAN_OFFSETS);
      const offset = (key % MEAN_OFFSETS) - MEAN_OFFSETS / 2;
      const scaleIndex = scaleIndices[context];
      const table = laplaceTable(scaleIndex, offset);
      const cacheKey = scaleIndex * MEAN_OFFSETS + key % MEAN_OFFSETS;
      let at = this.copied.get(cacheKey);
      if (at === undefined) {
        at = this.plan.reserve(table.cumulative.byteLength);
        this.buffer = this.plan.commit();
        new Uint32Array(this.buffer, at, table.cumulative.length).set(table.cumulative);
        this.copied.set(cacheKey, at);
      }
      new Int32Array(this.buffer, this.tablesAt, KEYS)[key] = at;
      new Int32Array(this.buffer, this.magnitudesAt, KEYS)[key] = table.maxMagnitude;
    }
    fields = this.fields();
    values.set(new Int32Array(this.buffer, this.valuesAt, fields[Slot.Next]));
    decoder.setState({ code: fields[Slot.Code] >>> 0, range: fields[Slot.Range] >>> 0, position: fields[Slot.Position] });
    if (status === ESCAPE_TOO_LONG) throw escapeTooLong();
    if (status === OUT_OF_RANGE) throw outOfRange(fields[Slot.Wanted]);
  }
}
