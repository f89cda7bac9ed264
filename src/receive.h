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
struct wgt_peer;
struct wgt_port;

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

/*
 * A peer's receive side: its queue in the crypto engine and the NAPI
 * context that delivers what the engine opens. _stop (when the peer is
 * removed, after it is unreachable) ends delivery for good; packets still
 * in the engine are freed as they finish. Both under RTNL.
 */
void wgt_receive_peer_init(struct wgt_peer *peer);
void wgt_receive_peer_stop(struct wgt_peer *peer);

/*
 * Drop every handshake message queued for @port, once its sockets are
 * closed (nothing queues more, or nearly: a softirq that was delivering
 * when they closed may still queue, and the workers then find no member):
 * a closed port answers no handshake, and closing it need not wait for a
 * flood's backlog to be worked off.
 */
void wgt_receive_purge_handshakes(struct wgt_port *port);

#endif /* _WGTUN_RECEIVE_H */
