// The one declaration of the core's memory layout and vCPU state block.
//
// This file is imported by both the AssemblyScript core (assembly/) and the TypeScript host
// (src/core/), so it contains plain numeric constants only. Every offset is a byte offset inside
// the wasm linear memory (absolute) or inside the vCPU state block (STATE_*, relative to
// STATE_BASE). All state-block fields are little-endian u32 unless marked u64.
//
// Linear memory map (fixed):
//   0x0000_0000 .. 0x0000_0FFF  unused (a null pointer is never valid state)
//   0x0000_1000 .. 0x0000_1FFF  the running vCPU's state block (STATE_BASE, STATE_SIZE bytes)
//   0x0001_0000 .. 0x000F_FFFF  AssemblyScript static data (asconfig memoryBase)
//   0x0010_0000 .. 0x004F_FFFF  TLB: one u32 entry per 4 KiB linear page (TLB_BASE)
//   0x0050_0000 .. 0x0053_FFFF  list of filled TLB slots, for cheap flushes (TLB_LIST_BASE)
//   0x0080_0000 ..              guest-physical RAM regions (RAM_AREA_BASE); init() grows to fit
//
// A world switch copies a vCPU's state block in and out of STATE_BASE (it is a plain byte block)
// and flushes the TLB.

export const STATE_BASE = 0x1000;
export const STATE_SIZE = 0x400;
export const TLB_BASE = 0x100000;
export const TLB_ENTRIES = 0x100000;
export const TLB_LIST_BASE = 0x500000;
export const TLB_LIST_MAX = 0x10000;
export const RAM_AREA_BASE = 0x800000;

// ---- general registers: Intel register numbers (SDM Vol. 2 §2.1.5, table 2-2) ----
export const REG_EAX = 0;
export const REG_ECX = 1;
export const REG_EDX = 2;
export const REG_EBX = 3;
export const REG_ESP = 4;
export const REG_EBP = 5;
export const REG_ESI = 6;
export const REG_EDI = 7;

export const STATE_REGS = 0x000; // 8 × u32, indexed by REG_*
export const STATE_EIP = 0x020;
// Architectural EFLAGS. Exact whenever run() has returned; inside run() the arithmetic flags may
// be held lazily (STATE_LAZY_*).
export const STATE_EFLAGS = 0x024;
export const STATE_LAZY_OP = 0x028;
export const STATE_LAZY_RES = 0x02c;
export const STATE_LAZY_DST = 0x030;
export const STATE_LAZY_SRC = 0x034;
export const STATE_LAZY_MASK = 0x038; // which of CF|PF|AF|ZF|SF|OF are lazy (the rest are in EFLAGS)
export const STATE_CPL = 0x03c;

// ---- segment registers: Intel sreg numbers; LDTR and TR follow ----
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
export const SEG_LDTR = 6;
export const SEG_TR = 7;
export const STATE_SEGS = 0x040; // 8 records × SEG_RECORD bytes, indexed by SEG_*
export const SEG_RECORD = 16;
export const SEG_SEL = 0; //   visible selector
export const SEG_BASE = 4; //  hidden base
export const SEG_LIMIT = 8; // hidden limit in bytes (granularity already applied)
export const SEG_ATTR = 12; // hidden access rights: descriptor bits 40..55 (type, S, DPL, P, AVL, L, D/B, G)
// SEG_ATTR bits (SDM Vol. 3A §3.4.5, shifted down by 8 from the descriptor's high dword)
export const ATTR_TYPE_MASK = 0x000f;
export const ATTR_ACCESSED = 0x0001;
export const ATTR_S = 0x0010; // code/data (1) or system (0)
export const ATTR_DPL_SHIFT = 5;
export const ATTR_P = 0x0080;
export const ATTR_AVL = 0x1000;
export const ATTR_DB = 0x4000;
export const ATTR_G = 0x8000;

export const STATE_GDTR_BASE = 0x0c0;
export const STATE_GDTR_LIMIT = 0x0c4;
export const STATE_IDTR_BASE = 0x0c8;
export const STATE_IDTR_LIMIT = 0x0cc;
export const STATE_CR0 = 0x0d0;
export const STATE_CR2 = 0x0d4;
export const STATE_CR3 = 0x0d8;
export const STATE_CR4 = 0x0dc;
export const STATE_DR = 0x0e0; // DR0..DR7, 8 × u32

export const STATE_INSN_COUNT = 0x100; // u64: retired instructions (the virtual clock)
export const STATE_TSC_OFFSET = 0x108; // u64: RDTSC = INSN_COUNT + TSC_OFFSET
export const STATE_RAM_BASE = 0x110; // absolute wasm address of guest-physical address 0
export const STATE_RAM_SIZE = 0x114; // bytes of guest-physical RAM (a multiple of 4 KiB)

// ---- exits: written by run() before it returns (see EXIT_* below) ----
export const STATE_EXIT_REASON = 0x118;
export const STATE_EXIT_PORT = 0x11c; //  EXIT_IO: port number
export const STATE_EXIT_SIZE = 0x120; //  EXIT_IO: access size in bytes (1, 2, 4)
export const STATE_EXIT_DIR = 0x124; //   EXIT_IO: IO_OUT or IO_IN
export const STATE_EXIT_DATA = 0x128; //  EXIT_IO: the value written (OUT) / the host's answer (IN)
export const STATE_EXIT_VECTOR = 0x12c; // EXIT_EXCEPTION / EXIT_TRIPLE_FAULT: the vector
export const STATE_EXIT_ERROR = 0x130; //  error code (0xFFFFFFFF: none)
export const STATE_EXIT_EIP = 0x134; //    EIP of the instruction that caused the exit

// ---- host → core requests ----
// An external interrupt vector to deliver through the IDT at the start of the next run(), or
// INJECT_NONE. The host sets it only when the CPU can take an interrupt (EFLAGS.IF=1, no
// interrupt shadow), which it learns from EXIT_INTR_WINDOW or by reading the state.
export const STATE_INJECT = 0x138;
export const INJECT_NONE = 0xffffffff;
// Non-zero while an external interrupt is waiting: run() returns EXIT_INTR_WINDOW at the first
// instruction boundary where it can be taken (IF=1 and no STI/MOV SS shadow).
export const STATE_INTR_PENDING = 0x13c;
// Internal: IN/INS completion. The host answers EXIT_IO/IO_IN by writing EXIT_DATA and setting
// IO_READY to 1; the instruction, which did not retire, then completes on the next run().
export const STATE_IO_READY = 0x140;
export const STATE_ACTIVITY = 0x144; // ACTIVITY_RUNNING or ACTIVITY_HLT (after EXIT_HLT)
export const STATE_EXC_BITMAP = 0x148; // guest mode: bit v set → exception v exits (EXIT_EXCEPTION)
export const STATE_GUEST_CTRL = 0x14c; // guest mode controls (GUEST_CTRL_* bits; 0 = bare metal)
export const STATE_INT_SHADOW = 0x150; // 1 after STI / MOV SS / POP SS for one instruction
export const STATE_SYSENTER_CS = 0x154;
export const STATE_SYSENTER_ESP = 0x158;
export const STATE_SYSENTER_EIP = 0x15c;
export const STATE_TSC_HZ = 0x160; // reserved: virtual TSC frequency the host advertises
export const STATE_A20 = 0x164; // reserved
// Per-run statistics (u32 counters, reset by the host when it wants)
export const STATE_STAT_EXCEPTIONS = 0x180; // exceptions delivered through the IDT
export const STATE_STAT_INTERRUPTS = 0x184; // external interrupts delivered
export const STATE_STAT_TLB_MISSES = 0x188;
export const STATE_STAT_TLB_FLUSHES = 0x18c;
export const STATE_STAT_PAGE_FAULTS = 0x190;

// ---- exit reasons (run's return value, also in STATE_EXIT_REASON) ----
export const EXIT_BUDGET = 0; //        the instruction budget is spent
export const EXIT_IO = 1; //            IN/OUT/INS/OUTS: see STATE_EXIT_PORT..DATA
export const EXIT_HLT = 2; //           HLT retired; EIP is past it
export const EXIT_INTR_WINDOW = 3; //   an interrupt is pending (STATE_INTR_PENDING) and can be taken now
export const EXIT_TRIPLE_FAULT = 4; //  shutdown; EXIT_VECTOR is the exception that could not be delivered
export const EXIT_EXCEPTION = 5; //     guest mode: an exception in STATE_EXC_BITMAP; nothing delivered
export const EXIT_NAMES = ["budget", "io", "hlt", "intr-window", "triple-fault", "exception"];

export const IO_OUT = 0;
export const IO_IN = 1;
export const ACTIVITY_RUNNING = 0;
export const ACTIVITY_HLT = 1;

// ---- architectural constants (SDM names) ----
export const EFLAGS_CF = 0x0001;
export const EFLAGS_FIXED = 0x0002; // bit 1 always reads 1
export const EFLAGS_PF = 0x0004;
export const EFLAGS_AF = 0x0010;
export const EFLAGS_ZF = 0x0040;
export const EFLAGS_SF = 0x0080;
export const EFLAGS_TF = 0x0100;
export const EFLAGS_IF = 0x0200;
export const EFLAGS_DF = 0x0400;
export const EFLAGS_OF = 0x0800;
export const EFLAGS_IOPL = 0x3000;
export const EFLAGS_IOPL_SHIFT = 12;
export const EFLAGS_NT = 0x4000;
export const EFLAGS_RF = 0x10000;
export const EFLAGS_VM = 0x20000;
export const EFLAGS_AC = 0x40000;
export const EFLAGS_VIF = 0x80000;
export const EFLAGS_VIP = 0x100000;
export const EFLAGS_ID = 0x200000;
export const EFLAGS_ARITH = 0x08d5; // CF|PF|AF|ZF|SF|OF

export const CR0_PE = 0x00000001;
export const CR0_MP = 0x00000002;
export const CR0_EM = 0x00000004;
export const CR0_TS = 0x00000008;
export const CR0_ET = 0x00000010;
export const CR0_NE = 0x00000020;
export const CR0_WP = 0x00010000;
export const CR0_AM = 0x00040000;
export const CR0_NW = 0x20000000;
export const CR0_CD = 0x40000000;
export const CR0_PG = 0x80000000;

export const CR4_VME = 0x0001;
export const CR4_PVI = 0x0002;
export const CR4_TSD = 0x0004;
export const CR4_DE = 0x0008;
export const CR4_PSE = 0x0010;
export const CR4_PAE = 0x0020;
export const CR4_PGE = 0x0080;

export const PTE_P = 0x001;
export const PTE_W = 0x002;
export const PTE_U = 0x004;
export const PTE_PWT = 0x008;
export const PTE_PCD = 0x010;
export const PTE_A = 0x020;
export const PTE_D = 0x040;
export const PTE_PS = 0x080;
export const PTE_G = 0x100;

// Page-fault error code bits (SDM Vol. 3A §4.7)
export const PF_P = 0x1;
export const PF_W = 0x2;
export const PF_U = 0x4;
export const PF_RSVD = 0x8;

// Exception vectors (SDM Vol. 3A §6.3.1)
export const EXC_DE = 0;
export const EXC_DB = 1;
export const EXC_NMI = 2;
export const EXC_BP = 3;
export const EXC_OF = 4;
export const EXC_BR = 5;
export const EXC_UD = 6;
export const EXC_NM = 7;
export const EXC_DF = 8;
export const EXC_TS = 10;
export const EXC_NP = 11;
export const EXC_SS = 12;
export const EXC_GP = 13;
export const EXC_PF = 14;
export const EXC_MF = 16;
export const EXC_AC = 17;
export const EXC_MC = 18;
export const EXC_XM = 19;
