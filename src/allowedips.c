// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed-IPs tries. See allowedips.h for the locking contract.
 *
 * Each trie is a path-compressed binary trie: a node stores its whole prefix,
 * and a child is chosen by the first bit after the parent's prefix. Chains of
 * single-child nodes are never built; a branch node (no peer) is created only
 * where two prefixes diverge, so n prefixes need at most 2n - 1 nodes.
 *
 * Keys are kept as host-order 32-bit words so that prefix tests and bit
 * extraction are plain shifts; the lookup converts the address once.
 */

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "allowedips.h"
#include "debug.h"

/* A path holds at most one node per prefix length, 0 to 128. */
#define WGT_AIP_MAX_DEPTH	129

static struct kmem_cache *node_cache4, *node_cache6;

#define deref_locked(p, lock) rcu_dereference_protected(p, lockdep_is_held(lock))

static unsigned int key_words(u8 bitlen)
{
	return bitlen / 32;
}

static unsigned int key_bit(const u32 *key, unsigned int b)
{
	return (key[b / 32] >> (31 - b % 32)) & 1;
}

/* Zero every bit of @key from @cidr on. */
static void key_mask(u32 *key, u8 cidr, u8 bitlen)
{
	unsigned int i;

	for (i = 0; i < key_words(bitlen); i++) {
		if (cidr <= i * 32)
			key[i] = 0;
		else if (cidr < i * 32 + 32)
			key[i] &= ~0U << (i * 32 + 32 - cidr);
	}
}

/* Length of the common prefix of @a and @b, at most @limit bits. */
static unsigned int key_common(const u32 *a, const u32 *b, unsigned int limit, u8 bitlen)
{
	unsigned int i;
	u32 diff;

	for (i = 0; i < key_words(bitlen) && i * 32 < limit; i++) {
		diff = a[i] ^ b[i];
		if (diff)
			return min(limit, i * 32 + 32 - fls(diff));
	}
	return limit;
}

/* Does @key start with @node's prefix? */
static bool node_matches(const struct wgt_allowedips_node *node, const u32 *key)
{
	unsigned int full = node->cidr / 32, rem = node->cidr % 32, i;

	for (i = 0; i < full; i++)
		if (node->key[i] != key[i])
			return false;
	return !rem || !((node->key[full] ^ key[full]) >> (32 - rem));
}

/* Only the family's key words are allocated (48 bytes for IPv4, 60 for IPv6 on 64-bit). */
static size_t node_size(u8 bitlen)
{
	return offsetof(struct wgt_allowedips_node, key) + key_words(bitlen) * sizeof(u32);
}

static struct wgt_allowedips_node *node_new(const u32 *key, u8 cidr, u8 bitlen,
					    struct wgt_peer *peer)
{
	struct kmem_cache *cache = bitlen == 32 ? node_cache4 : node_cache6;
	struct wgt_allowedips_node *node;

	node = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!node)
		return NULL;
	RCU_INIT_POINTER(node->peer, peer);
	RCU_INIT_POINTER(node->bit[0], NULL);
	RCU_INIT_POINTER(node->bit[1], NULL);
	INIT_LIST_HEAD(&node->peer_list);
	node->cidr = cidr;
	node->bitlen = bitlen;
	memcpy(node->key, key, key_words(bitlen) * sizeof(u32));
	key_mask(node->key, cidr, bitlen);
	return node;
}

static void node_free_rcu(struct rcu_head *rcu)
{
	struct wgt_allowedips_node *node = container_of(rcu, struct wgt_allowedips_node, rcu);

	kmem_cache_free(node->bitlen == 32 ? node_cache4 : node_cache6, node);
}

/* The node must already be off its peer's list: @rcu shares its space. */
static void node_free(struct wgt_allowedips_node *node)
{
	call_rcu(&node->rcu, node_free_rcu);
}

static struct wgt_allowedips_node __rcu **root_of(struct wgt_allowedips *t, u8 bitlen)
{
	return bitlen == 32 ? &t->root4 : &t->root6;
}

static void node_set_peer(struct wgt_allowedips_node *node, struct wgt_peer *peer,
			  struct list_head *peer_nodes, struct mutex *lock)
{
	if (deref_locked(node->peer, lock) == peer)
		return;
	list_move_tail(&node->peer_list, peer_nodes);
	rcu_assign_pointer(node->peer, peer);
}

static int insert_prefix(struct wgt_allowedips *t, const u32 *key, u8 cidr, u8 bitlen,
			 struct wgt_peer *peer, struct list_head *peer_nodes, struct mutex *lock)
{
	struct wgt_allowedips_node __rcu **slot = root_of(t, bitlen);
	struct wgt_allowedips_node *node, *leaf, *branch;
	unsigned int common;

	lockdep_assert_held(lock);
	for (;;) {
		node = deref_locked(*slot, lock);
		if (!node)
			break;
		common = key_common(node->key, key, min(node->cidr, cidr), bitlen);
		if (common < node->cidr)
			break;
		if (node->cidr == cidr) {
			node_set_peer(node, peer, peer_nodes, lock);
			return 0;
		}
		slot = &node->bit[key_bit(key, node->cidr)];
	}

	leaf = node_new(key, cidr, bitlen, peer);
	if (!leaf)
		return -ENOMEM;
	if (!node) {
		/* Empty slot: hang the new node there. */
		rcu_assign_pointer(*slot, leaf);
	} else if (common == cidr) {
		/* The new prefix covers @node: put it above. */
		RCU_INIT_POINTER(leaf->bit[key_bit(node->key, cidr)], node);
		rcu_assign_pointer(*slot, leaf);
	} else {
		/* They diverge at bit @common: join them under a branch node. */
		branch = node_new(key, common, bitlen, NULL);
		if (!branch) {
			kmem_cache_free(bitlen == 32 ? node_cache4 : node_cache6, leaf);
			return -ENOMEM;
		}
		RCU_INIT_POINTER(branch->bit[key_bit(key, common)], leaf);
		RCU_INIT_POINTER(branch->bit[key_bit(node->key, common)], node);
		rcu_assign_pointer(*slot, branch);
	}
	list_add_tail(&leaf->peer_list, peer_nodes);
	return 0;
}

/*
 * Find the node holding exactly @key/@cidr. On success *@slot is the pointer
 * that references it and *@parent_slot the one that references its parent
 * (NULL at the root).
 */
static struct wgt_allowedips_node *find_exact(struct wgt_allowedips *t, const u32 *key,
					      u8 cidr, u8 bitlen, struct mutex *lock,
					      struct wgt_allowedips_node __rcu ***slot,
					      struct wgt_allowedips_node __rcu ***parent_slot)
{
	struct wgt_allowedips_node __rcu **cur = root_of(t, bitlen), **parent = NULL;
	struct wgt_allowedips_node *node;

	for (;;) {
		node = deref_locked(*cur, lock);
		if (!node || node->cidr > cidr || !node_matches(node, key))
			return NULL;
		if (node->cidr == cidr)
			break;
		parent = cur;
		cur = &node->bit[key_bit(key, node->cidr)];
	}
	*slot = cur;
	*parent_slot = parent;
	return node;
}

/*
 * Take @node's prefix out of the trie. A node with two children stays as a
 * branch node; otherwise it is unlinked, and a branch parent left with one
 * child is unlinked too, so no single-child branch node survives.
 * Readers still inside see a consistent older trie until the grace period.
 */
static void node_remove(struct wgt_allowedips_node *node,
			struct wgt_allowedips_node __rcu **slot,
			struct wgt_allowedips_node __rcu **parent_slot, struct mutex *lock)
{
	struct wgt_allowedips_node *child0, *child1, *parent;

	list_del_init(&node->peer_list);
	RCU_INIT_POINTER(node->peer, NULL);
	child0 = deref_locked(node->bit[0], lock);
	child1 = deref_locked(node->bit[1], lock);
	if (child0 && child1)
		return;
	rcu_assign_pointer(*slot, child0 ?: child1);
	node_free(node);
	if (child0 || child1 || !parent_slot)
		return;

	parent = deref_locked(*parent_slot, lock);
	if (rcu_access_pointer(parent->peer))
		return;
	child0 = deref_locked(parent->bit[0], lock);
	child1 = deref_locked(parent->bit[1], lock);
	rcu_assign_pointer(*parent_slot, child0 ?: child1);
	node_free(parent);
}

static int remove_prefix(struct wgt_allowedips *t, u32 *key, u8 cidr, u8 bitlen,
			 struct wgt_peer *peer, struct mutex *lock)
{
	struct wgt_allowedips_node __rcu **slot, **parent_slot;
	struct wgt_allowedips_node *node;

	lockdep_assert_held(lock);
	key_mask(key, cidr, bitlen);
	node = find_exact(t, key, cidr, bitlen, lock, &slot, &parent_slot);
	if (!node || deref_locked(node->peer, lock) != peer)
		return -ENOENT;
	node_remove(node, slot, parent_slot, lock);
	return 0;
}

static void key_from_be(u32 *key, const __be32 *addr, unsigned int words)
{
	unsigned int i;

	for (i = 0; i < words; i++)
		key[i] = be32_to_cpu(addr[i]);
}

int wgt_allowedips_insert_v4(struct wgt_allowedips *t, const struct in_addr *ip, u8 cidr,
			     struct wgt_peer *peer, struct list_head *peer_nodes,
			     struct mutex *lock)
{
	u32 key[1];

	if (cidr > 32)
		return -EINVAL;
	key_from_be(key, &ip->s_addr, 1);
	key_mask(key, cidr, 32);
	return insert_prefix(t, key, cidr, 32, peer, peer_nodes, lock);
}

int wgt_allowedips_insert_v6(struct wgt_allowedips *t, const struct in6_addr *ip, u8 cidr,
			     struct wgt_peer *peer, struct list_head *peer_nodes,
			     struct mutex *lock)
{
	u32 key[4];

	if (cidr > 128)
		return -EINVAL;
	key_from_be(key, ip->s6_addr32, 4);
	key_mask(key, cidr, 128);
	return insert_prefix(t, key, cidr, 128, peer, peer_nodes, lock);
}

int wgt_allowedips_remove_v4(struct wgt_allowedips *t, const struct in_addr *ip, u8 cidr,
			     struct wgt_peer *peer, struct mutex *lock)
{
	u32 key[1];

	if (cidr > 32)
		return -ENOENT;
	key_from_be(key, &ip->s_addr, 1);
	return remove_prefix(t, key, cidr, 32, peer, lock);
}

int wgt_allowedips_remove_v6(struct wgt_allowedips *t, const struct in6_addr *ip, u8 cidr,
			     struct wgt_peer *peer, struct mutex *lock)
{
	u32 key[4];

	if (cidr > 128)
		return -ENOENT;
	key_from_be(key, ip->s6_addr32, 4);
	return remove_prefix(t, key, cidr, 128, peer, lock);
}

void wgt_allowedips_remove_by_peer(struct wgt_allowedips *t, struct wgt_peer *peer,
				   struct list_head *peer_nodes, struct mutex *lock)
{
	struct wgt_allowedips_node __rcu **slot, **parent_slot;
	struct wgt_allowedips_node *node, *tmp, *found;
	unsigned long removed = 0;

	lockdep_assert_held(lock);
	list_for_each_entry_safe(node, tmp, peer_nodes, peer_list) {
		found = find_exact(t, node->key, node->cidr, node->bitlen, lock, &slot,
				   &parent_slot);
		/* A node on the list is always in the trie; anything else is a bug. */
		if (WARN_ON_ONCE(found != node)) {
			list_del_init(&node->peer_list);
			continue;
		}
		/* Only a branch parent can be freed here, and it is on no list. */
		node_remove(node, slot, parent_slot, lock);
		if (!(++removed % 1024))
			cond_resched();
	}
}

static void free_trie(struct wgt_allowedips_node __rcu **root, struct mutex *lock)
{
	struct wgt_allowedips_node *stack[WGT_AIP_MAX_DEPTH + 1], *node, *child;
	unsigned int len = 0, i;
	unsigned long freed = 0;

	node = deref_locked(*root, lock);
	RCU_INIT_POINTER(*root, NULL);
	if (node)
		stack[len++] = node;
	/* Depth first: at most one pending sibling per level, plus the top. */
	while (len) {
		node = stack[--len];
		for (i = 0; i < 2; i++) {
			child = deref_locked(node->bit[i], lock);
			if (child && !WARN_ON_ONCE(len == ARRAY_SIZE(stack)))
				stack[len++] = child;
		}
		list_del_init(&node->peer_list);
		node_free(node);
		/* A million prefixes take a while; the caller holds only a mutex. */
		if (!(++freed % 1024))
			cond_resched();
	}
}

void wgt_allowedips_init(struct wgt_allowedips *t)
{
	RCU_INIT_POINTER(t->root4, NULL);
	RCU_INIT_POINTER(t->root6, NULL);
}

void wgt_allowedips_free(struct wgt_allowedips *t, struct mutex *lock)
{
	lockdep_assert_held(lock);
	free_trie(&t->root4, lock);
	free_trie(&t->root6, lock);
}

int wgt_allowedips_read_node(const struct wgt_allowedips_node *node, u8 ip[16], u8 *cidr)
{
	__be32 addr[4] = { };
	unsigned int i;

	for (i = 0; i < key_words(node->bitlen); i++)
		addr[i] = cpu_to_be32(node->key[i]);
	memcpy(ip, addr, sizeof(addr));
	*cidr = node->cidr;
	return node->bitlen == 32 ? AF_INET : AF_INET6;
}

static struct wgt_peer *lookup(struct wgt_allowedips_node __rcu *const *root,
			       const u32 *key, u8 bitlen)
{
	struct wgt_allowedips_node *node = rcu_dereference_bh(*root);
	struct wgt_peer *best = NULL, *peer;

	while (node && node_matches(node, key)) {
		peer = rcu_dereference_bh(node->peer);
		if (peer)
			best = peer;
		if (node->cidr == bitlen)
			break;
		node = rcu_dereference_bh(node->bit[key_bit(key, node->cidr)]);
	}
	return best;
}

WGT_SELFTEST_VISIBLE struct wgt_peer *wgt_allowedips_lookup_v4(struct wgt_allowedips *t,
							       const struct in_addr *ip)
{
	u32 key[1];

	key_from_be(key, &ip->s_addr, 1);
	return lookup(&t->root4, key, 32);
}

WGT_SELFTEST_VISIBLE struct wgt_peer *wgt_allowedips_lookup_v6(struct wgt_allowedips *t,
							       const struct in6_addr *ip)
{
	u32 key[4];

	key_from_be(key, ip->s6_addr32, 4);
	return lookup(&t->root6, key, 128);
}

static struct wgt_peer *lookup_skb(struct wgt_allowedips *t, struct sk_buff *skb, bool src)
{
	unsigned int end = skb_network_offset(skb);
	const struct ipv6hdr *ip6;
	const struct iphdr *ip4;

	if (skb->protocol == htons(ETH_P_IP)) {
		if (end + sizeof(*ip4) > skb_headlen(skb))
			return NULL;
		ip4 = ip_hdr(skb);
		return wgt_allowedips_lookup_v4(t, (const struct in_addr *)(src ? &ip4->saddr :
									    &ip4->daddr));
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		if (end + sizeof(*ip6) > skb_headlen(skb))
			return NULL;
		ip6 = ipv6_hdr(skb);
		return wgt_allowedips_lookup_v6(t, src ? &ip6->saddr : &ip6->daddr);
	}
	return NULL;
}

struct wgt_peer *wgt_allowedips_lookup_dst(struct wgt_allowedips *t, struct sk_buff *skb)
{
	return lookup_skb(t, skb, false);
}

struct wgt_peer *wgt_allowedips_lookup_src(struct wgt_allowedips *t, struct sk_buff *skb)
{
	return lookup_skb(t, skb, true);
}

/*
 * Reference counted, so the self-test can hold the caches whether or not the
 * module has set them up yet.
 */
static DEFINE_MUTEX(slab_lock);
static unsigned int slab_users;

int wgt_allowedips_slab_init(void)
{
	int ret = 0;

	mutex_lock(&slab_lock);
	if (slab_users++)
		goto out;
	node_cache4 = kmem_cache_create("wgtun_aip4", node_size(32), 0, 0, NULL);
	node_cache6 = kmem_cache_create("wgtun_aip6", node_size(128), 0, 0, NULL);
	if (!node_cache4 || !node_cache6) {
		kmem_cache_destroy(node_cache6);
		kmem_cache_destroy(node_cache4);
		slab_users--;
		ret = -ENOMEM;
	}
out:
	mutex_unlock(&slab_lock);
	return ret;
}

void wgt_allowedips_slab_uninit(void)
{
	mutex_lock(&slab_lock);
	if (!WARN_ON(!slab_users) && !--slab_users) {
		/* Wait for the node_free_rcu() callbacks still queued. */
		rcu_barrier();
		kmem_cache_destroy(node_cache6);
		kmem_cache_destroy(node_cache4);
	}
	mutex_unlock(&slab_lock);
}
