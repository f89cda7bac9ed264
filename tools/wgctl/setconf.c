// SPDX-License-Identifier: GPL-2.0
/*
 * `wgctl setconf`, `addconf` and `syncconf`.
 *
 * syncconf reads the running configuration and sends only what differs:
 * peers absent from the file are removed, and a peer whose settings already
 * match is left out of the message altogether, so its session and its
 * learned endpoint are not touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "encoding.h"
#include "ipc.h"
#include "subcommands.h"

struct prefix_key {
	uint8_t addr[17];
	uint8_t cidr;
};

static int prefix_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct prefix_key));
}

/* Sorted, de-duplicated prefixes of @p (entries marked "-" left out). */
static size_t prefix_set(const struct wgc_peer *p, struct prefix_key **out)
{
	struct prefix_key *keys;
	size_t i, n = 0;

	keys = calloc(p->nips ? p->nips : 1, sizeof(*keys));
	*out = keys;
	if (!keys)
		return 0;
	for (i = 0; i < p->nips; i++) {
		if (p->ips[i].nlflags & WGTUN_ALLOWEDIP_F_REMOVE_ME)
			continue;
		wgc_allowedip_prefix(&p->ips[i], keys[n].addr);
		keys[n++].cidr = p->ips[i].cidr;
	}
	qsort(keys, n, sizeof(*keys), prefix_cmp);
	for (i = 1; n && i < n;) {
		if (!prefix_cmp(&keys[i - 1], &keys[i])) {
			memmove(&keys[i], &keys[i + 1], (n - i - 1) * sizeof(*keys));
			n--;
		} else {
			i++;
		}
	}
	return n;
}

static int ips_equal(const struct wgc_peer *a, const struct wgc_peer *b)
{
	struct prefix_key *ka, *kb;
	size_t na = prefix_set(a, &ka), nb = prefix_set(b, &kb);
	int ret = -ENOMEM;

	if (ka && kb)
		ret = na == nb && !memcmp(ka, kb, na * sizeof(*ka));
	free(ka);
	free(kb);
	return ret;
}

static int copy_ips(struct wgc_peer *dst, const struct wgc_peer *src)
{
	struct wgc_allowedip *ip;
	size_t i;

	for (i = 0; i < src->nips; i++) {
		ip = wgc_peer_add_ip(dst);
		if (!ip)
			return -ENOMEM;
		*ip = src->ips[i];
	}
	return 0;
}

/* Fills @out with what must change in @have to become @want; 1 if any. */
static int peer_diff(struct wgc_peer *out, const struct wgc_peer *want,
		     const struct wgc_peer *have)
{
	static const uint8_t zero[WGC_KEY_LEN];
	const uint8_t *psk = want->has & WGC_PEER_HAS_PRESHARED_KEY ? want->preshared_key : zero;
	const uint8_t *cur = have->has & WGC_PEER_HAS_PRESHARED_KEY ? have->preshared_key : zero;
	uint16_t keepalive = want->has & WGC_PEER_HAS_KEEPALIVE ? want->keepalive : 0;
	bool roaming = !(want->has & WGC_PEER_HAS_ROAMING) || want->roaming;
	int changed = 0, eq;

	if (!wgc_key_equal(psk, cur)) {
		memcpy(out->preshared_key, psk, WGC_KEY_LEN);
		out->has |= WGC_PEER_HAS_PRESHARED_KEY;
		changed = 1;
	}
	if ((want->has & WGC_PEER_HAS_ENDPOINT) &&
	    (!(have->has & WGC_PEER_HAS_ENDPOINT) ||
	     !wgc_endpoint_equal(&want->endpoint, &have->endpoint))) {
		out->endpoint = want->endpoint;
		out->has |= WGC_PEER_HAS_ENDPOINT;
		changed = 1;
	}
	if (keepalive != have->keepalive) {
		out->keepalive = keepalive;
		out->has |= WGC_PEER_HAS_KEEPALIVE;
		changed = 1;
	}
	if (roaming != (!(have->has & WGC_PEER_HAS_ROAMING) || have->roaming)) {
		out->roaming = roaming;
		out->has |= WGC_PEER_HAS_ROAMING;
		changed = 1;
	}
	eq = ips_equal(want, have);
	if (eq < 0)
		return eq;
	if (!eq) {
		out->nlflags |= WGTUN_PEER_F_REPLACE_ALLOWEDIPS;
		out->has |= WGC_PEER_HAS_ALLOWEDIPS;
		if (copy_ips(out, want))
			return -ENOMEM;
		changed = 1;
	}
	return changed;
}

static void device_diff(struct wgc_device *out, const struct wgc_device *want,
			const struct wgc_device *have)
{
	static const uint8_t zero[WGC_KEY_LEN];
	const uint8_t *key = want->has & WGC_DEV_HAS_PRIVATE_KEY ? want->private_key : zero;
	const uint8_t *cur = have->has & WGC_DEV_HAS_PRIVATE_KEY ? have->private_key : zero;
	uint32_t live = want->has & WGC_DEV_HAS_LIVENESS ? want->liveness_timeout : 0;
	uint32_t have_live = have->liveness_timeout;
	bool follows = (want->has & WGC_DEV_HAS_CARRIER_FOLLOWS) && want->carrier_follows_peers;
	bool unknown = (want->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) && want->unknown_peer_events;

	if (!wgc_key_equal(key, cur)) {
		memcpy(out->private_key, key, WGC_KEY_LEN);
		out->has |= WGC_DEV_HAS_PRIVATE_KEY;
	}
	/* Without ListenPort the port is "any": the current one will do. */
	if ((want->has & WGC_DEV_HAS_LISTEN_PORT) && want->listen_port != have->listen_port) {
		out->listen_port = want->listen_port;
		out->has |= WGC_DEV_HAS_LISTEN_PORT;
	}
	if ((want->has & WGC_DEV_HAS_FWMARK ? want->fwmark : 0) != have->fwmark) {
		out->fwmark = want->has & WGC_DEV_HAS_FWMARK ? want->fwmark : 0;
		out->has |= WGC_DEV_HAS_FWMARK;
	}
	/* By name: a bound device that is gone and comes back is the same one. */
	if (strcmp(want->has & WGC_DEV_HAS_BIND_DEV ? want->bind_dev : "", have->bind_dev)) {
		memcpy(out->bind_dev, want->has & WGC_DEV_HAS_BIND_DEV ? want->bind_dev : "",
		       sizeof(out->bind_dev));
		out->has |= WGC_DEV_HAS_BIND_DEV;
	}
	if (follows != (have->carrier_follows_peers && (have->has & WGC_DEV_HAS_CARRIER_FOLLOWS))) {
		out->carrier_follows_peers = follows;
		out->has |= WGC_DEV_HAS_CARRIER_FOLLOWS;
	}
	if (unknown != ((have->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) &&
			have->unknown_peer_events)) {
		out->unknown_peer_events = unknown;
		out->has |= WGC_DEV_HAS_UNKNOWN_PEER_EVENTS;
	}
	if (!live)
		live = WGTUN_LIVENESS_TIMEOUT_DEFAULT;
	if (!have_live)
		have_live = WGTUN_LIVENESS_TIMEOUT_DEFAULT;
	if (live != have_live) {
		out->liveness_timeout = want->has & WGC_DEV_HAS_LIVENESS ?
					want->liveness_timeout : 0;
		out->has |= WGC_DEV_HAS_LIVENESS;
	}
}

struct wgc_device *syncconf_diff(const struct wgc_device *file, const struct wgc_device *runtime)
{
	struct wgc_device *out = wgc_device_new();
	const struct wgc_peer *want;
	struct wgc_peer *p;
	size_t i;
	long j;
	int changed;

	if (!out)
		return NULL;
	memcpy(out->name, file->name, sizeof(out->name));
	device_diff(out, file, runtime);
	for (i = 0; i < runtime->npeers; i++) {
		if (wgc_device_find_peer(file, runtime->peers[i].public_key) >= 0)
			continue;
		p = wgc_device_add_peer(out);
		if (!p)
			goto err;
		memcpy(p->public_key, runtime->peers[i].public_key, WGC_KEY_LEN);
		p->has = WGC_PEER_HAS_PUBLIC_KEY;
		p->nlflags = WGTUN_PEER_F_REMOVE_ME;
	}
	for (i = 0; i < file->npeers; i++) {
		want = &file->peers[i];
		p = wgc_device_add_peer(out);
		if (!p)
			goto err;
		j = wgc_device_find_peer(runtime, want->public_key);
		memcpy(p->public_key, want->public_key, WGC_KEY_LEN);
		p->has = WGC_PEER_HAS_PUBLIC_KEY;
		if (j < 0) {
			p->has = want->has;
			p->nlflags = want->nlflags;
			memcpy(p->preshared_key, want->preshared_key, WGC_KEY_LEN);
			p->endpoint = want->endpoint;
			p->keepalive = want->keepalive;
			p->roaming = want->roaming;
			if (copy_ips(p, want))
				goto err;
			continue;
		}
		changed = peer_diff(p, want, &runtime->peers[j]);
		if (changed < 0)
			goto err;
		if (!changed) {
			free(p->ips);
			out->npeers--;
		}
	}
	return out;
err:
	wgc_device_free(out);
	return NULL;
}

static int syncconf(struct wgc_device *file)
{
	struct wgc_device *runtime, *diff;
	int err;

	err = ipc_get_device(file->name, &runtime);
	if (err) {
		ipc_perror("Unable to read the current configuration", err);
		return 1;
	}
	diff = syncconf_diff(file, runtime);
	wgc_device_free(runtime);
	if (!diff) {
		fprintf(stderr, "Out of memory\n");
		return 1;
	}
	err = ipc_set_device(diff);
	wgc_device_free(diff);
	if (err) {
		ipc_perror("Unable to modify interface", err);
		return 1;
	}
	return 0;
}

int setconf_main(int argc, const char *argv[])
{
	bool sync = !strcmp(argv[0], "syncconf");
	bool append = !strcmp(argv[0], "addconf") || sync;
	struct wgc_device *dev;
	FILE *f;
	int err, ret;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s %s <interface> <configuration filename>\n",
			PROG_NAME, argv[0]);
		return 1;
	}
	if (!argv[1][0] || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "Invalid interface name: `%s'\n", argv[1]);
		return 1;
	}
	f = fopen(argv[2], "r");
	if (!f) {
		fprintf(stderr, "Unable to open configuration file `%s': %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	dev = config_file_read(f, argv[2], append);
	fclose(f);
	if (!dev)
		return 1;
	strcpy(dev->name, argv[1]);
	if (sync) {
		ret = syncconf(dev);
	} else {
		err = ipc_set_device(dev);
		ret = err ? 1 : 0;
		if (err)
			ipc_perror("Unable to modify interface", err);
	}
	wgc_device_free(dev);
	return ret;
}
