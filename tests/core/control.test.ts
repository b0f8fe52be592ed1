// ISA unit tests, control family: Jcc rel8/rel32, SETcc, CMOVcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JECXZ/JCXZ.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/control.json).
import { describeFamily } from "./harness.js";

describeFamily("control");
