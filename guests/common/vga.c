/* vga.c — output to the VGA text buffer at 0xB8000 (80x25 cells of char + attribute), with
 * scrolling, and the hardware cursor (CRTC registers 0x0E/0x0F, IBM VGA Technical Reference). */
#include "common.h"
#include "io.h"

#define CRTC_INDEX 0x3D4
#define CRTC_DATA  0x3D5
#define CRTC_CURSOR_LOC_HIGH 0x0E
#define CRTC_CURSOR_LOC_LOW  0x0F

#define VGA_ATTR 0x07   /* light grey on black */

static volatile uint16_t *const vga = (volatile uint16_t *)0xB8000;
static int row, col;

void vga_clear(void)
{
    for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
        vga[i] = (VGA_ATTR << 8) | ' ';
    row = col = 0;
    vga_sync_cursor();
}

static void scroll(void)
{
    for (int i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
        vga[i] = vga[i + VGA_COLS];
    for (int i = 0; i < VGA_COLS; i++)
        vga[VGA_COLS * (VGA_ROWS - 1) + i] = (VGA_ATTR << 8) | ' ';
    row = VGA_ROWS - 1;
}

void vga_putc(char c)
{
    if (c == '\n') {
        col = 0;
        row++;
    } else if (c == '\r') {
        col = 0;
    } else if (c == '\b') {
        if (col > 0)
            col--;
    } else {
        vga[row * VGA_COLS + col] = (VGA_ATTR << 8) | (uint8_t)c;
        if (++col == VGA_COLS) {
            col = 0;
            row++;
        }
    }
    if (row == VGA_ROWS)
        scroll();
}

/* Move the blinking cursor to where the next character goes; callers do it once per write. */
void vga_sync_cursor(void)
{
    uint16_t pos = (uint16_t)(row * VGA_COLS + col);
    outb(CRTC_INDEX, CRTC_CURSOR_LOC_HIGH);
    outb(CRTC_DATA, pos >> 8);
    outb(CRTC_INDEX, CRTC_CURSOR_LOC_LOW);
    outb(CRTC_DATA, pos & 0xFF);
}
