/* init.c — process 1: open the console as descriptors 0, 1 and 2, show /etc/motd, run
 * /etc/rc if present, start the shell, and reap orphans. When the shell exits, power off.
 * SIGUSR1 (from the kernel: the host spoke on the pvchan control stream) starts the
 * container control daemon ctrd, once. */
#include "../lib/libc.h"

static char *const envp[] = { "PATH=/bin", "HOME=/", 0 };

static void show(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    int n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        write_all(1, buf, n);
    close(fd);
}

static volatile int want_ctrd;

static void on_usr1(int sig)
{
    (void)sig;
    want_ctrd = 1;
}

static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, envp);
        dprintf(2, "init: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

int main(void)
{
    if (getpid() != 1) {
        dprintf(2, "init: must run as process 1\n");
        return 1;
    }
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        return 1;
    for (int i = 0; i < 3; i++)
        if (fd != i)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
    environ = (char **)envp;
    show("/etc/motd");

    struct stat64 st;
    if (stat("/etc/rc", &st) == 0) {
        char *const rc[] = { "/bin/sh", "/etc/rc", 0 };
        pid_t pid = spawn(rc);
        int status;
        while (waitpid(pid, &status, 0) != pid)
            ;
    }

    signal(SIGUSR1, on_usr1);
    char *const sh[] = { "/bin/sh", 0 };
    pid_t shell = spawn(sh);
    for (;;) {
        int status;
        pid_t pid = wait(&status);
        if (want_ctrd == 1) {
            char *const ctrd[] = { "/bin/ctrd", 0 };
            spawn(ctrd);
            want_ctrd = 2;
        }
        if (pid == shell) {
            dprintf(1, "init: the shell exited; powering off\n");
            reboot(LINUX_REBOOT_CMD_POWER_OFF);
        }
    }
}
