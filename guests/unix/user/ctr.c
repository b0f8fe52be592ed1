/* ctr.c — the container runtime's command line: ctr VERB [ARGS] (see lib/ctr/runtime.c).
 * Prints the answer on stdout, or one error line on stderr with a non-zero status. */
#include "../lib/ctr/runtime.h"

static struct ctr_out out;

int main(int argc, char **argv)
{
    int r = ctr_command(argc - 1, argv + 1, &out);
    if (r == 0 && out.len)
        write_all(1, out.text, out.len);
    else if (r != 0 && out.len)
        dprintf(2, "%s%s", out.text, out.text[out.len - 1] == '\n' ? "" : "\n");
    return r;
}
