/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A UDP port and the interfaces that listen on it.
 *
 * An open interface listens on a port: a pair of UDP sockets (IPv4, IPv6)
 * in the namespace it was created in, bound to its listen port and its bind
 * device.  Interfaces created in one namespace with the same private key
 * may ask for the same port and bind device: they then share the port, one
 * socket pair for all of them, as a router has one identity and one port
 * and still one point-to-point interface per neighbour.
 *
 * What arrives on the port finds its interface by the receiver index of
 * the message (wgt_indices, module-wide), checked against the port, or, for
 * an initiation, by the initiator's static key in the port's spanning
 * table of every member's peers.  Whatever comes before an interface is
 * known belongs to the port: the mac1 check and the cookie secret (the
 * members share the public key they are keyed with), the under-load state
 * and the queue of handshake messages waiting for the workers (receive.c).
 *
 * A port exists while an interface is open on it.  Joining, leaving and
 * moving between ports run under RTNL and the interface's update_lock; the
 * packet paths read an interface's port, and a port's sockets and members,
 * under RCU.
 */

#ifndef _WGTUN_PORT_H
#define _WGTUN_PORT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "cookie.h"
#include "noise.h"
#include "peerlookup.h"

struct netlink_ext_ack;
struct wgt_device;
struct wgt_peer;

/**
 * struct wgt_port - a UDP port and the open interfaces sharing it
 * @hash_node: entry in the module's ports, hashed by @num; RTNL.
 * @refcount: one per member, one while queued for the handshake workers,
 *	one per worker serving it.  The memory goes an RCU grace period after
 *	the last one.
 * @rcu: for that.
 * @id: names the port in dumps, unique among the module's ports.
 * @net: the members' creating namespace, where the sockets are.
 * @num: the port bound, host order.
 * @bind_ifindex: the device the sockets are bound to, 0 = none.
 * @sock4: IPv4 socket, NULL once the last member left; RCU readers.
 * @sock6: IPv6 socket, as @sock4.
 * @members: the open interfaces on the port (wgt_device.port_node); RCU
 *	readers, changed under RTNL.
 * @num_members: length of @members; written under RTNL, read by dumps
 *	with READ_ONCE().
 * @local: the members' identity (their private key), for initiations; its
 *	pubkey table is @pubkeys and its index table wgt_indices.
 * @pubkeys: every member's peers, by public key.
 * @cookie_checker: mac1 and mac2 of incoming handshakes, cookie replies.
 * @handshakes: incoming handshake messages waiting for a worker, in
 *	arrival order; its lock also guards @handshake_node's membership.
 * @handshake_node: entry in the module-wide line of ports whose handshakes
 *	the workers serve in turn (receive.c): on it exactly while
 *	@handshakes is not empty.
 * @last_under_load: jiffies when the queues last looked like a flood.
 */
struct wgt_port {
	struct hlist_node hash_node;
	struct kref refcount;
	struct rcu_head rcu;
	u32 id;
	struct net *net;
	u16 num;
	int bind_ifindex;
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;
	struct list_head members;
	unsigned int num_members;
	struct wgt_noise_local local;
	struct wgt_pubkey_table pubkeys;
	struct wgt_cookie_checker cookie_checker;
	struct sk_buff_head handshakes;
	struct list_head handshake_node;
	unsigned long last_under_load;
};

/**
 * wgt_port_join - open @wg's port: the one it is configured for
 * @wg: a closed interface
 *
 * Shares the port with the interfaces open on it (same namespace, port and
 * bind device) if there are any, else binds new sockets (listen port 0:
 * any free one, recorded in @wg->listen_port).
 *
 * Context: RTNL and @wg->update_lock held.
 * Return: 0; -EADDRINUSE if the port is taken by another program or by an
 * interface with another private key; -EEXIST if a peer of @wg is a peer
 * of an interface on the port; or why the sockets could not be made.
 */
int wgt_port_join(struct wgt_device *wg);

/**
 * wgt_port_leave - close @wg's port
 * @wg: an open interface
 *
 * The last member to leave closes the sockets and drops the handshakes
 * queued on the port.  Other members are not disturbed.
 *
 * Context: RTNL and @wg->update_lock held; waits for readers.
 */
void wgt_port_leave(struct wgt_device *wg);

/**
 * wgt_port_move - take an open interface to another port or bind device
 * @wg: an open interface
 * @num: the port (0: any free one)
 * @bind_ifindex: the device to bind to, 0 = none
 * @extack: where to say why not
 *
 * On failure @wg stays on its port, unchanged.  Sessions are kept.
 *
 * Context: RTNL and @wg->update_lock held.
 * Return: as wgt_port_join(); -EBUSY if the new sockets would overlap the
 * old ones (the same port, either unbound) while others share them.
 */
int wgt_port_move(struct wgt_device *wg, u16 num, int bind_ifindex,
		  struct netlink_ext_ack *extack);

/*
 * The rules of shared ports, checked before a change is applied (RTNL
 * held), so that a refused change changes nothing.
 *
 * wgt_port_target() is the open port @wg would be on with listen port @num
 * and bind device @bind_ifindex: its own if those are its port's, else
 * the one open there (NULL if none).  wgt_port_check_identity() refuses a
 * @target whose members have another public key than @pub (NULL: none),
 * with -EADDRINUSE, and a new private key (@key_changes) for an interface
 * that would stay on a port it shares, with -EBUSY.
 * wgt_port_check_peer() refuses a peer @key that another interface on
 * @target has, with -EEXIST.  Each says why in @extack.
 */
struct wgt_port *wgt_port_target(struct wgt_device *wg, u16 num, int bind_ifindex);
int wgt_port_check_identity(struct wgt_device *wg, struct wgt_port *target, const u8 *pub,
			    bool key_changes, struct netlink_ext_ack *extack);
int wgt_port_check_peer(struct wgt_device *wg, struct wgt_port *target,
			const u8 key[NOISE_PUBLIC_KEY_LEN], struct netlink_ext_ack *extack);

/*
 * @wg's private key changed (wgt_noise_local_set_private_key()); if it is
 * alone on an open port, the port takes the new key.  RTNL and
 * @wg->update_lock held.
 */
void wgt_port_rekeyed(struct wgt_device *wg);

/*
 * A peer of @wg appears on or disappears from @wg's port (if open).  Add
 * fails with -EEXIST if a member of the port has a peer with that key.
 * @wg->update_lock held.
 */
int wgt_port_peer_add(struct wgt_peer *peer);
void wgt_port_peer_remove(struct wgt_peer *peer);

/* The first member of @port, for what belongs to no peer; RCU held; may be NULL. */
struct wgt_device *wgt_port_first(struct wgt_port *port);

void wgt_port_put(struct wgt_port *port);
static inline void wgt_port_get(struct wgt_port *port)
{
	kref_get(&port->refcount);
}

#endif /* _WGTUN_PORT_H */
