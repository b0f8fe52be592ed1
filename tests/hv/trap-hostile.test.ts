// Isolation: a hostile guest that scribbles over all of its memory (and far beyond its RAM) and
// pokes every I/O port must not disturb the VMs next to it, on bare VMs and deprivileged ones.
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/layout.js";
import { loadCoreNode } from "../../src/core/load-node.js";
import { Hypervisor, type VmMode } from "../../src/hv/hypervisor.js";
import { image, MiB } from "./trap-harness.js";
import { HV_AREA_BYTES, HV_POOL, HV_SHADOW_GDT } from "../../src/hv/shadow-paging.js";
import { STRING_IO_CHUNK } from "../../src/hv/emulate/privileged.js";

const PATTERN = 0xdeadbeef;
const le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];

/** A flat Multiboot image (a.out kludge, header flag 16) loaded and entered at 1 MiB + 48. */
function flatImage(code: number[]): Uint8Array {
  const base = 0x100000;
  const flags = 0x00010003;
  const magic = 0x1badb002;
  const total = 48 + code.length;
  const h = [magic, flags, (-(magic + flags)) >>> 0, base, base, base + total, base + total, base + 48];
  return Uint8Array.from([...h.flatMap(le), ...new Array(16).fill(0), ...code]);
}

// rep stosd PATTERN over [0, 1 MiB) and [1 MiB + 4 KiB, 64 MiB) (the guest has 32 MiB), then IN
// and OUT 0 on every port but isa-debug-exit's, then write 0 to port 0xF4.
const HOSTILE = flatImage([
  0xfc, //                                  cld
  0xb8, ...le(PATTERN), //                  mov eax, PATTERN
  0xbf, ...le(0), //                        mov edi, 0
  0xb9, ...le(0x100000 / 4), //             mov ecx, 1 MiB / 4
  0xf3, 0xab, //                            rep stosd
  0xbf, ...le(0x101000), //                 mov edi, 0x101000
  0xb9, ...le((0x4000000 - 0x101000) / 4), // mov ecx, (64 MiB - 0x101000) / 4
  0xf3, 0xab, //                            rep stosd
  0x31, 0xd2, //                            xor edx, edx
  0x81, 0xfa, ...le(0xf4), //         L:    cmp edx, 0xF4
  0x72, 0x08, //                            jb doit
  0x81, 0xfa, ...le(0xf7), //               cmp edx, 0xF7
  0x76, 0x04, //                            jbe skip
  0xec, //                            doit: in al, dx
  0xb0, 0x00, //                            mov al, 0
  0xee, //                                  out dx, al
  0x42, //                            skip: inc edx
  0x81, 0xfa, ...le(0x10000), //            cmp edx, 0x10000
  0x72, 0xe3, //                            jb L
  0xb0, 0x00, 0xe6, 0xf4, //                mov al, 0; out 0xF4, al
]);

/** Runs of four PATTERN dwords in VM k's region. */
function patternRuns(hv: Hypervisor, k: number): number {
  const words = new Uint32Array(hv.core.exports.memory.buffer, L.RAM_AREA_BASE + k * hv.slotBytes, hv.slotBytes / 4);
  let runs = 0;
  for (let i = 0; i + 3 < words.length; i += 4) if (words[i] === PATTERN && words[i + 1] === PATTERN && words[i + 2] === PATTERN && words[i + 3] === PATTERN) runs++;
  return runs;
}

async function hostileBetweenTicks(mode: VmMode) {
  const core = await loadCoreNode();
  const out: number[][] = [[], [], []];
  const hv = new Hypervisor({
    core,
    count: 3,
    mode,
    guestRamBytes: 32 * MiB,
    quantum: 200_000,
    maxInstructions: 100_000_000,
    onOutput: (k, src, b) => {
      if (src === "com1") out[k].push(b);
    },
  });
  const tick = image("guests/images/tick.elf");
  hv.switchTo(hv.vms[0]);
  hv.vms[0].machine.boot(tick, { kernelName: "tick", modules: [] });
  hv.switchTo(hv.vms[1]);
  hv.vms[1].machine.boot(HOSTILE, { kernelName: "hostile", modules: [] });
  hv.switchTo(hv.vms[2]);
  hv.vms[2].machine.boot(tick, { kernelName: "tick", modules: [] });
  hv.runToEnd();
  return { hv, text: out.map((b) => Buffer.from(b).toString("latin1")) };
}

describe("a hostile guest between two tick VMs", () => {
  for (const mode of ["bare", "trap"] as const) {
    it(`${mode}: the neighbours print their checksum and hold none of the hostile writes`, async () => {
      const { hv, text } = await hostileBetweenTicks(mode);
      expect(hv.vms[1].stopped?.reason).toBe("debug-exit"); // it got through every port
      for (const k of [0, 2]) {
        expect(text[k], `vm${k}`).toContain("tick: ok 0db08769");
        expect(hv.vms[k].stopped?.debugExit?.value, `vm${k}`).toBe(0);
        expect(patternRuns(hv, k), `vm${k}`).toBe(0);
      }
      expect(patternRuns(hv, 1)).toBeGreaterThan(1_000_000 / 16); // its own RAM is scribbled
      if (mode === "trap") {
        const s = hv.stats()[1];
        expect(s.trapExits.io).toBeGreaterThanOrEqual(2 * (0x10000 - 4)); // every IN and OUT trapped
        // the hypervisor's page tables above the guest's RAM hold none of it (the shadow GDT/LDT
        // in between mirror the guest's own descriptors, scribbled ones included, by design)
        const area = L.RAM_AREA_BASE + hv.slotBytes + 32 * MiB;
        const tables = (from: number, to: number) => new Uint32Array(hv.core.exports.memory.buffer, area + from, (to - from) / 4);
        expect(tables(0, HV_SHADOW_GDT).includes(PATTERN)).toBe(false);
        expect(tables(HV_POOL, HV_AREA_BYTES).includes(PATTERN)).toBe(false);
      }
    });
  }
});

describe("a long REP INSB", () => {
  // rep insb of 10000 bytes from unmapped port 0x80 (reads 0xFF) to 0x200000; exit 0 if ECX is 0,
  // EDI is past the buffer and its last byte is 0xFF, else 1.
  const code = [
    0xfc, 0xbf, ...le(0x200000), 0xb9, ...le(10000), 0xba, ...le(0x80), 0xf3, 0x6c,
    0x83, 0xf9, 0x00, 0x75, 0x15,
    0x81, 0xff, ...le(0x200000 + 10000), 0x75, 0x0d,
    0x80, 0x3d, ...le(0x200000 + 9999), 0xff, 0x75, 0x04,
    0xb0, 0x00, 0xe6, 0xf4,
    0xb0, 0x01, 0xe6, 0xf4,
  ];
  for (const mode of ["bare", "trap"] as const) {
    it(`${mode}: completes; trap mode emulates it in chunks, so one exit never holds the host long`, async () => {
      const core = await loadCoreNode();
      const hv = new Hypervisor({ core, count: 1, mode, guestRamBytes: 4 * MiB, maxInstructions: 1_000_000 });
      hv.boot(flatImage(code), { kernelName: "insb", modules: [] });
      hv.runToEnd();
      expect(hv.vms[0].stopped?.debugExit?.value).toBe(0);
      if (mode === "trap") expect(hv.stats()[0].trapExits.io).toBe(Math.ceil(10000 / STRING_IO_CHUNK) + 1); // + the exit write
    });
  }
});
