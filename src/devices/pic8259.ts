// The 8259A programmable interrupt controller pair of the PC/AT: master at 0x20/0x21 (IRQ0–7),
// slave at 0xA0/0xA1 (IRQ8–15) cascaded on master IR2, and the PIIX edge/level control registers
// (ELCR) at 0x4D0/0x4D1. Semantics follow the Intel 8259A datasheet (order no. 231468):
// initialization (ICW1–ICW4), OCW1 (IMR), OCW2 (EOI, specific EOI, rotation, set priority),
// OCW3 (read IRR/ISR, poll, special mask mode), fully nested and special fully nested mode, AEOI,
// and the default IR7 ("spurious") vector when a request disappears before INTA.
//
// Request model: in edge mode a rising edge on IRn sets IRRn; the line must stay high until the
// INTA, and lowering it withdraws the request (datasheet, "Edge Triggered Mode"). In level mode
// (ICW1.LTIM, or the line's ELCR bit) IRRn follows the line. The slave's INT output drives master
// IR2 as a level. 8080/8085 mode (ICW4.uPM=0) and buffered mode are accepted but behave as 8086.
import type { IoBus, PortDevice, IoSize } from "./io-bus.js";
import { restoreFields, saveFields, type DeviceState } from "./device-state.js";

const I8259_STATE = [
  "irr", "isr", "imr", "vectorBase", "icw3", "icw1", "icw4", "initStep", "readIsr", "specialMask", "pollPending",
  "rotateInAeoi", "lowestPriority", "elcr", "lines",
] as const;

export const PIC1_COMMAND = 0x20;
export const PIC1_DATA = 0x21;
export const PIC2_COMMAND = 0xa0;
export const PIC2_DATA = 0xa1;
export const ELCR1 = 0x4d0;
export const ELCR2 = 0x4d1;
export const PIC_CASCADE_IR = 2;

// ICW1 (command port, bit 4 set)
export const ICW1_IC4 = 0x01;
export const ICW1_SNGL = 0x02;
export const ICW1_ADI = 0x04;
export const ICW1_LTIM = 0x08;
export const ICW1_INIT = 0x10;
// ICW4
export const ICW4_UPM = 0x01;
export const ICW4_AEOI = 0x02;
export const ICW4_MS = 0x04;
export const ICW4_BUF = 0x08;
export const ICW4_SFNM = 0x10;
// OCW2 (command port, bits 4:3 = 00): R SL EOI in bits 7:5, level in 2:0
export const OCW2_EOI = 0x20;
export const OCW2_SL = 0x40;
export const OCW2_R = 0x80;
// OCW3 (command port, bits 4:3 = 01)
export const OCW3_RIS = 0x01;
export const OCW3_RR = 0x02;
export const OCW3_P = 0x04;
export const OCW3_SMM = 0x20;
export const OCW3_ESMM = 0x40;

/** Power-on state: what SeaBIOS leaves for a QEMU `-kernel` boot (measured on QEMU 7.2; docs/platform.md). */
export const PIC1_POWERON_BASE = 0x08;
export const PIC2_POWERON_BASE = 0x70;
export const PIC1_POWERON_IMR = 0xb8; // IRQ0, 1, 2, 6 unmasked
export const PIC2_POWERON_IMR = 0x8e; // IRQ8, 12, 13, 14 unmasked

/** One 8259A. */
export class I8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Interrupt vector base (ICW2 & 0xF8). */
  vectorBase = 0;
  /** ICW3: master → bitmap of IR lines with a slave; slave → its cascade identity. */
  icw3 = 0;
  icw1 = 0;
  icw4 = 0;
  /** Next data-port write is ICW2/3/4 (0 = operational, OCW1). */
  private initStep = 0;
  /** OCW3 read register select: false → IRR, true → ISR. */
  readIsr = false;
  specialMask = false;
  /** Poll command issued: the next command-port read is the poll word. */
  private pollPending = false;
  rotateInAeoi = false;
  /** The IR level with the lowest priority; priority runs (lowest+1) … lowest. */
  lowestPriority = 7;
  /** ELCR bits: lines that are level-triggered regardless of ICW1.LTIM. */
  elcr = 0;
  /** Current input line levels. */
  private lines = 0;

  constructor(readonly isMaster: boolean, private readonly changed: () => void) {
    this.fixedLevel = isMaster ? 1 << PIC_CASCADE_IR : 0;
  }

  /** Lines that always behave as level-sensitive: the master's cascade input (the slave's INT output is a level). */
  private readonly fixedLevel: number;

  private levelMode(bit: number): boolean {
    return (this.icw1 & ICW1_LTIM) !== 0 || ((this.elcr | this.fixedLevel) & bit) !== 0;
  }

  setLine(ir: number, level: boolean): void {
    const bit = 1 << ir;
    const was = (this.lines & bit) !== 0;
    if (level) {
      this.lines |= bit;
      if (!was || this.levelMode(bit)) this.irr |= bit;
    } else {
      this.lines &= ~bit;
      this.irr &= ~bit; // edge: request withdrawn; level: follows the line
    }
    this.changed();
  }

  /** Priority rank of IR level `ir` (0 = highest). */
  private rank(ir: number): number {
    return (ir - this.lowestPriority - 1) & 7;
  }

  /** Highest-priority IR set in `bits`, or -1. */
  private highest(bits: number): number {
    for (let r = 0; r < 8; r++) {
      const ir = (this.lowestPriority + 1 + r) & 7;
      if (bits & (1 << ir)) return ir;
    }
    return -1;
  }

  /** The IR level this chip would present on INT now, or -1 (datasheet: priority resolver). */
  pendingLevel(): number {
    const req = this.irr & ~this.imr & 0xff;
    const ir = this.highest(req);
    if (ir < 0) return -1;
    if (this.specialMask) return ir; // SMM: every unmasked level may interrupt, whatever is in service
    let inService = this.isr;
    // Special fully nested mode: a master's cascade line can interrupt while it is in service.
    if (this.isMaster && this.icw4 & ICW4_SFNM) inService &= ~this.icw3;
    const busy = this.highest(inService);
    if (busy >= 0 && this.rank(busy) <= this.rank(ir)) return -1;
    return ir;
  }

  /** INTA on this chip: returns the IR level acknowledged, or 7 with ISR untouched if the request vanished. */
  acknowledge(): { ir: number; spurious: boolean } {
    const ir = this.pendingLevel();
    if (ir < 0) return { ir: 7, spurious: true };
    const bit = 1 << ir;
    if (!this.levelMode(bit)) this.irr &= ~bit;
    else if (!(this.lines & bit)) this.irr &= ~bit;
    if (this.icw4 & ICW4_AEOI) {
      if (this.rotateInAeoi) this.lowestPriority = ir;
    } else {
      this.isr |= bit;
    }
    this.changed();
    return { ir, spurious: false };
  }

  private eoi(ir: number, rotate: boolean): void {
    if (ir < 0) return;
    this.isr &= ~(1 << ir);
    if (rotate) this.lowestPriority = ir;
  }

  readCommand(): number {
    if (this.pollPending) {
      this.pollPending = false;
      const ir = this.pendingLevel();
      if (ir < 0) return 0;
      this.acknowledge();
      return 0x80 | ir;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    return this.imr;
  }

  writeCommand(v: number): void {
    if (v & ICW1_INIT) {
      // ICW1: datasheet "Initialization Command Words": IMR cleared, IR7 lowest priority, special
      // mask mode off, status read = IRR, edge sense reset (a line already high needs a new edge).
      this.icw1 = v;
      this.icw4 = 0;
      this.imr = 0;
      this.isr = 0;
      this.irr = 0;
      this.lines = 0;
      this.lowestPriority = 7;
      this.specialMask = false;
      this.readIsr = false;
      this.rotateInAeoi = false;
      this.pollPending = false;
      this.initStep = 2;
    } else if ((v & 0x18) === 0x00) {
      // OCW2
      const op = v & 0xe0;
      const level = v & 7;
      switch (op) {
        case OCW2_EOI: // non-specific EOI
          this.eoi(this.highest(this.specialMask ? this.isr & ~this.imr : this.isr), false);
          break;
        case OCW2_EOI | OCW2_SL: // specific EOI
          this.eoi(level, false);
          break;
        case OCW2_R | OCW2_EOI: // rotate on non-specific EOI
          this.eoi(this.highest(this.isr), true);
          break;
        case OCW2_R | OCW2_SL | OCW2_EOI: // rotate on specific EOI
          this.eoi(level, true);
          break;
        case OCW2_R | OCW2_SL: // set priority
          this.lowestPriority = level;
          break;
        case OCW2_R: // rotate in AEOI mode (set)
          this.rotateInAeoi = true;
          break;
        case 0x00: // rotate in AEOI mode (clear)
          this.rotateInAeoi = false;
          break;
        default: // 0x40: no operation
          break;
      }
    } else if ((v & 0x18) === 0x08) {
      // OCW3
      if (v & OCW3_RR) this.readIsr = (v & OCW3_RIS) !== 0;
      if (v & OCW3_ESMM) this.specialMask = (v & OCW3_SMM) !== 0;
      if (v & OCW3_P) this.pollPending = true;
    }
    // bits 4:3 = 11 is not a valid command word: ignored
    this.changed();
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case 2: // ICW2
        this.vectorBase = v & 0xf8;
        this.initStep = this.icw1 & ICW1_SNGL ? (this.icw1 & ICW1_IC4 ? 4 : 0) : 3;
        break;
      case 3: // ICW3
        this.icw3 = v;
        this.initStep = this.icw1 & ICW1_IC4 ? 4 : 0;
        break;
      case 4: // ICW4
        this.icw4 = v;
        this.initStep = 0;
        break;
      default: // OCW1
        this.imr = v;
        break;
    }
    this.changed();
  }

  /** True while the chip is between ICW1 and its last ICW. */
  get initializing(): boolean {
    return this.initStep !== 0;
  }

  saveState(): DeviceState {
    return saveFields(this, I8259_STATE);
  }

  restoreState(s: DeviceState): void {
    restoreFields(this, I8259_STATE, s, this.isMaster ? "master PIC" : "slave PIC");
  }

  /** Set the state a BIOS leaves: initialized with ICW4 (8086 mode), given base and mask. */
  powerOn(base: number, imr: number, icw3: number): void {
    this.icw1 = ICW1_INIT | ICW1_IC4;
    this.vectorBase = base;
    this.icw3 = icw3;
    this.icw4 = ICW4_UPM;
    this.imr = imr;
    this.initStep = 0;
  }
}

/** The master/slave pair plus ELCR, as one device on the I/O bus. */
export class PicPair implements PortDevice {
  readonly name = "pic8259";
  readonly master: I8259;
  readonly slave: I8259;

  constructor() {
    this.master = new I8259(true, () => {});
    this.slave = new I8259(false, () => this.cascade());
    this.master.powerOn(PIC1_POWERON_BASE, PIC1_POWERON_IMR, 1 << PIC_CASCADE_IR);
    this.slave.powerOn(PIC2_POWERON_BASE, PIC2_POWERON_IMR, PIC_CASCADE_IR);
  }

  private cascade(): void {
    this.master.setLine(PIC_CASCADE_IR, this.slave.pendingLevel() >= 0);
  }

  register(bus: IoBus): void {
    bus.register(PIC1_COMMAND, 2, this);
    bus.register(PIC2_COMMAND, 2, this);
    bus.register(ELCR1, 2, this);
  }

  saveState(): DeviceState {
    return { master: this.master.saveState(), slave: this.slave.saveState() };
  }

  restoreState(s: DeviceState): void {
    this.master.restoreState(s.master as DeviceState);
    this.slave.restoreState(s.slave as DeviceState);
  }

  /** Raise or lower ISA IRQ line 0..15 (IRQ2 is the cascade and cannot be driven from outside). */
  setIrq(line: number, level: boolean): void {
    if (!Number.isInteger(line) || line < 0 || line > 15) throw new RangeError(`IRQ line ${line} out of range 0..15`);
    if (line < 8) {
      if (line !== PIC_CASCADE_IR) this.master.setLine(line, level);
    } else {
      this.slave.setLine(line - 8, level);
    }
  }

  /** An unmasked request the CPU should take (the master's INT output). */
  interruptPending(): boolean {
    return this.master.pendingLevel() >= 0;
  }

  /** Whether a request on `line` could reach the CPU (IMR bits on the way clear). */
  lineUnmasked(line: number): boolean {
    if (line < 8) return (this.master.imr & (1 << line)) === 0;
    return (this.master.imr & (1 << PIC_CASCADE_IR)) === 0 && (this.slave.imr & (1 << (line - 8))) === 0;
  }

  /**
   * The INTA cycle pair: returns the vector. If the request vanished the master answers its IR7
   * vector (base+7) without setting ISR; if the master selected the cascade line but the slave has
   * nothing, the slave answers its IR7 vector and the master's IR2 stays in service (the handler
   * must EOI the master only) — datasheet behaviour.
   */
  acknowledgeInterrupt(): number {
    const m = this.master.acknowledge();
    if (!m.spurious && this.master.icw3 & (1 << m.ir) && !(this.master.icw1 & ICW1_SNGL)) {
      const s = this.slave.acknowledge();
      return (this.slave.vectorBase + s.ir) & 0xff;
    }
    return (this.master.vectorBase + m.ir) & 0xff;
  }

  read(port: number, _size: IoSize): number {
    switch (port) {
      case PIC1_COMMAND:
        return this.master.readCommand();
      case PIC1_DATA:
        return this.master.readData();
      case PIC2_COMMAND:
        return this.slave.readCommand();
      case PIC2_DATA:
        return this.slave.readData();
      case ELCR1:
        return this.master.elcr;
      case ELCR2:
        return this.slave.elcr;
    }
    return 0xff;
  }

  write(port: number, _size: IoSize, value: number): void {
    value &= 0xff;
    switch (port) {
      case PIC1_COMMAND: // an ICW1 resets the master's inputs: re-present the slave's INT
        this.master.writeCommand(value);
        return this.cascade();
      case PIC1_DATA:
        return this.master.writeData(value);
      case PIC2_COMMAND:
        return this.slave.writeCommand(value);
      case PIC2_DATA:
        return this.slave.writeData(value);
      case ELCR1: // PIIX: IRQ0, 1, 2 are always edge-triggered
        this.master.elcr = value & 0xf8;
        return;
      case ELCR2: // PIIX: IRQ8 and IRQ13 are always edge-triggered
        this.slave.elcr = value & 0xde;
        return;
    }
  }
}
