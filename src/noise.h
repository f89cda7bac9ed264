/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wgtun: the Noise_IKpsk2 handshake of WireGuard and the session keypairs it
 * produces.
 *
 * This layer never sees a peer or a device. It works on a struct
 * wgt_noise_local (a device's identity) and struct wgt_noise_remote (embedded
 * in a peer) and reaches the rest of the module only through struct
 * wgt_noise_ops, so it can be tested on its own.
 *
 * Lock order: wgt_noise_local.lock, then wgt_noise_remote.handshake.lock, then
 * wgt_noise_remote.keypairs.lock. The two semaphores make every handshake
 * function process-context only; keypair functions may run in any context.
 */
#ifndef _WGTUN_NOISE_H
#define _WGTUN_NOISE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "messages.h"
#include "peerlookup.h"
#include "cookie.h"
#include "replay.h"

/**
 * struct wgt_noise_ops - how the handshake layer reaches the owner of a remote
 * @remote_get: take a reference on the object containing the remote; returns
 *	false (and takes nothing) when that object is being torn down. Called
 *	under RCU, so it must not sleep.
 * @remote_put: drop a reference taken by @remote_get; may be called in any
 *	context.
 */
struct wgt_noise_ops {
	bool (*remote_get)(struct wgt_noise_remote *r);
	void (*remote_put)(struct wgt_noise_remote *r);
};

/**
 * struct wgt_noise_local - a device's static identity
 * @static_private: clamped Curve25519 private key (meaningful only if
 *	@has_identity)
 * @static_public: the matching public key
 * @has_identity: false until a non-zero private key is set
 * @lock: protects the three fields above; readers are the handshake functions
 * @ops: callbacks into the owner of the remotes
 * @pubkey_table: the device's remotes by public key (not owned)
 * @index_table: the device's local indices (not owned)
 */
struct wgt_noise_local {
	u8 static_private[NOISE_PUBLIC_KEY_LEN];
	u8 static_public[NOISE_PUBLIC_KEY_LEN];
	bool has_identity;
	struct rw_semaphore lock;
	const struct wgt_noise_ops *ops;
	struct wgt_pubkey_table *pubkey_table;
	struct wgt_index_table *index_table;
};

enum wgt_noise_handshake_state {
	WGT_HANDSHAKE_ZEROED,
	WGT_HANDSHAKE_CREATED_INITIATION,
	WGT_HANDSHAKE_CONSUMED_INITIATION,
	WGT_HANDSHAKE_CREATED_RESPONSE,
	WGT_HANDSHAKE_CONSUMED_RESPONSE,
};

/**
 * struct wgt_noise_handshake - the handshake in progress with one remote
 * @entry: the local index of this handshake (hashed from message creation until
 *	the session begins or the handshake is cleared)
 * @state: where the handshake stands
 * @ephemeral_private: our ephemeral private key
 * @remote_ephemeral: the remote's ephemeral public key
 * @hash: the Noise transcript hash h
 * @chaining_key: the Noise chaining key ck
 * @remote_index: the remote's index for this handshake, host byte order
 * @latest_timestamp: the newest TAI64N accepted from the remote; survives
 *	clearing, so an old initiation can never be replayed
 * @last_initiation_consumption: boot-time ns of the last accepted initiation
 *	(flood limit)
 * @lock: protects every field here and the static-static/preshared keys of the
 *	remote
 */
struct wgt_noise_handshake {
	struct wgt_index_entry entry;
	enum wgt_noise_handshake_state state;
	u8 ephemeral_private[NOISE_PUBLIC_KEY_LEN];
	u8 remote_ephemeral[NOISE_PUBLIC_KEY_LEN];
	u8 hash[NOISE_HASH_LEN];
	u8 chaining_key[NOISE_HASH_LEN];
	u32 remote_index;
	u8 latest_timestamp[NOISE_TIMESTAMP_LEN];
	u64 last_initiation_consumption;
	struct rw_semaphore lock;
};

/**
 * struct wgt_noise_keypair - the transport keys of one session
 * @entry: our index for this session (the "receiver" of the remote's data
 *	messages); hashed while the keypair sits in one of the remote's slots
 * @sending_key: key for what we send
 * @receiving_key: key for what we receive
 * @sending_counter: the next nonce to use; see wgt_noise_keypair_nonce_next()
 * @replay: the receive window; serialized by @replay_lock, see
 *	wgt_noise_keypair_replay_check()
 * @replay_lock: serializes @replay
 * @birthdate: jiffies_64 at creation
 * @i_am_initiator: whether we initiated the handshake of this session
 * @remote_index: the remote's index for this session, host byte order; data
 *	messages we send carry cpu_to_le32(@remote_index)
 * @refcount: one reference per slot holding it plus one per user; freed after
 *	an RCU grace period, keys wiped
 * @rcu: for the deferred free
 * @remote: back pointer, no reference; valid while the remote has not been
 *	uninit
 */
struct wgt_noise_keypair {
	struct wgt_index_entry entry;
	u8 sending_key[NOISE_SYMMETRIC_KEY_LEN];
	u8 receiving_key[NOISE_SYMMETRIC_KEY_LEN];
	atomic64_t sending_counter;
	struct wgt_replay replay;
	spinlock_t replay_lock; /* serializes @replay */
	u64 birthdate;
	bool i_am_initiator;
	u32 remote_index;
	struct kref refcount;
	struct rcu_head rcu;
	struct wgt_noise_remote *remote;
};

/**
 * struct wgt_noise_keypairs - the session slots of a remote
 * @current_keypair: the session we send under
 * @previous_keypair: the session before, kept to receive stragglers
 * @next_keypair: responder side only: a session that becomes current when the
 *	first message arrives under it (that message confirms the initiator has
 *	the keys)
 * @lock: serializes writers of the three pointers; readers use RCU
 */
struct wgt_noise_keypairs {
	struct wgt_noise_keypair __rcu *current_keypair;
	struct wgt_noise_keypair __rcu *previous_keypair;
	struct wgt_noise_keypair __rcu *next_keypair;
	spinlock_t lock; /* writers of the three slots */
};

/**
 * struct wgt_noise_remote - all the handshake layer keeps about one remote
 * @local: the device identity this remote belongs to
 * @remote_static: the remote's static public key (constant; the pubkey table
 *	key)
 * @pubkey_node: linkage in the local's pubkey table
 * @span_node: linkage in a spanning pubkey table (peerlookup.h), if any
 * @precomputed_static_static: DH(our static private, @remote_static); protected
 *	by handshake.lock
 * @static_static_valid: false when there is no local identity or the DH result
 *	is zero
 * @preshared_key: all zero when none; protected by handshake.lock
 * @dead: set by wgt_noise_remote_uninit() under handshake.lock; no handshake
 *	starts or completes afterwards, even if a lookup still finds the remote
 * @handshake: the handshake in progress
 * @keypairs: the sessions
 * @cookie: cookie and mac state towards this remote
 */
struct wgt_noise_remote {
	struct wgt_noise_local *local;
	u8 remote_static[NOISE_PUBLIC_KEY_LEN];
	struct rhash_head pubkey_node;
	struct rhash_head span_node;
	u8 precomputed_static_static[NOISE_PUBLIC_KEY_LEN];
	bool static_static_valid;
	u8 preshared_key[NOISE_SYMMETRIC_KEY_LEN];
	bool dead;
	struct wgt_noise_handshake handshake;
	struct wgt_noise_keypairs keypairs;
	struct wgt_cookie cookie;
};

int wgt_noise_init(void);
void wgt_noise_uninit(void);

/*
 * The protocol clock, for every protocol time of the module (messages.h): debug
 * builds can run it faster (time_divisor).
 */
unsigned long wgt_protocol_jiffies(unsigned int seconds);
bool wgt_protocol_expired(u64 birth, unsigned int seconds);

void wgt_noise_local_init(struct wgt_noise_local *local, const struct wgt_noise_ops *ops,
			  struct wgt_pubkey_table *pubkey_table,
			  struct wgt_index_table *index_table);
void wgt_noise_local_set_private_key(struct wgt_noise_local *local,
				     const u8 key[NOISE_PUBLIC_KEY_LEN]);
void wgt_noise_local_clear(struct wgt_noise_local *local);
void wgt_noise_local_copy(struct wgt_noise_local *dst, struct wgt_noise_local *src);
bool wgt_noise_local_public(struct wgt_noise_local *local, u8 pub[NOISE_PUBLIC_KEY_LEN]);
bool wgt_noise_local_is_own_key(struct wgt_noise_local *local,
				const u8 pubkey[NOISE_PUBLIC_KEY_LEN]);

int wgt_noise_remote_init(struct wgt_noise_remote *r, struct wgt_noise_local *local,
			  const u8 pubkey[NOISE_PUBLIC_KEY_LEN], const u8 *psk);
void wgt_noise_remote_set_psk(struct wgt_noise_remote *r, const u8 *psk);
void wgt_noise_remote_precompute(struct wgt_noise_remote *r);
void wgt_noise_handshake_clear(struct wgt_noise_remote *r);
void wgt_noise_keypairs_clear(struct wgt_noise_remote *r);
void wgt_noise_remote_uninit(struct wgt_noise_remote *r);

bool wgt_noise_create_initiation(struct wgt_noise_remote *r, struct wgt_msg_initiation *dst);
struct wgt_noise_remote *wgt_noise_consume_initiation(struct wgt_noise_local *local,
						      const struct wgt_msg_initiation *src,
						      u8 *stranger);
bool wgt_noise_create_response(struct wgt_noise_remote *r, struct wgt_msg_response *dst);
struct wgt_noise_remote *wgt_noise_consume_response(struct wgt_noise_local *local,
						    const struct wgt_msg_response *src);
bool wgt_noise_begin_session(struct wgt_noise_remote *r);

struct wgt_noise_keypair *wgt_noise_keypair_get(struct wgt_noise_keypair *kp);
void wgt_noise_keypair_put(struct wgt_noise_keypair *kp);
struct wgt_noise_keypair *wgt_noise_keypair_current_get(struct wgt_noise_remote *r);
bool wgt_noise_received_with_keypair(struct wgt_noise_remote *r, struct wgt_noise_keypair *kp);
bool wgt_noise_keypair_expired(const struct wgt_noise_keypair *kp);
bool wgt_noise_keypair_wants_rekey(const struct wgt_noise_keypair *kp);
bool wgt_noise_keypair_wants_rekey_on_receive(const struct wgt_noise_keypair *kp);
bool wgt_noise_keypair_nonce_next(struct wgt_noise_keypair *kp, u64 *nonce);
bool wgt_noise_keypair_replay_check(struct wgt_noise_keypair *kp, u64 counter);

#ifdef WGTUN_DEBUG
/* For the selftests. */
void wgt_noise_initial_state(u8 chaining_key[NOISE_HASH_LEN], u8 hash[NOISE_HASH_LEN]);
void wgt_noise_kdf(u8 *out1, u8 *out2, u8 *out3, const u8 *data, size_t data_len,
		   const u8 chaining_key[NOISE_HASH_LEN]);
int wgt_noise_keypairs_live(void);
#endif

#endif /* _WGTUN_NOISE_H */
