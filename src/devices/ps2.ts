// The 8042 keyboard controller (data port 0x60, status/command port 0x64) with a PS/2 keyboard
// on its first port, interrupting on IRQ1. Behaviour follows the IBM PS/2 Technical Reference
// (keyboard/auxiliary device controller, keyboard commands). There is no mouse: the auxiliary
// port accepts its commands, but nothing answers a byte sent to it (0xD4).
//
// Model: the controller holds one output byte (status OBF). Controller replies are delivered
// before keyboard bytes; keyboard command replies before key scancodes. A byte enters the output
// buffer as soon as it is free, so reading 0x60 may refill it at once (and raise IRQ1 again).
// IRQ1 is high while OBF is set with a keyboard byte and command-byte INT is set (IRQ12 likewise
// for 0xD3 auxiliary bytes and INT2). With command-byte XLAT set (power-on) keys are delivered in
// scancode set 1 whatever set the keyboard is in; with XLAT clear, in the keyboard's set (1 or 2;
// a request for set 3 is acknowledged and answered as set 2). Keys typed while scanning is off
// (after 0xF5) are dropped; while the controller disables the keyboard (0xAD) they wait. The host
// queue holds up to KEYBOARD_QUEUE_MAX bytes, beyond which input is dropped.
import type { IoBus, PortDevice, IoSize } from "./io-bus.js";
import { strokeScancodes, terminalToStrokes, type KeyStroke, type ScancodeSet } from "./keymap.js";
import { restoreFields, saveFields, type DeviceState } from "./device-state.js";

const KEYBOARD_STATE = ["replies", "keys", "scanning", "set", "leds", "argFor", "lastSent", "dropped"] as const;
const KBC_STATE = [
  "ram", "out", "outAux", "lastOut", "pendingReplies", "awaiting", "lastWasCommand", "systemFlag", "a20", "irq1", "irq12",
] as const;

export const KBC_DATA = 0x60;
export const KBC_STATUS = 0x64;
export const KBC_COMMAND = 0x64;
export const KBD_IRQ = 1;
export const AUX_IRQ = 12;
export const KEYBOARD_QUEUE_MAX = 4096;

// Status register
export const KBC_STAT_OBF = 0x01;
export const KBC_STAT_IBF = 0x02;
export const KBC_STAT_SYS = 0x04;
export const KBC_STAT_A2 = 0x08; // last write was to the command port
export const KBC_STAT_INH = 0x10; // 1 = keyboard not inhibited
export const KBC_STAT_AUXB = 0x20; // output buffer holds auxiliary-device data
// Command byte (controller RAM 0)
export const KBC_CMD_INT = 0x01;
export const KBC_CMD_INT2 = 0x02;
export const KBC_CMD_SYS = 0x04;
export const KBC_CMD_DISABLE_KBD = 0x10;
export const KBC_CMD_DISABLE_AUX = 0x20;
export const KBC_CMD_XLAT = 0x40;
/** Power-on command byte as SeaBIOS leaves it (measured on QEMU 7.2): XLAT | auxiliary disabled | INT. */
export const KBC_POWERON_CMD = 0x61;

// Controller commands (port 0x64)
export const KBC_READ_RAM = 0x20; // 0x20–0x3F
export const KBC_WRITE_RAM = 0x60; // 0x60–0x7F
export const KBC_DISABLE_AUX = 0xa7;
export const KBC_ENABLE_AUX = 0xa8;
export const KBC_TEST_AUX = 0xa9;
export const KBC_SELF_TEST = 0xaa;
export const KBC_TEST_KBD = 0xab;
export const KBC_DISABLE_KBD = 0xad;
export const KBC_ENABLE_KBD = 0xae;
export const KBC_READ_INPUT = 0xc0;
export const KBC_READ_OUTPUT = 0xd0;
export const KBC_WRITE_OUTPUT = 0xd1;
export const KBC_WRITE_KBD_BUFFER = 0xd2;
export const KBC_WRITE_AUX_BUFFER = 0xd3;
export const KBC_WRITE_AUX = 0xd4;
export const KBC_READ_TEST = 0xe0;
export const KBC_PULSE = 0xf0; // 0xF0–0xFF: pulse output port bits 3:0 low where the command bit is 0
export const KBC_SELF_TEST_OK = 0x55;
// Output port bits
export const KBC_OUT_RESET_N = 0x01;
export const KBC_OUT_A20 = 0x02;

// Keyboard commands and replies
export const KBD_SET_LEDS = 0xed;
export const KBD_ECHO = 0xee;
export const KBD_SCANCODE_SET = 0xf0;
export const KBD_IDENTIFY = 0xf2;
export const KBD_TYPEMATIC = 0xf3;
export const KBD_ENABLE = 0xf4;
export const KBD_DISABLE = 0xf5;
export const KBD_DEFAULTS = 0xf6;
export const KBD_RESEND = 0xfe;
export const KBD_RESET = 0xff;
export const KBD_ACK = 0xfa;
export const KBD_BAT_OK = 0xaa;
export const KBD_RESEND_REPLY = 0xfe;
export const KBD_ID = [0xab, 0x83];
/** What the controller's set-2 → set-1 translation makes of the keyboard's non-key replies below 0x80 or 0x83. */
const XLAT_REPLY: Record<number, number> = { 0x01: 0x43, 0x02: 0x41, 0x03: 0x3f, 0x83: 0x41 };

/** The PS/2 keyboard (MF II), as seen through its controller port. */
export class Ps2Keyboard {
  /** Replies to commands, delivered before key bytes. */
  readonly replies: number[] = [];
  /** Scancode bytes of typed keys. */
  readonly keys: number[] = [];
  scanning = true;
  set: 1 | 2 | 3 = 2;
  leds = 0;
  private argFor: number | null = null;
  private lastSent = KBD_ACK;
  /** Bytes dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly translating: () => boolean,
    private readonly changed: () => void,
  ) {}

  private reply(...bytes: number[]): void {
    for (const b of bytes) this.replies.push(this.translating() && XLAT_REPLY[b] !== undefined ? XLAT_REPLY[b] : b);
    this.changed();
  }

  saveState(): DeviceState {
    return saveFields(this, KEYBOARD_STATE);
  }

  restoreState(s: DeviceState): void {
    restoreFields(this, KEYBOARD_STATE, s, "keyboard");
  }

  /** Next byte the keyboard sends, or null. */
  take(): number | null {
    const b = this.replies.length ? this.replies.shift()! : this.keys.length ? this.keys.shift()! : null;
    if (b !== null) this.lastSent = b;
    return b;
  }

  hasData(): boolean {
    return this.replies.length > 0 || this.keys.length > 0;
  }

  private defaults(): void {
    this.set = 2;
    this.leds = 0;
  }

  /** A byte from the controller (host → keyboard). */
  receive(b: number): void {
    if (this.argFor !== null) {
      const cmd = this.argFor;
      this.argFor = null;
      switch (cmd) {
        case KBD_SET_LEDS:
          this.leds = b & 7;
          return this.reply(KBD_ACK);
        case KBD_SCANCODE_SET:
          if (b === 0) return this.reply(KBD_ACK, this.set);
          if (b >= 1 && b <= 3) {
            this.set = b as 1 | 2 | 3;
            return this.reply(KBD_ACK);
          }
          return this.reply(KBD_RESEND_REPLY);
        default: // typematic rate/delay
          return this.reply(KBD_ACK);
      }
    }
    switch (b) {
      case KBD_SET_LEDS:
      case KBD_SCANCODE_SET:
      case KBD_TYPEMATIC:
        this.argFor = b;
        return this.reply(KBD_ACK);
      case KBD_ECHO:
        return this.reply(KBD_ECHO);
      case KBD_IDENTIFY:
        return this.reply(KBD_ACK, ...KBD_ID);
      case KBD_ENABLE:
        this.keys.length = 0;
        this.scanning = true;
        return this.reply(KBD_ACK);
      case KBD_DISABLE:
        this.keys.length = 0;
        this.scanning = false;
        this.defaults();
        return this.reply(KBD_ACK);
      case KBD_DEFAULTS:
        this.defaults();
        return this.reply(KBD_ACK);
      case KBD_RESEND:
        return this.reply(this.lastSent);
      case KBD_RESET:
        this.keys.length = 0;
        this.defaults();
        this.scanning = true;
        return this.reply(KBD_ACK, KBD_BAT_OK);
      default:
        if (b >= 0xf7 && b <= 0xfd) return this.reply(KBD_ACK); // set-3 key attribute commands
        return this.reply(KBD_RESEND_REPLY);
    }
  }

  /** The scancode set keys are delivered in (after controller translation). */
  outputSet(): ScancodeSet {
    return this.translating() || this.set === 1 ? 1 : 2;
  }

  /**
   * Type keys: a string of terminal input (see keymap.terminalToStrokes) or one structured stroke.
   * Returns the number of strokes queued.
   */
  pressKey(input: string | KeyStroke): number {
    if (!this.scanning) return 0;
    const strokes = typeof input === "string" ? terminalToStrokes(input) : [input];
    const set = this.outputSet();
    let n = 0;
    for (const s of strokes) {
      const bytes = strokeScancodes(s, set);
      if (this.keys.length + bytes.length > KEYBOARD_QUEUE_MAX) {
        this.dropped += bytes.length;
        continue;
      }
      this.keys.push(...bytes);
      n++;
    }
    this.changed();
    return n;
  }
}

export class Ps2Controller implements PortDevice {
  readonly name = "i8042";
  /** Controller RAM; byte 0 is the command byte. */
  readonly ram = new Uint8Array(32);
  readonly keyboard: Ps2Keyboard;
  private out: number | null = null;
  private outAux = false;
  private lastOut = 0;
  private readonly pendingReplies: { byte: number; aux: boolean }[] = [];
  /** Controller command waiting for its data byte at port 0x60. */
  private awaiting: number | null = null;
  private lastWasCommand = true;
  /** Status SYS: set by a passed self-test (the BIOS did one) and by command-byte bit 2 writes. */
  private systemFlag = true;
  a20 = true;
  private irq1 = false;
  private irq12 = false;

  constructor(
    private readonly setIrq: (line: number, level: boolean) => void,
    private readonly onReset: () => void = () => {},
  ) {
    this.ram[0] = KBC_POWERON_CMD;
    this.keyboard = new Ps2Keyboard(
      () => (this.ram[0] & KBC_CMD_XLAT) !== 0,
      () => this.pump(),
    );
  }

  get commandByte(): number {
    return this.ram[0];
  }

  register(bus: IoBus): void {
    bus.register(KBC_DATA, 1, this);
    bus.register(KBC_STATUS, 1, this);
  }

  saveState(): DeviceState {
    return { ...saveFields(this, KBC_STATE), keyboard: this.keyboard.saveState() };
  }

  restoreState(s: DeviceState): void {
    restoreFields(this, KBC_STATE, s, "8042");
    this.keyboard.restoreState(s.keyboard as DeviceState);
  }

  private reply(byte: number, aux = false): void {
    this.pendingReplies.push({ byte, aux });
    this.pump();
  }

  /** Fill the output buffer if it is free and update the interrupt lines. */
  private pump(): void {
    this.fill();
    this.updateLines();
  }

  private fill(): void {
    if (this.out === null) {
      const r = this.pendingReplies.shift();
      if (r) {
        this.out = r.byte;
        this.outAux = r.aux;
      } else if (!(this.ram[0] & KBC_CMD_DISABLE_KBD)) {
        const b = this.keyboard.take();
        if (b !== null) {
          this.out = b;
          this.outAux = false;
        }
      }
    }
  }

  private updateLines(): void {
    const full = this.out !== null;
    const irq1 = full && !this.outAux && (this.ram[0] & KBC_CMD_INT) !== 0;
    const irq12 = full && this.outAux && (this.ram[0] & KBC_CMD_INT2) !== 0;
    if (irq1 !== this.irq1) {
      this.irq1 = irq1;
      this.setIrq(KBD_IRQ, irq1);
    }
    if (irq12 !== this.irq12) {
      this.irq12 = irq12;
      this.setIrq(AUX_IRQ, irq12);
    }
  }

  status(): number {
    return (
      (this.out !== null ? KBC_STAT_OBF : 0) |
      (this.systemFlag ? KBC_STAT_SYS : 0) |
      (this.lastWasCommand ? KBC_STAT_A2 : 0) |
      KBC_STAT_INH |
      (this.out !== null && this.outAux ? KBC_STAT_AUXB : 0)
    );
  }

  read(port: number, _size: IoSize): number {
    if (port === KBC_STATUS) return this.status();
    if (this.out !== null) {
      this.lastOut = this.out;
      this.out = null;
      this.updateLines(); // the line drops before the next byte enters: one edge per byte
      this.pump();
    }
    return this.lastOut;
  }

  write(port: number, _size: IoSize, value: number): void {
    value &= 0xff;
    if (port === KBC_COMMAND) {
      this.lastWasCommand = true;
      this.command(value);
    } else {
      this.lastWasCommand = false;
      this.data(value);
    }
  }

  private command(c: number): void {
    this.awaiting = null;
    if (c >= KBC_READ_RAM && c < KBC_READ_RAM + 0x20) return this.reply(this.ram[c - KBC_READ_RAM]);
    if (c >= KBC_WRITE_RAM && c < KBC_WRITE_RAM + 0x20) {
      this.awaiting = c;
      return;
    }
    switch (c) {
      case KBC_DISABLE_AUX:
        this.ram[0] |= KBC_CMD_DISABLE_AUX;
        return;
      case KBC_ENABLE_AUX:
        this.ram[0] &= ~KBC_CMD_DISABLE_AUX;
        return;
      case KBC_TEST_AUX:
      case KBC_TEST_KBD:
        return this.reply(0x00);
      case KBC_SELF_TEST:
        this.systemFlag = true;
        return this.reply(KBC_SELF_TEST_OK);
      case KBC_DISABLE_KBD:
        this.ram[0] |= KBC_CMD_DISABLE_KBD;
        return this.pump();
      case KBC_ENABLE_KBD:
        this.ram[0] &= ~KBC_CMD_DISABLE_KBD;
        return this.pump();
      case KBC_READ_INPUT:
        return this.reply(0x80); // bit 7: keyboard not inhibited
      case KBC_READ_OUTPUT:
        return this.reply(
          KBC_OUT_RESET_N |
            (this.a20 ? KBC_OUT_A20 : 0) |
            (this.out !== null && !this.outAux ? 0x10 : 0) |
            (this.out !== null && this.outAux ? 0x20 : 0),
        );
      case KBC_WRITE_OUTPUT:
      case KBC_WRITE_KBD_BUFFER:
      case KBC_WRITE_AUX_BUFFER:
      case KBC_WRITE_AUX:
        this.awaiting = c;
        return;
      case KBC_READ_TEST:
        return this.reply(0x00);
    }
    if (c >= KBC_PULSE && !(c & KBC_OUT_RESET_N)) this.onReset();
    // other commands are ignored
  }

  private data(v: number): void {
    const cmd = this.awaiting;
    this.awaiting = null;
    if (cmd === null) {
      this.keyboard.receive(v);
      return;
    }
    if (cmd >= KBC_WRITE_RAM && cmd < KBC_WRITE_RAM + 0x20) {
      this.ram[cmd - KBC_WRITE_RAM] = v;
      if (cmd === KBC_WRITE_RAM) this.systemFlag = (v & KBC_CMD_SYS) !== 0;
      return this.pump();
    }
    switch (cmd) {
      case KBC_WRITE_OUTPUT:
        this.a20 = (v & KBC_OUT_A20) !== 0;
        if (!(v & KBC_OUT_RESET_N)) this.onReset();
        return;
      case KBC_WRITE_KBD_BUFFER:
        return this.reply(v);
      case KBC_WRITE_AUX_BUFFER:
        return this.reply(v, true);
      default: // KBC_WRITE_AUX: no auxiliary device answers
        return;
    }
  }
}
