// Engine "v86-interp": v86 with its JIT off (disable_jit), the interpreter-to-interpreter
// comparison for tabvisor.
import { v86Engine } from "./v86.js";

export const engine = v86Engine({ name: "v86-interp", label: "v86 (interpreter only)", jit: false });
