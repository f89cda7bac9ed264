/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handshake rate limiter: a token bucket per source (IPv4 address, IPv6 /64)
 * and network namespace, shared by every wgtun interface of the module.
 */
#ifndef _WGTUN_RATELIMITER_H
#define _WGTUN_RATELIMITER_H

#include <linux/time64.h>
#include <linux/types.h>

struct net;
struct sk_buff;

#define WGT_RATELIMIT_PER_SEC	20
#define WGT_RATELIMIT_BURST	5
/* Entries idle for longer than this are dropped by the collector. */
#define WGT_RATELIMIT_IDLE_NS	NSEC_PER_SEC

/*
 * Reference counted: every user (the module, or each device) calls init once
 * and uninit once; the table exists while at least one user holds it. May
 * sleep.
 */
int wgt_ratelimiter_init(void);
void wgt_ratelimiter_uninit(void);

/*
 * May a handshake message whose outer IPv4/IPv6 header is at
 * skb_network_header() be processed? False when the source's bucket is
 * empty, the table is full, or the packet is neither IPv4 nor IPv6.
 * Any context (process or softirq); only between init and uninit.
 */
bool wgt_ratelimiter_allow(struct sk_buff *skb, struct net *net);

/*
 * Internals, exposed so the self-test can drive a private table with its own
 * clock instead of sleeping. Not for the packet path.
 */

/**
 * struct wgt_rl_key - what a bucket is kept for
 * @addr: raw bytes of the IPv4 address (then zeros), or of the first 64 bits
 *	of the IPv6 address.
 * @net: namespace the packet arrived in; compared only, never dereferenced.
 * @family: AF_INET or AF_INET6, so the two spaces never share a bucket.
 */
struct wgt_rl_key {
	u64 addr;
	const struct net *net;
	u64 family;
};

struct wgt_rl_table;

#ifdef WGTUN_DEBUG
/* The module's table is one of these; the selftests make their own. */
bool wgt_rl_key_from_skb(struct sk_buff *skb, const struct net *net, struct wgt_rl_key *key);
/* @auto_gc: collect every second from a delayed work (the module-wide table does). */
struct wgt_rl_table *wgt_rl_table_create(unsigned int buckets, unsigned int max_entries,
					 bool auto_gc);
/* No wgt_rl_table_allow() may run concurrently or later. May sleep. */
void wgt_rl_table_destroy(struct wgt_rl_table *t);
bool wgt_rl_table_allow(struct wgt_rl_table *t, const struct wgt_rl_key *key, u64 now_ns);
/* Drop the entries idle for more than WGT_RATELIMIT_IDLE_NS at @now_ns. */
void wgt_rl_table_gc(struct wgt_rl_table *t, u64 now_ns);
unsigned int wgt_rl_table_count(struct wgt_rl_table *t);
/* Does the module-wide table hold a bucket for @key? (false when not initialized) */
bool wgt_ratelimiter_tracks(const struct wgt_rl_key *key);
#endif

#endif /* _WGTUN_RATELIMITER_H */
