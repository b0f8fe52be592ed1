/* pipe.c — pipes: a PIPE_SIZE ring buffer with a reading and a writing end.
 * Readers sleep while it is empty and writers remain; writers sleep while it is full and
 * readers remain; writing with no reader left raises SIGPIPE and fails with EPIPE. */
#include "defs.h"

struct pipe {
    char data[PIPE_SIZE];
    uint32_t nread, nwrite;     /* free-running counters */
    int readers, writers;       /* open ends */
};

int pipe_alloc(struct file **rf, struct file **wf)
{
    struct pipe *pp = upage_alloc();          /* charged like user memory: a container's pipes count */
    *rf = file_alloc();
    *wf = *rf ? file_alloc() : 0;
    if (!pp || !*rf || !*wf) {
        if (pp)
            upage_free(pp);
        if (*rf)
            file_unalloc(*rf);
        if (*wf)
            file_unalloc(*wf);
        return -ENFILE;
    }
    pp->readers = pp->writers = 1;
    (*rf)->type = (*wf)->type = F_PIPE;
    (*rf)->pipe = (*wf)->pipe = pp;
    (*rf)->readable = 1;
    (*wf)->writable = 1;
    return 0;
}

void pipe_close(struct pipe *pp, int writable)
{
    if (writable)
        pp->writers--;
    else
        pp->readers--;
    wakeup(pp);
    if (pp->readers == 0 && pp->writers == 0)
        upage_free(pp);
}

int pipe_read(struct pipe *pp, uint32_t uva, int n)
{
    while (pp->nread == pp->nwrite && pp->writers > 0) {
        if (signal_interrupted(current))
            return -EINTR;
        sleep_on(pp);
    }
    int i = 0;
    for (; i < n && pp->nread != pp->nwrite; i++) {
        char c = pp->data[pp->nread % PIPE_SIZE];
        if (copyout(current->pgdir, uva + i, &c, 1) < 0)
            return i ? i : -EFAULT;
        pp->nread++;
    }
    wakeup(pp);
    return i;
}

int pipe_write(struct pipe *pp, uint32_t uva, int n)
{
    for (int i = 0; i < n; i++) {
        while (pp->nwrite - pp->nread == PIPE_SIZE) {
            if (pp->readers == 0)
                break;
            if (signal_interrupted(current))
                return i ? i : -EINTR;
            wakeup(pp);
            sleep_on(pp);
        }
        if (pp->readers == 0) {
            signal_send(current, SIGPIPE);
            return i ? i : -EPIPE;
        }
        char c;
        if (copyin(current->pgdir, &c, uva + i, 1) < 0)
            return i ? i : -EFAULT;
        pp->data[pp->nwrite++ % PIPE_SIZE] = c;
    }
    wakeup(pp);
    return n;
}
