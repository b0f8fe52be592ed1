/* vga.c — output to the VGA text buffer at 0xB8000 (80x25 cells of char + attribute), with scrolling. */
#include "common.h"

#define VGA_ATTR 0x07   /* light grey on black */

static volatile uint16_t *const vga = (volatile uint16_t *)0xB8000;
static int row, col;

void vga_clear(void)
{
    for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
        vga[i] = (VGA_ATTR << 8) | ' ';
    row = col = 0;
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
