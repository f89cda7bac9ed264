// SPDX-License-Identifier: GPL-2.0
/*
 * Rate-limiter self-test. The bucket arithmetic, the keys, the bound and the
 * collector are checked on a private table driven by a virtual clock, so the
 * results do not depend on how fast the (possibly emulated) machine runs.
 * Then the module-wide table is checked through the packet API with the real
 * clock, with generous timing guards, including its delayed-work collector.
 */

#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <linux/delay.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>
#include <net/net_namespace.h>

#include "../ratelimiter.h"
#include "selftest.h"

#define MS		NSEC_PER_MSEC
#define COST		(NSEC_PER_SEC / WGT_RATELIMIT_PER_SEC)

/* A second "namespace": only its address is used, as a key. */
static const int other_net_stand_in;
#define OTHER_NET	((const struct net *)&other_net_stand_in)

static struct wgt_selftest tally;

static struct wgt_rl_key key4(u32 addr, const struct net *net)
{
	struct wgt_rl_key k = { .addr = addr, .net = net, .family = AF_INET };

	return k;
}

/* How many of @n packets at @now are allowed. */
static unsigned int burst(struct wgt_rl_table *t, const struct wgt_rl_key *k, u64 now,
			  unsigned int n)
{
	unsigned int ok = 0;

	while (n--)
		ok += wgt_rl_table_allow(t, k, now);
	return ok;
}

static bool test_bucket(struct wgt_rl_table *t, u64 t0)
{
	struct wgt_rl_key a = key4(0x01020304, &init_net), b = key4(0x01020305, &init_net);
	unsigned int i, ok;
	u64 now;

	CHECK(burst(t, &a, t0, 5) == WGT_RATELIMIT_BURST, "burst of 5 allowed");
	CHECK(!wgt_rl_table_allow(t, &a, t0), "6th packet of the burst refused");
	CHECK(!wgt_rl_table_allow(t, &a, t0 + COST - 1), "refill: just before one cost");
	CHECK(wgt_rl_table_allow(t, &a, t0 + COST), "refill: one packet after 50 ms");
	CHECK(!wgt_rl_table_allow(t, &a, t0 + COST), "refill: only one");
	CHECK(burst(t, &b, t0, 5) == 5, "another source is independent");
	CHECK(!wgt_rl_table_allow(t, &b, t0), "other source has its own limit");

	/* A long pause refills only up to the burst. */
	now = t0 + COST + 10 * NSEC_PER_SEC;
	CHECK(burst(t, &a, now, 20) == WGT_RATELIMIT_BURST, "credit capped at the burst");

	/* A steady stream, one packet per ms for 3 s: 20 per second get through. */
	ok = 0;
	for (i = 1; i <= 3000; i++)
		ok += wgt_rl_table_allow(t, &a, now + i * MS);
	CHECK(ok == 3 * WGT_RATELIMIT_PER_SEC, "20 packets per second");

	/* A clock read on another CPU that lags behind must not add credit. */
	now += 3000 * MS;
	CHECK(!wgt_rl_table_allow(t, &a, now - 500 * MS), "stale clock grants nothing");
	return !tally.failures;
}

static bool test_keys(struct wgt_rl_table *t, u64 t0)
{
	struct wgt_rl_key k1, k2, k3, k4, k5, k6, k7;
	const __be32 v4src = htonl(0xc6336401);
	struct sk_buff *skb;
	struct ipv6hdr *ip6;
	struct iphdr *ip4;
	bool ok;

	skb = alloc_skb(128, GFP_KERNEL);
	if (!skb)
		return FAIL("skb allocation");
	skb_reset_network_header(skb);
	ip6 = skb_put_zero(skb, sizeof(*ip6));
	skb->protocol = htons(ETH_P_IPV6);
	/* 2001:db8:1:2::1 and 2001:db8:1:2:ffff:ffff:0:5 share a /64... */
	ip6->saddr.s6_addr32[0] = htonl(0x20010db8);
	ip6->saddr.s6_addr32[1] = htonl(0x00010002);
	ip6->saddr.s6_addr32[3] = htonl(1);
	ok = wgt_rl_key_from_skb(skb, &init_net, &k1);
	ip6->saddr.s6_addr32[2] = htonl(0xffffffff);
	ip6->saddr.s6_addr32[3] = htonl(5);
	ok = ok && wgt_rl_key_from_skb(skb, &init_net, &k2);
	/* ...2001:db8:1:3:ffff:ffff:0:5 is in another one. */
	ip6->saddr.s6_addr32[1] = htonl(0x00010003);
	ok = ok && wgt_rl_key_from_skb(skb, &init_net, &k3);
	ok = ok && wgt_rl_key_from_skb(skb, OTHER_NET, &k4);
	/* c633:6401::/64 has the same leading bytes as 198.51.100.1 below. */
	memset(&ip6->saddr, 0, sizeof(ip6->saddr));
	ip6->saddr.s6_addr32[0] = v4src;
	ok = ok && wgt_rl_key_from_skb(skb, &init_net, &k7);

	skb_trim(skb, 0);
	ip4 = skb_put_zero(skb, sizeof(*ip4));
	skb->protocol = htons(ETH_P_IP);
	ip4->saddr = v4src;
	ok = ok && wgt_rl_key_from_skb(skb, &init_net, &k5);
	skb->protocol = htons(ETH_P_ARP);
	ok = ok && !wgt_rl_key_from_skb(skb, &init_net, &k6);
	CHECK(ok, "keys from skbs");

	/* As the handshake worker sees it: IP and UDP headers pulled. */
	skb->protocol = htons(ETH_P_IP);
	skb_put_zero(skb, sizeof(struct udphdr) + 32);	/* and a message */
	__skb_pull(skb, sizeof(*ip4) + sizeof(struct udphdr));
	ok = wgt_rl_key_from_skb(skb, &init_net, &k6);
	CHECK(ok && !memcmp(&k6, &k5, sizeof(k5)), "key from an skb past its headers");
	/* An IP header cut short by the linear area's end is not read. */
	skb_reset_network_header(skb);
	skb_trim(skb, sizeof(*ip4) - 1);
	CHECK(!wgt_rl_key_from_skb(skb, &init_net, &k6), "truncated IP header refused");
	kfree_skb(skb);
	CHECK(k5.family == AF_INET && !memcmp(&k5.addr, &v4src, sizeof(v4src)), "IPv4 key");
	CHECK(k7.family == AF_INET6 && k7.addr == k5.addr, "IPv6 key");

	CHECK(burst(t, &k1, t0, 5) == 5, "IPv6 burst");
	CHECK(!wgt_rl_table_allow(t, &k2, t0), "same /64 shares the bucket");
	CHECK(burst(t, &k3, t0, 5) == 5, "another /64 has its own bucket");
	CHECK(burst(t, &k4, t0, 5) == 5, "same source, other namespace: own bucket");
	CHECK(!wgt_rl_table_allow(t, &k3, t0), "IPv6 /64 bucket exhausted");
	CHECK(burst(t, &k5, t0, 5) == 5, "IPv4 source beside IPv6");
	k6 = key4(0xc6336401, OTHER_NET);
	CHECK(burst(t, &k6, t0, 6) == 5, "IPv4 source, other namespace: own bucket");
	CHECK(!wgt_rl_table_allow(t, &k5, t0), "IPv4 bucket exhausted");
	CHECK(burst(t, &k7, t0, 5) == 5, "same bytes, other family: own bucket");
	return !tally.failures;
}

static bool test_gc_and_bound(u64 t0)
{
	struct wgt_rl_key k[5];
	struct wgt_rl_table *t;
	unsigned int i;
	bool ok;

	t = wgt_rl_table_create(4, 4, false);
	if (!t)
		return FAIL("table allocation");
	for (i = 0; i < ARRAY_SIZE(k); i++)
		k[i] = key4(0x0a000001 + i, &init_net);
	ok = wgt_rl_table_allow(t, &k[0], t0) && wgt_rl_table_allow(t, &k[1], t0 + 500 * MS) &&
	     wgt_rl_table_allow(t, &k[2], t0 + 500 * MS) &&
	     wgt_rl_table_allow(t, &k[3], t0 + 500 * MS);
	if (!ok || wgt_rl_table_count(t) != 4) {
		ok = FAIL("fill the table");
		goto out;
	}
	if (wgt_rl_table_allow(t, &k[4], t0 + 500 * MS) || wgt_rl_table_count(t) != 4) {
		ok = FAIL("full table refuses a new source");
		goto out;
	}
	if (!wgt_rl_table_allow(t, &k[0], t0 + 600 * MS)) {
		ok = FAIL("full table still serves known sources");
		goto out;
	}
	/* k[1..3] were last seen at +500 ms, k[0] at +600 ms. */
	wgt_rl_table_gc(t, t0 + 1500 * MS);
	if (wgt_rl_table_count(t) != 4) {
		ok = FAIL("collector keeps entries idle for exactly 1 s");
		goto out;
	}
	wgt_rl_table_gc(t, t0 + 1500 * MS + 1);
	if (wgt_rl_table_count(t) != 1) {
		ok = FAIL("collector drops entries idle for more than 1 s");
		goto out;
	}
	if (!wgt_rl_table_allow(t, &k[4], t0 + 1500 * MS + 1)) {
		ok = FAIL("room again after collection");
		goto out;
	}
	wgt_rl_table_gc(t, t0 + 1600 * MS + 1);
	if (wgt_rl_table_count(t) != 1 || burst(t, &k[4], t0 + 1500 * MS + 1, 5) != 4) {
		ok = FAIL("collector drops the idle and keeps the active");
		goto out;
	}
	/* A collected source starts over with a full burst. */
	if (burst(t, &k[0], t0 + 1600 * MS + 1, 6) != 5)
		ok = FAIL("collected source gets a fresh bucket");
out:
	wgt_rl_table_destroy(t);
	return ok;
}

/* The module-wide table, real clock, real collector. */
static bool test_global(void)
{
	struct wgt_rl_key key;
	struct sk_buff *skb;
	unsigned int n = 0, i, attempt;
	struct iphdr *ip4;
	bool ok = false;
	u64 start;

	if (wgt_ratelimiter_init())
		return FAIL("init");
	/* A second user and its release must leave the table in place. */
	if (wgt_ratelimiter_init()) {
		wgt_ratelimiter_uninit();
		return FAIL("second init");
	}
	wgt_ratelimiter_uninit();

	skb = alloc_skb(128, GFP_KERNEL);
	if (!skb) {
		FAIL("skb allocation");
		goto out;
	}
	skb_reset_network_header(skb);
	ip4 = skb_put_zero(skb, sizeof(*ip4));
	skb->protocol = htons(ETH_P_IP);
	/*
	 * Six packets back to back: five pass, the sixth is refused. A slow
	 * guest could stall for a full refill period in between, so attempts
	 * that took 40 ms or more are retried from a fresh source
	 * (198.51.100.x).
	 */
	for (attempt = 0; attempt < 3; attempt++) {
		ip4->saddr = htonl(0xc6336400 + (get_random_u32() & 0xff));
		wgt_rl_key_from_skb(skb, &init_net, &key);
		if (wgt_ratelimiter_tracks(&key))
			continue;
		start = ktime_get_coarse_boottime_ns();
		for (n = 0, i = 0; i < 6; i++)
			n += wgt_ratelimiter_allow(skb, &init_net);
		if (ktime_get_coarse_boottime_ns() - start < 40 * MS)
			break;
	}
	if (attempt == 3 || n != WGT_RATELIMIT_BURST) {
		FAIL("module-wide table: burst of 5 then refused");
		goto out_skb;
	}
	if (!wgt_ratelimiter_tracks(&key)) {
		FAIL("module-wide table holds the source");
		goto out_skb;
	}
	/*
	 * Keep the source busy across the collector's first run (armed by the
	 * insert), so that only a re-armed run can drop it later.
	 */
	msleep(500);
	wgt_ratelimiter_allow(skb, &init_net);
	msleep(500);
	wgt_ratelimiter_allow(skb, &init_net);
	/* Idle for 1 s, collected at the next run, every second: allow 10 s. */
	for (i = 0; i < 100 && wgt_ratelimiter_tracks(&key); i++)
		msleep(100);
	if (wgt_ratelimiter_tracks(&key)) {
		FAIL("collector work drops idle entries");
		goto out_skb;
	}
	skb->protocol = htons(ETH_P_ARP);
	ok = !wgt_ratelimiter_allow(skb, &init_net);
	if (!ok)
		FAIL("non-IP packet refused");
out_skb:
	kfree_skb(skb);
out:
	wgt_ratelimiter_uninit();
	return ok;
}

bool wgt_ratelimiter_selftest(void)
{
	/* Any base works for the virtual clock; a large one checks there is no overflow. */
	u64 t0 = (u64)1 << 62;
	struct wgt_rl_table *t;
	bool ok;

	wgt_selftest_begin(&tally, "ratelimiter");
	t = wgt_rl_table_create(16, 64, false);
	if (!t) {
		FAIL("table allocation");
		return wgt_selftest_end(&tally);
	}
	ok = test_bucket(t, t0);
	wgt_rl_table_destroy(t);
	/* One chain for all, so that only the key comparison tells sources apart. */
	t = wgt_rl_table_create(1, 64, false);
	if (!t) {
		FAIL("table allocation");
		return wgt_selftest_end(&tally);
	}
	ok = ok && test_keys(t, t0);
	wgt_rl_table_destroy(t);
	if (ok && test_gc_and_bound(t0))
		test_global();
	return wgt_selftest_end(&tally);
}
