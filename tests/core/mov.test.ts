// ISA unit tests, mov family: MOV, MOVSX/MOVZX, LEA, 16-bit addressing, segment overrides, XCHG, CMPXCHG, CMPXCHG8B, XADD, XLAT, CBW..CDQ, LAHF/SAHF.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/mov.json).
import { describeFamily } from "./harness.js";

describeFamily("mov");
