/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A wgtun interface: one net_device, its key, its peers and its port.
 */

#ifndef _WGTUN_DEVICE_H
#define _WGTUN_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/wgtun.h>

#include "allowedips.h"
#include "events.h"
#include "messages.h"
#include "noise.h"
#include "peerlookup.h"
#include "queueing.h"

#define WGTUN_KIND "wgtun"

struct wgt_port;

/*
 * Outer overhead of a transport packet over IPv6: IPv6 (40) + UDP (8) + the
 * data message header (16) + the Poly1305 tag (16).  1500 - 80 = 1420 is the
 * WireGuard default and fits either outer family on an Ethernet path.
 */
#define WGT_OVERHEAD_MAX 80
#define WGT_DEFAULT_MTU 1420
#define WGT_MAX_MTU (IP_MAX_MTU - WGT_OVERHEAD_MAX)

/*
 * Room a packet needs in front for the data header and the outer IPv6/UDP
 * headers (plus the usual pad), and behind for padding and the tag.
 */
#define WGT_DATA_HEADROOM ALIGN(sizeof(struct wgt_msg_data) + sizeof(struct ipv6hdr) + \
				sizeof(struct udphdr) + NET_SKB_PAD, 4)
#define WGT_DATA_TAILROOM (MESSAGE_PADDING_MULTIPLE + NOISE_AUTHTAG_LEN)

/**
 * struct wgt_device - private data of a wgtun net_device
 * @dev: the net_device this is the private area of.
 * @creating_net: namespace the interface was created in; its sockets live
 *	there even when the interface is moved.  Not refcounted: the pernet
 *	exit handler destroys every interface whose creating_net goes away.
 * @list: entry in the module-wide device list; protected by RTNL.
 * @update_lock: serialises configuration changes (netlink set, peer
 *	removal, socket changes) against each other and against dumps; the
 *	writer lock of @allowedips and of @peers.
 * @local: this interface's static identity (noise.h).
 * @pubkeys: peers by public key.
 * @allowedips: cryptokey routing table; RCU readers.
 * @peers: all peers; under @update_lock.
 * @num_peers: length of @peers.
 * @port: the UDP port listened on (port.h), with its sockets; NULL while
 *	down.  RCU readers; written under RTNL and @update_lock.
 * @port_node: entry in @port's members.
 * @listen_port: configured UDP port, host order; 0 = random at open, then
 *	the port actually bound.
 * @fwmark: mark for outgoing UDP packets, 0 = none.
 * @bind_ifindex: device in @creating_net the sockets are bound to, 0 =
 *	none; while @bind_absent, the index the device had.  Written under
 *	RTNL and @update_lock, read under either, and locklessly (with
 *	@bind_absent) as the interface's iflink.  The send paths read the
 *	socket's own sk_bound_dev_if instead.  Part of what makes a port
 *	(with @creating_net and @listen_port).
 * @bind_name: that device's name, followed across renames; a device
 *	registered under it in @creating_net while @bind_absent is bound anew.
 * @bind_absent: the bound device was unregistered (or left the namespace):
 *	the sockets stay bound to its old index, so nothing is sent or
 *	received until a device named @bind_name appears.
 * @drops: drops before a peer was known, by enum wgtun_drop_attr (those of
 *	a port shared by several interfaces are counted on its first member).
 * @crypt_share: what the peers' packets in the crypto engine take of its
 *	room (queueing.h).
 * @carrier_follows_peers: carrier only while a peer is alive (liveness.h).
 * @liveness_timeout: seconds of silence after which a peer is not alive.
 * @liveness_lock: serialises every change of a peer's liveness, of
 *	@alive_peers and @liveness_open, and of the carrier, with the events
 *	announcing them (liveness.c).  Taken from softirqs, timers, workers
 *	and netlink; nothing in it sleeps.
 * @alive_peers: how many peers are alive; under @liveness_lock.
 * @liveness_open: the interface is open, so peers may turn alive; under
 *	@liveness_lock.
 * @unknown_peer_events: report initiations from unknown static keys
 *	(WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS); written under @update_lock, read
 *	locklessly by the handshake workers.
 * @unknown_peer_events_budget: bounds those reports (events.h).
 * @gen: configuration generation, new at each change (wgt_device_changed);
 *	no two interfaces ever share a value, so a dump can tell both a change
 *	and another interface at the same index (NLM_F_DUMP_INTR).
 * @peer_seq: source of peers' internal ids.
 */
struct wgt_device {
	struct net_device *dev;
	struct net *creating_net;
	struct list_head list;
	struct mutex update_lock;	/* see @update_lock above */

	struct wgt_noise_local local;
	struct wgt_pubkey_table pubkeys;
	struct wgt_allowedips allowedips;
	struct list_head peers;
	unsigned int num_peers;

	struct wgt_port __rcu *port;
	struct list_head port_node;
	u16 listen_port;
	u32 fwmark;
	int bind_ifindex;
	char bind_name[IFNAMSIZ];
	bool bind_absent;

	atomic64_t drops[WGTUN_A_DROP_MAX + 1];
	struct wgt_crypt_share crypt_share;

	bool carrier_follows_peers;
	u32 liveness_timeout;
	spinlock_t liveness_lock;	/* see @liveness_lock above */
	unsigned int alive_peers;
	bool liveness_open;

	bool unknown_peer_events;
	struct wgt_event_budget unknown_peer_events_budget;

	u64 gen;
	u64 peer_seq;
};

static inline void wgt_device_drop(struct wgt_device *wg, enum wgtun_drop_attr why)
{
	atomic64_inc(&wg->drops[why]);
	DEV_STATS_INC(wg->dev, rx_dropped);
}

int wgt_device_init(void);
void wgt_device_uninit(void);

/**
 * wgt_device_changed - give @wg a new configuration generation
 * @wg: the interface; the caller holds its update_lock, or is creating it
 */
void wgt_device_changed(struct wgt_device *wg);

/**
 * wgt_device_lookup - find a wgtun interface by ifindex or name
 * @net: namespace to search
 * @ifindex: interface index, or 0 to use @name
 * @name: interface name, or NULL
 *
 * Context: RTNL or RCU is not required; the caller gets a reference on the
 * net_device (dev_hold) and must drop it with dev_put().
 * Return: the device, ERR_PTR(-ENODEV) if absent or not wgtun.
 */
struct wgt_device *wgt_device_lookup(struct net *net, int ifindex, const char *name);

#endif /* _WGTUN_DEVICE_H */
