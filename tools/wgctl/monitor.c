// SPDX-License-Identifier: GPL-2.0
/*
 * `wgctl monitor [<interface>] [-t] [--json]`: one line per wgtun event until
 * interrupted.  Plain lines look like
 *	wg0: handshake peer <key>
 *	wg0: endpoint peer <key> 192.0.2.1:51820
 *	wg0: carrier down
 * and with -t (as `ip -t monitor`) begin with the time the event was read,
 *	[2026-12-03T02:51:00.123456+00:00] wg0: carrier down
 * which JSON objects always carry as "time".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "encoding.h"
#include "ipc.h"
#include "json.h"
#include "show.h"
#include "subcommands.h"

struct monitor_opts {
	const char *ifname;
	bool json;
	bool timestamp;
};

#define TIME_STRLEN	sizeof("2026-12-03T02:51:00.123456+00:00")

/* Now, in local time, RFC 3339 with microseconds: the offset has its colon. */
static const char *now_rfc3339(char buf[TIME_STRLEN])
{
	struct timespec ts;
	char zone[8];
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, TIME_STRLEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!strftime(zone, sizeof(zone), "%z", &tm) || strlen(zone) != 5)
		strcpy(zone, "+0000");
	snprintf(buf + n, TIME_STRLEN - n, ".%06ld%.3s:%s", ts.tv_nsec / 1000, zone, zone + 3);
	return buf;
}

static void print_event(const struct wgc_device *ev)
{
	char b64[WGC_KEY_B64_LEN], ep[ENDPOINT_STRLEN];

	printf("%s: %s", ev->name, json_event_name(ev->event));
	if (ev->event == WGTUN_EVENT_UNSPEC || ev->event > WGTUN_EVENT_MAX)
		printf(" %u", ev->event);
	if (ev->npeers) {
		wgc_key_to_base64(b64, ev->peers[0].public_key);
		printf(" peer %s", b64);
		if (ev->peers[0].has & WGC_PEER_HAS_ENDPOINT)
			printf(" %s", show_endpoint(&ev->peers[0].endpoint, ep));
	}
	if (ev->has & WGC_DEV_HAS_CARRIER)
		printf(" %s", ev->carrier ? "up" : "down");
	printf("\n");
}

static int on_event(const struct wgc_device *ev, void *data)
{
	const struct monitor_opts *o = data;
	char now[TIME_STRLEN];

	if (o->ifname && strcmp(o->ifname, ev->name))
		return 0;
	now_rfc3339(now);
	if (o->json) {
		json_print_event(stdout, ev, now);
	} else {
		if (o->timestamp)
			printf("[%s] ", now);
		print_event(ev);
	}
	/* Lines go out as they happen, even into a pipe. */
	return fflush(stdout) ? -EIO : 0;
}

int monitor_main(int argc, const char *argv[])
{
	struct monitor_opts o = { 0 };
	struct wgc_device *dev;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[i], "-t") || !strcmp(argv[i], "--timestamp")) {
			o.timestamp = true;
		} else if (!o.ifname && argv[i][0] != '-') {
			o.ifname = argv[i];
		} else {
			fprintf(stderr, "Usage: %s %s [<interface>] [-t | --timestamp] [--json]\n", PROG_NAME,
				argv[0]);
			return 1;
		}
	}
	if (o.ifname) {
		/* Fail now on a name that is not a wgtun interface. */
		err = ipc_get_device(o.ifname, &dev);
		if (err) {
			ipc_perror("Unable to access interface", err);
			return 1;
		}
		wgc_device_free(dev);
	}
	err = ipc_monitor(on_event, &o);
	if (err) {
		ipc_perror("Unable to monitor events", err);
		return 1;
	}
	return 0;
}
