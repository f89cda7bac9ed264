// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation helpers for struct wgc_device and its peers.  Keys are wiped
 * before their memory is given back.
 */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "encoding.h"
#include "subcommands.h"

/* Lives here, not in wgctl.c, so the tests and fuzzers link without main(). */
const char *PROG_NAME = "wgctl";

struct wgc_device *wgc_device_new(void)
{
	return calloc(1, sizeof(struct wgc_device));
}

static void peer_release(struct wgc_peer *peer)
{
	free(peer->ips);
	wgc_wipe(peer->preshared_key, sizeof(peer->preshared_key));
}

void wgc_device_free(struct wgc_device *dev)
{
	size_t i;

	if (!dev)
		return;
	for (i = 0; i < dev->npeers; i++)
		peer_release(&dev->peers[i]);
	if (dev->peers)
		wgc_wipe(dev->peers, dev->cappeers * sizeof(*dev->peers));
	free(dev->peers);
	wgc_wipe(dev, sizeof(*dev));
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
		wgc_wipe(array, *cap * size);
		free(array);
	}
	*cap = ncap;
	return n;
}

struct wgc_peer *wgc_device_add_peer(struct wgc_device *dev)
{
	struct wgc_peer *p = grow(dev->peers, &dev->cappeers, dev->npeers, sizeof(*p));

	if (!p)
		return NULL;
	dev->peers = p;
	p = &dev->peers[dev->npeers++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct wgc_allowedip *wgc_peer_add_ip(struct wgc_peer *peer)
{
	struct wgc_allowedip *ip = grow(peer->ips, &peer->capips, peer->nips, sizeof(*ip));

	if (!ip)
		return NULL;
	peer->ips = ip;
	ip = &peer->ips[peer->nips++];
	memset(ip, 0, sizeof(*ip));
	return ip;
}

void wgc_peer_clear_ips(struct wgc_peer *peer)
{
	peer->nips = 0;
}

void wgc_allowedip_prefix(const struct wgc_allowedip *ip, uint8_t out[17])
{
	unsigned int len = ip->family == AF_INET ? 4 : 16, i, bits;

	memset(out, 0, 17);
	memcpy(out, &ip->addr, len);
	for (i = 0; i < len; i++) {
		bits = ip->cidr > i * 8 ? ip->cidr - i * 8 : 0;
		if (bits < 8)
			out[i] &= (uint8_t)(0xff00 >> bits);
	}
	out[16] = (uint8_t)(ip->family == AF_INET ? 0 : 1);
}

bool wgc_endpoint_equal(const union wgc_endpoint *a, const union wgc_endpoint *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b->sin6.sin6_port &&
	       a->sin6.sin6_scope_id == b->sin6.sin6_scope_id &&
	       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, sizeof(a->sin6.sin6_addr));
}

long wgc_device_find_peer(const struct wgc_device *dev, const uint8_t key[WGC_KEY_LEN])
{
	size_t i;

	for (i = 0; i < dev->npeers; i++)
		if (!memcmp(dev->peers[i].public_key, key, WGC_KEY_LEN))
			return (long)i;
	return -1;
}

static const char *const drop_names[WGC_NDROPS] = {
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

const char *wgc_drop_name(unsigned int reason)
{
	return reason < WGC_NDROPS ? drop_names[reason] : NULL;
}
