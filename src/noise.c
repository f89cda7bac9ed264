// SPDX-License-Identifier: GPL-2.0
/*
 * wgtun: WireGuard's Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake.
 *
 * Notation follows the WireGuard paper: HASH is BLAKE2s-256, HMAC is HMAC over
 * it, and KDFn(ck, input) yields n 32-byte outputs HKDF-style (extract with ck
 * as salt, expand with a one-byte counter). Every message function computes
 * into stack copies and commits to the handshake state only when the whole
 * message checks out, so a bad message never disturbs a handshake in progress.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>

#include "compat.h"
#include "debug.h"
#include "noise.h"

static const u8 noise_construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const u8 wireguard_identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const u8 zero_key[NOISE_SYMMETRIC_KEY_LEN];

/* TAI64 label of the Unix epoch: 2^62 plus the 10 s TAI was ahead of UTC in 1970. */
#define TAI64_UNIX_EPOCH 0x400000000000000aULL
/*
 * Timestamps keep only this much of the nanoseconds: nothing finer than the
 * fastest accepted initiation rate is needed, and finer values would expose the
 * local clock.
 */
#define TAI64N_GRANULARITY rounddown_pow_of_two(NSEC_PER_SEC / INITIATIONS_PER_SECOND)

#ifdef WGTUN_DEBUG
static unsigned int time_divisor = 1;
module_param(time_divisor, uint, 0644);
MODULE_PARM_DESC(time_divisor, "debug builds: divide every protocol timer by this (tests only)");
#else
static const unsigned int time_divisor = 1;
#endif

/**
 * wgt_protocol_jiffies() - @seconds of protocol time in jiffies, at least one
 * @seconds: a protocol duration (messages.h)
 *
 * Every protocol time of the module goes through here, so that the debug
 * build's time_divisor runs the whole protocol faster at once (tests only).
 */
unsigned long wgt_protocol_jiffies(unsigned int seconds)
{
	unsigned int div = READ_ONCE(time_divisor) ?: 1;

	return max_t(unsigned long, 1, (unsigned long)seconds * HZ / div);
}

/**
 * wgt_protocol_expired() - @seconds of protocol time have passed since @birth
 * @birth: a jiffies_64 stamp
 * @seconds: a protocol duration (messages.h)
 */
bool wgt_protocol_expired(u64 birth, unsigned int seconds)
{
	return time_is_before_eq_jiffies64(birth + wgt_protocol_jiffies(seconds));
}

/* Keypairs allocated and not yet freed, module-wide; the self-tests check for leaks. */
static atomic_t keypairs_live = ATOMIC_INIT(0);

/*
 * Keypairs are about 1.2 KiB (mostly the replay window): a cache of their own
 * packs them far tighter than kmalloc's 2 KiB class. wgt_noise_init() creates
 * it before anything can make a keypair (module init fails without it).
 */
static struct kmem_cache *keypair_cache;

/*
 * The kernel's X25519 (the x86-64 version and the generic one) computes in
 * field elements on its own stack and leaves them there, the result among them.
 * Kernel stacks outlive what ran on them (a task's stack is freed unwiped when
 * it exits), so after each call frames of ours at the same depth are zeroed:
 * three of 1 KiB each, nested, cover the deepest path (the generic ladder,
 * about 1.8 KiB) with room, and no single frame comes near the kernel's
 * frame-size warning.
 */
#define X25519_SCRUB_FRAME 1024
#define X25519_SCRUB_FRAMES 3

static noinline void x25519_scrub_stack(unsigned int frames)
{
	u8 area[X25519_SCRUB_FRAME];

	/* Recurse first: a call in tail position could reuse this frame instead. */
	if (frames > 1)
		x25519_scrub_stack(frames - 1);
	memzero_explicit(area, sizeof(area));
}

/**
 * x25519_scrubbed() - X25519(@priv, @pub) without a copy left on the stack
 * @out: the shared secret
 * @priv: our private key
 * @pub: their public key
 *
 * Return: false when the result is all zero (@pub is a low-order point).
 */
static bool x25519_scrubbed(u8 out[NOISE_PUBLIC_KEY_LEN], const u8 priv[NOISE_PUBLIC_KEY_LEN],
			    const u8 pub[NOISE_PUBLIC_KEY_LEN])
{
	bool ok = curve25519(out, priv, pub);

	x25519_scrub_stack(X25519_SCRUB_FRAMES);
	return ok;
}

/**
 * public_key_scrubbed() - the public key of @priv, no trace left on the stack
 * @pub: the public key
 * @priv: the private key
 *
 * Return: false when @priv yields the all-zero point (a zero key).
 */
static bool public_key_scrubbed(u8 pub[NOISE_PUBLIC_KEY_LEN],
				const u8 priv[NOISE_PUBLIC_KEY_LEN])
{
	bool ok = curve25519_generate_public(pub, priv);

	x25519_scrub_stack(X25519_SCRUB_FRAMES);
	return ok;
}

static void mix_hash(u8 hash[NOISE_HASH_LEN], const u8 *data, size_t len)
{
	struct blake2s_ctx state;

	blake2s_init(&state, NOISE_HASH_LEN);
	blake2s_update(&state, hash, NOISE_HASH_LEN);
	blake2s_update(&state, data, len);
	blake2s_final(&state, hash);
}

/*
 * HMAC-BLAKE2s (RFC 2104 over a 64-byte block). @in is consumed before @out is
 * written, so the two may overlap.
 */
static void hmac(u8 out[NOISE_HASH_LEN], const u8 *in, size_t in_len, const u8 *key,
		 size_t key_len)
{
	u8 pad[BLAKE2S_BLOCK_SIZE] = { };
	u8 inner[NOISE_HASH_LEN];
	struct blake2s_ctx state;
	int i;

	if (key_len > BLAKE2S_BLOCK_SIZE)
		wgt_compat_blake2s(NULL, 0, key, key_len, pad, NOISE_HASH_LEN);
	else
		memcpy(pad, key, key_len);

	for (i = 0; i < BLAKE2S_BLOCK_SIZE; i++)
		pad[i] ^= 0x36;
	blake2s_init(&state, NOISE_HASH_LEN);
	blake2s_update(&state, pad, BLAKE2S_BLOCK_SIZE);
	blake2s_update(&state, in, in_len);
	blake2s_final(&state, inner);

	for (i = 0; i < BLAKE2S_BLOCK_SIZE; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&state, NOISE_HASH_LEN);
	blake2s_update(&state, pad, BLAKE2S_BLOCK_SIZE);
	blake2s_update(&state, inner, NOISE_HASH_LEN);
	blake2s_final(&state, out);

	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/**
 * wgt_noise_kdf() - WireGuard's KDF1/KDF2/KDF3
 * @out1: first output (32 bytes), or NULL for none at all
 * @out2: second output, or NULL for KDF1
 * @out3: third output, or NULL for KDF2
 * @data: input key material (may be NULL when @data_len is 0)
 * @data_len: its length
 * @chaining_key: the salt; may alias any output
 */
WGT_SELFTEST_VISIBLE void wgt_noise_kdf(u8 *out1, u8 *out2, u8 *out3, const u8 *data,
					size_t data_len, const u8 chaining_key[NOISE_HASH_LEN])
{
	u8 *outs[] = { out1, out2, out3 };
	u8 block[NOISE_HASH_LEN + 1];
	u8 prk[NOISE_HASH_LEN];
	size_t prev_len = 0;
	int i;

	hmac(prk, data, data_len, chaining_key, NOISE_HASH_LEN);
	for (i = 0; i < ARRAY_SIZE(outs) && outs[i]; i++) {
		/* T(i) = HMAC(prk, T(i-1) || i), T(0) being empty. */
		block[prev_len] = i + 1;
		hmac(block, block, prev_len + 1, prk, NOISE_HASH_LEN);
		memcpy(outs[i], block, NOISE_HASH_LEN);
		prev_len = NOISE_HASH_LEN;
	}
	memzero_explicit(block, sizeof(block));
	memzero_explicit(prk, sizeof(prk));
}

/**
 * wgt_noise_initial_state() - chaining key and hash every handshake starts from
 * @chaining_key: receives HASH(construction name)
 * @hash: receives HASH(chaining_key || identifier)
 */
WGT_SELFTEST_VISIBLE void wgt_noise_initial_state(u8 chaining_key[NOISE_HASH_LEN],
						  u8 hash[NOISE_HASH_LEN])
{
	wgt_compat_blake2s(NULL, 0, noise_construction, sizeof(noise_construction) - 1,
			   chaining_key, NOISE_HASH_LEN);
	memcpy(hash, chaining_key, NOISE_HASH_LEN);
	mix_hash(hash, wireguard_identifier, sizeof(wireguard_identifier) - 1);
}

/* The IK pre-message: the responder's static key is known to both sides up front. */
static void handshake_start(u8 ck[NOISE_HASH_LEN], u8 h[NOISE_HASH_LEN],
			    const u8 responder_static[NOISE_PUBLIC_KEY_LEN])
{
	wgt_noise_initial_state(ck, h);
	mix_hash(h, responder_static, NOISE_PUBLIC_KEY_LEN);
}

static void mix_ephemeral(u8 ck[NOISE_HASH_LEN], u8 h[NOISE_HASH_LEN],
			  const u8 ephemeral[NOISE_PUBLIC_KEY_LEN])
{
	wgt_noise_kdf(ck, NULL, NULL, ephemeral, NOISE_PUBLIC_KEY_LEN, ck);
	mix_hash(h, ephemeral, NOISE_PUBLIC_KEY_LEN);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)), or ck = KDF1(...) when @key is NULL. */
static bool __must_check mix_dh(u8 ck[NOISE_HASH_LEN], u8 *key,
				const u8 priv[NOISE_PUBLIC_KEY_LEN],
				const u8 pub[NOISE_PUBLIC_KEY_LEN])
{
	u8 dh[NOISE_PUBLIC_KEY_LEN];

	/* An all-zero result (a low-order point) is refused. */
	if (!x25519_scrubbed(dh, priv, pub))
		return false;
	wgt_noise_kdf(ck, key, NULL, dh, NOISE_PUBLIC_KEY_LEN, ck);
	memzero_explicit(dh, sizeof(dh));
	return true;
}

static void mix_psk(u8 ck[NOISE_HASH_LEN], u8 h[NOISE_HASH_LEN],
		    u8 key[NOISE_SYMMETRIC_KEY_LEN], const u8 psk[NOISE_SYMMETRIC_KEY_LEN])
{
	u8 tau[NOISE_HASH_LEN];

	wgt_noise_kdf(ck, tau, key, psk, NOISE_SYMMETRIC_KEY_LEN, ck);
	mix_hash(h, tau, NOISE_HASH_LEN);
	memzero_explicit(tau, sizeof(tau));
}

/* Seal with nonce 0 and the transcript as AD, then absorb the ciphertext. */
static void seal_and_hash(u8 *dst, const u8 *src, size_t src_len,
			  const u8 key[NOISE_SYMMETRIC_KEY_LEN], u8 h[NOISE_HASH_LEN])
{
	chacha20poly1305_encrypt(dst, src, src_len, h, NOISE_HASH_LEN, 0, key);
	mix_hash(h, dst, noise_encrypted_len(src_len));
}

static bool __must_check open_and_hash(u8 *dst, const u8 *src, size_t src_len,
				       const u8 key[NOISE_SYMMETRIC_KEY_LEN],
				       u8 h[NOISE_HASH_LEN])
{
	if (!chacha20poly1305_decrypt(dst, src, src_len, h, NOISE_HASH_LEN, 0, key))
		return false;
	mix_hash(h, src, src_len);
	return true;
}

static void tai64n_now(u8 out[NOISE_TIMESTAMP_LEN])
{
	struct timespec64 now;
	__be64 secs;
	__be32 nsecs;

	ktime_get_real_ts64(&now);
	secs = cpu_to_be64(TAI64_UNIX_EPOCH + now.tv_sec);
	nsecs = cpu_to_be32(ALIGN_DOWN(now.tv_nsec, TAI64N_GRANULARITY));
	memcpy(out, &secs, sizeof(secs));
	memcpy(out + sizeof(secs), &nsecs, sizeof(nsecs));
}

static bool __must_check new_ephemeral(u8 priv[NOISE_PUBLIC_KEY_LEN],
				       u8 pub[NOISE_PUBLIC_KEY_LEN])
{
	curve25519_generate_secret(priv);
	return public_key_scrubbed(pub, priv);
}

/**
 * wgt_noise_local_init() - set up a device identity without a key
 * @local: the identity
 * @ops: callbacks to the owner of the remotes (must outlive @local)
 * @pubkey_table: the device's public-key table
 * @index_table: the device's index table
 */
void wgt_noise_local_init(struct wgt_noise_local *local, const struct wgt_noise_ops *ops,
			  struct wgt_pubkey_table *pubkey_table,
			  struct wgt_index_table *index_table)
{
	memset(local, 0, sizeof(*local));
	init_rwsem(&local->lock);
	local->ops = ops;
	local->pubkey_table = pubkey_table;
	local->index_table = index_table;
}

/**
 * wgt_noise_local_set_private_key() - set or remove the static identity
 * @local: the identity
 * @key: a Curve25519 private key (clamped here); all zero removes the identity
 *
 * The caller then re-runs wgt_noise_remote_precompute() and
 * wgt_noise_handshake_clear() on every remote, and
 * wgt_cookie_checker_precompute() on the device's checker.
 * Context: process context.
 */
void wgt_noise_local_set_private_key(struct wgt_noise_local *local,
				     const u8 key[NOISE_PUBLIC_KEY_LEN])
{
	down_write(&local->lock);
	local->has_identity = false;
	if (crypto_memneq(key, zero_key, NOISE_PUBLIC_KEY_LEN)) {
		memcpy(local->static_private, key, NOISE_PUBLIC_KEY_LEN);
		curve25519_clamp_secret(local->static_private);
		local->has_identity = public_key_scrubbed(local->static_public,
							  local->static_private);
	}
	if (!local->has_identity) {
		memzero_explicit(local->static_private, NOISE_PUBLIC_KEY_LEN);
		memzero_explicit(local->static_public, NOISE_PUBLIC_KEY_LEN);
	}
	up_write(&local->lock);
}

/**
 * wgt_noise_local_clear() - wipe the static identity (device teardown)
 * @local: the identity
 */
void wgt_noise_local_clear(struct wgt_noise_local *local)
{
	wgt_noise_local_set_private_key(local, zero_key);
}

/**
 * wgt_noise_local_copy() - give @dst the identity of @src
 * @dst: an identity, which keeps its ops and tables
 * @src: another
 *
 * Context: process context.
 */
void wgt_noise_local_copy(struct wgt_noise_local *dst, struct wgt_noise_local *src)
{
	u8 priv[NOISE_PUBLIC_KEY_LEN], pub[NOISE_PUBLIC_KEY_LEN];
	bool has;

	/* One lock at a time: both are of one lock class. */
	down_read(&src->lock);
	memcpy(priv, src->static_private, NOISE_PUBLIC_KEY_LEN);
	memcpy(pub, src->static_public, NOISE_PUBLIC_KEY_LEN);
	has = src->has_identity;
	up_read(&src->lock);

	down_write(&dst->lock);
	memcpy(dst->static_private, priv, NOISE_PUBLIC_KEY_LEN);
	memcpy(dst->static_public, pub, NOISE_PUBLIC_KEY_LEN);
	dst->has_identity = has;
	up_write(&dst->lock);
	memzero_explicit(priv, sizeof(priv));
}

/**
 * wgt_noise_local_public() - this identity's public key
 * @local: the identity
 * @pub: receives the key (zero without an identity)
 *
 * Context: process context.
 * Return: whether there is an identity.
 */
bool wgt_noise_local_public(struct wgt_noise_local *local, u8 pub[NOISE_PUBLIC_KEY_LEN])
{
	bool has;

	down_read(&local->lock);
	has = local->has_identity;
	if (has)
		memcpy(pub, local->static_public, NOISE_PUBLIC_KEY_LEN);
	else
		memset(pub, 0, NOISE_PUBLIC_KEY_LEN);
	up_read(&local->lock);
	return has;
}

/**
 * wgt_noise_local_is_own_key() - whether @pubkey is this identity's own key
 * @local: the identity
 * @pubkey: a remote public key
 *
 * A remote with our own key is refused: a device must not handshake with
 * itself.
 * Context: process context.
 */
bool wgt_noise_local_is_own_key(struct wgt_noise_local *local,
				const u8 pubkey[NOISE_PUBLIC_KEY_LEN])
{
	bool own;

	down_read(&local->lock);
	own = local->has_identity &&
	      !crypto_memneq(local->static_public, pubkey, NOISE_PUBLIC_KEY_LEN);
	up_read(&local->lock);
	return own;
}

/**
 * wgt_noise_remote_init() - set up a remote
 * @r: the remote (embedded in the caller's peer)
 * @local: the device identity
 * @pubkey: the remote's static public key
 * @psk: preshared key, or NULL for none
 *
 * The caller inserts @r into the public-key table afterwards.
 * Context: process context.
 * Return: 0, or -EINVAL if @pubkey is @local's own public key.
 */
int wgt_noise_remote_init(struct wgt_noise_remote *r, struct wgt_noise_local *local,
			  const u8 pubkey[NOISE_PUBLIC_KEY_LEN], const u8 *psk)
{
	if (wgt_noise_local_is_own_key(local, pubkey))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->local = local;
	memcpy(r->remote_static, pubkey, NOISE_PUBLIC_KEY_LEN);
	if (psk)
		memcpy(r->preshared_key, psk, NOISE_SYMMETRIC_KEY_LEN);
	init_rwsem(&r->handshake.lock);
	r->handshake.entry.type = WGT_INDEX_HANDSHAKE;
	r->handshake.entry.remote = r;
	spin_lock_init(&r->keypairs.lock);
	wgt_cookie_init(&r->cookie);
	wgt_cookie_precompute(&r->cookie, pubkey);
	wgt_noise_remote_precompute(r);
	return 0;
}

/**
 * wgt_noise_remote_set_psk() - set or remove the preshared key
 * @r: the remote
 * @psk: the key, or NULL (or all zero) for none
 *
 * Context: process context.
 */
void wgt_noise_remote_set_psk(struct wgt_noise_remote *r, const u8 *psk)
{
	down_write(&r->handshake.lock);
	if (psk)
		memcpy(r->preshared_key, psk, NOISE_SYMMETRIC_KEY_LEN);
	else
		memzero_explicit(r->preshared_key, NOISE_SYMMETRIC_KEY_LEN);
	up_write(&r->handshake.lock);
}

/**
 * wgt_noise_remote_precompute() - recompute DH(our static, their static)
 * @r: the remote
 *
 * Leaves the remote unusable for handshakes when there is no local identity,
 * when the remote key is our own, or when the DH result is all zero.
 * Context: process context.
 */
void wgt_noise_remote_precompute(struct wgt_noise_remote *r)
{
	struct wgt_noise_local *local = r->local;
	bool valid = false;

	down_read(&local->lock);
	down_write(&r->handshake.lock);
	if (local->has_identity &&
	    crypto_memneq(local->static_public, r->remote_static, NOISE_PUBLIC_KEY_LEN))
		valid = x25519_scrubbed(r->precomputed_static_static, local->static_private,
					r->remote_static);
	if (!valid)
		memzero_explicit(r->precomputed_static_static, NOISE_PUBLIC_KEY_LEN);
	r->static_static_valid = valid;
	up_write(&r->handshake.lock);
	up_read(&local->lock);
}

/* Drop the handshake's index and secrets; the replay and flood history stays. */
static void handshake_zero(struct wgt_noise_remote *r)
{
	struct wgt_noise_handshake *hs = &r->handshake;

	lockdep_assert_held_write(&hs->lock);
	wgt_index_remove(r->local->index_table, &hs->entry);
	memzero_explicit(hs->ephemeral_private, NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(hs->remote_ephemeral, NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(hs->hash, NOISE_HASH_LEN);
	memzero_explicit(hs->chaining_key, NOISE_HASH_LEN);
	hs->remote_index = 0;
	hs->state = WGT_HANDSHAKE_ZEROED;
}

/**
 * wgt_noise_handshake_clear() - abandon the handshake in progress
 * @r: the remote
 *
 * Context: process context.
 */
void wgt_noise_handshake_clear(struct wgt_noise_remote *r)
{
	down_write(&r->handshake.lock);
	handshake_zero(r);
	up_write(&r->handshake.lock);
}

/* Give the handshake a fresh index, replacing the one of an earlier message. */
static int handshake_new_index(struct wgt_noise_remote *r)
{
	struct wgt_noise_handshake *hs = &r->handshake;

	lockdep_assert_held_write(&hs->lock);
	wgt_index_remove(r->local->index_table, &hs->entry);
	return wgt_index_insert(r->local->index_table, &hs->entry);
}

/**
 * wgt_noise_create_initiation() - build handshake message 1 towards @r
 * @r: the remote
 * @dst: the message; everything but the macs is filled (add them with
 *	wgt_cookie_add_macs() right before sending)
 *
 * Starts a new handshake, replacing any in progress (and its index).
 * Context: process context.
 * Return: false if there is no usable identity or no index could be allocated.
 */
bool wgt_noise_create_initiation(struct wgt_noise_remote *r, struct wgt_msg_initiation *dst)
{
	struct wgt_noise_handshake *hs = &r->handshake;
	struct wgt_noise_local *local = r->local;
	u8 timestamp[NOISE_TIMESTAMP_LEN];
	u8 key[NOISE_SYMMETRIC_KEY_LEN];
	u8 eph[NOISE_PUBLIC_KEY_LEN];
	u8 ck[NOISE_HASH_LEN];
	u8 h[NOISE_HASH_LEN];
	bool ok = false;

	memset(dst, 0, sizeof(*dst));
	down_read(&local->lock);
	down_write(&hs->lock);
	if (r->dead || !local->has_identity || !r->static_static_valid)
		goto out;
	handshake_start(ck, h, r->remote_static);

	/* e */
	if (!new_ephemeral(eph, dst->unencrypted_ephemeral))
		goto out;
	mix_ephemeral(ck, h, dst->unencrypted_ephemeral);

	/* es */
	if (!mix_dh(ck, key, eph, r->remote_static))
		goto out;

	/* s */
	seal_and_hash(dst->encrypted_static, local->static_public, NOISE_PUBLIC_KEY_LEN, key, h);

	/* ss */
	wgt_noise_kdf(ck, key, NULL, r->precomputed_static_static, NOISE_PUBLIC_KEY_LEN, ck);

	/* {t} */
	tai64n_now(timestamp);
	seal_and_hash(dst->encrypted_timestamp, timestamp, NOISE_TIMESTAMP_LEN, key, h);

	if (handshake_new_index(r)) {
		handshake_zero(r);
		goto out;
	}
	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION);
	dst->sender_index = cpu_to_le32(hs->entry.index);
	memcpy(hs->ephemeral_private, eph, NOISE_PUBLIC_KEY_LEN);
	memcpy(hs->chaining_key, ck, NOISE_HASH_LEN);
	memcpy(hs->hash, h, NOISE_HASH_LEN);
	memzero_explicit(hs->remote_ephemeral, NOISE_PUBLIC_KEY_LEN);
	hs->remote_index = 0;
	hs->state = WGT_HANDSHAKE_CREATED_INITIATION;
	ok = true;
out:
	up_write(&hs->lock);
	up_read(&local->lock);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(eph, sizeof(eph));
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	return ok;
}

/*
 * An initiation is replayed unless its timestamp is strictly newer than the
 * newest one accepted (TAI64N compares as a big-endian string), and it is a
 * flood when it follows the last accepted one faster than
 * INITIATIONS_PER_SECOND allows.
 */
static bool initiation_acceptable(struct wgt_noise_handshake *hs,
				  const u8 timestamp[NOISE_TIMESTAMP_LEN], u64 now)
{
	lockdep_assert_held(&hs->lock);
	if (memcmp(timestamp, hs->latest_timestamp, NOISE_TIMESTAMP_LEN) <= 0)
		return false;
	return now >= hs->last_initiation_consumption + NSEC_PER_SEC / INITIATIONS_PER_SECOND;
}

/**
 * wgt_noise_consume_initiation() - process handshake message 1 (mac1 checked)
 * @local: the receiving device's identity
 * @src: the message
 * @stranger: NULL, or where to copy the initiator's static public key when it
 *	decrypts but belongs to no remote
 *
 * Context: process context.
 * Return: the remote that sent it, with a reference (ops->remote_put() releases
 * it), now ready for wgt_noise_create_response(); ERR_PTR(-ENOKEY) if
 * @stranger was given and filled; NULL if the sender is unknown, the message
 * does not authenticate, replays or predates an accepted one, or comes too
 * fast.
 */
struct wgt_noise_remote *wgt_noise_consume_initiation(struct wgt_noise_local *local,
						      const struct wgt_msg_initiation *src,
						      u8 *stranger)
{
	u8 timestamp[NOISE_TIMESTAMP_LEN];
	u8 s[NOISE_PUBLIC_KEY_LEN];
	u8 key[NOISE_SYMMETRIC_KEY_LEN];
	struct wgt_noise_remote *r = NULL;
	struct wgt_noise_handshake *hs;
	u8 ck[NOISE_HASH_LEN];
	u8 h[NOISE_HASH_LEN];
	bool ok = false;
	u64 now;

	down_read(&local->lock);
	if (!local->has_identity)
		goto out;
	handshake_start(ck, h, local->static_public);

	/* e */
	mix_ephemeral(ck, h, src->unencrypted_ephemeral);

	/* es */
	if (!mix_dh(ck, key, local->static_private, src->unencrypted_ephemeral))
		goto out;

	/* s */
	if (!open_and_hash(s, src->encrypted_static, sizeof(src->encrypted_static), key, h))
		goto out;
	r = wgt_pubkey_lookup_get(local->pubkey_table, s);
	if (!r) {
		if (stranger) {
			memcpy(stranger, s, NOISE_PUBLIC_KEY_LEN);
			r = ERR_PTR(-ENOKEY);
		}
		goto out;
	}
	hs = &r->handshake;
	down_write(&hs->lock);

	/* ss */
	if (r->dead || !r->static_static_valid)
		goto out_unlock;
	wgt_noise_kdf(ck, key, NULL, r->precomputed_static_static, NOISE_PUBLIC_KEY_LEN, ck);

	/* {t} */
	if (!open_and_hash(timestamp, src->encrypted_timestamp,
			   sizeof(src->encrypted_timestamp), key, h))
		goto out_unlock;
	now = ktime_get_coarse_boottime_ns();
	if (!initiation_acceptable(hs, timestamp, now))
		goto out_unlock;

	memcpy(hs->remote_ephemeral, src->unencrypted_ephemeral, NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(hs->ephemeral_private, NOISE_PUBLIC_KEY_LEN);
	memcpy(hs->chaining_key, ck, NOISE_HASH_LEN);
	memcpy(hs->hash, h, NOISE_HASH_LEN);
	memcpy(hs->latest_timestamp, timestamp, NOISE_TIMESTAMP_LEN);
	hs->remote_index = le32_to_cpu(src->sender_index);
	hs->last_initiation_consumption = now;
	hs->state = WGT_HANDSHAKE_CONSUMED_INITIATION;
	ok = true;
out_unlock:
	up_write(&hs->lock);
out:
	up_read(&local->lock);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	memzero_explicit(s, sizeof(s));
	if (IS_ERR(r))
		return r;
	if (!ok && r) {
		local->ops->remote_put(r);
		r = NULL;
	}
	return r;
}

/**
 * wgt_noise_create_response() - build message 2 after a consumed initiation
 * @r: the remote
 * @dst: the message; everything but the macs is filled
 *
 * Context: process context.
 * Return: false if no initiation from @r is pending or no index could be
 * allocated.
 */
bool wgt_noise_create_response(struct wgt_noise_remote *r, struct wgt_msg_response *dst)
{
	struct wgt_noise_handshake *hs = &r->handshake;
	u8 key[NOISE_SYMMETRIC_KEY_LEN];
	u8 eph[NOISE_PUBLIC_KEY_LEN];
	u8 ck[NOISE_HASH_LEN];
	u8 h[NOISE_HASH_LEN];
	bool ok = false;

	memset(dst, 0, sizeof(*dst));
	down_write(&hs->lock);
	if (hs->state != WGT_HANDSHAKE_CONSUMED_INITIATION)
		goto out;
	memcpy(ck, hs->chaining_key, NOISE_HASH_LEN);
	memcpy(h, hs->hash, NOISE_HASH_LEN);

	/* e */
	if (!new_ephemeral(eph, dst->unencrypted_ephemeral))
		goto out;
	mix_ephemeral(ck, h, dst->unencrypted_ephemeral);

	/* ee */
	if (!mix_dh(ck, NULL, eph, hs->remote_ephemeral))
		goto out;

	/* se */
	if (!mix_dh(ck, NULL, eph, r->remote_static))
		goto out;

	/* psk */
	mix_psk(ck, h, key, r->preshared_key);

	/* {} */
	seal_and_hash(dst->encrypted_nothing, NULL, 0, key, h);

	if (handshake_new_index(r)) {
		handshake_zero(r);
		goto out;
	}
	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_RESPONSE);
	dst->sender_index = cpu_to_le32(hs->entry.index);
	dst->receiver_index = cpu_to_le32(hs->remote_index);
	memcpy(hs->ephemeral_private, eph, NOISE_PUBLIC_KEY_LEN);
	memcpy(hs->chaining_key, ck, NOISE_HASH_LEN);
	memcpy(hs->hash, h, NOISE_HASH_LEN);
	hs->state = WGT_HANDSHAKE_CREATED_RESPONSE;
	ok = true;
out:
	up_write(&hs->lock);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(eph, sizeof(eph));
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	return ok;
}

/* Snapshot of an initiator's state, so the DH work can run without the handshake lock. */
struct initiator_snapshot {
	u8 ck[NOISE_HASH_LEN];
	u8 h[NOISE_HASH_LEN];
	u8 eph[NOISE_PUBLIC_KEY_LEN];
	u8 psk[NOISE_SYMMETRIC_KEY_LEN];
};

static bool initiator_snapshot(struct wgt_noise_handshake *hs, u32 index,
			       struct initiator_snapshot *snap, const u8 *psk)
{
	bool ok;

	down_read(&hs->lock);
	ok = hs->state == WGT_HANDSHAKE_CREATED_INITIATION && hs->entry.hashed &&
	     hs->entry.index == index;
	if (ok) {
		memcpy(snap->ck, hs->chaining_key, NOISE_HASH_LEN);
		memcpy(snap->h, hs->hash, NOISE_HASH_LEN);
		memcpy(snap->eph, hs->ephemeral_private, NOISE_PUBLIC_KEY_LEN);
		memcpy(snap->psk, psk, NOISE_SYMMETRIC_KEY_LEN);
	}
	up_read(&hs->lock);
	return ok;
}

/**
 * wgt_noise_consume_response() - process handshake message 2 (mac1 checked)
 * @local: the receiving device's identity
 * @src: the message
 *
 * Context: process context.
 * Return: the remote with a reference (ops->remote_put() releases it), now
 * ready for wgt_noise_begin_session(); NULL if the receiver index names no
 * initiation in progress or the message does not authenticate (for instance
 * because the preshared keys differ).
 */
struct wgt_noise_remote *wgt_noise_consume_response(struct wgt_noise_local *local,
						    const struct wgt_msg_response *src)
{
	u32 index = le32_to_cpu(src->receiver_index);
	struct initiator_snapshot snap;
	u8 key[NOISE_SYMMETRIC_KEY_LEN];
	struct wgt_noise_handshake *hs;
	struct wgt_noise_remote *r;
	bool ok = false;

	r = wgt_index_lookup_get(local->index_table, index, WGT_INDEX_HANDSHAKE, NULL);
	if (!r)
		return NULL;
	hs = &r->handshake;
	down_read(&local->lock);
	if (!local->has_identity || !initiator_snapshot(hs, index, &snap, r->preshared_key))
		goto out;

	/* e */
	mix_ephemeral(snap.ck, snap.h, src->unencrypted_ephemeral);

	/* ee */
	if (!mix_dh(snap.ck, NULL, snap.eph, src->unencrypted_ephemeral))
		goto out;

	/* se */
	if (!mix_dh(snap.ck, NULL, local->static_private, src->unencrypted_ephemeral))
		goto out;

	/* psk */
	mix_psk(snap.ck, snap.h, key, snap.psk);

	/* {} */
	if (!open_and_hash(NULL, src->encrypted_nothing, sizeof(src->encrypted_nothing), key,
			   snap.h))
		goto out;

	down_write(&hs->lock);
	/* A newer initiation may have replaced the one this answers while we computed. */
	if (hs->state == WGT_HANDSHAKE_CREATED_INITIATION && hs->entry.hashed &&
	    hs->entry.index == index &&
	    !crypto_memneq(hs->ephemeral_private, snap.eph, NOISE_PUBLIC_KEY_LEN)) {
		memcpy(hs->remote_ephemeral, src->unencrypted_ephemeral, NOISE_PUBLIC_KEY_LEN);
		memcpy(hs->chaining_key, snap.ck, NOISE_HASH_LEN);
		memcpy(hs->hash, snap.h, NOISE_HASH_LEN);
		hs->remote_index = le32_to_cpu(src->sender_index);
		hs->state = WGT_HANDSHAKE_CONSUMED_RESPONSE;
		ok = true;
	}
	up_write(&hs->lock);
out:
	up_read(&local->lock);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(&snap, sizeof(snap));
	if (!ok) {
		local->ops->remote_put(r);
		r = NULL;
	}
	return r;
}

static void keypair_free_rcu(struct rcu_head *rcu)
{
	struct wgt_noise_keypair *kp = container_of(rcu, struct wgt_noise_keypair, rcu);

	memzero_explicit(kp, sizeof(*kp));
	kmem_cache_free(keypair_cache, kp);
	atomic_dec(&keypairs_live);
}

static void keypair_release(struct kref *kref)
{
	struct wgt_noise_keypair *kp = container_of(kref, struct wgt_noise_keypair, refcount);

	/* Lookups may still be dereferencing the index entry: wait for them. */
	call_rcu(&kp->rcu, keypair_free_rcu);
}

/**
 * wgt_noise_keypair_get() - take another reference on a keypair
 * @kp: a keypair the caller holds a reference on
 */
struct wgt_noise_keypair *wgt_noise_keypair_get(struct wgt_noise_keypair *kp)
{
	kref_get(&kp->refcount);
	return kp;
}

/**
 * wgt_noise_keypair_put() - drop a reference; the last one frees @kp after RCU
 * @kp: the keypair, or NULL
 *
 * Context: any. Module unload must rcu_barrier() after the last put.
 */
void wgt_noise_keypair_put(struct wgt_noise_keypair *kp)
{
	if (kp)
		kref_put(&kp->refcount, keypair_release);
}

/* A keypair that left the slots: no new message may find it, and the slot's ref goes. */
static void keypair_retire(struct wgt_noise_remote *r, struct wgt_noise_keypair *kp)
{
	if (!kp)
		return;
	wgt_index_remove(r->local->index_table, &kp->entry);
	wgt_noise_keypair_put(kp);
}

static struct wgt_noise_keypair *keypair_create(struct wgt_noise_remote *r)
{
	struct wgt_noise_handshake *hs = &r->handshake;
	struct wgt_noise_keypair *kp;

	kp = kmem_cache_zalloc(keypair_cache, GFP_KERNEL);
	if (!kp)
		return NULL;
	atomic_inc(&keypairs_live);
	kp->i_am_initiator = hs->state == WGT_HANDSHAKE_CONSUMED_RESPONSE;
	/* The first output keys the initiator-to-responder direction. */
	if (kp->i_am_initiator)
		wgt_noise_kdf(kp->sending_key, kp->receiving_key, NULL, NULL, 0,
			      hs->chaining_key);
	else
		wgt_noise_kdf(kp->receiving_key, kp->sending_key, NULL, NULL, 0,
			      hs->chaining_key);
	atomic64_set(&kp->sending_counter, 0);
	wgt_replay_init(&kp->replay);
	spin_lock_init(&kp->replay_lock);
	kp->birthdate = get_jiffies_64();
	kp->remote_index = hs->remote_index;
	kref_init(&kp->refcount);
	kp->entry.type = WGT_INDEX_KEYPAIR;
	kp->entry.remote = r;
	kp->remote = r;
	return kp;
}

static struct wgt_noise_keypair *slot_deref(struct wgt_noise_keypairs *kps,
					    struct wgt_noise_keypair __rcu **slot)
{
	return rcu_dereference_protected(*slot, lockdep_is_held(&kps->lock));
}

/*
 * Slot a new session. The initiator may send at once, as the responder already
 * has the keys. The responder must wait for the initiator's first message
 * (which proves it got the response), so the session waits in next, and current
 * keeps working meanwhile.
 */
static void keypairs_install(struct wgt_noise_remote *r, struct wgt_noise_keypair *new)
{
	struct wgt_noise_keypairs *kps = &r->keypairs;
	struct wgt_noise_keypair *drop[2] = { };
	struct wgt_noise_keypair *next;

	spin_lock_bh(&kps->lock);
	next = slot_deref(kps, &kps->next_keypair);
	if (!new->i_am_initiator) {
		rcu_assign_pointer(kps->next_keypair, new);
		drop[0] = next;
	} else if (next) {
		/*
		 * The pending next came from the remote's own initiation, so it may already be
		 * sending under it: keep it receivable as previous; current is older, drop it.
		 */
		RCU_INIT_POINTER(kps->next_keypair, NULL);
		drop[0] = slot_deref(kps, &kps->previous_keypair);
		drop[1] = slot_deref(kps, &kps->current_keypair);
		rcu_assign_pointer(kps->previous_keypair, next);
		rcu_assign_pointer(kps->current_keypair, new);
	} else {
		drop[0] = slot_deref(kps, &kps->previous_keypair);
		rcu_assign_pointer(kps->previous_keypair, slot_deref(kps, &kps->current_keypair));
		rcu_assign_pointer(kps->current_keypair, new);
	}
	spin_unlock_bh(&kps->lock);
	keypair_retire(r, drop[0]);
	keypair_retire(r, drop[1]);
}

/**
 * wgt_noise_begin_session() - turn a finished handshake into a keypair
 * @r: the remote, after wgt_noise_consume_response() (initiator) or
 *	wgt_noise_create_response() (responder)
 *
 * The keypair takes over the handshake's index (readers see one or the other);
 * the handshake is zeroed. The initiator's keypair becomes current at once; the
 * responder's becomes next, promoted by wgt_noise_received_with_keypair().
 * Context: process context.
 * Return: false if the handshake is not at one of those two points or on
 * -ENOMEM.
 */
bool wgt_noise_begin_session(struct wgt_noise_remote *r)
{
	struct wgt_noise_handshake *hs = &r->handshake;
	struct wgt_noise_keypair *kp = NULL;

	down_write(&hs->lock);
	if (hs->state != WGT_HANDSHAKE_CREATED_RESPONSE &&
	    hs->state != WGT_HANDSHAKE_CONSUMED_RESPONSE)
		goto out;
	kp = keypair_create(r);
	if (!kp)
		goto out;
	wgt_index_replace(r->local->index_table, &hs->entry, &kp->entry);
	handshake_zero(r);
	keypairs_install(r, kp);
out:
	up_write(&hs->lock);
	return !!kp;
}

/**
 * wgt_noise_received_with_keypair() - an authentic message arrived under @kp
 * @r: the remote
 * @kp: the keypair that decrypted it
 *
 * Context: any.
 * Return: true if this confirmed the pending next session, which is now current
 * (the old current becomes previous); the caller may then fire its "session
 * established" logic.
 */
bool wgt_noise_received_with_keypair(struct wgt_noise_remote *r, struct wgt_noise_keypair *kp)
{
	struct wgt_noise_keypairs *kps = &r->keypairs;
	struct wgt_noise_keypair *old_previous;

	/* Almost always false: check without the lock first. */
	if (rcu_access_pointer(kps->next_keypair) != kp)
		return false;
	spin_lock_bh(&kps->lock);
	if (slot_deref(kps, &kps->next_keypair) != kp) {
		spin_unlock_bh(&kps->lock);
		return false;
	}
	old_previous = slot_deref(kps, &kps->previous_keypair);
	rcu_assign_pointer(kps->previous_keypair, slot_deref(kps, &kps->current_keypair));
	rcu_assign_pointer(kps->current_keypair, kp);
	RCU_INIT_POINTER(kps->next_keypair, NULL);
	spin_unlock_bh(&kps->lock);
	keypair_retire(r, old_previous);
	return true;
}

/**
 * wgt_noise_keypair_current_get() - the keypair to send under
 * @r: the remote
 *
 * Context: any.
 * Return: the current keypair with a reference, or NULL if there is none. The
 * caller still checks wgt_noise_keypair_expired().
 */
struct wgt_noise_keypair *wgt_noise_keypair_current_get(struct wgt_noise_remote *r)
{
	struct wgt_noise_keypair *kp;

	rcu_read_lock_bh();
	kp = rcu_dereference_bh(r->keypairs.current_keypair);
	if (kp && !kref_get_unless_zero(&kp->refcount))
		kp = NULL;
	rcu_read_unlock_bh();
	return kp;
}

/**
 * wgt_noise_keypairs_clear() - drop every session of @r
 * @r: the remote
 *
 * Context: any.
 */
void wgt_noise_keypairs_clear(struct wgt_noise_remote *r)
{
	struct wgt_noise_keypairs *kps = &r->keypairs;
	struct wgt_noise_keypair *old[3];

	spin_lock_bh(&kps->lock);
	old[0] = rcu_replace_pointer(kps->next_keypair, NULL, lockdep_is_held(&kps->lock));
	old[1] = rcu_replace_pointer(kps->current_keypair, NULL, lockdep_is_held(&kps->lock));
	old[2] = rcu_replace_pointer(kps->previous_keypair, NULL, lockdep_is_held(&kps->lock));
	spin_unlock_bh(&kps->lock);
	keypair_retire(r, old[0]);
	keypair_retire(r, old[1]);
	keypair_retire(r, old[2]);
}

/**
 * wgt_noise_remote_uninit() - release all @r holds (indices, sessions, keys)
 * @r: the remote, already removed from the public-key table; handshake
 *	functions that still run on it fail from now on
 *
 * Context: process context. Free @r only after an RCU grace period: lookups may
 * still see its index entries.
 */
void wgt_noise_remote_uninit(struct wgt_noise_remote *r)
{
	/*
	 * Handshake work racing with the removal may still hold a reference: once dead is
	 * set no initiation is created or consumed, so no handshake reaches the session
	 * stage, and a session begun before this point is dropped just below.
	 */
	down_write(&r->handshake.lock);
	r->dead = true;
	handshake_zero(r);
	memzero_explicit(r->preshared_key, NOISE_SYMMETRIC_KEY_LEN);
	memzero_explicit(r->precomputed_static_static, NOISE_PUBLIC_KEY_LEN);
	r->static_static_valid = false;
	up_write(&r->handshake.lock);
	wgt_noise_keypairs_clear(r);
	wgt_cookie_uninit(&r->cookie);
}

/**
 * wgt_noise_keypair_expired() - @kp is past REJECT_AFTER_TIME or out of nonces
 * @kp: the keypair
 */
bool wgt_noise_keypair_expired(const struct wgt_noise_keypair *kp)
{
	return wgt_protocol_expired(kp->birthdate, REJECT_AFTER_TIME) ||
	       (u64)atomic64_read(&kp->sending_counter) >= REJECT_AFTER_MESSAGES;
}

/**
 * wgt_noise_keypair_wants_rekey() - sending under @kp should start a handshake
 * @kp: the current keypair
 *
 * The initiator of a session renews it after REKEY_AFTER_TIME (only one side
 * does, so both do not rekey at once); either side renews it after
 * REKEY_AFTER_MESSAGES.
 */
bool wgt_noise_keypair_wants_rekey(const struct wgt_noise_keypair *kp)
{
	return (u64)atomic64_read(&kp->sending_counter) > REKEY_AFTER_MESSAGES ||
	       (kp->i_am_initiator && wgt_protocol_expired(kp->birthdate, REKEY_AFTER_TIME));
}

/**
 * wgt_noise_keypair_wants_rekey_on_receive() - receiving under @kp should rekey
 * @kp: the keypair that decrypted a message
 *
 * If the initiator has not sent anything that triggered a rekey, the session
 * would run out while data still arrives: rekey once it is this close to
 * REJECT_AFTER_TIME.
 */
bool wgt_noise_keypair_wants_rekey_on_receive(const struct wgt_noise_keypair *kp)
{
	return kp->i_am_initiator &&
	       wgt_protocol_expired(kp->birthdate,
				    REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT);
}

/**
 * wgt_noise_keypair_nonce_next() - reserve the next sending counter
 * @kp: the keypair
 * @nonce: receives the counter to put in the data message
 *
 * Context: any; lock-free.
 * Return: false once REJECT_AFTER_MESSAGES counters have been used.
 */
bool wgt_noise_keypair_nonce_next(struct wgt_noise_keypair *kp, u64 *nonce)
{
	u64 n = (u64)atomic64_inc_return(&kp->sending_counter) - 1;

	if (unlikely(n >= REJECT_AFTER_MESSAGES))
		return false;
	*nonce = n;
	return true;
}

/**
 * wgt_noise_keypair_replay_check() - accept a received counter at most once
 * @kp: the keypair that authenticated the message
 * @counter: its counter
 *
 * Context: any.
 * Return: true if @counter is new and within the window (and now recorded as
 * seen).
 */
bool wgt_noise_keypair_replay_check(struct wgt_noise_keypair *kp, u64 counter)
{
	bool ok;

	spin_lock_bh(&kp->replay_lock);
	ok = wgt_replay_check(&kp->replay, counter, REJECT_AFTER_MESSAGES);
	spin_unlock_bh(&kp->replay_lock);
	return ok;
}

/**
 * wgt_noise_init() - create the keypair cache (module init)
 *
 * Return: 0 or -ENOMEM.
 */
int wgt_noise_init(void)
{
	keypair_cache = KMEM_CACHE(wgt_noise_keypair, 0);
	return keypair_cache ? 0 : -ENOMEM;
}

/**
 * wgt_noise_uninit() - destroy the keypair cache (module exit)
 *
 * Context: after every keypair was put and rcu_barrier() ran, so no free is
 * pending.
 */
void wgt_noise_uninit(void)
{
	kmem_cache_destroy(keypair_cache);
	keypair_cache = NULL;
}

#ifdef WGTUN_DEBUG
/**
 * wgt_noise_keypairs_live() - keypairs allocated module-wide and not yet freed
 */
int wgt_noise_keypairs_live(void)
{
	return atomic_read(&keypairs_live);
}
#endif
