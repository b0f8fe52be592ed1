// ISA test harness: drives the real wasm core (build/tabvisor.wasm) one instruction at a time
// through the state-block layout (assembly/layout.ts) and compares it with the native fixtures of
// tests/fixtures/isa/ (format: header of tests/fixtures/isa/gen.c).
//
// One case: the code area is filled with HLT, the instruction goes at the fixture's INSN address,
// the memory windows get the fill pattern plus the case's inputs, registers and EFLAGS are set,
// and the core runs until it halts. The exit EIP is the address of the HLT it stopped on (a
// branch lands on a HLT too). Exceptions are delivered through an IDT whose 32 gates point at
// one HLT each (HANDLERS + vector), so the vector, the frame and the registers at the fault can be
// compared with the native run, where the fault arrived as a signal.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, beforeAll } from "vitest";
import * as L from "../../assembly/layout.js";
import type { Core } from "../../src/core/core.js";
import { coreWasmPath, loadCoreNode } from "../../src/core/load-node.js";

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "isa");

// ---- fixture format ----
export interface FixtureCase {
  b?: string; //   instruction bytes when not the form's
  i: number[]; //  eax ecx edx ebx esp ebp esi edi eflags
  m?: [number, string][]; // memory written before the run
  o: (number | null)[]; //  eax..edi (null = unchanged), eflags & flagsMask, exit eip
  d?: [number, string][]; // bytes the instruction changed
  x?: number; //   exception vector
}
export interface FixtureForm {
  name: string;
  b: string;
  w: number; // window bits
  cases: FixtureCase[];
}
export interface Fixture {
  family: string;
  command: string;
  cpu: string;
  flagsMask: number;
  insn: number;
  fsBase: number;
  fsSel: number;
  esp0: number;
  windows: Record<string, [number, number, number]>;
  forms: FixtureForm[];
}

/** TABVISOR_ISA_FIXTURES runs the suite on another fixture directory (e.g. a fresh gen-isa run). */
export function loadFixture(family: string): Fixture {
  const dir = process.env.TABVISOR_ISA_FIXTURES || FIXTURE_DIR;
  return JSON.parse(readFileSync(join(dir, `${family}.json`), "utf8")) as Fixture;
}

// ---- machine layout beyond the fixture's windows (guest-physical; paging is off) ----
export const RAM_BYTES = 4 << 20;
export const CODE_LO = 0x201000;
export const CODE_HI = 0x203000;
export const GDT_BASE = 0x7000;
export const IDT_BASE = 0x7800;
export const HANDLERS = 0x206000; // HLT at HANDLERS + vector for vectors 0..31
const SEL_CODE = 0x08;
const SEL_DATA = 0x10;
const HLT = 0xf4;
// Hidden-part attributes (layout.ts SEG_ATTR: descriptor bits 40..55 >> 8)
export const ATTR_CODE32 = 0x0b | L.ATTR_S | L.ATTR_P | L.ATTR_DB | L.ATTR_G; // exec/read, accessed
export const ATTR_DATA32 = 0x03 | L.ATTR_S | L.ATTR_P | L.ATTR_DB | L.ATTR_G; // read/write, accessed
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);

export const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const FLAG_NAMES: [number, string][] = [
  [L.EFLAGS_CF, "CF"],
  [L.EFLAGS_PF, "PF"],
  [L.EFLAGS_AF, "AF"],
  [L.EFLAGS_ZF, "ZF"],
  [L.EFLAGS_SF, "SF"],
  [L.EFLAGS_DF, "DF"],
  [L.EFLAGS_OF, "OF"],
];

export const hex = (v: number, digits = 8): string => "0x" + (v >>> 0).toString(16).padStart(digits, "0");
export function flagNames(f: number): string {
  const s = FLAG_NAMES.filter(([m]) => f & m).map(([, n]) => n);
  return s.length ? s.join(" ") : "-";
}
export const pattern = (addr: number): number => Math.imul(addr, 0x9e3779b1) >>> 24;
const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** A GDT descriptor's two dwords (SDM Vol. 3A §3.4.5). attr as in SEG_ATTR (bits 40..55 >> 8). */
export function descriptor(base: number, limitBytes: number, attr: number): [number, number] {
  const g = (attr & L.ATTR_G) !== 0;
  const lim = g ? limitBytes >>> 12 : limitBytes;
  const lo = ((base & 0xffff) << 16) | (lim & 0xffff);
  const hi = (base & 0xff000000) | ((attr << 8) & 0x00f0ff00) | (lim & 0x000f0000) | ((base >>> 16) & 0xff);
  return [lo >>> 0, hi >>> 0];
}

/** Result of running one instruction (or a REP string to completion) on the core. */
export interface RunResult {
  regs: number[];
  eflags: number;
  eip: number; //      exit EIP (the HLT's address), or the faulting EIP for an exception
  vector?: number; //  exception vector when one was delivered
  errorCode?: number;
  exit: number; //     last EXIT_* reason
  steps: number; //    instructions retired, HLT included
}

/** The wasm core prepared as a bare i386 test machine. */
export class IsaMachine {
  private patterns = new Map<number, Uint8Array>();

  private constructor(readonly core: Core) {}

  static async create(): Promise<IsaMachine> {
    // TABVISOR_CORE_WASM selects another build of the core (e.g. one compiled from a given commit)
    const core = await loadCoreNode({ wasmPath: process.env.TABVISOR_CORE_WASM || undefined });
    const m = new IsaMachine(core);
    core.init(RAM_BYTES);
    return m;
  }

  get ram(): Uint8Array {
    return this.core.state.ram();
  }
  private u32(offset: number): number {
    return this.core.state.u32(offset);
  }
  private set(offset: number, v: number): void {
    this.core.state.setU32(offset, v);
  }

  /** Fill [addr, addr+len) with the fixture fill pattern. */
  fillPattern(addr: number, len: number): void {
    const key = addr * 0x100000000 + len;
    let p = this.patterns.get(key);
    if (!p) {
      p = new Uint8Array(len);
      for (let i = 0; i < len; i++) p[i] = pattern(addr + i);
      this.patterns.set(key, p);
    }
    this.ram.set(p, addr);
  }

  writeU32(addr: number, v: number): void {
    const r = this.ram;
    r[addr] = v;
    r[addr + 1] = v >>> 8;
    r[addr + 2] = v >>> 16;
    r[addr + 3] = v >>> 24;
  }
  readU32(addr: number): number {
    const r = this.ram;
    return (r[addr] | (r[addr + 1] << 8) | (r[addr + 2] << 16) | (r[addr + 3] << 24)) >>> 0;
  }

  /**
   * Power-on state plus the test platform: flat code/data, a GDT with the FS test segment, an IDT
   * whose gates end in HLTs, the code area full of HLT. `code` goes at `at`.
   */
  reset(opts: {
    code: Uint8Array;
    at: number;
    regs: number[];
    eflags: number;
    fsBase?: number;
    fsSel?: number;
    gdt?: [number, [number, number]][]; // extra descriptors: [selector, descriptor dwords]
  }): void {
    this.core.init(RAM_BYTES);
    const ram = this.ram;
    ram.fill(HLT, CODE_LO, CODE_HI);
    ram.set(opts.code, opts.at);
    ram.fill(HLT, HANDLERS, HANDLERS + 32);
    // GDT: null, flat code (0x08) and data (0x10), Linux-like user code/data (0x20/0x28), the FS
    // segment at its selector's index, then the caller's extra descriptors
    ram.fill(0, GDT_BASE, GDT_BASE + 0x100);
    const put = (sel: number, d: [number, number]) => {
      this.writeU32(GDT_BASE + (sel & ~7), d[0]);
      this.writeU32(GDT_BASE + (sel & ~7) + 4, d[1]);
    };
    put(SEL_CODE, descriptor(0, 0xffffffff, ATTR_CODE32));
    put(SEL_DATA, descriptor(0, 0xffffffff, ATTR_DATA32));
    // Linux's 32-bit user code and data (0x23, 0x2B): the fixtures' LAR/LSL/VERR/VERW cases see them
    put(0x20, descriptor(0, 0xffffffff, ATTR_CODE32 | (3 << L.ATTR_DPL_SHIFT)));
    put(0x28, descriptor(0, 0xffffffff, ATTR_DATA32 | (3 << L.ATTR_DPL_SHIFT)));
    const fsSel = opts.fsSel ?? 0;
    // the generator's FS segment comes from set_thread_area with "useable" set: AVL=1
    const fsAttr = ATTR_DATA32 | (3 << L.ATTR_DPL_SHIFT) | L.ATTR_AVL;
    if (fsSel) put(fsSel, descriptor(opts.fsBase ?? 0, 0xffffffff, fsAttr));
    for (const [sel, d] of opts.gdt ?? []) put(sel, d);
    // IDT: 32-bit interrupt gates (type 0xE, P, DPL 0) to HANDLERS + v (SDM Vol. 3A §6.11)
    for (let v = 0; v < 32; v++) {
      const off = HANDLERS + v;
      this.writeU32(IDT_BASE + v * 8, (SEL_CODE << 16) | (off & 0xffff));
      this.writeU32(IDT_BASE + v * 8 + 4, (off & 0xffff0000) | 0x8e00);
    }
    this.set(L.STATE_GDTR_BASE, GDT_BASE);
    this.set(L.STATE_GDTR_LIMIT, 0xff);
    this.set(L.STATE_IDTR_BASE, IDT_BASE);
    this.set(L.STATE_IDTR_LIMIT, 32 * 8 - 1);
    if (fsSel) {
      const at = L.STATE_SEGS + L.SEG_FS * L.SEG_RECORD;
      this.set(at + L.SEG_SEL, fsSel);
      this.set(at + L.SEG_BASE, opts.fsBase ?? 0);
      this.set(at + L.SEG_LIMIT, 0xffffffff);
      this.set(at + L.SEG_ATTR, fsAttr);
    }
    for (let r = 0; r < 8; r++) this.set(L.STATE_REGS + 4 * r, opts.regs[r]);
    this.set(L.STATE_EFLAGS, opts.eflags);
    this.set(L.STATE_EIP, opts.at);
  }

  /** Call after writing the state block (docs/core-api.md: sync()). */
  sync(): void {
    this.core.sync();
  }

  /** Run until HLT (or `maxSteps` instructions); decode an exception from the handler HLT. */
  runToHalt(maxSteps = 100_000): RunResult {
    let steps = 0;
    let exit: number = L.EXIT_BUDGET;
    const before = this.core.state.insnCount;
    while (steps < maxSteps) {
      exit = this.core.run(Math.min(10_000, maxSteps - steps));
      steps = Number(this.core.state.insnCount - before);
      if (exit !== L.EXIT_BUDGET) break;
    }
    const regs = Array.from({ length: 8 }, (_, r) => this.u32(L.STATE_REGS + 4 * r));
    const eflags = this.u32(L.STATE_EFLAGS);
    const res: RunResult = { regs, eflags, eip: (this.u32(L.STATE_EIP) - 1) >>> 0, exit, steps };
    if (exit === L.EXIT_HLT && res.eip >= HANDLERS && res.eip < HANDLERS + 32) {
      const v = res.eip - HANDLERS;
      let sp = regs[L.REG_ESP];
      res.vector = v;
      if (ERROR_CODE_VECTORS.has(v)) {
        res.errorCode = this.readU32(sp);
        sp += 4;
      }
      // the frame: EIP, CS, EFLAGS (same privilege level, no stack switch)
      res.eip = this.readU32(sp);
      res.eflags = this.readU32(sp + 8);
      regs[L.REG_ESP] = (sp + 12) >>> 0;
    }
    return res;
  }
}

export function windowList(fx: Fixture, bits: number): [number, number][] {
  return Object.values(fx.windows)
    .filter(([, , bit]) => bits & bit)
    .map(([a, len]) => [a, len]);
}

/** Byte runs in `now` that differ from `before` ([addr, hex] like the fixtures' "d"). */
export function diffRuns(base: number, before: Uint8Array, now: Uint8Array): [number, string][] {
  const out: [number, string][] = [];
  for (let i = 0; i < now.length; ) {
    if (now[i] === before[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < now.length && now[j] !== before[j]) j++;
    out.push([base + i, toHex(now.subarray(i, j))]);
    i = j;
  }
  return out;
}

/** Run one fixture case on the machine; returns a description of every difference (empty: pass). */
export function runCase(m: IsaMachine, fx: Fixture, form: FixtureForm, c: FixtureCase): string[] {
  const code = fromHex(c.b ?? form.b);
  m.reset({ code, at: fx.insn, regs: c.i, eflags: c.i[8], fsBase: fx.fsBase, fsSel: fx.fsSel });
  const wins = windowList(fx, form.w | 3);
  for (const [a, len] of windowList(fx, 0xff)) m.fillPattern(a, len);
  const ram = m.ram;
  for (const [a, h] of c.m ?? []) ram.set(fromHex(h), a);
  const before = wins.map(([a, len]) => ram.slice(a, a + len));
  m.sync();
  const r = m.runToHalt();
  const diffs: string[] = [];
  const exp = c.o;
  if (r.exit !== L.EXIT_HLT) diffs.push(`run ended with exit ${L.EXIT_NAMES[r.exit] ?? r.exit} after ${r.steps} steps`);
  if (c.x !== undefined || r.vector !== undefined) {
    if (c.x !== r.vector) diffs.push(`exception: expected ${c.x === undefined ? "none" : "#" + c.x}, got ${r.vector === undefined ? "none" : "#" + r.vector}`);
  }
  for (let k = 0; k < 8; k++) {
    const want = exp[k] ?? c.i[k];
    if (r.regs[k] !== want) diffs.push(`${REG_NAMES[k]}: expected ${hex(want)}, got ${hex(r.regs[k])}`);
  }
  const fl = r.eflags & fx.flagsMask;
  if (fl !== exp[8]) diffs.push(`flags: expected ${flagNames(exp[8]!)}, got ${flagNames(fl)} (differ: ${flagNames(fl ^ exp[8]!)})`);
  if (r.eip !== exp[9]) diffs.push(`eip: expected ${hex(exp[9]!)}, got ${hex(r.eip)}`);
  if (c.x === undefined && r.vector === undefined) {
    const now = ram;
    const got = wins.flatMap(([a, len], k) => diffRuns(a, before[k], now.subarray(a, a + len)));
    const want = c.d ?? [];
    if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`memory changes: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  return diffs;
}

export function describeCase(fx: Fixture, form: FixtureForm, c: FixtureCase): string {
  const regs = c.i.slice(0, 8).map((v, k) => `${REG_NAMES[k]}=${hex(v)}`).join(" ");
  const mem = c.m?.length ? ` mem ${c.m.map(([a, h]) => `${hex(a)}:${h}`).join(" ")}` : "";
  return `bytes ${c.b ?? form.b} | ${regs} flags=${flagNames(c.i[8])}${mem}`;
}

export const coreBuilt = (): boolean => existsSync(process.env.TABVISOR_CORE_WASM || coreWasmPath());

/**
 * The vitest suite of one fixture family: one test per instruction form; a failing test lists the
 * first mismatching cases precisely (bytes, inputs, expected vs got).
 */
export function describeFamily(family: string, extra?: (machine: () => IsaMachine) => void): void {
  const fx = loadFixture(family);
  const built = coreBuilt();
  if (!built) console.warn(`tests/core/${family}: ${coreWasmPath()} is missing; run npm run build:core`);
  describe.skipIf(!built)(`${family} (native fixtures from: ${fx.cpu})`, () => {
    let machine: IsaMachine;
    beforeAll(async () => {
      machine = await IsaMachine.create();
    });
    for (const form of fx.forms) {
      it(`${form.name} matches the native CPU on ${form.cases.length} cases`, () => {
        const failures: string[] = [];
        let failed = 0;
        for (const c of form.cases) {
          const d = runCase(machine, fx, form, c);
          if (d.length) {
            failed++;
            if (failures.length < 8) failures.push(`${describeCase(fx, form, c)}\n      ${d.join("\n      ")}`);
          }
        }
        expect(failures, `${failed} of ${form.cases.length} cases differ`).toEqual([]);
      });
    }
    extra?.(() => machine);
  });
}

/** Run hand-assembled bytes at the fixture INSN address with optional CR0/CR4/TSC settings. */
export function runBytes(
  m: IsaMachine,
  bytes: number[],
  opts: {
    regs?: number[];
    eflags?: number;
    cr0Set?: number;
    cr0Clear?: number;
    cr4?: number;
    tscOffset?: bigint;
    gdt?: [number, [number, number]][];
  } = {},
): RunResult {
  const at = 0x202000;
  const regs = opts.regs ?? [0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x205800, 0x66666666, 0x77777777, 0x88888888];
  m.reset({ code: Uint8Array.from(bytes), at, regs, eflags: opts.eflags ?? 0x202, gdt: opts.gdt });
  const st = m.core.state;
  if (opts.cr0Set || opts.cr0Clear) st.setU32(L.STATE_CR0, (st.cr0 | (opts.cr0Set ?? 0)) & ~(opts.cr0Clear ?? 0));
  if (opts.cr4 !== undefined) st.setU32(L.STATE_CR4, opts.cr4);
  if (opts.tscOffset !== undefined) st.tscOffset = opts.tscOffset;
  m.sync();
  return m.runToHalt();
}
