/* exit.c — leave the machine through isa-debug-exit (port 0xF4): status becomes (code << 1) | 1. */
#include "common.h"
#include "io.h"

void debug_exit(uint8_t code)
{
    outb(DEBUG_EXIT_PORT, code);
    for (;;) {                 /* no debug-exit device: stop here */
        cli();
        hlt();
    }
}
