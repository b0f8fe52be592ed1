// ISA unit tests, stack family: PUSH POP (all forms, PUSH ESP/POP ESP), PUSHA POPA, PUSHF POPF, ENTER LEAVE, PUSH/POP FS.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/stack.json).
import { describeFamily } from "./harness.js";

describeFamily("stack");
