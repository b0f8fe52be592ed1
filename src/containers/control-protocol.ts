// The text protocol on pvchan stream 0 (docs/containers.md, "The control protocol"): the host
// writes `ID WORD...\n` with the words of the in-guest `ctr` CLI; the guest's ctrd answers
// `ID ok JSON\n` or `ID err MESSAGE\n`, and announces what happened unasked as `0 event JSON\n`.
// This module only formats and parses lines; control-channel.ts moves them.

/** Request ids run 1..MAX_REQUEST_ID; 0 is reserved for events. */
export const MAX_REQUEST_ID = 0x7fffffff;
/** The longest line either side sends (bytes, without the LF); longer lines are a protocol error. */
export const MAX_LINE_BYTES = 65536;

export type ControlLine =
  | { kind: "ok"; id: number; value: unknown }
  | { kind: "err"; id: number; message: string }
  | { kind: "event"; event: GuestEvent };

/** A `0 event` payload: `event` is its name (ctrd writes it as "type"); the rest is the event's own fields. */
export interface GuestEvent {
  event: string;
  [field: string]: unknown;
}

/** A line the host cannot make sense of; the channel reports it and carries on. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** A word the control line cannot carry: empty, or holding whitespace or a control character. */
export function checkWord(word: string): void {
  if (word.length === 0 || /[\s\x00-\x1f\x7f]/.test(word)) {
    throw new ProtocolError(`control words cannot be empty or contain spaces or control characters: ${JSON.stringify(word)}`);
  }
}

/** `ID WORD WORD...` (without the LF). */
export function formatRequest(id: number, words: readonly string[]): string {
  if (!Number.isInteger(id) || id < 1 || id > MAX_REQUEST_ID) throw new RangeError(`request id ${id} is outside 1..${MAX_REQUEST_ID}`);
  if (words.length === 0) throw new ProtocolError("a request needs a verb");
  for (const w of words) checkWord(w);
  return `${id} ${words.join(" ")}`;
}

/** Parse one line from the guest (LF and a trailing CR removed). */
export function parseLine(line: string): ControlLine {
  const m = /^(\d{1,10}) (ok|err|event)(?: (.*))?$/s.exec(line.replace(/\r$/, ""));
  if (!m) throw new ProtocolError(`not a control line: ${JSON.stringify(line.slice(0, 120))}`);
  const id = Number(m[1]);
  const rest = m[3] ?? "";
  if (m[2] === "event") {
    if (id !== 0) throw new ProtocolError(`event line with request id ${id} (events use id 0)`);
    const value = parseJson(rest, "event") as Record<string, unknown>;
    const name = typeof value === "object" && value !== null && !Array.isArray(value) ? (value.type ?? value.event) : undefined;
    if (typeof name !== "string") throw new ProtocolError(`event without a "type" name: ${rest.slice(0, 120)}`);
    return { kind: "event", event: { ...value, event: name } };
  }
  if (id < 1 || id > MAX_REQUEST_ID) throw new ProtocolError(`reply with request id ${m[1]} outside 1..${MAX_REQUEST_ID}`);
  if (m[2] === "err") return { kind: "err", id, message: rest };
  return { kind: "ok", id, value: rest === "" ? null : parseJson(rest, "reply") };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`${what} is not JSON: ${text.slice(0, 120)}`);
  }
}
