/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What wgtun keeps in skb->cb while a packet is in its hands.
 */

#ifndef _WGTUN_SKBCB_H
#define _WGTUN_SKBCB_H

#include <linux/skbuff.h>

/**
 * struct wgt_skb_cb - per-packet state
 * @nonce: transport counter assigned to this packet.
 * @mtu: MTU to pad within; 0 for keepalives.
 * @ds: DS field of the inner packet, copied to the outer header (ECN only).
 */
struct wgt_skb_cb {
	u64 nonce;
	u32 mtu;
	u8 ds;
};

static inline struct wgt_skb_cb *wgt_skb_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct wgt_skb_cb) > sizeof(skb->cb));
	return (struct wgt_skb_cb *)skb->cb;
}

#endif /* _WGTUN_SKBCB_H */
