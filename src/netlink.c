// SPDX-License-Identifier: GPL-2.0
/*
 * The "wgtun" generic netlink family.  uapi/linux/wgtun.h is the contract;
 * this file implements it: policies, the device dump and the set command;
 * events.c sends the event messages.
 */

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include <crypto/algapi.h>
#include <crypto/curve25519.h>

#include "compat.h"
#include "device.h"
#include "events.h"
#include "liveness.h"
#include "netlink.h"
#include "peer.h"
#include "port.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

static const struct nla_policy allowedip_policy[WGTUN_A_ALLOWEDIP_MAX + 1] = {
	[WGTUN_A_ALLOWEDIP_FAMILY]	= { .type = NLA_U16 },
	[WGTUN_A_ALLOWEDIP_IPADDR]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[WGTUN_A_ALLOWEDIP_CIDR_MASK]	= NLA_POLICY_MAX(NLA_U8, 128),
	[WGTUN_A_ALLOWEDIP_FLAGS]	= { .type = NLA_U32 },
};

static const struct nla_policy peer_policy[WGTUN_A_PEER_MAX + 1] = {
	[WGTUN_A_PEER_PUBLIC_KEY]	= NLA_POLICY_EXACT_LEN(WGTUN_KEY_LEN),
	[WGTUN_A_PEER_PRESHARED_KEY]	= NLA_POLICY_EXACT_LEN(WGTUN_KEY_LEN),
	[WGTUN_A_PEER_FLAGS]		= { .type = NLA_U32 },
	[WGTUN_A_PEER_ENDPOINT]		= NLA_POLICY_MIN_LEN(sizeof(struct sockaddr_in)),
	[WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	[WGTUN_A_PEER_LAST_HANDSHAKE_TIME] = { .type = NLA_REJECT,
					    .reject_message = "last handshake time is read-only" },
	[WGTUN_A_PEER_RX_BYTES]		= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[WGTUN_A_PEER_TX_BYTES]		= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[WGTUN_A_PEER_ALLOWEDIPS]	= NLA_POLICY_NESTED_ARRAY(allowedip_policy),
	[WGTUN_A_PEER_PROTOCOL_VERSION]	= { .type = NLA_U32 },
	[WGTUN_A_PEER_RX_PACKETS]	= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[WGTUN_A_PEER_TX_PACKETS]	= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[WGTUN_A_PEER_DROPS]		= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[WGTUN_A_PEER_ALIVE]		= { .type = NLA_REJECT,
					    .reject_message = "liveness is read-only" },
	[WGTUN_A_PEER_LAST_RX_AGE]	= { .type = NLA_REJECT,
					    .reject_message = "last receive age is read-only" },
	[WGTUN_A_PEER_ROAMING]		= NLA_POLICY_MAX(NLA_U8, 1),
	[WGTUN_A_PEER_ROAM_REFUSED]	= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
};

static struct netlink_range_validation liveness_range = {
	.min = 0,
	.max = WGTUN_LIVENESS_TIMEOUT_MAX,
};

static const struct nla_policy device_policy[WGTUN_A_DEVICE_MAX + 1] = {
	[WGTUN_A_DEVICE_IFINDEX]	= { .type = NLA_U32 },
	[WGTUN_A_DEVICE_IFNAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[WGTUN_A_DEVICE_PRIVATE_KEY]	= NLA_POLICY_EXACT_LEN(WGTUN_KEY_LEN),
	[WGTUN_A_DEVICE_PUBLIC_KEY]	= {
		.type = NLA_REJECT,
		.reject_message = "the public key is derived from the private key",
	},
	[WGTUN_A_DEVICE_FLAGS]		= { .type = NLA_U32 },
	[WGTUN_A_DEVICE_LISTEN_PORT]	= { .type = NLA_U16 },
	[WGTUN_A_DEVICE_FWMARK]		= { .type = NLA_U32 },
	[WGTUN_A_DEVICE_PEERS]		= NLA_POLICY_NESTED_ARRAY(peer_policy),
	[WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS] = NLA_POLICY_MAX(NLA_U8, 1),
	[WGTUN_A_DEVICE_LIVENESS_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &liveness_range),
	[WGTUN_A_DEVICE_CARRIER]	= { .type = NLA_REJECT,
					    .reject_message = "carrier is read-only" },
	[WGTUN_A_DEVICE_DROPS]		= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[WGTUN_A_DEVICE_EVENT]		= {
		.type = NLA_REJECT,
		.reject_message = "events are sent by the kernel only",
	},
	[WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS] = NLA_POLICY_MAX(NLA_U8, 1),
	[WGTUN_A_DEVICE_BIND_IFINDEX]	= { .type = NLA_U32 },
	[WGTUN_A_DEVICE_BIND_IFNAME]	= {
		.type = NLA_REJECT,
		.reject_message = "the bound device's name is read only",
	},
	[WGTUN_A_DEVICE_PORT_ID]	= {
		.type = NLA_REJECT,
		.reject_message = "the port id is read only",
	},
	[WGTUN_A_DEVICE_PORT_MEMBERS]	= {
		.type = NLA_REJECT,
		.reject_message = "the port's member count is read only",
	},
};

static struct wgt_device *lookup_from_attrs(struct net *net, struct nlattr **attrs,
					    struct netlink_ext_ack *extack)
{
	struct wgt_device *wg;

	if (!attrs[WGTUN_A_DEVICE_IFINDEX] == !attrs[WGTUN_A_DEVICE_IFNAME]) {
		NL_SET_ERR_MSG_MOD(extack, "exactly one of ifindex and ifname is required");
		return ERR_PTR(-EINVAL);
	}
	if (attrs[WGTUN_A_DEVICE_IFINDEX])
		wg = wgt_device_lookup(net, nla_get_u32(attrs[WGTUN_A_DEVICE_IFINDEX]), NULL);
	else
		wg = wgt_device_lookup(net, 0, nla_data(attrs[WGTUN_A_DEVICE_IFNAME]));
	if (IS_ERR(wg)) {
		NL_SET_ERR_MSG_MOD(extack, "no wgtun interface by that name or index");
		NL_SET_BAD_ATTR(extack, attrs[WGTUN_A_DEVICE_IFINDEX] ?:
					attrs[WGTUN_A_DEVICE_IFNAME]);
	}
	return wg;
}

/* ---- dump ---------------------------------------------------------------- */

/**
 * struct dump_ctx - where a device dump stands between two calls
 * @ifindex: the device's index.  No reference is kept between two calls: a
 *	dump the caller stops reading must not keep the interface from being
 *	deleted, so each call looks the device up again.
 * @next_peer: peer to continue with, NULL to start with the first.
 * @next_ip: allowed-IPs node of @next_peer to continue with, NULL for the
 *	peer's beginning.
 * @gen: device generation the cursors belong to.
 * @started: the interface-wide attributes went out already.
 * @finished: every peer went out.
 *
 * The cursors are plain pointers: they are only followed while @gen equals
 * the device's.  Generations are unique across devices, so that proves the
 * device found by @ifindex is the same one and nothing was added to or
 * removed from it since.
 */
struct dump_ctx {
	int ifindex;
	struct wgt_peer *next_peer;
	struct wgt_allowedips_node *next_ip;
	u64 gen;
	bool started;
	bool finished;
};

static struct dump_ctx *dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dump_ctx) > sizeof(cb->ctx));
	return (struct dump_ctx *)cb->ctx;
}

static int get_start(struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct dump_ctx *ctx = dump_ctx(cb);
	struct wgt_device *wg;

	wg = lookup_from_attrs(net, wgt_compat_dump_attrs(cb), cb->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);
	memset(ctx, 0, sizeof(*ctx));
	ctx->ifindex = wg->dev->ifindex;
	dev_put(wg->dev);
	return 0;
}

static int put_drops(struct sk_buff *skb, int attr, atomic64_t *drops)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= WGTUN_A_DROP_MAX; i++) {
		u64 n = atomic64_read(&drops[i]);

		if (n && nla_put_u64_64bit(skb, i, n, WGTUN_A_DROP_UNSPEC))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_dev_attrs(struct sk_buff *skb, struct wgt_device *wg)
{
	u8 priv[WGTUN_KEY_LEN], pub[WGTUN_KEY_LEN];
	struct wgt_port *port;
	bool has_key;
	int ret = -EMSGSIZE;

	down_read(&wg->local.lock);
	has_key = wg->local.has_identity;
	memcpy(priv, wg->local.static_private, WGTUN_KEY_LEN);
	memcpy(pub, wg->local.static_public, WGTUN_KEY_LEN);
	up_read(&wg->local.lock);
	if (nla_put_u16(skb, WGTUN_A_DEVICE_LISTEN_PORT, wg->listen_port) ||
	    nla_put_u32(skb, WGTUN_A_DEVICE_FWMARK, wg->fwmark) ||
	    nla_put_u8(skb, WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS, wg->carrier_follows_peers) ||
	    nla_put_u32(skb, WGTUN_A_DEVICE_LIVENESS_TIMEOUT, wg->liveness_timeout) ||
	    nla_put_u8(skb, WGTUN_A_DEVICE_CARRIER, netif_carrier_ok(wg->dev)) ||
	    nla_put_u8(skb, WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS, wg->unknown_peer_events))
		goto out;
	if (has_key && (nla_put(skb, WGTUN_A_DEVICE_PUBLIC_KEY, WGTUN_KEY_LEN, pub) ||
			nla_put(skb, WGTUN_A_DEVICE_PRIVATE_KEY, WGTUN_KEY_LEN, priv)))
		goto out;
	if (wg->bind_ifindex &&
	    (nla_put_u32(skb, WGTUN_A_DEVICE_BIND_IFINDEX,
			 wg->bind_absent ? 0 : wg->bind_ifindex) ||
	     nla_put_string(skb, WGTUN_A_DEVICE_BIND_IFNAME, wg->bind_name)))
		goto out;
	/* The port is ours while we hold update_lock; its other members come and go. */
	port = rcu_dereference_protected(wg->port, lockdep_is_held(&wg->update_lock));
	if (port && (nla_put_u32(skb, WGTUN_A_DEVICE_PORT_ID, port->id) ||
		     nla_put_u32(skb, WGTUN_A_DEVICE_PORT_MEMBERS, READ_ONCE(port->num_members))))
		goto out;
	ret = put_drops(skb, WGTUN_A_DEVICE_DROPS, wg->drops);
out:
	memzero_explicit(priv, sizeof(priv));
	return ret;
}

int wgt_genl_put_sockaddr(struct sk_buff *skb, const struct wgt_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET)
		return nla_put(skb, WGTUN_A_PEER_ENDPOINT, sizeof(ep->addr4), &ep->addr4);
	if (ep->addr.sa_family == AF_INET6)
		return nla_put(skb, WGTUN_A_PEER_ENDPOINT, sizeof(ep->addr6), &ep->addr6);
	return 0;
}

int wgt_genl_put_endpoint(struct sk_buff *skb, struct wgt_peer *peer)
{
	struct wgt_endpoint ep;

	read_lock_bh(&peer->endpoint_lock);
	ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
	return wgt_genl_put_sockaddr(skb, &ep);
}

/* Seconds since jiffies64 @last_rx; jiffies_to_msecs() would wrap at 49.7 days. */
static u32 rx_age(u64 last_rx)
{
	return min_t(u64, div_u64(get_jiffies_64() - last_rx, HZ), U32_MAX);
}

/* Everything about a peer but its allowed IPs. */
static int put_peer_attrs(struct sk_buff *skb, struct wgt_peer *peer)
{
	struct __kernel_timespec last = {
		.tv_sec = peer->last_handshake.tv_sec,
		.tv_nsec = peer->last_handshake.tv_nsec,
	};
	u8 psk[WGTUN_KEY_LEN];
	u64 last_rx;
	int ret = -EMSGSIZE;

	/* Written only under update_lock, which the dump holds. */
	memcpy(psk, peer->noise.preshared_key, WGTUN_KEY_LEN);
	last_rx = atomic64_read(&peer->last_rx);
	if (nla_put(skb, WGTUN_A_PEER_PRESHARED_KEY, WGTUN_KEY_LEN, psk) ||
	    nla_put(skb, WGTUN_A_PEER_LAST_HANDSHAKE_TIME, sizeof(last), &last) ||
	    nla_put_u16(skb, WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
			READ_ONCE(peer->keepalive_interval)) ||
	    nla_put_u64_64bit(skb, WGTUN_A_PEER_RX_BYTES, atomic64_read(&peer->stats.rx_bytes),
			      WGTUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, WGTUN_A_PEER_TX_BYTES, atomic64_read(&peer->stats.tx_bytes),
			      WGTUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, WGTUN_A_PEER_RX_PACKETS,
			      atomic64_read(&peer->stats.rx_packets), WGTUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, WGTUN_A_PEER_TX_PACKETS,
			      atomic64_read(&peer->stats.tx_packets), WGTUN_A_PEER_UNSPEC) ||
	    nla_put_u32(skb, WGTUN_A_PEER_PROTOCOL_VERSION, 1) ||
	    nla_put_u8(skb, WGTUN_A_PEER_ALIVE, wgt_liveness_alive(peer)) ||
	    (last_rx && nla_put_u32(skb, WGTUN_A_PEER_LAST_RX_AGE, rx_age(last_rx))) ||
	    nla_put_u8(skb, WGTUN_A_PEER_ROAMING, !peer->pinned) ||
	    nla_put_u64_64bit(skb, WGTUN_A_PEER_ROAM_REFUSED,
			      atomic64_read(&peer->stats.roam_refused), WGTUN_A_PEER_UNSPEC) ||
	    wgt_genl_put_endpoint(skb, peer) ||
	    put_drops(skb, WGTUN_A_PEER_DROPS, peer->stats.drops))
		goto out;
	ret = 0;
out:
	memzero_explicit(psk, sizeof(psk));
	return ret;
}

static int put_allowedip(struct sk_buff *skb, const struct wgt_allowedips_node *node)
{
	struct nlattr *nest;
	u8 ip[16], cidr;
	int family;

	family = wgt_allowedips_read_node(node, ip, &cidr);
	nest = nla_nest_start(skb, 0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, WGTUN_A_ALLOWEDIP_FAMILY, family) ||
	    nla_put(skb, WGTUN_A_ALLOWEDIP_IPADDR, family == AF_INET6 ? 16 : 4, ip) ||
	    nla_put_u8(skb, WGTUN_A_ALLOWEDIP_CIDR_MASK, cidr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Put one peer, starting at allowed-IPs node *@cursor (NULL: the peer from
 * its beginning).  On -EMSGSIZE *@cursor says where to go on; if not even
 * the peer's key fitted, nothing was added.
 */
static int put_peer(struct sk_buff *skb, struct wgt_peer *peer,
		    struct wgt_allowedips_node **cursor)
{
	struct wgt_allowedips_node *node = *cursor;
	struct nlattr *peer_nest, *ips_nest;
	bool fresh = !node;

	peer_nest = nla_nest_start(skb, 0);
	if (!peer_nest)
		return -EMSGSIZE;
	if (nla_put(skb, WGTUN_A_PEER_PUBLIC_KEY, WGTUN_KEY_LEN, peer->noise.remote_static) ||
	    (fresh && put_peer_attrs(skb, peer)))
		goto cancel;

	if (list_empty(&peer->allowedips))
		goto done;
	ips_nest = nla_nest_start(skb, WGTUN_A_PEER_ALLOWEDIPS);
	if (!ips_nest)
		goto cancel;
	if (!node)
		node = list_first_entry(&peer->allowedips, struct wgt_allowedips_node, peer_list);
	list_for_each_entry_from(node, &peer->allowedips, peer_list) {
		if (put_allowedip(skb, node)) {
			/* Keep what fitted; the next message goes on from here. */
			nla_nest_end(skb, ips_nest);
			nla_nest_end(skb, peer_nest);
			*cursor = node;
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, ips_nest);
done:
	nla_nest_end(skb, peer_nest);
	*cursor = NULL;
	return 0;

cancel:
	nla_nest_cancel(skb, peer_nest);
	return -EMSGSIZE;
}

static int put_peers(struct sk_buff *skb, struct wgt_device *wg, struct dump_ctx *ctx)
{
	struct wgt_peer *peer = ctx->next_peer;
	struct nlattr *nest;
	int emitted = 0;

	if (list_empty(&wg->peers)) {
		ctx->finished = true;
		return 0;
	}
	nest = nla_nest_start(skb, WGTUN_A_DEVICE_PEERS);
	if (!nest)
		return -EMSGSIZE;
	if (!peer)
		peer = list_first_entry(&wg->peers, struct wgt_peer, list);
	list_for_each_entry_from(peer, &wg->peers, list) {
		struct wgt_allowedips_node *before = ctx->next_ip;

		if (put_peer(skb, peer, &ctx->next_ip)) {
			/* Progress if this peer advanced or an earlier one fitted. */
			ctx->next_peer = peer;
			if (emitted || ctx->next_ip != before) {
				nla_nest_end(skb, nest);
				return -EMSGSIZE;
			}
			nla_nest_cancel(skb, nest);
			return emitted ? -EMSGSIZE : -ENOBUFS;
		}
		emitted++;
	}
	nla_nest_end(skb, nest);
	ctx->finished = true;
	return 0;
}

/* One message of the dump of @wg, which the caller keeps locked. */
static int dump_device(struct sk_buff *skb, struct netlink_callback *cb, struct wgt_device *wg)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	int ret;
	void *hdr;

	lockdep_assert_held(&wg->update_lock);

	cb->seq = wg->gen;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wgt_genl_family, NLM_F_MULTI, WGTUN_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, WGTUN_A_DEVICE_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGTUN_A_DEVICE_IFNAME, wg->dev->name))
		goto cancel;

	if (!ctx->started) {
		if (put_dev_attrs(skb, wg))
			goto cancel;
		ctx->started = true;
		ctx->gen = wg->gen;
	} else if (ctx->gen != wg->gen) {
		/* The cursors are stale; this message carries DUMP_INTR. */
		ctx->finished = true;
		goto end;
	}

	ret = put_peers(skb, wg, ctx);
	if (ret == -ENOBUFS) {
		/* A peer larger than a whole message cannot happen by design. */
		WARN_ON_ONCE(1);
		goto cancel;
	}
end:
	genlmsg_end(skb, hdr);
	return skb->len;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct wgt_device *wg;
	int ret;

	if (ctx->finished)
		return 0;
	wg = wgt_device_lookup(sock_net(cb->skb->sk), ctx->ifindex, NULL);
	if (IS_ERR(wg)) {
		NL_SET_ERR_MSG_MOD(cb->extack, "the interface was deleted during the dump");
		return PTR_ERR(wg);
	}
	mutex_lock(&wg->update_lock);
	ret = dump_device(skb, cb, wg);
	mutex_unlock(&wg->update_lock);
	dev_put(wg->dev);
	return ret;
}

/* ---- set ----------------------------------------------------------------- */

static int set_allowedip(struct wgt_peer *peer, struct nlattr *attr,
			 struct netlink_ext_ack *extack)
{
	struct wgt_device *wg = peer->wg;
	struct nlattr *tb[WGTUN_A_ALLOWEDIP_MAX + 1];
	u32 flags = 0;
	u16 family;
	u8 cidr;
	int ret;

	ret = nla_parse_nested(tb, WGTUN_A_ALLOWEDIP_MAX, attr, allowedip_policy, extack);
	if (ret)
		return ret;
	if (!tb[WGTUN_A_ALLOWEDIP_FAMILY] || !tb[WGTUN_A_ALLOWEDIP_IPADDR] ||
	    !tb[WGTUN_A_ALLOWEDIP_CIDR_MASK]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "allowed IP needs family, address and cidr");
		return -EINVAL;
	}
	if (tb[WGTUN_A_ALLOWEDIP_FLAGS]) {
		flags = nla_get_u32(tb[WGTUN_A_ALLOWEDIP_FLAGS]);
		if (flags & ~__WGTUN_ALLOWEDIP_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_ALLOWEDIP_FLAGS],
					    "unknown allowed IP flag");
			return -EOPNOTSUPP;
		}
	}
	family = nla_get_u16(tb[WGTUN_A_ALLOWEDIP_FAMILY]);
	cidr = nla_get_u8(tb[WGTUN_A_ALLOWEDIP_CIDR_MASK]);

	if (family == AF_INET) {
		const struct in_addr *ip = nla_data(tb[WGTUN_A_ALLOWEDIP_IPADDR]);

		if (nla_len(tb[WGTUN_A_ALLOWEDIP_IPADDR]) != sizeof(*ip) || cidr > 32) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "IPv4 allowed IP needs 4 address bytes and cidr <= 32");
			return -EINVAL;
		}
		if (flags & WGTUN_ALLOWEDIP_F_REMOVE_ME) {
			ret = wgt_allowedips_remove_v4(&wg->allowedips, ip, cidr, peer,
						       &wg->update_lock);
			return ret == -ENOENT ? 0 : ret;
		}
		return wgt_allowedips_insert_v4(&wg->allowedips, ip, cidr, peer,
						&peer->allowedips, &wg->update_lock);
	}
	if (family == AF_INET6) {
		const struct in6_addr *ip = nla_data(tb[WGTUN_A_ALLOWEDIP_IPADDR]);

		if (nla_len(tb[WGTUN_A_ALLOWEDIP_IPADDR]) != sizeof(*ip) || cidr > 128) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "IPv6 allowed IP needs 16 address bytes and cidr <= 128");
			return -EINVAL;
		}
		if (flags & WGTUN_ALLOWEDIP_F_REMOVE_ME) {
			ret = wgt_allowedips_remove_v6(&wg->allowedips, ip, cidr, peer,
						       &wg->update_lock);
			return ret == -ENOENT ? 0 : ret;
		}
		return wgt_allowedips_insert_v6(&wg->allowedips, ip, cidr, peer,
						&peer->allowedips, &wg->update_lock);
	}
	NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_ALLOWEDIP_FAMILY],
			    "allowed IP family must be AF_INET or AF_INET6");
	return -EAFNOSUPPORT;
}

static int parse_endpoint(struct nlattr *attr, struct wgt_endpoint *ep,
			  struct netlink_ext_ack *extack)
{
	const struct sockaddr *sa = nla_data(attr);
	int len = nla_len(attr);

	memset(ep, 0, sizeof(*ep));
	if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		ep->addr4 = *(const struct sockaddr_in *)sa;
		if (ep->addr4.sin_port && !ipv4_is_zeronet(ep->addr4.sin_addr.s_addr))
			return 0;
	} else if (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		ep->addr6 = *(const struct sockaddr_in6 *)sa;
		if (ep->addr6.sin6_port && !ipv6_addr_any(&ep->addr6.sin6_addr))
			return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "endpoint must be a sockaddr_in or sockaddr_in6 with address and port");
	return -EINVAL;
}

static int set_peer(struct wgt_device *wg, struct nlattr *attr, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGTUN_A_PEER_MAX + 1], *ip;
	struct wgt_noise_remote *remote;
	struct wgt_endpoint ep;
	struct wgt_peer *peer;
	const u8 *key, *psk = NULL;
	bool created = false;
	u32 flags = 0;
	int ret, rem;

	ret = nla_parse_nested(tb, WGTUN_A_PEER_MAX, attr, peer_policy, extack);
	if (ret)
		return ret;
	if (!tb[WGTUN_A_PEER_PUBLIC_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer without a public key");
		return -EINVAL;
	}
	key = nla_data(tb[WGTUN_A_PEER_PUBLIC_KEY]);
	if (tb[WGTUN_A_PEER_FLAGS]) {
		flags = nla_get_u32(tb[WGTUN_A_PEER_FLAGS]);
		if (flags & ~__WGTUN_PEER_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_PEER_FLAGS], "unknown peer flag");
			return -EOPNOTSUPP;
		}
	}
	if (tb[WGTUN_A_PEER_PROTOCOL_VERSION] &&
	    nla_get_u32(tb[WGTUN_A_PEER_PROTOCOL_VERSION]) != 1) {
		NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_PEER_PROTOCOL_VERSION],
				    "only protocol version 1 exists");
		return -EPROTONOSUPPORT;
	}
	if (tb[WGTUN_A_PEER_ENDPOINT]) {
		ret = parse_endpoint(tb[WGTUN_A_PEER_ENDPOINT], &ep, extack);
		if (ret)
			return ret;
	}
	if (tb[WGTUN_A_PEER_PRESHARED_KEY])
		psk = nla_data(tb[WGTUN_A_PEER_PRESHARED_KEY]);

	remote = wgt_pubkey_lookup(&wg->pubkeys, key);
	peer = remote ? wgt_peer_from_remote(remote) : NULL;
	if (!peer) {
		/* Removing or updating a peer that is not there: nothing to do. */
		if (flags & (WGTUN_PEER_F_REMOVE_ME | WGTUN_PEER_F_UPDATE_ONLY))
			return 0;
		if (wgt_noise_local_is_own_key(&wg->local, key)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_PEER_PUBLIC_KEY],
					    "a peer cannot have the interface's own public key");
			return -EINVAL;
		}
		peer = wgt_peer_create(wg, key, psk);
		if (IS_ERR(peer)) {
			ret = PTR_ERR(peer);
			if (ret == -E2BIG)
				NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_PEER_PUBLIC_KEY],
						    "too many peers on this interface");
			else
				NL_SET_ERR_MSG_ATTR(extack, tb[WGTUN_A_PEER_PUBLIC_KEY],
						    "cannot create the peer");
			return ret;
		}
		created = true;
		psk = NULL;
	}

	if (flags & WGTUN_PEER_F_REMOVE_ME) {
		wgt_event_peer_config(peer, WGTUN_EVENT_PEER_REMOVED);
		wgt_peer_remove(peer);
		return 0;
	}

	if (psk)
		wgt_noise_remote_set_psk(&peer->noise, psk);
	if (tb[WGTUN_A_PEER_ENDPOINT])
		wgt_socket_set_peer_endpoint(peer, &ep);
	if (tb[WGTUN_A_PEER_ROAMING])
		wgt_socket_set_peer_pinned(peer, !nla_get_u8(tb[WGTUN_A_PEER_ROAMING]));

	if (flags & WGTUN_PEER_F_REPLACE_ALLOWEDIPS)
		wgt_allowedips_remove_by_peer(&wg->allowedips, peer, &peer->allowedips,
					      &wg->update_lock);
	if (tb[WGTUN_A_PEER_ALLOWEDIPS]) {
		nla_for_each_nested(ip, tb[WGTUN_A_PEER_ALLOWEDIPS], rem) {
			ret = set_allowedip(peer, ip, extack);
			if (ret) {
				if (ret == -ENOMEM)
					NL_SET_ERR_MSG_ATTR(extack, ip,
							    "out of memory for allowed IPs");
				goto out;
			}
		}
	}

	if (tb[WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL]) {
		u16 interval = nla_get_u16(tb[WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL]);
		bool was_off = !peer->keepalive_interval;

		WRITE_ONCE(peer->keepalive_interval, interval);
		wgt_timers_keepalive_changed(peer);
		if (was_off && interval && netif_running(wg->dev))
			wgt_send_keepalive(peer);
	}

	if (netif_running(wg->dev))
		wgt_send_staged(peer);
	wgt_liveness_peer_configured(peer);
	ret = 0;
out:
	wgt_event_peer_config(peer, created ? WGTUN_EVENT_PEER_ADDED : WGTUN_EVENT_PEER_CHANGED);
	return ret;
}

static int set_private_key(struct wgt_device *wg, const u8 *key)
{
	u8 clamped[WGTUN_KEY_LEN], pub[WGTUN_KEY_LEN];
	bool zero = !memchr_inv(key, 0, WGTUN_KEY_LEN);
	struct wgt_noise_remote *remote;
	struct wgt_peer *peer;
	bool same;

	/* Setting the key we have already must not cost every session. */
	memcpy(clamped, key, WGTUN_KEY_LEN);
	curve25519_clamp_secret(clamped);
	down_read(&wg->local.lock);
	same = wg->local.has_identity ?
	       !crypto_memneq(wg->local.static_private, clamped, WGTUN_KEY_LEN) : zero;
	up_read(&wg->local.lock);
	memzero_explicit(clamped, sizeof(clamped));
	if (same)
		return 0;

	/* Derives the public key (one X25519, the costly part of this). */
	wgt_noise_local_set_private_key(&wg->local, key);
	down_read(&wg->local.lock);
	memcpy(pub, wg->local.static_public, WGTUN_KEY_LEN);
	if (!zero && !wg->local.has_identity) {
		/* Not reached with a clamped scalar; left without an identity if it were. */
		up_read(&wg->local.lock);
		return -EINVAL;
	}
	up_read(&wg->local.lock);

	/* A peer with our own new public key would be talking to itself. */
	remote = zero ? NULL : wgt_pubkey_lookup(&wg->pubkeys, pub);
	if (remote) {
		peer = wgt_peer_from_remote(remote);
		wgt_event_peer_config(peer, WGTUN_EVENT_PEER_REMOVED);
		wgt_peer_remove(peer);
	}
	wgt_port_rekeyed(wg);
	list_for_each_entry(peer, &wg->peers, list) {
		wgt_noise_remote_precompute(&peer->noise);
		wgt_noise_handshake_clear(&peer->noise);
		wgt_noise_keypairs_clear(&peer->noise);
	}
	return 0;
}

/*
 * The index names a device in the caller's namespace (where wgctl resolved
 * the name); the sockets can only be bound to one in theirs.
 */
static int set_bind_dev(struct wgt_device *wg, struct net *net, struct nlattr *attr,
			struct netlink_ext_ack *extack)
{
	u32 ifindex = nla_get_u32(attr);
	struct net_device *dev = NULL;
	int ret;

	if (ifindex) {
		dev = __dev_get_by_index(net, ifindex);
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "no device with that index");
			return -ENODEV;
		}
		if (!net_eq(dev_net(dev), wg->creating_net)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "the device is in another namespace than the interface's sockets");
			return -EXDEV;
		}
		if (dev == wg->dev) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "cannot bind the tunnel to itself");
			return -ELOOP;
		}
	}
	if (dev ? dev->ifindex == wg->bind_ifindex && !wg->bind_absent : !wg->bind_ifindex)
		return 0;
	ret = wgt_socket_bind_dev(wg, dev, extack);
	if (!ret)
		return 0;
	NL_SET_BAD_ATTR(extack, attr);
	if (extack->_msg)
		return ret;	/* the socket code said why */
	if (ret == -EADDRINUSE)
		NL_SET_ERR_MSG(extack, "the listen port is in use on that device");
	else
		NL_SET_ERR_MSG(extack, "cannot bind the sockets to that device");
	return ret;
}

/*
 * The rules of shared ports (port.h), checked before anything of the
 * request is applied, so that a refused request changes nothing: the port
 * the interface would listen on, with the key it would have, and every peer
 * it would have there.  A change of bind device is checked when applied.
 */
static int check_port_rules(struct wgt_device *wg, struct genl_info *info)
{
	struct nlattr *key_attr = info->attrs[WGTUN_A_DEVICE_PRIVATE_KEY];
	struct nlattr *port_attr = info->attrs[WGTUN_A_DEVICE_LISTEN_PORT];
	struct nlattr *peers = info->attrs[WGTUN_A_DEVICE_PEERS];
	struct netlink_ext_ack *extack = info->extack;
	u8 pub[WGTUN_KEY_LEN], next[WGTUN_KEY_LEN], secret[WGTUN_KEY_LEN];
	struct nlattr *attr, *key, *flags;
	struct wgt_port *target;
	bool has_pub, key_changes = false, replace = false;
	struct wgt_peer *peer;
	int ret, rem;

	target = wgt_port_target(wg, port_attr ? nla_get_u16(port_attr) : wg->listen_port,
				 wg->bind_ifindex);
	if (!target)
		return 0;
	has_pub = wgt_noise_local_public(&wg->local, pub);
	if (key_attr) {
		bool has_next = false;

		memset(next, 0, sizeof(next));
		if (memchr_inv(nla_data(key_attr), 0, WGTUN_KEY_LEN)) {
			memcpy(secret, nla_data(key_attr), WGTUN_KEY_LEN);
			curve25519_clamp_secret(secret);
			has_next = curve25519_generate_public(next, secret);
			memzero_explicit(secret, sizeof(secret));
		}
		key_changes = has_next != has_pub ||
			      (has_next && crypto_memneq(next, pub, WGTUN_KEY_LEN));
		has_pub = has_next;
		memcpy(pub, next, WGTUN_KEY_LEN);
	}
	ret = wgt_port_check_identity(wg, target, has_pub ? pub : NULL, key_changes, extack);
	if (ret) {
		NL_SET_BAD_ATTR(extack, ret == -EBUSY ? key_attr : port_attr);
		return ret;
	}

	/* Joining: its peers must be new to the port, unless all are replaced. */
	if (info->attrs[WGTUN_A_DEVICE_FLAGS])
		replace = nla_get_u32(info->attrs[WGTUN_A_DEVICE_FLAGS]) &
			  WGTUN_DEVICE_F_REPLACE_PEERS;
	if (target != rtnl_dereference(wg->port) && !replace) {
		list_for_each_entry(peer, &wg->peers, list) {
			ret = wgt_port_check_peer(wg, target, peer->noise.remote_static, extack);
			if (ret) {
				NL_SET_BAD_ATTR(extack, port_attr);
				return ret;
			}
		}
	}
	if (!peers)
		return 0;
	nla_for_each_nested(attr, peers, rem) {
		key = nla_find_nested(attr, WGTUN_A_PEER_PUBLIC_KEY);
		flags = nla_find_nested(attr, WGTUN_A_PEER_FLAGS);
		if (!key || (flags && nla_get_u32(flags) & WGTUN_PEER_F_REMOVE_ME))
			continue;
		ret = wgt_port_check_peer(wg, target, nla_data(key), extack);
		if (ret) {
			NL_SET_BAD_ATTR(extack, key);
			return ret;
		}
	}
	return 0;
}

static int set_device(struct wgt_device *wg, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct wgt_peer *peer;
	struct nlattr *attr;
	u32 flags = 0;
	int ret, rem;

	if (attrs[WGTUN_A_DEVICE_FLAGS]) {
		flags = nla_get_u32(attrs[WGTUN_A_DEVICE_FLAGS]);
		if (flags & ~__WGTUN_DEVICE_F_ALL) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[WGTUN_A_DEVICE_FLAGS],
					    "unknown interface flag");
			return -EOPNOTSUPP;
		}
	}
	ret = check_port_rules(wg, info);
	if (ret)
		return ret;
	wgt_device_changed(wg);

	/* Before the port: an interface joins a shared port with its new key. */
	if (attrs[WGTUN_A_DEVICE_PRIVATE_KEY]) {
		ret = set_private_key(wg, nla_data(attrs[WGTUN_A_DEVICE_PRIVATE_KEY]));
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[WGTUN_A_DEVICE_PRIVATE_KEY],
					    "invalid private key");
			return ret;
		}
	}

	if (attrs[WGTUN_A_DEVICE_LISTEN_PORT]) {
		u16 port = nla_get_u16(attrs[WGTUN_A_DEVICE_LISTEN_PORT]);

		if (rtnl_dereference(wg->port) && port != wg->listen_port) {
			ret = wgt_port_move(wg, port, wg->bind_ifindex, extack);
			if (ret) {
				NL_SET_BAD_ATTR(extack, attrs[WGTUN_A_DEVICE_LISTEN_PORT]);
				if (ret == -EADDRINUSE && !extack->_msg)
					NL_SET_ERR_MSG(extack, "listen port is in use");
				else if (!extack->_msg)
					NL_SET_ERR_MSG(extack, "cannot bind the listen port");
				return ret;
			}
		} else if (!netif_running(wg->dev)) {
			wg->listen_port = port;
		}
	}

	if (attrs[WGTUN_A_DEVICE_BIND_IFINDEX]) {
		ret = set_bind_dev(wg, genl_info_net(info), attrs[WGTUN_A_DEVICE_BIND_IFINDEX],
				   extack);
		if (ret)
			return ret;
	}

	if (attrs[WGTUN_A_DEVICE_FWMARK]) {
		WRITE_ONCE(wg->fwmark, nla_get_u32(attrs[WGTUN_A_DEVICE_FWMARK]));
		/* Cached routes were chosen under the old mark. */
		list_for_each_entry(peer, &wg->peers, list)
			wgt_socket_clear_peer_endpoint_src(peer);
	}

	if (flags & WGTUN_DEVICE_F_REPLACE_PEERS) {
		list_for_each_entry(peer, &wg->peers, list)
			wgt_event_peer_config(peer, WGTUN_EVENT_PEER_REMOVED);
		wgt_peer_remove_all(wg);
	}

	if (attrs[WGTUN_A_DEVICE_LIVENESS_TIMEOUT])
		wg->liveness_timeout = nla_get_u32(attrs[WGTUN_A_DEVICE_LIVENESS_TIMEOUT]) ?:
				       WGTUN_LIVENESS_TIMEOUT_DEFAULT;
	if (attrs[WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS])
		wg->carrier_follows_peers = nla_get_u8(attrs[WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS]);
	if (attrs[WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS])
		WRITE_ONCE(wg->unknown_peer_events,
			   nla_get_u8(attrs[WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS]));

	if (attrs[WGTUN_A_DEVICE_PEERS]) {
		nla_for_each_nested(attr, attrs[WGTUN_A_DEVICE_PEERS], rem) {
			ret = set_peer(wg, attr, extack);
			if (ret)
				return ret;
		}
	}
	if (attrs[WGTUN_A_DEVICE_LIVENESS_TIMEOUT] ||
	    attrs[WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS])
		wgt_liveness_reconfigured(wg);
	wgt_liveness_update_carrier(wg);
	return 0;
}

/* The request's copies of keys are not left behind in freed memory. */
static void wipe_request_keys(struct nlattr **attrs)
{
	struct nlattr *peer, *psk;
	int rem;

	if (attrs[WGTUN_A_DEVICE_PRIVATE_KEY])
		memzero_explicit(nla_data(attrs[WGTUN_A_DEVICE_PRIVATE_KEY]),
				 nla_len(attrs[WGTUN_A_DEVICE_PRIVATE_KEY]));
	if (!attrs[WGTUN_A_DEVICE_PEERS])
		return;
	nla_for_each_nested(peer, attrs[WGTUN_A_DEVICE_PEERS], rem) {
		psk = nla_find_nested(peer, WGTUN_A_PEER_PRESHARED_KEY);
		if (psk)
			memzero_explicit(nla_data(psk), nla_len(psk));
	}
}

/*
 * The sockets live in the namespace the interface was created in (socket.h):
 * binding them to another port or device or marking their packets takes the
 * capability there too, not only in the namespace the interface is in now.
 * RTNL keeps creating_net alive while the interface is registered.
 */
static int check_socket_admin(struct sk_buff *skb, struct wgt_device *wg, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[WGTUN_A_DEVICE_LISTEN_PORT] ?:
			      info->attrs[WGTUN_A_DEVICE_FWMARK] ?:
			      info->attrs[WGTUN_A_DEVICE_BIND_IFINDEX];

	ASSERT_RTNL();
	if (!attr || netlink_ns_capable(skb, wg->creating_net->user_ns, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, attr,
			    "needs CAP_NET_ADMIN in the namespace the interface was created in");
	return -EPERM;
}

static int set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct wgt_device *wg;
	int ret;

	wg = lookup_from_attrs(net, info->attrs, info->extack);
	if (IS_ERR(wg)) {
		ret = PTR_ERR(wg);
		goto out;
	}

	rtnl_lock();
	mutex_lock(&wg->update_lock);
	/*
	 * The interface may have been deleted (its peers already removed, and
	 * new ones would keep it from ever being freed) or moved to another
	 * namespace while this request waited for RTNL.
	 */
	if (wg->dev->reg_state != NETREG_REGISTERED || !net_eq(dev_net(wg->dev), net)) {
		NL_SET_ERR_MSG_MOD(info->extack, "the interface was deleted or moved meanwhile");
		ret = -ENODEV;
	} else {
		ret = check_socket_admin(skb, wg, info) ?: set_device(wg, info);
	}
	mutex_unlock(&wg->update_lock);
	rtnl_unlock();
	dev_put(wg->dev);
out:
	wipe_request_keys(info->attrs);
	return ret;
}

/* ---- family -------------------------------------------------------------- */

/* Events (events.c) name peers and endpoints: only for those who may read the interfaces. */
static const struct genl_multicast_group genl_mcgrps[] = {
	{ .name = WGTUN_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static const struct genl_ops genl_ops[] = {
	/*
	 * The core checks the capability (CAP_NET_ADMIN in the namespace of
	 * the caller's socket, where the interface is looked up) before it
	 * validates anything, so a caller without it learns nothing, not even
	 * from the policies.  Reading needs it as much as writing: a dump
	 * carries keys, endpoints and traffic counters.
	 */
	{
		.cmd = WGTUN_CMD_GET_DEVICE,
		.start = get_start,
		.dumpit = get_dumpit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WGTUN_CMD_SET_DEVICE,
		.doit = set_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family wgt_genl_family __ro_after_init = {
	.ops = genl_ops,
	.n_ops = ARRAY_SIZE(genl_ops),
	.mcgrps = genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(genl_mcgrps),
	.resv_start_op = WGTUN_CMD_EVENT + 1,
	.name = WGTUN_GENL_NAME,
	.version = WGTUN_GENL_VERSION,
	.maxattr = WGTUN_A_DEVICE_MAX,
	.policy = device_policy,
	.module = THIS_MODULE,
	.netnsok = true,
};

int __init wgt_genl_init(void)
{
	return genl_register_family(&wgt_genl_family);
}

void wgt_genl_uninit(void)
{
	genl_unregister_family(&wgt_genl_family);
}
