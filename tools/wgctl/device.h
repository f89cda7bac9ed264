/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plain in-memory picture of a wgtun interface that every part of wgctl
 * shares: the parser fills it from argv or a file, ipc.c fills it from a
 * dump and turns it into SET messages, the printers read it.
 *
 * Each struct carries a "has" bit set: a field is meaningful only when its
 * WGT_*_HAS_* bit is set.  "nlflags" holds the WGTUN_*_F_* netlink flags to
 * send (REPLACE_PEERS, REMOVE_ME, REPLACE_ALLOWEDIPS, UPDATE_ONLY).
 */
#ifndef WGCTL_DEVICE_H
#define WGCTL_DEVICE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/wgtun.h>

#define WGT_KEY_LEN		WGTUN_KEY_LEN
#define WGT_KEY_B64_LEN		45	/* 44 characters and a NUL */
#define WGT_NDROPS		(WGTUN_A_DROP_MAX + 1)

enum {
	WGT_DEV_HAS_PRIVATE_KEY = 1U << 0,
	WGT_DEV_HAS_PUBLIC_KEY = 1U << 1,
	WGT_DEV_HAS_LISTEN_PORT = 1U << 2,
	WGT_DEV_HAS_FWMARK = 1U << 3,
	WGT_DEV_HAS_CARRIER_FOLLOWS = 1U << 4,
	WGT_DEV_HAS_LIVENESS = 1U << 5,
	WGT_DEV_HAS_CARRIER = 1U << 6,
	WGT_DEV_HAS_DROPS = 1U << 7,
	WGT_DEV_HAS_IFINDEX = 1U << 8,
	WGT_DEV_HAS_EVENT = 1U << 9,
};

enum {
	WGT_PEER_HAS_PUBLIC_KEY = 1U << 0,
	WGT_PEER_HAS_PRESHARED_KEY = 1U << 1,
	WGT_PEER_HAS_ENDPOINT = 1U << 2,
	WGT_PEER_HAS_KEEPALIVE = 1U << 3,
	WGT_PEER_HAS_HANDSHAKE = 1U << 4,
	WGT_PEER_HAS_TRANSFER = 1U << 5,
	WGT_PEER_HAS_PACKETS = 1U << 6,
	WGT_PEER_HAS_DROPS = 1U << 7,
	WGT_PEER_HAS_ALIVE = 1U << 8,
	WGT_PEER_HAS_LAST_RX_AGE = 1U << 9,
	/* The peer's allowed-IPs list was given (possibly empty). */
	WGT_PEER_HAS_ALLOWEDIPS = 1U << 10,
};

/**
 * struct wgt_allowedip - one allowed-IPs prefix
 * @family: AF_INET or AF_INET6.
 * @addr: the address, 4 or 16 significant bytes.
 * @cidr: prefix length.
 * @nlflags: WGTUN_ALLOWEDIP_F_* to send (REMOVE_ME for "-" entries).
 */
struct wgt_allowedip {
	uint16_t family;
	uint8_t cidr;
	uint32_t nlflags;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	} addr;
};

union wgt_endpoint {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/**
 * struct wgt_peer - one peer
 * @has: WGT_PEER_HAS_* bits.
 * @nlflags: WGTUN_PEER_F_* to send.
 * @ips: the allowed-IPs, @nips of them in an array of @capips.
 * @drops: drop counters indexed by WGTUN_A_DROP_*.
 */
struct wgt_peer {
	uint32_t has;
	uint32_t nlflags;
	uint8_t public_key[WGT_KEY_LEN];
	uint8_t preshared_key[WGT_KEY_LEN];
	union wgt_endpoint endpoint;
	uint16_t keepalive;
	int64_t handshake_sec;
	int64_t handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_packets, tx_packets;
	uint64_t drops[WGT_NDROPS];
	bool alive;
	uint32_t last_rx_age;
	unsigned int line;	/* config file line of its [Peer], for errors */
	struct wgt_allowedip *ips;
	size_t nips, capips;
};

/**
 * struct wgt_device - one interface
 * @name: the interface name.
 * @has: WGT_DEV_HAS_* bits.
 * @nlflags: WGTUN_DEVICE_F_* to send.
 * @peers: @npeers peers in an array of @cappeers.  Pointers into it are
 *	invalidated by wgt_device_add_peer().
 */
struct wgt_device {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t has;
	uint32_t nlflags;
	uint8_t private_key[WGT_KEY_LEN];
	uint8_t public_key[WGT_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	bool carrier_follows_peers;
	uint32_t liveness_timeout;
	bool carrier;
	uint64_t drops[WGT_NDROPS];
	uint32_t event;		/* enum wgtun_event, in event messages */
	struct wgt_peer *peers;
	size_t npeers, cappeers;
};

struct wgt_device *wgt_device_new(void);
void wgt_device_free(struct wgt_device *dev);
/* Appends a zeroed peer; returns NULL on allocation failure. */
struct wgt_peer *wgt_device_add_peer(struct wgt_device *dev);
/* Appends a zeroed allowed-IP; returns NULL on allocation failure. */
struct wgt_allowedip *wgt_peer_add_ip(struct wgt_peer *peer);
void wgt_peer_clear_ips(struct wgt_peer *peer);
/* Returns the index of the peer with that key, or -1. */
long wgt_device_find_peer(const struct wgt_device *dev, const uint8_t key[WGT_KEY_LEN]);
/* Human name of a WGTUN_A_DROP_* reason ("bad-mac"), NULL for unknown. */
const char *wgt_drop_name(unsigned int reason);

#endif
