// SPDX-License-Identifier: GPL-2.0
/*
 * Peer liveness and carrier.
 *
 * The packet paths only store the time of the last authenticated packet;
 * one lazy timer per peer compares it with the timeout when it fires and
 * re-arms itself for the remaining time, so a busy tunnel never touches the
 * timer.
 *
 * Liveness changes come from the liveness timer, NAPI, the handshake
 * workers and netlink at once.  Each one changes a peer's flag, the alive
 * count and, when the count crosses zero, the carrier, all in one section
 * under the interface's liveness_lock, and sends its events there too: the
 * last section to run sees the final count, so the carrier always ends up
 * following it, and the events go out in the order of the changes.  Only
 * transitions take the lock; a packet from a peer already alive does not.
 */

#include <linux/netdevice.h>

#include "compat.h"
#include "device.h"
#include "events.h"
#include "liveness.h"
#include "messages.h"
#include "peer.h"
#include "send.h"
#include "timers.h"

/* Protocol time, so that the debug build's time_divisor shortens it too. */
static unsigned long timeout_jiffies(const struct wgt_device *wg)
{
	return wgt_protocol_jiffies(READ_ONCE(wg->liveness_timeout) ?:
				    WGTUN_LIVENESS_TIMEOUT_DEFAULT);
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

/* Carrier follows the alive count; a change is announced in the same section. */
static void carrier_follow(struct wgt_device *wg)
{
	struct net_device *dev = wg->dev;
	bool want = !READ_ONCE(wg->carrier_follows_peers) || wg->alive_peers;

	lockdep_assert_held(&wg->liveness_lock);
	if (want == netif_carrier_ok(dev))
		return;
	if (want)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
	wgt_event_carrier(wg, want);
}

/* Count @peer alive or not, and let the carrier follow; @announce: log and send it. */
static bool set_alive(struct wgt_peer *peer, bool alive, bool announce)
{
	struct wgt_device *wg = peer->wg;

	lockdep_assert_held(&wg->liveness_lock);
	if (peer->alive == alive || (alive && !wg->liveness_open))
		return false;
	WRITE_ONCE(peer->alive, alive);
	if (alive)
		wg->alive_peers++;
	else
		wg->alive_peers--;
	if (announce)
		wgt_event_peer_alive(peer, alive);
	carrier_follow(wg);
	return true;
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
		spin_lock(&peer->wg->liveness_lock);
		set_alive(peer, false, true);
		spin_unlock(&peer->wg->liveness_lock);
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
}

void wgt_liveness_stop(struct wgt_peer *peer)
{
	struct wgt_device *wg = peer->wg;

	timer_delete_sync(&peer->timer_liveness);
	spin_lock_bh(&wg->liveness_lock);
	set_alive(peer, false, false);
	spin_unlock_bh(&wg->liveness_lock);
}

void wgt_liveness_open(struct wgt_device *wg)
{
	spin_lock_bh(&wg->liveness_lock);
	wg->liveness_open = true;
	spin_unlock_bh(&wg->liveness_lock);
}

/*
 * Once liveness_open is false no peer can turn alive, so each peer is taken
 * down, and its timer stopped, on its own.  Nothing arms a timer afterwards:
 * arming needs a peer that is alive, or a running interface to probe from.
 */
void wgt_liveness_close(struct wgt_device *wg)
{
	struct wgt_peer *peer;

	lockdep_assert_held(&wg->update_lock);
	spin_lock_bh(&wg->liveness_lock);
	wg->liveness_open = false;
	spin_unlock_bh(&wg->liveness_lock);
	list_for_each_entry(peer, &wg->peers, list) {
		timer_delete_sync(&peer->timer_liveness);
		spin_lock_bh(&wg->liveness_lock);
		set_alive(peer, false, true);
		spin_unlock_bh(&wg->liveness_lock);
	}
}

void wgt_liveness_heard(struct wgt_peer *peer, bool session)
{
	struct wgt_device *wg = peer->wg;

	atomic64_set(&peer->last_rx, get_jiffies_64());
	if (!session || READ_ONCE(peer->alive))
		return;
	/*
	 * A handshake worker may complete a session for a peer being removed,
	 * after wgt_liveness_stop(): it must not count the peer alive then.
	 * Removal marks the peer dead and waits a grace period before stopping.
	 * The timer is armed in the section that made the peer alive, so never
	 * after wgt_liveness_close() has stopped it.
	 */
	rcu_read_lock_bh();
	if (likely(!READ_ONCE(peer->is_dead))) {
		spin_lock(&wg->liveness_lock);
		if (set_alive(peer, true, true))
			mod_timer(&peer->timer_liveness, jiffies + timeout_jiffies(wg));
		spin_unlock(&wg->liveness_lock);
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
	spin_lock_bh(&wg->liveness_lock);
	carrier_follow(wg);
	spin_unlock_bh(&wg->liveness_lock);
}
