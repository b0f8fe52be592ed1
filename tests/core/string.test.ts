// ISA unit tests, string family: MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE, both directions, overrides, 0x67.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/string.json).
import { describeFamily } from "./harness.js";

describeFamily("string");
