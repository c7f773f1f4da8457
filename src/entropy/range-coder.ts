/**
 * Byte-oriented range coder (the LZMA construction: 32-bit range, carry propagated through a
 * cached byte). Integer arithmetic only; every intermediate value stays below 2^53, so plain
 * JavaScript numbers are exact.
 *
 * Symbols are given as (cumulative frequency, frequency) out of a total of 2^totalBits,
 * totalBits <= 16.
 */

const TOP = 2 ** 24;
const SPAN = 2 ** 32;

export class RangeEncoder {
  private low = 0; // may temporarily reach 2^32 + 2^32 (carry)
  private range = SPAN - 1;
  private cache = 0;
  private cacheSize = 1;
  private bytes: number[] = [];
  private started = false;

  encode(cumFreq: number, freq: number, totalBits: number): void {
    const r = Math.floor(this.range / (1 << totalBits)); // 2^totalBits: a shift, not Math.pow
    this.low += r * cumFreq;
    this.range = r * freq;
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  /** Bits written with probability 1/2 each, most significant first (count <= 16 at a time). */
  encodeBits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.encode((value >>> i) & 1, 1, 1);
  }

  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= SPAN) {
      const carry = this.low >= SPAN ? 1 : 0;
      let pending = this.cache;
      do {
        // The very first byte of the LZMA construction is always 0: it is not written.
        if (this.started) this.bytes.push((pending + carry) & 0xff);
        this.started = true;
        pending = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(this.low / TOP) & 0xff;
    }
    this.cacheSize++;
    this.low = (this.low % TOP) * 256;
  }

  /**
   * Ends the stream with as few bytes as possible: picks the value in [low, low + range) with
   * the most trailing zero bits, then drops trailing zero bytes, which the decoder supplies.
   */
  finish(): Uint8Array {
    for (let bits = 32; bits >= 0; bits--) {
      const unit = 2 ** bits;
      const candidate = Math.ceil(this.low / unit) * unit;
      if (candidate < this.low + this.range) {
        this.low = candidate;
        break;
      }
    }
    for (let i = 0; i < 5; i++) this.shiftLow();
    let end = this.bytes.length;
    while (end > 0 && this.bytes[end - 1] === 0) end--;
    return Uint8Array.from(this.bytes.slice(0, end));
  }
}

export interface RangeDecoderState {
  readonly data: Uint8Array;
  /** The code and range, whole numbers below 2^32; the next byte's index in data. */
  readonly code: number;
  readonly range: number;
  readonly position: number;
}

export class RangeDecoder {
  private code = 0;
  private range = SPAN - 1;
  private pos = 0;

  constructor(private readonly data: Uint8Array) {
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.nextByte();
  }

  private nextByte(): number {
    // The encoder drops trailing zero bytes: past the end, the stream reads as zeros.
    return this.pos < this.data.length ? this.data[this.pos++] : 0;
  }

  /** The scaled target in [0, 2^totalBits); must be followed by consume() with the symbol found. */
  peek(totalBits: number): number {
    // 2^totalBits as a shift: \`2 ** n\` with a variable n calls Math.pow, some 2% of a decode.
    const total = 1 << totalBits;
    this.pendingR = Math.floor(this.range / total);
    const target = Math.floor(this.code / this.pendingR);
    return target < total ? target : total - 1;
  }

  private pendingR = 0;

  consume(cumFreq: number, freq: number): void {
    this.code -= this.pendingR * cumFreq;
    this.range = this.pendingR * freq;
    while (this.range < TOP) {
      this.range *= 256;
      this.code = (this.code % TOP) * 256 + this.nextByte();
    }
  }

  /**
   * The decoder's state: for a decoder elsewhere (the WebAssembly latent decoder, src/kernels/)
   * to carry on over the same bytes, and hand back with setState.
   */
  get state(): RangeDecoderState {
    return { data: this.data, code: this.code, range: this.range, position: this.pos };
  }

  setState({ code, range, position }: Omit<RangeDecoderState, 'data'>): void {
    this.code = code;
    this.range = range;
    this.pos = position;
  }

  decodeBits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const bit = this.peek(1);
      this.consume(bit, 1);
      value = value * 2 + bit;
    }
    return value;
  }
}
