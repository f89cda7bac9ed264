// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the dump/event parser: the input is taken as a run
 * of netlink messages from the kernel, coalesced into one device that is
 * then printed every way wgctl can print it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "device.h"
#include "fuzz.h"
#include "ipc.h"
#include "json.h"
#include "nl.h"
#include "show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgc_device *dev = wgc_device_new();
	const struct nlmsghdr *nlh;
	int len = (int)(size > 1 << 20 ? 1 << 20 : size);
	void *copy = malloc(size ? size : 1);

	fuzz_setup();
	if (!dev || !copy)
		goto out;
	/* Aligned copy, as a receive buffer would be. */
	memcpy(copy, data, size);
	for (nlh = copy; ipc_nlmsg_ok(nlh, len); nlh = nl_nlmsg_next(nlh, &len))
		if (ipc_parse_device(nlh, dev))
			break;
	show_dump(fuzz_null, dev, true);
	show_field(fuzz_null, dev, "allowed-ips", false);
	showconf_print(fuzz_null, dev);
	json_print_device(fuzz_null, dev, 0);
	json_print_event(fuzz_null, dev, "2026-12-03T02:51:00.000000+00:00");
	show_pretty(fuzz_null, dev);
out:
	free(copy);
	wgc_device_free(dev);
	return 0;
}
