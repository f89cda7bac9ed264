// SPDX-License-Identifier: GPL-2.0
/*
 * `wgctl show { <interface> | all } metrics`: the Prometheus text exposition
 * format (version 0.0.4), as node_exporter's textfile collector reads it.
 *
 * The format wants every sample of a family right after that family's HELP
 * and TYPE lines, so the printer walks the families in the outer loop and
 * the interfaces and peers in the inner ones.  Interface-wide figures carry
 * the label "interface", per-peer ones also "public_key".
 */
#include <inttypes.h>
#include <stdlib.h>

#include "encoding.h"
#include "show.h"

/**
 * struct metric - one family of samples taken from a device or a peer
 * @name: the metric name, its unit and "_total" for counters in it.
 * @type: "counter" or "gauge".
 * @help: the HELP text.
 * @dev: reads the value of an interface; false if it has none.
 * @peer: reads the value of a peer; false if it has none.  One of @dev and
 *	@peer is set.
 */
struct metric {
	const char *name;
	const char *type;
	const char *help;
	bool (*dev)(const struct wgc_device *d, uint64_t *v);
	bool (*peer)(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v);
};

static bool dev_carrier(const struct wgc_device *d, uint64_t *v)
{
	*v = d->carrier;
	return d->has & WGC_DEV_HAS_CARRIER;
}

static bool dev_peers(const struct wgc_device *d, uint64_t *v)
{
	*v = d->npeers;
	return true;
}

static bool peer_rx_bytes(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->rx_bytes;
	return p->has & WGC_PEER_HAS_TRANSFER;
}

static bool peer_tx_bytes(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->tx_bytes;
	return p->has & WGC_PEER_HAS_TRANSFER;
}

static bool peer_rx_packets(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->rx_packets;
	return p->has & WGC_PEER_HAS_PACKETS;
}

static bool peer_tx_packets(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->tx_packets;
	return p->has & WGC_PEER_HAS_PACKETS;
}

static bool peer_handshake(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->handshake_sec > 0 ? (uint64_t)p->handshake_sec : 0;
	return true;
}

static bool peer_alive(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->alive;
	return p->has & WGC_PEER_HAS_ALIVE;
}

static bool peer_roam_refused(const struct wgc_device *d, const struct wgc_peer *p, uint64_t *v)
{
	(void)d;
	*v = p->roam_refused;
	return p->has & WGC_PEER_HAS_ROAM_REFUSED;
}

static const struct metric metrics[] = {
	{ "wgtun_interface_carrier", "gauge",
	  "1 if the wgtun interface has carrier, 0 if not.", .dev = dev_carrier },
	{ "wgtun_interface_peers", "gauge",
	  "Number of peers configured on the interface.", .dev = dev_peers },
	{ "wgtun_peer_receive_bytes_total", "counter",
	  "Bytes received from the peer.", .peer = peer_rx_bytes },
	{ "wgtun_peer_transmit_bytes_total", "counter",
	  "Bytes sent to the peer.", .peer = peer_tx_bytes },
	{ "wgtun_peer_receive_packets_total", "counter",
	  "Packets received from the peer.", .peer = peer_rx_packets },
	{ "wgtun_peer_transmit_packets_total", "counter",
	  "Packets sent to the peer.", .peer = peer_tx_packets },
	{ "wgtun_peer_last_handshake_timestamp_seconds", "gauge",
	  "Time of the latest completed handshake, in seconds since the epoch; 0 for never.",
	  .peer = peer_handshake },
	{ "wgtun_peer_alive", "gauge",
	  "1 if a handshake completed and a packet came within the liveness timeout, else 0.",
	  .peer = peer_alive },
	{ "wgtun_peer_roam_refused_total", "counter",
	  "Packets from the peer that came from elsewhere than its pinned endpoint.",
	  .peer = peer_roam_refused },
};

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* `name{interface="wg0"` or `name{interface="wg0",public_key="..."`, left open. */
static void labels(FILE *f, const char *name, const struct wgc_device *d,
		   const struct wgc_peer *p)
{
	char b64[WGC_KEY_B64_LEN];

	fprintf(f, "%s{interface=", name);
	label_value(f, d->name);
	if (p) {
		wgc_key_to_base64(b64, p->public_key);
		fputs(",public_key=", f);
		label_value(f, b64);
	}
}

static void family_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void print_family(FILE *f, const struct metric *m, struct wgc_device *const *devs,
			 size_t ndevs)
{
	size_t i, j;
	uint64_t v;

	family_head(f, m->name, m->type, m->help);
	for (i = 0; i < ndevs; i++) {
		if (m->dev && m->dev(devs[i], &v)) {
			labels(f, m->name, devs[i], NULL);
			fprintf(f, "} %" PRIu64 "\n", v);
		}
		for (j = 0; m->peer && j < devs[i]->npeers; j++) {
			if (!m->peer(devs[i], &devs[i]->peers[j], &v))
				continue;
			labels(f, m->name, devs[i], &devs[i]->peers[j]);
			fprintf(f, "} %" PRIu64 "\n", v);
		}
	}
}

/* One sample per drop reason; reasons named as in JSON ("bad_mac"). */
static void drop_samples(FILE *f, const char *name, const struct wgc_device *d,
			 const struct wgc_peer *p, const uint64_t drops[WGC_NDROPS])
{
	const char *reason;
	unsigned int r;

	for (r = 1; r < WGC_NDROPS; r++) {
		labels(f, name, d, p);
		fputs(",reason=\"", f);
		for (reason = wgc_drop_name(r); *reason; reason++)
			fputc(*reason == '-' ? '_' : *reason, f);
		fprintf(f, "\"} %" PRIu64 "\n", drops[r]);
	}
}

static void print_drops(FILE *f, struct wgc_device *const *devs, size_t ndevs)
{
	static const char dev_name[] = "wgtun_interface_drops_total";
	static const char peer_name[] = "wgtun_peer_drops_total";
	size_t i, j;

	family_head(f, dev_name, "counter",
		    "Packets the interface dropped before a peer was known, by reason.");
	for (i = 0; i < ndevs; i++)
		if (devs[i]->has & WGC_DEV_HAS_DROPS)
			drop_samples(f, dev_name, devs[i], NULL, devs[i]->drops);
	family_head(f, peer_name, "counter", "Packets to or from the peer dropped, by reason.");
	for (i = 0; i < ndevs; i++)
		for (j = 0; j < devs[i]->npeers; j++)
			if (devs[i]->peers[j].has & WGC_PEER_HAS_DROPS)
				drop_samples(f, peer_name, devs[i], &devs[i]->peers[j],
					     devs[i]->peers[j].drops);
}

void show_metrics(FILE *f, struct wgc_device *const *devs, size_t ndevs)
{
	size_t i;

	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++)
		print_family(f, &metrics[i], devs, ndevs);
	print_drops(f, devs, ndevs);
}
