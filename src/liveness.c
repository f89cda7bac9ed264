// SPDX-License-Identifier: GPL-2.0
/*
 * Peer liveness, carrier, and the event budget.
 *
 * The packet paths only store the time of the last authenticated packet;
 * one lazy timer per peer compares it with the timeout when it fires and
 * re-arms itself for the remaining time, so a busy tunnel never touches the
 * timer.
 */

#include <linux/netdevice.h>

#include "compat.h"
#include "device.h"
#include "liveness.h"
#include "messages.h"
#include "netlink.h"
#include "peer.h"
#include "send.h"
#include "timers.h"

/* Events one peer may cause per second, and the burst above that. */
#define WGT_EVENTS_PER_SECOND 10
#define WGT_EVENTS_BURST 20

static unsigned long timeout_jiffies(const struct wgt_device *wg)
{
	return (unsigned long)(READ_ONCE(wg->liveness_timeout) ?:
			       WGTUN_LIVENESS_TIMEOUT_DEFAULT) * HZ;
}

bool wgt_liveness_alive(const struct wgt_peer *peer)
{
	return READ_ONCE(peer->alive);
}

static void liveness_arm(struct wgt_peer *peer, unsigned long expires)
{
	rcu_read_lock_bh();
	if (likely(!READ_ONCE(peer->is_dead)))
		mod_timer(&peer->timer_liveness, expires);
	rcu_read_unlock_bh();
}

static bool probing_wanted(struct wgt_peer *peer)
{
	sa_family_t family = READ_ONCE(peer->endpoint.addr.sa_family);

	return READ_ONCE(peer->wg->carrier_follows_peers) &&
	       (family == AF_INET || family == AF_INET6) &&
	       netif_running(peer->wg->dev);
}

static void set_alive(struct wgt_peer *peer, bool alive)
{
	struct wgt_device *wg = peer->wg;

	if (READ_ONCE(peer->alive) == alive || xchg(&peer->alive, alive) == alive)
		return;
	if (alive)
		atomic_inc(&wg->alive_peers);
	else
		atomic_dec(&wg->alive_peers);
	pr_debug("%s: peer %llu is %s\n", wg->dev->name, peer->internal_id,
		 alive ? "alive" : "not alive");
	wgt_event_peer(peer, alive ? WGTUN_EVENT_PEER_ALIVE : WGTUN_EVENT_PEER_DEAD);
	wgt_liveness_update_carrier(wg);
}

static void expired_liveness(struct timer_list *t)
{
	struct wgt_peer *peer = timer_container_of(peer, t, timer_liveness);
	u64 last = atomic64_read(&peer->last_rx);
	u64 deadline = last + timeout_jiffies(peer->wg);

	if (READ_ONCE(peer->alive)) {
		if (time_before64(get_jiffies_64(), deadline)) {
			liveness_arm(peer, jiffies + (unsigned long)(deadline - get_jiffies_64()));
			return;
		}
		set_alive(peer, false);
	}
	/* Not alive: knock every REKEY_TIMEOUT until the peer answers. */
	if (probing_wanted(peer)) {
		wgt_send_handshake_initiation(peer, false);
		liveness_arm(peer, jiffies + wgt_protocol_jiffies(REKEY_TIMEOUT));
	}
}

void wgt_liveness_init(struct wgt_peer *peer)
{
	timer_setup(&peer->timer_liveness, expired_liveness, 0);
	peer->alive = false;
	peer->events_stamp = jiffies;
	peer->events_budget = WGT_EVENTS_BURST;
}

void wgt_liveness_stop(struct wgt_peer *peer)
{
	timer_delete_sync(&peer->timer_liveness);
	if (xchg(&peer->alive, false))
		atomic_dec(&peer->wg->alive_peers);
}

void wgt_liveness_heard(struct wgt_peer *peer, bool session)
{
	atomic64_set(&peer->last_rx, get_jiffies_64());
	if (!session || READ_ONCE(peer->alive))
		return;
	/*
	 * A handshake worker may complete a session for a peer being removed,
	 * after wgt_liveness_stop(): it must not count the peer alive then.
	 * Removal marks the peer dead and waits a grace period before stopping.
	 */
	rcu_read_lock_bh();
	if (likely(!READ_ONCE(peer->is_dead))) {
		set_alive(peer, true);
		mod_timer(&peer->timer_liveness, jiffies + timeout_jiffies(peer->wg));
	}
	rcu_read_unlock_bh();
}

void wgt_liveness_peer_configured(struct wgt_peer *peer)
{
	if (!READ_ONCE(peer->alive) && probing_wanted(peer) &&
	    !timer_pending(&peer->timer_liveness))
		liveness_arm(peer, jiffies + 1);
}

/*
 * An alive peer's timer may be set for the old timeout's deadline: it fires
 * now and re-arms itself for the new one.  A peer that is not alive starts
 * knocking if carrier-follows-peers was just turned on.
 */
void wgt_liveness_reconfigured(struct wgt_device *wg)
{
	struct wgt_peer *peer;

	lockdep_assert_held(&wg->update_lock);
	list_for_each_entry(peer, &wg->peers, list) {
		if (READ_ONCE(peer->alive))
			liveness_arm(peer, jiffies);
		else
			wgt_liveness_peer_configured(peer);
	}
}

void wgt_liveness_update_carrier(struct wgt_device *wg)
{
	struct net_device *dev = wg->dev;
	bool want, had;

	if (!netif_running(dev))
		return;
	want = !READ_ONCE(wg->carrier_follows_peers) || atomic_read(&wg->alive_peers) > 0;
	had = netif_carrier_ok(dev);
	if (want == had)
		return;
	if (want)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
	wgt_event_carrier(wg, want);
}

bool wgt_events_allowed(struct wgt_peer *peer, enum wgtun_event event)
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
