// SPDX-License-Identifier: GPL-2.0
/*
 * wgctl: the control tool of wgtun, speaking wg(8)'s language.
 * main() only finds the subcommand in the table and hands over argv.
 */
#include <stdio.h>
#include <string.h>

#include "subcommands.h"

/* The Makefile passes scripts/version.sh's string; a build without it cannot know. */
#ifndef WGCTL_VERSION
#define WGCTL_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*main)(int argc, const char *argv[]);
	const char *help;
} subcommands[] = {
	{ "show", show_main, "Shows the current configuration and device information" },
	{ "showconf", showconf_main,
	  "Shows the current configuration of a given wgtun interface, for use with `setconf'" },
	{ "set", set_main,
	  "Change the current configuration, add peers, remove peers, or change peers" },
	{ "setconf", setconf_main, "Applies a configuration file to a wgtun interface" },
	{ "addconf", setconf_main, "Appends a configuration file to a wgtun interface" },
	{ "syncconf", setconf_main, "Synchronizes a configuration file to a wgtun interface" },
	{ "genkey", genkey_main, "Generates a new private key and writes it to stdout" },
	{ "genpsk", genkey_main, "Generates a new preshared key and writes it to stdout" },
	{ "pubkey", pubkey_main,
	  "Reads a private key from stdin and writes a public key to stdout" },
	{ "monitor", monitor_main,
	  "Prints wgtun events (handshakes, endpoints, liveness) as they happen" },
	{ "up", quick_main,
	  "Creates an interface from a wg-quick file: link, keys, peers, addresses, routes" },
	{ "down", quick_main, "Removes an interface brought up by `up', and what it added" },
	{ "reresolve", quick_main,
	  "Resolves the host names of an `up' file's endpoints again; sets those that moved" },
};

/* The tool's version, then the loaded module's from sysfs, or that none is loaded. */
static int print_version(void)
{
	char mod[128] = "";
	FILE *f;

	printf("wgctl %s (wgtun control tool)\n", WGCTL_VERSION);
	f = fopen("/sys/module/wgtun/version", "r");
	if (f && fgets(mod, sizeof(mod), f))
		printf("wgtun module %s", mod);
	else
		printf("wgtun module: not loaded\n");
	if (f)
		fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <cmd> [<args>]\n\n", PROG_NAME);
	fprintf(f, "Available subcommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %s: %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "You may pass `--help' to any of these subcommands to view usage.\n");
}

int main(int argc, const char *argv[])
{
	static const char *show_argv[] = { "show", NULL };
	size_t i;

	if (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version") ||
			 !strcmp(argv[1], "version"))) {
		return print_version();
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			 !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 1)
		return show_main(1, show_argv);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].main(argc - 1, argv + 1);
	}
	fprintf(stderr, "Invalid subcommand: `%s'\n", argv[1]);
	usage(stderr);
	return 1;
}
