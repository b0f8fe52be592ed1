/* ipcns.c — IPC namespaces (CLONE_NEWIPC) and the System V message queues they own:
 * msgget, msgsnd, msgrcv, msgctl(IPC_RMID) with the Linux i386 numbers (399..402).
 * A queue's key and id mean something only inside its namespace: two containers using
 * the same key get two different queues. A queue holds at most MSGQ_MAX messages of at
 * most MSG_MAX bytes each; queues and messages are kmalloc'ed and charged to the memory
 * cgroup of the process that made them (kmalloc_charged), so their number is bounded by memory.max. */
#include "defs.h"

#define MSG_MAX  1024
#define MSGQ_MAX 16

struct msg {
    int32_t type;
    uint32_t size;
    struct msg *next;
    struct cgroup *memcg;           /* charged for it */
    char text[];
};

struct msgqueue {
    int32_t key;
    int id;
    int count;
    struct msg *head;
    struct msgqueue *next;
    struct cgroup *memcg;           /* charged for it */
};

static void msg_free(struct msg *m)
{
    kfree_charged(m, sizeof *m + m->size, m->memcg);
}

static struct ipcns root_ipcns = { .ref = 1, .id = 1 };
static int next_id = 2;

struct ipcns *ipcns_root(void)
{
    return ipcns_get(&root_ipcns);
}

struct ipcns *ipcns_get(struct ipcns *ns)
{
    ns->ref++;
    return ns;
}

static void queue_free(struct msgqueue *q)
{
    while (q->head) {
        struct msg *m = q->head;
        q->head = m->next;
        msg_free(m);
    }
    kfree_charged(q, sizeof *q, q->memcg);
}

void ipcns_put(struct ipcns *ns)
{
    if (!ns || --ns->ref > 0 || ns == &root_ipcns)
        return;
    while (ns->queues) {
        struct msgqueue *q = ns->queues;
        ns->queues = q->next;
        queue_free(q);
    }
    kfree(ns);
}

struct ipcns *ipcns_new(void)
{
    struct ipcns *ns = kmalloc(sizeof *ns);
    if (!ns)
        return 0;
    ns->ref = 1;
    ns->id = next_id++;
    return ns;
}

static struct msgqueue *queue_by_id(int id)
{
    for (struct msgqueue *q = current->ipcns->queues; q; q = q->next)
        if (q->id == id)
            return q;
    return 0;
}

int sys_msgget(uint32_t key, uint32_t flags)
{
    struct ipcns *ns = current->ipcns;
    if ((int32_t)key != IPC_PRIVATE) {
        for (struct msgqueue *q = ns->queues; q; q = q->next) {
            if (q->key == (int32_t)key)
                return (flags & IPC_CREAT) && (flags & IPC_EXCL) ? -EEXIST : q->id;
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    struct cgroup *cg;
    struct msgqueue *q = kmalloc_charged(sizeof *q, &cg);
    if (!q)
        return -ENOSPC;
    memset(q, 0, sizeof *q);
    q->memcg = cg;
    static int next_queue = 1;
    q->key = (int32_t)key;
    q->id = next_queue++;
    q->next = ns->queues;
    ns->queues = q;
    return q->id;
}

/* msgp points at { long mtype; char mtext[size]; } */
int sys_msgsnd(uint32_t id, uint32_t msgp, uint32_t size, uint32_t flags)
{
    struct msgqueue *q = queue_by_id((int)id);
    if (!q)
        return -EINVAL;
    if (size > MSG_MAX)
        return -EINVAL;
    if (q->count >= MSGQ_MAX)
        return -EAGAIN;                       /* full: we do not block senders */
    struct cgroup *cg;
    struct msg *m = kmalloc_charged(sizeof *m + size, &cg);
    if (!m)
        return -ENOMEM;
    m->memcg = cg;
    m->next = 0;
    m->size = size;
    if (copyin(current->pgdir, &m->type, msgp, 4) < 0 || copyin(current->pgdir, m->text, msgp + 4, size) < 0) {
        msg_free(m);
        return -EFAULT;
    }
    if (m->type <= 0) {
        msg_free(m);
        return -EINVAL;
    }
    struct msg **pp = &q->head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = m;
    q->count++;
    wakeup(q);
    (void)flags;
    return 0;
}

/* type 0: the first message; > 0: the first of that type. Blocks unless IPC_NOWAIT. */
int sys_msgrcv(uint32_t id, uint32_t msgp, uint32_t size, uint32_t type, uint32_t flags)
{
    for (;;) {
        struct msgqueue *q = queue_by_id((int)id);
        if (!q)
            return -EIDRM;
        for (struct msg **pp = &q->head; *pp; pp = &(*pp)->next) {
            struct msg *m = *pp;
            if ((int32_t)type > 0 && m->type != (int32_t)type)
                continue;
            if (m->size > size)
                return -E2BIG;
            if (copyout(current->pgdir, msgp, &m->type, 4) < 0 || copyout(current->pgdir, msgp + 4, m->text, m->size) < 0)
                return -EFAULT;
            *pp = m->next;
            q->count--;
            int n = (int)m->size;
            msg_free(m);
            return n;
        }
        if (flags & IPC_NOWAIT)
            return -ENOMSG;
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on(q);
    }
}

int sys_msgctl(uint32_t id, uint32_t cmd, uint32_t buf)
{
    if (cmd != IPC_RMID)
        return -EINVAL;
    for (struct msgqueue **pp = &current->ipcns->queues; *pp; pp = &(*pp)->next) {
        struct msgqueue *q = *pp;
        if (q->id == (int)id) {
            *pp = q->next;
            wakeup(q);
            queue_free(q);
            return 0;
        }
    }
    (void)buf;
    return -EINVAL;
}
