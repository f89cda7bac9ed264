// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit path.
 *
 * wgt_xmit() picks the peer by destination in the allowed-IPs trie, splits
 * GSO packets once, and appends the segments to the peer's staged queue.
 * wgt_send_staged() then takes the whole queue, reserves one nonce per
 * packet from the current keypair and submits the packets to the crypto
 * engine (queueing.h) on the peer's transmit queue.  The engine seals them
 * (seal()) on any CPU and calls tx_flush(), which hands the sealed packets
 * to the UDP socket in nonce order.  Without a usable keypair the packets
 * stay staged (bounded) and a handshake is requested; its completion sends
 * them.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/moduleparam.h>
#include <net/icmp.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>

#include "compat.h"
#include "crypto.h"
#include "device.h"
#include "messages.h"
#include "peer.h"
#include "queueing.h"
#include "receive.h"
#include "send.h"
#include "skbcb.h"
#include "socket.h"
#include "timers.h"

/* Handshake messages are marked as network control traffic (CS6). */
#define WGT_HANDSHAKE_DS 0x88

/* At most one initiation per REKEY_TIMEOUT, and none to a peer being removed. */
static bool initiation_allowed(struct wgt_peer *peer)
{
	return wgt_protocol_expired(atomic64_read(&peer->last_sent_handshake), REKEY_TIMEOUT) &&
	       !READ_ONCE(peer->is_dead);
}

static void send_initiation(struct wgt_peer *peer)
{
	struct wgt_msg_initiation msg;

	if (!initiation_allowed(peer))
		return;

	atomic64_set(&peer->last_sent_handshake, get_jiffies_64());
	pr_debug("%s: peer %llu: sending handshake initiation\n",
		 peer->wg->dev->name, peer->internal_id);
	if (wgt_noise_create_initiation(&peer->noise, &msg)) {
		wgt_cookie_add_macs(&msg, sizeof(msg), &peer->noise.cookie);
		wgt_timers_any_authenticated_packet_traversal(peer);
		wgt_timers_any_authenticated_packet_sent(peer);
		/* Before it leaves: the response may be taken in before the send returns. */
		wgt_timers_handshake_initiated(peer);
		atomic64_set(&peer->last_sent_handshake, get_jiffies_64());
		wgt_socket_send_buffer_to_peer(peer, &msg, sizeof(msg), WGT_HANDSHAKE_DS);
	}
	memzero_explicit(&msg, sizeof(msg));
}

void wgt_send_handshake_work(struct work_struct *work)
{
	struct wgt_peer *peer = container_of(work, struct wgt_peer, handshake_work);

	send_initiation(peer);
	wgt_peer_put(peer);
}

static bool peer_has_endpoint(struct wgt_peer *peer)
{
	sa_family_t family = READ_ONCE(peer->endpoint.addr.sa_family);

	return family == AF_INET || family == AF_INET6;
}

void wgt_send_handshake_initiation(struct wgt_peer *peer, bool is_retry)
{
	if (!is_retry)
		peer->handshake_attempts = 0;

	/*
	 * A peer whose endpoint is unknown (the server side of remote access)
	 * cannot be reached: it has to initiate, and we learn where it is.
	 */
	if (!peer_has_endpoint(peer))
		return;

	rcu_read_lock_bh();
	if (initiation_allowed(peer) && wgt_peer_get_maybe_zero(peer)) {
		if (!queue_work(wgt_handshake_wq, &peer->handshake_work))
			wgt_peer_put(peer);
	}
	rcu_read_unlock_bh();
}

void wgt_send_handshake_response(struct wgt_peer *peer)
{
	struct wgt_msg_response msg;

	atomic64_set(&peer->last_sent_handshake, get_jiffies_64());
	pr_debug("%s: peer %llu: sending handshake response\n",
		 peer->wg->dev->name, peer->internal_id);
	if (wgt_noise_create_response(&peer->noise, &msg)) {
		wgt_cookie_add_macs(&msg, sizeof(msg), &peer->noise.cookie);
		if (wgt_noise_begin_session(&peer->noise)) {
			wgt_timers_session_derived(peer);
			wgt_timers_any_authenticated_packet_traversal(peer);
			wgt_timers_any_authenticated_packet_sent(peer);
			atomic64_set(&peer->last_sent_handshake, get_jiffies_64());
			wgt_socket_send_buffer_to_peer(peer, &msg, sizeof(msg), WGT_HANDSHAKE_DS);
		}
	}
	memzero_explicit(&msg, sizeof(msg));
}

void wgt_send_cookie_reply(struct wgt_device *wg, struct wgt_cookie_checker *checker,
			   struct sk_buff *in_skb, __le32 sender_index)
{
	struct wgt_msg_cookie msg;

	net_dbg_ratelimited("%s: under load, sending cookie reply\n", wg->dev->name);
	wgt_cookie_message_create(&msg, in_skb, sender_index, checker);
	wgt_socket_send_buffer_as_reply(wg, in_skb, &msg, sizeof(msg));
}

void wgt_send_keepalive(struct wgt_peer *peer)
{
	struct sk_buff *skb;

	if (skb_queue_empty_lockless(&peer->staged)) {
		skb = alloc_skb(WGT_DATA_HEADROOM + WGT_DATA_TAILROOM, GFP_ATOMIC);
		if (unlikely(!skb))
			return;
		skb_reserve(skb, WGT_DATA_HEADROOM);
		skb->dev = peer->wg->dev;
		wgt_skb_cb(skb)->mtu = 0;
		wgt_skb_cb(skb)->ds = 0;
		skb_queue_tail(&peer->staged, skb);
		pr_debug("%s: peer %llu: sending keepalive\n",
			 peer->wg->dev->name, peer->internal_id);
	}
	wgt_send_staged(peer);
}

/* Pad to a multiple of 16, but never past the MTU the packet came with. */
static unsigned int padding_for(struct sk_buff *skb)
{
	unsigned int len = skb->len, mtu = wgt_skb_cb(skb)->mtu;
	unsigned int padded = ALIGN(len, MESSAGE_PADDING_MULTIPLE);

	if (mtu && len <= mtu && padded > mtu)
		padded = mtu;
	return padded - len;
}

/* Turn a staged plaintext into a transport data message, in place. */
static bool seal(struct sk_buff *skb)
{
	struct wgt_skb_cb *cb = wgt_skb_cb(skb);
	struct wgt_noise_keypair *kp = cb->keypair;
	unsigned int pad = padding_for(skb);
	struct wgt_msg_data *hdr;

	if (unlikely(skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)))
		return false;
	if (unlikely(skb_cow_head(skb, WGT_DATA_HEADROOM)))
		return false;

	hdr = skb_push(skb, sizeof(*hdr));
	/* The tunnel transmit counts the message from here (socket.h). */
	skb_set_inner_network_header(skb, 0);
	hdr->header.type = cpu_to_le32(MESSAGE_DATA);
	hdr->receiver = cpu_to_le32(kp->remote_index);
	hdr->counter = cpu_to_le64(cb->nonce);
	return wgt_crypto_encrypt_skb(skb, sizeof(*hdr), pad, kp->sending_key, cb->nonce);
}

/* Send one packet the engine finished, or drop it; in order. */
static void send_sealed(struct wgt_peer *peer, struct sk_buff *skb)
{
	struct net_device *dev = peer->wg->dev;
	u8 ds = wgt_skb_cb(skb)->ds;
	int ret;

	if (unlikely(wgt_skb_cb(skb)->state != WGT_CRYPT_DONE)) {
		wgt_peer_drop(peer, WGTUN_A_DROP_SEAL);
		DEV_STATS_INC(dev, tx_errors);
		kfree_skb(skb);
		return;
	}
	skb_scrub_packet(skb, true);
	ret = wgt_socket_send_skb_to_peer(peer, skb, ds);
	if (unlikely(ret)) {
		wgt_peer_drop(peer, ret == -EDESTADDRREQ ? WGTUN_A_DROP_NO_ENDPOINT :
							   WGTUN_A_DROP_NO_ROUTE);
		DEV_STATS_INC(dev, tx_errors);
		return;
	}
	atomic64_inc(&peer->stats.tx_packets);
}

/*
 * Tell the timers about a run of finished packets before it goes out: the
 * peer's answer to it may be taken in on another CPU (or by the softirq the
 * send itself runs) before the send returns, and the timers that answer
 * stops have to be running by then.
 */
static void tx_tell_timers(struct wgt_peer *peer, struct sk_buff_head *run)
{
	bool sealed = false, data = false;
	struct sk_buff *skb;

	skb_queue_walk(run, skb) {
		if (wgt_skb_cb(skb)->state != WGT_CRYPT_DONE)
			continue;
		sealed = true;
		if (wgt_skb_cb(skb)->plain_len) {
			data = true;
			break;
		}
	}
	if (!sealed)
		return;
	wgt_timers_any_authenticated_packet_traversal(peer);
	wgt_timers_any_authenticated_packet_sent(peer);
	if (data)
		wgt_timers_data_sent(peer);
}

/* Send a run of finished packets, in order, outside the queue's lock. */
static void tx_pass_on(struct wgt_peer *peer, struct sk_buff_head *done)
{
	struct wgt_noise_keypair *kp;
	struct sk_buff *skb;

	tx_tell_timers(peer, done);
	local_bh_disable();
	while ((skb = __skb_dequeue(done)) != NULL) {
		kp = wgt_skb_cb(skb)->keypair;
		send_sealed(peer, skb);
		wgt_noise_keypair_put(kp);
		/* Not the last reference: the engine holds one while it calls us. */
		wgt_peer_put(peer);
	}
	local_bh_enable();
}

/*
 * The engine's @finished for transmit: send every sealed packet at the head
 * of the peer's queue, in order. One CPU at a time does that: a CPU that
 * finds another at it leaves it the packets, and the one at it looks at the
 * head again (under the lock) each time it has sent a run, so no finished
 * packet is left behind. Sending happens outside the lock, so the CPUs
 * sealing the next packets do not wait on it.
 */
static void tx_flush(struct wgt_crypt_queue *q)
{
	struct wgt_peer *peer = q->peer;
	struct sk_buff_head done;

	__skb_queue_head_init(&done);
	spin_lock_bh(&q->packets.lock);
	if (peer->tx_flushing) {
		spin_unlock_bh(&q->packets.lock);
		return;
	}
	peer->tx_flushing = true;
	while (wgt_crypt_take_finished(q, &done, UINT_MAX)) {
		spin_unlock_bh(&q->packets.lock);
		tx_pass_on(peer, &done);
		spin_lock_bh(&q->packets.lock);
	}
	peer->tx_flushing = false;
	spin_unlock_bh(&q->packets.lock);
}

/*
 * A lone outgoing packet (a datagram, an ACK) up to this size is sealed by
 * the sending CPU; off by default, since a sender of small datagrams would
 * otherwise seal them all on its own CPU. Runs of staged packets (GSO
 * bursts) always go to the engine's workers. Measured in
 * docs/benchmarks-log.md, 2026-11-30 (`06f6b2d` and `a1ccdc7`).
 */
static unsigned int inline_tx_bytes;
module_param(inline_tx_bytes, uint, 0644);
MODULE_PARM_DESC(inline_tx_bytes,
		 "seal lone outgoing packets up to this size on the sending CPU (default 0 = never)");

static const struct wgt_crypt_ops tx_ops = {
	.crypt = seal,
	.finished = tx_flush,
	.inline_bytes = &inline_tx_bytes,
};

void wgt_send_peer_init(struct wgt_peer *peer)
{
	wgt_crypt_queue_init(&peer->tx_ordered, peer, &tx_ops, &peer->wg->crypt_share);
}

void wgt_send_staged(struct wgt_peer *peer)
{
	struct wgt_noise_keypair *kp;
	struct sk_buff_head packets;
	struct sk_buff *skb;
	u64 nonce;

	/* Nothing to send is no reason for a handshake (as in WireGuard). */
	if (skb_queue_empty_lockless(&peer->staged))
		return;

	__skb_queue_head_init(&packets);
	kp = wgt_noise_keypair_current_get(&peer->noise);
	if (unlikely(!kp || wgt_noise_keypair_expired(kp)))
		goto need_handshake;

	spin_lock_bh(&peer->staged.lock);
	skb_queue_splice_init(&peer->staged, &packets);
	spin_unlock_bh(&peer->staged.lock);
	if (skb_queue_empty(&packets))
		goto out;

	/* Reserve all nonces first; one packet past the limit fails them all. */
	skb_queue_walk(&packets, skb) {
		if (unlikely(!wgt_noise_keypair_nonce_next(kp, &nonce)))
			goto restage;
		wgt_skb_cb(skb)->nonce = nonce;
		wgt_skb_cb(skb)->plain_len = skb->len;
	}
	if (unlikely(wgt_noise_keypair_wants_rekey(kp)))
		wgt_send_handshake_initiation(peer, false);
	/* The engine takes peer and keypair references of its own per packet. */
	wgt_crypt_submit(&peer->tx_ordered, &packets, kp);
out:
	wgt_noise_keypair_put(kp);
	return;

restage:
	/* Put them back in front of anything staged meanwhile. */
	spin_lock_bh(&peer->staged.lock);
	skb_queue_splice(&packets, &peer->staged);
	spin_unlock_bh(&peer->staged.lock);
need_handshake:
	if (kp)
		wgt_noise_keypair_put(kp);
	wgt_send_handshake_initiation(peer, false);
}

/* The inner packet must carry a whole IPv4 or IPv6 header. */
static bool inner_header_ok(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4;
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       ipv6_hdr(skb)->version == 6;
	return false;
}

/* Tell the sender, as a router would, and drop. */
static void send_unreachable(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

static void too_big(struct sk_buff *skb, u32 mtu)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		if (ip_hdr(skb)->frag_off & htons(IP_DF))
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	} else {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	}
}

static u32 packet_mtu(struct sk_buff *skb, struct net_device *dev)
{
	u32 mtu = READ_ONCE(dev->mtu);

	if (skb_valid_dst(skb))
		mtu = min(mtu, dst_mtu(skb_dst(skb)));
	return mtu;
}

netdev_tx_t wgt_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);
	struct sk_buff_head packets;
	struct sk_buff *segs, *next;
	enum wgtun_drop_attr why;
	struct wgt_peer *peer;
	u32 mtu;
	u8 ds;

	if (unlikely(!inner_header_ok(skb))) {
		why = WGTUN_A_DROP_MALFORMED;
		goto err;
	}

	rcu_read_lock_bh();
	peer = wgt_peer_get_maybe_zero(wgt_allowedips_lookup_dst(&wg->allowedips, skb));
	rcu_read_unlock_bh();
	if (unlikely(!peer)) {
		why = WGTUN_A_DROP_NO_PEER;
		net_dbg_ratelimited("%s: no peer for this destination\n", dev->name);
		send_unreachable(skb);
		goto err;
	}
	if (unlikely(!peer_has_endpoint(peer))) {
		why = WGTUN_A_DROP_NO_ENDPOINT;
		net_dbg_ratelimited("%s: peer %llu has no endpoint yet\n",
				    dev->name, peer->internal_id);
		send_unreachable(skb);
		goto err_peer;
	}

	mtu = packet_mtu(skb, dev);
	if (unlikely(!skb_is_gso(skb) && skb->len > mtu)) {
		why = WGTUN_A_DROP_OVERSIZE;
		too_big(skb, mtu);
		goto err_peer;
	}
	ds = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);

	__skb_queue_head_init(&packets);
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR(segs)) {
			why = WGTUN_A_DROP_MALFORMED;
			goto err_peer;
		}
		if (segs) {
			consume_skb(skb);
			skb = segs;
		}
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (unlikely(!skb))
			continue;
		/* Nothing of the inner flow's routing travels with the packet. */
		skb_dst_drop(skb);
		skb_forward_csum(skb);
		wgt_skb_cb(skb)->mtu = mtu;
		wgt_skb_cb(skb)->ds = ds;
		__skb_queue_tail(&packets, skb);
	}

	spin_lock_bh(&peer->staged.lock);
	skb_queue_splice_tail(&packets, &peer->staged);
	while (skb_queue_len(&peer->staged) > MAX_STAGED_PACKETS) {
		kfree_skb(__skb_dequeue(&peer->staged));
		wgt_peer_drop(peer, WGTUN_A_DROP_QUEUE_FULL);
		DEV_STATS_INC(dev, tx_dropped);
	}
	spin_unlock_bh(&peer->staged.lock);

	wgt_send_staged(peer);
	wgt_peer_put(peer);
	return NETDEV_TX_OK;

err_peer:
	wgt_peer_drop(peer, why);
	wgt_peer_put(peer);
	goto drop;
err:
	atomic64_inc(&wg->drops[why]);
drop:
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
