// Saving and restoring device state. A device lists the fields that make up its state; a saved
// state is a plain object of structured-cloneable values (numbers, bigints, arrays, typed arrays,
// null), so it can be posted to another worker or kept as a snapshot. Host-side wiring (callbacks,
// the clock, the bus) is never part of it.

export type DeviceState = Record<string, unknown>;

export class DeviceStateError extends Error {
  override name = "DeviceStateError";
}

/** Copy `fields` of `device` into a new state object. */
export function saveFields(device: object, fields: readonly string[]): DeviceState {
  const src = device as Record<string, unknown>;
  const state: DeviceState = {};
  for (const f of fields) state[f] = structuredClone(src[f]);
  return state;
}

/** Put `fields` of `state` back into `device`; typed arrays are filled in place. */
export function restoreFields(device: object, fields: readonly string[], state: DeviceState, what: string): void {
  const dst = device as Record<string, unknown>;
  for (const f of fields) {
    if (!(f in state)) throw new DeviceStateError(`saved ${what} state has no field "${f}"`);
    const v = structuredClone(state[f]);
    const cur = dst[f];
    if (ArrayBuffer.isView(cur) && !(cur instanceof DataView)) {
      const arr = cur as Uint8Array;
      if (!ArrayBuffer.isView(v) || (v as Uint8Array).length !== arr.length) {
        throw new DeviceStateError(`saved ${what} state field "${f}" has the wrong size`);
      }
      arr.set(v as Uint8Array);
    } else {
      dst[f] = v;
    }
  }
}
