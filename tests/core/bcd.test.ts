// ISA unit tests, bcd family: DAA DAS AAA AAS (every AL and incoming CF/AF), AAM, AAD.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/bcd.json).
import { describeFamily } from "./harness.js";

describeFamily("bcd");
