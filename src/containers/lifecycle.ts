// The host's mirror of a container's lifecycle, an explicit state machine (runc's):
//
//   (none) --create--> created --start--> running --pause--> paused
//                        |                  |  ^--resume------'  |
//                        |                  '--stop/exit--> stopped <--stop/exit--'
//                        '--remove--> (gone)                  |
//                                                stopped --remove--> (gone)
//
// A transition the table does not list is refused with IllegalTransitionError before anything is
// sent to the guest. `exit` is what the guest reports (a `0 event` line): the container's init
// ended or was killed (an OOM kill included).

export type ContainerState = "created" | "running" | "paused" | "stopped" | "removed";

export type LifecycleAction = "start" | "pause" | "resume" | "stop" | "exit" | "remove";

/** state → action → next state. */
const TRANSITIONS: Readonly<Record<ContainerState, Partial<Record<LifecycleAction, ContainerState>>>> = {
  created: { start: "running", stop: "stopped", remove: "removed" },
  running: { pause: "paused", stop: "stopped", exit: "stopped" },
  paused: { resume: "running", stop: "stopped", exit: "stopped" },
  stopped: { remove: "removed", exit: "stopped" },
  removed: {},
};

export class IllegalTransitionError extends Error {
  override name = "IllegalTransitionError";
  constructor(
    readonly container: string,
    readonly from: ContainerState,
    readonly action: LifecycleAction,
  ) {
    super(`container ${container} is ${from}: cannot ${action} it`);
  }
}

/** The next state, or IllegalTransitionError. */
export function nextState(container: string, from: ContainerState, action: LifecycleAction): ContainerState {
  const to = TRANSITIONS[from][action];
  if (to === undefined) throw new IllegalTransitionError(container, from, action);
  return to;
}

/** Whether `action` is allowed from `from`. */
export function canTransition(from: ContainerState, action: LifecycleAction): boolean {
  return TRANSITIONS[from][action] !== undefined;
}

/** One container as the host mirrors it. */
export class ContainerLifecycle {
  private current: ContainerState = "created";
  /** Every state entered, in order (starting with "created"). */
  readonly history: ContainerState[] = ["created"];

  constructor(readonly name: string) {}

  get state(): ContainerState {
    return this.current;
  }

  /** Refuse `action` now if it is illegal (call before asking the guest). */
  check(action: LifecycleAction): void {
    nextState(this.name, this.current, action);
  }

  apply(action: LifecycleAction): ContainerState {
    const to = nextState(this.name, this.current, action);
    if (to !== this.current) this.history.push(to);
    this.current = to;
    return to;
  }

  /** Take the guest's word for the state (a `ps` or `run` reply); unknown words are ignored. */
  adopt(state: string): void {
    if (state === "created" || state === "running" || state === "paused" || state === "stopped") {
      if (state !== this.current) this.history.push(state);
      this.current = state;
    }
  }
}
