// SPDX-License-Identifier: GPL-2.0
/* `wgctl set`: wg's argument syntax, parsed whole before anything is sent. */
#include <string.h>

#include "config.h"
#include "ipc.h"
#include "subcommands.h"

static void set_usage(const char *cmd)
{
	fprintf(stderr, "Usage: %s %s <interface> [listen-port <port>] [fwmark <mark>] "
		"[bind-dev <interface>|off] [private-key <file path>] [carrier-follows-peers on|off] "
		"[liveness-timeout <seconds>] [unknown-peer-events on|off] "
		"[peer <base64 public key> [remove] "
		"[preshared-key <file path>] [endpoint <ip>:<port>] "
		"[persistent-keepalive <interval seconds>] [roaming on|off] "
		"[allowed-ips [+|-]<ip1>/<cidr1>[,[+|-]<ip2>/<cidr2>]...] ]...\n",
		PROG_NAME, cmd);
}

int set_main(int argc, const char *argv[])
{
	struct wgc_device *dev;
	int err;

	if (argc < 3) {
		set_usage(argv[0]);
		return 1;
	}
	if (!argv[1][0] || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "Invalid interface name: `%s'\n", argv[1]);
		return 1;
	}
	dev = config_parse_argv(argc - 2, argv + 2);
	if (!dev)
		return 1;
	strcpy(dev->name, argv[1]);
	err = ipc_set_device(dev);
	wgc_device_free(dev);
	if (err) {
		ipc_perror("Unable to modify interface", err);
		return 1;
	}
	return 0;
}
