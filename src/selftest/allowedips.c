// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed-IPs self-test: hand-written cases, then random prefixes checked
 * against a naive reference (a flat array searched linearly), then a walk of
 * the whole trie to check its shape and the peers' lists.
 */

#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../allowedips.h"
#include "selftest.h"

#define NPEERS		16
#define NPREFIXES	2000
#define NLOOKUPS	2500
#define MAX_DEPTH	130

/* Stand-ins for peers: the trie never dereferences them. */
struct fake_peer {
	struct list_head nodes;
};

struct ref_prefix {
	u8 addr[16];
	u8 cidr;
	u8 peer;
};

struct aip_test {
	struct wgt_allowedips t;
	struct fake_peer peers[NPEERS];
	struct ref_prefix ref[NPREFIXES];
	unsigned int nref;
	struct rnd_state rnd;
	struct wgt_allowedips_node *stack[MAX_DEPTH];
};

static DEFINE_MUTEX(aip_test_lock);

#define PEER(x, i)	((struct wgt_peer *)&(x)->peers[i])

static struct wgt_selftest tally;

static struct in_addr v4(u8 a, u8 b, u8 c, u8 d)
{
	struct in_addr ip;
	u8 *p = (u8 *)&ip.s_addr;

	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return ip;
}

static struct in6_addr v6(u32 a, u32 b, u32 c, u32 d)
{
	struct in6_addr ip;

	ip.s6_addr32[0] = cpu_to_be32(a);
	ip.s6_addr32[1] = cpu_to_be32(b);
	ip.s6_addr32[2] = cpu_to_be32(c);
	ip.s6_addr32[3] = cpu_to_be32(d);
	return ip;
}

static int ins4(struct aip_test *x, struct in_addr ip, u8 cidr, int peer)
{
	return wgt_allowedips_insert_v4(&x->t, &ip, cidr, PEER(x, peer), &x->peers[peer].nodes,
					&aip_test_lock);
}

static int ins6(struct aip_test *x, struct in6_addr ip, u8 cidr, int peer)
{
	return wgt_allowedips_insert_v6(&x->t, &ip, cidr, PEER(x, peer), &x->peers[peer].nodes,
					&aip_test_lock);
}

static int rm4(struct aip_test *x, struct in_addr ip, u8 cidr, int peer)
{
	return wgt_allowedips_remove_v4(&x->t, &ip, cidr, PEER(x, peer), &aip_test_lock);
}

static int rm6(struct aip_test *x, struct in6_addr ip, u8 cidr, int peer)
{
	return wgt_allowedips_remove_v6(&x->t, &ip, cidr, PEER(x, peer), &aip_test_lock);
}

static void rm_peer(struct aip_test *x, int peer)
{
	wgt_allowedips_remove_by_peer(&x->t, PEER(x, peer), &x->peers[peer].nodes,
				      &aip_test_lock);
}

static int peer_index(struct aip_test *x, struct wgt_peer *peer)
{
	return peer ? (struct fake_peer *)peer - x->peers : -1;
}

/* Peer index found for @ip, -1 for none. */
static int look4(struct aip_test *x, struct in_addr ip)
{
	struct wgt_peer *peer;

	rcu_read_lock_bh();
	peer = wgt_allowedips_lookup_v4(&x->t, &ip);
	rcu_read_unlock_bh();
	return peer_index(x, peer);
}

static int look6(struct aip_test *x, struct in6_addr ip)
{
	struct wgt_peer *peer;

	rcu_read_lock_bh();
	peer = wgt_allowedips_lookup_v6(&x->t, &ip);
	rcu_read_unlock_bh();
	return peer_index(x, peer);
}

static unsigned int list_len(struct list_head *head)
{
	struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, head)
		n++;
	return n;
}

static void reset(struct aip_test *x)
{
	unsigned int i;

	wgt_allowedips_free(&x->t, &aip_test_lock);
	wgt_allowedips_init(&x->t);
	for (i = 0; i < NPEERS; i++)
		INIT_LIST_HEAD(&x->peers[i].nodes);
	x->nref = 0;
}

static bool test_v4_basic(struct aip_test *x)
{
	CHECK(look4(x, v4(10, 0, 0, 1)) == -1, "empty table finds nothing");
	CHECK(!ins4(x, v4(10, 0, 0, 0), 8, 0), "insert 10/8");
	CHECK(!ins4(x, v4(10, 1, 0, 0), 16, 1), "insert 10.1/16");
	CHECK(!ins4(x, v4(10, 1, 1, 0), 24, 2), "insert 10.1.1/24");
	CHECK(!ins4(x, v4(10, 1, 1, 1), 32, 3), "insert 10.1.1.1/32");
	CHECK(look4(x, v4(10, 2, 3, 4)) == 0, "overlap: /8");
	CHECK(look4(x, v4(10, 1, 2, 3)) == 1, "overlap: /16");
	CHECK(look4(x, v4(10, 1, 1, 2)) == 2, "overlap: /24");
	CHECK(look4(x, v4(10, 1, 1, 1)) == 3, "overlap: /32");
	CHECK(look4(x, v4(11, 0, 0, 1)) == -1, "outside every prefix");
	CHECK(look6(x, v6(0x0a000001, 0, 0, 0)) == -1, "families are separate");

	CHECK(!ins4(x, v4(0, 0, 0, 0), 0, 4), "insert /0");
	CHECK(look4(x, v4(11, 0, 0, 1)) == 4, "/0 catches the rest");
	CHECK(look4(x, v4(255, 255, 255, 255)) == 4, "/0 catches broadcast");
	CHECK(look4(x, v4(10, 2, 3, 4)) == 0, "/0 does not shadow /8");

	CHECK(!ins4(x, v4(192, 168, 1, 77), 24, 5), "insert with host bits");
	CHECK(look4(x, v4(192, 168, 1, 5)) == 5, "host bits masked on insert");
	CHECK(!ins4(x, v4(172, 16, 0, 0), 12, 5), "insert 172.16/12");
	CHECK(!ins4(x, v4(172, 31, 255, 255), 12, 5), "re-insert same prefix, same peer");
	CHECK(list_len(&x->peers[5].nodes) == 2, "same-peer re-insert adds no node");
	CHECK(look4(x, v4(172, 32, 0, 1)) == 4, "/12 boundary");

	CHECK(!ins4(x, v4(10, 1, 0, 0), 16, 2), "re-insert moves owner");
	CHECK(look4(x, v4(10, 1, 2, 3)) == 2, "moved prefix follows new owner");
	CHECK(list_len(&x->peers[1].nodes) == 0, "old owner's list emptied");
	CHECK(list_len(&x->peers[2].nodes) == 2, "new owner's list gained the node");

	CHECK(rm4(x, v4(10, 0, 0, 0), 8, 1) == -ENOENT, "remove by non-owner refused");
	CHECK(look4(x, v4(10, 2, 3, 4)) == 0, "refused remove keeps prefix");
	CHECK(rm4(x, v4(10, 0, 0, 0), 9, 0) == -ENOENT, "remove of absent prefix");
	CHECK(rm4(x, v4(10, 0, 0, 0), 33, 0) == -ENOENT, "remove with bad cidr");
	CHECK(!rm4(x, v4(10, 0, 0, 0), 8, 0), "remove by owner");
	CHECK(look4(x, v4(10, 2, 3, 4)) == 4, "after remove, /0 applies");
	CHECK(look4(x, v4(10, 1, 1, 1)) == 3, "removing /8 keeps longer prefixes");
	CHECK(!rm4(x, v4(192, 168, 1, 99), 24, 5), "remove with host bits");
	CHECK(look4(x, v4(192, 168, 1, 5)) == 4, "removed /24 gone");

	CHECK(!ins4(x, v4(1, 2, 3, 4), 32, 6), "insert /32");
	CHECK(look4(x, v4(1, 2, 3, 4)) == 6, "/32 exact");
	CHECK(look4(x, v4(1, 2, 3, 5)) == 4, "/32 neighbour");
	CHECK(ins4(x, v4(1, 2, 3, 4), 33, 6) == -EINVAL, "cidr 33 rejected");

	rm_peer(x, 2);
	CHECK(list_empty(&x->peers[2].nodes), "remove_by_peer empties list");
	CHECK(look4(x, v4(10, 1, 2, 3)) == 4, "remove_by_peer removed /16");
	CHECK(look4(x, v4(10, 1, 1, 2)) == 4, "remove_by_peer removed /24");
	CHECK(look4(x, v4(10, 1, 1, 1)) == 3, "remove_by_peer kept other peer");
	CHECK(look4(x, v4(1, 2, 3, 4)) == 6, "remove_by_peer kept unrelated");
	return !tally.failures;
}

static bool test_v6_basic(struct aip_test *x)
{
	struct wgt_allowedips_node *node;
	u8 ip[16], cidr;

	reset(x);
	CHECK(!ins6(x, v6(0, 0, 0, 0), 0, 0), "insert ::/0");
	CHECK(!ins6(x, v6(0x20010db8, 0, 0, 0), 32, 1), "insert 2001:db8::/32");
	CHECK(!ins6(x, v6(0x20010db8, 1, 0xffff, 0xffff), 64, 2), "insert /64 with host bits");
	CHECK(!ins6(x, v6(0x20010db8, 0, 0, 1), 128, 3), "insert /128");
	CHECK(!ins6(x, v6(0x20010db8, 0, 0, 0), 127, 4), "insert /127");
	CHECK(look6(x, v6(0x20010db8, 0, 0, 1)) == 3, "/128 exact");
	CHECK(look6(x, v6(0x20010db8, 0, 0, 0)) == 4, "/127 sibling");
	CHECK(look6(x, v6(0x20010db8, 0, 0, 2)) == 1, "/32");
	CHECK(look6(x, v6(0x20010db8, 1, 5, 6)) == 2, "/64");
	CHECK(look6(x, v6(0x20010db9, 0, 0, 1)) == 0, "::/0");
	CHECK(look4(x, v4(32, 1, 13, 184)) == -1, "v6 prefixes do not match v4");
	CHECK(ins6(x, v6(0, 0, 0, 0), 129, 0) == -EINVAL, "cidr 129 rejected");

	if (list_empty(&x->peers[2].nodes))
		return FAIL("v6 /64 on its peer's list");
	node = list_first_entry(&x->peers[2].nodes, struct wgt_allowedips_node, peer_list);
	CHECK(wgt_allowedips_read_node(node, ip, &cidr) == AF_INET6, "read_node family");
	CHECK(cidr == 64, "read_node cidr");
	CHECK(!memcmp(ip, "\x20\x01\x0d\xb8\0\0\0\x01\0\0\0\0\0\0\0\0", 16), "read_node masks");

	CHECK(rm6(x, v6(0x20010db8, 0, 0, 1), 128, 4) == -ENOENT, "v6 remove by non-owner");
	CHECK(!rm6(x, v6(0x20010db8, 0, 0, 1), 128, 3), "v6 remove /128");
	CHECK(look6(x, v6(0x20010db8, 0, 0, 1)) == 4, "/127 covers removed /128");
	CHECK(!ins6(x, v6(0x20010db8, 0, 0, 0), 32, 2), "v6 move owner");
	CHECK(look6(x, v6(0x20010db8, 0, 0, 2)) == 2, "v6 moved prefix");
	rm_peer(x, 2);
	CHECK(look6(x, v6(0x20010db8, 0, 0, 2)) == 0, "v6 remove_by_peer");
	CHECK(look6(x, v6(0x20010db8, 0, 0, 0)) == 4, "v6 remove_by_peer keeps others");
	return !tally.failures;
}

static bool test_skb(struct aip_test *x)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	struct ipv6hdr *ip6;
	struct iphdr *ip4;
	bool ok = false;
	int src, dst;

	if (!skb)
		return FAIL("skb allocation");
	reset(x);
	if (ins4(x, v4(10, 0, 0, 0), 8, 1) || ins4(x, v4(192, 168, 0, 0), 16, 2) ||
	    ins6(x, v6(0xfd000000, 0, 0, 0), 8, 3) || ins6(x, v6(0x20010db8, 0, 0, 0), 32, 4))
		goto out;

	skb_reset_network_header(skb);
	ip4 = skb_put_zero(skb, sizeof(*ip4));
	ip4->version = 4;
	ip4->ihl = 5;
	ip4->saddr = v4(10, 9, 8, 7).s_addr;
	ip4->daddr = v4(192, 168, 3, 4).s_addr;
	skb->protocol = htons(ETH_P_IP);
	rcu_read_lock_bh();
	src = peer_index(x, wgt_allowedips_lookup_src(&x->t, skb));
	dst = peer_index(x, wgt_allowedips_lookup_dst(&x->t, skb));
	rcu_read_unlock_bh();
	if (src != 1 || dst != 2) {
		FAIL("skb IPv4 source/destination");
		goto out;
	}

	skb_trim(skb, 0);
	ip6 = skb_put_zero(skb, sizeof(*ip6));
	ip6->version = 6;
	ip6->saddr = v6(0x20010db8, 0, 0, 9);
	ip6->daddr = v6(0xfd123456, 0, 0, 1);
	skb->protocol = htons(ETH_P_IPV6);
	rcu_read_lock_bh();
	src = peer_index(x, wgt_allowedips_lookup_src(&x->t, skb));
	dst = peer_index(x, wgt_allowedips_lookup_dst(&x->t, skb));
	rcu_read_unlock_bh();
	if (src != 4 || dst != 3) {
		FAIL("skb IPv6 source/destination");
		goto out;
	}

	skb->protocol = htons(ETH_P_ARP);
	rcu_read_lock_bh();
	ok = !wgt_allowedips_lookup_dst(&x->t, skb);
	rcu_read_unlock_bh();
	if (!ok)
		FAIL("skb of another protocol");
out:
	kfree_skb(skb);
	return ok;
}

/* The naive reference: does @addr start with the @cidr first bits of @pfx? */
static bool ref_match(const u8 *pfx, u8 cidr, const u8 *addr)
{
	unsigned int bytes = cidr / 8, rem = cidr % 8;

	if (memcmp(pfx, addr, bytes))
		return false;
	return !rem || !((pfx[bytes] ^ addr[bytes]) & (0xff << (8 - rem)));
}

static void ref_mask(u8 *addr, u8 cidr, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		if (cidr <= i * 8)
			addr[i] = 0;
		else if (cidr < i * 8 + 8)
			addr[i] &= 0xff << (i * 8 + 8 - cidr);
	}
}

static int ref_lookup(struct aip_test *x, const u8 *addr)
{
	int best = -1, best_cidr = -1;
	unsigned int i;

	for (i = 0; i < x->nref; i++) {
		if ((int)x->ref[i].cidr > best_cidr &&
		    ref_match(x->ref[i].addr, x->ref[i].cidr, addr)) {
			best = x->ref[i].peer;
			best_cidr = x->ref[i].cidr;
		}
	}
	return best;
}

static struct ref_prefix *ref_find(struct aip_test *x, const u8 *addr, u8 cidr)
{
	unsigned int i;

	for (i = 0; i < x->nref; i++)
		if (x->ref[i].cidr == cidr && !memcmp(x->ref[i].addr, addr, 16))
			return &x->ref[i];
	return NULL;
}

static void ref_delete(struct aip_test *x, struct ref_prefix *r)
{
	*r = x->ref[--x->nref];
}

static int trie_insert(struct aip_test *x, const u8 *addr, u8 cidr, int peer, bool is6)
{
	struct in6_addr ip6;
	struct in_addr ip4;

	if (is6) {
		memcpy(&ip6, addr, 16);
		return ins6(x, ip6, cidr, peer);
	}
	memcpy(&ip4, addr, 4);
	return ins4(x, ip4, cidr, peer);
}

static int trie_remove(struct aip_test *x, const u8 *addr, u8 cidr, int peer, bool is6)
{
	struct in6_addr ip6;
	struct in_addr ip4;

	if (is6) {
		memcpy(&ip6, addr, 16);
		return rm6(x, ip6, cidr, peer);
	}
	memcpy(&ip4, addr, 4);
	return rm4(x, ip4, cidr, peer);
}

static int trie_lookup(struct aip_test *x, const u8 *addr, bool is6)
{
	struct in6_addr ip6;
	struct in_addr ip4;

	if (is6) {
		memcpy(&ip6, addr, 16);
		return look6(x, ip6);
	}
	memcpy(&ip4, addr, 4);
	return look4(x, ip4);
}

/* A random address, half the time near an existing prefix so lookups hit. */
static void random_addr(struct aip_test *x, u8 *addr, unsigned int len)
{
	u32 r = prandom_u32_state(&x->rnd);
	struct ref_prefix *near;
	unsigned int keep;

	prandom_bytes_state(&x->rnd, addr, 16);
	if (len == 4)
		memset(addr + 4, 0, 12);
	if (!x->nref || (r & 1))
		return;
	near = &x->ref[(r >> 1) % x->nref];
	keep = near->cidr + (r >> 24) % (len * 8 + 1 - near->cidr);
	/* Copy the first @keep bits of @near (its host bits are zero). */
	memcpy(addr, near->addr, keep / 8);
	if (keep % 8) {
		u8 mask = 0xff << (8 - keep % 8);

		addr[keep / 8] = (near->addr[keep / 8] & mask) | (addr[keep / 8] & ~mask);
	}
}

static bool compare_lookups(struct aip_test *x, bool is6, const char *phase)
{
	unsigned int i, len = is6 ? 16 : 4;
	u8 addr[16];

	for (i = 0; i < NLOOKUPS; i++) {
		random_addr(x, addr, len);
		if (trie_lookup(x, addr, is6) != ref_lookup(x, addr))
			return FAIL("random lookup of %*phC differs (%s)", len, addr, phase);
	}
	return true;
}

/*
 * Walk one trie and check its shape: children have longer prefixes that
 * extend the parent's along the right bit, branch nodes have two children,
 * and the prefixes with a peer are exactly the reference's.
 */
static bool check_shape(struct aip_test *x, bool is6)
{
	struct wgt_allowedips_node __rcu **root = is6 ? &x->t.root6 : &x->t.root4;
	struct wgt_allowedips_node *node, *child;
	unsigned int len = 0, owned = 0, lists = 0, i, b;
	struct ref_prefix *r;
	u8 ip[16], pip[16], cidr, pcidr;
	int peer;

	node = rcu_dereference_protected(*root, lockdep_is_held(&aip_test_lock));
	if (node)
		x->stack[len++] = node;
	/* Stop at the first bad node: one broken rule tends to repeat everywhere. */
	while (len && !tally.failures) {
		node = x->stack[--len];
		CHECK(wgt_allowedips_read_node(node, pip, &pcidr) == (is6 ? AF_INET6 : AF_INET),
		      "node family");
		peer = peer_index(x, rcu_access_pointer(node->peer));
		if (peer >= 0) {
			r = ref_find(x, pip, pcidr);
			CHECK(r && r->peer == peer, "trie prefix matches reference owner");
			owned++;
		} else {
			CHECK(rcu_access_pointer(node->bit[0]) && rcu_access_pointer(node->bit[1]),
			      "branch node has two children");
			CHECK(list_empty(&node->peer_list), "branch node on no list");
		}
		for (b = 0; b < 2; b++) {
			child = rcu_dereference_protected(node->bit[b],
							  lockdep_is_held(&aip_test_lock));
			if (!child)
				continue;
			wgt_allowedips_read_node(child, ip, &cidr);
			CHECK(cidr > pcidr, "child prefix longer");
			CHECK(ref_match(pip, pcidr, ip), "child extends parent");
			CHECK(((ip[pcidr / 8] >> (7 - pcidr % 8)) & 1) == b, "child on its bit");
			if (len == MAX_DEPTH)
				return FAIL("walk depth");
			x->stack[len++] = child;
		}
	}
	CHECK(owned == x->nref, "every reference prefix is in the trie");
	for (i = 0; i < NPEERS; i++)
		lists += list_len(&x->peers[i].nodes);
	CHECK(lists == x->nref, "peer lists hold every prefix once");
	return !tally.failures;
}

static bool test_random(struct aip_test *x, bool is6)
{
	unsigned int i, len = is6 ? 16 : 4, bits = len * 8;
	struct ref_prefix *r;
	u8 addr[16], cidr;
	int peer, ret;
	u32 rnd;

	reset(x);
	for (i = 0; x->nref < NPREFIXES; i++) {
		rnd = prandom_u32_state(&x->rnd);
		random_addr(x, addr, len);
		cidr = rnd % (bits + 1);
		peer = (rnd >> 8) % NPEERS;
		ref_mask(addr, cidr, 16);
		if ((rnd >> 16) % 8 == 0 && x->nref) {
			/* Remove an existing prefix, sometimes asking as the wrong peer. */
			r = &x->ref[(rnd >> 19) % x->nref];
			peer = (rnd >> 29) & 1 ? r->peer : (r->peer + 1) % NPEERS;
			ret = trie_remove(x, r->addr, r->cidr, peer, is6);
			if (!CHECK(ret == (peer == r->peer ? 0 : -ENOENT), "random remove result"))
				return false;
			if (!ret)
				ref_delete(x, r);
			continue;
		}
		if (!CHECK(!trie_insert(x, addr, cidr, peer, is6), "random insert"))
			return false;
		r = ref_find(x, addr, cidr);
		if (r) {
			r->peer = peer;
		} else {
			r = &x->ref[x->nref++];
			memcpy(r->addr, addr, 16);
			r->cidr = cidr;
			r->peer = peer;
		}
	}
	if (!compare_lookups(x, is6, "after inserts") || !check_shape(x, is6))
		return false;

	/* Drop a few peers wholesale; the others must be untouched. */
	for (peer = 0; peer < NPEERS; peer += 3) {
		rm_peer(x, peer);
		if (!CHECK(list_empty(&x->peers[peer].nodes), "random remove_by_peer list"))
			return false;
		for (i = 0; i < x->nref;) {
			if (x->ref[i].peer == peer)
				ref_delete(x, &x->ref[i]);
			else
				i++;
		}
	}
	return compare_lookups(x, is6, "after remove_by_peer") && check_shape(x, is6);
}

/*
 * Readers against a writer: a few host prefixes of peer 0 never change while
 * the writer keeps inserting and removing covering prefixes of other peers
 * around them (branch nodes come and go on their paths). A reader must find
 * peer 0 for each of them every time.
 */
#define NSTABLE		32

struct race {
	struct aip_test *x;
	struct in_addr v4[NSTABLE];
	struct in6_addr v6[NSTABLE];
	unsigned long rounds;
	unsigned long misses;
};

static int race_reader(void *arg)
{
	struct race *rc = arg;
	unsigned int i;

	while (!kthread_should_stop()) {
		for (i = 0; i < NSTABLE; i++) {
			rc->misses += look4(rc->x, rc->v4[i]) != 0;
			rc->misses += look6(rc->x, rc->v6[i]) != 0;
		}
		rc->rounds++;
		cond_resched();
	}
	return 0;
}

static void race_write(struct aip_test *x, struct race *rc, u32 rnd)
{
	unsigned int i = (rnd >> 8) % NSTABLE, peer = 1 + (rnd >> 13) % (NPEERS - 1);
	u8 cidr4 = 8 + (rnd >> 17) % 24, cidr6 = 16 + (rnd >> 17) % 112;

	if ((rnd & 0xff) < 4) {
		rm_peer(x, peer);
	} else if (rnd & 1) {
		ins4(x, rc->v4[i], cidr4, peer);
		ins6(x, rc->v6[i], cidr6, peer);
	} else {
		rm4(x, rc->v4[i], cidr4, peer);
		rm6(x, rc->v6[i], cidr6, peer);
	}
}

static bool test_race(struct aip_test *x)
{
	struct task_struct *reader;
	unsigned int i, ops = 0;
	struct race *rc;
	u64 end;

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return FAIL("race: out of memory");
	rc->x = x;
	reset(x);
	for (i = 0; i < NSTABLE; i++) {
		rc->v4[i] = v4(10, 0, i / 4, prandom_u32_state(&x->rnd));
		rc->v6[i] = v6(0x20010db8, i / 4, 0, prandom_u32_state(&x->rnd));
		ins4(x, rc->v4[i], 32, 0);
		ins6(x, rc->v6[i], 128, 0);
	}
	if (look4(x, rc->v4[NSTABLE - 1]) || look6(x, rc->v6[NSTABLE - 1])) {
		kfree(rc);
		return FAIL("race: stable prefixes");
	}
	reader = kthread_run(race_reader, rc, "wgtun-aip-test");
	if (IS_ERR(reader)) {
		kfree(rc);
		return FAIL("race: reader thread");
	}
	/* A quarter of a second of churn, released now and then for the reader. */
	end = ktime_get_ns() + 250 * NSEC_PER_MSEC;
	while (ktime_get_ns() < end || !READ_ONCE(rc->rounds)) {
		race_write(x, rc, prandom_u32_state(&x->rnd));
		if (!(++ops % 64)) {
			mutex_unlock(&aip_test_lock);
			cond_resched();
			mutex_lock(&aip_test_lock);
		}
	}
	kthread_stop(reader);
	if (rc->misses)
		pr_err("allowedips self-test: race: %lu misses in %lu rounds, %u updates\n",
		       rc->misses, rc->rounds, ops);
	CHECK(!rc->misses, "race: lookups during updates find the stable prefixes");
	kfree(rc);
	return !tally.failures;
}

bool wgt_allowedips_selftest(void)
{
	struct aip_test *x = vzalloc(sizeof(*x));
	unsigned int i;
	u64 seed;

	wgt_selftest_begin(&tally, "allowedips");
	if (!x) {
		FAIL("out of memory");
		return wgt_selftest_end(&tally);
	}
	if (wgt_allowedips_slab_init()) {
		FAIL("node caches");
		vfree(x);
		return wgt_selftest_end(&tally);
	}
	seed = get_random_u64();
	prandom_seed_state(&x->rnd, seed);
	mutex_lock(&aip_test_lock);
	wgt_allowedips_init(&x->t);
	reset(x);
	if (!test_v4_basic(x) || !test_v6_basic(x) || !test_skb(x) ||
	    !test_random(x, false) || !test_random(x, true) || !test_race(x))
		goto out;
	/* Populate once more so that freeing a non-empty table is checked too. */
	for (i = 0; i < NPEERS; i++) {
		ins4(x, v4(10, i, 0, 0), 16, i);
		ins6(x, v6(i << 16, 0, 0, 0), 32, i);
	}
	reset(x);
	for (i = 0; i < NPEERS; i++)
		CHECK(list_empty(&x->peers[i].nodes), "free leaves peer lists empty");
out:
	wgt_allowedips_free(&x->t, &aip_test_lock);
	mutex_unlock(&aip_test_lock);
	if (tally.failures)
		pr_err("allowedips self-test: random seed was %llu\n", seed);
	vfree(x);
	wgt_allowedips_slab_uninit();
	return wgt_selftest_end(&tally);
}
