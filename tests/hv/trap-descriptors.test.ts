// Shadow descriptor tables stay coherent with the guest's: a descriptor edited in place (no new
// LGDT) is what the next segment load uses, and loading a segment sets the guest's accessed bit.
import { describe, expect, it } from "vitest";
import { flatImage, le32, runVms } from "./trap-harness.js";

const CODE = 0x100030;
const GDT = 0x100100; // inside the image, after the code
const GDTR = GDT + 32;

// Writes 0x12345678 at 0x1000; LGDT a 4-entry GDT whose 0x18 is flat data at base 0; edits
// 0x18's base to 0x1000 in place; loads FS with 0x18; exits with 0 if FS:[0] reads the marker and
// entry 0x18 has its accessed bit, 1 otherwise.
function image(): Uint8Array {
  const code = [
    0xc7, 0x05, ...le32(0x1000), ...le32(0x12345678), //      mov dword [0x1000], 0x12345678
    0x0f, 0x01, 0x15, ...le32(GDTR), //                       lgdt [GDTR]
    0x66, 0xc7, 0x05, ...le32(GDT + 0x18 + 2), 0x00, 0x10, // mov word [GDT+0x1a], 0x1000 (base 15:0)
    0x66, 0xb8, 0x18, 0x00, //                                mov ax, 0x18
    0x8e, 0xe0, //                                            mov fs, ax
    0x64, 0xa1, ...le32(0), //                                mov eax, fs:[0]
    0x3d, ...le32(0x12345678), //                             cmp eax, 0x12345678
    0x0f, 0x95, 0xc0, //                                      setne al
    0xf6, 0x05, ...le32(GDT + 0x18 + 5), 0x01, //             test byte [GDT+0x1d], 1 (accessed)
    0x75, 0x02, //                                            jnz +2
    0xb0, 0x01, //                                            mov al, 1
    0xe6, 0xf4, //                                            out 0xF4, al
  ];
  const pad = new Array(GDT - CODE - code.length).fill(0x90);
  const flat = [0xff, 0xff, 0x00, 0x00, 0x00];
  const gdt = [
    ...new Array(8).fill(0),
    ...flat, 0x9a, 0xcf, 0x00, // 0x08 code
    ...flat, 0x92, 0xcf, 0x00, // 0x10 data
    ...flat, 0x92, 0xcf, 0x00, // 0x18 data, not accessed
  ];
  const gdtr = [0x1f, 0x00, ...le32(GDT)];
  return flatImage([...code, ...pad, ...gdt, ...gdtr]);
}

describe("shadow GDT coherence", () => {
  for (const mode of ["bare", "trap"] as const) {
    it(`${mode}: a descriptor edited in place is used by the next load, which sets its accessed bit`, async () => {
      const run = await runVms(image(), 1, mode, { guestRamBytes: 4 << 20 });
      expect(run.hv.vms[0].stopped?.reason).toBe("debug-exit");
      expect(run.hv.vms[0].stopped?.debugExit?.value).toBe(0);
      if (mode === "trap") {
        const s = run.hv.stats()[0];
        expect(s.shadow!.tableWrites).toBeGreaterThan(0);
        expect(s.trapExits["accessed bit"]).toBe(1);
      }
    });
  }
});
