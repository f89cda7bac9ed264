// SPDX-License-Identifier: GPL-2.0
/*
 * Cookie self-test: device a sends real initiations to device b; b's checker
 * validates mac1 and mac2 on datagrams built as the receive path sees them,
 * issues cookie replies, and a consumes them. Covers the binding of a cookie to
 * the source address and port, its freshness on the sender side and the
 * rotation of the secret on the checker side.
 */

#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <crypto/curve25519.h>

#include "../noise.h"
#include "../cookie.h"
#include "selftest.h"

/*
 * Known answers computed independently with CPython's hashlib.blake2s (keyed,
 * 16-byte digest), following the WireGuard paper's definitions:
 *   mac1 = blake2s(msg[:116], key=blake2s(b"mac1----" + pub), digest_size=16)
 *   mac2 = blake2s(msg[:132], key=cookie, digest_size=16)
 *   cookie = blake2s(bytes([192, 0, 2, 1]) + (12345).to_bytes(2, "big"),
 *                    key=secret, digest_size=16)
 * for pub = 80 81 .. 9f, msg[i] = (7 * i + 3) & 0xff, cookie = a0 .. af,
 * secret = 40 .. 5f.
 */
static const u8 kat_mac1[COOKIE_LEN] = {
	0x6b, 0xb5, 0xce, 0x8a, 0x97, 0x87, 0x4f, 0x79, 0x35, 0x53, 0x91, 0x9e, 0x21, 0x60,
	0x74, 0x06,
};

static const u8 kat_mac2[COOKIE_LEN] = {
	0x13, 0xae, 0x79, 0xed, 0x87, 0xbd, 0x94, 0x15, 0x08, 0x8e, 0xbd, 0x3f, 0xf3, 0x61,
	0x75, 0x0c,
};

static const u8 kat_cookie[COOKIE_LEN] = {
	0xdc, 0x99, 0xff, 0x72, 0x68, 0x41, 0xea, 0xee, 0x03, 0xad, 0xf4, 0x9a, 0x68, 0xe8,
	0xde, 0x41,
};

struct ct_world {
	struct wgt_noise_local a, b;
	struct wgt_pubkey_table a_pubkeys, b_pubkeys;
	struct wgt_index_table a_indices, b_indices;
	struct wgt_noise_remote a_b;	/* a's view of b */
	struct wgt_cookie_checker b_checker;
	atomic_t refs;
	bool remote_ready;
};

static const u8 addr4[4] = { 192, 0, 2, 1 };
static const u8 addr4_other[4] = { 192, 0, 2, 2 };
static const u8 addr6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const u8 addr6_other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 3 };

/**
 * wgt_cookie_selftest_skb() - a datagram as the UDP receive path hands it over
 * @msg: the WireGuard message
 * @len: its length
 * @ipv6: outer IPv6 rather than IPv4
 * @saddr: outer source address (4 or 16 bytes)
 * @sport: outer UDP source port
 *
 * Return: an skb whose data is the message and whose network and transport
 * headers are the outer headers, or NULL.
 */
struct sk_buff *wgt_cookie_selftest_skb(const void *msg, size_t len, bool ipv6,
					const void *saddr, __be16 sport)
{
	size_t ip_len = ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	struct sk_buff *skb;
	struct udphdr *uh;

	skb = alloc_skb(ip_len + sizeof(*uh) + len, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reset_network_header(skb);
	if (ipv6) {
		struct ipv6hdr *ip6 = skb_put_zero(skb, ip_len);

		ip6->version = 6;
		memcpy(&ip6->saddr, saddr, sizeof(ip6->saddr));
		skb->protocol = htons(ETH_P_IPV6);
	} else {
		struct iphdr *ip4 = skb_put_zero(skb, ip_len);

		ip4->version = 4;
		ip4->ihl = 5;
		memcpy(&ip4->saddr, saddr, sizeof(ip4->saddr));
		skb->protocol = htons(ETH_P_IP);
	}
	skb_set_transport_header(skb, ip_len);
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = sport;
	uh->dest = htons(51820);
	skb_pull(skb, ip_len + sizeof(*uh));
	skb_put_data(skb, msg, len);
	return skb;
}

static bool ct_remote_get(struct wgt_noise_remote *r)
{
	struct ct_world *w = container_of(r, struct ct_world, a_b);

	atomic_inc(&w->refs);
	return true;
}

static void ct_remote_put(struct wgt_noise_remote *r)
{
	struct ct_world *w = container_of(r, struct ct_world, a_b);

	WARN_ON(atomic_dec_return(&w->refs) < 0);
}

static const struct wgt_noise_ops ct_ops = {
	.remote_get = ct_remote_get,
	.remote_put = ct_remote_put,
};

static struct wgt_selftest tally;

static void set_random_key(struct wgt_noise_local *local)
{
	u8 key[NOISE_PUBLIC_KEY_LEN];

	curve25519_generate_secret(key);
	wgt_noise_local_set_private_key(local, key);
	memzero_explicit(key, sizeof(key));
}

static void world_free(struct ct_world *w)
{
	if (w->remote_ready) {
		wgt_pubkey_table_remove(&w->a_pubkeys, &w->a_b);
		wgt_noise_remote_uninit(&w->a_b);
	}
	wgt_cookie_checker_uninit(&w->b_checker);
	wgt_noise_local_clear(&w->a);
	wgt_noise_local_clear(&w->b);
	wgt_index_table_uninit(&w->a_indices);
	wgt_index_table_uninit(&w->b_indices);
	wgt_pubkey_table_uninit(&w->a_pubkeys);
	wgt_pubkey_table_uninit(&w->b_pubkeys);
	kfree(w);
}

static struct ct_world *world_new(void)
{
	struct ct_world *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return NULL;
	if (wgt_pubkey_table_init(&w->a_pubkeys))
		goto err_free;
	if (wgt_pubkey_table_init(&w->b_pubkeys))
		goto err_a_pubkeys;
	if (wgt_index_table_init(&w->a_indices))
		goto err_b_pubkeys;
	if (wgt_index_table_init(&w->b_indices))
		goto err_a_indices;
	wgt_noise_local_init(&w->a, &ct_ops, &w->a_pubkeys, &w->a_indices);
	wgt_noise_local_init(&w->b, &ct_ops, &w->b_pubkeys, &w->b_indices);
	set_random_key(&w->a);
	set_random_key(&w->b);
	wgt_cookie_checker_init(&w->b_checker, &w->b);
	wgt_cookie_checker_precompute(&w->b_checker);
	if (!wgt_noise_remote_init(&w->a_b, &w->a, w->b.static_public, NULL) &&
	    !wgt_pubkey_table_insert(&w->a_pubkeys, &w->a_b))
		w->remote_ready = true;
	if (!w->remote_ready) {
		world_free(w);
		return NULL;
	}
	return w;

err_a_indices:
	wgt_index_table_uninit(&w->a_indices);
err_b_pubkeys:
	wgt_pubkey_table_uninit(&w->b_pubkeys);
err_a_pubkeys:
	wgt_pubkey_table_uninit(&w->a_pubkeys);
err_free:
	kfree(w);
	return NULL;
}

/* b's verdict on a handshake message, as its receive path reaches it. */
enum judgement {
	MAC_INVALID,		/* dropped before it is queued */
	MAC_VALID_NO_COOKIE,	/* handshaken, or under load answered with a cookie */
	MAC_VALID_WITH_COOKIE,	/* under load, passed on to the rate limiter */
	JUDGE_ERROR,		/* the datagram could not even be built */
};

/* How b's checker judges @msg arriving from @saddr:@port. */
static enum judgement judge(struct ct_world *w, const void *msg, size_t len, bool ipv6,
			    const void *saddr, u16 port, bool under_load)
{
	struct sk_buff *skb = wgt_cookie_selftest_skb(msg, len, ipv6, saddr, htons(port));
	enum judgement verdict;

	if (!skb)
		return JUDGE_ERROR;
	if (!wgt_cookie_mac1_valid(&w->b_checker, skb))
		verdict = MAC_INVALID;
	else if (under_load && wgt_cookie_mac2_valid(&w->b_checker, skb))
		verdict = MAC_VALID_WITH_COOKIE;
	else
		verdict = MAC_VALID_NO_COOKIE;
	kfree_skb(skb);
	return verdict;
}

/* b answers @msg (from @saddr:@port) with a cookie reply. */
static bool reply_to(struct ct_world *w, struct wgt_msg_cookie *reply, const void *msg,
		     size_t len, bool ipv6, const void *saddr, u16 port, __le32 index)
{
	struct sk_buff *skb = wgt_cookie_selftest_skb(msg, len, ipv6, saddr, htons(port));

	if (!skb)
		return false;
	wgt_cookie_message_create(reply, skb, index, &w->b_checker);
	kfree_skb(skb);
	return true;
}

static bool test_known_answers(struct ct_world *w, struct wgt_msg_initiation *init)
{
	u8 pub[NOISE_PUBLIC_KEY_LEN], msg[MESSAGE_INITIATION_LEN];
	struct wgt_msg_cookie reply;
	struct wgt_cookie c;
	bool ok = true;
	int i;

	for (i = 0; i < sizeof(pub); i++)
		pub[i] = 0x80 + i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = 7 * i + 3;
	wgt_cookie_init(&c);
	wgt_cookie_precompute(&c, pub);
	for (i = 0; i < COOKIE_LEN; i++)
		c.cookie[i] = 0xa0 + i;
	c.is_valid = true;
	c.birthdate = get_jiffies_64();
	wgt_cookie_add_macs(msg, sizeof(msg), &c);
	ok &= CHECK(!memcmp(msg + 116, kat_mac1, COOKIE_LEN), "mac1 known answer");
	ok &= CHECK(!memcmp(msg + 132, kat_mac2, COOKIE_LEN), "mac2 known answer");
	wgt_cookie_uninit(&c);

	/* The cookie b hands out to 192.0.2.1:12345 (sent to port 51820) under a known secret. */
	write_lock_bh(&w->b_checker.lock);
	for (i = 0; i < NOISE_HASH_LEN; i++)
		w->b_checker.secret[i] = 0x40 + i;
	w->b_checker.secret_birthdate = get_jiffies_64();
	write_unlock_bh(&w->b_checker.lock);
	ok &= CHECK(reply_to(w, &reply, init, sizeof(*init), false, addr4, 12345,
			     init->sender_index) &&
		    !wgt_cookie_message_consume(&reply, &w->a_indices) &&
		    !memcmp(w->a_b.cookie.cookie, kat_cookie, COOKIE_LEN), "cookie known answer");
	/* Back to holding no cookie, as the following cases expect. */
	w->a_b.cookie.is_valid = false;
	wgt_cookie_add_macs(init, sizeof(*init), &w->a_b.cookie);
	return ok;
}

static bool test_mac1(struct ct_world *w, struct wgt_msg_initiation *init)
{
	struct wgt_msg_initiation bad = *init;
	struct wgt_cookie stranger;
	u8 key[NOISE_PUBLIC_KEY_LEN];
	bool ok = true;

	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, false) ==
		    MAC_VALID_NO_COOKIE, "mac1 valid");
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "mac1 valid, no cookie held");
	bad.encrypted_static[0] ^= 1;
	ok &= CHECK(judge(w, &bad, sizeof(bad), false, addr4, 51820, false) == MAC_INVALID,
		    "mac1 over altered content");
	bad = *init;
	bad.macs.mac1[15] ^= 0x80;
	ok &= CHECK(judge(w, &bad, sizeof(bad), false, addr4, 51820, false) == MAC_INVALID,
		    "altered mac1");
	ok &= CHECK(judge(w, init, sizeof(struct wgt_msg_macs), false, addr4, 51820, false) ==
		    MAC_INVALID, "message too short");

	/* macs made for another receiver's public key. */
	curve25519_generate_secret(key);
	ok &= CHECK(curve25519_generate_public(key, key), "stranger key");
	wgt_cookie_init(&stranger);
	wgt_cookie_precompute(&stranger, key);
	bad = *init;
	wgt_cookie_add_macs(&bad, sizeof(bad), &stranger);
	ok &= CHECK(judge(w, &bad, sizeof(bad), false, addr4, 51820, false) == MAC_INVALID,
		    "mac1 for another key");
	wgt_cookie_uninit(&stranger);
	return ok;
}

static bool test_round_trip(struct ct_world *w, struct wgt_msg_initiation *init)
{
	struct wgt_msg_cookie reply, tampered;
	bool ok = true;

	ok &= CHECK(reply_to(w, &reply, init, sizeof(*init), false, addr4, 51820,
			     init->sender_index), "reply created");
	ok &= CHECK(reply.header.type == cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE) &&
		    reply.receiver_index == init->sender_index, "reply header");

	tampered = reply;
	tampered.nonce[3] ^= 4;
	ok &= CHECK(wgt_cookie_message_consume(&tampered, &w->a_indices) == -EBADMSG,
		    "reply with altered nonce");
	tampered = reply;
	tampered.encrypted_cookie[20] ^= 4;
	ok &= CHECK(wgt_cookie_message_consume(&tampered, &w->a_indices) == -EBADMSG,
		    "reply with altered cookie");
	tampered = reply;
	tampered.receiver_index = cpu_to_le32(le32_to_cpu(reply.receiver_index) ^ 0x10000);
	ok &= CHECK(wgt_cookie_message_consume(&tampered, &w->a_indices) == -ENOENT,
		    "reply to an unknown index");

	ok &= CHECK(!wgt_cookie_message_consume(&reply, &w->a_indices), "reply consumed");
	ok &= CHECK(w->a_b.cookie.is_valid, "cookie stored");
	ok &= CHECK(wgt_cookie_message_consume(&reply, &w->a_indices) == -EINVAL,
		    "replayed reply");

	wgt_cookie_add_macs(init, sizeof(*init), &w->a_b.cookie);
	ok &= CHECK(memchr_inv(init->macs.mac2, 0, COOKIE_LEN), "mac2 sent with a cookie");
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_WITH_COOKIE, "mac2 accepted");
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, false) ==
		    MAC_VALID_NO_COOKIE, "mac2 ignored when not under load");
	return ok;
}

/* The cookie works only from the address and port it was issued to. */
static bool test_binding(struct ct_world *w, struct wgt_msg_initiation *init)
{
	struct wgt_msg_cookie reply;
	bool ok = true;

	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51821, true) ==
		    MAC_VALID_NO_COOKIE, "cookie from another port");
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4_other, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "cookie from another address");
	ok &= CHECK(judge(w, init, sizeof(*init), true, addr6, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "cookie from another family");

	/* Same over IPv6. */
	ok &= CHECK(reply_to(w, &reply, init, sizeof(*init), true, addr6, 4242,
			     init->sender_index), "v6 reply created");
	ok &= CHECK(!wgt_cookie_message_consume(&reply, &w->a_indices), "v6 reply consumed");
	wgt_cookie_add_macs(init, sizeof(*init), &w->a_b.cookie);
	ok &= CHECK(judge(w, init, sizeof(*init), true, addr6, 4242, true) ==
		    MAC_VALID_WITH_COOKIE, "v6 mac2 accepted");
	ok &= CHECK(judge(w, init, sizeof(*init), true, addr6_other, 4242, true) ==
		    MAC_VALID_NO_COOKIE, "v6 cookie from another address");
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "v6 cookie from the old v4 source");
	return ok;
}

/* A reply must answer the latest message sent: its mac1 is the AD. */
static bool test_reply_binding(struct ct_world *w, struct wgt_msg_initiation *init)
{
	struct wgt_msg_initiation later;
	struct wgt_msg_cookie reply;
	bool ok = true;

	wgt_cookie_add_macs(init, sizeof(*init), &w->a_b.cookie);
	ok &= CHECK(reply_to(w, &reply, init, sizeof(*init), false, addr4, 51820,
			     init->sender_index), "reply to the first message");
	later = *init;
	later.encrypted_timestamp[0] ^= 1;
	wgt_cookie_add_macs(&later, sizeof(later), &w->a_b.cookie);
	ok &= CHECK(wgt_cookie_message_consume(&reply, &w->a_indices) == -EBADMSG,
		    "reply to an earlier message");
	return ok;
}

static bool test_freshness(struct ct_world *w, struct wgt_msg_initiation *init)
{
	struct wgt_msg_cookie reply;
	u8 old_secret[NOISE_HASH_LEN];
	struct wgt_cookie *c = &w->a_b.cookie;
	u64 born;
	bool ok = true;

	/* Get a cookie for the v4 source again. */
	wgt_cookie_add_macs(init, sizeof(*init), c);
	ok &= CHECK(reply_to(w, &reply, init, sizeof(*init), false, addr4, 51820,
			     init->sender_index) &&
		    !wgt_cookie_message_consume(&reply, &w->a_indices), "fresh cookie");

	/* A wrong cookie. */
	c->cookie[0] ^= 1;
	wgt_cookie_add_macs(init, sizeof(*init), c);
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "wrong cookie refused");
	c->cookie[0] ^= 1;

	/* The sender stops using a cookie COOKIE_SECRET_LATENCY before the secret may age. */
	born = c->birthdate;
	c->birthdate -= (COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY) * HZ;
	wgt_cookie_add_macs(init, sizeof(*init), c);
	ok &= CHECK(!memchr_inv(init->macs.mac2, 0, COOKIE_LEN), "stale cookie not used");
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "stale cookie: no mac2");
	c->birthdate = born;
	wgt_cookie_add_macs(init, sizeof(*init), c);
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_WITH_COOKIE, "cookie fresh again");

	/* Secret one second short of its maximum age: still the same. */
	memcpy(old_secret, w->b_checker.secret, NOISE_HASH_LEN);
	w->b_checker.secret_birthdate -= (COOKIE_SECRET_MAX_AGE - 1) * HZ;
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_WITH_COOKIE, "secret not yet rotated");
	ok &= CHECK(!memcmp(old_secret, w->b_checker.secret, NOISE_HASH_LEN), "secret kept");

	/* At its maximum age the secret is replaced and old cookies stop working. */
	w->b_checker.secret_birthdate -= HZ;
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_NO_COOKIE, "cookie refused after secret rotation");
	ok &= CHECK(memcmp(old_secret, w->b_checker.secret, NOISE_HASH_LEN), "secret rotated");
	ok &= CHECK(time_after_eq64(w->b_checker.secret_birthdate, get_jiffies_64() - HZ),
		    "secret birthdate renewed");
	memzero_explicit(old_secret, sizeof(old_secret));

	/* A new reply under the new secret works again. */
	wgt_cookie_add_macs(init, sizeof(*init), c);
	ok &= CHECK(reply_to(w, &reply, init, sizeof(*init), false, addr4, 51820,
			     init->sender_index) &&
		    !wgt_cookie_message_consume(&reply, &w->a_indices), "cookie after rotation");
	wgt_cookie_add_macs(init, sizeof(*init), c);
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, true) ==
		    MAC_VALID_WITH_COOKIE, "mac2 after rotation");

	/* A new device key invalidates every mac1 made for the old one. */
	set_random_key(&w->b);
	wgt_cookie_checker_precompute(&w->b_checker);
	ok &= CHECK(judge(w, init, sizeof(*init), false, addr4, 51820, false) == MAC_INVALID,
		    "mac1 after the device key changed");
	return ok;
}

/**
 * wgt_cookie_selftest() - run the mac and cookie self-tests
 *
 * Return: true if every case passed.
 */
bool wgt_cookie_selftest(void)
{
	struct wgt_msg_initiation *init;
	struct ct_world *w;

	wgt_selftest_begin(&tally, "cookie");
	w = world_new();
	init = kzalloc(sizeof(*init), GFP_KERNEL);
	if (!CHECK(w && init, "setup") ||
	    !CHECK(wgt_noise_create_initiation(&w->a_b, init), "initiation"))
		goto out;
	wgt_cookie_add_macs(init, sizeof(*init), &w->a_b.cookie);
	test_known_answers(w, init);
	test_mac1(w, init);
	test_round_trip(w, init);
	test_binding(w, init);
	test_reply_binding(w, init);
	test_freshness(w, init);
	wgt_noise_handshake_clear(&w->a_b);
	CHECK(!wgt_index_table_count(&w->a_indices) && !atomic_read(&w->refs),
	      "references or indices left");
out:
	kfree(init);
	if (w)
		world_free(w);
	return wgt_selftest_end(&tally);
}
