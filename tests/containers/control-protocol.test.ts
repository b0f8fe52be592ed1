// Control lines on pvchan stream 0 (docs/containers.md): request formatting and reply/event parsing.
import { describe, expect, it } from "vitest";
import { MAX_REQUEST_ID, ProtocolError, formatRequest, parseLine } from "../../src/containers/control-protocol.js";

describe("formatRequest", () => {
  it("writes the id then the ctr words, space-separated", () => {
    expect(formatRequest(17, ["run", "--name", "web1", "--memory", "16M"])).toBe("17 run --name web1 --memory 16M");
  });

  it("refuses id 0 (events), ids past the maximum, and words with spaces or newlines", () => {
    expect(() => formatRequest(0, ["ps"])).toThrow(RangeError);
    expect(() => formatRequest(MAX_REQUEST_ID + 1, ["ps"])).toThrow(RangeError);
    expect(() => formatRequest(1, ["exec", "a b"])).toThrow(ProtocolError);
    expect(() => formatRequest(1, ["exec", "x\n2 rm y"])).toThrow(ProtocolError);
    expect(() => formatRequest(1, [""])).toThrow(ProtocolError);
    expect(() => formatRequest(1, [])).toThrow(ProtocolError);
  });
});

describe("parseLine", () => {
  it("parses ok replies with a JSON value, and ok with nothing as null", () => {
    expect(parseLine('17 ok {"name":"web1","console":3}')).toEqual({ kind: "ok", id: 17, value: { name: "web1", console: 3 } });
    expect(parseLine("4 ok [1,2]\r")).toEqual({ kind: "ok", id: 4, value: [1, 2] });
    expect(parseLine("5 ok")).toEqual({ kind: "ok", id: 5, value: null });
  });

  it("parses err replies with the message as written", () => {
    expect(parseLine("9 err container web1 is stopped: cannot pause it")).toEqual({
      kind: "err",
      id: 9,
      message: "container web1 is stopped: cannot pause it",
    });
  });

  it("parses events on id 0 and requires their name (\"type\", or \"event\")", () => {
    expect(parseLine('0 event {"event":"exit","name":"ct1","status":0}')).toEqual({
      kind: "event",
      event: { event: "exit", name: "ct1", status: 0 },
    });
    expect(parseLine('0 event {"type":"ready"}')).toEqual({ kind: "event", event: { type: "ready", event: "ready" } });
    expect(() => parseLine('0 event {"name":"ct1"}')).toThrow(/without a "type"/);
    expect(() => parseLine('3 event {"event":"exit"}')).toThrow(/events use id 0/);
  });

  it("rejects lines that are not control lines: console noise, bad JSON, reply id 0", () => {
    expect(() => parseLine("unix: hello")).toThrow(ProtocolError);
    expect(() => parseLine("1 ok {oops")).toThrow(/not JSON/);
    expect(() => parseLine("0 ok {}")).toThrow(/outside/);
    expect(() => parseLine("1 maybe")).toThrow(ProtocolError);
  });
});
