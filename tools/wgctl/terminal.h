/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ANSI colours for the pretty `show`.  Format strings carry the escapes;
 * term_printf() drops them unless colour is on for that stream, which is
 * decided as wg does: WG_COLOR_MODE=always/never, otherwise only on a tty.
 */
#ifndef WGCTL_TERMINAL_H
#define WGCTL_TERMINAL_H

#include <stdbool.h>
#include <stdio.h>

#define TERM_RESET	"\x1b[0m"
#define TERM_BOLD	"\x1b[1m"
#define TERM_RED	"\x1b[31m"
#define TERM_GREEN	"\x1b[32m"
#define TERM_YELLOW	"\x1b[33m"
#define TERM_CYAN	"\x1b[36m"

bool term_colour(FILE *f);
void term_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
