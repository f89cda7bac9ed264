// SPDX-License-Identifier: GPL-2.0
/* Colour decisions and escape stripping for the pretty printers. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "terminal.h"

bool term_colour(FILE *f)
{
	const char *mode = getenv("WG_COLOR_MODE");
	int fd;

	if (mode && !strcmp(mode, "always"))
		return true;
	if (mode && !strcmp(mode, "never"))
		return false;
	fd = fileno(f);
	return fd >= 0 && isatty(fd);
}

/* Writes @s leaving out every "ESC [ ... letter" sequence. */
static void put_plain(FILE *f, const char *s)
{
	while (*s) {
		if (s[0] == '\x1b' && s[1] == '[') {
			s += 2;
			while (*s && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
				s++;
			if (*s)
				s++;
			continue;
		}
		fputc(*s++, f);
	}
}

void term_printf(FILE *f, const char *fmt, ...)
{
	char stackbuf[1024], *heap = NULL;
	const char *buf = stackbuf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(stackbuf)) {
		heap = malloc((size_t)n + 1);
		if (!heap)
			return;
		va_start(ap, fmt);
		vsnprintf(heap, (size_t)n + 1, fmt, ap);
		va_end(ap);
		buf = heap;
	}
	if (term_colour(f))
		fputs(buf, f);
	else
		put_plain(f, buf);
	free(heap);
}
