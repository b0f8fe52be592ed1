// The PIT's closed-form counting (state computed from elapsed time) against an independent
// clock-by-clock model of the 8254 datasheet's mode descriptions: random counts and random
// reprogramming in modes 0, 2, 3 and 4, OUT compared at every clock (and the count, except in
// mode 3 whose count read-back is approximate), through the real ports.
import { describe, expect, it } from "vitest";
import { Rig, TEN_PER_TICK } from "./platform-harness.js";

/** One channel, gate high, stepped one input clock at a time. */
class StepModel {
  out: boolean;
  ce = 0;
  private loadNext: number | null = null; // count to load on the next clock
  private pendingPeriod: number | null = null; // modes 2/3: count for the next period
  private phase = 0; // mode 3: clocks into the current period
  private n = 0;
  private running = false;
  private strobe = false;
  constructor(readonly mode: number) {
    this.out = mode !== 0;
  }
  write(n: number): void {
    if ((this.mode === 2 || this.mode === 3) && this.running) this.pendingPeriod = n;
    else this.loadNext = n;
  }
  clock(): void {
    if (this.loadNext !== null) {
      this.n = this.loadNext;
      this.ce = this.n;
      this.loadNext = null;
      this.running = true;
      this.phase = 0;
      this.strobeDone = false;
      if (this.mode === 0) this.out = false;
      if (this.mode === 2 || this.mode === 3 || this.mode === 4) this.out = true;
      return;
    }
    if (!this.running) return;
    switch (this.mode) {
      case 0:
        this.ce = (this.ce - 1) & 0xffff;
        if (this.ce === 0) this.out = true;
        break;
      case 4:
        if (this.strobe) {
          this.out = true;
          this.strobe = false;
        }
        this.ce = (this.ce - 1) & 0xffff;
        if (this.ce === 0 && this.out && !this.strobeDone) {
          this.out = false;
          this.strobe = true;
          this.strobeDone = true;
        }
        break;
      case 2:
        this.ce--;
        if (this.ce === 1) this.out = false;
        if (this.ce === 0) {
          if (this.pendingPeriod !== null) (this.n = this.pendingPeriod), (this.pendingPeriod = null);
          this.ce = this.n;
          this.out = true;
        }
        break;
      case 3: {
        this.phase++;
        if (this.phase === this.n) {
          if (this.pendingPeriod !== null) (this.n = this.pendingPeriod), (this.pendingPeriod = null);
          this.phase = 0;
        }
        this.out = this.phase < Math.ceil(this.n / 2);
        break;
      }
    }
  }
  private strobeDone = false;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe("PIT closed form vs a clock-by-clock model", () => {
  for (const mode of [0, 2, 3, 4]) {
    for (const seed of [1, 2, 3]) {
      it(`mode ${mode}, seed ${seed}: OUT${mode === 3 ? "" : " and count"} agree at every clock`, () => {
        const next = rng(seed * 7919 + mode);
        const r = new Rig({ insnsPerSecond: TEN_PER_TICK });
        const model = new StepModel(mode);
        r.outb(0x61, 0x01); // channel 2 gate high
        r.outb(0x43, 0xb0 | (mode << 1));
        const writeCount = (n: number) => {
          r.outb(0x42, n & 0xff);
          r.outb(0x42, n >> 8);
          model.write(n);
        };
        writeCount(2 + (next() % 200));
        const diffs: string[] = [];
        for (let t = 0; t < 3000 && diffs.length < 3; t++) {
          // between clock t and t+1: maybe reprogram (modes 2/3 only while counting: period change)
          if (t > 0 && next() % 500 === 0) writeCount(2 + (next() % 200));
          model.clock();
          r.at((t + 1) * 10);
          r.outb(0x43, 0xe8 | (mode === 3 ? 0x20 : 0)); // read-back channel 2: status (and count)
          const st = r.inb(0x42);
          const out = (st & 0x80) !== 0;
          if (out !== model.out) diffs.push(`clock ${t + 1}: OUT ${out} model ${model.out}`);
          if (mode !== 3) {
            const count = r.inb(0x42) | (r.inb(0x42) << 8);
            if (count !== model.ce) diffs.push(`clock ${t + 1}: count ${count} model ${model.ce}`);
          }
        }
        expect(diffs).toEqual([]);
      });
    }
  }
});
