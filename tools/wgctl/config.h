/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one parser for wg(8)'s `set` arguments and configuration files.  Both
 * front ends go through the same keyword table and the same value parsers,
 * and both fill a struct wgc_device that nothing has been sent for yet:
 * callers validate the whole input before any netlink message goes out.
 */
#ifndef WGCTL_CONFIG_H
#define WGCTL_CONFIG_H

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>

#include "device.h"

enum config_section { SECTION_NONE, SECTION_INTERFACE, SECTION_PEER };

/**
 * struct config_ctx - state of a configuration-file parse
 * @dev: the device being filled; owned by the context until finish.
 * @section: the section the next line belongs to.
 * @origin: the file name used in messages.
 * @line: the number of the line being parsed (1-based).
 */
struct config_ctx {
	struct wgc_device *dev;
	enum config_section section;
	const char *origin;
	unsigned int line;
};

/* Where parse errors and warnings go; stderr when NULL. */
extern FILE *config_errout;
/* Resolves an endpoint host and port (getaddrinfo by default). */
extern int (*config_resolve)(const char *host, const char *port, const struct addrinfo *hints,
			     struct addrinfo **res);
/* Opens a key file given to private-key or preshared-key (fopen by default). */
extern FILE *(*config_keyfile_open)(const char *path);

/*
 * @append false (setconf) means the file describes the whole interface:
 * unset interface values go back to their defaults and peers not in the
 * file are removed.
 */
bool config_file_init(struct config_ctx *ctx, const char *origin, bool append);
bool config_file_line(struct config_ctx *ctx, const char *line);
/* Validates the whole file; returns the device or NULL (context freed). */
struct wgc_device *config_file_finish(struct config_ctx *ctx);
void config_file_abort(struct config_ctx *ctx);
/* Reads a whole stream through the functions above. */
struct wgc_device *config_file_read(FILE *f, const char *origin, bool append);

/* Parses the arguments after `set <interface>`; NULL on error (reported). */
struct wgc_device *config_parse_argv(int argc, const char *const argv[]);

#endif
