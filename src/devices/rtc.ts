// The CMOS real-time clock and NVRAM (Motorola MC146818A datasheet) at index port 0x70 and data
// port 0x71, interrupting on IRQ8. Registers 0x00–0x09 hold the time, date and alarm (BCD or
// binary per register B.DM, 12- or 24-hour per register B.24/12), 0x0A–0x0D are status registers
// A–D, 0x32 is the century (PC convention), and the rest of the 128 bytes is NVRAM with the
// PC/AT memory-size bytes filled in from the RAM size.
//
// Time is `epochMs` + virtual time since power-on (deterministic), or the wall clock in realtime
// mode; guest writes to the time registers move it. Interrupt sources (register C flags):
// periodic (PF, rate from register A RS3–RS0, divider phase from power-on), update-ended (UF, at
// every second boundary) and alarm (AF, at the second boundary where seconds/minutes/hours match,
// 0xC0–0xFF meaning "don't care"). IRQF and the IRQ8 line are set when a flag and its enable bit
// in register B are both set; reading register C returns and clears all flags and lowers IRQ8.
// Register A's UIP bit reads 1 during the last 244 µs before each update. The divider-select bits
// (DV2–DV0) are stored but the clock runs whatever they say.
import type { IoBus, PortDevice, IoSize } from "./io-bus.js";
import type { Clock, Timer } from "./clock.js";
import { fromBcd, toBcd } from "./bcd.js";
import { restoreFields, saveFields, type DeviceState } from "./device-state.js";

const RTC_STATE = ["cmos", "index", "nmiDisabled", "flags", "baseUs", "heldUs", "lastPeriod", "lastSecond", "irqLevel"] as const;

export const RTC_INDEX = 0x70;
export const RTC_DATA = 0x71;
export const RTC_IRQ = 8;
export const RTC_NMI_DISABLE = 0x80;

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
export const CMOS_CENTURY = 0x32;

export const REG_A_UIP = 0x80;
export const REG_A_RS_MASK = 0x0f;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_SQWE = 0x08;
export const REG_B_DM = 0x04; // 1 = binary, 0 = BCD
export const REG_B_24H = 0x02;
export const REG_B_DSE = 0x01;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
export const REG_D_VRT = 0x80;

/** 2026-01-01T00:00:00Z */
export const DEFAULT_RTC_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);
const RTC_HZ = 32768n;
const US_PER_S = 1_000_000;
const UIP_US = 244;


export interface RtcOptions {
  /** Time at power-on (ms since the Unix epoch). Realtime mode defaults to Date.now(). */
  epochMs?: number;
  ramBytes?: number;
}

/** The time and date registers (not the alarms), kept in BCD or binary per status B. */
function isTimeRegister(reg: number): boolean {
  return reg === RTC_SECONDS || reg === RTC_MINUTES || reg === RTC_HOURS || (reg >= RTC_DAY_OF_WEEK && reg <= RTC_YEAR) || reg === CMOS_CENTURY;
}

export class Rtc implements PortDevice {
  readonly name = "rtc-cmos";
  readonly cmos = new Uint8Array(128);
  index = 0;
  nmiDisabled = false;
  /** Register C flags (IRQF recomputed). */
  private flags = 0;
  /** Microseconds since the Unix epoch at power-on, moved by guest time writes. */
  private baseUs: number;
  /** While register B.SET is 1: the held time in µs since the Unix epoch. */
  private heldUs: number | null = null;
  private lastPeriod = 0n;
  private lastSecond: number;
  private readonly periodicTimer: Timer;
  private readonly updateTimer: Timer;
  private irqLevel = false;

  constructor(
    private readonly clock: Clock,
    private readonly setIrq: (line: number, level: boolean) => void,
    opts: RtcOptions = {},
  ) {
    const epochMs = opts.epochMs ?? (clock.realtime ? Date.now() : DEFAULT_RTC_EPOCH_MS);
    if (!Number.isFinite(epochMs) || epochMs < 0 || epochMs >= Date.UTC(10000, 0, 1)) {
      throw new RangeError(`rtc epoch must be a time between 1970 and 9999, got ${opts.epochMs}`);
    }
    this.baseUs = Math.floor(epochMs) * 1000;
    this.lastSecond = Math.floor(this.baseUs / US_PER_S);
    this.periodicTimer = clock.createTimer("rtc-periodic", RTC_IRQ, (at) => this.onTimer(at));
    this.updateTimer = clock.createTimer("rtc-update", RTC_IRQ, (at) => this.onTimer(at));
    const c = this.cmos;
    c[RTC_REG_A] = 0x26; // DV = 010 (32.768 kHz time base), RS = 0110 (1024 Hz)
    c[RTC_REG_B] = REG_B_24H; // BCD, 24-hour, no interrupts
    c[RTC_REG_D] = REG_D_VRT;
    // PC/AT NVRAM: base memory 640 KiB; extended memory (KiB above 1 MiB, capped at 0xFFFF);
    // memory above 16 MiB in 64 KiB blocks (as SeaBIOS/QEMU report it).
    c[0x15] = 640 & 0xff;
    c[0x16] = 640 >> 8;
    const ram = opts.ramBytes ?? 0;
    const extKb = Math.min(0xffff, Math.max(0, Math.floor((ram - 0x100000) / 1024)));
    c[0x17] = c[0x30] = extKb & 0xff;
    c[0x18] = c[0x31] = extKb >> 8;
    const above16 = Math.min(0xffff, Math.max(0, Math.floor((ram - 0x1000000) / 0x10000)));
    c[0x34] = above16 & 0xff;
    c[0x35] = above16 >> 8;
  }

  register(bus: IoBus): void {
    bus.register(RTC_INDEX, 2, this);
  }

  saveState(): DeviceState {
    return saveFields(this, RTC_STATE);
  }

  /** Restore registers and time; the timers' deadlines are the clock's to restore. */
  restoreState(s: DeviceState): void {
    restoreFields(this, RTC_STATE, s, "RTC");
  }

  /** The RTC's time now, in µs since the Unix epoch. */
  private nowUs(c: bigint = this.clock.now): number {
    if (this.heldUs !== null) return this.heldUs;
    return this.baseUs + Math.floor(this.clock.cyclesToNs(c) / 1000);
  }

  private periodTicks(): bigint {
    const rs = this.cmos[RTC_REG_A] & REG_A_RS_MASK;
    if (rs === 0) return 0n;
    return 1n << BigInt((rs < 3 ? rs + 7 : rs) - 1);
  }

  /** Bring the flags up to cycle c: periodic boundaries and second boundaries passed since the last look. */
  private sync(c: bigint): void {
    const p = this.periodTicks();
    if (p !== 0n) {
      const k = this.clock.ticksAt(c, RTC_HZ) / p;
      if (k > this.lastPeriod) this.flags |= REG_C_PF;
      this.lastPeriod = k;
    }
    if (this.heldUs === null) {
      const us = this.nowUs(c);
      const sec = Math.floor(us / US_PER_S);
      if (sec > this.lastSecond) {
        this.flags |= REG_C_UF;
        if (this.alarmMatches(us)) this.flags |= REG_C_AF;
      }
      this.lastSecond = sec;
    }
    this.updateIrq();
  }

  private alarmMatches(us: number): boolean {
    const d = new Date(Math.floor(us / 1000));
    const match = (alarmReg: number, value: number, isHour: boolean): boolean => {
      const a = this.cmos[alarmReg];
      if ((a & 0xc0) === 0xc0) return true;
      return a === this.encode(value, isHour);
    };
    return (
      match(RTC_SECONDS_ALARM, d.getUTCSeconds(), false) &&
      match(RTC_MINUTES_ALARM, d.getUTCMinutes(), false) &&
      match(RTC_HOURS_ALARM, d.getUTCHours(), true)
    );
  }

  private updateIrq(): void {
    const b = this.cmos[RTC_REG_B];
    const irqf = (this.flags & b & (REG_C_PF | REG_C_AF | REG_C_UF)) !== 0;
    this.flags = irqf ? this.flags | REG_C_IRQF : this.flags & ~REG_C_IRQF;
    if (irqf !== this.irqLevel) {
      this.irqLevel = irqf;
      this.setIrq(RTC_IRQ, irqf);
    }
  }

  private onTimer(at: bigint): void {
    this.sync(at);
    this.reschedule(at);
  }

  /** Timers run only while their interrupt is enabled; flags are otherwise computed on access. */
  private reschedule(c: bigint): void {
    const b = this.cmos[RTC_REG_B];
    const p = this.periodTicks();
    if (b & REG_B_PIE && p !== 0n) {
      const next = (this.clock.ticksAt(c, RTC_HZ) / p + 1n) * p;
      this.periodicTimer.schedule(this.clock.cycleOfTick(next, RTC_HZ));
    } else {
      this.periodicTimer.schedule(null);
    }
    if (b & (REG_B_UIE | REG_B_AIE) && this.heldUs === null) {
      const nextSecondUs = (Math.floor(this.nowUs(c) / US_PER_S) + 1) * US_PER_S;
      const sinceBootUs = BigInt(nextSecondUs - this.baseUs);
      this.updateTimer.schedule(this.clock.cycleOfTick(sinceBootUs, 1_000_000n));
    } else {
      this.updateTimer.schedule(null);
    }
  }

  /** Encode a time field per register B (BCD/binary; 12-hour with bit 7 = PM for hours). */
  private encode(v: number, isHour: boolean): number {
    const b = this.cmos[RTC_REG_B];
    let pm = 0;
    if (isHour && !(b & REG_B_24H)) {
      pm = v >= 12 ? 0x80 : 0;
      v = v % 12 || 12;
    }
    return (b & REG_B_DM ? v : toBcd(v)) | pm;
  }

  private decode(raw: number, isHour: boolean): number {
    const b = this.cmos[RTC_REG_B];
    const pm = isHour && !(b & REG_B_24H) ? raw & 0x80 : 0;
    let v = raw & (isHour && !(b & REG_B_24H) ? 0x7f : 0xff);
    v = b & REG_B_DM ? v : fromBcd(v);
    if (isHour && !(b & REG_B_24H)) v = (v % 12) + (pm ? 12 : 0);
    return v;
  }

  private readTime(reg: number): number {
    const us = this.nowUs();
    const d = new Date(Math.floor(us / 1000));
    switch (reg) {
      case RTC_SECONDS:
        return this.encode(d.getUTCSeconds(), false);
      case RTC_MINUTES:
        return this.encode(d.getUTCMinutes(), false);
      case RTC_HOURS:
        return this.encode(d.getUTCHours(), true);
      case RTC_DAY_OF_WEEK:
        return this.encode(d.getUTCDay() + 1, false);
      case RTC_DAY_OF_MONTH:
        return this.encode(d.getUTCDate(), false);
      case RTC_MONTH:
        return this.encode(d.getUTCMonth() + 1, false);
      case RTC_YEAR:
        return this.encode(d.getUTCFullYear() % 100, false);
      default: // CMOS_CENTURY
        return this.encode(Math.floor(d.getUTCFullYear() / 100), false);
    }
  }

  private writeTime(reg: number, raw: number): void {
    const us = this.nowUs();
    const d = new Date(Math.floor(us / 1000));
    const f = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
    const v = this.decode(raw, reg === RTC_HOURS);
    switch (reg) {
      case RTC_SECONDS:
        f[5] = v;
        break;
      case RTC_MINUTES:
        f[4] = v;
        break;
      case RTC_HOURS:
        f[3] = v;
        break;
      case RTC_DAY_OF_MONTH:
        f[2] = v;
        break;
      case RTC_MONTH:
        f[1] = v - 1;
        break;
      case RTC_YEAR:
        f[0] = f[0] - (f[0] % 100) + v;
        break;
      case CMOS_CENTURY:
        f[0] = v * 100 + (f[0] % 100);
        break;
      default:
        return; // day of week follows from the date
    }
    const sub = us % US_PER_S;
    const newUs = Date.UTC(f[0], f[1], f[2], f[3], f[4], f[5]) * 1000 + sub;
    if (!Number.isFinite(newUs)) return;
    if (this.heldUs !== null) this.heldUs = newUs;
    else {
      this.baseUs += newUs - us;
      this.lastSecond = Math.floor(newUs / US_PER_S);
    }
  }

  read(port: number, _size: IoSize): number {
    if (port === RTC_INDEX) return 0xff; // the index register is write-only
    const c = this.clock.now;
    this.sync(c);
    const reg = this.index;
    if (isTimeRegister(reg)) return this.readTime(reg);
    switch (reg) {
      case RTC_REG_A: {
        const uip = this.heldUs === null && this.nowUs(c) % US_PER_S >= US_PER_S - UIP_US;
        return this.cmos[RTC_REG_A] | (uip ? REG_A_UIP : 0);
      }
      case RTC_REG_C: {
        const v = this.flags;
        this.flags = 0;
        this.updateIrq();
        return v;
      }
      case RTC_REG_D:
        return REG_D_VRT;
      default:
        return this.cmos[reg];
    }
  }

  write(port: number, _size: IoSize, value: number): void {
    value &= 0xff;
    if (port === RTC_INDEX) {
      this.index = value & 0x7f;
      this.nmiDisabled = (value & RTC_NMI_DISABLE) !== 0;
      return;
    }
    const c = this.clock.now;
    this.sync(c);
    const reg = this.index;
    if (isTimeRegister(reg)) {
      this.writeTime(reg, value);
      this.reschedule(c);
      return;
    }
    switch (reg) {
      case RTC_REG_A:
        this.cmos[RTC_REG_A] = value & 0x7f;
        this.lastPeriod = this.periodTicks() === 0n ? 0n : this.clock.ticksAt(c, RTC_HZ) / this.periodTicks();
        break;
      case RTC_REG_B: {
        const old = this.cmos[RTC_REG_B];
        if (value & REG_B_SET) value &= ~REG_B_UIE; // datasheet: SET=1 clears UIE
        if (value & REG_B_SET && !(old & REG_B_SET)) {
          this.heldUs = this.nowUs(c);
        } else if (!(value & REG_B_SET) && old & REG_B_SET && this.heldUs !== null) {
          const held = this.heldUs;
          this.heldUs = null;
          this.baseUs += held - this.nowUs(c);
          this.lastSecond = Math.floor(held / US_PER_S);
        }
        this.cmos[RTC_REG_B] = value;
        this.updateIrq();
        break;
      }
      case RTC_REG_C:
      case RTC_REG_D:
        break; // read-only
      default:
        this.cmos[reg] = value;
    }
    this.reschedule(c);
  }
}
