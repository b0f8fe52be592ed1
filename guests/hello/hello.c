/* hello.c — the minimal guest: greet on COM1 and the VGA screen, then exit through port 0xF4 with 0. */
#include "../common/common.h"
#include "../common/multiboot.h"

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)mbi;
    serial_init();
    vga_clear();
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        kprintf("hello: not booted by a Multiboot loader (eax=%x)\n", magic);
        debug_exit(1);
    }
    kprintf("Hello from tabvisor's hello guest!\n");
    debug_exit(0);
}
