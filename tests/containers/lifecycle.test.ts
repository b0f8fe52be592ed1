// The host's container lifecycle mirror: created → running → paused → stopped → removed, and the
// typed refusal of every transition the state machine does not list.
import { describe, expect, it } from "vitest";
import { ContainerLifecycle, IllegalTransitionError, canTransition, nextState, type ContainerState, type LifecycleAction } from "../../src/containers/lifecycle.js";

const STATES: ContainerState[] = ["created", "running", "paused", "stopped", "removed"];
const ACTIONS: LifecycleAction[] = ["start", "pause", "resume", "stop", "exit", "remove"];
const LEGAL: Record<string, ContainerState> = {
  "created start": "running",
  "created stop": "stopped",
  "created remove": "removed",
  "running pause": "paused",
  "running stop": "stopped",
  "running exit": "stopped",
  "paused resume": "running",
  "paused stop": "stopped",
  "paused exit": "stopped",
  "stopped remove": "removed",
  "stopped exit": "stopped",
};

describe("container lifecycle", () => {
  it("allows exactly the listed transitions and refuses the other 19 with IllegalTransitionError", () => {
    let refused = 0;
    for (const s of STATES) {
      for (const a of ACTIONS) {
        const key = `${s} ${a}`;
        if (key in LEGAL) {
          expect(nextState("c", s, a)).toBe(LEGAL[key]);
          expect(canTransition(s, a)).toBe(true);
        } else {
          expect(canTransition(s, a)).toBe(false);
          let err: unknown;
          try {
            nextState("c", s, a);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(IllegalTransitionError);
          expect((err as IllegalTransitionError).from).toBe(s);
          expect((err as IllegalTransitionError).action).toBe(a);
          refused++;
        }
      }
    }
    expect(refused).toBe(STATES.length * ACTIONS.length - Object.keys(LEGAL).length);
  });

  it("walks a whole life and records its history; a refused action changes nothing", () => {
    const c = new ContainerLifecycle("web1");
    c.apply("start");
    c.apply("pause");
    expect(() => c.apply("start")).toThrow("container web1 is paused: cannot start it");
    expect(c.state).toBe("paused");
    c.apply("resume");
    c.apply("exit");
    expect(() => c.check("resume")).toThrow(IllegalTransitionError);
    c.apply("remove");
    expect(c.history).toEqual(["created", "running", "paused", "running", "stopped", "removed"]);
  });

  it("adopts the guest's reported state and ignores words it does not know", () => {
    const c = new ContainerLifecycle("x");
    c.adopt("running");
    c.adopt("exploded");
    expect(c.state).toBe("running");
    expect(c.history).toEqual(["created", "running"]);
  });
});
