/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What wgtun keeps in skb->cb while a packet is in its hands.
 */

#ifndef _WGTUN_SKBCB_H
#define _WGTUN_SKBCB_H

#include <linux/skbuff.h>

struct wgt_crypt_queue;
struct wgt_noise_keypair;

/*
 * Where a packet stands in the crypto engine (queueing.h): waiting, sealed
 * or opened, or failed by the cipher.
 */
enum wgt_crypt_state {
	WGT_CRYPT_PENDING,
	WGT_CRYPT_DONE,
	WGT_CRYPT_FAILED,
};

/**
 * struct wgt_skb_cb - per-packet state
 * @nonce: transport counter of this packet (assigned on send, read on
 *	receive).
 * @keypair: the session it is sealed or opened with; holds a reference
 *	while the packet is in the crypto engine.
 * @mtu: MTU to pad within; 0 for keepalives.
 * @plain_len: transmit: length of the plaintext before padding.
 * @ds: transmit: DS field for the outer header (ECN bits of the inner);
 *	receive: the outer header's DS field, for ECN decapsulation.
 * @state: enum wgt_crypt_state, published with release/acquire.
 * @admitted: receive, a queued handshake message: its mac2 and the rate
 *	limiter were checked already, when it was let past a full backlog.
 * @queue: the crypto-engine queue the packet is on.
 * @job_next: the next packet of the same crypto-engine job, or NULL.
 */
struct wgt_skb_cb {
	u64 nonce;
	struct wgt_noise_keypair *keypair;
	u32 mtu;
	u32 plain_len;
	u8 ds;
	u8 state;
	bool admitted;
	struct wgt_crypt_queue *queue;
	struct sk_buff *job_next;
};

static inline struct wgt_skb_cb *wgt_skb_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct wgt_skb_cb) > sizeof(skb->cb));
	return (struct wgt_skb_cb *)skb->cb;
}

#endif /* _WGTUN_SKBCB_H */
