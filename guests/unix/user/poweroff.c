/* poweroff.c — turn the machine off: the kernel exits through port 0xF4 with status 0. */
#include "../lib/libc.h"

int main(void)
{
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    perror("poweroff");
    return 1;
}
