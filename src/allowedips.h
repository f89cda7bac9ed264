/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allowed-IPs: longest-prefix match from an address to a peer.
 *
 * Two path-compressed binary tries (one per address family). Lookups run under
 * rcu_read_lock_bh() and never block; every writer holds a mutex owned by the
 * caller (the device's update lock) and passes it in, so lockdep can check it.
 */
#ifndef _WGTUN_ALLOWEDIPS_H
#define _WGTUN_ALLOWEDIPS_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct sk_buff;
struct wgt_peer;

/**
 * struct wgt_allowedips_node - one node of a trie
 * @peer: owner of the prefix, or NULL for a branch node that only joins two
 *	subtrees. Readers use rcu_dereference_bh(); writers hold the trie lock.
 * @bit: children; @bit[b] holds the prefixes whose bit number @cidr is b.
 *	Every child has a longer prefix that starts with this node's prefix.
 * @peer_list: entry in the owner's list of nodes (protected by the trie lock;
 *	not walkable under RCU). Self-linked while @peer is NULL.
 * @rcu: reuses the space of @peer_list once the node has left the trie.
 * @cidr: prefix length in bits.
 * @bitlen: 32 for IPv4 nodes, 128 for IPv6 nodes.
 * @key: the prefix in host-order 32-bit words, host bits zero;
 *	1 word for IPv4, 4 for IPv6 (nodes are allocated at their family's size).
 *
 * A branch node always has two children; a node with a peer may have 0, 1 or 2.
 * There is no parent pointer: removal finds the path again from the root,
 * which costs at most @bitlen + 1 steps and keeps the node small.
 */
struct wgt_allowedips_node {
	struct wgt_peer __rcu *peer;
	struct wgt_allowedips_node __rcu *bit[2];
	union {
		struct list_head peer_list;
		struct rcu_head rcu;
	};
	u8 cidr;
	u8 bitlen;
	u32 key[];
};

/**
 * struct wgt_allowedips - the allowed-IPs table of one device
 * @root4: IPv4 trie.
 * @root6: IPv6 trie.
 *
 * A dump split over several netlink messages does not look at the tries for
 * its consistency: it compares the interface's generation (device.h).
 */
struct wgt_allowedips {
	struct wgt_allowedips_node __rcu *root4;
	struct wgt_allowedips_node __rcu *root6;
};

/*
 * Module-wide node caches: init before any table is used, uninit after all are
 * freed. Reference counted (each init needs one uninit); may sleep.
 */
int wgt_allowedips_slab_init(void);
void wgt_allowedips_slab_uninit(void);

void wgt_allowedips_init(struct wgt_allowedips *t);
/* Empties both tries; nodes are freed after an RCU grace period. May sleep. */
void wgt_allowedips_free(struct wgt_allowedips *t, struct mutex *lock);

/*
 * Insert @ip/@cidr for @peer, adding the node to @peer_nodes (the peer's list
 * head). Host bits beyond @cidr are ignored. If the prefix already exists it
 * moves to @peer (and to @peer_nodes). Returns 0, -EINVAL for a bad @cidr, or
 * -ENOMEM (the table is then unchanged). Caller holds @lock.
 */
int wgt_allowedips_insert_v4(struct wgt_allowedips *t, const struct in_addr *ip, u8 cidr,
			     struct wgt_peer *peer,
			     struct list_head *peer_nodes, struct mutex *lock);
int wgt_allowedips_insert_v6(struct wgt_allowedips *t, const struct in6_addr *ip, u8 cidr,
			     struct wgt_peer *peer,
			     struct list_head *peer_nodes, struct mutex *lock);

/*
 * Remove @ip/@cidr if (and only if) it belongs to @peer: 0 if removed,
 * -ENOENT otherwise (also for a bad @cidr). Caller holds @lock.
 */
int wgt_allowedips_remove_v4(struct wgt_allowedips *t, const struct in_addr *ip, u8 cidr,
			     struct wgt_peer *peer, struct mutex *lock);
int wgt_allowedips_remove_v6(struct wgt_allowedips *t, const struct in6_addr *ip, u8 cidr,
			     struct wgt_peer *peer, struct mutex *lock);

/*
 * Remove every prefix on @peer_nodes (the list of @peer). Costs
 * O(prefixes of the peer * address bits), independent of the trie size.
 * Caller holds @lock; @peer_nodes is empty afterwards. May sleep.
 */
void wgt_allowedips_remove_by_peer(struct wgt_allowedips *t, struct wgt_peer *peer,
				   struct list_head *peer_nodes, struct mutex *lock);

/*
 * Fill @ip (network order, unused bytes zeroed) and @cidr from @node.
 * Returns AF_INET or AF_INET6. Caller holds the trie lock (dumps walk the
 * peer's list under it).
 */
int wgt_allowedips_read_node(const struct wgt_allowedips_node *node, u8 ip[16], u8 *cidr);

/*
 * Lookups. Caller holds rcu_read_lock_bh(); the returned peer is only valid
 * inside that section and carries no reference: take one before leaving it.
 * The skb variants read the inner IPv4/IPv6 header at skb_network_header()
 * chosen by skb->protocol, which the caller has already validated; they
 * return NULL for any other protocol or a header outside the linear area.
 */
struct wgt_peer *wgt_allowedips_lookup_dst(struct wgt_allowedips *t, struct sk_buff *skb);
struct wgt_peer *wgt_allowedips_lookup_src(struct wgt_allowedips *t, struct sk_buff *skb);
#ifdef WGTUN_DEBUG
struct wgt_peer *wgt_allowedips_lookup_v4(struct wgt_allowedips *t, const struct in_addr *ip);
struct wgt_peer *wgt_allowedips_lookup_v6(struct wgt_allowedips *t, const struct in6_addr *ip);
#endif

#endif /* _WGTUN_ALLOWEDIPS_H */
