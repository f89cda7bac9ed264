// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the configuration-file parser.  Whatever parses must
 * also print (showconf) and survive being split into SET messages and
 * coalesced back with every allowed-IP accounted for.
 */
#include <stdint.h>
#include <stdlib.h>

#include "device.h"
#include "fuzz.h"
#include "ipc.h"
#include "show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t total_ips(const struct wgc_device *dev)
{
	size_t i, n = 0;

	for (i = 0; i < dev->npeers; i++)
		n += dev->peers[i].nips;
	return n;
}

static void split_and_back(const struct wgc_device *dev)
{
	static char buf[2048];
	struct wgc_device *back = wgc_device_new();
	struct ipc_set_iter it;
	int ret;

	ipc_set_iter_init(&it, dev);
	while ((ret = ipc_set_build(&it, buf, sizeof(buf), 42, 1)) == 1)
		if (ipc_parse_device((const struct nlmsghdr *)buf, back))
			__builtin_trap();
	if (ret || total_ips(back) != total_ips(dev))
		__builtin_trap();
	wgc_device_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_device *dev;
	FILE *f;

	fuzz_setup();
	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	dev = config_file_read(f, "fuzz.conf", data[0] & 1);
	fclose(f);
	if (!dev)
		return 0;
	strcpy(dev->name, "wgt0");
	showconf_print(fuzz_null, dev);
	show_pretty(fuzz_null, dev);
	split_and_back(dev);
	wgc_device_free(dev);
	return 0;
}
