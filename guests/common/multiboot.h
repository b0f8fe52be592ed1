/* multiboot.h — the Multiboot v1 information block a loader (QEMU -kernel, tabvisor) hands the kernel.
 * Layout from the Multiboot Specification 0.6.96, section 3.3. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

#define MULTIBOOT_INFO_MEMORY  0x001u   /* mem_lower, mem_upper valid */
#define MULTIBOOT_INFO_CMDLINE 0x004u
#define MULTIBOOT_INFO_MODS    0x008u
#define MULTIBOOT_INFO_MMAP    0x040u

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;          /* KiB below 1 MiB */
    uint32_t mem_upper;          /* KiB above 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;            /* physical address of a C string */
    uint32_t mods_count;
    uint32_t mods_addr;          /* physical address of mods_count struct multiboot_module */
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
};

struct multiboot_module {
    uint32_t mod_start;          /* first byte */
    uint32_t mod_end;            /* one past the last byte */
    uint32_t cmdline;            /* physical address of a C string */
    uint32_t reserved;
};

#endif
