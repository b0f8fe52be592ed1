// Every engine the benchmark knows, in report order (tabvisor first: the others are compared
// with it).
import { engine as tabvisor } from "./tabvisor.js";
import { engine as v86 } from "./v86.js";
import { engine as v86Interp } from "./v86-interp.js";
import { engine as qemu } from "./qemu.js";
import { engine as native } from "./native.js";

/** @type {import("../lib/engine.js").Engine[]} */
export const ENGINES = [tabvisor, v86, v86Interp, qemu, native];
