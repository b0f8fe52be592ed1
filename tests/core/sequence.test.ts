// ISA unit tests, sequence family: 3,000 runs of 2–5 random register-form instructions back to
// back (ALU, INC/DEC, shifts and rotates by 0/1/CL/imm8, SHLD/SHRD, BT*, BSF/BSR, SETcc, CMOVcc,
// flag instructions, BCD, IMUL, XADD, CMPXCHG, TEST), checked against the native CPU
// (tests/fixtures/isa/sequence.json, genSeq in gen.c). Each instruction consumes or keeps part of
// the flags of the one before it, which is where a lazy-flags core goes wrong.
import { describeFamily } from "./harness.js";

describeFamily("sequence");
