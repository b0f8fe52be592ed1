// ISA unit tests, bit family: BT BTS BTR BTC (register/immediate offsets, register/memory), BSF BSR, BSWAP.
// Each form is checked against native runs on an Intel CPU (tests/fixtures/isa/bit.json).
import { describeFamily } from "./harness.js";

describeFamily("bit");
