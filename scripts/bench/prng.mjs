// Seeded PRNG for the benchmark data (no Math.random, no clock): sfc32 seeded through splitmix32 from a seed and a label,
// so every stream (world, events, record details) is independent and reproducible.

function splitmix32(state) {
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label) {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const HEX = '0123456789abcdef';

export class Rng {
  /** @param {number} seed @param {string} label */
  constructor(seed, label) {
    const init = splitmix32((seed >>> 0) ^ hashLabel(label));
    this.a = init();
    this.b = init();
    this.c = init();
    this.d = init();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer (sfc32). */
  u32() {
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next() {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }

  chance(p) {
    return this.next() < p;
  }

  pick(list) {
    return list[this.int(list.length)];
  }

  /** Standard normal (Box–Muller). */
  normal() {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `n` lower-case hex digits. */
  hex(n) {
    let s = '';
    while (s.length < n) {
      let x = this.u32();
      for (let i = 0; i < 8 && s.length < n; i++) {
        s += HEX[x & 15];
        x >>>= 4;
      }
    }
    return s;
  }

  /** An RFC-4122-looking v4 UUID. */
  uuid() {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** `n` characters of upper-case base32-ish text (AWS key ids look like this). */
  upper(n) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.u32() & 31];
    return s;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(list) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
  }
}

/** Weighted choice from precomputed cumulative weights (binary search). */
export class Weighted {
  /** @param {number[]} weights */
  constructor(weights) {
    this.cdf = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => (this.cdf[i] = sum += w));
    this.total = sum;
  }

  /** @param {Rng} rng */
  sample(rng) {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf-like weights 1/(rank+1)^s. */
export function zipfWeights(n, s = 1) {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
}
