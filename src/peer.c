// SPDX-License-Identifier: GPL-2.0
/*
 * Peer lifetime.
 *
 * A peer is reachable from three places: its interface's peer list and
 * public-key table (configuration), the allowed-IPs trie (transmit) and the
 * receiver-index table (receive).  Removal therefore runs in two phases:
 * first unlink it from all of them and wait for an RCU grace period, so no
 * packet path can find it any more; then stop its timers and work, wipe its
 * keys and drop the list's reference.  The memory goes away with the last
 * reference, after another grace period.
 */

#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "device.h"
#include "events.h"
#include "liveness.h"
#include "peer.h"
#include "port.h"
#include "receive.h"
#include "send.h"
#include "timers.h"

/* Noise may not take a peer that removal has started on. */
static bool peer_remote_get(struct wgt_noise_remote *r)
{
	struct wgt_peer *peer = wgt_peer_from_remote(r);

	if (READ_ONCE(peer->is_dead))
		return false;
	return !!wgt_peer_get_maybe_zero(peer);
}

static void peer_remote_put(struct wgt_noise_remote *r)
{
	wgt_peer_put(wgt_peer_from_remote(r));
}

const struct wgt_noise_ops wgt_peer_noise_ops = {
	.remote_get = peer_remote_get,
	.remote_put = peer_remote_put,
};

/*
 * A peer is about 1.2 KiB: kmalloc would round it up to 2 KiB, so peers come
 * from a cache of their own, which packs them with little waste (routers carry
 * thousands).
 */
static struct kmem_cache *peer_cache;

int __init wgt_peer_init(void)
{
	peer_cache = kmem_cache_create("wgtun_peer", sizeof(struct wgt_peer), 0, 0, NULL);
	return peer_cache ? 0 : -ENOMEM;
}

/* After the RCU callbacks that free peers have run (rcu_barrier()). */
void wgt_peer_uninit(void)
{
	kmem_cache_destroy(peer_cache);
}

struct wgt_peer *wgt_peer_create(struct wgt_device *wg, const u8 *public_key, const u8 *psk)
{
	struct wgt_peer *peer;
	int ret;

	lockdep_assert_held(&wg->update_lock);

	if (wg->num_peers >= MAX_PEERS_PER_DEVICE)
		return ERR_PTR(-E2BIG);
	if (wgt_pubkey_lookup(&wg->pubkeys, public_key))
		return ERR_PTR(-EEXIST);
	if (wgt_noise_local_is_own_key(&wg->local, public_key))
		return ERR_PTR(-EINVAL);

	peer = kmem_cache_zalloc(peer_cache, GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	if (dst_cache_init(&peer->endpoint_cache, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_free;
	}

	peer->wg = wg;
	ret = wgt_noise_remote_init(&peer->noise, &wg->local, public_key, psk);
	if (ret)
		goto err_dst;

	INIT_LIST_HEAD(&peer->allowedips);
	rwlock_init(&peer->endpoint_lock);
	skb_queue_head_init(&peer->staged);
	wgt_send_peer_init(peer);
	wgt_receive_peer_init(peer);
	INIT_WORK(&peer->handshake_work, wgt_send_handshake_work);
	INIT_WORK(&peer->clear_work, wgt_timers_clear_work);
	wgt_timers_init(peer);
	wgt_liveness_init(peer);
	wgt_events_peer_init(peer);
	kref_init(&peer->refcount);
	peer->internal_id = ++wg->peer_seq;

	ret = wgt_pubkey_table_insert(&wg->pubkeys, &peer->noise);
	if (ret)
		goto err_queue;
	ret = wgt_port_peer_add(peer);
	if (ret) {
		wgt_pubkey_table_remove(&wg->pubkeys, &peer->noise);
		goto err_queue;
	}
	/* Packets in the crypto engine keep the peer, and so the interface. */
	dev_hold(wg->dev);
	list_add_tail(&peer->list, &wg->peers);
	wg->num_peers++;
	pr_debug("%s: peer %llu created\n", wg->dev->name, peer->internal_id);
	return peer;

err_queue:
	wgt_receive_peer_stop(peer);
	/* The NAPI context was on the interface's list: wait out its readers. */
	synchronize_net();
	wgt_noise_remote_uninit(&peer->noise);
err_dst:
	dst_cache_destroy(&peer->endpoint_cache);
err_free:
	kmem_cache_free(peer_cache, peer);
	return ERR_PTR(ret);
}

/* Phase one: make the peer unreachable from every packet path. */
static void peer_unlink(struct wgt_peer *peer)
{
	struct wgt_device *wg = peer->wg;

	lockdep_assert_held(&wg->update_lock);

	WRITE_ONCE(peer->is_dead, true);
	wgt_allowedips_remove_by_peer(&wg->allowedips, peer, &peer->allowedips,
				      &wg->update_lock);
	wgt_pubkey_table_remove(&wg->pubkeys, &peer->noise);
	wgt_port_peer_remove(peer);
	list_del_init(&peer->list);
	wg->num_peers--;
	wgt_device_changed(wg);
}

/*
 * Phase two, after a grace period: nothing new can find the peer, so stop
 * what still runs for it and release the list's reference.
 */
static void peer_shutdown(struct wgt_peer *peer)
{
	wgt_receive_peer_stop(peer);
	wgt_liveness_stop(peer);
	wgt_timers_stop(peer);
	/* Queued work holds a reference of its own: cancelled, it is ours to drop. */
	if (cancel_work_sync(&peer->handshake_work))
		wgt_peer_put(peer);
	if (cancel_work_sync(&peer->clear_work))
		wgt_peer_put(peer);
	/* Work that ran before cancel may have re-armed a timer. */
	wgt_timers_stop(peer);
	wgt_noise_remote_uninit(&peer->noise);
	skb_queue_purge(&peer->staged);
	pr_debug("%s: peer %llu removed\n", peer->wg->dev->name, peer->internal_id);
	wgt_peer_put(peer);
}

void wgt_peer_remove(struct wgt_peer *peer)
{
	peer_unlink(peer);
	synchronize_net();
	peer_shutdown(peer);
}

void wgt_peer_remove_all(struct wgt_device *wg)
{
	struct wgt_peer *peer, *tmp;
	LIST_HEAD(dead);

	lockdep_assert_held(&wg->update_lock);

	if (list_empty(&wg->peers))
		return;
	list_for_each_entry_safe(peer, tmp, &wg->peers, list) {
		peer_unlink(peer);
		list_add_tail(&peer->list, &dead);
	}
	/* One grace period for all of them. */
	synchronize_net();
	list_for_each_entry_safe(peer, tmp, &dead, list) {
		list_del_init(&peer->list);
		peer_shutdown(peer);
	}
}

struct wgt_peer *wgt_peer_get_maybe_zero(struct wgt_peer *peer)
{
	if (unlikely(!peer || !kref_get_unless_zero(&peer->refcount)))
		return NULL;
	return peer;
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	struct wgt_peer *peer = container_of(rcu, struct wgt_peer, rcu);

	dst_cache_destroy(&peer->endpoint_cache);
	dev_put(peer->wg->dev);
	/* The session state is wiped by now; the rest may still say who the peer was. */
	memzero_explicit(peer, sizeof(*peer));
	kmem_cache_free(peer_cache, peer);
}

static void peer_release(struct kref *ref)
{
	struct wgt_peer *peer = container_of(ref, struct wgt_peer, refcount);

	/* A worker that held the last reference may have staged a keepalive. */
	skb_queue_purge(&peer->staged);
	call_rcu(&peer->rcu, peer_free_rcu);
}

void wgt_peer_put(struct wgt_peer *peer)
{
	if (peer)
		kref_put(&peer->refcount, peer_release);
}
