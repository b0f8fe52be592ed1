/* Native Linux front end of the benchmark: the same workload object, run as a static i386
 * process with no libc (for native timing and for counting instructions under callgrind).
 * argv[1], if given, is the command line ("repeat=N"); the transcript goes to stdout. */
#include "bench.h"

#define NR_write 4 /* Linux i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl) */

static i32 sys_write(i32 fd, const void *buf, u32 n) {
	i32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(NR_write), "b"(fd), "c"(buf), "d"(n) : "memory");
	return r;
}

static char report[BENCH_REPORT_MAX];

int native_main(int argc, char **argv) {
	u32 repeat = bench_parse_repeat(argc > 1 ? argv[1] : 0);
	if (!repeat) {
		static const char msg[] = "bench: bad repeat= on the command line (want 1..1000)\n";
		sys_write(2, msg, sizeof msg - 1);
		return 2;
	}
	u32 n = bench_run(repeat, report);
	return sys_write(1, report, n) == (i32)n ? 0 : 1;
}
