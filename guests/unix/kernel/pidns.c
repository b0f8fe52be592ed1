/* pidns.c — PID namespaces (clone/unshare flag CLONE_NEWPID), nested up to PIDNS_LEVELS deep.
 *
 * A process has one number per namespace from the root down to its own: nr[0] in the root
 * (= p->pid, the number the kernel itself uses), nr[k] at level k. Every system call that
 * takes or returns a process number translates it through the caller's namespace, so a
 * process sees its own namespace and the ones nested below it, never a sibling or a parent.
 * The first process in a namespace is its PID 1: it reaps the namespace's orphans, gets
 * only the signals it has handlers for from inside, and when it exits every other process
 * in the namespace is killed (Linux's zap_pid_ns_processes). */
#include "defs.h"

static struct pidns root_pidns = { .ref = 1, .id = 1, .level = 0, .next_nr = 1 };
static int next_ns_id = 2;

struct pidns *pidns_root(void)
{
    return &root_pidns;
}

struct pidns *pidns_get(struct pidns *ns)
{
    ns->ref++;
    return ns;
}

void pidns_put(struct pidns *ns)
{
    while (ns && --ns->ref == 0 && ns != &root_pidns) {
        struct pidns *parent = ns->parent;
        kfree(ns);
        ns = parent;
    }
}

/* A namespace one level below parent; 0 if that would nest too deep or memory is short. */
struct pidns *pidns_new(struct pidns *parent)
{
    if (parent->level + 1 >= PIDNS_LEVELS)
        return 0;
    struct pidns *ns = kmalloc(sizeof *ns);
    if (!ns)
        return 0;
    ns->ref = 1;
    ns->id = next_ns_id++;
    ns->level = parent->level + 1;
    ns->parent = pidns_get(parent);
    ns->next_nr = 1;
    return ns;
}

/* The namespace p belongs to at `level` (an ancestor of p->pidns, or p->pidns itself). */
static struct pidns *ns_at(struct proc *p, int level)
{
    struct pidns *ns = p->pidns;
    while (ns && ns->level > level)
        ns = ns->parent;
    return ns;
}

int pidns_contains(struct pidns *ns, struct proc *p)
{
    return p->pidns && p->pidns->level >= ns->level && ns_at(p, ns->level) == ns;
}

/* p's number as seen from ns; 0 if p is not visible there. */
int pid_nr(struct proc *p, struct pidns *ns)
{
    return p && pidns_contains(ns, p) ? p->nr[ns->level] : 0;
}

/* p's process group as seen from ns; 0 if its leader is not visible there. */
int pgid_nr(struct proc *p, struct pidns *ns)
{
    return pidns_contains(ns, p) ? p->pgid_nr[ns->level] : 0;
}

/* The live (or zombie) process numbered nr in ns. */
struct proc *pid_find(struct pidns *ns, int nr)
{
    if (nr <= 0)
        return 0;
    for (struct proc *p = proc_table; p < proc_table + nproc; p++)
        if (p->state != UNUSED && p->state != EMBRYO && pidns_contains(ns, p) && p->nr[ns->level] == nr)
            return p;
    return 0;
}

/* Give p numbers in ns and every namespace above it; p becomes ns's PID 1 if it is the first. */
int pidns_attach(struct proc *p, struct pidns *ns)
{
    if (ns->dying)
        return -ENOMEM;                       /* as Linux: no new process once PID 1 is gone */
    p->pidns = pidns_get(ns);
    for (struct pidns *n = ns; n; n = n->parent)
        p->nr[n->level] = n->next_nr++;
    p->pid = p->nr[0];
    if (p->nr[ns->level] == 1)
        ns->init = p;
    return 0;
}

/* Make p the leader of its own process group. */
void pgid_set_self(struct proc *p)
{
    p->pgid = p->pid;
    memset(p->pgid_nr, 0, sizeof p->pgid_nr);
    for (int l = 0; l <= p->pidns->level; l++)
        p->pgid_nr[l] = p->nr[l];
}

/* p joins the process group of q. */
void pgid_copy(struct proc *p, struct proc *q)
{
    p->pgid = q->pgid;
    memcpy(p->pgid_nr, q->pgid_nr, sizeof p->pgid_nr);
}

/* Is p the PID 1 of its own namespace? */
int pidns_is_init(struct proc *p)
{
    return p->pidns && p->pidns->init == p;
}

/* Who adopts the orphan c when its parent exits: the nearest namespace PID 1 still alive. */
struct proc *pidns_reaper(struct proc *c, struct proc *dying)
{
    for (struct pidns *ns = c->pidns; ns; ns = ns->parent) {
        struct proc *r = ns->init;
        if (r && r != dying && r != c && r->state != ZOMBIE && r->state != UNUSED)
            return r;
    }
    return proc_init_proc();
}

/* Called as p exits: if p is a namespace's PID 1, kill everything else in that namespace. */
void pidns_exit(struct proc *p)
{
    struct pidns *ns = p->pidns;
    if (!ns || ns->init != p || ns == &root_pidns)
        return;
    ns->dying = 1;
    for (struct proc *q = proc_table; q < proc_table + nproc; q++)
        if (q != p && q->state != UNUSED && q->state != ZOMBIE && q->state != EMBRYO && pidns_contains(ns, q))
            signal_force(q, SIGKILL);
}

/* Called when p's slot is freed (reaped). */
void pidns_release(struct proc *p)
{
    if (p->pidns && p->pidns->init == p)
        p->pidns->init = 0;
    pidns_put(p->pidns);
    pidns_put(p->pidns_children);
    p->pidns = p->pidns_children = 0;
}
