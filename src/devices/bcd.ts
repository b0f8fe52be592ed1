// Packed binary-coded decimal, as the 8254 (4 digits) and the MC146818 RTC (2 digits) count.

/** 0..9999 → packed BCD (four digits, 0x0000..0x9999). */
export function toBcd(v: number): number {
  return ((Math.floor(v / 1000) % 10) << 12) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 10) % 10) << 4) | v % 10;
}

/** Packed BCD (up to four digits) → binary. Nibbles above 9 are taken at face value. */
export function fromBcd(v: number): number {
  return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}
