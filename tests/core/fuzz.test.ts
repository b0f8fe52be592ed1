// ISA unit tests, fuzz family: 6,000 random encodings of the user-mode integer ISA (random
// 66/67/F0/segment prefixes in random order, stray F2/F3 in the last batches, random ModRM/SIB,
// displacements and immediates, memory operands solved into the test windows), each checked
// against the native CPU (tests/fixtures/isa/fuzz.json, genFuzz in gen.c). Failures print the
// bytes to decode by hand.
import { describeFamily } from "./harness.js";

describeFamily("fuzz");
