// 16550A UART at COM1 through the I/O bus: registers, FIFOs, loopback and the interrupt line.
import { beforeEach, describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/io-bus.js";
import {
  COM1_BASE,
  IER_EDSSI,
  IER_ERBFI,
  IER_ETBEI,
  IIR_CTI,
  IIR_MS,
  IIR_NO_INT,
  IIR_RDA,
  IIR_THRE,
  LCR_DLAB,
  LSR_DR,
  LSR_OE,
  LSR_TEMT,
  LSR_THRE,
  MCR_DTR,
  MCR_LOOP,
  MCR_OUT1,
  MCR_OUT2,
  MCR_RTS,
  Uart16550,
} from "../../src/devices/uart16550.js";

const THR = COM1_BASE, RBR = COM1_BASE, IER = COM1_BASE + 1, IIR = COM1_BASE + 2, FCR = COM1_BASE + 2;
const LCR = COM1_BASE + 3, MCR = COM1_BASE + 4, LSR = COM1_BASE + 5, MSR = COM1_BASE + 6, SCR = COM1_BASE + 7;

let bus: IoBus;
let uart: Uart16550;
let sent: number[];
let irqEdges: boolean[];
const rd = (port: number) => bus.read(port, 1);
const wr = (port: number, v: number) => bus.write(port, 1, v);

beforeEach(() => {
  bus = new IoBus();
  sent = [];
  irqEdges = [];
  uart = new Uart16550({ onTransmit: (b) => sent.push(b), irq: (l) => irqEdges.push(l) });
  uart.attach(bus, COM1_BASE);
});

describe("16550A registers", () => {
  it("comes out of reset idle: transmitter empty, no data, no interrupt, FIFOs off", () => {
    expect(rd(LSR)).toBe(LSR_THRE | LSR_TEMT);
    expect(rd(IIR)).toBe(IIR_NO_INT);
    expect(rd(IER)).toBe(0);
    expect(uart.interruptLine).toBe(false);
  });

  it("transmits bytes written to THR", () => {
    for (const c of "hi\n") wr(THR, c.charCodeAt(0));
    expect(String.fromCharCode(...sent)).toBe("hi\n");
    expect(rd(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE | LSR_TEMT);
  });

  it("maps DLL/DLM over THR/IER while LCR.DLAB is set", () => {
    wr(LCR, LCR_DLAB | 0x03);
    wr(THR, 0x01); // DLL
    wr(IER, 0x00); // DLM
    expect(uart.divisor).toBe(1);
    expect(rd(RBR)).toBe(0x01);
    expect(sent).toEqual([]);
    wr(LCR, 0x03);
    expect(rd(LCR)).toBe(0x03);
    expect(rd(IER)).toBe(0);
    wr(IER, 0x0f);
    expect(rd(IER)).toBe(0x0f);
    wr(LCR, LCR_DLAB);
    expect(rd(IER)).toBe(0); // DLM
  });

  it("keeps the scratch register", () => {
    wr(SCR, 0x5a);
    expect(rd(SCR)).toBe(0x5a);
  });

  it("delivers host input through RBR with LSR.DR, one byte at a time without FIFOs", () => {
    uart.receive([0x61, 0x62]);
    expect(rd(LSR) & LSR_DR).toBe(LSR_DR);
    expect(rd(RBR)).toBe(0x61);
    expect(rd(LSR) & LSR_DR).toBe(LSR_DR); // the next byte moved in from the line
    expect(rd(RBR)).toBe(0x62);
    expect(rd(LSR) & LSR_DR).toBe(0);
    expect(uart.pendingInput).toBe(0);
  });

  it("reports FIFO mode in IIR bits 6-7 and clears the receive FIFO on FCR bit 1", () => {
    wr(FCR, 0x01);
    expect(rd(IIR) & 0xc0).toBe(0xc0);
    uart.receive([1, 2, 3]);
    wr(FCR, 0x03);
    // the FIFO was cleared; bytes still on the line refill it
    expect(uart.pendingInput).toBeLessThan(3);
    wr(FCR, 0x00);
    expect(rd(IIR) & 0xc0).toBe(0);
  });

  it("buffers host input beyond the 16-byte FIFO without overrun", () => {
    wr(FCR, 0x01);
    const input = Array.from({ length: 40 }, (_, i) => i);
    uart.receive(input);
    const got: number[] = [];
    while (rd(LSR) & LSR_DR) got.push(rd(RBR));
    expect(got).toEqual(input);
    expect(rd(LSR) & LSR_OE).toBe(0);
  });

  it("delivers a long paste in order while more arrives mid-read (the backlog compacts as it drains)", () => {
    wr(FCR, 0x01);
    const input = Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0xff);
    uart.receive(input.slice(0, 12_000));
    const got: number[] = [];
    while (got.length < 9_000) got.push(rd(RBR));
    uart.receive(input.slice(12_000));
    expect(uart.pendingInput).toBe(11_000);
    while (rd(LSR) & LSR_DR) got.push(rd(RBR));
    expect(got).toEqual(input);
    expect(uart.pendingInput).toBe(0);
  });
});

describe("interrupts", () => {
  it("raises THRE when ETBEI is enabled with THR empty, clears it on IIR read", () => {
    wr(IER, IER_ETBEI);
    expect(uart.interruptLine).toBe(true);
    expect(rd(IIR)).toBe(IIR_THRE);
    expect(uart.interruptLine).toBe(false);
    expect(rd(IIR)).toBe(IIR_NO_INT);
    expect(irqEdges).toEqual([true, false]);
  });

  it("raises THRE again after each transmitted byte", () => {
    wr(IER, IER_ETBEI);
    rd(IIR);
    wr(THR, 0x41);
    expect(uart.interruptLine).toBe(true);
    expect(rd(IIR)).toBe(IIR_THRE);
  });

  it("raises RDA while received data waits, and drops it when read", () => {
    wr(IER, IER_ERBFI);
    expect(uart.interruptLine).toBe(false);
    uart.receive([0x7a]);
    expect(uart.interruptLine).toBe(true);
    expect(rd(IIR)).toBe(IIR_RDA);
    expect(rd(RBR)).toBe(0x7a);
    expect(uart.interruptLine).toBe(false);
  });

  it("in FIFO mode reports RDA at the trigger level and character timeout below it", () => {
    wr(FCR, 0x01 | (1 << 6)); // trigger level 4
    wr(IER, IER_ERBFI);
    uart.receive([1, 2, 3]);
    expect(rd(IIR)).toBe(IIR_CTI | 0xc0);
    uart.receive([4]);
    expect(rd(IIR)).toBe(IIR_RDA | 0xc0);
  });

  it("gives received data priority over THRE", () => {
    wr(IER, IER_ERBFI | IER_ETBEI);
    uart.receive([1]);
    expect(rd(IIR)).toBe(IIR_RDA);
    rd(RBR);
    expect(rd(IIR)).toBe(IIR_THRE);
  });
});

describe("loopback (MCR bit 4)", () => {
  it("returns transmitted bytes to the receiver and does not send them", () => {
    wr(MCR, MCR_LOOP);
    wr(THR, 0xae);
    expect(sent).toEqual([]);
    expect(rd(LSR) & LSR_DR).toBe(LSR_DR);
    expect(rd(RBR)).toBe(0xae);
  });

  it("holds host input back while looped", () => {
    wr(MCR, MCR_LOOP);
    uart.receive([0x31]);
    expect(rd(LSR) & LSR_DR).toBe(0);
    wr(MCR, 0);
    expect(rd(RBR)).toBe(0x31);
  });

  it("feeds MCR outputs back as MSR inputs with delta bits, and raises the modem status interrupt", () => {
    expect(rd(MSR)).toBe(0xb0); // CTS, DSR, DCD from an always-ready host
    wr(IER, IER_EDSSI);
    wr(MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
    expect(rd(MSR) & 0xf0).toBe(0xf0);
    wr(MCR, MCR_LOOP); // everything drops: CTS, DSR, DCD change; RI trailing edge
    expect(uart.interruptLine).toBe(true);
    expect(rd(IIR)).toBe(IIR_MS);
    expect(rd(MSR)).toBe(0x0f);
    expect(rd(MSR)).toBe(0x00); // deltas clear on read
    expect(uart.interruptLine).toBe(false);
  });

  it("flags an overrun when looped bytes overflow the holding register", () => {
    wr(MCR, MCR_LOOP);
    wr(THR, 1);
    wr(THR, 2);
    expect(rd(LSR) & LSR_OE).toBe(LSR_OE);
    expect(rd(LSR) & LSR_OE).toBe(0);
  });
});
