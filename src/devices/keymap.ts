// Terminal input → PC keyboard keys → scancodes. Parses the bytes a terminal sends (printable
// ASCII, Enter, Backspace, Tab, Esc, Ctrl+letter control codes, Alt as an ESC prefix, the
// xterm/VT220 cursor, editing and function-key escape sequences with their modifier parameter,
// and CSI Z for Shift+Tab) into key strokes, and turns a stroke into make/break codes of scancode
// set 1 or set 2 (IBM PS/2 Technical Reference, keyboard scan code tables) for a US layout.
//
// A stroke is: modifiers pressed (Left Ctrl, Left Shift, Left Alt, in that order), key make, key
// break, modifiers released in reverse order. Extended keys carry the 0xE0 prefix; the "fake
// shift" codes real keyboards add around extended keys are not produced. Characters outside ASCII
// have no key on a US keyboard and are dropped.

export type KeyName = keyof typeof KEYS;

export interface KeyStroke {
  key: KeyName;
  shift?: boolean;
  ctrl?: boolean;
  alt?: boolean;
}

export type ScancodeSet = 1 | 2;

/** Legend: key name → [set 1 make code, set 2 make code, extended (0xE0 prefix)]. */
export const KEYS = {
  escape: [0x01, 0x76, false],
  "1": [0x02, 0x16, false],
  "2": [0x03, 0x1e, false],
  "3": [0x04, 0x26, false],
  "4": [0x05, 0x25, false],
  "5": [0x06, 0x2e, false],
  "6": [0x07, 0x36, false],
  "7": [0x08, 0x3d, false],
  "8": [0x09, 0x3e, false],
  "9": [0x0a, 0x46, false],
  "0": [0x0b, 0x45, false],
  minus: [0x0c, 0x4e, false],
  equal: [0x0d, 0x55, false],
  backspace: [0x0e, 0x66, false],
  tab: [0x0f, 0x0d, false],
  q: [0x10, 0x15, false],
  w: [0x11, 0x1d, false],
  e: [0x12, 0x24, false],
  r: [0x13, 0x2d, false],
  t: [0x14, 0x2c, false],
  y: [0x15, 0x35, false],
  u: [0x16, 0x3c, false],
  i: [0x17, 0x43, false],
  o: [0x18, 0x44, false],
  p: [0x19, 0x4d, false],
  bracketleft: [0x1a, 0x54, false],
  bracketright: [0x1b, 0x5b, false],
  enter: [0x1c, 0x5a, false],
  ctrl: [0x1d, 0x14, false],
  a: [0x1e, 0x1c, false],
  s: [0x1f, 0x1b, false],
  d: [0x20, 0x23, false],
  f: [0x21, 0x2b, false],
  g: [0x22, 0x34, false],
  h: [0x23, 0x33, false],
  j: [0x24, 0x3b, false],
  k: [0x25, 0x42, false],
  l: [0x26, 0x4b, false],
  semicolon: [0x27, 0x4c, false],
  quote: [0x28, 0x52, false],
  backquote: [0x29, 0x0e, false],
  shift: [0x2a, 0x12, false],
  backslash: [0x2b, 0x5d, false],
  z: [0x2c, 0x1a, false],
  x: [0x2d, 0x22, false],
  c: [0x2e, 0x21, false],
  v: [0x2f, 0x2a, false],
  b: [0x30, 0x32, false],
  n: [0x31, 0x31, false],
  m: [0x32, 0x3a, false],
  comma: [0x33, 0x41, false],
  period: [0x34, 0x49, false],
  slash: [0x35, 0x4a, false],
  rshift: [0x36, 0x59, false],
  alt: [0x38, 0x11, false],
  space: [0x39, 0x29, false],
  capslock: [0x3a, 0x58, false],
  f1: [0x3b, 0x05, false],
  f2: [0x3c, 0x06, false],
  f3: [0x3d, 0x04, false],
  f4: [0x3e, 0x0c, false],
  f5: [0x3f, 0x03, false],
  f6: [0x40, 0x0b, false],
  f7: [0x41, 0x83, false],
  f8: [0x42, 0x0a, false],
  f9: [0x43, 0x01, false],
  f10: [0x44, 0x09, false],
  f11: [0x57, 0x78, false],
  f12: [0x58, 0x07, false],
  rctrl: [0x1d, 0x14, true],
  ralt: [0x38, 0x11, true],
  home: [0x47, 0x6c, true],
  up: [0x48, 0x75, true],
  pageup: [0x49, 0x7d, true],
  left: [0x4b, 0x6b, true],
  right: [0x4d, 0x74, true],
  end: [0x4f, 0x69, true],
  down: [0x50, 0x72, true],
  pagedown: [0x51, 0x7a, true],
  insert: [0x52, 0x70, true],
  delete: [0x53, 0x71, true],
} as const satisfies Record<string, readonly [number, number, boolean]>;

/** Punctuation and digits: unshifted character → key, and the shifted characters of the same keys. */
const UNSHIFTED: Record<string, KeyName> = {
  "-": "minus", "=": "equal", "[": "bracketleft", "]": "bracketright", ";": "semicolon",
  "'": "quote", "`": "backquote", "\\": "backslash", ",": "comma", ".": "period", "/": "slash", " ": "space",
};
const SHIFTED: Record<string, KeyName> = {
  "!": "1", "@": "2", "#": "3", $: "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0",
  _: "minus", "+": "equal", "{": "bracketleft", "}": "bracketright", ":": "semicolon", '"': "quote",
  "~": "backquote", "|": "backslash", "<": "comma", ">": "period", "?": "slash",
};
/** CSI n ~ (VT220 editing and function keys). */
const TILDE_KEYS: Record<number, KeyName> = {
  1: "home", 2: "insert", 3: "delete", 4: "end", 5: "pageup", 6: "pagedown", 7: "home", 8: "end",
  11: "f1", 12: "f2", 13: "f3", 14: "f4", 15: "f5", 17: "f6", 18: "f7", 19: "f8", 20: "f9", 21: "f10",
  23: "f11", 24: "f12",
};
/** CSI/SS3 final byte → key. */
const FINAL_KEYS: Record<string, KeyName> = {
  A: "up", B: "down", C: "right", D: "left", H: "home", F: "end", P: "f1", Q: "f2", R: "f3", S: "f4",
};

/** The stroke for one printable ASCII character or control code, or null if none. */
export function charToStroke(ch: string): KeyStroke | null {
  const code = ch.charCodeAt(0);
  if (ch.length !== 1 || code > 0x7f) return null;
  if (ch >= "a" && ch <= "z") return { key: ch as KeyName };
  if (ch >= "A" && ch <= "Z") return { key: ch.toLowerCase() as KeyName, shift: true };
  if (ch >= "0" && ch <= "9") return { key: ch as KeyName };
  if (UNSHIFTED[ch]) return { key: UNSHIFTED[ch] };
  if (SHIFTED[ch]) return { key: SHIFTED[ch], shift: true };
  switch (code) {
    case 0x0d:
    case 0x0a:
      return { key: "enter" };
    case 0x09:
      return { key: "tab" };
    case 0x08:
    case 0x7f:
      return { key: "backspace" };
    case 0x1b:
      return { key: "escape" };
    case 0x00:
      return { key: "space", ctrl: true };
    case 0x1c:
      return { key: "backslash", ctrl: true };
    case 0x1d:
      return { key: "bracketright", ctrl: true };
    case 0x1e:
      return { key: "6", ctrl: true, shift: true };
    case 0x1f:
      return { key: "minus", ctrl: true, shift: true };
  }
  if (code >= 0x01 && code <= 0x1a) return { key: String.fromCharCode(0x60 + code) as KeyName, ctrl: true };
  return null;
}

/** xterm modifier parameter (1 + shift·1 + alt·2 + ctrl·4) applied to a stroke. */
function withModifier(key: KeyName, param: number | undefined): KeyStroke {
  const m = (param ?? 1) - 1;
  const s: KeyStroke = { key };
  if (m & 1) s.shift = true;
  if (m & 2) s.alt = true;
  if (m & 4) s.ctrl = true;
  return s;
}

/** Parse terminal input into key strokes. `\r\n` counts as one Enter. */
export function terminalToStrokes(data: string): KeyStroke[] {
  const out: KeyStroke[] = [];
  let i = 0;
  while (i < data.length) {
    const ch = data[i];
    if (ch === "\x1b" && i + 1 < data.length) {
      const next = data[i + 1];
      if (next === "[" || next === "O") {
        // CSI params final | SS3 final
        let j = i + 2;
        while (j < data.length && /[0-9;]/.test(data[j])) j++;
        if (j < data.length) {
          const params = data.slice(i + 2, j).split(";").filter((p) => p !== "").map(Number);
          const final = data[j];
          let key: KeyName | undefined;
          let mod: number | undefined;
          if (final === "Z" && next === "[") {
            out.push({ key: "tab", shift: true }); // back-tab (Shift+Tab)
            i = j + 1;
            continue;
          }
          if (final === "~" && next === "[") {
            key = TILDE_KEYS[params[0]];
            mod = params[1];
          } else if (FINAL_KEYS[final]) {
            key = FINAL_KEYS[final];
            mod = params.length >= 2 ? params[1] : params.length === 1 && next === "O" ? params[0] : undefined;
          }
          if (key) {
            out.push(withModifier(key, mod));
            i = j + 1;
            continue;
          }
          if (next === "[") {
            i = j + 1; // an unknown CSI sequence is consumed whole
            continue;
          }
        }
      }
      // ESC + character: the character with Alt (xterm's meta-sends-escape)
      const s = charToStroke(next);
      if (s && next !== "\x1b") {
        out.push({ ...s, alt: true });
        i += 2;
        continue;
      }
    }
    if (ch === "\r" && data[i + 1] === "\n") i++;
    const s = charToStroke(ch);
    if (s) out.push(s);
    i++;
  }
  return out;
}

function keyBytes(key: KeyName, set: ScancodeSet, release: boolean): number[] {
  const k = KEYS[key];
  if (!k) throw new RangeError(`unknown key name "${key}"`);
  const [s1, s2, ext] = k;
  const bytes: number[] = ext ? [0xe0] : [];
  if (set === 1) bytes.push(release ? s1 | 0x80 : s1);
  else bytes.push(...(release ? [0xf0, s2] : [s2]));
  return bytes;
}

/** Make and break codes for one stroke, modifiers wrapped around the key. */
export function strokeScancodes(stroke: KeyStroke, set: ScancodeSet): number[] {
  const mods: KeyName[] = [];
  if (stroke.ctrl) mods.push("ctrl");
  if (stroke.shift) mods.push("shift");
  if (stroke.alt) mods.push("alt");
  const bytes: number[] = [];
  for (const m of mods) bytes.push(...keyBytes(m, set, false));
  bytes.push(...keyBytes(stroke.key, set, false), ...keyBytes(stroke.key, set, true));
  for (const m of mods.reverse()) bytes.push(...keyBytes(m, set, true));
  return bytes;
}
