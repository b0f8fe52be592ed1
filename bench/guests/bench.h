/* The CPU-bound benchmark workload's interface, shared by the Multiboot front end
 * (multiboot-main.c) and the native Linux front end (native-main.c). Both link the same
 * workload.o, so every engine runs the same object code. */
#ifndef BENCH_H
#define BENCH_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int size_t;

/* Repeat count used when the command line does not say "repeat=N". */
#define BENCH_DEFAULT_REPEAT 10
#define BENCH_MAX_REPEAT 1000

/* Size of the buffer bench_main needs for its transcript. */
#define BENCH_REPORT_MAX 1024

/* Reads the command line (NULL allowed): "repeat=N" (1..BENCH_MAX_REPEAT, default
 * BENCH_DEFAULT_REPEAT) and "kernels=NAME,NAME" (default: all), anywhere in it. Runs the selected
 * kernels `repeat` times and writes the transcript into out, NUL-terminated: a header line, one
 * "name value" line per kernel, then "checksum XXXXXXXX". Returns 1; or, for a bad command line,
 * writes a one-line message into out instead and returns 0. */
int bench_main(const char *cmdline, char *out);

/* Freestanding replacements for the libc routines GCC may call on its own. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
