// A 16550A UART (register names as in the TI PC16550D datasheet, §8 "Registers"): COM1 at 0x3F8
// (IRQ4) and COM2 at 0x2F8 (IRQ3). The host feeds received bytes (`receive`) and gets transmitted
// ones (`onTransmit`); the interrupt output goes to an `irq(level)` callback for a PIC to wire.
//
// Timing model: the line is infinitely fast and virtual time plays no part. A byte written to THR
// is transmitted at once (THRE and TEMT read back as 1); the character-timeout interrupt of FIFO
// mode is reported as soon as the FIFO holds fewer bytes than the trigger level. Host input waits
// in a backlog and enters the receive FIFO (16 bytes; 1 byte holding register with FIFOs off) as
// room frees up, so host input never overruns. Like QEMU, and unlike a real PC, the interrupt
// output is not gated by MCR.OUT2 (toy kernels written against QEMU leave OUT2 clear).
import type { IoBus, PortDevice } from "./io-bus.js";

export const COM1_BASE = 0x3f8;
export const COM1_IRQ = 4;
export const COM2_BASE = 0x2f8;
export const COM2_IRQ = 3;

// Register offsets from the base port.
export const UART_RBR = 0; // receiver buffer (read, DLAB=0)
export const UART_THR = 0; // transmitter holding (write, DLAB=0)
export const UART_DLL = 0; // divisor latch LSB (DLAB=1)
export const UART_IER = 1; // interrupt enable (DLAB=0)
export const UART_DLM = 1; // divisor latch MSB (DLAB=1)
export const UART_IIR = 2; // interrupt identification (read)
export const UART_FCR = 2; // FIFO control (write)
export const UART_LCR = 3;
export const UART_MCR = 4;
export const UART_LSR = 5;
export const UART_MSR = 6;
export const UART_SCR = 7;

export const IER_ERBFI = 0x01; // received data available
export const IER_ETBEI = 0x02; // transmitter holding register empty
export const IER_ELSI = 0x04; //  receiver line status
export const IER_EDSSI = 0x08; // modem status

export const IIR_NO_INT = 0x01;
export const IIR_RLS = 0x06; //   receiver line status (priority 1)
export const IIR_RDA = 0x04; //   received data available (priority 2)
export const IIR_CTI = 0x0c; //   character timeout, FIFO mode (priority 2)
export const IIR_THRE = 0x02; //  transmitter holding register empty (priority 3)
export const IIR_MS = 0x00; //    modem status (priority 4)
export const IIR_FIFOS = 0xc0; // both bits set when FCR bit 0 is set

export const FCR_ENABLE = 0x01;
export const FCR_RX_RESET = 0x02;
export const FCR_TX_RESET = 0x04;
export const FCR_TRIGGER_SHIFT = 6;

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

const FIFO_DEPTH = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14];
/** Modem inputs outside loopback: the host side is always ready (CTS, DSR, DCD), as in QEMU. */
const MODEM_INPUTS = MSR_CTS | MSR_DSR | MSR_DCD;

export interface UartOptions {
  name?: string;
  /** A byte left the transmitter (not called in loopback mode). */
  onTransmit?: (byte: number) => void;
  /** The interrupt output changed level. */
  irq?: (level: boolean) => void;
}

export class Uart16550 implements PortDevice {
  readonly name: string;
  onTransmit: (byte: number) => void;
  irq: (level: boolean) => void;

  private ier = 0;
  private fcr = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErrors = 0; // OE, latched until LSR is read
  private msr = MODEM_INPUTS;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  private thrIntPending = false; // THRE interrupt latch: set when THR empties, cleared by IIR read / THR write
  private readonly rx: number[] = [];
  private backlog: number[] = []; // host bytes not yet in the FIFO, from backlogHead on
  private backlogHead = 0; //          (an index, not shift(): a pasted megabyte stays linear)
  private irqLevel = false;

  constructor(opts: UartOptions = {}) {
    this.name = opts.name ?? "uart16550";
    this.onTransmit = opts.onTransmit ?? (() => {});
    this.irq = opts.irq ?? (() => {});
  }

  /** Claim the 8 ports at `base`. */
  attach(bus: IoBus, base: number): void {
    bus.register(base, 8, this);
  }

  /** Host input: bytes arriving on the receive line. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.backlog.push(b & 0xff);
    this.fillRx();
    this.updateIrq();
  }

  /** Bytes received but not yet read by the guest (FIFO plus backlog). */
  get pendingInput(): number {
    return this.rx.length + this.backlog.length - this.backlogHead;
  }

  /** Divisor latch value (DLM:DLL); the baud rate is 115200 / divisor. */
  get divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  get interruptLine(): boolean {
    return this.irqLevel;
  }

  read(port: number, _size: 1): number {
    const v = this.readRegister(port & 7);
    this.updateIrq();
    return v;
  }

  write(port: number, _size: 1, value: number): void {
    this.writeRegister(port & 7, value & 0xff);
    this.updateIrq();
  }

  private readRegister(reg: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case UART_RBR: {
        if (dlab) return this.dll;
        const b = this.rx.shift() ?? 0;
        this.fillRx();
        return b;
      }
      case UART_IER:
        return dlab ? this.dlm : this.ier;
      case UART_IIR: {
        const id = this.interruptId();
        if (id === IIR_THRE) this.thrIntPending = false; // reading IIR reporting THRE clears it
        return id | (this.fifoEnabled ? IIR_FIFOS : 0);
      }
      case UART_LCR:
        return this.lcr;
      case UART_MCR:
        return this.mcr;
      case UART_LSR: {
        const v = (this.rx.length ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
        this.lsrErrors = 0;
        return v;
      }
      case UART_MSR: {
        const v = this.msr;
        this.msr &= 0xf0;
        return v;
      }
      default:
        return this.scr;
    }
  }

  private writeRegister(reg: number, v: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (reg) {
      case UART_THR:
        if (dlab) {
          this.dll = v;
          return;
        }
        this.thrIntPending = false;
        if (this.mcr & MCR_LOOP) this.loopBack(v);
        else this.onTransmit(v);
        this.thrIntPending = true; // the holding register is empty again at once
        return;
      case UART_IER: {
        if (dlab) {
          this.dlm = v;
          return;
        }
        const was = this.ier;
        this.ier = v & 0x0f;
        // Enabling ETBEI while THR is empty raises the THRE interrupt (PC16550D §8.4).
        if (this.ier & IER_ETBEI && !(was & IER_ETBEI)) this.thrIntPending = true;
        return;
      }
      case UART_FCR: {
        const enable = (v & FCR_ENABLE) !== 0;
        if (enable !== this.fifoEnabled || v & FCR_RX_RESET) this.rx.length = 0;
        this.fcr = v & (FCR_ENABLE | 0xc0 | 0x08);
        if (!enable) this.fcr = 0;
        this.fillRx();
        return;
      }
      case UART_LCR:
        this.lcr = v;
        return;
      case UART_MCR: {
        this.mcr = v & 0x1f;
        this.updateModemStatus();
        if (!(this.mcr & MCR_LOOP)) this.fillRx();
        return;
      }
      case UART_LSR:
      case UART_MSR:
        return; // read-only (factory test use only)
      default:
        this.scr = v;
    }
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & FCR_ENABLE) !== 0;
  }

  private get capacity(): number {
    return this.fifoEnabled ? FIFO_DEPTH : 1;
  }

  /** Move host bytes into the receive FIFO while it has room (not in loopback: the line is cut). */
  private fillRx(): void {
    if (this.mcr & MCR_LOOP) return;
    while (this.backlogHead < this.backlog.length && this.rx.length < this.capacity) this.rx.push(this.backlog[this.backlogHead++]);
    if (this.backlogHead === this.backlog.length) {
      this.backlog = [];
      this.backlogHead = 0;
    } else if (this.backlogHead >= 4096 && this.backlogHead * 2 >= this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
  }

  private loopBack(v: number): void {
    if (this.rx.length < this.capacity) this.rx.push(v);
    else this.lsrErrors |= LSR_OE;
  }

  /** MSR status bits: modem inputs, or MCR outputs fed back in loopback (PC16550D §8.6). */
  private updateModemStatus(): void {
    const old = this.msr;
    let now = MODEM_INPUTS;
    if (this.mcr & MCR_LOOP) {
      now =
        (this.mcr & MCR_RTS ? MSR_CTS : 0) |
        (this.mcr & MCR_DTR ? MSR_DSR : 0) |
        (this.mcr & MCR_OUT1 ? MSR_RI : 0) |
        (this.mcr & MCR_OUT2 ? MSR_DCD : 0);
    }
    let delta = old & 0x0f;
    const changed = old ^ now;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    if (old & MSR_RI && !(now & MSR_RI)) delta |= MSR_TERI; // trailing edge of RI
    this.msr = (now & 0xf0) | delta;
  }

  /** Highest-priority pending interrupt (PC16550D table IV), or IIR_NO_INT. */
  private interruptId(): number {
    if (this.ier & IER_ELSI && this.lsrErrors) return IIR_RLS;
    if (this.ier & IER_ERBFI && this.rx.length) {
      if (!this.fifoEnabled) return IIR_RDA;
      return this.rx.length >= TRIGGER_LEVELS[this.fcr >> FCR_TRIGGER_SHIFT] ? IIR_RDA : IIR_CTI;
    }
    if (this.ier & IER_ETBEI && this.thrIntPending) return IIR_THRE;
    if (this.ier & IER_EDSSI && this.msr & 0x0f) return IIR_MS;
    return IIR_NO_INT;
  }

  private updateIrq(): void {
    const level = this.interruptId() !== IIR_NO_INT;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }
}
