/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer: one remote static key, its session state, its endpoint, its
 * allowed IPs and its timers.
 */

#ifndef _WGTUN_PEER_H
#define _WGTUN_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/wgtun.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>

#include "events.h"
#include "messages.h"
#include "noise.h"
#include "queueing.h"

struct wgt_device;

/**
 * struct wgt_endpoint - where a peer is reached, and from which local address
 * @addr: the remote address and port; sa_family AF_UNSPEC when unknown.
 * @src4: IPv4 source last used or learned, to stay on the same address.
 * @src_if4: interface index paired with @src4.
 * @src6: IPv6 source last used or learned.
 */
struct wgt_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
	union {
		struct {
			struct in_addr src4;
			int src_if4;
		};
		struct in6_addr src6;
	};
};

/**
 * struct wgt_peer_stats - counters of one peer
 * @rx_bytes: plaintext bytes received, including keepalives' zero.
 * @tx_bytes: plaintext bytes sent.
 * @rx_packets: data packets received (keepalives included).
 * @tx_packets: data packets sent (keepalives included).
 * @roam_refused: authenticated messages from another address than the
 *	pinned endpoint (WGTUN_A_PEER_ROAM_REFUSED).
 * @drops: per reason, indexed by enum wgtun_drop_attr.
 *
 * Updated locklessly from any CPU; readers accept a torn view across fields.
 */
struct wgt_peer_stats {
	atomic64_t rx_bytes;
	atomic64_t tx_bytes;
	atomic64_t rx_packets;
	atomic64_t tx_packets;
	atomic64_t roam_refused;
	atomic64_t drops[WGTUN_A_DROP_MAX + 1];
};

/**
 * struct wgt_peer - a remote WireGuard peer
 * @wg: the owning interface.
 * @noise: handshake, session keys and cookie state; see noise.h for its
 *	locking.
 * @allowedips: this peer's nodes in @wg's trie; under @wg->update_lock.
 * @list: entry in @wg->peers; under @wg->update_lock.
 * @endpoint: current endpoint; written under @endpoint_lock (writer),
 *	read under it too (read side), since it is larger than a word.
 * @endpoint_lock: protects @endpoint, @endpoint_gen, @refused and resets of
 *	@endpoint_cache.
 * @endpoint_gen: bumped with every reset of @endpoint_cache (new endpoint,
 *	new fwmark), so that a sender whose route lookup raced with a reset
 *	does not cache what it found.
 * @endpoint_cache: cached route to @endpoint.
 * @pinned: roaming off (WGTUN_A_PEER_ROAMING 0): a known @endpoint is not
 *	moved by packets; written under @wg->update_lock and @endpoint_lock,
 *	read under either.
 * @refused: the source of the last packet that @pinned kept from moving
 *	@endpoint, AF_UNSPEC if none; under @endpoint_lock.
 * @staged: packets waiting for a usable session; its own lock.
 * @tx_ordered: packets in the crypto engine on their way out, in nonce
 *	order (queueing.h, send.c); its own lock.
 * @rx_ordered: received packets in the crypto engine, in arrival order
 *	(receive.c).
 * @tx_flushing: a CPU is sending @tx_ordered's finished packets; under
 *	@tx_ordered's lock. Only that CPU sends this peer's data packets.
 * @rx_stopped: delivery has stopped for good (removal); under
 *	@rx_ordered's lock.
 * @napi: delivers @rx_ordered's opened packets, in order and with GRO.
 * @handshake_work: sends an initiation from process context.
 * @clear_work: zeroes the session keys from process context.
 * @timer_retransmit: resends an unanswered initiation.
 * @timer_keepalive: answers received data with a keepalive if nothing
 *	else was sent.
 * @timer_new_handshake: starts a handshake if sent data got no answer.
 * @timer_zero_keys: forgets the keys long after the last handshake.
 * @timer_persistent_keepalive: the configured persistent keepalive.
 * @timer_liveness: notices a silent peer, and probes a dead one (liveness.c).
 * @last_sent_handshake: jiffies64 of the last initiation sent.
 * @handshake_attempts: initiations sent since the last success.
 * @keepalive_interval: persistent keepalive in seconds, 0 = off.
 * @need_another_keepalive: a keepalive timer fired while one was pending.
 * @last_handshake: wall-clock time of the last completed handshake.
 * @last_rx: jiffies64 of the last authenticated packet, 0 if none.
 * @alive: see liveness.h; written under @wg->liveness_lock, read locklessly.
 * @events: the budget of the events this peer's packets cause (events.h).
 * @stats: counters.
 * @internal_id: creation sequence number, for logs.
 * @is_dead: set once removal started; timers and work then stand down.
 * @refcount: the peer is freed (after RCU) when it drops to zero.
 * @rcu: for the deferred free.
 */
struct wgt_peer {
	struct wgt_device *wg;
	struct wgt_noise_remote noise;
	struct list_head allowedips;
	struct list_head list;

	struct wgt_endpoint endpoint;
	rwlock_t endpoint_lock;
	u32 endpoint_gen;
	struct dst_cache endpoint_cache;
	bool pinned;
	struct wgt_endpoint refused;

	struct sk_buff_head staged;
	struct wgt_crypt_queue tx_ordered;
	struct wgt_crypt_queue rx_ordered;
	bool tx_flushing;
	bool rx_stopped;
	struct napi_struct napi;
	struct work_struct handshake_work;
	struct work_struct clear_work;

	struct timer_list timer_retransmit;
	struct timer_list timer_keepalive;
	struct timer_list timer_new_handshake;
	struct timer_list timer_zero_keys;
	struct timer_list timer_persistent_keepalive;
	struct timer_list timer_liveness;
	atomic64_t last_sent_handshake;
	unsigned int handshake_attempts;
	u16 keepalive_interval;
	bool need_another_keepalive;
	bool sent_lastminute_handshake;

	struct timespec64 last_handshake;
	atomic64_t last_rx;
	bool alive;
	struct wgt_event_budget events;
	struct wgt_peer_stats stats;

	u64 internal_id;
	bool is_dead;
	struct kref refcount;
	struct rcu_head rcu;
};

int wgt_peer_init(void);
void wgt_peer_uninit(void);

/**
 * wgt_peer_create - add a peer to an interface
 * @wg: the interface; caller holds @wg->update_lock
 * @public_key: the peer's static public key
 * @psk: preshared key or NULL
 *
 * Return: the new peer, owned by @wg's peer list (no extra reference for the
 * caller), or an ERR_PTR: -EEXIST for a duplicate key, -EINVAL for the
 * interface's own key, -E2BIG past the peer limit, -ENOMEM.
 */
struct wgt_peer *wgt_peer_create(struct wgt_device *wg, const u8 *public_key, const u8 *psk);

/* Remove one peer (or all) from its interface; caller holds update_lock. */
void wgt_peer_remove(struct wgt_peer *peer);
void wgt_peer_remove_all(struct wgt_device *wg);

/* Reference handling.  _maybe_zero is for pointers found under RCU. */
struct wgt_peer *wgt_peer_get_maybe_zero(struct wgt_peer *peer);
void wgt_peer_put(struct wgt_peer *peer);

static inline struct wgt_peer *wgt_peer_from_remote(struct wgt_noise_remote *r)
{
	return container_of(r, struct wgt_peer, noise);
}

/* The callbacks noise.c uses to hold peers. */
extern const struct wgt_noise_ops wgt_peer_noise_ops;

static inline void wgt_peer_drop(struct wgt_peer *peer, enum wgtun_drop_attr why)
{
	atomic64_inc(&peer->stats.drops[why]);
}

#endif /* _WGTUN_PEER_H */
