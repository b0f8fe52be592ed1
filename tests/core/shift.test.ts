// ISA unit tests, shift family: ROL ROR RCL RCR SHL SHR SAL SAR by 1, CL and imm8; SHLD SHRD.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/shift.json).
import { describeFamily } from "./harness.js";

describeFamily("shift");
