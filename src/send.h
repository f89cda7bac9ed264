/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transmit: the interface's xmit, encryption of staged packets, and the
 * handshake, keepalive and cookie messages we originate.
 */

#ifndef _WGTUN_SEND_H
#define _WGTUN_SEND_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct wgt_device;
struct wgt_cookie_checker;
struct wgt_peer;
struct work_struct;

netdev_tx_t wgt_xmit(struct sk_buff *skb, struct net_device *dev);

/* Set up @peer's transmit queue in the crypto engine (queueing.h). */
void wgt_send_peer_init(struct wgt_peer *peer);

/* Encrypt and send what is staged, or start a handshake if no key is usable. */
void wgt_send_staged(struct wgt_peer *peer);
void wgt_send_keepalive(struct wgt_peer *peer);

/*
 * Ask for an initiation to be sent from process context.  At most one per
 * REKEY_TIMEOUT; @is_retry keeps the attempt count (retransmits).
 */
void wgt_send_handshake_initiation(struct wgt_peer *peer, bool is_retry);
void wgt_send_handshake_work(struct work_struct *work);
/* Answer a consumed initiation; process context. */
void wgt_send_handshake_response(struct wgt_peer *peer);
/* Answer @in_skb with a cookie of @checker, through @wg's port. */
void wgt_send_cookie_reply(struct wgt_device *wg, struct wgt_cookie_checker *checker,
			   struct sk_buff *in_skb, __le32 sender_index);

#endif /* _WGTUN_SEND_H */
