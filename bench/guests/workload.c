/* The CPU-bound benchmark workload: eight kernels of ordinary compiler output (integer arithmetic
 * with libgcc 64-bit division, calls, memory copies, a sieve, CRC32, sorting, string work, a
 * bytecode interpreter). Freestanding and deterministic: no libc, no floating point, no I/O; the
 * front ends print the transcript bench_main produces. Each kernel's work per repeat is fixed by
 * the sizes below; its result feeds one line of the transcript so a wrong emulation shows which
 * kernel it broke. */
#include "bench.h"

/* ---- sizes (one repeat of all kernels ≈ 2 × 10^8 instructions; see docs/bench.md) ---- */
#define ARITH_ITERS 200000
#define FIB_N 25
#define COPY_BUF 65536
#define COPY_ROUNDS 80
#define SIEVE_LIMIT (1u << 20)
#define CRC_BUF 65536
#define CRC_ROUNDS 32
#define SORT_N 30000
#define STRING_ROUNDS 1800
#define VM_LIMIT 1700

/* ---- helpers ---- */

static u32 rng_state;

static u32 rng_next(void) {
	/* xorshift32 (Marsaglia 2003) */
	u32 x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

static u32 mix(u32 h, u32 v) {
	h ^= v;
	h = (h << 5) | (h >> 27);
	return h * 0x9E3779B1u;
}

/* ---- libc routines (also the memcpy kernel's subjects) ----
 * GCC recognises these loops as memcpy/memset idioms and would compile them into calls to
 * themselves; the attribute keeps them as loops. */
#define NO_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_IDIOM void *memcpy(void *dst, const void *src, size_t n) {
	u8 *d = dst;
	const u8 *s = src;
	if ((((u32)d | (u32)s) & 3) == 0) {
		while (n >= 16) {
			u32 a = ((const u32 *)s)[0], b = ((const u32 *)s)[1];
			u32 c = ((const u32 *)s)[2], e = ((const u32 *)s)[3];
			((u32 *)d)[0] = a;
			((u32 *)d)[1] = b;
			((u32 *)d)[2] = c;
			((u32 *)d)[3] = e;
			d += 16;
			s += 16;
			n -= 16;
		}
		while (n >= 4) {
			*(u32 *)d = *(const u32 *)s;
			d += 4;
			s += 4;
			n -= 4;
		}
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_IDIOM void *memmove(void *dst, const void *src, size_t n) {
	u8 *d = dst;
	const u8 *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	d += n;
	s += n;
	while (n--)
		*--d = *--s;
	return dst;
}

NO_IDIOM void *memset(void *dst, int c, size_t n) {
	u8 *d = dst;
	u32 w = (u8)c * 0x01010101u;
	while (n && ((u32)d & 3)) {
		*d++ = (u8)c;
		n--;
	}
	while (n >= 4) {
		*(u32 *)d = w;
		d += 4;
		n -= 4;
	}
	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
	const u8 *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* ---- kernel 1: integer arithmetic ---- */

static u32 gcd(u32 a, u32 b) {
	while (b) {
		u32 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static u32 isqrt(u32 n) {
	u32 x = n, y = (n + 1) / 2;
	while (y < x) {
		x = y;
		y = (x + n / x) / 2;
	}
	return x;
}

static u32 mulmod64(u64 a, u64 b, u64 m) { return (u32)((a * b) % m); }

static u32 k_arith(u32 seed) {
	u32 h = seed, a = seed | 1, b = 12345;
	i32 s = -7;
	for (u32 i = 1; i <= ARITH_ITERS; i++) {
		a = a * 1103515245u + 12345u;
		b += (a >> 7) ^ (b << 3);
		s = s * 3 - (i32)(a >> 20);
		s /= 5;
		u32 g = gcd(a | 1, i);
		u64 wide = (u64)a * b + i;
		h = mix(h, g + (u32)(wide / 1000003u) + (u32)s);
		if ((i & 63) == 0) {
			h = mix(h, isqrt(a));
			h = mix(h, mulmod64(a, b, 4294967291u));
			h = mix(h, (u32)((i64)s * -3 >> 2));
		}
	}
	return h;
}

/* ---- kernel 2: calls (recursion, function pointers) ---- */

static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static u32 op_add(u32 a, u32 b) { return a + b; }
static u32 op_xor(u32 a, u32 b) { return a ^ (b << 1); }
static u32 op_mul(u32 a, u32 b) { return a * (b | 1); }
static u32 op_rot(u32 a, u32 b) { return (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)); }
static u32 (*const ops[4])(u32, u32) = {op_add, op_xor, op_mul, op_rot};

static __attribute__((noinline)) u32 tak(u32 x, u32 y, u32 z) {
	return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

static u32 k_calls(u32 seed) {
	u32 h = fib(FIB_N + (seed & 1));
	u32 v = seed;
	for (u32 i = 0; i < 100000; i++)
		v = ops[(v ^ i) & 3](v, i);
	h = mix(h, v);
	return mix(h, tak(18, 12, 6 + (seed & 3)));
}

/* ---- kernel 3: memory copies ---- */

static u8 copy_a[COPY_BUF] __attribute__((aligned(16)));
static u8 copy_b[COPY_BUF] __attribute__((aligned(16)));

static u32 k_copy(u32 seed) {
	rng_state = seed * 2654435761u + 1;
	for (u32 i = 0; i < COPY_BUF; i += 4)
		*(u32 *)(copy_a + i) = rng_next();
	u32 h = 0;
	for (u32 r = 0; r < COPY_ROUNDS; r++) {
		memcpy(copy_b, copy_a, COPY_BUF);
		u32 off = rng_next() & 15, len = COPY_BUF / 2 + (rng_next() & 4095);
		memcpy(copy_b + off, copy_a + 1, len);
		memmove(copy_a + 3, copy_a, COPY_BUF / 4);
		memmove(copy_a, copy_a + 5, COPY_BUF / 4);
		memset(copy_b + off + 7, (int)r, 1000);
		h = mix(h, (u32)memcmp(copy_a, copy_b, COPY_BUF));
		h = mix(h, *(u32 *)(copy_b + (rng_next() & (COPY_BUF - 4) & ~3u)));
	}
	return h;
}

/* ---- kernel 4: sieve of Eratosthenes ---- */

static u8 sieve[SIEVE_LIMIT];

static u32 k_sieve(u32 seed) {
	u32 limit = SIEVE_LIMIT - (seed & 255);
	memset(sieve, 1, limit);
	sieve[0] = sieve[1] = 0;
	for (u32 i = 2; i * i < limit; i++)
		if (sieve[i])
			for (u32 j = i * i; j < limit; j += i)
				sieve[j] = 0;
	u32 count = 0, h = 0;
	for (u32 i = 0; i < limit; i++)
		if (sieve[i]) {
			count++;
			h += i;
		}
	return mix(count, h);
}

/* ---- kernel 5: CRC32 (IEEE 802.3, reflected, table-driven) and bitwise CRC-32C ---- */

static u32 crc_table[256];
static u8 crc_buf[CRC_BUF];

static void crc_init(void) {
	for (u32 n = 0; n < 256; n++) {
		u32 c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static u32 crc32(const u8 *p, u32 n) {
	u32 c = 0xFFFFFFFFu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return ~c;
}

static u32 crc32c_bitwise(const u8 *p, u32 n) {
	u32 c = 0xFFFFFFFFu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & -(c & 1));
	}
	return ~c;
}

static u32 k_crc(u32 seed) {
	crc_init();
	rng_state = seed + 0x1234567;
	for (u32 i = 0; i < CRC_BUF; i++)
		crc_buf[i] = (u8)(rng_next() >> 11);
	u32 h = 0;
	for (u32 r = 0; r < CRC_ROUNDS; r++) {
		crc_buf[r * 7] ^= (u8)r;
		h = mix(h, crc32(crc_buf, CRC_BUF));
	}
	return mix(h, crc32c_bitwise(crc_buf, CRC_BUF / 4));
}

/* ---- kernel 6: sorting (quicksort with insertion sort for small runs, heapsort) ---- */

static u32 sort_a[SORT_N], sort_b[SORT_N];

static void insertion_sort(u32 *a, i32 n) {
	for (i32 i = 1; i < n; i++) {
		u32 v = a[i];
		i32 j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void quicksort(u32 *a, i32 n) {
	while (n > 16) {
		u32 x = a[0], y = a[n / 2], z = a[n - 1];
		u32 pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		i32 i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i >= j)
				break;
			u32 t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* recurse into the smaller half, loop on the larger */
		if (j + 1 < n - j - 1) {
			quicksort(a, j + 1);
			a += j + 1;
			n -= j + 1;
		} else {
			quicksort(a + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	insertion_sort(a, n);
}

static void sift_down(u32 *a, i32 root, i32 n) {
	for (;;) {
		i32 child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		u32 t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(u32 *a, i32 n) {
	for (i32 i = n / 2 - 1; i >= 0; i--)
		sift_down(a, i, n);
	for (i32 i = n - 1; i > 0; i--) {
		u32 t = a[0];
		a[0] = a[i];
		a[i] = t;
		sift_down(a, 0, i);
	}
}

static u32 k_sort(u32 seed) {
	rng_state = seed * 7919u + 17;
	for (u32 i = 0; i < SORT_N; i++)
		sort_a[i] = sort_b[i] = rng_next() % 1000000u;
	quicksort(sort_a, SORT_N);
	heapsort(sort_b, SORT_N);
	u32 h = 0, bad = 0;
	for (u32 i = 0; i < SORT_N; i++) {
		bad += sort_a[i] != sort_b[i];
		bad += i && sort_a[i - 1] > sort_a[i];
		h = mix(h, sort_a[i]);
	}
	return mix(h, bad);
}

/* ---- kernel 7: string work ---- */

static size_t str_len(const char *s) {
	const char *p = s;
	while (*p)
		p++;
	return (size_t)(p - s);
}

static int str_cmp(const char *a, const char *b) {
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

static char *str_cat(char *dst, const char *src) {
	char *d = dst + str_len(dst);
	while ((*d++ = *src++))
		;
	return dst;
}

static const char *str_str(const char *hay, const char *needle) {
	size_t n = str_len(needle);
	for (; *hay; hay++)
		if (*hay == *needle && memcmp(hay, needle, n) == 0)
			return hay;
	return 0;
}

static char *utoa(u32 v, char *out, u32 base) {
	char tmp[33];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % base];
		v /= base;
	} while (v);
	char *o = out;
	while (n)
		*o++ = tmp[--n];
	*o = 0;
	return out;
}

static u32 atou(const char *s, u32 base) {
	u32 v = 0;
	for (;; s++) {
		u32 d;
		if (*s >= '0' && *s <= '9')
			d = (u32)(*s - '0');
		else if (*s >= 'a' && *s <= 'z')
			d = (u32)(*s - 'a' + 10);
		else
			return v;
		if (d >= base)
			return v;
		v = v * base + d;
	}
}

static void str_reverse(char *s) {
	char *e = s + str_len(s) - 1;
	while (s < e) {
		char t = *s;
		*s++ = *e;
		*e-- = t;
	}
}

static u32 fnv1a(const char *s) {
	u32 h = 2166136261u;
	while (*s)
		h = (h ^ (u8)*s++) * 16777619u;
	return h;
}

static const char *const words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                                    "golf", "hotel", "india", "juliett", "kilo", "lima"};

static u32 k_string(u32 seed) {
	char line[512], num[40];
	u32 h = seed;
	for (u32 r = 0; r < STRING_ROUNDS; r++) {
		line[0] = 0;
		for (u32 w = 0; w < 12; w++) {
			str_cat(line, words[(r + w * 5) % 12]);
			str_cat(line, utoa(r * 31 + w, num, 10 + (w & 7)));
			str_cat(line, " ");
		}
		h = mix(h, fnv1a(line));
		h = mix(h, (u32)str_len(line));
		const char *hit = str_str(line, words[r % 12]);
		h = mix(h, hit ? (u32)(hit - line) : 0xFFFFFFFFu);
		hit = str_str(line, "zulu");
		h = mix(h, hit ? 1 : 0);
		str_reverse(line);
		h = mix(h, fnv1a(line));
		utoa(h, num, 16);
		h = mix(h, atou(num, 16) ^ (u32)str_cmp(num, words[r % 12]));
		for (char *p = line; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		h = mix(h, fnv1a(line));
	}
	return h;
}

/* ---- kernel 8: a small stack bytecode interpreter ---- */

enum {
	OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_MUL, OP_DIV, OP_MOD,
	OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_CALL, OP_RET
};

/* Sum over n in [1, limit) of the Collatz stopping time of n, via a subroutine.
 * Locals: 0 = n, 1 = total, 2 = x, 3 = steps (subroutine), 4 = limit (set by vm_run).
 * Jump and call operands are absolute indices into this array, shown in the left column. */
static const i32 vm_program[] = {
	/*  0 */ OP_PUSH, 1, OP_STORE, 0,       /* n = 1 */
	/*  4 */ OP_PUSH, 0, OP_STORE, 1,       /* total = 0 */
	/*  8 */ OP_LOAD, 0, OP_LOAD, 4, OP_LT, /* loop: while (n < limit) */
	/* 13 */ OP_JZ, 33,
	/* 15 */ OP_LOAD, 0, OP_CALL, 36,       /* steps(n) */
	/* 19 */ OP_LOAD, 1, OP_ADD, OP_STORE, 1,
	/* 24 */ OP_LOAD, 0, OP_PUSH, 1, OP_ADD, OP_STORE, 0,
	/* 31 */ OP_JMP, 8,
	/* 33 */ OP_LOAD, 1, OP_HALT,           /* return total */
	/* 36 */ OP_STORE, 2, OP_PUSH, 0, OP_STORE, 3, /* steps(x): */
	/* 42 */ OP_LOAD, 2, OP_PUSH, 1, OP_EQ, /* while (x != 1) */
	/* 47 */ OP_JZ, 52,
	/* 49 */ OP_LOAD, 3, OP_RET,
	/* 52 */ OP_LOAD, 2, OP_PUSH, 2, OP_MOD, OP_JZ, 71, /* if (x % 2) */
	/* 59 */ OP_LOAD, 2, OP_PUSH, 3, OP_MUL, OP_PUSH, 1, OP_ADD, OP_STORE, 2, /* x = 3x + 1 */
	/* 69 */ OP_JMP, 78,
	/* 71 */ OP_LOAD, 2, OP_PUSH, 2, OP_DIV, OP_STORE, 2, /* x = x / 2 */
	/* 78 */ OP_LOAD, 3, OP_PUSH, 1, OP_ADD, OP_STORE, 3, OP_JMP, 42,
};

static u32 vm_run(const i32 *code, i32 limit) {
	i32 stack[64], rstack[16], locals[8] = {0};
	i32 sp = 0, rsp = 0, pc = 0;
	locals[4] = limit;
	for (;;) {
		i32 op = code[pc++], a, b;
		switch (op) {
		case OP_HALT: return (u32)stack[sp - 1];
		case OP_PUSH: stack[sp++] = code[pc++]; break;
		case OP_LOAD: stack[sp++] = locals[code[pc++]]; break;
		case OP_STORE: locals[code[pc++]] = stack[--sp]; break;
		case OP_ADD: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a + b; break;
		case OP_MUL: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a * b; break;
		case OP_DIV: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a / b; break;
		case OP_MOD: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a % b; break;
		case OP_LT: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a < b; break;
		case OP_EQ: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a == b; break;
		case OP_JMP: pc = code[pc]; break;
		case OP_JZ: a = stack[--sp]; pc = a ? pc + 1 : code[pc]; break;
		case OP_CALL: rstack[rsp++] = pc + 1; pc = code[pc]; break;
		case OP_RET: pc = rstack[--rsp]; break;
		default: return 0xDEADu;
		}
	}
}

static u32 k_vm(u32 seed) { return vm_run(vm_program, VM_LIMIT + (i32)(seed & 7)); }

/* ---- driver and transcript ---- */

struct kernel {
	const char *name;
	u32 (*run)(u32 seed);
};

static const struct kernel kernels[] = {
	{"arith", k_arith}, {"calls", k_calls}, {"copy", k_copy},     {"sieve", k_sieve},
	{"crc32", k_crc},   {"sort", k_sort},   {"string", k_string}, {"bytecode", k_vm},
};
#define NKERNELS (sizeof kernels / sizeof kernels[0])
#define ALL_KERNELS ((1u << NKERNELS) - 1)

static char *put_str(char *o, const char *s) {
	while (*s)
		*o++ = *s++;
	return o;
}

static char *put_hex(char *o, u32 v) {
	for (int i = 28; i >= 0; i -= 4)
		*o++ = "0123456789abcdef"[(v >> i) & 15];
	return o;
}

/* Runs the kernels in `mask` (bit k: kernels[k]) `repeat` times; writes the transcript. */
static void run_kernels(u32 repeat, u32 mask, char *out) {
	u32 acc[NKERNELS] = {0}, total = 0;
	for (u32 r = 0; r < repeat; r++)
		for (u32 k = 0; k < NKERNELS; k++)
			if (mask & (1u << k))
				acc[k] = mix(acc[k], kernels[k].run(r));
	char num[16], *o = out;
	o = put_str(o, "bench cpu repeat=");
	o = put_str(o, utoa(repeat, num, 10));
	if (mask != ALL_KERNELS) {
		o = put_str(o, " kernels=");
		for (u32 k = 0, first = 1; k < NKERNELS; k++)
			if (mask & (1u << k)) {
				if (!first)
					*o++ = ',';
				o = put_str(o, kernels[k].name);
				first = 0;
			}
	}
	*o++ = '\n';
	for (u32 k = 0; k < NKERNELS; k++) {
		if (!(mask & (1u << k)))
			continue;
		o = put_str(o, kernels[k].name);
		*o++ = ' ';
		o = put_hex(o, acc[k]);
		*o++ = '\n';
		total = mix(total, acc[k]);
	}
	o = put_str(o, "checksum ");
	o = put_hex(o, total);
	*o++ = '\n';
	*o = 0;
}

/* "repeat=N": BENCH_DEFAULT_REPEAT when absent, 0 when N is malformed or out of range. */
static u32 parse_repeat(const char *cmdline) {
	const char *p = str_str(cmdline, "repeat=");
	if (!p)
		return BENCH_DEFAULT_REPEAT;
	p += 7;
	if (*p < '0' || *p > '9')
		return 0;
	u32 v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (u32)(*p - '0');
		if (v > BENCH_MAX_REPEAT)
			return 0;
	}
	return *p && *p != ' ' ? 0 : v;
}

/* "kernels=NAME,NAME": ALL_KERNELS when absent, 0 when a name is unknown or the list empty. */
static u32 parse_kernels(const char *cmdline) {
	const char *p = str_str(cmdline, "kernels=");
	if (!p)
		return ALL_KERNELS;
	p += 8;
	u32 mask = 0;
	for (;;) {
		size_t n = 0;
		while (p[n] && p[n] != ',' && p[n] != ' ')
			n++;
		u32 k = 0;
		while (k < NKERNELS && !(str_len(kernels[k].name) == n && memcmp(kernels[k].name, p, n) == 0))
			k++;
		if (k == NKERNELS)
			return 0;
		mask |= 1u << k;
		p += n;
		if (*p != ',')
			return mask;
		p++;
	}
}

int bench_main(const char *cmdline, char *out) {
	if (!cmdline)
		cmdline = "";
	u32 repeat = parse_repeat(cmdline), mask = parse_kernels(cmdline);
	if (!repeat) {
		*put_str(out, "bench: bad repeat= on the command line (want 1..1000)\n") = 0;
		return 0;
	}
	if (!mask) {
		char *o = put_str(out, "bench: bad kernels= on the command line (want names from:");
		for (u32 k = 0; k < NKERNELS; k++) {
			*o++ = ' ';
			o = put_str(o, kernels[k].name);
		}
		*put_str(o, ")\n") = 0;
		return 0;
	}
	run_kernels(repeat, mask, out);
	return 1;
}
