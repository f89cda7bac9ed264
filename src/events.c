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

static void budget_init(struct wgt_event_budget *b, unsigned int burst)
{
	spin_lock_init(&b->lock);
	b->stamp = jiffies;
	b->left = burst;
}

void wgt_events_peer_init(struct wgt_peer *peer)
{
	budget_init(&peer->events, WGT_EVENTS_BURST);
}

void wgt_events_device_init(struct wgt_device *wg)
{
	budget_init(&wg->unknown_peer_events_budget, WGTUN_UNKNOWN_PEER_EVENTS_PER_SECOND);
}

/*
 * One event's worth of @b, refilled at @rate a second since the last refill,
 * up to @burst.
 */
static bool budget_take(struct wgt_event_budget *b, unsigned int rate, unsigned int burst)
{
	unsigned long now = jiffies, refill;
	bool ok;

	spin_lock_bh(&b->lock);
	refill = (now - b->stamp) * rate / HZ;
	if (refill) {
		b->left = min_t(unsigned long, burst, b->left + refill);
		b->stamp = now;
	}
	ok = b->left > 0;
	if (ok)
		b->left--;
	spin_unlock_bh(&b->lock);
	return ok;
}

static bool peer_budget_take(struct wgt_peer *peer)
{
	return budget_take(&peer->events, WGT_EVENTS_PER_SECOND, WGT_EVENTS_BURST);
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

/*
 * @event about the peer of public key @key to @dev's listeners, if any,
 * whatever the budget: with @peer, its liveness and endpoint, or @from
 * instead of the endpoint when given.
 */
static void send_peer_entry(struct net_device *dev, enum wgtun_event_type event, const u8 *key,
			    struct wgt_peer *peer, const struct wgt_endpoint *from)
{
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
	if (!nest || nla_put(skb, WGTUN_A_PEER_PUBLIC_KEY, WGTUN_KEY_LEN, key) ||
	    (peer && nla_put_u8(skb, WGTUN_A_PEER_ALIVE, wgt_liveness_alive(peer))) ||
	    (from ? wgt_genl_put_sockaddr(skb, from) : wgt_genl_put_endpoint(skb, peer)))
		goto free;
	nla_nest_end(skb, nest);
	nla_nest_end(skb, peers);
	msg_send(dev, skb, hdr);
	return;
free:
	nlmsg_free(skb);
}

static void send_peer(struct wgt_peer *peer, enum wgtun_event_type event)
{
	send_peer_entry(peer->wg->dev, event, peer->noise.remote_static, peer, NULL);
}

void wgt_event_peer_config(struct wgt_peer *peer, enum wgtun_event_type event)
{
	send_peer(peer, event);
}

void wgt_event_peer(struct wgt_peer *peer, enum wgtun_event_type event)
{
	/* Without listeners nothing is sent, so nothing is spent. */
	if (listened(peer->wg->dev) && peer_budget_take(peer))
		send_peer(peer, event);
}

void wgt_event_roam_refused(struct wgt_peer *peer, const struct wgt_endpoint *from)
{
	struct net_device *dev = peer->wg->dev;

	if (listened(dev) && peer_budget_take(peer))
		send_peer_entry(dev, WGTUN_EVENT_ROAM_REFUSED, peer->noise.remote_static, peer,
				from);
}

void wgt_event_unknown_peer(struct wgt_device *wg, const u8 *key, const struct wgt_endpoint *from)
{
	if (listened(wg->dev) &&
	    budget_take(&wg->unknown_peer_events_budget, WGTUN_UNKNOWN_PEER_EVENTS_PER_SECOND,
			WGTUN_UNKNOWN_PEER_EVENTS_PER_SECOND))
		send_peer_entry(wg->dev, WGTUN_EVENT_UNKNOWN_PEER, key, NULL, from);
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

	if (!peer_budget_take(peer))
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
