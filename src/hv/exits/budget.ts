// EXIT_BUDGET: the instruction budget is spent. Nothing to do; the loop checks its own limits.
import type { Machine } from "../vm.js";

export function handleBudget(_vm: Machine): void {}
