/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wgtun: WireGuard wire formats and protocol constants.
 *
 * Everything here is fixed by the WireGuard protocol; changing any value breaks
 * interoperability with other implementations. All multi-byte fields on the
 * wire are little-endian, except the TAI64N timestamp, which is an opaque
 * big-endian blob.
 */
#ifndef _WGTUN_MESSAGES_H
#define _WGTUN_MESSAGES_H

#include <linux/build_bug.h>
#include <linux/jiffies.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>

/* Lengths of the cryptographic objects carried in or derived by the protocol. */
enum wgt_noise_lengths {
	NOISE_PUBLIC_KEY_LEN = CURVE25519_KEY_SIZE,
	NOISE_SYMMETRIC_KEY_LEN = CHACHA20POLY1305_KEY_SIZE,
	NOISE_TIMESTAMP_LEN = sizeof(u64) + sizeof(u32),
	NOISE_AUTHTAG_LEN = CHACHA20POLY1305_AUTHTAG_SIZE,
	NOISE_HASH_LEN = BLAKE2S_HASH_SIZE,
};

/* Length of an AEAD ciphertext carrying @plain_len bytes of plaintext. */
#define noise_encrypted_len(plain_len) ((plain_len) + NOISE_AUTHTAG_LEN)

enum wgt_cookie_values {
	/* Seconds a cookie secret lives before it is regenerated. */
	COOKIE_SECRET_MAX_AGE = 2 * 60,
	/* Seconds of slack: a received cookie is dropped this much before the secret ages. */
	COOKIE_SECRET_LATENCY = 5,
	COOKIE_NONCE_LEN = XCHACHA20POLY1305_NONCE_SIZE,
	COOKIE_LEN = 16,
};

/*
 * Message counter limits, apart from the other limits: gcc 16 gives every
 * constant of an enum that needs 64 bits the enum's 64-bit type, which would
 * make the small ones below print and promote as unsigned long.
 */
enum wgt_counter_limits {
	REKEY_AFTER_MESSAGES = 1ULL << 60,
	/* 2^64 - 2^13 - 1: the top of the counter space stays unused so no window can wrap. */
	REJECT_AFTER_MESSAGES = U64_MAX - (1ULL << 13),
};

/* Protocol limits; times are in seconds unless the name says otherwise. */
enum wgt_limits {
	REKEY_TIMEOUT = 5,
	REKEY_TIMEOUT_JITTER_MAX_JIFFIES = HZ / 3,
	REKEY_AFTER_TIME = 120,
	REJECT_AFTER_TIME = 180,
	REKEY_ATTEMPT_TIME = 90,
	/* Handshake retries before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
	MAX_TIMER_HANDSHAKES = 90 / 5,
	KEEPALIVE_TIMEOUT = 10,
	/* After three REJECT_AFTER_TIMEs without a new session, all key material is zeroed. */
	ZERO_KEYS_AFTER_TIME = REJECT_AFTER_TIME * 3,
	/* A peer may get its initiation consumed at most this often per second. */
	INITIATIONS_PER_SECOND = 50,
	MAX_PEERS_PER_DEVICE = 1U << 20,
	/* Incoming handshake messages one device may have queued. */
	MAX_QUEUED_INCOMING_HANDSHAKES = 4096,
	/*
	 * Incoming handshake messages queued for all devices together (about
	 * 1-2.5 KiB of memory each, as received); each device's share of it
	 * shrinks as the others fill it (receive.c).
	 */
	MAX_QUEUED_HANDSHAKES_ALL = 4 * MAX_QUEUED_INCOMING_HANDSHAKES,
	/*
	 * Room beyond both bounds for handshake messages whose mac2 proves
	 * their sender's address and that the rate limiter admits, so that a
	 * flood from other addresses cannot keep real peers out (receive.c).
	 */
	MAX_QUEUED_PROVEN_HANDSHAKES = MAX_QUEUED_INCOMING_HANDSHAKES / 16,
	/* Queued handshakes above which a device considers itself under load. */
	UNDER_LOAD_QUEUE_THRESHOLD = MAX_QUEUED_INCOMING_HANDSHAKES / 8,
	/* Queued handshakes of all devices above which every device is under load. */
	UNDER_LOAD_ALL_THRESHOLD = MAX_QUEUED_HANDSHAKES_ALL / 8,
	/* Seconds a device stays under load after the queues drain below the thresholds. */
	UNDER_LOAD_AFTER_TIME = 1,
	MAX_STAGED_PACKETS = 128,
	MAX_QUEUED_PACKETS = 1024,
};

enum wgt_message_type {
	MESSAGE_INVALID = 0,
	MESSAGE_HANDSHAKE_INITIATION = 1,
	MESSAGE_HANDSHAKE_RESPONSE = 2,
	MESSAGE_HANDSHAKE_COOKIE = 3,
	MESSAGE_DATA = 4,
};

/**
 * struct wgt_msg_header - common first word of every message
 * @type: message type in the low byte; the three upper bytes are reserved and
 *	zero, so comparing the whole little-endian word also checks them.
 */
struct wgt_msg_header {
	__le32 type;
} __packed;

/**
 * struct wgt_msg_macs - trailer of the initiation and response messages
 * @mac1: keyed BLAKE2s-128 of every preceding byte, keyed by HASH("mac1----" ||
 *	the receiver's static public key); proves the sender knows whom it talks
 *	to.
 * @mac2: keyed BLAKE2s-128 of every preceding byte including @mac1, keyed by a
 *	cookie from the receiver; all zero when the sender holds no fresh
 *	cookie.
 */
struct wgt_msg_macs {
	u8 mac1[COOKIE_LEN];
	u8 mac2[COOKIE_LEN];
} __packed;

/**
 * struct wgt_msg_initiation - handshake message 1, initiator to responder
 * @header: MESSAGE_HANDSHAKE_INITIATION
 * @sender_index: the initiator's index for this handshake (covered by mac1
 *	only)
 * @unencrypted_ephemeral: the initiator's ephemeral public key
 * @encrypted_static: the initiator's static public key, sealed
 * @encrypted_timestamp: TAI64N of creation, sealed
 * @macs: mac1 and mac2
 */
struct wgt_msg_initiation {
	struct wgt_msg_header header;
	__le32 sender_index;
	u8 unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_static[noise_encrypted_len(NOISE_PUBLIC_KEY_LEN)];
	u8 encrypted_timestamp[noise_encrypted_len(NOISE_TIMESTAMP_LEN)];
	struct wgt_msg_macs macs;
} __packed;

/**
 * struct wgt_msg_response - handshake message 2, responder to initiator
 * @header: MESSAGE_HANDSHAKE_RESPONSE
 * @sender_index: the responder's index for the new session
 * @receiver_index: the initiator's @sender_index from the initiation
 * @unencrypted_ephemeral: the responder's ephemeral public key
 * @encrypted_nothing: an empty plaintext, sealed: authenticates the whole
 *	transcript
 * @macs: mac1 and mac2
 */
struct wgt_msg_response {
	struct wgt_msg_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_nothing[noise_encrypted_len(0)];
	struct wgt_msg_macs macs;
} __packed;

/**
 * struct wgt_msg_cookie - cookie reply, sent under load instead of a response
 * @header: MESSAGE_HANDSHAKE_COOKIE
 * @receiver_index: the sender index of the handshake message being answered
 * @nonce: random XChaCha20-Poly1305 nonce
 * @encrypted_cookie: the cookie, sealed with the mac1 of the answered message
 *	as AD
 */
struct wgt_msg_cookie {
	struct wgt_msg_header header;
	__le32 receiver_index;
	u8 nonce[COOKIE_NONCE_LEN];
	u8 encrypted_cookie[noise_encrypted_len(COOKIE_LEN)];
} __packed;

/**
 * struct wgt_msg_data - transport data message: header, then sealed payload
 * @header: MESSAGE_DATA
 * @receiver: the receiving side's keypair index
 * @counter: the nonce, also the replay counter
 * @encrypted_data: the padded plaintext sealed, followed by the tag; an empty
 *	plaintext (just the tag) is a keepalive
 */
struct wgt_msg_data {
	struct wgt_msg_header header;
	__le32 receiver;
	__le64 counter;
	u8 encrypted_data[];
} __packed;

enum wgt_message_sizes {
	/* Plaintext of data messages is padded to a multiple of this (within the MTU). */
	MESSAGE_PADDING_MULTIPLE = 16,
	MESSAGE_INITIATION_LEN = 148,
	MESSAGE_RESPONSE_LEN = 92,
	MESSAGE_COOKIE_LEN = 64,
	MESSAGE_DATA_HEADER_LEN = 16,
	/* A keepalive: the header and the tag of an empty plaintext. */
	MESSAGE_DATA_MIN_LEN = 32,
};

/* Bytes the data message adds around an inner packet of @plain_len (before padding). */
#define message_data_len(plain_len) (noise_encrypted_len(plain_len) + sizeof(struct wgt_msg_data))

static_assert(sizeof(struct wgt_msg_header) == 4);
static_assert(sizeof(struct wgt_msg_macs) == 32);
static_assert(sizeof(struct wgt_msg_initiation) == MESSAGE_INITIATION_LEN);
static_assert(sizeof(struct wgt_msg_response) == MESSAGE_RESPONSE_LEN);
static_assert(sizeof(struct wgt_msg_cookie) == MESSAGE_COOKIE_LEN);
static_assert(sizeof(struct wgt_msg_data) == MESSAGE_DATA_HEADER_LEN);
static_assert(message_data_len(0) == MESSAGE_DATA_MIN_LEN);
static_assert(offsetof(struct wgt_msg_initiation, macs) == 116);
static_assert(offsetof(struct wgt_msg_response, macs) == 60);

#endif /* _WGTUN_MESSAGES_H */
