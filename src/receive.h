/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive: the UDP encapsulation hook, transport data, and the module-wide
 * handshake workers.
 */

#ifndef _WGTUN_RECEIVE_H
#define _WGTUN_RECEIVE_H

#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct sock;
struct wgt_device;

/*
 * Handshake work of every interface runs here: sending initiations and
 * consuming incoming handshake messages.  One module-wide workqueue, no
 * per-interface threads.
 */
extern struct workqueue_struct *wgt_handshake_wq;

int wgt_receive_init(void);
void wgt_receive_uninit(void);

/* The sockets' encap_rcv: consumes @skb, always returns 0. */
int wgt_receive(struct sock *sk, struct sk_buff *skb);

/* The crypto engine's half of the receive path (queueing.c). */
struct wgt_noise_keypair;
struct wgt_peer;
bool wgt_receive_open(struct sk_buff *skb);
/* Deliver (or drop) one data message the engine finished, in order. */
void wgt_receive_opened(struct wgt_peer *peer, struct sk_buff *skb,
			struct wgt_noise_keypair *kp, bool ok);

#endif /* _WGTUN_RECEIVE_H */
