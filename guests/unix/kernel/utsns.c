/* utsns.c — UTS namespaces (CLONE_NEWUTS): each has its own host and domain names for
 * uname(2) and sethostname(2). A new namespace starts as a copy of its creator's. */
#include "defs.h"

static struct utsns root_utsns = {
    .ref = 1,
    .id = 1,
    .uts = {
        .sysname = "Unix",
        .nodename = "tabvisor",
        .release = "0.1.0",
        .version = "#1 tabvisor teaching kernel",
        .machine = "i686",
        .domainname = "(none)",
    },
};
static int next_id = 2;

struct utsns *utsns_root(void)
{
    return utsns_get(&root_utsns);
}

struct utsns *utsns_get(struct utsns *ns)
{
    ns->ref++;
    return ns;
}

void utsns_put(struct utsns *ns)
{
    if (ns && --ns->ref == 0 && ns != &root_utsns)
        kfree(ns);
}

struct utsns *utsns_copy(struct utsns *from)
{
    struct utsns *ns = kmalloc_nz(sizeof *ns);    /* every field is set here */
    if (!ns)
        return 0;
    ns->ref = 1;
    ns->id = next_id++;
    ns->uts = from->uts;
    return ns;
}

const char *uts_hostname(void)
{
    return current ? current->utsns->uts.nodename : root_utsns.uts.nodename;
}

int sys_uname(uint32_t buf)
{
    return copyout(current->pgdir, buf, &current->utsns->uts, sizeof(struct utsname)) < 0 ? -EFAULT : 0;
}

int sys_sethostname(uint32_t name, uint32_t len)
{
    char tmp[UTS_LEN];
    if (len >= UTS_LEN)
        return -EINVAL;
    if (copyin(current->pgdir, tmp, name, len) < 0)
        return -EFAULT;
    tmp[len] = 0;
    memcpy(current->utsns->uts.nodename, tmp, len + 1);
    return 0;
}
