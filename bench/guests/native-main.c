/* Native Linux front end of the benchmark: the same workload object, run as a static i386
 * process with no libc (for native timing and for counting instructions under callgrind).
 * argv[1], if given, is the command line ("repeat=N kernels=…"); the transcript goes to stdout,
 * a bad command line's message to stderr (exit status 2). */
#include "bench.h"

#define NR_write 4 /* Linux i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl) */

static i32 sys_write(i32 fd, const void *buf, u32 n) {
	i32 r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(NR_write), "b"(fd), "c"(buf), "d"(n) : "memory");
	return r;
}

static char report[BENCH_REPORT_MAX];

int native_main(int argc, char **argv) {
	int ok = bench_main(argc > 1 ? argv[1] : 0, report);
	u32 n = 0;
	while (report[n])
		n++;
	if (!ok) {
		sys_write(2, report, n);
		return 2;
	}
	return sys_write(1, report, n) == (i32)n ? 0 : 1;
}
