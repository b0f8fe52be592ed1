// VGA text mode 3 (80×25, 16 colours) and its rendering to an ANSI terminal. The character
// buffer at guest-physical 0xB8000 is ordinary guest RAM (the core does not trap it); this module
// owns the register ports a kernel touches — CRTC index/data at 0x3D4/0x3D5 (and the monochrome
// alias 0x3B4/0x3B5), input status 1 at 0x3DA/0x3BA, and the attribute controller, miscellaneous
// output, sequencer, DAC and graphics controller ports 0x3C0–0x3CF, which store what is written
// and read it back but change nothing — and turns the buffer into escape sequences.
//
// Rendering (IBM VGA Technical Reference, text mode): cell i of the screen is the character/
// attribute word at 0xB8000 + 2·((start address + i) mod 16 Ki); attribute bits 3:0 foreground,
// 6:4 background, bit 7 blink when attribute-controller mode bit 3 is set (power-on; blink is not
// shown) or bright background when clear. The attribute palette and the DAC are not applied: the
// 16 CGA colours map to SGR 30–37/90–97 and 40–47/100–107. Characters are code page 437, mapped
// to Unicode (0x00 → space). The cursor is at CRTC 0x0E:0x0F minus the start address, hidden when
// cursor-start bit 5 is set or start > end. Input status bits 0 and 3 toggle on every read, so
// retrace-wait loops always finish.
import type { IoBus, PortDevice, IoSize } from "./io-bus.js";
import { restoreFields, saveFields, type DeviceState } from "./device-state.js";

const VGA_STATE = [
  "crtc", "crtcIndex", "ac", "acIndex", "acIsData", "misc", "seq", "seqIndex", "gc", "gcIndex", "dac", "dacRead",
  "dacWrite", "retrace",
] as const;

export const VGA_TEXT_BASE = 0xb8000;
export const VGA_COLS = 80;
export const VGA_ROWS = 25;
export const VGA_CRTC_INDEX = 0x3d4;
export const VGA_CRTC_DATA = 0x3d5;
export const VGA_CRTC_INDEX_MONO = 0x3b4;
export const VGA_INPUT_STATUS_1 = 0x3da;
export const VGA_INPUT_STATUS_1_MONO = 0x3ba;
export const VGA_AC_INDEX = 0x3c0;
export const VGA_AC_READ = 0x3c1;
export const VGA_MISC_WRITE = 0x3c2;
export const VGA_SEQ_INDEX = 0x3c4;
export const VGA_DAC_READ_INDEX = 0x3c7;
export const VGA_DAC_WRITE_INDEX = 0x3c8;
export const VGA_DAC_DATA = 0x3c9;
export const VGA_MISC_READ = 0x3cc;
export const VGA_GC_INDEX = 0x3ce;

// CRTC registers
export const CRTC_CURSOR_START = 0x0a;
export const CRTC_CURSOR_END = 0x0b;
export const CRTC_START_ADDR_HIGH = 0x0c;
export const CRTC_START_ADDR_LOW = 0x0d;
export const CRTC_CURSOR_LOC_HIGH = 0x0e;
export const CRTC_CURSOR_LOC_LOW = 0x0f;
export const CRTC_VSYNC_END = 0x11; // bit 7: protect registers 0–7
export const CRTC_CURSOR_DISABLE = 0x20;
export const AC_MODE_CONTROL = 0x10;
export const AC_MODE_BLINK = 0x08;
export const INPUT_STATUS_DD = 0x01; // display disabled (horizontal or vertical blanking)
export const INPUT_STATUS_VRETRACE = 0x08;

/** Standard mode 3 CRTC registers 0x00–0x18 (IBM VGA Technical Reference, mode 3 register table). */
const CRTC_MODE3 = [
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28,
  0x1f, 0x96, 0xb9, 0xa3, 0xff,
];
const AC_MODE3 = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08,
  0x00,
];
const SEQ_MODE3 = [0x03, 0x00, 0x03, 0x00, 0x02];
const GC_MODE3 = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff];

/** Code page 437 → Unicode, index = byte. 0x00 is shown as a space. */
export const CP437 = Array.from(
  " ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼" +
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂" +
    "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0",
);
/** CGA colour number (0 black, 1 blue, 2 green, 3 cyan, 4 red, 5 magenta, 6 brown, 7 grey) → ANSI colour number. */
const CGA_TO_ANSI = [0, 4, 2, 6, 1, 5, 3, 7];

export interface CursorState {
  row: number;
  col: number;
  visible: boolean;
}

export interface RenderOptions {
  /** Redraw every cell (default: only cells changed since the previous render; the first render is full). */
  full?: boolean;
}

/** The SGR parameters for an attribute byte. */
export function sgrFor(attr: number, blinkEnabled: boolean): string {
  const fg = attr & 0x0f;
  const bg = (attr >> 4) & (blinkEnabled ? 0x07 : 0x0f);
  const f = fg < 8 ? 30 + CGA_TO_ANSI[fg] : 90 + CGA_TO_ANSI[fg - 8];
  const b = bg < 8 ? 40 + CGA_TO_ANSI[bg] : 100 + CGA_TO_ANSI[bg - 8];
  return `\x1b[${f};${b}m`;
}

export class VgaText implements PortDevice {
  readonly name = "vga";
  readonly crtc = Uint8Array.from(CRTC_MODE3);
  crtcIndex = 0;
  readonly ac = Uint8Array.from(AC_MODE3);
  acIndex = 0;
  private acIsData = false;
  misc = 0x67;
  readonly seq = Uint8Array.from(SEQ_MODE3);
  seqIndex = 0;
  readonly gc = Uint8Array.from(GC_MODE3);
  gcIndex = 0;
  private readonly dac = new Uint8Array(256 * 3);
  private dacRead = 0;
  private dacWrite = 0;
  private retrace = false;
  /** Cells as last rendered (char | attr << 8), or null before the first render. */
  private shown: Uint16Array | null = null;
  private shownCursor: CursorState | null = null;

  register(bus: IoBus): void {
    bus.register(VGA_CRTC_INDEX_MONO, 2, this);
    bus.register(VGA_INPUT_STATUS_1_MONO, 1, this);
    bus.register(VGA_AC_INDEX, 16, this);
    bus.register(VGA_CRTC_INDEX, 2, this);
    bus.register(VGA_INPUT_STATUS_1, 1, this);
  }

  read(port: number, _size: IoSize): number {
    switch (port) {
      case VGA_CRTC_INDEX:
      case VGA_CRTC_INDEX_MONO:
        return this.crtcIndex;
      case VGA_CRTC_DATA:
      case VGA_CRTC_INDEX_MONO + 1:
        return this.crtcIndex < this.crtc.length ? this.crtc[this.crtcIndex] : 0xff;
      case VGA_INPUT_STATUS_1:
      case VGA_INPUT_STATUS_1_MONO:
        this.acIsData = false;
        this.retrace = !this.retrace;
        return this.retrace ? INPUT_STATUS_DD | INPUT_STATUS_VRETRACE : 0;
      case VGA_AC_INDEX:
        return this.acIndex;
      case VGA_AC_READ:
        return this.ac[this.acIndex & 0x1f] ?? 0;
      case VGA_MISC_READ:
        return this.misc;
      case VGA_SEQ_INDEX:
        return this.seqIndex;
      case VGA_SEQ_INDEX + 1:
        return this.seq[this.seqIndex] ?? 0xff;
      case VGA_GC_INDEX:
        return this.gcIndex;
      case VGA_GC_INDEX + 1:
        return this.gc[this.gcIndex] ?? 0xff;
      case VGA_DAC_DATA:
        return this.dac[this.dacRead++ % this.dac.length];
      case VGA_DAC_WRITE_INDEX:
        return Math.floor(this.dacWrite / 3);
    }
    return 0xff;
  }

  write(port: number, _size: IoSize, value: number): void {
    value &= 0xff;
    switch (port) {
      case VGA_CRTC_INDEX:
      case VGA_CRTC_INDEX_MONO:
        this.crtcIndex = value;
        return;
      case VGA_CRTC_DATA:
      case VGA_CRTC_INDEX_MONO + 1:
        if (this.crtcIndex >= this.crtc.length) return;
        if (this.crtcIndex < 8 && this.crtc[CRTC_VSYNC_END] & 0x80) return; // write-protected
        this.crtc[this.crtcIndex] = value;
        return;
      case VGA_AC_INDEX:
        if (this.acIsData) {
          if ((this.acIndex & 0x1f) < this.ac.length) this.ac[this.acIndex & 0x1f] = value;
        } else {
          this.acIndex = value & 0x3f;
        }
        this.acIsData = !this.acIsData;
        return;
      case VGA_MISC_WRITE:
        this.misc = value;
        return;
      case VGA_SEQ_INDEX:
        this.seqIndex = value;
        return;
      case VGA_SEQ_INDEX + 1:
        if (this.seqIndex < this.seq.length) this.seq[this.seqIndex] = value;
        return;
      case VGA_GC_INDEX:
        this.gcIndex = value;
        return;
      case VGA_GC_INDEX + 1:
        if (this.gcIndex < this.gc.length) this.gc[this.gcIndex] = value;
        return;
      case VGA_DAC_READ_INDEX:
        this.dacRead = value * 3;
        return;
      case VGA_DAC_WRITE_INDEX:
        this.dacWrite = value * 3;
        return;
      case VGA_DAC_DATA:
        this.dac[this.dacWrite++ % this.dac.length] = value & 0x3f;
        return;
    }
  }

  saveState(): DeviceState {
    return saveFields(this, VGA_STATE);
  }

  /** Restore the registers (the screen itself is guest RAM); the next render is a full redraw. */
  restoreState(s: DeviceState): void {
    restoreFields(this, VGA_STATE, s, "VGA");
    this.invalidate();
  }

  get startAddress(): number {
    return (this.crtc[CRTC_START_ADDR_HIGH] << 8) | this.crtc[CRTC_START_ADDR_LOW];
  }

  cursor(): CursorState {
    const loc = ((this.crtc[CRTC_CURSOR_LOC_HIGH] << 8) | this.crtc[CRTC_CURSOR_LOC_LOW]) - this.startAddress;
    const start = this.crtc[CRTC_CURSOR_START];
    const end = this.crtc[CRTC_CURSOR_END] & 0x1f;
    const onScreen = loc >= 0 && loc < VGA_COLS * VGA_ROWS;
    return {
      row: onScreen ? Math.floor(loc / VGA_COLS) : 0,
      col: onScreen ? loc % VGA_COLS : 0,
      visible: onScreen && !(start & CRTC_CURSOR_DISABLE) && (start & 0x1f) <= end,
    };
  }

  /** The 2000 cells (char | attr << 8) as the display shows them, read from guest RAM. */
  cells(mem: Uint8Array): Uint16Array {
    const cells = new Uint16Array(VGA_COLS * VGA_ROWS);
    const start = this.startAddress;
    for (let i = 0; i < cells.length; i++) {
      const a = VGA_TEXT_BASE + (((start + i) * 2) & 0x7fff);
      cells[i] = a + 1 < mem.length ? mem[a] | (mem[a + 1] << 8) : 0;
    }
    return cells;
  }

  /** The screen as 25 lines of Unicode text (trailing spaces kept), for tests and transcripts. */
  text(mem: Uint8Array): string[] {
    const cells = this.cells(mem);
    const lines: string[] = [];
    for (let r = 0; r < VGA_ROWS; r++) {
      let s = "";
      for (let c = 0; c < VGA_COLS; c++) s += CP437[cells[r * VGA_COLS + c] & 0xff];
      lines.push(s);
    }
    return lines;
  }

  /** Forget what was shown: the next render is a full redraw. */
  invalidate(): void {
    this.shown = null;
    this.shownCursor = null;
  }

  /**
   * ANSI output that brings a terminal showing the previous render up to date (or draws the whole
   * screen: `full`, or the first call). Returns "" when nothing changed. The output hides the
   * cursor while drawing, ends with SGR 0, and leaves the terminal cursor at the VGA cursor.
   */
  render(mem: Uint8Array, opts: RenderOptions = {}): string {
    const cells = this.cells(mem);
    const cursor = this.cursor();
    const full = opts.full || this.shown === null;
    const prev = this.shown;
    const blink = (this.ac[AC_MODE_CONTROL] & AC_MODE_BLINK) !== 0;
    let body = "";
    let attr = -1;
    for (let r = 0; r < VGA_ROWS; r++) {
      let first = 0;
      let last = VGA_COLS - 1;
      if (!full) {
        const row = r * VGA_COLS;
        while (first < VGA_COLS && cells[row + first] === prev![row + first]) first++;
        if (first === VGA_COLS) continue;
        while (cells[row + last] === prev![row + last]) last--;
      }
      body += `\x1b[${r + 1};${first + 1}H`;
      for (let c = first; c <= last; c++) {
        const cell = cells[r * VGA_COLS + c];
        const a = cell >> 8;
        if (a !== attr) {
          body += sgrFor(a, blink);
          attr = a;
        }
        body += CP437[cell & 0xff];
      }
    }
    const was = this.shownCursor;
    const cursorMoved = !was || was.row !== cursor.row || was.col !== cursor.col || was.visible !== cursor.visible;
    this.shown = cells;
    this.shownCursor = cursor;
    if (body === "" && !cursorMoved && !full) return "";
    return (
      "\x1b[?25l" +
      body +
      (body ? "\x1b[0m" : "") +
      `\x1b[${cursor.row + 1};${cursor.col + 1}H` +
      (cursor.visible ? "\x1b[?25h" : "")
    );
  }
}
