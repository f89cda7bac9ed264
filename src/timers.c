// SPDX-License-Identifier: GPL-2.0
/*
 * Per-peer protocol timers, following the WireGuard whitepaper's section on
 * timers.  All times are in seconds of protocol time, turned into jiffies by
 * the protocol clock (wgt_protocol_jiffies(), noise.h).
 *
 * This file's timers are armed only through peer_mod_timer(), which refuses
 * once the peer is dead (liveness.c arms its own timer by the same rule).
 * It checks under rcu_read_lock_bh, and removal sets is_dead before waiting
 * for a grace period, so after that grace period none of these timers can
 * be re-armed and wgt_timers_stop() is final.
 */

#include <linux/random.h>

#include "compat.h"
#include "device.h"
#include "messages.h"
#include "peer.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/* Retransmits and new handshakes are spread by up to a third of a second. */
static unsigned long jitter(void)
{
	return get_random_u32_below(REKEY_TIMEOUT_JITTER_MAX_JIFFIES + 1);
}

static void peer_mod_timer(struct wgt_peer *peer, struct timer_list *timer,
			   unsigned long expires)
{
	rcu_read_lock_bh();
	if (likely(!READ_ONCE(peer->is_dead)))
		mod_timer(timer, expires);
	rcu_read_unlock_bh();
}

static void expired_retransmit(struct timer_list *t)
{
	struct wgt_peer *peer = timer_container_of(peer, t, timer_retransmit);
	struct sk_buff *skb;

	if (peer->handshake_attempts > MAX_TIMER_HANDSHAKES) {
		pr_debug("%s: peer %llu: no handshake after %u attempts, giving up\n",
			 peer->wg->dev->name, peer->internal_id, MAX_TIMER_HANDSHAKES + 2);
		timer_delete(&peer->timer_keepalive);
		/* What waited for a session will not be sent. */
		while ((skb = skb_dequeue(&peer->staged)) != NULL) {
			wgt_peer_drop(peer, WGTUN_A_DROP_NO_SESSION);
			DEV_STATS_INC(peer->wg->dev, tx_dropped);
			kfree_skb(skb);
		}
		/* Keep the session keys a while longer in case it comes back. */
		if (!timer_pending(&peer->timer_zero_keys))
			peer_mod_timer(peer, &peer->timer_zero_keys,
				       jiffies + wgt_protocol_jiffies(ZERO_KEYS_AFTER_TIME));
		return;
	}
	++peer->handshake_attempts;
	pr_debug("%s: peer %llu: handshake unanswered, retrying (attempt %u)\n",
		 peer->wg->dev->name, peer->internal_id, peer->handshake_attempts + 1);
	/* A new route might use a different source address. */
	wgt_socket_clear_peer_endpoint_src(peer);
	wgt_send_handshake_initiation(peer, true);
}

static void expired_keepalive(struct timer_list *t)
{
	struct wgt_peer *peer = timer_container_of(peer, t, timer_keepalive);

	wgt_send_keepalive(peer);
	if (peer->need_another_keepalive) {
		peer->need_another_keepalive = false;
		peer_mod_timer(peer, &peer->timer_keepalive,
			       jiffies + wgt_protocol_jiffies(KEEPALIVE_TIMEOUT));
	}
}

static void expired_new_handshake(struct timer_list *t)
{
	struct wgt_peer *peer = timer_container_of(peer, t, timer_new_handshake);

	pr_debug("%s: peer %llu: sent data got no answer, new handshake\n",
		 peer->wg->dev->name, peer->internal_id);
	wgt_socket_clear_peer_endpoint_src(peer);
	wgt_send_handshake_initiation(peer, false);
}

static void expired_zero_keys(struct timer_list *t)
{
	struct wgt_peer *peer = timer_container_of(peer, t, timer_zero_keys);

	/* Wiping takes the handshake's rw_semaphore: do it in process context.
	 * The work holds a reference, dropped when it ran.
	 */
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->is_dead) && wgt_peer_get_maybe_zero(peer)) {
		if (!queue_work(system_wq, &peer->clear_work))
			wgt_peer_put(peer);
	}
	rcu_read_unlock_bh();
}

void wgt_timers_clear_work(struct work_struct *work)
{
	struct wgt_peer *peer = container_of(work, struct wgt_peer, clear_work);

	pr_debug("%s: peer %llu: no handshake for %u s, forgetting the keys\n",
		 peer->wg->dev->name, peer->internal_id, ZERO_KEYS_AFTER_TIME);
	wgt_noise_handshake_clear(&peer->noise);
	wgt_noise_keypairs_clear(&peer->noise);
	wgt_peer_put(peer);
}

static void expired_persistent_keepalive(struct timer_list *t)
{
	struct wgt_peer *peer = timer_container_of(peer, t, timer_persistent_keepalive);

	if (likely(peer->keepalive_interval))
		wgt_send_keepalive(peer);
}

void wgt_timers_init(struct wgt_peer *peer)
{
	timer_setup(&peer->timer_retransmit, expired_retransmit, 0);
	timer_setup(&peer->timer_keepalive, expired_keepalive, 0);
	timer_setup(&peer->timer_new_handshake, expired_new_handshake, 0);
	timer_setup(&peer->timer_zero_keys, expired_zero_keys, 0);
	timer_setup(&peer->timer_persistent_keepalive, expired_persistent_keepalive, 0);
	peer->handshake_attempts = 0;
	peer->need_another_keepalive = false;
	peer->sent_lastminute_handshake = false;
}

void wgt_timers_stop(struct wgt_peer *peer)
{
	timer_delete_sync(&peer->timer_retransmit);
	timer_delete_sync(&peer->timer_keepalive);
	timer_delete_sync(&peer->timer_new_handshake);
	timer_delete_sync(&peer->timer_zero_keys);
	timer_delete_sync(&peer->timer_persistent_keepalive);
}

/* A data packet (not a keepalive) went out. */
void wgt_timers_data_sent(struct wgt_peer *peer)
{
	if (!timer_pending(&peer->timer_new_handshake))
		peer_mod_timer(peer, &peer->timer_new_handshake,
			       jiffies + wgt_protocol_jiffies(KEEPALIVE_TIMEOUT +
							      REKEY_TIMEOUT) + jitter());
}

/* A data packet (not a keepalive) came in: answer within KEEPALIVE_TIMEOUT. */
void wgt_timers_data_received(struct wgt_peer *peer)
{
	if (likely(netif_running(peer->wg->dev))) {
		if (!timer_pending(&peer->timer_keepalive))
			peer_mod_timer(peer, &peer->timer_keepalive,
				       jiffies + wgt_protocol_jiffies(KEEPALIVE_TIMEOUT));
		else
			peer->need_another_keepalive = true;
	}
}

/* Anything authenticated went out: no separate keepalive needed. */
void wgt_timers_any_authenticated_packet_sent(struct wgt_peer *peer)
{
	timer_delete(&peer->timer_keepalive);
}

/* Anything authenticated came in: the peer is answering. */
void wgt_timers_any_authenticated_packet_received(struct wgt_peer *peer)
{
	timer_delete(&peer->timer_new_handshake);
}

void wgt_timers_handshake_initiated(struct wgt_peer *peer)
{
	peer_mod_timer(peer, &peer->timer_retransmit,
		       jiffies + wgt_protocol_jiffies(REKEY_TIMEOUT) + jitter());
}

void wgt_timers_handshake_complete(struct wgt_peer *peer)
{
	timer_delete(&peer->timer_retransmit);
	peer->handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
	ktime_get_real_ts64(&peer->last_handshake);
}

/* New session keys: forget them if no handshake follows for a long time. */
void wgt_timers_session_derived(struct wgt_peer *peer)
{
	peer_mod_timer(peer, &peer->timer_zero_keys,
		       jiffies + wgt_protocol_jiffies(ZERO_KEYS_AFTER_TIME));
}

/* Any authenticated packet in either direction restarts persistent keepalive. */
void wgt_timers_any_authenticated_packet_traversal(struct wgt_peer *peer)
{
	u16 interval = READ_ONCE(peer->keepalive_interval);

	if (interval)
		peer_mod_timer(peer, &peer->timer_persistent_keepalive,
			       jiffies + (unsigned long)interval * HZ);
}

void wgt_timers_keepalive_changed(struct wgt_peer *peer)
{
	if (!READ_ONCE(peer->keepalive_interval))
		timer_delete(&peer->timer_persistent_keepalive);
}
