// SPDX-License-Identifier: GPL-2.0
/*
 * wgtun: mac1, mac2 and cookie replies.
 *
 * MAC(key, input) is keyed BLAKE2s with a 16-byte output. mac1 covers the
 * message up to mac1, mac2 covers it up to mac2 (so including mac1). A cookie
 * is MAC(secret, source address || source port), the address being the 4 or 16
 * bytes of the outer IP header and the port the 2 bytes of the UDP header, both
 * in network order.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>

#include "compat.h"
#include "cookie.h"
#include "debug.h"
#include "noise.h"

static const u8 mac1_label[8] = "mac1----";
static const u8 cookie_label[8] = "cookie--";

/* HASH(label || public key): the per-key constants both ends can compute. */
static void derive_key(u8 key[NOISE_SYMMETRIC_KEY_LEN], const u8 pubkey[NOISE_PUBLIC_KEY_LEN],
		       const u8 label[8])
{
	struct blake2s_ctx state;

	blake2s_init(&state, NOISE_SYMMETRIC_KEY_LEN);
	blake2s_update(&state, label, 8);
	blake2s_update(&state, pubkey, NOISE_PUBLIC_KEY_LEN);
	blake2s_final(&state, key);
}

static void compute_mac(u8 mac[COOKIE_LEN], const void *msg, size_t len, const u8 *key,
			size_t key_len)
{
	wgt_compat_blake2s(key, key_len, msg, len, mac, COOKIE_LEN);
}

/* Bytes covered by mac1 and by mac2 in a handshake message of @len bytes. */
static size_t mac1_span(size_t len)
{
	return len - sizeof(struct wgt_msg_macs);
}

static size_t mac2_span(size_t len)
{
	return mac1_span(len) + offsetof(struct wgt_msg_macs, mac2);
}

/**
 * wgt_cookie_checker_init() - set up a device's checker with a fresh secret
 * @checker: the checker
 * @local: the device identity; call wgt_cookie_checker_precompute() once it has
 *	a key
 */
void wgt_cookie_checker_init(struct wgt_cookie_checker *checker, struct wgt_noise_local *local)
{
	memset(checker, 0, sizeof(*checker));
	rwlock_init(&checker->lock);
	checker->local = local;
	get_random_bytes(checker->secret, sizeof(checker->secret));
	checker->secret_birthdate = get_jiffies_64();
}

/**
 * wgt_cookie_checker_precompute() - derive mac1 and cookie keys from our key
 * @checker: the checker
 *
 * Context: process context (takes the identity's semaphore).
 */
void wgt_cookie_checker_precompute(struct wgt_cookie_checker *checker)
{
	u8 mac1_key[NOISE_SYMMETRIC_KEY_LEN] = { };
	u8 cookie_key[NOISE_SYMMETRIC_KEY_LEN] = { };
	struct wgt_noise_local *local = checker->local;

	down_read(&local->lock);
	if (local->has_identity) {
		derive_key(mac1_key, local->static_public, mac1_label);
		derive_key(cookie_key, local->static_public, cookie_label);
	}
	up_read(&local->lock);

	write_lock_bh(&checker->lock);
	memcpy(checker->message_mac1_key, mac1_key, sizeof(mac1_key));
	memcpy(checker->cookie_encryption_key, cookie_key, sizeof(cookie_key));
	write_unlock_bh(&checker->lock);
	memzero_explicit(mac1_key, sizeof(mac1_key));
	memzero_explicit(cookie_key, sizeof(cookie_key));
}

/**
 * wgt_cookie_checker_uninit() - wipe the checker's secret and keys
 * @checker: the checker
 */
void wgt_cookie_checker_uninit(struct wgt_cookie_checker *checker)
{
	write_lock_bh(&checker->lock);
	memzero_explicit(checker->secret, sizeof(checker->secret));
	memzero_explicit(checker->message_mac1_key, sizeof(checker->message_mac1_key));
	memzero_explicit(checker->cookie_encryption_key, sizeof(checker->cookie_encryption_key));
	write_unlock_bh(&checker->lock);
}

/**
 * wgt_cookie_init() - set up a remote's cookie state, holding no cookie
 * @cookie: the state
 */
void wgt_cookie_init(struct wgt_cookie *cookie)
{
	memset(cookie, 0, sizeof(*cookie));
	rwlock_init(&cookie->lock);
}

/**
 * wgt_cookie_precompute() - derive the keys for talking to @remote_pubkey
 * @cookie: the state
 * @remote_pubkey: the remote's static public key
 */
void wgt_cookie_precompute(struct wgt_cookie *cookie,
			   const u8 remote_pubkey[NOISE_PUBLIC_KEY_LEN])
{
	write_lock_bh(&cookie->lock);
	derive_key(cookie->cookie_decryption_key, remote_pubkey, cookie_label);
	derive_key(cookie->message_mac1_key, remote_pubkey, mac1_label);
	write_unlock_bh(&cookie->lock);
}

/**
 * wgt_cookie_uninit() - wipe a remote's cookie state
 * @cookie: the state
 */
void wgt_cookie_uninit(struct wgt_cookie *cookie)
{
	write_lock_bh(&cookie->lock);
	memzero_explicit(cookie->cookie, sizeof(cookie->cookie));
	memzero_explicit(cookie->cookie_decryption_key, sizeof(cookie->cookie_decryption_key));
	memzero_explicit(cookie->message_mac1_key, sizeof(cookie->message_mac1_key));
	cookie->is_valid = false;
	cookie->have_sent_mac1 = false;
	write_unlock_bh(&cookie->lock);
}

static bool secret_is_stale(const struct wgt_cookie_checker *checker, u64 now)
{
	return time_after_eq64(now, checker->secret_birthdate + COOKIE_SECRET_MAX_AGE * HZ);
}

/* Copy out the current secret, first replacing it if it is older than its maximum age. */
static void checker_secret(struct wgt_cookie_checker *checker, u8 secret[NOISE_HASH_LEN])
{
	u64 now = get_jiffies_64();

	read_lock_bh(&checker->lock);
	if (!secret_is_stale(checker, now)) {
		memcpy(secret, checker->secret, NOISE_HASH_LEN);
		read_unlock_bh(&checker->lock);
		return;
	}
	read_unlock_bh(&checker->lock);

	write_lock_bh(&checker->lock);
	if (secret_is_stale(checker, now)) {
		get_random_bytes(checker->secret, NOISE_HASH_LEN);
		checker->secret_birthdate = now;
	}
	memcpy(secret, checker->secret, NOISE_HASH_LEN);
	write_unlock_bh(&checker->lock);
}

/* The cookie the sender of @skb should present: bound to its outer source address/port. */
static void make_cookie(u8 cookie[COOKIE_LEN], struct sk_buff *skb,
			struct wgt_cookie_checker *checker)
{
	struct blake2s_ctx state;
	u8 secret[NOISE_HASH_LEN];

	checker_secret(checker, secret);
	blake2s_init_key(&state, COOKIE_LEN, secret, NOISE_HASH_LEN);
	if (skb->protocol == htons(ETH_P_IP))
		blake2s_update(&state, (const u8 *)&ip_hdr(skb)->saddr, sizeof(struct in_addr));
	else if (skb->protocol == htons(ETH_P_IPV6))
		blake2s_update(&state, (const u8 *)&ipv6_hdr(skb)->saddr,
			       sizeof(struct in6_addr));
	blake2s_update(&state, (const u8 *)&udp_hdr(skb)->source, sizeof(__be16));
	blake2s_final(&state, cookie);
	memzero_explicit(secret, sizeof(secret));
}

/**
 * wgt_cookie_check_mac1() - check mac1 of a handshake message in a flat buffer
 * @checker: the receiving device's checker
 * @msg: the message (initiation or response)
 * @len: its exact length
 *
 * Return: true if mac1 is right.
 */
WGT_SELFTEST_VISIBLE bool wgt_cookie_check_mac1(struct wgt_cookie_checker *checker, const void *msg,
						size_t len)
{
	const struct wgt_msg_macs *macs;
	u8 computed[COOKIE_LEN];
	bool ok;

	if (len < sizeof(struct wgt_msg_header) + sizeof(*macs))
		return false;
	macs = msg + mac1_span(len);
	read_lock_bh(&checker->lock);
	compute_mac(computed, msg, mac1_span(len), checker->message_mac1_key,
		    NOISE_SYMMETRIC_KEY_LEN);
	read_unlock_bh(&checker->lock);
	ok = !crypto_memneq(computed, macs->mac1, COOKIE_LEN);
	memzero_explicit(computed, sizeof(computed));
	return ok;
}

/**
 * wgt_cookie_mac1_valid() - check mac1 of a received handshake message
 * @checker: the receiving device's checker
 * @skb: the datagram; data and len span exactly the message (initiation or
 *	response), which must be linear
 *
 * One keyed BLAKE2s over the message: cheap enough for the receiving
 * softirq, which drops a message failing it before queueing it.
 *
 * Return: true if mac1 is right.
 */
bool wgt_cookie_mac1_valid(struct wgt_cookie_checker *checker, struct sk_buff *skb)
{
	return skb_headlen(skb) == skb->len &&
	       wgt_cookie_check_mac1(checker, skb->data, skb->len);
}

/**
 * wgt_cookie_mac2_valid() - check mac2 of a received handshake message
 * @checker: the receiving device's checker
 * @skb: the datagram, as for wgt_cookie_mac1_valid(), whose mac1 was found
 *	right; the network and transport headers are the outer IP and UDP
 *	headers
 *
 * Under load, a message with a right mac2 comes from a sender that can
 * receive at its address; one without is answered with a cookie reply.
 * Two keyed BLAKE2s, none for a zero mac2: the receiving softirq may
 * call it.
 *
 * Return: true if mac2 is the MAC of the message under the cookie we hand
 * out to its source address and port.
 */
bool wgt_cookie_mac2_valid(struct wgt_cookie_checker *checker, struct sk_buff *skb)
{
	const struct wgt_msg_macs *macs;
	u8 computed[COOKIE_LEN];
	u8 cookie[COOKIE_LEN];
	bool ok;

	if (skb_headlen(skb) < skb->len ||
	    skb->len < sizeof(struct wgt_msg_header) + sizeof(*macs))
		return false;
	macs = (const struct wgt_msg_macs *)(skb->data + mac1_span(skb->len));
	/* A sender without a cookie leaves mac2 zero. */
	if (!memchr_inv(macs->mac2, 0, COOKIE_LEN))
		return false;
	make_cookie(cookie, skb, checker);
	compute_mac(computed, skb->data, mac2_span(skb->len), cookie, COOKIE_LEN);
	ok = !crypto_memneq(computed, macs->mac2, COOKIE_LEN);
	memzero_explicit(cookie, sizeof(cookie));
	memzero_explicit(computed, sizeof(computed));
	return ok;
}

/**
 * wgt_cookie_add_macs() - fill mac1, and mac2 if we hold a fresh cookie
 * @msg: a complete initiation or response, macs last
 * @len: its length
 * @cookie: our cookie state for the message's receiver
 *
 * Remembers mac1 so that a cookie reply to this message can be authenticated.
 */
void wgt_cookie_add_macs(void *msg, size_t len, struct wgt_cookie *cookie)
{
	struct wgt_msg_macs *macs = msg + mac1_span(len);
	u64 fresh_until;

	write_lock_bh(&cookie->lock);
	compute_mac(macs->mac1, msg, mac1_span(len), cookie->message_mac1_key,
		    NOISE_SYMMETRIC_KEY_LEN);
	memcpy(cookie->last_mac1_sent, macs->mac1, COOKIE_LEN);
	cookie->have_sent_mac1 = true;

	/* Stop using a cookie a little before the issuer's secret can have changed. */
	fresh_until = cookie->birthdate + (COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY) * HZ;
	if (cookie->is_valid && time_before64(get_jiffies_64(), fresh_until))
		compute_mac(macs->mac2, msg, mac2_span(len), cookie->cookie, COOKIE_LEN);
	else
		memset(macs->mac2, 0, COOKIE_LEN);
	write_unlock_bh(&cookie->lock);
}

/**
 * wgt_cookie_message_create() - build the cookie reply to a handshake message
 * @dst: the reply
 * @skb: the received handshake message, as for wgt_cookie_mac2_valid()
 * @receiver_index: the sender index of that message, as it came on the wire
 * @checker: our checker
 */
void wgt_cookie_message_create(struct wgt_msg_cookie *dst, struct sk_buff *skb,
			       __le32 receiver_index, struct wgt_cookie_checker *checker)
{
	const struct wgt_msg_macs *macs;
	u8 key[NOISE_SYMMETRIC_KEY_LEN];
	u8 cookie[COOKIE_LEN];

	macs = (const struct wgt_msg_macs *)(skb->data + mac1_span(skb->len));
	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE);
	dst->receiver_index = receiver_index;
	get_random_bytes(dst->nonce, COOKIE_NONCE_LEN);

	make_cookie(cookie, skb, checker);
	read_lock_bh(&checker->lock);
	memcpy(key, checker->cookie_encryption_key, sizeof(key));
	read_unlock_bh(&checker->lock);
	xchacha20poly1305_encrypt(dst->encrypted_cookie, cookie, COOKIE_LEN, macs->mac1,
				  COOKIE_LEN, dst->nonce, key);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(cookie, sizeof(cookie));
}

/**
 * wgt_cookie_message_consume() - accept a cookie reply
 * @src: the reply
 * @table: the receiving device's index table
 *
 * Return: 0 when the cookie is stored (the next handshake message carries
 * mac2); -ENOENT if the receiver index is unknown; -EINVAL if no message awaits
 * a reply; -EBADMSG if it does not authenticate (wrong key, or not a reply to
 * our last message).
 */
int wgt_cookie_message_consume(struct wgt_msg_cookie *src, struct wgt_index_table *table)
{
	struct wgt_noise_remote *r;
	u8 cookie[COOKIE_LEN];
	struct wgt_cookie *c;
	int ret = -EINVAL;

	r = wgt_index_lookup_get(table, le32_to_cpu(src->receiver_index),
				 WGT_INDEX_HANDSHAKE | WGT_INDEX_KEYPAIR, NULL);
	if (!r)
		return -ENOENT;
	c = &r->cookie;
	write_lock_bh(&c->lock);
	if (!c->have_sent_mac1)
		goto out;
	ret = -EBADMSG;
	if (!xchacha20poly1305_decrypt(cookie, src->encrypted_cookie,
				       sizeof(src->encrypted_cookie), c->last_mac1_sent,
				       COOKIE_LEN, src->nonce, c->cookie_decryption_key))
		goto out;
	memcpy(c->cookie, cookie, COOKIE_LEN);
	c->birthdate = get_jiffies_64();
	c->is_valid = true;
	/* One reply per message sent: a replayed reply finds nothing to answer. */
	c->have_sent_mac1 = false;
	ret = 0;
out:
	write_unlock_bh(&c->lock);
	r->local->ops->remote_put(r);
	memzero_explicit(cookie, sizeof(cookie));
	return ret;
}
