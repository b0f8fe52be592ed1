/* httpd.c — the `service` image's small service: an HTTP-like responder on its console.
 * Each request line "GET PATH" is answered "HTTP/1.0 200 OK" with a body naming the host and
 * counting requests; the count is also kept in /tmp/requests. Without a console to read
 * (end of file at once), it keeps a heartbeat counter in /tmp/beats, one a second. */
#include "../lib/libc.h"

static void keep(const char *path, int n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dprintf(fd, "%d\n", n);
        close(fd);
    }
}

int main(void)
{
    struct utsname u;
    uname(&u);
    printf("httpd: serving on the console of %s (pid %d)\n", u.nodename, getpid());
    char line[256];
    int requests = 0, n;
    while ((n = read_line(0, line, sizeof line)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = 0;
        if (!strncmp(line, "GET ", 4)) {
            requests++;
            keep("/tmp/requests", requests);
            char body[160];
            int len = snprintf(body, sizeof body, "hello from %s: request %d for %s\n", u.nodename, requests, line + 4);
            printf("HTTP/1.0 200 OK\nContent-Length: %d\n\n%s", len, body);
        } else if (line[0]) {
            printf("HTTP/1.0 400 Bad Request\n\n");
        }
    }
    for (int beats = 1;; beats++) {
        sleep(1);
        keep("/tmp/beats", beats);
    }
}
