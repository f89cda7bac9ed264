// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake self-test: two in-memory devices, each knowing the other as a
 * remote, run complete handshakes through the same functions the packet path
 * uses, then every byte of both handshake messages is flipped and must be
 * refused.
 */

#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <crypto/algapi.h>
#include <crypto/curve25519.h>

#include "../noise.h"
#include "../cookie.h"
#include "selftest.h"

/*
 * HASH("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s") and HASH(that || "WireGuard v1
 * zx2c4 Jason@zx2c4.com"), as published in cloudflare/boringtun,
 * src/noise/handshake.rs (INITIAL_CHAIN_KEY and INITIAL_CHAIN_HASH, given there
 * in decimal).
 */
static const u8 kat_chaining_key[NOISE_HASH_LEN] = {
	0x60, 0xe2, 0x6d, 0xae, 0xf3, 0x27, 0xef, 0xc0, 0x2e, 0xc3, 0x35, 0xe2, 0xa0, 0x25,
	0xd2, 0xd0, 0x16, 0xeb, 0x42, 0x06, 0xf8, 0x72, 0x77, 0xf5, 0x2d, 0x38, 0xd1, 0x98,
	0x8b, 0x78, 0xcd, 0x36,
};

static const u8 kat_hash[NOISE_HASH_LEN] = {
	0x22, 0x11, 0xb3, 0x61, 0x08, 0x1a, 0xc5, 0x66, 0x69, 0x12, 0x43, 0xdb, 0x45, 0x8a,
	0xd5, 0x32, 0x2d, 0x9c, 0x6c, 0x66, 0x22, 0x93, 0xe8, 0xb7, 0x0e, 0xe1, 0x9c, 0x65,
	0xba, 0x07, 0x9e, 0xf3,
};

/*
 * KDF3(chaining key 00 01 .. 1f, "wgtun kdf test input"), computed
 * independently with CPython's hmac and hashlib.blake2s modules:
 *   prk = hmac.new(ck, data, hashlib.blake2s).digest()
 *   t1 = hmac.new(prk, b"\x01", ...); t2 = hmac.new(prk, t1 + b"\x02", ...);
 *   t3 likewise.
 */
static const u8 kat_kdf_input[] = "wgtun kdf test input";
static const u8 kat_kdf_out[3][NOISE_HASH_LEN] = {
	{ 0x6a, 0x78, 0xf8, 0xe2, 0x5a, 0x13, 0x36, 0x00, 0x24, 0xef, 0xf6, 0x8a, 0x69, 0x5c,
	  0xcc, 0x54, 0xbc, 0x9c, 0x44, 0x3f, 0xc0, 0x94, 0xa3, 0xff, 0x50, 0x4d, 0xb4, 0x3d,
	  0xe6, 0x74, 0x81, 0x5b },
	{ 0x84, 0xbe, 0x39, 0x8a, 0x2d, 0xc9, 0xbd, 0xad, 0x6a, 0x27, 0x8e, 0x96, 0xa6, 0x2c,
	  0x0f, 0xa5, 0xcd, 0xc7, 0xba, 0xa6, 0xe9, 0x77, 0x8a, 0x42, 0xc8, 0x44, 0xc0, 0x2b,
	  0xf8, 0xd3, 0x9d, 0xee },
	{ 0xcf, 0x89, 0x52, 0x2e, 0xf5, 0x80, 0xf2, 0x7b, 0x10, 0x7c, 0x32, 0xe7, 0xce, 0xf0,
	  0x6d, 0x45, 0x23, 0x17, 0xef, 0x5e, 0x35, 0xfe, 0x41, 0x82, 0xc3, 0xd6, 0x88, 0x73,
	  0xce, 0x33, 0xf8, 0x9e },
};

struct st_dev {
	struct wgt_noise_local local;
	struct wgt_pubkey_table pubkeys;
	struct wgt_index_table indices;
	struct wgt_cookie_checker checker;
	bool tables_ready;
};

/* What the lead's peer is to a remote: here only a reference count and a dying flag. */
struct st_peer {
	struct wgt_noise_remote remote;
	atomic_t refs;
	bool dying;
	bool ready;
	struct st_dev *dev;
};

struct st_world {
	struct st_dev a, b;
	struct st_peer a_b;	/* a's view of b */
	struct st_peer b_a;	/* b's view of a */
};

static const u8 src_v4[4] = { 192, 0, 2, 1 };

static bool st_remote_get(struct wgt_noise_remote *r)
{
	struct st_peer *p = container_of(r, struct st_peer, remote);

	if (READ_ONCE(p->dying))
		return false;
	atomic_inc(&p->refs);
	return true;
}

static void st_remote_put(struct wgt_noise_remote *r)
{
	struct st_peer *p = container_of(r, struct st_peer, remote);

	WARN_ON(atomic_dec_return(&p->refs) < 0);
}

static const struct wgt_noise_ops st_ops = {
	.remote_get = st_remote_get,
	.remote_put = st_remote_put,
};

static struct wgt_selftest tally;

static bool dev_init(struct st_dev *d)
{
	u8 key[NOISE_PUBLIC_KEY_LEN];

	if (wgt_pubkey_table_init(&d->pubkeys))
		return false;
	if (wgt_index_table_init(&d->indices)) {
		wgt_pubkey_table_uninit(&d->pubkeys);
		return false;
	}
	d->tables_ready = true;
	wgt_noise_local_init(&d->local, &st_ops, &d->pubkeys, &d->indices);
	curve25519_generate_secret(key);
	wgt_noise_local_set_private_key(&d->local, key);
	memzero_explicit(key, sizeof(key));
	wgt_cookie_checker_init(&d->checker, &d->local);
	wgt_cookie_checker_precompute(&d->checker);
	return d->local.has_identity;
}

static void dev_uninit(struct st_dev *d)
{
	if (!d->tables_ready)
		return;
	wgt_cookie_checker_uninit(&d->checker);
	wgt_noise_local_clear(&d->local);
	wgt_index_table_uninit(&d->indices);
	wgt_pubkey_table_uninit(&d->pubkeys);
}

static bool peer_init(struct st_peer *p, struct st_dev *owner, struct st_dev *other,
		      const u8 *psk)
{
	p->dev = owner;
	if (wgt_noise_remote_init(&p->remote, &owner->local, other->local.static_public, psk))
		return false;
	if (wgt_pubkey_table_insert(&owner->pubkeys, &p->remote)) {
		wgt_noise_remote_uninit(&p->remote);
		return false;
	}
	p->ready = true;
	return true;
}

static void peer_uninit(struct st_peer *p)
{
	if (!p->ready)
		return;
	wgt_pubkey_table_remove(&p->dev->pubkeys, &p->remote);
	wgt_noise_remote_uninit(&p->remote);
	p->ready = false;
}

/* Tear down; true if no reference and no index was left behind. */
static bool world_free(struct st_world *w)
{
	bool clean;

	peer_uninit(&w->a_b);
	peer_uninit(&w->b_a);
	clean = !atomic_read(&w->a_b.refs) && !atomic_read(&w->b_a.refs) &&
		(!w->a.tables_ready || !wgt_index_table_count(&w->a.indices)) &&
		(!w->b.tables_ready || !wgt_index_table_count(&w->b.indices));
	synchronize_rcu();
	dev_uninit(&w->a);
	dev_uninit(&w->b);
	kfree(w);
	return CHECK(clean, "references or indices left at teardown");
}

static struct st_world *world_new(const u8 *psk_a, const u8 *psk_b)
{
	struct st_world *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return NULL;
	if (!dev_init(&w->a) || !dev_init(&w->b) || !peer_init(&w->a_b, &w->a, &w->b, psk_a) ||
	    !peer_init(&w->b_a, &w->b, &w->a, psk_b)) {
		world_free(w);
		return NULL;
	}
	return w;
}

/* Initiations from one peer are accepted at most INITIATIONS_PER_SECOND: space them out. */
static void let_time_pass(void)
{
	msleep(2 * MSEC_PER_SEC / INITIATIONS_PER_SECOND);
}

/* True if the handshake refused the message; drops the reference if it did not. */
static bool refused(struct wgt_noise_remote *got)
{
	if (got)
		got->local->ops->remote_put(got);
	return !got;
}

static bool consumed_by(struct wgt_noise_remote *got, struct st_peer *want)
{
	if (got)
		got->local->ops->remote_put(got);
	return got == &want->remote;
}

enum hs_result { HS_OK, HS_CREATE_INIT, HS_CONSUME_INIT, HS_CREATE_RESP, HS_CONSUME_RESP,
		 HS_BEGIN };

/* One complete handshake, @ip initiating towards the device of @rp. */
static enum hs_result handshake(struct st_peer *ip, struct st_peer *rp)
{
	struct wgt_msg_initiation init;
	struct wgt_msg_response resp;

	if (!wgt_noise_create_initiation(&ip->remote, &init))
		return HS_CREATE_INIT;
	wgt_cookie_add_macs(&init, sizeof(init), &ip->remote.cookie);
	if (!wgt_cookie_check_mac1(&rp->dev->checker, &init, sizeof(init)) ||
	    !consumed_by(wgt_noise_consume_initiation(&rp->dev->local, &init, NULL), rp))
		return HS_CONSUME_INIT;
	if (!wgt_noise_create_response(&rp->remote, &resp))
		return HS_CREATE_RESP;
	wgt_cookie_add_macs(&resp, sizeof(resp), &rp->remote.cookie);
	if (!wgt_cookie_check_mac1(&ip->dev->checker, &resp, sizeof(resp)) ||
	    !consumed_by(wgt_noise_consume_response(&ip->dev->local, &resp), ip))
		return HS_CONSUME_RESP;
	if (!wgt_noise_begin_session(&ip->remote) || !wgt_noise_begin_session(&rp->remote))
		return HS_BEGIN;
	return HS_OK;
}

#define slot(p, name) rcu_dereference_protected((p)->remote.keypairs.name, true)

/* The two halves of a session: same keys crossed, each naming the other's index. */
static bool keys_match(struct wgt_noise_keypair *x, struct wgt_noise_keypair *y)
{
	return x && y && x != y &&
	       !crypto_memneq(x->sending_key, y->receiving_key, NOISE_SYMMETRIC_KEY_LEN) &&
	       !crypto_memneq(x->receiving_key, y->sending_key, NOISE_SYMMETRIC_KEY_LEN) &&
	       crypto_memneq(x->sending_key, x->receiving_key, NOISE_SYMMETRIC_KEY_LEN) &&
	       x->remote_index == y->entry.index && y->remote_index == x->entry.index &&
	       x->i_am_initiator != y->i_am_initiator;
}

static bool test_known_answers(void)
{
	u8 ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN], out[3][NOISE_HASH_LEN];
	u8 salt[NOISE_HASH_LEN];
	bool ok = true;
	int i;

	wgt_noise_initial_state(ck, h);
	ok &= CHECK(!memcmp(ck, kat_chaining_key, NOISE_HASH_LEN), "initial chaining key");
	ok &= CHECK(!memcmp(h, kat_hash, NOISE_HASH_LEN), "initial hash");

	for (i = 0; i < NOISE_HASH_LEN; i++)
		salt[i] = i;
	wgt_noise_kdf(out[0], out[1], out[2], kat_kdf_input, sizeof(kat_kdf_input) - 1, salt);
	ok &= CHECK(!memcmp(out, kat_kdf_out, sizeof(out)), "KDF3 known answer");
	memset(out, 0, sizeof(out));
	wgt_noise_kdf(out[0], NULL, NULL, kat_kdf_input, sizeof(kat_kdf_input) - 1, salt);
	ok &= CHECK(!memcmp(out[0], kat_kdf_out[0], NOISE_HASH_LEN), "KDF1 known answer");
	return ok;
}

/* A full handshake each way, with @psk_a on a's side and @psk_b on b's. */
static bool test_handshake(const u8 *psk_a, const u8 *psk_b, bool expect_ok, const char *name)
{
	struct st_world *w = world_new(psk_a, psk_b);
	struct wgt_noise_keypair *a_cur, *b_next, *kp;
	struct wgt_noise_remote *r;
	enum hs_result res;
	bool ok = true;

	if (!CHECK(w, name))
		return false;
	res = handshake(&w->a_b, &w->b_a);
	if (!expect_ok) {
		/* The initiation carries no PSK; only the response can fail to authenticate. */
		ok &= CHECK(res == HS_CONSUME_RESP, name);
		ok &= CHECK(!slot(&w->a_b, current_keypair), name);
		goto out;
	}
	ok &= CHECK(res == HS_OK, name);
	a_cur = slot(&w->a_b, current_keypair);
	b_next = slot(&w->b_a, next_keypair);
	ok &= CHECK(keys_match(a_cur, b_next), name);
	ok &= CHECK(a_cur && a_cur->i_am_initiator, name);
	ok &= CHECK(!slot(&w->b_a, current_keypair), "responder sends only after confirmation");

	/* Data from a to b names b's index: it must find b's pending keypair. */
	r = wgt_index_lookup_get(&w->b.indices, a_cur ? a_cur->remote_index : 0,
				 WGT_INDEX_KEYPAIR, &kp);
	ok &= CHECK(r == &w->b_a.remote && kp == b_next, "keypair found by index");
	if (r) {
		ok &= CHECK(wgt_noise_received_with_keypair(r, kp), "next promoted");
		ok &= CHECK(!wgt_noise_received_with_keypair(r, kp), "promoted once only");
		wgt_noise_keypair_put(kp);
		st_remote_put(r);
	}
	ok &= CHECK(slot(&w->b_a, current_keypair) == b_next, "responder current");

	/* And the other direction. */
	let_time_pass();
	ok &= CHECK(handshake(&w->b_a, &w->a_b) == HS_OK, name);
	ok &= CHECK(keys_match(slot(&w->b_a, current_keypair), slot(&w->a_b, next_keypair)),
		    name);
out:
	ok &= world_free(w);
	return ok;
}

/* Replayed, older and too frequent initiations, each refused for its own reason. */
static bool test_replay(void)
{
	struct st_world *w = world_new(NULL, NULL);
	struct wgt_msg_initiation old, init, newer;
	struct wgt_noise_handshake *hs;
	struct wgt_noise_local *b;
	bool ok = true;

	if (!CHECK(w, "replay: setup"))
		return false;
	b = &w->b.local;
	hs = &w->b_a.remote.handshake;
	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &old), "replay: create");
	let_time_pass();
	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &init), "replay: create");
	let_time_pass();
	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &newer), "replay: create");

	ok &= CHECK(consumed_by(wgt_noise_consume_initiation(b, &init, NULL), &w->b_a),
		    "replay: first consumption");
	/*
	 * As if the first had been consumed a second from now: "too soon" then
	 * holds however slowly this machine reaches the next line.
	 */
	down_write(&hs->lock);
	hs->last_initiation_consumption += NSEC_PER_SEC;
	up_write(&hs->lock);
	ok &= CHECK(refused(wgt_noise_consume_initiation(b, &newer, NULL)),
		    "flood: too soon after the last");
	ok &= CHECK(refused(wgt_noise_consume_initiation(b, &init, NULL)), "replay: same message");
	/* Forget the rate limit: the timestamp alone must now refuse them. */
	down_write(&hs->lock);
	hs->last_initiation_consumption = 0;
	up_write(&hs->lock);
	ok &= CHECK(refused(wgt_noise_consume_initiation(b, &init, NULL)),
		    "replay: same timestamp");
	ok &= CHECK(refused(wgt_noise_consume_initiation(b, &old, NULL)),
		    "replay: older timestamp");
	ok &= CHECK(consumed_by(wgt_noise_consume_initiation(b, &newer, NULL), &w->b_a),
		    "flood: accepted once spaced out");
	ok &= world_free(w);
	return ok;
}

/* Get a cookie from @issuer for @msg, so that @holder's later messages carry mac2. */
static bool fetch_cookie(struct st_dev *issuer, struct st_peer *holder, void *msg, size_t len,
			 __le32 sender_index)
{
	struct wgt_msg_cookie reply;
	struct sk_buff *skb;

	skb = wgt_cookie_selftest_skb(msg, len, false, src_v4, htons(51820));
	if (!skb)
		return false;
	wgt_cookie_message_create(&reply, skb, sender_index, &issuer->checker);
	kfree_skb(skb);
	if (wgt_cookie_message_consume(&reply, &holder->dev->indices))
		return false;
	wgt_cookie_add_macs(msg, len, &holder->remote.cookie);
	return true;
}

/* Whether @msg passes the macs of @dev under load, i.e. with mac2 required. */
static bool macs_pass(struct st_dev *dev, const void *msg, size_t len)
{
	struct sk_buff *skb = wgt_cookie_selftest_skb(msg, len, false, src_v4, htons(51820));
	bool pass;

	if (!skb)
		return true;	/* counts as a failure of the caller's expectation */
	pass = wgt_cookie_mac1_valid(&dev->checker, skb) &&
	       wgt_cookie_mac2_valid(&dev->checker, skb);
	kfree_skb(skb);
	return pass;
}

/*
 * The header and the sender index lie outside the Noise transcript and are
 * covered by mac1 alone: with macs recomputed they are legitimately accepted.
 * Every later byte must be refused by the handshake itself even with valid
 * macs.
 */
static bool refused_with_macs_redone(size_t i, size_t first_protected)
{
	return i >= first_protected;
}

static bool flip_initiation(struct st_world *w, const struct wgt_msg_initiation *good)
{
	struct wgt_msg_initiation bad;
	struct wgt_noise_remote *r;
	u8 *bytes = (u8 *)&bad;
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(bad); i++) {
		bad = *good;
		bytes[i] ^= 1U << (i % 8);
		r = NULL;
		if (macs_pass(&w->b, &bad, sizeof(bad)))
			r = wgt_noise_consume_initiation(&w->b.local, &bad, NULL);
		if (r) {
			st_remote_put(r);
			FAIL("initiation byte %zu flipped accepted", i);
			return false;
		}
		if (i >= offsetof(struct wgt_msg_initiation, macs) ||
		    !refused_with_macs_redone(i, offsetof(struct wgt_msg_initiation,
							  unencrypted_ephemeral)))
			continue;
		/* Again with valid macs: now the handshake itself must refuse it. */
		wgt_cookie_add_macs(&bad, sizeof(bad), &w->a_b.remote.cookie);
		r = wgt_noise_consume_initiation(&w->b.local, &bad, NULL);
		if (r) {
			st_remote_put(r);
			FAIL("initiation byte %zu flipped (macs redone) accepted", i);
			return false;
		}
	}
	return ok;
}

static bool flip_response(struct st_world *w, const struct wgt_msg_response *good)
{
	struct wgt_msg_response bad;
	struct wgt_noise_remote *r;
	u8 *bytes = (u8 *)&bad;
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(bad); i++) {
		bad = *good;
		bytes[i] ^= 1U << (i % 8);
		r = NULL;
		if (macs_pass(&w->a, &bad, sizeof(bad)))
			r = wgt_noise_consume_response(&w->a.local, &bad);
		if (r) {
			st_remote_put(r);
			FAIL("response byte %zu flipped accepted", i);
			return false;
		}
		if (i >= offsetof(struct wgt_msg_response, macs) ||
		    !refused_with_macs_redone(i, offsetof(struct wgt_msg_response, receiver_index)))
			continue;
		/* Again with valid macs: a wrong index or transcript must still be refused. */
		wgt_cookie_add_macs(&bad, sizeof(bad), &w->b_a.remote.cookie);
		r = wgt_noise_consume_response(&w->a.local, &bad);
		if (r) {
			st_remote_put(r);
			FAIL("response byte %zu flipped (macs redone) accepted", i);
			return false;
		}
	}
	return ok;
}

/*
 * Every byte of an initiation and of a response, flipped one at a time, must be
 * refused by the macs (mac2 demanded, as under load) or by the handshake; then
 * the untouched messages must still work, showing that the refusals were not
 * stale state.
 */
static bool test_tamper(void)
{
	struct st_world *w = world_new(NULL, NULL);
	struct wgt_msg_initiation init;
	struct wgt_msg_response resp;
	bool ok = true;

	if (!CHECK(w, "tamper: setup"))
		return false;
	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &init), "tamper: create init");
	wgt_cookie_add_macs(&init, sizeof(init), &w->a_b.remote.cookie);
	ok &= CHECK(fetch_cookie(&w->b, &w->a_b, &init, sizeof(init), init.sender_index),
		    "tamper: cookie for the initiation");
	ok &= CHECK(macs_pass(&w->b, &init, sizeof(init)), "tamper: initiation macs");
	ok &= flip_initiation(w, &init);
	wgt_cookie_add_macs(&init, sizeof(init), &w->a_b.remote.cookie);
	ok &= CHECK(consumed_by(wgt_noise_consume_initiation(&w->b.local, &init, NULL), &w->b_a),
		    "tamper: untouched initiation");

	ok &= CHECK(wgt_noise_create_response(&w->b_a.remote, &resp), "tamper: create response");
	wgt_cookie_add_macs(&resp, sizeof(resp), &w->b_a.remote.cookie);
	ok &= CHECK(fetch_cookie(&w->a, &w->b_a, &resp, sizeof(resp), resp.sender_index),
		    "tamper: cookie for the response");
	ok &= CHECK(macs_pass(&w->a, &resp, sizeof(resp)), "tamper: response macs");
	ok &= flip_response(w, &resp);
	wgt_cookie_add_macs(&resp, sizeof(resp), &w->b_a.remote.cookie);
	ok &= CHECK(consumed_by(wgt_noise_consume_response(&w->a.local, &resp), &w->a_b),
		    "tamper: untouched response");
	ok &= CHECK(wgt_noise_begin_session(&w->a_b.remote) &&
		    wgt_noise_begin_session(&w->b_a.remote), "tamper: begin sessions");
	ok &= CHECK(keys_match(slot(&w->a_b, current_keypair), slot(&w->b_a, next_keypair)),
		    "tamper: keys after the flips");
	ok &= world_free(w);
	return ok;
}

static unsigned int live_keypairs(struct st_peer *p)
{
	return !!slot(p, current_keypair) + !!slot(p, previous_keypair) + !!slot(p, next_keypair);
}

/* Current/previous/next through a sequence of handshakes in both directions. */
static bool test_rotation(void)
{
	struct st_world *w = world_new(NULL, NULL);
	struct wgt_noise_keypair *k1, *k2, *k3, *k4, *kp;
	struct st_peer *a, *b;
	bool ok = true;
	u64 nonce;

	if (!CHECK(w, "rotation: setup"))
		return false;
	a = &w->a_b;
	b = &w->b_a;

	/* 1: a initiates. a: current k1. b: next k1'. */
	ok &= CHECK(handshake(a, b) == HS_OK, "rotation: handshake 1");
	k1 = slot(b, next_keypair);
	ok &= CHECK(wgt_noise_received_with_keypair(&b->remote, k1), "rotation: confirm 1");

	/* 2: b initiates. b: current k2, previous k1'. a: current k1, next k2'. */
	let_time_pass();
	ok &= CHECK(handshake(b, a) == HS_OK, "rotation: handshake 2");
	k2 = slot(a, next_keypair);
	ok &= CHECK(slot(b, previous_keypair) == k1, "rotation: initiator keeps previous");
	ok &= CHECK(keys_match(slot(b, current_keypair), k2), "rotation: keys 2");
	kp = wgt_noise_keypair_current_get(&a->remote);
	ok &= CHECK(kp && kp != k2, "rotation: responder still sends under the old current");
	wgt_noise_keypair_put(kp);

	/*
	 * 3: a initiates again before k2' was confirmed: k2' may already carry
	 * b's data, so it becomes previous; a's old current goes.
	 */
	let_time_pass();
	ok &= CHECK(handshake(a, b) == HS_OK, "rotation: handshake 3");
	k3 = slot(a, current_keypair);
	ok &= CHECK(slot(a, previous_keypair) == k2 && !slot(a, next_keypair),
		    "rotation: pending next becomes previous");
	ok &= CHECK(live_keypairs(a) == 2, "rotation: a holds two sessions");
	ok &= CHECK(keys_match(k3, slot(b, next_keypair)), "rotation: keys 3");

	/* b confirms k3': b current k3', previous the old current, the old previous goes. */
	k4 = slot(b, next_keypair);
	kp = slot(b, current_keypair);
	ok &= CHECK(wgt_noise_received_with_keypair(&b->remote, k4), "rotation: confirm 3");
	ok &= CHECK(slot(b, current_keypair) == k4 && slot(b, previous_keypair) == kp,
		    "rotation: promotion shifts current to previous");
	ok &= CHECK(!wgt_noise_received_with_keypair(&b->remote, kp),
		    "rotation: previous does not promote");

	/* Every live session and no handshake is indexed (both handshakes completed). */
	ok &= CHECK(wgt_index_table_count(&w->a.indices) == live_keypairs(a),
		    "rotation: a's index table");
	ok &= CHECK(wgt_index_table_count(&w->b.indices) == live_keypairs(b),
		    "rotation: b's index table");

	/* Nonces and expiry of the current session. */
	kp = wgt_noise_keypair_current_get(&a->remote);
	ok &= CHECK(kp == k3, "rotation: current_get");
	if (kp) {
		ok &= CHECK(wgt_noise_keypair_nonce_next(kp, &nonce) && nonce == 0,
			    "nonce: first is 0");
		ok &= CHECK(wgt_noise_keypair_nonce_next(kp, &nonce) && nonce == 1,
			    "nonce: then 1");
		ok &= CHECK(!wgt_noise_keypair_expired(kp), "expiry: fresh");
		ok &= CHECK(!wgt_noise_keypair_wants_rekey(kp) &&
			    !wgt_noise_keypair_wants_rekey_on_receive(kp), "rekey: fresh");
		atomic64_set(&kp->sending_counter, REKEY_AFTER_MESSAGES + 1);
		ok &= CHECK(wgt_noise_keypair_wants_rekey(kp), "rekey: by messages");
		atomic64_set(&kp->sending_counter, 2);
		kp->birthdate -= wgt_protocol_jiffies(REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT -
						      REKEY_TIMEOUT);
		ok &= CHECK(wgt_noise_keypair_wants_rekey_on_receive(kp) &&
			    wgt_noise_keypair_wants_rekey(kp) && !wgt_noise_keypair_expired(kp),
			    "rekey: by age, initiator");
		atomic64_set(&kp->sending_counter, REJECT_AFTER_MESSAGES - 1);
		ok &= CHECK(wgt_noise_keypair_nonce_next(kp, &nonce) &&
			    nonce == REJECT_AFTER_MESSAGES - 1, "nonce: last one");
		ok &= CHECK(!wgt_noise_keypair_nonce_next(kp, &nonce), "nonce: exhausted");
		ok &= CHECK(wgt_noise_keypair_expired(kp), "expiry: by messages");
		wgt_noise_keypair_put(kp);
	}
	kp = slot(b, current_keypair);
	kp->birthdate -= wgt_protocol_jiffies(REJECT_AFTER_TIME - 1);
	ok &= CHECK(!kp->i_am_initiator && !wgt_noise_keypair_wants_rekey(kp) &&
		    !wgt_noise_keypair_wants_rekey_on_receive(kp), "rekey: by age, initiator only");
	ok &= CHECK(!wgt_noise_keypair_expired(kp), "expiry: not yet");
	kp->birthdate -= wgt_protocol_jiffies(REJECT_AFTER_TIME) -
			 wgt_protocol_jiffies(REJECT_AFTER_TIME - 1);
	ok &= CHECK(wgt_noise_keypair_expired(kp), "expiry: by time");

	/* Clearing drops every session and every index. */
	wgt_noise_keypairs_clear(&a->remote);
	wgt_noise_keypairs_clear(&b->remote);
	ok &= CHECK(!live_keypairs(a) && !live_keypairs(b), "rotation: cleared");
	ok &= CHECK(!wgt_index_table_count(&w->a.indices) && !wgt_index_table_count(&w->b.indices),
		    "rotation: indices released");
	ok &= world_free(w);
	return ok;
}

/*
 * Concurrency: one thread runs handshakes both ways and confirms sessions, one
 * clears sessions now and then, while two readers take current keypairs, look
 * their indices up on the other side and check that whatever the index finds is
 * the other half of the same session. Refcounting or RCU mistakes show up as
 * mismatches, kref warnings or leaks.
 */
#define STRESS_HANDSHAKES 8

struct stress {
	struct st_world *w;
	atomic_t mismatches;
	atomic_t lookups;
	atomic_t handshakes;
};

static int stress_handshaker(void *arg)
{
	struct stress *st = arg;
	struct st_world *w = st->w;
	struct st_peer *from, *to;
	struct wgt_noise_keypair *kp;
	bool flip = false;

	while (!kthread_should_stop()) {
		from = flip ? &w->b_a : &w->a_b;
		to = flip ? &w->a_b : &w->b_a;
		flip = !flip;
		if (handshake(from, to) == HS_OK) {
			atomic_inc(&st->handshakes);
			rcu_read_lock_bh();
			kp = rcu_dereference_bh(to->remote.keypairs.next_keypair);
			if (kp && !kref_get_unless_zero(&kp->refcount))
				kp = NULL;
			rcu_read_unlock_bh();
			if (kp) {
				wgt_noise_received_with_keypair(&to->remote, kp);
				wgt_noise_keypair_put(kp);
			}
		}
		/* Each responder sees an initiation every other round: stay under the limit. */
		msleep(MSEC_PER_SEC / INITIATIONS_PER_SECOND / 2 + 2);
	}
	return 0;
}

static int stress_clearer(void *arg)
{
	struct stress *st = arg;
	unsigned int n = 0;

	while (!kthread_should_stop()) {
		msleep(60);
		wgt_noise_keypairs_clear(++n % 2 ? &st->w->a_b.remote : &st->w->b_a.remote);
	}
	return 0;
}

static void stress_probe(struct stress *st, struct st_peer *p, struct st_dev *other)
{
	struct wgt_noise_keypair *kp, *peer_kp;
	struct wgt_noise_remote *r;
	u64 nonce;

	kp = wgt_noise_keypair_current_get(&p->remote);
	if (!kp)
		return;
	if (!wgt_noise_keypair_nonce_next(kp, &nonce))
		atomic_inc(&st->mismatches);
	r = wgt_index_lookup_get(&other->indices, kp->remote_index, WGT_INDEX_KEYPAIR, &peer_kp);
	if (r) {
		atomic_inc(&st->lookups);
		if (crypto_memneq(kp->sending_key, peer_kp->receiving_key,
				  NOISE_SYMMETRIC_KEY_LEN) ||
		    peer_kp->remote_index != kp->entry.index)
			atomic_inc(&st->mismatches);
		wgt_noise_keypair_put(peer_kp);
		r->local->ops->remote_put(r);
	}
	wgt_noise_keypair_put(kp);
}

static int stress_reader(void *arg)
{
	struct stress *st = arg;

	while (!kthread_should_stop()) {
		stress_probe(st, &st->w->a_b, &st->w->b);
		stress_probe(st, &st->w->b_a, &st->w->a);
		cond_resched();
	}
	return 0;
}

static bool test_concurrency(void)
{
	int (*fns[])(void *) = { stress_handshaker, stress_clearer, stress_reader, stress_reader };
	struct task_struct *threads[ARRAY_SIZE(fns)] = { };
	struct stress st = { };
	unsigned long deadline;
	bool ok = true;
	int i;

	st.w = world_new(NULL, NULL);
	if (!CHECK(st.w, "concurrency: setup"))
		return false;
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		threads[i] = kthread_run(fns[i], &st, "wgt-noise-st%d", i);
		if (IS_ERR(threads[i])) {
			threads[i] = NULL;
			ok = CHECK(false, "concurrency: thread");
		}
	}
	/* Enough rounds to interleave, however slow the machine (emulated guests are). */
	deadline = jiffies + 10 * HZ;
	do
		msleep(100);
	while (atomic_read(&st.handshakes) < STRESS_HANDSHAKES && time_before(jiffies, deadline));
	for (i = 0; i < ARRAY_SIZE(fns); i++)
		if (threads[i])
			kthread_stop(threads[i]);
	ok &= CHECK(!atomic_read(&st.mismatches), "concurrency: sessions found by index match");
	ok &= CHECK(atomic_read(&st.handshakes) >= STRESS_HANDSHAKES &&
		    atomic_read(&st.lookups) > 0,
		    "concurrency: work was done");
	pr_debug("noise self-test: concurrency: %d handshakes, %d cross lookups\n",
		 atomic_read(&st.handshakes), atomic_read(&st.lookups));
	wgt_noise_keypairs_clear(&st.w->a_b.remote);
	wgt_noise_keypairs_clear(&st.w->b_a.remote);
	ok &= world_free(st.w);
	return ok;
}

/* A dying owner, an own key, a removed identity: no handshake may proceed. */
static bool test_refusals(void)
{
	struct st_world *w = world_new(NULL, NULL);
	struct wgt_msg_initiation init;
	struct wgt_noise_remote *self;
	u8 zero[NOISE_PUBLIC_KEY_LEN] = { };
	bool ok = true;

	if (!CHECK(w, "refusals: setup"))
		return false;
	self = kzalloc(sizeof(*self), GFP_KERNEL);
	ok &= CHECK(wgt_noise_local_is_own_key(&w->a.local, w->a.local.static_public),
		    "own key detected");
	ok &= CHECK(!wgt_noise_local_is_own_key(&w->a.local, w->b.local.static_public),
		    "other key is not own");
	ok &= CHECK(self && wgt_noise_remote_init(self, &w->a.local, w->a.local.static_public,
						  NULL) == -EINVAL, "own key refused");
	kfree(self);

	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &init), "refusals: create");
	WRITE_ONCE(w->b_a.dying, true);
	ok &= CHECK(refused(wgt_noise_consume_initiation(&w->b.local, &init, NULL)),
		    "dying remote refused");
	WRITE_ONCE(w->b_a.dying, false);

	/* A remote being removed while handshake work still holds it. */
	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &init), "refusals: create");
	wgt_noise_remote_uninit(&w->b_a.remote);
	ok &= CHECK(refused(wgt_noise_consume_initiation(&w->b.local, &init, NULL)),
		    "uninit remote refuses initiations");
	ok &= CHECK(!wgt_noise_create_initiation(&w->b_a.remote, &init),
		    "uninit remote creates no initiation");
	ok &= CHECK(!wgt_index_table_count(&w->b.indices), "uninit remote: indices released");

	wgt_noise_local_set_private_key(&w->a.local, zero);
	wgt_noise_remote_precompute(&w->a_b.remote);
	wgt_noise_handshake_clear(&w->a_b.remote);
	ok &= CHECK(!w->a.local.has_identity, "zero private key removes the identity");
	ok &= CHECK(!wgt_noise_create_initiation(&w->a_b.remote, &init),
		    "no initiation without identity");
	ok &= CHECK(!wgt_index_table_count(&w->a.indices), "refusals: indices released");
	ok &= world_free(w);
	return ok;
}

static bool no_leaks(int keypairs_before)
{
	rcu_barrier();
	return CHECK(wgt_noise_keypairs_live() == keypairs_before, "keypairs leaked");
}

/* An initiation from a key the receiver does not know: the key is handed out only on request. */
static bool test_stranger(void)
{
	struct st_world *w = world_new(NULL, NULL);
	u8 stranger[NOISE_PUBLIC_KEY_LEN];
	struct wgt_msg_initiation init;
	struct wgt_noise_remote *r;
	bool ok = true;

	if (!CHECK(w, "stranger: setup"))
		return false;
	ok &= CHECK(wgt_noise_create_initiation(&w->a_b.remote, &init), "stranger: create");
	peer_uninit(&w->b_a);
	ok &= CHECK(refused(wgt_noise_consume_initiation(&w->b.local, &init, NULL)),
		    "unknown key refused");
	memset(stranger, 0, sizeof(stranger));
	r = wgt_noise_consume_initiation(&w->b.local, &init, stranger);
	ok &= CHECK(r == ERR_PTR(-ENOKEY), "unknown key reported");
	ok &= CHECK(!memcmp(stranger, w->a.local.static_public, NOISE_PUBLIC_KEY_LEN),
		    "unknown key is the initiator's");
	ok &= world_free(w);
	return ok;
}

/**
 * wgt_noise_selftest() - run the handshake self-tests
 *
 * Return: true if every case passed.
 */
bool wgt_noise_selftest(void)
{
	u8 psk[NOISE_SYMMETRIC_KEY_LEN], other_psk[NOISE_SYMMETRIC_KEY_LEN];
	int keypairs_before = wgt_noise_keypairs_live();

	wgt_selftest_begin(&tally, "noise");
	get_random_bytes(psk, sizeof(psk));
	get_random_bytes(other_psk, sizeof(other_psk));
	test_known_answers();
	test_handshake(NULL, NULL, true, "handshake without psk");
	test_handshake(psk, psk, true, "handshake with psk");
	test_handshake(psk, other_psk, false, "mismatched psk refused");
	test_handshake(psk, NULL, false, "psk on one side only refused");
	test_replay();
	test_tamper();
	test_rotation();
	test_refusals();
	test_stranger();
	test_concurrency();
	no_leaks(keypairs_before);
	memzero_explicit(psk, sizeof(psk));
	memzero_explicit(other_psk, sizeof(other_psk));
	return wgt_selftest_end(&tally);
}
