// ISA unit tests, muldiv family: MUL, IMUL (one, two and three operands), DIV, IDIV and their #DE.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/muldiv.json).
import { describeFamily } from "./harness.js";

describeFamily("muldiv");
