// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation helpers for struct wgt_device and its peers.  Keys are wiped
 * before their memory is given back.
 */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "encoding.h"
#include "subcommands.h"

/* Lives here, not in wgctl.c, so the tests and fuzzers link without main(). */
const char *PROG_NAME = "wgctl";

struct wgt_device *wgt_device_new(void)
{
	return calloc(1, sizeof(struct wgt_device));
}

static void peer_release(struct wgt_peer *peer)
{
	free(peer->ips);
	wgt_wipe(peer->preshared_key, sizeof(peer->preshared_key));
}

void wgt_device_free(struct wgt_device *dev)
{
	size_t i;

	if (!dev)
		return;
	for (i = 0; i < dev->npeers; i++)
		peer_release(&dev->peers[i]);
	if (dev->peers)
		wgt_wipe(dev->peers, dev->cappeers * sizeof(*dev->peers));
	free(dev->peers);
	wgt_wipe(dev, sizeof(*dev));
	free(dev);
}

/*
 * Grows an array to hold one more element of @size; doubles to stay linear.
 * Not realloc(): the old block may hold keys, and is wiped before it is freed.
 */
static void *grow(void *array, size_t *cap, size_t used, size_t size)
{
	size_t ncap;
	void *n;

	if (used < *cap)
		return array;
	ncap = *cap ? *cap * 2 : 4;
	if (ncap > SIZE_MAX / size)
		return NULL;
	n = calloc(ncap, size);
	if (!n)
		return NULL;
	if (array) {
		memcpy(n, array, *cap * size);
		wgt_wipe(array, *cap * size);
		free(array);
	}
	*cap = ncap;
	return n;
}

struct wgt_peer *wgt_device_add_peer(struct wgt_device *dev)
{
	struct wgt_peer *p = grow(dev->peers, &dev->cappeers, dev->npeers, sizeof(*p));

	if (!p)
		return NULL;
	dev->peers = p;
	p = &dev->peers[dev->npeers++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct wgt_allowedip *wgt_peer_add_ip(struct wgt_peer *peer)
{
	struct wgt_allowedip *ip = grow(peer->ips, &peer->capips, peer->nips, sizeof(*ip));

	if (!ip)
		return NULL;
	peer->ips = ip;
	ip = &peer->ips[peer->nips++];
	memset(ip, 0, sizeof(*ip));
	return ip;
}

void wgt_peer_clear_ips(struct wgt_peer *peer)
{
	peer->nips = 0;
}

long wgt_device_find_peer(const struct wgt_device *dev, const uint8_t key[WGT_KEY_LEN])
{
	size_t i;

	for (i = 0; i < dev->npeers; i++)
		if (!memcmp(dev->peers[i].public_key, key, WGT_KEY_LEN))
			return (long)i;
	return -1;
}

static const char *const drop_names[WGT_NDROPS] = {
	[WGTUN_A_DROP_MALFORMED] = "malformed",
	[WGTUN_A_DROP_BAD_MAC] = "bad-mac",
	[WGTUN_A_DROP_DECRYPT] = "decrypt",
	[WGTUN_A_DROP_REPLAY] = "replay",
	[WGTUN_A_DROP_SOURCE] = "source",
	[WGTUN_A_DROP_NO_SESSION] = "no-session",
	[WGTUN_A_DROP_NO_ENDPOINT] = "no-endpoint",
	[WGTUN_A_DROP_OVERSIZE] = "oversize",
	[WGTUN_A_DROP_RATELIMITED] = "ratelimited",
	[WGTUN_A_DROP_HANDSHAKE] = "handshake",
	[WGTUN_A_DROP_QUEUE_FULL] = "queue-full",
	[WGTUN_A_DROP_NO_PEER] = "no-peer",
	[WGTUN_A_DROP_SEAL] = "seal",
	[WGTUN_A_DROP_NO_ROUTE] = "no-route",
};

const char *wgt_drop_name(unsigned int reason)
{
	return reason < WGT_NDROPS ? drop_names[reason] : NULL;
}
