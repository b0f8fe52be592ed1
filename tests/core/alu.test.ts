// ISA unit tests, alu family: ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT in all sizes and encodings, LOCK.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/alu.json).
import { describeFamily } from "./harness.js";

describeFamily("alu");
