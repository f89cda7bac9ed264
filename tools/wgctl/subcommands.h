/* SPDX-License-Identifier: GPL-2.0 */
/* Entry points of the subcommands, dispatched from wgctl.c. */
#ifndef WGCTL_SUBCOMMANDS_H
#define WGCTL_SUBCOMMANDS_H

#include "device.h"

extern const char *PROG_NAME;

/*
 * The changes that turn @runtime into what @file (parsed as for addconf)
 * describes, leaving unchanged peers out entirely so their sessions go on.
 */
struct wgc_device *syncconf_diff(const struct wgc_device *file,
				 const struct wgc_device *runtime);

int show_main(int argc, const char *argv[]);
int showconf_main(int argc, const char *argv[]);
int set_main(int argc, const char *argv[]);
int setconf_main(int argc, const char *argv[]);
int genkey_main(int argc, const char *argv[]);
int pubkey_main(int argc, const char *argv[]);
int monitor_main(int argc, const char *argv[]);
int quick_main(int argc, const char *argv[]);

#endif
