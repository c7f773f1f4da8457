/**
 * An independent decoder of .nnimg files, written from spec/nnimg.md alone: its own range
 * decoder, exp and Laplace tables, context rule and float64 synthesis, sharing no code with
 * src/. The tests (test/decoder.test.ts) hold nnimg's decoder against it; another implementation
 * can do the same. Plain TypeScript, readable beside the spec's sections.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { unpack } from 'msgpackr';

/** Throws unless the file is what the spec allows. */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`not a valid .nnimg file: ${message}`);
}

const f64 = (hex: string) => new DataView(Uint8Array.from(Buffer.from(hex, 'hex')).buffer).getFloat64(0);
const LN2_HI = f64('3fe62e42fee00000');
const LN2_LO = f64('3dea39ef35793c76');
const INV_LN2 = f64('3ff71547652b82fe');

/** spec: "exp(x)". */
export function specExp(x: number): number {
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 17; n++) {
    term = (term * r) / n;
    sum = sum + term;
  }
  return sum * 2 ** k; // exact for the arguments the format uses (no subnormals)
}

const specPow2 = (n: number, d: number) => specExp((n / d) * LN2_HI + (n / d) * LN2_LO);

interface SpecTable {
  m: number;
  cum: number[];
}

const specTables = new Map<string, SpecTable>();

function specTable(i: number, o: number): SpecTable {
  const cached = specTables.get(`${i},${o}`);
  if (cached) return cached;
  const b = specPow2(i - 24, 4);
  const m = Math.min(1024, Math.ceil(12 * b) + 1);
  const n = 2 * m + 2;
  const free = 65536 - n;
  const d = 0.5 - o / 16;
  const t = specExp(-0.5 / b);
  const theta = t * t;
  const above = specExp(-d / b);
  const below = specExp(-(1 - d) / b);
  const freq = new Array<number>(n);
  freq[m] = 1 + Math.floor(free * (1 - 0.5 * (above + below)));
  let u = above;
  let w = below;
  for (let k = 1; k <= m; k++) {
    const u2 = u * theta;
    const w2 = w * theta;
    freq[m + k] = 1 + Math.floor(free * 0.5 * (u - u2));
    freq[m - k] = 1 + Math.floor(free * 0.5 * (w - w2));
    u = u2;
    w = w2;
  }
  let used = 0;
  for (let s = 0; s < n - 1; s++) used += freq[s];
  freq[n - 1] = 65536 - used;
  const cum = [0];
  for (const f of freq) cum.push(cum[cum.length - 1] + f);
  const table = { m, cum };
  specTables.set(`${i},${o}`, table);
  return table;
}

/** LZMA-style range decoder over the payload, zeros past its end. */
class SpecRangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  private at = 0;
  consumed = 0;

  constructor(private readonly bytes: Uint8Array) {
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  private next(): number {
    this.consumed++;
    return this.at < this.bytes.length ? this.bytes[this.at++] : 0;
  }

  symbol(totalBits: number, cum: readonly number[]): number {
    const r = Math.floor(this.range / 2 ** totalBits);
    const target = Math.min(Math.floor(this.code / r), 2 ** totalBits - 1);
    let s = 0;
    while (cum[s + 1] <= target) s++;
    this.code -= r * cum[s];
    this.range = r * (cum[s + 1] - cum[s]);
    while (this.range < 2 ** 24) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return s;
  }

  bits(count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) v = 2 * v + this.symbol(1, [0, 1, 2]);
    return v;
  }

  laplace(i: number, o = 0): number {
    const { m, cum } = specTable(i, o);
    const s = this.symbol(16, cum);
    if (s <= 2 * m) return s - m;
    let zeros = 0;
    while (this.bits(1) === 0) if (++zeros > 24) throw new Error('escape too long');
    const n = 2 ** zeros + this.bits(zeros);
    const magnitude = n + m;
    return this.bits(1) === 1 ? -magnitude : magnitude;
  }
}

export interface SpecFile {
  /** 0: latent grids; 1: coordinate MLP (spec section 14). */
  kind: number;
  width: number;
  height: number;
  channels: number;
  levels: number;
  hidden: number[];
  latentStepIndex: number;
  layers: { w: { e: number; s: number; v: number[] }; b: { e: number; s: number; v: number[] } }[];
  grids: { scales: number[] | null; coefficients: number[] | null; v: number[] }[];
  consumed: number;
  payloadLength: number;
}

export function specParse(file: Uint8Array): SpecFile {
  check(file[0] === 0x6e && file[1] === 0x6e && file[2] === 0x69 && file[3] === 0x6d, 'magic');
  const version = file[4];
  check(version === 1 || version === 2, `version ${version}`);
  const body = file.length - 4;
  check(new DataView(file.buffer, file.byteOffset).getUint32(body) === zlibCrc32(file.subarray(0, body)) >>> 0, 'CRC-32');
  let at = 5;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const b = file[at++];
    length += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
  }
  const [kind, width, height, channels, levels, hidden] = unpack(file.subarray(at, at + length)) as [number, number, number, number, number, number[]];
  check(kind === 0 || kind === 1, `model kind ${kind}`);
  // Section 2's valid values.
  const count = (n: unknown, min: number, max: number) => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;
  check(count(width, 1, 65535) && count(height, 1, 65535) && width * height <= 2 ** 27, `size ${width}x${height}`);
  check(channels === 1 || channels === 3, `${channels} channels`);
  check(kind === 1 || count(levels, 1, 12), `${levels} levels`);
  check(Array.isArray(hidden) && hidden.length <= 4 && hidden.every((w) => count(w, 1, 64)), 'hidden widths');
  // Kind 1 (section 14): levels 0, two coordinate inputs, no latent step and no grids.
  if (kind === 1) check(levels === 0, 'a coordinate MLP has no latent levels');
  const payload = file.subarray(at + length, body);
  const d = new SpecRangeDecoder(payload);
  const latentStepIndex = kind === 1 ? -1 : d.bits(6);
  const widths = [kind === 1 ? 2 : levels, ...hidden, channels];
  const tensor = (count: number) => {
    const e = d.bits(4);
    const s = d.bits(6);
    return { e, s, v: Array.from({ length: count }, () => d.laplace(s)) };
  };
  const layers = [];
  for (let k = 0; k + 1 < widths.length; k++) {
    const w = tensor(widths[k] * widths[k + 1]);
    const b = tensor(widths[k + 1]);
    layers.push({ w, b });
  }
  const grids: SpecFile['grids'] = new Array(levels);
  for (let l = levels - 1; l >= 0; l--) {
    const gw = Math.ceil(width / 2 ** l);
    const gh = Math.ceil(height / 2 ** l);
    const v = new Array<number>(gw * gh).fill(0);
    if (d.bits(1) === 0) {
      grids[l] = { scales: null, coefficients: null, v };
      continue;
    }
    const coefficients = Array.from({ length: 4 }, () => (version === 1 ? 0 : d.bits(6) - 32));
    const scales = Array.from({ length: 6 }, () => d.bits(6));
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const at = (dx: number, dy: number) => Math.abs(v[(y + dy) * gw + x + dx]);
        let activity = 0;
        if (x > 0) activity += 2 * at(-1, 0);
        if (y > 0) activity += 2 * at(0, -1) + (x > 0 ? at(-1, -1) : 0) + (x < gw - 1 ? at(1, -1) : 0);
        const context = activity === 0 ? 0 : activity <= 2 ? 1 : activity <= 5 ? 2 : activity <= 10 ? 3 : activity <= 20 ? 4 : 5;
        const q = (dx: number, dy: number) => v[(y + dy) * gw + x + dx];
        let sum = 0;
        if (x > 0) sum += coefficients[0] * q(-1, 0);
        if (y > 0) sum += coefficients[1] * q(0, -1) + (x > 0 ? coefficients[2] * q(-1, -1) : 0) + (x < gw - 1 ? coefficients[3] * q(1, -1) : 0);
        const centre = Math.floor((sum + 8) / 16);
        v[y * gw + x] = centre + d.laplace(scales[context], sum - 16 * centre);
        check(Math.abs(v[y * gw + x]) <= 2 ** 26, 'latent value beyond 2^26 (section 6.3)');
      }
    }
    grids[l] = { scales, coefficients, v };
  }
  return { kind, width, height, channels, levels, hidden, latentStepIndex, layers, grids, consumed: d.consumed, payloadLength: payload.length };
}

/** Spec section 8: the synthesis, binary64 arithmetic rounded to binary32 (f32) where the spec says. */
export function specRender(f: SpecFile, outW: number, outH: number): Uint8Array {
  const f32 = Math.fround;
  const step = specPow2(f.latentStepIndex - 32, 8);
  const latents = f.grids.map((g) => g.v.map((v) => f32(v * step)));
  const layers = f.layers.map((l) => ({
    w: l.w.v.map((v) => f32(v * 2 ** -l.w.e)),
    b: l.b.v.map((v) => f32(v * 2 ** -l.b.e)),
    outputs: l.b.v.length,
  }));
  const tap = (i: number, outLength: number, cells: number) => {
    let p = (i + 0.5) * (cells / outLength) - 0.5;
    p = Math.min(Math.max(p, 0), cells - 1);
    const j = Math.floor(p);
    return { j0: j, j1: Math.min(j + 1, cells - 1), f: f32(p - j) };
  };
  const out = new Uint8Array(outW * outH * f.channels);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let a = latents.map((grid, l) => {
        const gw = Math.ceil(f.width / 2 ** l);
        const gh = Math.ceil(f.height / 2 ** l);
        const tx = tap(x, outW, gw);
        const ty = tap(y, outH, gh);
        // The row R between the two grid rows, at the two columns the pixel reads.
        const r = (j: number) => f32(grid[ty.j0 * gw + j] + ty.f * (grid[ty.j1 * gw + j] - grid[ty.j0 * gw + j]));
        const left = r(tx.j0);
        return f32(left + tx.f * (r(tx.j1) - left));
      });
      layers.forEach((layer, k) => {
        const next: number[] = [];
        for (let j = 0; j < layer.outputs; j++) {
          let z = layer.b[j];
          for (let i = 0; i < a.length; i++) z = z + layer.w[j * a.length + i] * a[i];
          next.push(k === layers.length - 1 ? f32(z) : z > 0 ? f32(Math.min(z, 2 ** 64)) : 0);
        }
        a = next;
      });
      for (let c = 0; c < f.channels; c++) {
        const v = (a[c] + 0.5) * 255;
        const n = Math.floor(v);
        out[o++] = v <= 0 ? 0 : v >= 255 ? 255 : v - n >= 0.5 ? n + 1 : n;
      }
    }
  }
  return out;
}

/** Spec section 14.3: the coordinate MLP's exact binary64 synthesis. */
export function specRenderMlp(f: SpecFile, outW: number, outH: number): Uint8Array {
  const sigmoid = (z: number) => (z < -40 ? 0 : z > 40 ? 1 : 1 / (1 + specExp(-z)));
  const layers = f.layers.map((l) => ({ w: l.w.v.map((v) => v * 2 ** -l.w.e), b: l.b.v.map((v) => v * 2 ** -l.b.e) }));
  const out = new Uint8Array(outW * outH * f.channels);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let a = [(2 * x + 1) / outW - 1, (2 * y + 1) / outH - 1];
      for (const { w, b } of layers) {
        a = b.map((bias, j) => {
          let z = bias;
          for (let i = 0; i < a.length; i++) z = z + w[j * a.length + i] * a[i];
          return sigmoid(z);
        });
      }
      for (let c = 0; c < f.channels; c++) out[o++] = Math.floor(a[c] * 255 + 0.5);
    }
  }
  return out;
}
