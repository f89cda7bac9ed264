/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place in wgtun that knows kernel versions.  Supported: Debian's
 * 6.1 LTS, 6.12 LTS and sid's 7.2.  Everything else in src/ is written against
 * the 7.2 API; the shims below make the older kernels look like it, or, where
 * a call's form changed, give one wgt_compat_ function for every version.
 * Each shim names the mainline release that made the change; only the 6.1,
 * 6.12 and 7.2 forms are checked here, against those kernels' headers.
 */

#ifndef _WGTUN_COMPAT_H
#define _WGTUN_COMPAT_H

#include <linux/netdevice.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include <crypto/blake2s.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>

/* Network devices and rtnetlink */

/* 6.5 moved the GSO helpers (skb_gso_segment) out of netdevice.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/* 6.11 turned NETIF_F_LLTX into the dev->lltx bit. */
static inline void wgt_compat_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * 6.15 gave rtnl_link_ops.newlink one struct for its namespaces and attribute
 * tables.  WGT_COMPAT_NEWLINK(name, fn) defines the callback @name for either
 * form; it calls int fn(struct net *link_net, struct net_device *dev,
 * struct netlink_ext_ack *extack), link_net being the namespace of
 * IFLA_LINK_NETNSID if the request named one, else the requester's.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define WGT_COMPAT_NEWLINK(name, fn)						\
static int name(struct net_device *dev, struct rtnl_newlink_params *params,	\
		struct netlink_ext_ack *extack)					\
{										\
	return fn(rtnl_newlink_link_net(params), dev, extack);			\
}
#else
#define WGT_COMPAT_NEWLINK(name, fn)						\
static int name(struct net *link_net, struct net_device *dev,			\
		struct nlattr *tb[], struct nlattr *data[],			\
		struct netlink_ext_ack *extack)					\
{										\
	return fn(link_net, dev, extack);					\
}
#endif

/* Generic netlink */

/* 6.2 moved a dump's parsed attributes into an embedded genl_info. */
static inline struct nlattr **wgt_compat_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* Timers and workqueues */

/* 6.16 renamed from_timer() to timer_container_of(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

/*
 * 6.17 added WQ_PERCPU, and 7.2 warns about a workqueue that says neither it
 * nor WQ_UNBOUND; before, per-CPU was what no flag meant.  (Debian's 6.12 has
 * the flag from stable, with no effect either.)
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#define WQ_PERCPU 0
#endif

/* UDP tunnel sockets */

/*
 * 6.16 gave udp_tunnel_xmit_skb() and udp_tunnel6_xmit_skb() a last argument,
 * the outer packet's IP control block flags; wgtun sets none, as before.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define wgt_compat_udp_tunnel_xmit_skb(...) udp_tunnel_xmit_skb(__VA_ARGS__, 0)
#define wgt_compat_udp_tunnel6_xmit_skb(...) udp_tunnel6_xmit_skb(__VA_ARGS__, 0)
#else
#define wgt_compat_udp_tunnel_xmit_skb(...) udp_tunnel_xmit_skb(__VA_ARGS__)
#define wgt_compat_udp_tunnel6_xmit_skb(...) udp_tunnel6_xmit_skb(__VA_ARGS__)
#endif

/*
 * setup_udp_tunnel_sock() and udp_tunnel_sock_release() take the struct sock
 * instead of its struct socket in 7.2; 6.12 has the old form.  The release
 * that changed them was not checked: 7.0 is assumed.
 */
static inline void wgt_compat_setup_udp_tunnel_sock(struct net *net, struct sock *sk,
						    struct udp_tunnel_sock_cfg *cfg)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	setup_udp_tunnel_sock(net, sk, cfg);
#else
	setup_udp_tunnel_sock(net, sk->sk_socket, cfg);
#endif
}

static inline void wgt_compat_udp_tunnel_sock_release(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	udp_tunnel_sock_release(sk);
#else
	udp_tunnel_sock_release(sk->sk_socket);
#endif
}

/* BLAKE2s */

/* 6.19 renamed BLAKE2s's struct blake2s_state to struct blake2s_ctx. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)
#define blake2s_ctx blake2s_state
#endif

/*
 * 6.19 reordered blake2s()'s arguments from (out, in, key, outlen, inlen,
 * keylen) to (key, keylen, in, inlen, out, outlen); this takes the new order.
 */
static inline void wgt_compat_blake2s(const u8 *key, size_t keylen, const u8 *in, size_t inlen,
				      u8 *out, size_t outlen)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
	blake2s(key, keylen, in, inlen, out, outlen);
#else
	blake2s(out, in, key, outlen, inlen, keylen);
#endif
}

#endif /* _WGTUN_COMPAT_H */
