/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface's UDP sockets: binding, sending to peers, and endpoints.
 */

#ifndef _WGTUN_SOCKET_H
#define _WGTUN_SOCKET_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct net;
struct net_device;
struct netlink_ext_ack;
struct sock;
struct wgt_device;
struct wgt_endpoint;
struct wgt_peer;

/*
 * Bind a fresh IPv4 and IPv6 UDP tunnel socket on @port (0 = any free port,
 * the same on both) in @net, bound to @bind_ifindex (0 = none), whose
 * received messages go to wgt_receive() with @owner as the socket's user
 * data.  Either may be NULL when its family is built out.  Process context.
 */
int wgt_socket_open_pair(struct net *net, u16 port, int bind_ifindex, void *owner,
			 struct sock **sk4, struct sock **sk6);
/* Close one of them (NULL: nothing), once no sender can be using it. */
void wgt_socket_close(struct sock *sk);

/**
 * wgt_socket_bind_dev - bind the sockets to @dev, or to none
 * @wg: the interface
 * @dev: a device in @wg's creating namespace, or NULL to unbind
 *
 * An open interface moves to the port of the same number on the new
 * binding (wgt_port_move()); cached routes are dropped.  On failure the
 * port and the binding are those before the call.
 *
 * Context: RTNL and @wg->update_lock held.
 * Return: 0, or why the port could not be bound with the new binding
 * (-EADDRINUSE: another socket bound to @dev has it), said in @extack.
 */
int wgt_socket_bind_dev(struct wgt_device *wg, const struct net_device *dev,
			struct netlink_ext_ack *extack);

/**
 * wgt_socket_bind_dev_gone - the bound device is being unregistered
 * @wg: the interface
 *
 * The sockets keep its index: nothing goes out or comes in (sends fail as
 * no-route) until wgt_socket_bind_dev() binds them to a device again.
 *
 * Context: RTNL and @wg->update_lock held.
 */
void wgt_socket_bind_dev_gone(struct wgt_device *wg);

/*
 * All send functions consume @skb and may be called from any context.  The
 * UDP tunnel transmit counts each packet in the interface's tx_packets and
 * tx_bytes, as many bytes as follow the skb's inner network header: its
 * builder sets that to the WireGuard message's start, so the interface counts
 * messages (handshakes and keepalives too) at their length on the wire, as
 * in-tree WireGuard does.  Received messages are counted alike (receive.c).
 * They return 0 when the packet left, -EDESTADDRREQ for a peer without an
 * endpoint, and otherwise why it could not leave (no socket, no route, a
 * route looping through the interface).
 */
int wgt_socket_send_skb_to_peer(struct wgt_peer *peer, struct sk_buff *skb, u8 ds);
int wgt_socket_send_buffer_to_peer(struct wgt_peer *peer, void *buf, size_t len, u8 ds);
int wgt_socket_send_buffer_as_reply(struct wgt_device *wg, struct sk_buff *in_skb,
				    void *buf, size_t len);

/* Set by an administrator; return true if the address or port changed. */
bool wgt_socket_set_peer_endpoint(struct wgt_peer *peer, const struct wgt_endpoint *ep);

/* The source of received @skb (remote address and port, local address): 0 or -EINVAL. */
int wgt_socket_endpoint_from_skb(struct wgt_endpoint *ep, const struct sk_buff *skb);

/**
 * enum wgt_endpoint_heard - what an authenticated packet did to its peer's endpoint
 * @WGT_HEARD_SAME: nothing: it came from the endpoint, to the same local address.
 * @WGT_HEARD_NEW_SRC: it came from the endpoint to another local address,
 *	which replies now leave from.
 * @WGT_HEARD_MOVED: it came from elsewhere and the endpoint followed
 *	(roaming, or the first endpoint learned).
 * @WGT_HEARD_REFUSED: it came from elsewhere and the endpoint is pinned,
 *	so it stayed; the source is the one the previous refusal came from.
 * @WGT_HEARD_REFUSED_NEW: as @WGT_HEARD_REFUSED, from another source.
 */
enum wgt_endpoint_heard {
	WGT_HEARD_SAME,
	WGT_HEARD_NEW_SRC,
	WGT_HEARD_MOVED,
	WGT_HEARD_REFUSED,
	WGT_HEARD_REFUSED_NEW,
};

/*
 * The one home of the roaming rule: @peer sent @skb, which authenticated;
 * move its endpoint there unless the peer is pinned.  @from receives the
 * packet's source.  Any context.
 */
enum wgt_endpoint_heard wgt_socket_peer_heard_from(struct wgt_peer *peer,
						   const struct sk_buff *skb,
						   struct wgt_endpoint *from);
/* Roaming off (@pinned) or on for @peer; caller holds its interface's update_lock. */
void wgt_socket_set_peer_pinned(struct wgt_peer *peer, bool pinned);
void wgt_socket_clear_peer_endpoint_src(struct wgt_peer *peer);

#endif /* _WGTUN_SOCKET_H */
