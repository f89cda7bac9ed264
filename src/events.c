// SPDX-License-Identifier: GPL-2.0
/*
 * Event messages and journal lines (events.h).  Every event goes to the
 * interface's namespace, GFP_ATOMIC: most are sent from softirq or under the
 * liveness spinlock.
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "device.h"
#include "events.h"
#include "liveness.h"
#include "netlink.h"
#include "peer.h"

/* Events one peer may cause per second, and the burst above that. */
#define WGT_EVENTS_PER_SECOND 10
#define WGT_EVENTS_BURST 20

/* Characters of a public key's base64 that name a peer in the journal. */
#define WGT_KEY_PREFIX_LEN 8

void wgt_events_peer_init(struct wgt_peer *peer)
{
	spin_lock_init(&peer->events_lock);
	peer->events_stamp = jiffies;
	peer->events_budget = WGT_EVENTS_BURST;
}

/* One event's worth of @peer's budget, refilled with the time since the last refill. */
static bool budget_take(struct wgt_peer *peer)
{
	unsigned long now = jiffies, refill;
	bool ok;

	spin_lock_bh(&peer->events_lock);
	refill = (now - peer->events_stamp) * WGT_EVENTS_PER_SECOND / HZ;
	if (refill) {
		peer->events_budget = min_t(unsigned long, WGT_EVENTS_BURST,
					    peer->events_budget + refill);
		peer->events_stamp = now;
	}
	ok = peer->events_budget > 0;
	if (ok)
		peer->events_budget--;
	spin_unlock_bh(&peer->events_lock);
	return ok;
}

static bool listened(struct net_device *dev)
{
	return genl_has_listeners(&wgt_genl_family, dev_net(dev), 0);
}

/* A message with the attributes every event carries; NULL on failure. */
static struct sk_buff *msg_begin(struct net_device *dev, enum wgtun_event_type event, void **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &wgt_genl_family, 0, WGTUN_CMD_EVENT);
	if (!*hdr ||
	    nla_put_u32(skb, WGTUN_A_DEVICE_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, WGTUN_A_DEVICE_IFNAME, dev->name) ||
	    nla_put_u32(skb, WGTUN_A_DEVICE_EVENT, event)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void msg_send(struct net_device *dev, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&wgt_genl_family, dev_net(dev), skb, 0, 0, GFP_ATOMIC);
}

/* @event about @peer to the listeners, if any, whatever the budget. */
static void send_peer(struct wgt_peer *peer, enum wgtun_event_type event)
{
	struct net_device *dev = peer->wg->dev;
	struct nlattr *peers, *nest;
	struct sk_buff *skb;
	void *hdr;

	if (!listened(dev))
		return;
	skb = msg_begin(dev, event, &hdr);
	if (!skb)
		return;
	peers = nla_nest_start(skb, WGTUN_A_DEVICE_PEERS);
	if (!peers)
		goto free;
	nest = nla_nest_start(skb, 0);
	if (!nest ||
	    nla_put(skb, WGTUN_A_PEER_PUBLIC_KEY, WGTUN_KEY_LEN, peer->noise.remote_static) ||
	    nla_put_u8(skb, WGTUN_A_PEER_ALIVE, wgt_liveness_alive(peer)) ||
	    wgt_genl_put_endpoint(skb, peer))
		goto free;
	nla_nest_end(skb, nest);
	nla_nest_end(skb, peers);
	msg_send(dev, skb, hdr);
	return;
free:
	nlmsg_free(skb);
}

void wgt_event_peer_config(struct wgt_peer *peer, enum wgtun_event_type event)
{
	send_peer(peer, event);
}

void wgt_event_peer(struct wgt_peer *peer, enum wgtun_event_type event)
{
	/* Without listeners nothing is sent, so nothing is spent. */
	if (listened(peer->wg->dev) && budget_take(peer))
		send_peer(peer, event);
}

/* The first WGT_KEY_PREFIX_LEN characters of @key in base64, as wgctl shows keys. */
static void key_prefix(const u8 *key, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int i, bits;

	/* Each 3 bytes of the key make 4 characters. */
	for (i = 0; i < WGT_KEY_PREFIX_LEN; i += 4, key += 3) {
		bits = key[0] << 16 | key[1] << 8 | key[2];
		out[i] = digits[bits >> 18];
		out[i + 1] = digits[(bits >> 12) & 63];
		out[i + 2] = digits[(bits >> 6) & 63];
		out[i + 3] = digits[bits & 63];
	}
	out[WGT_KEY_PREFIX_LEN] = '\0';
}

void wgt_event_peer_alive(struct wgt_peer *peer, bool alive)
{
	char name[WGT_KEY_PREFIX_LEN + 1];

	if (!budget_take(peer))
		return;
	key_prefix(peer->noise.remote_static, name);
	netdev_info(peer->wg->dev, "peer %s... is %s\n", name, alive ? "alive" : "dead");
	send_peer(peer, alive ? WGTUN_EVENT_PEER_ALIVE : WGTUN_EVENT_PEER_DEAD);
}

void wgt_event_carrier(struct wgt_device *wg, bool carrier)
{
	struct net_device *dev = wg->dev;
	struct sk_buff *skb;
	void *hdr;

	if (net_ratelimit())
		netdev_info(dev, "carrier %s\n", carrier ? "on" : "off: no peer alive");
	if (!listened(dev))
		return;
	skb = msg_begin(dev, WGTUN_EVENT_CARRIER, &hdr);
	if (!skb)
		return;
	if (nla_put_u8(skb, WGTUN_A_DEVICE_CARRIER, carrier)) {
		nlmsg_free(skb);
		return;
	}
	msg_send(dev, skb, hdr);
}
