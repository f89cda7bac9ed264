// SPDX-License-Identifier: GPL-2.0
/*
 * JSON writer for `show --json` and `monitor --json`.  Secrets follow the
 * pretty view's rule: "(hidden)" unless WG_HIDE_KEYS=never.  Values the
 * kernel did not report are null, never invented.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "json.h"
#include "show.h"

/*
 * Length of the well-formed UTF-8 sequence of more than one byte at @s
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong below U+0800 */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong below U+10000 */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A JSON string: quotes and backslashes escaped, control characters and
 * every byte that is not part of well-formed UTF-8 written as \u00XX (the
 * byte's value), so that any input gives valid JSON.
 */
static void json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;

	fputc('"', f);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			fputc(*s++, f);
		} else if ((len = utf8_seq_len(s))) {
			fwrite(s, 1, len, f);
			s += len;
		} else {
			fprintf(f, "\\u%04x", *s++);
		}
	}
	fputc('"', f);
}

static void json_key(FILE *f, const uint8_t key[WGC_KEY_LEN], bool have, bool secret)
{
	const char *env = getenv("WG_HIDE_KEYS");
	char b64[WGC_KEY_B64_LEN];

	if (!have) {
		fputs("null", f);
		return;
	}
	if (secret && !(env && !strcmp(env, "never"))) {
		fputs("\"(hidden)\"", f);
		return;
	}
	wgc_key_to_base64(b64, key);
	json_string(f, b64);
	wgc_wipe(b64, sizeof(b64));
}

static void indent_to(FILE *f, int level)
{
	while (level-- > 0)
		fputs("  ", f);
}

static void json_drops(FILE *f, const uint64_t drops[WGC_NDROPS])
{
	unsigned int i;
	const char *name;

	fputc('{', f);
	for (i = 1; i < WGC_NDROPS; i++) {
		fprintf(f, "%s", i > 1 ? ", " : "");
		/* JSON names use '_' where the pretty view uses '-'. */
		name = wgc_drop_name(i);
		fputc('"', f);
		for (; *name; name++)
			fputc(*name == '-' ? '_' : *name, f);
		fprintf(f, "\": %" PRIu64, drops[i]);
	}
	fputc('}', f);
}

#define FIELD(fmt, ...) do { indent_to(f, in + 1); fprintf(f, fmt, __VA_ARGS__); } while (0)

static void json_peer(FILE *f, const struct wgc_peer *p, int in)
{
	char ep[ENDPOINT_STRLEN], ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
	size_t i;

	indent_to(f, in);
	fputs("{\n", f);
	FIELD("%s", "\"public_key\": ");
	json_key(f, p->public_key, true, false);
	fputs(",\n", f);
	FIELD("%s", "\"preshared_key\": ");
	json_key(f, p->preshared_key, p->has & WGC_PEER_HAS_PRESHARED_KEY, true);
	fputs(",\n", f);
	FIELD("%s", "\"endpoint\": ");
	if (p->has & WGC_PEER_HAS_ENDPOINT)
		json_string(f, show_endpoint(&p->endpoint, ep));
	else
		fputs("null", f);
	fputs(",\n", f);
	FIELD("%s", "\"allowed_ips\": [");
	for (i = 0; i < p->nips; i++) {
		snprintf(buf, sizeof(buf), "%s/%u", show_ip(&p->ips[i], ip), p->ips[i].cidr);
		fputs(i ? ", " : "", f);
		json_string(f, buf);
	}
	fputs("],\n", f);
	FIELD("\"latest_handshake\": %lld,\n", (long long)p->handshake_sec);
	FIELD("\"transfer_rx\": %" PRIu64 ",\n", p->rx_bytes);
	FIELD("\"transfer_tx\": %" PRIu64 ",\n", p->tx_bytes);
	FIELD("\"rx_packets\": %" PRIu64 ",\n", p->rx_packets);
	FIELD("\"tx_packets\": %" PRIu64 ",\n", p->tx_packets);
	FIELD("\"persistent_keepalive\": %u,\n", p->keepalive);
	FIELD("\"alive\": %s,\n", !(p->has & WGC_PEER_HAS_ALIVE) ? "null" :
	      p->alive ? "true" : "false");
	FIELD("\"roaming\": %s,\n", !(p->has & WGC_PEER_HAS_ROAMING) ? "null" :
	      p->roaming ? "true" : "false");
	if (p->has & WGC_PEER_HAS_ROAM_REFUSED)
		FIELD("\"roam_refused\": %" PRIu64 ",\n", p->roam_refused);
	else
		FIELD("%s", "\"roam_refused\": null,\n");
	if (p->has & WGC_PEER_HAS_LAST_RX_AGE)
		FIELD("\"last_rx_age\": %u,\n", p->last_rx_age);
	else
		FIELD("%s", "\"last_rx_age\": null,\n");
	FIELD("%s", "\"drops\": ");
	json_drops(f, p->drops);
	fputc('\n', f);
	indent_to(f, in);
	fputc('}', f);
}

void json_print_device(FILE *f, const struct wgc_device *dev, int in)
{
	size_t i;

	indent_to(f, in);
	fputs("{\n", f);
	FIELD("%s", "\"interface\": ");
	json_string(f, dev->name);
	fputs(",\n", f);
	FIELD("\"ifindex\": %u,\n", dev->ifindex);
	FIELD("%s", "\"public_key\": ");
	json_key(f, dev->public_key, dev->has & WGC_DEV_HAS_PUBLIC_KEY, false);
	fputs(",\n", f);
	FIELD("%s", "\"private_key\": ");
	json_key(f, dev->private_key, dev->has & WGC_DEV_HAS_PRIVATE_KEY, true);
	fputs(",\n", f);
	FIELD("\"listen_port\": %u,\n", dev->listen_port);
	FIELD("\"fwmark\": %u,\n", dev->fwmark);
	FIELD("%s", "\"bind_dev\": ");
	if (dev->bind_dev[0])
		json_string(f, dev->bind_dev);
	else
		fputs("null", f);
	fputs(",\n", f);
	FIELD("\"bind_ifindex\": %u,\n", dev->bind_ifindex);
	if (dev->has & WGC_DEV_HAS_PORT_ID)
		FIELD("\"port_id\": %u,\n", dev->port_id);
	else
		FIELD("%s", "\"port_id\": null,\n");
	if (dev->has & WGC_DEV_HAS_PORT_MEMBERS)
		FIELD("\"port_members\": %u,\n", dev->port_members);
	else
		FIELD("%s", "\"port_members\": null,\n");
	FIELD("\"carrier_follows_peers\": %s,\n", !(dev->has & WGC_DEV_HAS_CARRIER_FOLLOWS) ?
	      "null" : dev->carrier_follows_peers ? "true" : "false");
	if (dev->has & WGC_DEV_HAS_LIVENESS)
		FIELD("\"liveness_timeout\": %u,\n", dev->liveness_timeout ?
		      dev->liveness_timeout : WGTUN_LIVENESS_TIMEOUT_DEFAULT);
	else
		FIELD("%s", "\"liveness_timeout\": null,\n");
	FIELD("\"carrier\": %s,\n", !(dev->has & WGC_DEV_HAS_CARRIER) ? "null" :
	      dev->carrier ? "true" : "false");
	FIELD("\"unknown_peer_events\": %s,\n",
	      !(dev->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) ? "null" :
	      dev->unknown_peer_events ? "true" : "false");
	FIELD("%s", "\"drops\": ");
	json_drops(f, dev->drops);
	fputs(",\n", f);
	FIELD("%s", "\"peers\": [");
	for (i = 0; i < dev->npeers; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_peer(f, &dev->peers[i], in + 2);
	}
	if (dev->npeers) {
		fputc('\n', f);
		indent_to(f, in + 1);
	}
	fputs("]\n", f);
	indent_to(f, in);
	fputc('}', f);
}

static const char *const event_names[] = {
	[WGTUN_EVENT_HANDSHAKE] = "handshake",
	[WGTUN_EVENT_ENDPOINT] = "endpoint",
	[WGTUN_EVENT_PEER_ALIVE] = "peer-alive",
	[WGTUN_EVENT_PEER_DEAD] = "peer-dead",
	[WGTUN_EVENT_PEER_ADDED] = "peer-added",
	[WGTUN_EVENT_PEER_REMOVED] = "peer-removed",
	[WGTUN_EVENT_PEER_CHANGED] = "peer-changed",
	[WGTUN_EVENT_CARRIER] = "carrier",
	[WGTUN_EVENT_ROAM_REFUSED] = "roam-refused",
	[WGTUN_EVENT_UNKNOWN_PEER] = "unknown-peer",
};

const char *json_event_name(uint32_t event)
{
	if (event < sizeof(event_names) / sizeof(event_names[0]) && event_names[event])
		return event_names[event];
	return "unknown";
}

void json_print_event(FILE *f, const struct wgc_device *ev, const char *time)
{
	char ep[ENDPOINT_STRLEN];

	fputs("{\"time\": ", f);
	json_string(f, time);
	fputs(", \"interface\": ", f);
	json_string(f, ev->name);
	fprintf(f, ", \"ifindex\": %u, \"event\": ", ev->ifindex);
	json_string(f, json_event_name(ev->event));
	if (ev->event == WGTUN_EVENT_UNSPEC || ev->event > WGTUN_EVENT_MAX)
		fprintf(f, ", \"event_id\": %u", ev->event);
	if (ev->npeers) {
		fputs(", \"peer\": ", f);
		json_key(f, ev->peers[0].public_key, true, false);
		if (ev->peers[0].has & WGC_PEER_HAS_ENDPOINT) {
			fputs(", \"endpoint\": ", f);
			json_string(f, show_endpoint(&ev->peers[0].endpoint, ep));
		}
	}
	if (ev->has & WGC_DEV_HAS_CARRIER)
		fprintf(f, ", \"carrier\": %s", ev->carrier ? "true" : "false");
	fputs("}\n", f);
}
