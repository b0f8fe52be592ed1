/* runtime.h — the container runtime shared by `ctr` (the CLI) and `ctrd` (the pvchan control
 * daemon): one function per verb, each answering into a struct ctr_out, as human text or
 * as JSON (ctrd). See runtime.c for the pipeline and the state machine. */
#ifndef UNIX_CTR_RUNTIME_H
#define UNIX_CTR_RUNTIME_H

#include "../libc.h"

struct ctr_out {
    char text[4096];
    int len;
    int json;                   /* answer in JSON (ctrd) instead of text (ctr) */
    int detach_only;            /* never run a container in the foreground (ctrd) */
};

/* Make and open the runtime's state directories (run's first step does it too): -1 with errno
 * if it cannot. ctr_setup_daemon also reads what a long-lived caller keeps: the next console,
 * the images' default commands. */
int ctr_setup(void);
int ctr_setup_daemon(void);

/* Run one command line (argv[0] is the verb). 0 on success with the answer in out; else the
 * exit status to use, with a one-line error message in out. */
int ctr_command(int argc, char **argv, struct ctr_out *out);

/* Called when the runtime reaps a container's PID 1 it started (ctrd turns it into an event). */
extern void (*ctr_exit_hook)(const char *name, int status);

/* The name of the container whose PID 1 has host pid pid, into name; 0 if none. */
int ctr_name_of_pid(int pid, char *name, int size);

/* A container's memory.events oom_kill count (for exit events). */
int ctr_oom_kills(const char *name);

#endif
