// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets of an interface and the outer IPv4/IPv6 send paths.
 *
 * The sockets live in the namespace the interface was created in, so moving
 * the interface into a container keeps its tunnel traffic outside.  They
 * belong to the interface's port (port.h), which may be shared; the send
 * paths read the port and its sockets under rcu_read_lock_bh.
 *
 * Bound to a device (bind-dev), the sockets only see packets that came in
 * through it (through a slave, for a VRF), and every outer route is looked up
 * with the socket's device as the flow's output interface: for a VRF master
 * that selects the VRF's table (the l3mdev rule), for another device the
 * routes through it.  Learned endpoints are reached the same way, so they
 * stay in the VRF.
 */

#include <linux/inetdevice.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/dst_cache.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "device.h"
#include "peer.h"
#include "port.h"
#include "receive.h"
#include "socket.h"

/* Copy the endpoint out under its lock: it is larger than a word. */
static u32 endpoint_read(struct wgt_peer *peer, struct wgt_endpoint *ep)
{
	u32 gen;

	read_lock_bh(&peer->endpoint_lock);
	*ep = peer->endpoint;
	gen = peer->endpoint_gen;
	read_unlock_bh(&peer->endpoint_lock);
	return gen;
}

/* Forget the source remembered in @ep: the route picks one afresh. */
static void src_forget(struct wgt_endpoint *ep, struct dst_cache *cache)
{
	if (ep->addr.sa_family == AF_INET) {
		ep->src4.s_addr = 0;
		ep->src_if4 = 0;
	} else {
		ep->src6 = in6addr_any;
	}
	if (cache)
		dst_cache_reset(cache);
}

/*
 * The IPv4 route to @ep, from @cache when it holds one (*@fresh false),
 * else looked up (*@fresh true). A remembered source the host no longer
 * has, or one the route refuses (it came in on an interface the route does
 * not leave by), is forgotten first. Fills @fl, whose saddr is the source.
 */
static struct dst_entry *route4(struct sock *sk, struct wgt_endpoint *ep, u32 mark,
				struct dst_cache *cache, struct flowi4 *fl, bool *fresh)
{
	struct net *net = sock_net(sk);
	struct rtable *rt;

	*fl = (struct flowi4) {
		.saddr = ep->src4.s_addr,
		.daddr = ep->addr4.sin_addr.s_addr,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.fl4_dport = ep->addr4.sin_port,
		.flowi4_mark = mark,
		.flowi4_oif = READ_ONCE(sk->sk_bound_dev_if),
		.flowi4_proto = IPPROTO_UDP,
	};
	*fresh = false;
	rt = cache ? dst_cache_get_ip4(cache, &fl->saddr) : NULL;
	if (rt)
		return &rt->dst;

	*fresh = true;
	security_sk_classify_flow(sk, flowi4_to_flowi_common(fl));
	if (fl->saddr && !inet_confirm_addr(net, NULL, 0, fl->saddr, RT_SCOPE_HOST)) {
		src_forget(ep, cache);
		fl->saddr = 0;
	}
	rt = ip_route_output_flow(net, fl, sk);
	if (PTR_ERR_OR_ZERO(rt) == -EINVAL && ep->src_if4) {
		src_forget(ep, cache);
		fl->saddr = 0;
		rt = ip_route_output_flow(net, fl, sk);
	}
	return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
}

#if IS_ENABLED(CONFIG_IPV6)
/*
 * As route4(), for IPv6: the source is only checked to be the host's.  A
 * link-local endpoint's scope wins over the socket's device (a VRF's slave
 * is in the VRF anyway).
 */
static struct dst_entry *route6(struct sock *sk, struct wgt_endpoint *ep, u32 mark,
				struct dst_cache *cache, struct flowi6 *fl, bool *fresh)
{
	struct dst_entry *dst;

	*fl = (struct flowi6) {
		.saddr = ep->src6,
		.daddr = ep->addr6.sin6_addr,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.fl6_dport = ep->addr6.sin6_port,
		.flowi6_mark = mark,
		.flowi6_oif = ep->addr6.sin6_scope_id ?: READ_ONCE(sk->sk_bound_dev_if),
		.flowi6_proto = IPPROTO_UDP,
	};
	*fresh = false;
	dst = cache ? dst_cache_get_ip6(cache, &fl->saddr) : NULL;
	if (dst)
		return dst;

	*fresh = true;
	security_sk_classify_flow(sk, flowi6_to_flowi_common(fl));
	if (!ipv6_addr_any(&fl->saddr) && !ipv6_chk_addr(sock_net(sk), &fl->saddr, NULL, 0)) {
		src_forget(ep, cache);
		fl->saddr = in6addr_any;
	}
	return ip6_dst_lookup_flow(sock_net(sk), sk, fl, NULL);
}
#endif

/* Either family's flow, as route4() or route6() filled it. */
union outer_flow {
	struct flowi4 v4;
	struct flowi6 v6;
};

/*
 * A fresh route is cached only if no reset of the endpoint (a new endpoint,
 * a new fwmark) happened since the sender read it (@gen): the lookup ran
 * without the endpoint lock, and a reset either comes after this (and
 * clears the cache) or was seen here.
 */
static void route_remember(struct wgt_peer *peer, u32 gen, struct dst_entry *dst,
			   const union outer_flow *fl, bool v4)
{
	read_lock_bh(&peer->endpoint_lock);
	if (peer->endpoint_gen == gen) {
		if (v4)
			dst_cache_set_ip4(&peer->endpoint_cache, dst, fl->v4.saddr);
#if IS_ENABLED(CONFIG_IPV6)
		else
			dst_cache_set_ip6(&peer->endpoint_cache, dst, &fl->v6.saddr);
#endif
	}
	read_unlock_bh(&peer->endpoint_lock);
}

/*
 * Send @skb in UDP to @ep, through the interface's socket of @ep's family.
 * @peer (NULL for a reply to a stranger) lends its route cache; @ep's
 * source becomes the one the route chose. Consumes @skb.
 */
static int send_outer(struct wgt_device *wg, struct sk_buff *skb, struct wgt_endpoint *ep,
		      u8 ds, struct wgt_peer *peer, u32 gen)
{
	struct dst_cache *cache = peer ? &peer->endpoint_cache : NULL;
	bool v4 = ep->addr.sa_family == AF_INET;
	u32 mark = READ_ONCE(wg->fwmark);
	struct wgt_port *port;
	struct dst_entry *dst;
	union outer_flow fl;
	struct sock *sk;
	bool fresh;
	int ret;

	skb_mark_not_on_list(skb);
	skb->dev = wg->dev;
	skb->mark = mark;
	skb->ignore_df = 1;

	rcu_read_lock_bh();
	port = rcu_dereference_bh(wg->port);
	sk = !port ? NULL : v4 ? rcu_dereference_bh(port->sock4) : rcu_dereference_bh(port->sock6);
	if (unlikely(!sk)) {
		ret = -ENONET;
		goto err;
	}
#if IS_ENABLED(CONFIG_IPV6)
	dst = v4 ? route4(sk, ep, mark, cache, &fl.v4, &fresh) :
		   route6(sk, ep, mark, cache, &fl.v6, &fresh);
#else
	dst = v4 ? route4(sk, ep, mark, cache, &fl.v4, &fresh) : ERR_PTR(-EAFNOSUPPORT);
#endif
	if (IS_ERR(dst)) {
		ret = PTR_ERR(dst);
		net_dbg_ratelimited("%s: no route to %pISpfsc: %d\n",
				    wg->dev->name, &ep->addr, ret);
		goto err;
	}
	if (fresh && unlikely(dst->dev == wg->dev)) {
		dst_release(dst);
		ret = -ELOOP;
		net_dbg_ratelimited("%s: route to %pISpfsc loops through the tunnel\n",
				    wg->dev->name, &ep->addr);
		goto err;
	}
	if (fresh && cache)
		route_remember(peer, gen, dst, &fl, v4);

	if (v4) {
		ep->src4.s_addr = fl.v4.saddr;
		wgt_compat_udp_tunnel_xmit_skb(container_of(dst, struct rtable, dst), sk, skb,
					       fl.v4.saddr, fl.v4.daddr, ds,
					       ip4_dst_hoplimit(dst), 0, fl.v4.fl4_sport,
					       fl.v4.fl4_dport, false, false);
	} else {
#if IS_ENABLED(CONFIG_IPV6)
		ep->src6 = fl.v6.saddr;
		wgt_compat_udp_tunnel6_xmit_skb(dst, sk, skb, skb->dev, &fl.v6.saddr,
						&fl.v6.daddr, ds, ip6_dst_hoplimit(dst), 0,
						fl.v6.fl6_sport, fl.v6.fl6_dport, false);
#endif
	}
	rcu_read_unlock_bh();
	return 0;

err:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return ret;
}

/*
 * Remember the source a route chose, unless the endpoint was reset meanwhile
 * (every change of @peer->endpoint but this one bumps @peer->endpoint_gen).
 */
static void endpoint_update_src(struct wgt_peer *peer, const struct wgt_endpoint *used, u32 gen)
{
	write_lock_bh(&peer->endpoint_lock);
	if (peer->endpoint_gen == gen) {
		if (used->addr.sa_family == AF_INET) {
			peer->endpoint.src4 = used->src4;
			peer->endpoint.src_if4 = used->src_if4;
		} else {
			peer->endpoint.src6 = used->src6;
		}
	}
	write_unlock_bh(&peer->endpoint_lock);
}

int wgt_socket_send_skb_to_peer(struct wgt_peer *peer, struct sk_buff *skb, u8 ds)
{
	struct wgt_endpoint ep;
	size_t len = skb->len;
	u32 gen;
	int ret;

	gen = endpoint_read(peer, &ep);
	if (ep.addr.sa_family != AF_INET && ep.addr.sa_family != AF_INET6) {
		kfree_skb(skb);
		return -EDESTADDRREQ;
	}
	ret = send_outer(peer->wg, skb, &ep, ds, peer, gen);
	if (likely(!ret)) {
		atomic64_add(len, &peer->stats.tx_bytes);
		endpoint_update_src(peer, &ep, gen);
	}
	return ret;
}

int wgt_socket_endpoint_from_skb(struct wgt_endpoint *ep, const struct sk_buff *skb)
{
	memset(ep, 0, sizeof(*ep));
	if (skb->protocol == htons(ETH_P_IP)) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = udp_hdr(skb)->source;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		ep->src4.s_addr = ip_hdr(skb)->daddr;
		ep->src_if4 = skb->skb_iif;
		return 0;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = udp_hdr(skb)->source;
		ep->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		ep->addr6.sin6_scope_id =
			ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr, skb->skb_iif);
		ep->src6 = ipv6_hdr(skb)->daddr;
		return 0;
	}
	return -EINVAL;
}

static struct sk_buff *skb_from_buffer(const void *buf, size_t len)
{
	struct sk_buff *skb = alloc_skb(len + WGT_OVERHEAD_MAX + LL_MAX_HEADER, GFP_ATOMIC);

	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, WGT_OVERHEAD_MAX + LL_MAX_HEADER);
	skb_set_inner_network_header(skb, 0);
	skb_put_data(skb, buf, len);
	return skb;
}

int wgt_socket_send_buffer_to_peer(struct wgt_peer *peer, void *buf, size_t len, u8 ds)
{
	struct sk_buff *skb = skb_from_buffer(buf, len);

	if (unlikely(!skb))
		return -ENOMEM;
	return wgt_socket_send_skb_to_peer(peer, skb, ds);
}

int wgt_socket_send_buffer_as_reply(struct wgt_device *wg, struct sk_buff *in_skb,
				    void *buf, size_t len)
{
	struct wgt_endpoint ep;
	struct sk_buff *skb;
	int ret;

	ret = wgt_socket_endpoint_from_skb(&ep, in_skb);
	if (unlikely(ret < 0))
		return ret;
	skb = skb_from_buffer(buf, len);
	if (unlikely(!skb))
		return -ENOMEM;
	/* No route cache: replies go to strangers, do not remember them. */
	return send_outer(wg, skb, &ep, 0, NULL, 0);
}

static bool endpoint_addr_eq(const struct wgt_endpoint *a, const struct wgt_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr) &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id;
	return true;
}

static bool endpoint_src_eq(const struct wgt_endpoint *a, const struct wgt_endpoint *b)
{
	if (a->addr.sa_family == AF_INET)
		return a->src4.s_addr == b->src4.s_addr && a->src_if4 == b->src_if4;
	return ipv6_addr_equal(&a->src6, &b->src6);
}

bool wgt_socket_set_peer_endpoint(struct wgt_peer *peer, const struct wgt_endpoint *ep)
{
	bool moved;

	/* Fast path: nothing changed, and only a read lock was needed. */
	read_lock_bh(&peer->endpoint_lock);
	moved = !endpoint_addr_eq(&peer->endpoint, ep);
	if (!moved && endpoint_src_eq(&peer->endpoint, ep)) {
		read_unlock_bh(&peer->endpoint_lock);
		return false;
	}
	read_unlock_bh(&peer->endpoint_lock);

	write_lock_bh(&peer->endpoint_lock);
	moved = !endpoint_addr_eq(&peer->endpoint, ep);
	peer->endpoint = *ep;
	peer->endpoint_gen++;
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
	return moved;
}

/*
 * The roaming rule: what a packet from @from may do to @peer's endpoint.
 * Caller holds @peer->endpoint_lock, either side.
 */
static enum wgt_endpoint_heard endpoint_verdict(struct wgt_peer *peer,
						const struct wgt_endpoint *from)
{
	if (endpoint_addr_eq(&peer->endpoint, from))
		return endpoint_src_eq(&peer->endpoint, from) ? WGT_HEARD_SAME : WGT_HEARD_NEW_SRC;
	if (!READ_ONCE(peer->pinned) || peer->endpoint.addr.sa_family == AF_UNSPEC)
		return WGT_HEARD_MOVED;
	return endpoint_addr_eq(&peer->refused, from) ? WGT_HEARD_REFUSED : WGT_HEARD_REFUSED_NEW;
}

enum wgt_endpoint_heard wgt_socket_peer_heard_from(struct wgt_peer *peer,
						   const struct sk_buff *skb,
						   struct wgt_endpoint *from)
{
	enum wgt_endpoint_heard verdict;

	if (wgt_socket_endpoint_from_skb(from, skb) < 0)
		return WGT_HEARD_SAME;

	/* Fast path: nothing to change, and only a read lock was needed. */
	read_lock_bh(&peer->endpoint_lock);
	verdict = endpoint_verdict(peer, from);
	read_unlock_bh(&peer->endpoint_lock);
	if (verdict == WGT_HEARD_SAME || verdict == WGT_HEARD_REFUSED)
		return verdict;

	write_lock_bh(&peer->endpoint_lock);
	verdict = endpoint_verdict(peer, from);
	if (verdict == WGT_HEARD_NEW_SRC || verdict == WGT_HEARD_MOVED) {
		peer->endpoint = *from;
		peer->endpoint_gen++;
		dst_cache_reset(&peer->endpoint_cache);
	} else if (verdict == WGT_HEARD_REFUSED_NEW) {
		peer->refused = *from;
	}
	write_unlock_bh(&peer->endpoint_lock);
	return verdict;
}

void wgt_socket_set_peer_pinned(struct wgt_peer *peer, bool pinned)
{
	lockdep_assert_held(&peer->wg->update_lock);
	write_lock_bh(&peer->endpoint_lock);
	if (pinned != peer->pinned) {
		WRITE_ONCE(peer->pinned, pinned);
		/* The first refusal after pinning is news, whatever came before. */
		memset(&peer->refused, 0, sizeof(peer->refused));
	}
	write_unlock_bh(&peer->endpoint_lock);
}

void wgt_socket_clear_peer_endpoint_src(struct wgt_peer *peer)
{
	write_lock_bh(&peer->endpoint_lock);
	memset(&peer->endpoint.src6, 0, sizeof(peer->endpoint.src6));
	peer->endpoint_gen++;
	/*
	 * Not dst_cache_reset_now(): senders use the cache without this lock,
	 * and freeing another CPU's entry under it would race their own use.
	 * Each CPU drops its stale entry at its next lookup.
	 */
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

void wgt_socket_close(struct sock *sk)
{
	if (sk)
		wgt_compat_udp_tunnel_sock_release(sk);
}

static int tunnel_sock_create(struct net *net, int family, u16 port, int bind_ifindex,
			      void *owner, struct sock **out)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data = owner,
		.encap_type = 1,
		.encap_rcv = wgt_receive,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
		.bind_ifindex = bind_ifindex,
		.use_udp_checksums = true,
		.ipv6_v6only = family == AF_INET6,
	};
	struct socket *sock;
	int ret;

	ret = udp_sock_create(net, &cfg, &sock);
	if (ret < 0)
		return ret;
	wgt_compat_setup_udp_tunnel_sock(net, sock->sk, &tcfg);
	*out = sock->sk;
	return 0;
}

int wgt_socket_open_pair(struct net *net, u16 port, int bind_ifindex, void *owner,
			 struct sock **sk4, struct sock **sk6)
{
	unsigned int tries = port ? 1 : 100;
	int ret;

	*sk4 = NULL;
	*sk6 = NULL;
	do {
		ret = tunnel_sock_create(net, AF_INET, port, bind_ifindex, owner, sk4);
		if (ret < 0) {
			/* Only happens with IPv4 built out; keep going with IPv6. */
			if (ret != -EAFNOSUPPORT)
				return ret;
			*sk4 = NULL;
		}
		if (!IS_ENABLED(CONFIG_IPV6) || !ipv6_mod_enabled())
			break;
		/* IPv6 binds the same port IPv4 got, picked at random or not. */
		ret = tunnel_sock_create(net, AF_INET6,
					 *sk4 ? ntohs(inet_sk(*sk4)->inet_sport) : port,
					 bind_ifindex, owner, sk6);
		if (ret == 0)
			break;
		*sk6 = NULL;
		wgt_socket_close(*sk4);
		*sk4 = NULL;
		if (ret != -EADDRINUSE || port)
			return ret;
	} while (--tries);
	if (!*sk4 && !*sk6)
		return ret ?: -EADDRINUSE;
	return 0;
}

/* Remember @dev (NULL: none) as the device to bind the sockets to. */
static void bind_dev_record(struct wgt_device *wg, const struct net_device *dev)
{
	WRITE_ONCE(wg->bind_ifindex, dev ? dev->ifindex : 0);
	if (dev)
		strscpy(wg->bind_name, dev->name, sizeof(wg->bind_name));
	else
		wg->bind_name[0] = '\0';
	WRITE_ONCE(wg->bind_absent, false);
}

int wgt_socket_bind_dev(struct wgt_device *wg, const struct net_device *dev,
			struct netlink_ext_ack *extack)
{
	int old_ifindex = wg->bind_ifindex;
	bool old_absent = wg->bind_absent;
	char old_name[IFNAMSIZ];
	struct wgt_peer *peer;
	int ret;

	ASSERT_RTNL();
	lockdep_assert_held(&wg->update_lock);
	memcpy(old_name, wg->bind_name, sizeof(old_name));
	bind_dev_record(wg, dev);
	ret = rtnl_dereference(wg->port) ?
	      wgt_port_move(wg, wg->listen_port, wg->bind_ifindex, extack) : 0;
	if (ret) {
		WRITE_ONCE(wg->bind_ifindex, old_ifindex);
		WRITE_ONCE(wg->bind_absent, old_absent);
		memcpy(wg->bind_name, old_name, sizeof(old_name));
		return ret;
	}
	/* Cached routes and sources were chosen for the old binding, open or not. */
	list_for_each_entry(peer, &wg->peers, list)
		wgt_socket_clear_peer_endpoint_src(peer);
	return 0;
}

void wgt_socket_bind_dev_gone(struct wgt_device *wg)
{
	struct wgt_peer *peer;

	ASSERT_RTNL();
	lockdep_assert_held(&wg->update_lock);
	WRITE_ONCE(wg->bind_absent, true);
	list_for_each_entry(peer, &wg->peers, list)
		wgt_socket_clear_peer_endpoint_src(peer);
}
