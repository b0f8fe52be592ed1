/* signal.c — sigaction and signal; every handler returns through __restore_rt (crt0.S). */
#include "libc.h"

extern void __restore_rt(void);

int sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old)
{
    struct k_sigaction k;
    const struct k_sigaction *p = 0;
    if (act) {
        k = *act;
        k.flags |= SA_RESTORER;
        k.restorer = (uint32_t)__restore_rt;
        p = &k;
    }
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(SYS_rt_sigaction), "b"(sig), "c"(p), "d"(old), "S"(8) : "memory");
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
    struct k_sigaction act = { (uint32_t)handler, SA_RESTART, 0, { 0, 0 } }, old;
    if (sigaction(sig, &act, &old) < 0)
        return (sighandler_t)-1;
    return (sighandler_t)old.handler;
}
