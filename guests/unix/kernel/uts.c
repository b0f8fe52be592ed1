/* uts.c — the machine's names for uname(2) and sethostname(2).
 * This is one UTS namespace; later each namespace gets its own copy of `uts`. */
#include "defs.h"

static struct utsname uts = {
    .sysname = "Unix",
    .nodename = "tabvisor",
    .release = "0.1.0",
    .version = "#1 tabvisor teaching kernel",
    .machine = "i686",
    .domainname = "(none)",
};

const char *uts_hostname(void)
{
    return uts.nodename;
}

int sys_uname(uint32_t buf)
{
    return copyout(current->pgdir, buf, &uts, sizeof uts) < 0 ? -EFAULT : 0;
}

int sys_sethostname(uint32_t name, uint32_t len)
{
    char tmp[UTS_LEN];
    if (len >= UTS_LEN)
        return -EINVAL;
    if (copyin(current->pgdir, tmp, name, len) < 0)
        return -EFAULT;
    tmp[len] = 0;
    memcpy(uts.nodename, tmp, len + 1);
    return 0;
}
