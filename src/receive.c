// SPDX-License-Identifier: GPL-2.0
/*
 * Receive path.
 *
 * wgt_receive() runs in the UDP socket's softirq.  It checks the message
 * type and length, then:
 *  - transport data: find the keypair by receiver index and submit the
 *    packet to the crypto engine (queueing.h) on the peer's receive queue;
 *    the engine opens it in place (rx_open()), right here up to
 *    inline_rx_bytes and by the engine's workers above that, and calls
 *    rx_finished(), which schedules the peer's NAPI poll; the poll checks
 *    the replay window and the inner source against the peer's allowed IPs,
 *    in arrival order, and hands the packet to GRO;
 *  - handshake messages: an initiation or response with a wrong mac1 is
 *    dropped on the spot (one BLAKE2s); the rest, and cookie replies, are
 *    queued on their port's backlog and processed by workers in process
 *    context, because their Curve25519 work is expensive and a flood must
 *    not starve data.  The backlog is bounded per port and module-wide, a
 *    port's share of the module's bound shrinking as others fill it; past
 *    a full share, a message whose mac2 proves its sender's address, and
 *    that the rate limiter admits, still goes to the front of its port's
 *    queue, into a little room kept for those, so that a spoofed flood
 *    does not keep real peers out; the
 *    ports with messages waiting stand in one line that every CPU's worker
 *    serves, one message of the first port at a time, that port then going
 *    to the back.  So a flood at one port, or at thousands, takes no more
 *    of the workers than one quiet port with a handshake waiting gets, and
 *    a backlog is spread over the CPUs whatever CPU received it.
 * The port a message came in on (port.h) may be shared by several
 * interfaces: a receiver index is looked up module-wide and its session
 * must belong to an interface on that port; an initiation finds its peer
 * among all of the port's.
 * Every drop is counted, per peer when the peer is known, per interface
 * otherwise (a shared port's first member).
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/udp.h>
#include <net/dst.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "crypto.h"
#include "device.h"
#include "events.h"
#include "liveness.h"
#include "messages.h"
#include "peer.h"
#include "port.h"
#include "queueing.h"
#include "ratelimiter.h"
#include "receive.h"
#include "send.h"
#include "skbcb.h"
#include "socket.h"
#include "timers.h"

struct workqueue_struct *wgt_handshake_wq;

/*
 * The handshake backlog of all ports: the line of ports with messages
 * queued (each on it while its wgt_port.handshakes is not empty; a port's
 * queue lock, then @lock, to join or leave it) and the count of messages
 * queued in all.
 */
static struct {
	spinlock_t lock;	/* guards @line's order */
	struct list_head line;
	atomic_t queued;
} backlog = {
	.lock = __SPIN_LOCK_UNLOCKED(backlog.lock),
	.line = LIST_HEAD_INIT(backlog.line),
	.queued = ATOMIC_INIT(0),
};

/* One per CPU, each serving the whole line. */
struct handshake_cpu {
	struct work_struct work;
	int cpu;
};

static struct handshake_cpu __percpu *handshake_cpus;

/* Handshakes one work run takes before it yields to other work on its CPU. */
#define WGT_HANDSHAKE_BATCH 16

/*
 * Whether @port demands mac2 (answering a message without one with a
 * cookie reply) and rate-limits handshakes: while its own queue, or the
 * backlog of all ports, is at an eighth of its bound, and for a while after.
 */
static bool port_under_load(struct wgt_port *port)
{
	unsigned long last;

	if (skb_queue_len_lockless(&port->handshakes) >= UNDER_LOAD_QUEUE_THRESHOLD ||
	    atomic_read(&backlog.queued) >= UNDER_LOAD_ALL_THRESHOLD) {
		WRITE_ONCE(port->last_under_load, jiffies);
		return true;
	}
	/* Stay in cookie mode a while after the flood recedes. */
	last = READ_ONCE(port->last_under_load);
	return last && time_before(jiffies, last + UNDER_LOAD_AFTER_TIME * HZ);
}

/*
 * A drop before any peer was known: the port's first member counts it, and
 * a receive error too when the message was of no use to anyone (@error).
 */
static void port_drop(struct wgt_port *port, enum wgtun_drop_attr why, bool error)
{
	struct wgt_device *wg;

	rcu_read_lock();
	wg = wgt_port_first(port);
	if (wg) {
		wgt_device_drop(wg, why);
		if (error)
			DEV_STATS_INC(wg->dev, rx_errors);
	}
	rcu_read_unlock();
}

/*
 * Whether @remote, found by a receiver index that came in on @port,
 * belongs to an interface on that port.  RCU or a reference held.
 */
static bool remote_on_port(struct wgt_noise_remote *remote, struct wgt_port *port)
{
	return rcu_access_pointer(wgt_peer_from_remote(remote)->wg->port) == port;
}

/*
 * Whether the receiver index @index of a message that came in on @port
 * names an entry of one of @mask's types on an interface on that port.
 */
static bool index_on_port(struct wgt_port *port, __le32 index, u8 mask)
{
	struct wgt_noise_remote *remote;
	bool ok;

	remote = wgt_index_lookup_get(&wgt_indices, le32_to_cpu(index), mask, NULL);
	if (!remote)
		return false;
	ok = remote_on_port(remote, port);
	wgt_peer_put(wgt_peer_from_remote(remote));
	return ok;
}

/*
 * Note an authenticated packet from @peer that came in on @skb, @len bytes
 * on the wire: its endpoint follows it unless pinned (socket.h), and the
 * interface counts every such message, as its transmit counts every message
 * sent (socket.h).
 */
static void peer_heard(struct wgt_peer *peer, struct sk_buff *skb, size_t len)
{
	enum wgt_endpoint_heard verdict;
	struct wgt_endpoint from;

	verdict = wgt_socket_peer_heard_from(peer, skb, &from);
	if (verdict == WGT_HEARD_MOVED) {
		wgt_event_peer(peer, WGTUN_EVENT_ENDPOINT);
	} else if (verdict == WGT_HEARD_REFUSED || verdict == WGT_HEARD_REFUSED_NEW) {
		atomic64_inc(&peer->stats.roam_refused);
		if (verdict == WGT_HEARD_REFUSED_NEW)
			wgt_event_roam_refused(peer, &from);
	}
	atomic64_add(len, &peer->stats.rx_bytes);
	dev_sw_netstats_rx_add(peer->wg->dev, len);
	wgt_timers_any_authenticated_packet_received(peer);
	wgt_timers_any_authenticated_packet_traversal(peer);
	wgt_liveness_heard(peer, false);
}

/*
 * The interface on @port that reports initiations from unknown keys (the
 * first of its members that asked to), with its device held; NULL if none
 * asked.  wgt_event_unknown_peer() bounds how often it reports.
 */
static struct wgt_device *port_teller(struct wgt_port *port)
{
	struct wgt_device *wg;

	rcu_read_lock();
	list_for_each_entry_rcu(wg, &port->members, port_node) {
		if (READ_ONCE(wg->unknown_peer_events)) {
			dev_hold(wg->dev);
			rcu_read_unlock();
			return wg;
		}
	}
	rcu_read_unlock();
	return NULL;
}

static void consume_initiation(struct wgt_port *port, struct sk_buff *skb)
{
	struct wgt_msg_initiation *msg = (struct wgt_msg_initiation *)skb->data;
	struct wgt_device *teller = port_teller(port);
	struct wgt_noise_remote *remote;
	u8 stranger[NOISE_PUBLIC_KEY_LEN];
	struct wgt_endpoint from;
	struct wgt_peer *peer;

	remote = wgt_noise_consume_initiation(&port->local, msg, teller ? stranger : NULL);
	if (teller) {
		/* An error here means: from no peer's key, which is in @stranger. */
		if (IS_ERR(remote) && !wgt_socket_endpoint_from_skb(&from, skb))
			wgt_event_unknown_peer(teller, stranger, &from);
		dev_put(teller->dev);
	}
	if (IS_ERR_OR_NULL(remote)) {
		if (!remote)
			net_dbg_ratelimited("wgtun: port %u: invalid handshake initiation\n",
					    port->num);
		port_drop(port, WGTUN_A_DROP_HANDSHAKE, false);
		return;
	}
	peer = wgt_peer_from_remote(remote);
	/* Its interface left the port since the lookup. */
	if (unlikely(!remote_on_port(remote, port))) {
		wgt_peer_drop(peer, WGTUN_A_DROP_HANDSHAKE);
		wgt_peer_put(peer);
		return;
	}
	pr_debug("%s: peer %llu: handshake initiation received\n",
		 peer->wg->dev->name, peer->internal_id);
	peer_heard(peer, skb, skb->len);
	wgt_send_handshake_response(peer);
	wgt_peer_put(peer);
}

static void consume_response(struct wgt_port *port, struct sk_buff *skb)
{
	struct wgt_msg_response *msg = (struct wgt_msg_response *)skb->data;
	struct wgt_noise_remote *remote = NULL;
	struct wgt_peer *peer;

	/* Only a handshake of an interface on this port may go on with it. */
	if (index_on_port(port, msg->receiver_index, WGT_INDEX_HANDSHAKE))
		remote = wgt_noise_consume_response(&port->local, msg);
	if (!remote) {
		net_dbg_ratelimited("wgtun: port %u: invalid handshake response\n", port->num);
		port_drop(port, WGTUN_A_DROP_HANDSHAKE, false);
		return;
	}
	peer = wgt_peer_from_remote(remote);
	pr_debug("%s: peer %llu: handshake response received\n",
		 peer->wg->dev->name, peer->internal_id);
	peer_heard(peer, skb, skb->len);
	if (wgt_noise_begin_session(&peer->noise)) {
		wgt_timers_session_derived(peer);
		wgt_timers_handshake_complete(peer);
		/* The handshake is news before what follows from it (alive, carrier). */
		wgt_event_peer(peer, WGTUN_EVENT_HANDSHAKE);
		wgt_liveness_heard(peer, true);
		/*
		 * Send what waited for this session; with nothing staged this
		 * is a keepalive, which confirms the session to the responder.
		 */
		wgt_send_keepalive(peer);
	}
	wgt_peer_put(peer);
}

/* A cookie reply to a handshake message from a stranger, from @port. */
static void reply_with_cookie(struct wgt_port *port, struct sk_buff *skb, __le32 sender)
{
	struct wgt_device *wg;

	rcu_read_lock();
	wg = wgt_port_first(port);
	if (wg)
		dev_hold(wg->dev);
	rcu_read_unlock();
	if (!wg)
		return;
	wgt_send_cookie_reply(wg, &port->cookie_checker, skb, sender);
	wgt_device_drop(wg, WGTUN_A_DROP_RATELIMITED);
	dev_put(wg->dev);
}

static void handshake_process(struct wgt_port *port, struct sk_buff *skb)
{
	__le32 type = ((struct wgt_msg_header *)skb->data)->type;
	bool under_load;

	if (type == cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE)) {
		struct wgt_msg_cookie *msg = (struct wgt_msg_cookie *)skb->data;

		if (!index_on_port(port, msg->receiver_index,
				   WGT_INDEX_HANDSHAKE | WGT_INDEX_KEYPAIR) ||
		    wgt_cookie_message_consume(msg, &wgt_indices))
			port_drop(port, WGTUN_A_DROP_HANDSHAKE, false);
		return;
	}

	/*
	 * mac1 was checked before the message was queued (wgt_receive()), and
	 * mac2 and the rate limiter too if it was admitted past a full backlog.
	 */
	under_load = !wgt_skb_cb(skb)->admitted && port_under_load(port);
	if (under_load && !wgt_cookie_mac2_valid(&port->cookie_checker, skb)) {
		/* Prove your address first: answer with a cookie, nothing else. */
		__le32 sender = type == cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION) ?
			((struct wgt_msg_initiation *)skb->data)->sender_index :
			((struct wgt_msg_response *)skb->data)->sender_index;

		reply_with_cookie(port, skb, sender);
		return;
	}
	if (under_load && !wgt_ratelimiter_allow(skb, port->net)) {
		port_drop(port, WGTUN_A_DROP_RATELIMITED, false);
		return;
	}

	if (type == cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION))
		consume_initiation(port, skb);
	else
		consume_response(port, skb);
}

/* @port's queue turned non-empty, its lock held: @port joins the line. */
static void line_join(struct wgt_port *port)
{
	lockdep_assert_held(&port->handshakes.lock);
	wgt_port_get(port);
	spin_lock_bh(&backlog.lock);
	list_add_tail(&port->handshake_node, &backlog.line);
	spin_unlock_bh(&backlog.lock);
}

/*
 * @port's queue turned empty, its lock held: @port leaves the line.  The
 * caller drops the line's reference (wgt_port_put()) once it has let go of
 * the lock.
 */
static void line_leave(struct wgt_port *port)
{
	lockdep_assert_held(&port->handshakes.lock);
	spin_lock_bh(&backlog.lock);
	list_del_init(&port->handshake_node);
	spin_unlock_bh(&backlog.lock);
}

/*
 * Serve the first port in line: it goes to the back and its oldest
 * message is processed.  Return: false if the line was empty.
 */
static bool serve_one(void)
{
	struct wgt_port *port;
	struct sk_buff *skb;
	bool emptied = false;

	spin_lock_bh(&backlog.lock);
	port = list_first_entry_or_null(&backlog.line, struct wgt_port, handshake_node);
	if (port) {
		list_move_tail(&port->handshake_node, &backlog.line);
		/* Ours while we work; the line's may go before we are done. */
		wgt_port_get(port);
	}
	spin_unlock_bh(&backlog.lock);
	if (!port)
		return false;

	spin_lock_bh(&port->handshakes.lock);
	/* Empty if wgt_receive_purge_handshakes() came first. */
	skb = __skb_dequeue(&port->handshakes);
	if (skb && skb_queue_empty(&port->handshakes)) {
		line_leave(port);
		emptied = true;
	}
	spin_unlock_bh(&port->handshakes.lock);
	if (emptied)
		wgt_port_put(port);
	if (skb) {
		atomic_dec(&backlog.queued);
		handshake_process(port, skb);
		kfree_skb(skb);
	}
	wgt_port_put(port);
	return true;
}

static void handshake_worker(struct work_struct *work)
{
	struct handshake_cpu *w = container_of(work, struct handshake_cpu, work);
	int n;

	for (n = 0; n < WGT_HANDSHAKE_BATCH; n++) {
		if (!serve_one())
			return;
		cond_resched();
	}
	/*
	 * A flood must not starve the crypto workers sharing this CPU: after a
	 * batch, go to the back of the CPU's work queue.
	 */
	if (!list_empty(&backlog.line))
		queue_work_on(w->cpu, wgt_handshake_wq, work);
}

/*
 * Whether a port with @mine messages queued may queue one more, @all being
 * the count of all ports with that one: while @mine is under both the
 * port's own bound and what the module-wide one leaves, each raised by
 * @extra.  With k ports flooding, each stops at about 1/(k + 1) of the
 * module's bound, so a port with nothing queued still finds as much room.
 */
static bool may_queue(unsigned int mine, unsigned int all, unsigned int extra)
{
	return mine < MAX_QUEUED_INCOMING_HANDSHAKES + extra &&
	       mine + all <= MAX_QUEUED_HANDSHAKES_ALL + extra;
}

/*
 * Put @skb on @port's queue if there is room for it with @extra more:
 * at the back, or, when it is let past a full backlog (@extra), at the
 * front, so that the workers take it before the flood that filled it.
 */
static bool try_queue(struct wgt_port *port, struct sk_buff *skb, unsigned int all,
		      unsigned int extra)
{
	bool queued = false;

	wgt_skb_cb(skb)->admitted = extra != 0;
	spin_lock_bh(&port->handshakes.lock);
	if (may_queue(skb_queue_len(&port->handshakes), all, extra)) {
		if (skb_queue_empty(&port->handshakes))
			line_join(port);
		if (extra)
			__skb_queue_head(&port->handshakes, skb);
		else
			__skb_queue_tail(&port->handshakes, skb);
		queued = true;
	}
	spin_unlock_bh(&port->handshakes.lock);
	return queued;
}

/*
 * Whether @skb, an initiation or response meeting a full backlog, comes
 * from a sender that proved its address: its mac2 is right under the
 * cookie @port hands out to that address (so the sender receives there),
 * and the rate limiter admits the address.  A flood from spoofed
 * addresses has neither.
 */
static bool proven_sender(struct wgt_port *port, struct sk_buff *skb, __le32 type)
{
	return type != cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE) &&
	       wgt_cookie_mac2_valid(&port->cookie_checker, skb) &&
	       wgt_ratelimiter_allow(skb, port->net);
}

/*
 * Queue a handshake message of @type (mac1 checked) for the workers, or
 * drop it.  Past a full backlog only a proven sender's message goes, into
 * the room kept for those.
 */
static void queue_handshake(struct wgt_port *port, struct sk_buff *skb, __le32 type)
{
	unsigned int all = atomic_inc_return(&backlog.queued);
	int cpu;

	if (unlikely(!try_queue(port, skb, all, 0) &&
		     !(proven_sender(port, skb, type) &&
		       try_queue(port, skb, all, MAX_QUEUED_PROVEN_HANDSHAKES)))) {
		atomic_dec(&backlog.queued);
		port_drop(port, WGTUN_A_DROP_QUEUE_FULL, false);
		kfree_skb(skb);
		return;
	}
	/*
	 * This CPU's worker takes a lone message at once (a handshake's answer
	 * must come before the peer's retry); a backlog of more than one run's
	 * batch also wakes the other CPUs' workers in turn.
	 */
	cpu = get_cpu();
	queue_work_on(cpu, wgt_handshake_wq, &per_cpu_ptr(handshake_cpus, cpu)->work);
	put_cpu();
	if (all > WGT_HANDSHAKE_BATCH) {
		cpu = wgt_queueing_next_cpu();
		queue_work_on(cpu, wgt_handshake_wq, &per_cpu_ptr(handshake_cpus, cpu)->work);
	}
}

/* Trim the decrypted inner packet to its IP length; return its protocol. */
static __be16 inner_protocol(struct sk_buff *skb)
{
	unsigned int len;

	if (skb->len >= sizeof(struct iphdr) && ip_hdr(skb)->version == 4) {
		len = ntohs(ip_hdr(skb)->tot_len);
		if (unlikely(ip_hdr(skb)->ihl < 5 || len < sizeof(struct iphdr) ||
			     len > skb->len || pskb_trim(skb, len)))
			return 0;
		return htons(ETH_P_IP);
	}
	if (skb->len >= sizeof(struct ipv6hdr) && ipv6_hdr(skb)->version == 6) {
		len = ntohs(ipv6_hdr(skb)->payload_len) + sizeof(struct ipv6hdr);
		if (unlikely(len > skb->len || pskb_trim(skb, len)))
			return 0;
		return htons(ETH_P_IPV6);
	}
	return 0;
}

/* The packet is authentic; deliver it if its source belongs to @peer. */
static void deliver(struct wgt_peer *peer, struct sk_buff *skb, u8 outer_ds)
{
	struct net_device *dev = peer->wg->dev;
	struct wgt_peer *routed;
	u8 inner_ds;

	skb_reset_network_header(skb);
	if (unlikely(!pskb_may_pull(skb, min_t(unsigned int, skb->len, sizeof(struct ipv6hdr))))) {
		wgt_peer_drop(peer, WGTUN_A_DROP_SOURCE);
		goto drop;
	}
	skb->protocol = inner_protocol(skb);
	if (unlikely(!skb->protocol)) {
		wgt_peer_drop(peer, WGTUN_A_DROP_SOURCE);
		goto drop;
	}

	routed = wgt_allowedips_lookup_src(&peer->wg->allowedips, skb);
	if (unlikely(routed != peer)) {
		net_dbg_ratelimited("%s: peer %llu sent a packet from a source outside its allowed IPs\n",
				    dev->name, peer->internal_id);
		wgt_peer_drop(peer, WGTUN_A_DROP_SOURCE);
		goto drop;
	}

	/* Nothing of the outer packet's journey (route, conntrack, mark across
	 * namespaces) belongs to the inner one.
	 */
	__skb_tunnel_rx(skb, dev, peer->wg->creating_net);
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);
	skb_probe_transport_header(skb);
	/* The AEAD vouched for every byte; no checksum needs checking. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	inner_ds = skb->protocol == htons(ETH_P_IP) ? ip_hdr(skb)->tos :
						      ipv6_get_dsfield(ipv6_hdr(skb));
	if (unlikely(INET_ECN_decapsulate(skb, outer_ds, inner_ds) > 1)) {
		wgt_peer_drop(peer, WGTUN_A_DROP_MALFORMED);
		goto drop;
	}

	/* In the peer's NAPI poll (rx_poll()): GRO merges what it delivers. */
	napi_gro_receive(&peer->napi, skb);
	return;

drop:
	DEV_STATS_INC(dev, rx_errors);
	kfree_skb(skb);
}

static u8 outer_dsfield(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->tos;
	return ipv6_get_dsfield(ipv6_hdr(skb));
}

/* The engine's @crypt for receive: open a data message in place. */
static bool rx_open(struct sk_buff *skb)
{
	struct wgt_skb_cb *cb = wgt_skb_cb(skb);

	return wgt_crypto_decrypt_skb(skb, sizeof(struct wgt_msg_data),
				      cb->keypair->receiving_key, cb->nonce);
}

/* Deliver (or drop) one data message the engine finished, in order. */
static void rx_opened(struct wgt_peer *peer, struct sk_buff *skb)
{
	struct wgt_noise_keypair *kp = wgt_skb_cb(skb)->keypair;
	u8 state = wgt_skb_cb(skb)->state;
	struct wgt_device *wg = peer->wg;

	if (unlikely(state != WGT_CRYPT_DONE)) {
		wgt_peer_drop(peer, WGTUN_A_DROP_DECRYPT);
		goto drop;
	}
	if (unlikely(!wgt_noise_keypair_replay_check(kp, wgt_skb_cb(skb)->nonce))) {
		wgt_peer_drop(peer, WGTUN_A_DROP_REPLAY);
		goto drop;
	}

	/* Authentic and fresh: this is the peer speaking (counted as on the wire). */
	peer_heard(peer, skb, message_data_len(skb->len));
	atomic64_inc(&peer->stats.rx_packets);
	if (unlikely(wgt_noise_received_with_keypair(&peer->noise, kp))) {
		wgt_timers_handshake_complete(peer);
		wgt_event_peer(peer, WGTUN_EVENT_HANDSHAKE);
		wgt_send_staged(peer);
	}
	wgt_liveness_heard(peer, true);
	/*
	 * The initiator's session is about to be rejected and nothing we sent
	 * renewed it (a receive-mostly flow): renew it now, once.
	 */
	if (unlikely(!READ_ONCE(peer->sent_lastminute_handshake) &&
		     wgt_noise_keypair_wants_rekey_on_receive(kp))) {
		WRITE_ONCE(peer->sent_lastminute_handshake, true);
		wgt_send_handshake_initiation(peer, false);
	}

	if (skb->len == 0) {
		pr_debug("%s: peer %llu: keepalive received\n", wg->dev->name, peer->internal_id);
		consume_skb(skb);
		return;
	}
	wgt_timers_data_received(peer);
	deliver(peer, skb, wgt_skb_cb(skb)->ds);
	return;

drop:
	DEV_STATS_INC(wg->dev, rx_errors);
	kfree_skb(skb);
}

/* NAPI poll: deliver up to @budget opened packets, in order, with GRO. */
static int rx_poll(struct napi_struct *napi, int budget)
{
	struct wgt_peer *peer = container_of(napi, struct wgt_peer, napi);
	struct wgt_noise_keypair *kp;
	struct sk_buff_head done;
	struct sk_buff *skb;
	unsigned int n;

	__skb_queue_head_init(&done);
	spin_lock(&peer->rx_ordered.packets.lock);
	n = wgt_crypt_take_finished(&peer->rx_ordered, &done, budget);
	spin_unlock(&peer->rx_ordered.packets.lock);

	while ((skb = __skb_dequeue(&done)) != NULL) {
		kp = wgt_skb_cb(skb)->keypair;
		rx_opened(peer, skb);
		wgt_noise_keypair_put(kp);
		/* Not the last reference: the peer list's is dropped after napi_disable(). */
		wgt_peer_put(peer);
	}
	if (n < budget)
		napi_complete_done(napi, n);
	return n;
}

/*
 * The engine's @finished for receive: let the peer's NAPI poll deliver the
 * finished head of the queue. Once delivery has stopped for good
 * (wgt_receive_peer_stop()), free that head here instead.
 */
static void rx_finished(struct wgt_crypt_queue *q)
{
	struct wgt_peer *peer = q->peer;
	struct sk_buff_head done;
	struct sk_buff *skb;

	__skb_queue_head_init(&done);
	spin_lock_bh(&q->packets.lock);
	if (likely(!peer->rx_stopped))
		napi_schedule(&peer->napi);
	else
		wgt_crypt_take_finished(q, &done, UINT_MAX);
	/* With bottom halves back on, this CPU runs the poll it scheduled. */
	spin_unlock_bh(&q->packets.lock);

	while ((skb = __skb_dequeue(&done)) != NULL) {
		wgt_noise_keypair_put(wgt_skb_cb(skb)->keypair);
		kfree_skb(skb);
		/* Not the last reference: the engine holds one while it calls us. */
		wgt_peer_put(peer);
	}
}

/*
 * A received data message up to this size is opened by the receiving
 * softirq, in its place in the peer's order, unless a job of the peer's
 * waits in the engine already, instead of going to the engine's workers:
 * the peer's NAPI poll, which runs after it, then finds the whole batch
 * opened and GRO merges it, and the hand-off per packet goes. 1500 covers
 * every message of a standard MTU; 0 sends them all to the workers.
 * Measured in docs/benchmarks-log.md, 2026-11-30 (`06f6b2d` and `a1ccdc7`).
 */
static unsigned int inline_rx_bytes = 1500;
module_param(inline_rx_bytes, uint, 0644);
MODULE_PARM_DESC(inline_rx_bytes,
		 "open received data messages up to this size in the receiving softirq (default 1500, 0 = never)");

static const struct wgt_crypt_ops rx_ops = {
	.crypt = rx_open,
	.finished = rx_finished,
	.inline_bytes = &inline_rx_bytes,
};

void wgt_receive_peer_init(struct wgt_peer *peer)
{
	ASSERT_RTNL();
	wgt_crypt_queue_init(&peer->rx_ordered, peer, &rx_ops, &peer->wg->crypt_share);
	netif_napi_add(peer->wg->dev, &peer->napi, rx_poll);
	napi_enable(&peer->napi);
}

void wgt_receive_peer_stop(struct wgt_peer *peer)
{
	ASSERT_RTNL();
	spin_lock_bh(&peer->rx_ordered.packets.lock);
	peer->rx_stopped = true;
	spin_unlock_bh(&peer->rx_ordered.packets.lock);
	/* Waits for a poll in progress; none starts after it. */
	napi_disable(&peer->napi);
	/* Stopped, this frees what that poll left, as it will what finishes later. */
	rx_finished(&peer->rx_ordered);

	/*
	 * Off the interface's NAPI list; readers of that list under RCU are
	 * covered by the grace period before the peer's memory is freed.
	 */
	__netif_napi_del(&peer->napi);
}

/* A data message: find its session and hand it to the crypto engine. */
static void receive_data(struct wgt_port *port, struct sk_buff *skb)
{
	struct wgt_msg_data *hdr = (struct wgt_msg_data *)skb->data;
	struct wgt_noise_remote *remote;
	struct wgt_noise_keypair *kp;
	struct sk_buff_head one;
	struct wgt_peer *peer;

	remote = wgt_index_lookup_get(&wgt_indices, le32_to_cpu(hdr->receiver),
				      WGT_INDEX_KEYPAIR, &kp);
	if (unlikely(!remote || !remote_on_port(remote, port))) {
		if (remote) {
			wgt_noise_keypair_put(kp);
			wgt_peer_put(wgt_peer_from_remote(remote));
		}
		port_drop(port, WGTUN_A_DROP_NO_SESSION, true);
		kfree_skb(skb);
		return;
	}
	peer = wgt_peer_from_remote(remote);
	if (unlikely(wgt_noise_keypair_expired(kp))) {
		wgt_peer_drop(peer, WGTUN_A_DROP_NO_SESSION);
		DEV_STATS_INC(peer->wg->dev, rx_errors);
		kfree_skb(skb);
	} else {
		wgt_skb_cb(skb)->nonce = le64_to_cpu(hdr->counter);
		wgt_skb_cb(skb)->ds = outer_dsfield(skb);
		__skb_queue_head_init(&one);
		__skb_queue_tail(&one, skb);
		wgt_crypt_submit(&peer->rx_ordered, &one, kp);
	}
	wgt_noise_keypair_put(kp);
	wgt_peer_put(peer);
}

/* Exact sizes of the fixed-length messages; 0 = not fixed or unknown. */
static unsigned int message_size(__le32 type)
{
	switch (le32_to_cpu(type)) {
	case MESSAGE_HANDSHAKE_INITIATION:
		return sizeof(struct wgt_msg_initiation);
	case MESSAGE_HANDSHAKE_RESPONSE:
		return sizeof(struct wgt_msg_response);
	case MESSAGE_HANDSHAKE_COOKIE:
		return sizeof(struct wgt_msg_cookie);
	default:
		return 0;
	}
}

int wgt_receive(struct sock *sk, struct sk_buff *skb)
{
	struct wgt_port *port = rcu_dereference_sk_user_data(sk);
	unsigned int size;
	__le32 type;

	if (unlikely(!port))
		goto free;
	if (unlikely(!pskb_may_pull(skb, sizeof(struct udphdr) + sizeof(struct wgt_msg_header))))
		goto malformed;
	__skb_pull(skb, sizeof(struct udphdr));
	type = ((struct wgt_msg_header *)skb->data)->type;

	if (type == cpu_to_le32(MESSAGE_DATA)) {
		if (unlikely(skb->len < MESSAGE_DATA_MIN_LEN ||
			     !pskb_may_pull(skb, sizeof(struct wgt_msg_data))))
			goto malformed;
		receive_data(port, skb);
		return 0;
	}

	size = message_size(type);
	if (unlikely(!size || skb->len != size || !pskb_may_pull(skb, size)))
		goto malformed;
	if (type != cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE) &&
	    !wgt_cookie_mac1_valid(&port->cookie_checker, skb)) {
		port_drop(port, WGTUN_A_DROP_BAD_MAC, false);
		goto free;
	}
	queue_handshake(port, skb, type);
	return 0;

malformed:
	port_drop(port, WGTUN_A_DROP_MALFORMED, true);
free:
	kfree_skb(skb);
	return 0;
}

void wgt_receive_purge_handshakes(struct wgt_port *port)
{
	struct sk_buff_head doomed;
	bool listed;

	__skb_queue_head_init(&doomed);
	spin_lock_bh(&port->handshakes.lock);
	listed = !skb_queue_empty(&port->handshakes);
	if (listed) {
		skb_queue_splice_init(&port->handshakes, &doomed);
		line_leave(port);
	}
	spin_unlock_bh(&port->handshakes.lock);
	if (!listed)
		return;
	wgt_port_put(port);
	atomic_sub(skb_queue_len(&doomed), &backlog.queued);
	__skb_queue_purge(&doomed);
}

int wgt_receive_init(void)
{
	int cpu;

	wgt_handshake_wq = alloc_workqueue("wgtun", WQ_PERCPU | WQ_FREEZABLE | WQ_MEM_RECLAIM, 0);
	if (!wgt_handshake_wq)
		return -ENOMEM;
	handshake_cpus = alloc_percpu(struct handshake_cpu);
	if (!handshake_cpus) {
		destroy_workqueue(wgt_handshake_wq);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct handshake_cpu *w = per_cpu_ptr(handshake_cpus, cpu);

		INIT_WORK(&w->work, handshake_worker);
		w->cpu = cpu;
	}
	return 0;
}

void wgt_receive_uninit(void)
{
	/* No interface is left, so nothing can queue any more. */
	destroy_workqueue(wgt_handshake_wq);
	free_percpu(handshake_cpus);
}
