/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plain in-memory picture of a wgtun interface that every part of wgctl
 * shares: the parser fills it from argv or a file, ipc.c fills it from a
 * dump and turns it into SET messages, the printers read it.
 *
 * Each struct carries a "has" bit set: a field is meaningful only when its
 * WGC_*_HAS_* bit is set.  "nlflags" holds the WGTUN_*_F_* netlink flags to
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

#define WGC_KEY_LEN		WGTUN_KEY_LEN
#define WGC_KEY_B64_LEN		45	/* 44 characters and a NUL */
#define WGC_NDROPS		(WGTUN_A_DROP_MAX + 1)

enum {
	WGC_DEV_HAS_PRIVATE_KEY = 1U << 0,
	WGC_DEV_HAS_PUBLIC_KEY = 1U << 1,
	WGC_DEV_HAS_LISTEN_PORT = 1U << 2,
	WGC_DEV_HAS_FWMARK = 1U << 3,
	WGC_DEV_HAS_CARRIER_FOLLOWS = 1U << 4,
	WGC_DEV_HAS_LIVENESS = 1U << 5,
	WGC_DEV_HAS_CARRIER = 1U << 6,
	WGC_DEV_HAS_DROPS = 1U << 7,
	WGC_DEV_HAS_IFINDEX = 1U << 8,
	WGC_DEV_HAS_EVENT = 1U << 9,
	WGC_DEV_HAS_UNKNOWN_PEER_EVENTS = 1U << 10,
	/* bind_dev was given (empty: unbind) or dumped (the device bound to). */
	WGC_DEV_HAS_BIND_DEV = 1U << 11,
	/* Read only, dumped while the interface is up. */
	WGC_DEV_HAS_PORT_ID = 1U << 12,
	WGC_DEV_HAS_PORT_MEMBERS = 1U << 13,
};

enum {
	WGC_PEER_HAS_PUBLIC_KEY = 1U << 0,
	WGC_PEER_HAS_PRESHARED_KEY = 1U << 1,
	WGC_PEER_HAS_ENDPOINT = 1U << 2,
	WGC_PEER_HAS_KEEPALIVE = 1U << 3,
	WGC_PEER_HAS_HANDSHAKE = 1U << 4,
	WGC_PEER_HAS_TRANSFER = 1U << 5,
	WGC_PEER_HAS_PACKETS = 1U << 6,
	WGC_PEER_HAS_DROPS = 1U << 7,
	WGC_PEER_HAS_ALIVE = 1U << 8,
	WGC_PEER_HAS_LAST_RX_AGE = 1U << 9,
	/* The peer's allowed-IPs list was given (possibly empty). */
	WGC_PEER_HAS_ALLOWEDIPS = 1U << 10,
	/* Without it the peer roams (the kernel's default). */
	WGC_PEER_HAS_ROAMING = 1U << 11,
	WGC_PEER_HAS_ROAM_REFUSED = 1U << 12,
};

/**
 * struct wgc_allowedip - one allowed-IPs prefix
 * @family: AF_INET or AF_INET6.
 * @addr: the address, 4 or 16 significant bytes.
 * @cidr: prefix length.
 * @nlflags: WGTUN_ALLOWEDIP_F_* to send (REMOVE_ME for "-" entries).
 */
struct wgc_allowedip {
	uint16_t family;
	uint8_t cidr;
	uint32_t nlflags;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	} addr;
};

union wgc_endpoint {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/**
 * struct wgc_peer - one peer
 * @has: WGC_PEER_HAS_* bits.
 * @nlflags: WGTUN_PEER_F_* to send.
 * @ips: the allowed-IPs, @nips of them in an array of @capips.
 * @drops: drop counters indexed by WGTUN_A_DROP_*.
 */
struct wgc_peer {
	uint32_t has;
	uint32_t nlflags;
	uint8_t public_key[WGC_KEY_LEN];
	uint8_t preshared_key[WGC_KEY_LEN];
	union wgc_endpoint endpoint;
	uint16_t keepalive;
	int64_t handshake_sec;
	int64_t handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_packets, tx_packets;
	uint64_t drops[WGC_NDROPS];
	bool alive;
	uint32_t last_rx_age;
	bool roaming;
	uint64_t roam_refused;
	unsigned int line;	/* config file line of its [Peer], for errors */
	struct wgc_allowedip *ips;
	size_t nips, capips;
};

/**
 * struct wgc_device - one interface
 * @name: the interface name.
 * @has: WGC_DEV_HAS_* bits.
 * @nlflags: WGTUN_DEVICE_F_* to send.
 * @bind_dev: name of the device the UDP sockets are bound to, "" for none.
 * @bind_ifindex: its index: in a dump, 0 while the device is gone; on SET,
 *	resolved from @bind_dev by ipc_set_device().
 * @port_id: in a dump of an up interface, the UDP port object it listens on:
 *	the same for every interface that shares that port's sockets.
 * @port_members: how many interfaces are up on @port_id (1: not shared).
 * @peers: @npeers peers in an array of @cappeers.  Pointers into it are
 *	invalidated by wgc_device_add_peer().
 */
struct wgc_device {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t has;
	uint32_t nlflags;
	uint8_t private_key[WGC_KEY_LEN];
	uint8_t public_key[WGC_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	char bind_dev[IFNAMSIZ];
	uint32_t bind_ifindex;
	uint32_t port_id;
	uint32_t port_members;
	bool carrier_follows_peers;
	uint32_t liveness_timeout;
	bool carrier;
	bool unknown_peer_events;
	uint64_t drops[WGC_NDROPS];
	uint32_t event;		/* enum wgtun_event_type, in event messages */
	struct wgc_peer *peers;
	size_t npeers, cappeers;
};

struct wgc_device *wgc_device_new(void);
void wgc_device_free(struct wgc_device *dev);
/* Appends a zeroed peer; returns NULL on allocation failure. */
struct wgc_peer *wgc_device_add_peer(struct wgc_device *dev);
/* Appends a zeroed allowed-IP; returns NULL on allocation failure. */
struct wgc_allowedip *wgc_peer_add_ip(struct wgc_peer *peer);
void wgc_peer_clear_ips(struct wgc_peer *peer);
/*
 * The prefix of @ip with its host bits cleared, as the kernel stores it, in
 * 16 bytes, then 0 for IPv4 or 1 for IPv6: equal prefixes compare equal.
 */
void wgc_allowedip_prefix(const struct wgc_allowedip *ip, uint8_t out[17]);
/* The same address, port (and IPv6 scope). */
bool wgc_endpoint_equal(const union wgc_endpoint *a, const union wgc_endpoint *b);
/* Returns the index of the peer with that key, or -1. */
long wgc_device_find_peer(const struct wgc_device *dev, const uint8_t key[WGC_KEY_LEN]);
/* Human name of a WGTUN_A_DROP_* reason ("bad-mac"), NULL for unknown. */
const char *wgc_drop_name(unsigned int reason);

#endif
