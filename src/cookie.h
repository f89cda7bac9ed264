/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wgtun: mac1/mac2 on handshake messages and the cookie reply mechanism.
 *
 * mac1 lets a receiver drop handshake messages from anyone who does not know
 * its public key before doing any Curve25519 work. Under load, a receiver
 * additionally demands mac2, keyed by a cookie it hands out in a cookie reply;
 * the cookie is a MAC of the sender's outer source address and port under a
 * secret that rotates every COOKIE_SECRET_MAX_AGE, so a valid mac2 proves the
 * sender can receive at that address.
 *
 * All functions here may run in any context (the locks are BH-safe rwlocks),
 * except wgt_cookie_checker_precompute(), which sleeps on the local identity
 * lock.
 */
#ifndef _WGTUN_COOKIE_H
#define _WGTUN_COOKIE_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "messages.h"

struct sk_buff;
struct wgt_noise_local;
struct wgt_index_table;

/**
 * struct wgt_cookie_checker - a device's side: validating macs, issuing cookies
 * @secret: random secret the cookies are derived from
 * @secret_birthdate: jiffies_64 when @secret was made; regenerated on use when
 *	older than COOKIE_SECRET_MAX_AGE
 * @message_mac1_key: HASH("mac1----" || our public key)
 * @cookie_encryption_key: HASH("cookie--" || our public key)
 * @local: the identity the keys are derived from
 * @lock: protects every field above except @local
 */
struct wgt_cookie_checker {
	u8 secret[NOISE_HASH_LEN];
	u64 secret_birthdate;
	u8 message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	u8 cookie_encryption_key[NOISE_SYMMETRIC_KEY_LEN];
	struct wgt_noise_local *local;
	rwlock_t lock;
};

/**
 * struct wgt_cookie - a remote's side as seen from us: the cookie it gave us
 * @birthdate: jiffies_64 when @cookie was received
 * @is_valid: whether @cookie holds a received cookie
 * @cookie: the cookie, the key of mac2
 * @have_sent_mac1: whether @last_mac1_sent is meaningful; a cookie reply is
 *	accepted only once per message sent
 * @last_mac1_sent: mac1 of our latest handshake message to the remote: the AD
 *	of the reply
 * @cookie_decryption_key: HASH("cookie--" || the remote's public key)
 * @message_mac1_key: HASH("mac1----" || the remote's public key)
 * @lock: protects every field above
 */
struct wgt_cookie {
	u64 birthdate;
	bool is_valid;
	u8 cookie[COOKIE_LEN];
	bool have_sent_mac1;
	u8 last_mac1_sent[COOKIE_LEN];
	u8 cookie_decryption_key[NOISE_SYMMETRIC_KEY_LEN];
	u8 message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	rwlock_t lock;
};

void wgt_cookie_checker_init(struct wgt_cookie_checker *checker, struct wgt_noise_local *local);
void wgt_cookie_checker_precompute(struct wgt_cookie_checker *checker);
void wgt_cookie_checker_uninit(struct wgt_cookie_checker *checker);
void wgt_cookie_init(struct wgt_cookie *cookie);
void wgt_cookie_precompute(struct wgt_cookie *cookie,
			   const u8 remote_pubkey[NOISE_PUBLIC_KEY_LEN]);
void wgt_cookie_uninit(struct wgt_cookie *cookie);

bool wgt_cookie_mac1_valid(struct wgt_cookie_checker *checker, struct sk_buff *skb);
bool wgt_cookie_mac2_valid(struct wgt_cookie_checker *checker, struct sk_buff *skb);
void wgt_cookie_add_macs(void *msg, size_t len, struct wgt_cookie *cookie);
void wgt_cookie_message_create(struct wgt_msg_cookie *dst, struct sk_buff *skb,
			       __le32 receiver_index, struct wgt_cookie_checker *checker);
int wgt_cookie_message_consume(struct wgt_msg_cookie *src, struct wgt_index_table *table);

#ifdef WGTUN_DEBUG
bool wgt_cookie_check_mac1(struct wgt_cookie_checker *checker, const void *msg, size_t len);
/* Self-test helper: a datagram as the receive path sees it (see selftest/cookie.c). */
struct sk_buff *wgt_cookie_selftest_skb(const void *msg, size_t len, bool ipv6,
					const void *saddr, __be16 sport);
#endif

#endif /* _WGTUN_COOKIE_H */
