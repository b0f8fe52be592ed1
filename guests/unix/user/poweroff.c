/* poweroff.c — turn the machine off: the kernel exits through port 0xF4 with status 0. In a
 * container the call ends the container instead (its PID 1 is killed, and everyone with it):
 * then we wait for our turn. */
#include "../lib/libc.h"

int main(void)
{
    if (reboot(LINUX_REBOOT_CMD_POWER_OFF) == 0)
        for (;;)
            pause();
    perror("poweroff");
    return 1;
}
