/** Seeded pseudo-random numbers (sfc32): the same seed gives the same encode, byte for byte. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** The generator's state, for a copy of it to continue from (assembly/latents.ts). */
  saveState(to: Uint32Array): void {
    to.set([this.a, this.b, this.c, this.d]);
  }

  restoreState(from: Uint32Array): void {
    [this.a, this.b, this.c, this.d] = from;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Roughly normal (sum of uniforms), mean 0, standard deviation 1. */
  normal(): number {
    return this.next() + this.next() + this.next() + this.next() - 2;
  }
}
