// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: the UDP sockets of open interfaces, shared by the interfaces that
 * may share them; see port.h for the rules.
 */

#include <crypto/algapi.h>
#include <linux/hashtable.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/inet_sock.h>

#include "compat.h"
#include "device.h"
#include "peer.h"
#include "port.h"
#include "receive.h"
#include "socket.h"

/* The ports of every namespace, by number; RTNL. */
static DEFINE_HASHTABLE(ports, 8);
/* The last port id given; RTNL. */
static u32 port_ids;

static struct wgt_port *port_find(struct net *net, u16 num, int bind_ifindex)
{
	struct wgt_port *port;

	ASSERT_RTNL();
	hash_for_each_possible(ports, port, hash_node, num) {
		if (port->num == num && port->bind_ifindex == bind_ifindex &&
		    net_eq(port->net, net))
			return port;
	}
	return NULL;
}

struct wgt_device *wgt_port_first(struct wgt_port *port)
{
	return list_first_or_null_rcu(&port->members, struct wgt_device, port_node);
}

/* The last reference is gone: nothing reads the port but RCU readers. */
static void port_free(struct kref *ref)
{
	struct wgt_port *port = container_of(ref, struct wgt_port, refcount);

	wgt_cookie_checker_uninit(&port->cookie_checker);
	wgt_noise_local_clear(&port->local);
	wgt_pubkey_table_uninit(&port->pubkeys);
	kfree_rcu(port, rcu);
}

void wgt_port_put(struct wgt_port *port)
{
	kref_put(&port->refcount, port_free);
}

/* Bind @port's sockets to @num (0: any free port) and make it findable. */
static int port_bind(struct wgt_port *port, u16 num)
{
	struct sock *sk4, *sk6;
	int ret;

	ret = wgt_socket_open_pair(port->net, num, port->bind_ifindex, port, &sk4, &sk6);
	if (ret)
		return ret;
	port->num = ntohs(inet_sk(sk4 ?: sk6)->inet_sport);
	rcu_assign_pointer(port->sock4, sk4);
	rcu_assign_pointer(port->sock6, sk6);
	hash_add(ports, &port->hash_node, port->num);
	return 0;
}

/* Close @port's sockets, once no sender can be using them; RTNL. */
static void port_unbind(struct wgt_port *port)
{
	struct sock *sk4 = rtnl_dereference(port->sock4);
	struct sock *sk6 = rtnl_dereference(port->sock6);

	if (!hlist_unhashed(&port->hash_node))
		hash_del(&port->hash_node);
	RCU_INIT_POINTER(port->sock4, NULL);
	RCU_INIT_POINTER(port->sock6, NULL);
	/* Also lets a member that just left join another port's list. */
	synchronize_net();
	wgt_socket_close(sk4);
	wgt_socket_close(sk6);
}

/* No member is left: close the sockets and drop what waits for the workers. */
static void port_close(struct wgt_port *port)
{
	port_unbind(port);
	wgt_receive_purge_handshakes(port);
}

/* A port with @wg's identity on @num (0: any) and @bind_ifindex, no member yet. */
static struct wgt_port *port_create(struct wgt_device *wg, u16 num, int bind_ifindex)
{
	struct wgt_port *port;
	int ret;

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return ERR_PTR(-ENOMEM);
	ret = wgt_pubkey_table_init_span(&port->pubkeys);
	if (ret) {
		kfree(port);
		return ERR_PTR(ret);
	}
	kref_init(&port->refcount);
	port->net = wg->creating_net;
	port->bind_ifindex = bind_ifindex;
	INIT_HLIST_NODE(&port->hash_node);
	INIT_LIST_HEAD(&port->members);
	skb_queue_head_init(&port->handshakes);
	INIT_LIST_HEAD(&port->handshake_node);
	wgt_noise_local_init(&port->local, &wgt_peer_noise_ops, &port->pubkeys, &wgt_indices);
	wgt_noise_local_copy(&port->local, &wg->local);
	wgt_cookie_checker_init(&port->cookie_checker, &port->local);
	wgt_cookie_checker_precompute(&port->cookie_checker);

	ret = port_bind(port, num);
	if (ret) {
		wgt_port_put(port);
		return ERR_PTR(ret);
	}
	port->id = ++port_ids;
	return port;
}

/* Whether @port's members have the public key @pub (NULL: no identity). */
static bool port_key_is(struct wgt_port *port, const u8 *pub)
{
	u8 theirs[NOISE_PUBLIC_KEY_LEN];

	return pub && wgt_noise_local_public(&port->local, theirs) &&
	       !crypto_memneq(theirs, pub, NOISE_PUBLIC_KEY_LEN);
}

/* Make @wg's peers findable on @port; on a clash none is, and *@clash is the peer. */
static int port_add_peers(struct wgt_port *port, struct wgt_device *wg, struct wgt_peer **clash)
{
	struct wgt_peer *peer, *undo;
	int ret;

	list_for_each_entry(peer, &wg->peers, list) {
		ret = wgt_pubkey_table_insert(&port->pubkeys, &peer->noise);
		if (ret) {
			*clash = peer;
			goto undo;
		}
	}
	return 0;

undo:
	list_for_each_entry(undo, &wg->peers, list) {
		if (undo == peer)
			break;
		wgt_pubkey_table_remove(&port->pubkeys, &undo->noise);
	}
	return ret;
}

static void port_remove_peers(struct wgt_port *port, struct wgt_device *wg)
{
	struct wgt_peer *peer;

	list_for_each_entry(peer, &wg->peers, list)
		wgt_pubkey_table_remove(&port->pubkeys, &peer->noise);
}

/*
 * The port @wg would have on @num and @bind_ifindex, with a reference and
 * @wg's peers in its table, but @wg not yet a member: the open port there
 * if its members have @wg's key, else a new one.
 */
static struct wgt_port *port_enter(struct wgt_device *wg, u16 num, int bind_ifindex,
				   struct netlink_ext_ack *extack)
{
	struct wgt_port *port = num ? port_find(wg->creating_net, num, bind_ifindex) : NULL;
	u8 pub[NOISE_PUBLIC_KEY_LEN];
	struct wgt_peer *clash;
	bool created = false;
	int ret;

	if (port) {
		if (!port_key_is(port, wgt_noise_local_public(&wg->local, pub) ? pub : NULL)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the port is held by interfaces with another private key");
			return ERR_PTR(-EADDRINUSE);
		}
		wgt_port_get(port);
	} else {
		port = port_create(wg, num, bind_ifindex);
		if (IS_ERR(port))
			return port;
		created = true;
	}
	ret = port_add_peers(port, wg, &clash);
	if (ret) {
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack,
					   "a peer is also a peer of another interface that shares the port");
		if (created)
			port_close(port);
		wgt_port_put(port);
		return ERR_PTR(ret);
	}
	return port;
}

/* @wg becomes a member of @port, whose reference it takes over. */
static void port_attach(struct wgt_port *port, struct wgt_device *wg)
{
	list_add_tail_rcu(&wg->port_node, &port->members);
	WRITE_ONCE(port->num_members, port->num_members + 1);
	wg->listen_port = port->num;
	rcu_assign_pointer(wg->port, port);
}

/*
 * @wg, whose peers are off its port's table already, is no member of the
 * port any more.  Readers walking the members are waited for, so that @wg
 * may join a list again.
 */
static void port_unlink(struct wgt_device *wg)
{
	struct wgt_port *port = rtnl_dereference(wg->port);

	list_del_rcu(&wg->port_node);
	WRITE_ONCE(port->num_members, port->num_members - 1);
	RCU_INIT_POINTER(wg->port, NULL);
	if (port->num_members)
		synchronize_net();
	else
		port_close(port);
	wgt_port_put(port);
}

int wgt_port_join(struct wgt_device *wg)
{
	struct wgt_port *port;

	ASSERT_RTNL();
	lockdep_assert_held(&wg->update_lock);
	port = port_enter(wg, wg->listen_port, wg->bind_ifindex, NULL);
	if (IS_ERR(port))
		return PTR_ERR(port);
	port_attach(port, wg);
	return 0;
}

void wgt_port_leave(struct wgt_device *wg)
{
	struct wgt_port *port = rtnl_dereference(wg->port);

	ASSERT_RTNL();
	lockdep_assert_held(&wg->update_lock);
	if (!port)
		return;
	port_remove_peers(port, wg);
	port_unlink(wg);
}

int wgt_port_move(struct wgt_device *wg, u16 num, int bind_ifindex,
		  struct netlink_ext_ack *extack)
{
	struct wgt_port *old = rtnl_dereference(wg->port), *port;
	struct wgt_peer *clash;

	ASSERT_RTNL();
	lockdep_assert_held(&wg->update_lock);
	if (num && num == old->num && bind_ifindex == old->bind_ifindex)
		return 0;
	/* A peer's node can be in one port's table only: off the old one first. */
	port_remove_peers(old, wg);
	port = port_enter(wg, num, bind_ifindex, extack);
	/*
	 * The kernel refuses sockets on the port of the old ones when either
	 * is bound to no device: the old ones must go first, which only an
	 * interface alone on them may do.
	 */
	if (PTR_ERR_OR_ZERO(port) == -EADDRINUSE && num == old->num &&
	    (!bind_ifindex || !old->bind_ifindex)) {
		if (old->num_members > 1) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the interface shares its port: it cannot rebind it alone");
			port = ERR_PTR(-EBUSY);
		} else {
			port_unbind(old);
			port = port_enter(wg, num, bind_ifindex, extack);
			if (IS_ERR(port) && port_bind(old, old->num))
				netdev_warn(wg->dev, "lost UDP port %u while rebinding\n",
					    old->num);
		}
	}
	if (IS_ERR(port)) {
		/* Back where they were; SETs hold RTNL, so nobody took their keys. */
		WARN_ON(port_add_peers(old, wg, &clash));
		return PTR_ERR(port);
	}
	port_unlink(wg);
	port_attach(port, wg);
	return 0;
}

void wgt_port_rekeyed(struct wgt_device *wg)
{
	struct wgt_port *port = rtnl_dereference(wg->port);

	ASSERT_RTNL();
	lockdep_assert_held(&wg->update_lock);
	if (!port || port->num_members != 1)
		return;
	wgt_noise_local_copy(&port->local, &wg->local);
	wgt_cookie_checker_precompute(&port->cookie_checker);
}

int wgt_port_peer_add(struct wgt_peer *peer)
{
	struct wgt_port *port = rcu_dereference_protected(peer->wg->port,
							  lockdep_is_held(&peer->wg->update_lock));

	return port ? wgt_pubkey_table_insert(&port->pubkeys, &peer->noise) : 0;
}

void wgt_port_peer_remove(struct wgt_peer *peer)
{
	struct wgt_port *port = rcu_dereference_protected(peer->wg->port,
							  lockdep_is_held(&peer->wg->update_lock));

	if (port)
		wgt_pubkey_table_remove(&port->pubkeys, &peer->noise);
}

struct wgt_port *wgt_port_target(struct wgt_device *wg, u16 num, int bind_ifindex)
{
	struct wgt_port *cur = rtnl_dereference(wg->port);

	ASSERT_RTNL();
	if (cur && num == cur->num && bind_ifindex == cur->bind_ifindex)
		return cur;
	return num ? port_find(wg->creating_net, num, bind_ifindex) : NULL;
}

int wgt_port_check_identity(struct wgt_device *wg, struct wgt_port *target, const u8 *pub,
			    bool key_changes, struct netlink_ext_ack *extack)
{
	ASSERT_RTNL();
	if (!target)
		return 0;
	if (target == rtnl_dereference(wg->port)) {
		if (!key_changes || target->num_members == 1)
			return 0;
		NL_SET_ERR_MSG_MOD(extack,
				   "the interface shares its port with others: give it another listen-port to change its private key");
		return -EBUSY;
	}
	if (port_key_is(target, pub))
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "the port is held by interfaces with another private key");
	return -EADDRINUSE;
}

int wgt_port_check_peer(struct wgt_device *wg, struct wgt_port *target,
			const u8 key[NOISE_PUBLIC_KEY_LEN], struct netlink_ext_ack *extack)
{
	struct wgt_noise_remote *remote;
	bool clash;

	if (!target)
		return 0;
	rcu_read_lock();
	remote = wgt_pubkey_lookup(&target->pubkeys, key);
	clash = remote && wgt_peer_from_remote(remote)->wg != wg;
	rcu_read_unlock();
	if (!clash)
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "the peer is a peer of another interface that shares the port");
	return -EEXIST;
}
