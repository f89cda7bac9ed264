// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto engine; see queueing.h for the picture.
 *
 * Ownership: while a packet is in the engine it holds a reference to its
 * keypair (skb cb) and to its peer.  Both are dropped when the packet leaves
 * its peer's ordered queue: sent by whichever CPU flushes the transmit
 * queue, delivered by the peer's NAPI poll, or freed after the peer's
 * delivery stopped.  Whoever marks a packet done or failed (a worker, or
 * the submitter opening it inline or failing it on a full ring) takes its
 * own peer reference first, because the packet (and with it the packet's
 * reference) may be gone the moment the mark is visible to another CPU.
 * So nothing here relies on its caller's context (bottom halves off, RCU)
 * to keep the peer.
 */

#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "device.h"
#include "peer.h"
#include "queueing.h"
#include "receive.h"
#include "send.h"
#include "skbcb.h"

/* Jobs one CPU's ring holds; past that packets are dropped and counted. */
#define WGT_CRYPT_RING_SIZE 4096

struct crypt_cpu {
	struct ptr_ring ring;
	struct work_struct work;
};

/*
 * Packets per sealing job, 1 to WGT_CRYPT_JOB_PACKETS: a run of staged
 * packets is split into jobs of this many, each on the next CPU. Larger
 * jobs cost fewer hand-offs; smaller ones spread a burst over more CPUs.
 */
static unsigned int job_packets = WGT_CRYPT_JOB_PACKETS;
module_param(job_packets, uint, 0644);
MODULE_PARM_DESC(job_packets, "packets per sealing job (1-64, default 64; tuning, see BENCHMARKS.md)");

/*
 * A lone packet up to these sizes is sealed (tx) or opened (rx) by the CPU
 * that submits it, in its place in the peer's order, instead of going to
 * another CPU's ring. Received data messages are lone packets: up to
 * inline_rx_bytes they are opened in the receiving softirq, so the peer's
 * NAPI poll, which runs after it, finds the whole batch opened and GRO merges
 * it; the hand-off per packet goes too. On the transmit side a lone packet
 * (a datagram, an ACK) stays on the rings by default: a sender of small
 * datagrams would otherwise seal them all on its own CPU. Runs of staged
 * packets (GSO bursts) always go to the rings. Measured in BENCHMARKS.md
 * (sessions 3 and 4); 0 turns a direction off.
 */
static unsigned int inline_rx_bytes = 1500;
module_param(inline_rx_bytes, uint, 0644);
MODULE_PARM_DESC(inline_rx_bytes,
		 "open received data messages up to this size in the receiving softirq (default 1500, 0 = never)");
static unsigned int inline_tx_bytes;
module_param(inline_tx_bytes, uint, 0644);
MODULE_PARM_DESC(inline_tx_bytes,
		 "seal lone outgoing packets up to this size on the sending CPU (default 0 = never)");

static struct crypt_cpu __percpu *crypt_cpus;
static struct workqueue_struct *crypt_wq;
static DEFINE_PER_CPU(int, last_cpu);

/* Spread jobs over the online CPUs, round robin from each submitting CPU. */
static int next_cpu(void)
{
	int *last = get_cpu_ptr(&last_cpu);
	int cpu = cpumask_next(*last, cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	*last = cpu;
	put_cpu_ptr(&last_cpu);
	return cpu;
}

/* Send a run of sealed packets, in order, outside the queue's lock. */
static void tx_pass_on(struct wgt_peer *peer, struct sk_buff_head *done,
		       struct wgt_send_tally *tally)
{
	struct wgt_noise_keypair *kp;
	struct sk_buff *skb;

	local_bh_disable();
	while ((skb = __skb_dequeue(done)) != NULL) {
		kp = wgt_skb_cb(skb)->keypair;
		wgt_send_sealed(peer, skb, wgt_skb_cb(skb)->state == WGT_CRYPT_DONE, tally);
		wgt_noise_keypair_put(kp);
		wgt_peer_put(peer);
	}
	local_bh_enable();
}

/* Move the finished packets at the head of @queue, at most @max, to @done. */
static unsigned int take_finished(struct sk_buff_head *queue, struct sk_buff_head *done,
				  unsigned int max)
{
	unsigned int n = 0;
	struct sk_buff *skb;

	while (n < max && (skb = skb_peek(queue)) != NULL) {
		/* Pairs with the release in crypt_worker(): the cipher's writes first. */
		if (smp_load_acquire(&wgt_skb_cb(skb)->state) == WGT_CRYPT_PENDING)
			break;
		__skb_unlink(skb, queue);
		__skb_queue_tail(done, skb);
		n++;
	}
	return n;
}

/*
 * Send every sealed packet at the head of @peer's transmit queue, in order.
 * One CPU at a time does that: a CPU that finds another at it leaves it the
 * packets, and the one at it looks at the head again (under the lock) each
 * time it has sent a run, so no finished packet is left behind. Sending
 * happens outside the lock, so the CPUs sealing the next packets do not wait
 * on it. The caller holds a peer reference of its own.
 */
static void tx_flush(struct wgt_peer *peer)
{
	struct sk_buff_head *queue = &peer->tx_ordered;
	struct wgt_send_tally tally = { };
	struct sk_buff_head done;

	__skb_queue_head_init(&done);
	spin_lock_bh(&queue->lock);
	if (peer->tx_flushing) {
		spin_unlock_bh(&queue->lock);
		return;
	}
	peer->tx_flushing = true;
	while (take_finished(queue, &done, UINT_MAX)) {
		spin_unlock_bh(&queue->lock);
		tx_pass_on(peer, &done, &tally);
		spin_lock_bh(&queue->lock);
	}
	peer->tx_flushing = false;
	spin_unlock_bh(&queue->lock);
	wgt_send_tally_timers(peer, &tally);
}

/* Free packets the engine opened for a peer that is going away. */
static void rx_discard(struct wgt_peer *peer, struct sk_buff_head *done)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(done)) != NULL) {
		wgt_noise_keypair_put(wgt_skb_cb(skb)->keypair);
		kfree_skb(skb);
		wgt_peer_put(peer);
	}
}

/*
 * A received packet of @peer is opened (or failed): let the peer's NAPI poll
 * deliver the finished head of the queue. Once delivery has stopped for good
 * (wgt_queue_peer_stop()), free that head here instead. The caller holds a
 * peer reference of its own.
 */
static void rx_ready(struct wgt_peer *peer)
{
	struct sk_buff_head *queue = &peer->rx_ordered;
	struct sk_buff_head done;

	__skb_queue_head_init(&done);
	spin_lock_bh(&queue->lock);
	if (likely(!peer->rx_stopped))
		napi_schedule(&peer->napi);
	else
		take_finished(queue, &done, UINT_MAX);
	/* With bottom halves back on, this CPU runs the poll it scheduled. */
	spin_unlock_bh(&queue->lock);
	rx_discard(peer, &done);
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
	spin_lock(&peer->rx_ordered.lock);
	n = take_finished(&peer->rx_ordered, &done, budget);
	spin_unlock(&peer->rx_ordered.lock);

	while ((skb = __skb_dequeue(&done)) != NULL) {
		kp = wgt_skb_cb(skb)->keypair;
		wgt_receive_opened(peer, skb, kp, wgt_skb_cb(skb)->state == WGT_CRYPT_DONE);
		wgt_noise_keypair_put(kp);
		/* Not the last reference: the peer list's is dropped after napi_disable(). */
		wgt_peer_put(peer);
	}
	if (n < budget)
		napi_complete_done(napi, n);
	return n;
}

/* Finished packets of @peer's queue for @decrypt move on (sent, or delivered). */
static void pass_finished(struct wgt_peer *peer, bool decrypt)
{
	if (decrypt)
		rx_ready(peer);
	else
		tx_flush(peer);
}

/* Seal or open @skb and publish the result; the packet may be gone after. */
static void crypt_one(struct sk_buff *skb, bool decrypt)
{
	bool ok;

	local_bh_disable();
	ok = decrypt ? wgt_receive_open(skb) : wgt_send_seal(skb);
	local_bh_enable();
	/* Publish the finished packet to whichever CPU passes it on. */
	smp_store_release(&wgt_skb_cb(skb)->state, ok ? WGT_CRYPT_DONE : WGT_CRYPT_FAILED);
}

/*
 * The next job for @own's worker: from its own ring, else from another
 * CPU's. A CPU busy with something else (the application producing the
 * packets, say) runs its worker late, and the jobs dealt to it would wait
 * for it while other CPUs idle; taking them keeps every CPU working. The
 * order is the peers' queues' business, not the rings', so it does not
 * matter who runs a job. The rings are never resized, so a lockless look
 * at whether one is empty is safe (a stale answer only costs a retry later).
 */
static struct sk_buff *next_job(struct crypt_cpu *own)
{
	struct sk_buff *skb = ptr_ring_consume_bh(&own->ring);
	struct crypt_cpu *c;
	int cpu;

	if (skb)
		return skb;
	for_each_online_cpu(cpu) {
		c = per_cpu_ptr(crypt_cpus, cpu);
		if (c == own || __ptr_ring_empty(&c->ring))
			continue;
		skb = ptr_ring_consume_bh(&c->ring);
		if (skb)
			return skb;
	}
	return NULL;
}

static void crypt_worker(struct work_struct *work)
{
	struct crypt_cpu *c = container_of(work, struct crypt_cpu, work);
	struct sk_buff *skb, *next;
	struct wgt_peer *peer;
	bool decrypt;

	while ((skb = next_job(c)) != NULL) {
		decrypt = wgt_skb_cb(skb)->decrypt;
		peer = wgt_peer_from_remote(wgt_skb_cb(skb)->keypair->remote);
		kref_get(&peer->refcount);

		/* A job is one packet or a run of one peer's packets. */
		for (; skb; skb = next) {
			/* Read before the packet is published: then it may be gone. */
			next = wgt_skb_cb(skb)->job_next;
			crypt_one(skb, decrypt);
		}

		pass_finished(peer, decrypt);
		wgt_peer_put(peer);
		cond_resched();
	}
}

/*
 * Queue a job, the packets linked from @first by job_next, in their peer's
 * order and on one CPU's ring. Each packet holds a keypair and a peer
 * reference (already in its cb and taken by the caller, respectively).
 */
static void submit(struct wgt_peer *peer, struct sk_buff *first, unsigned int n, bool decrypt)
{
	struct sk_buff_head *queue = decrypt ? &peer->rx_ordered : &peer->tx_ordered;
	struct sk_buff *skb, *next;
	struct crypt_cpu *c;
	int cpu;

	spin_lock_bh(&queue->lock);
	if (unlikely(skb_queue_len(queue) + n > MAX_QUEUED_PACKETS)) {
		spin_unlock_bh(&queue->lock);
		for (skb = first; skb; skb = next) {
			next = wgt_skb_cb(skb)->job_next;
			wgt_peer_drop(peer, WGTUN_A_DROP_QUEUE_FULL);
			wgt_noise_keypair_put(wgt_skb_cb(skb)->keypair);
			kfree_skb(skb);
			wgt_peer_put(peer);
		}
		return;
	}
	for (skb = first; skb; skb = wgt_skb_cb(skb)->job_next)
		__skb_queue_tail(queue, skb);
	spin_unlock_bh(&queue->lock);

	if (n == 1 && first->len <= (decrypt ? READ_ONCE(inline_rx_bytes) :
					      READ_ONCE(inline_tx_bytes))) {
		/* Our own reference: once published, the packet's may go. */
		kref_get(&peer->refcount);
		crypt_one(first, decrypt);
		pass_finished(peer, decrypt);
		wgt_peer_put(peer);
		return;
	}

	cpu = next_cpu();
	c = per_cpu_ptr(crypt_cpus, cpu);
	if (likely(!ptr_ring_produce_bh(&c->ring, first))) {
		queue_work_on(cpu, crypt_wq, &c->work);
		return;
	}
	/*
	 * The ring is full: fail the packets where they stand, so their places
	 * in the order are released. Our own reference, as above: a received
	 * packet's submitter has none left, and a packet marked failed may be
	 * passed on, and its reference dropped, by another CPU at once.
	 */
	kref_get(&peer->refcount);
	for (skb = first; skb; skb = next) {
		next = wgt_skb_cb(skb)->job_next;
		wgt_peer_drop(peer, WGTUN_A_DROP_QUEUE_FULL);
		/* As in crypt_worker(): visible to a concurrent flush. */
		smp_store_release(&wgt_skb_cb(skb)->state, WGT_CRYPT_FAILED);
	}
	pass_finished(peer, decrypt);
	wgt_peer_put(peer);
}

static void job_init(struct sk_buff *skb, struct wgt_noise_keypair *kp, bool decrypt)
{
	wgt_skb_cb(skb)->keypair = kp;
	wgt_skb_cb(skb)->decrypt = decrypt;
	wgt_skb_cb(skb)->state = WGT_CRYPT_PENDING;
	wgt_skb_cb(skb)->job_next = NULL;
}

void wgt_queue_encrypt_list(struct wgt_peer *peer, struct sk_buff_head *packets,
			    struct wgt_noise_keypair *kp)
{
	unsigned int n, max = clamp(READ_ONCE(job_packets), 1U, WGT_CRYPT_JOB_PACKETS);
	struct sk_buff *first, *last, *skb;

	while (!skb_queue_empty(packets)) {
		first = NULL;
		last = NULL;
		for (n = 0; n < max; n++) {
			skb = __skb_dequeue(packets);
			if (!skb)
				break;
			kref_get(&peer->refcount);
			job_init(skb, wgt_noise_keypair_get(kp), false);
			if (last)
				wgt_skb_cb(last)->job_next = skb;
			else
				first = skb;
			last = skb;
		}
		submit(peer, first, n, false);
	}
	wgt_noise_keypair_put(kp);
}

void wgt_queue_decrypt(struct wgt_peer *peer, struct sk_buff *skb, struct wgt_noise_keypair *kp)
{
	job_init(skb, kp, true);
	submit(peer, skb, 1, true);
}

void wgt_queue_peer_init(struct wgt_peer *peer)
{
	ASSERT_RTNL();
	skb_queue_head_init(&peer->tx_ordered);
	skb_queue_head_init(&peer->rx_ordered);
	netif_napi_add(peer->wg->dev, &peer->napi, rx_poll);
	napi_enable(&peer->napi);
}

void wgt_queue_peer_stop(struct wgt_peer *peer)
{
	ASSERT_RTNL();
	spin_lock_bh(&peer->rx_ordered.lock);
	peer->rx_stopped = true;
	spin_unlock_bh(&peer->rx_ordered.lock);
	/* Waits for a poll in progress; none starts after it. */
	napi_disable(&peer->napi);
	/* Stopped, this frees what that poll left, as it will what finishes later. */
	rx_ready(peer);

	/*
	 * Off the interface's NAPI list; readers of that list under RCU are
	 * covered by the grace period before the peer's memory is freed.
	 */
	__netif_napi_del(&peer->napi);
}

int wgt_queueing_init(void)
{
	int cpu, ret;

	crypt_wq = alloc_workqueue("wgtun-crypt", WQ_PERCPU | WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	if (!crypt_wq)
		return -ENOMEM;
	crypt_cpus = alloc_percpu(struct crypt_cpu);
	if (!crypt_cpus) {
		ret = -ENOMEM;
		goto err_wq;
	}
	for_each_possible_cpu(cpu) {
		struct crypt_cpu *c = per_cpu_ptr(crypt_cpus, cpu);

		ret = ptr_ring_init(&c->ring, WGT_CRYPT_RING_SIZE, GFP_KERNEL);
		if (ret)
			goto err_rings;
		INIT_WORK(&c->work, crypt_worker);
		per_cpu(last_cpu, cpu) = cpu;
	}
	return 0;

err_rings:
	for_each_possible_cpu(cpu) {
		struct crypt_cpu *c = per_cpu_ptr(crypt_cpus, cpu);

		if (c->ring.queue)
			ptr_ring_cleanup(&c->ring, NULL);
	}
	free_percpu(crypt_cpus);
err_wq:
	destroy_workqueue(crypt_wq);
	return ret;
}

/* Every interface is gone: the rings are empty and stay so. */
void wgt_queueing_uninit(void)
{
	int cpu;

	destroy_workqueue(crypt_wq);
	for_each_possible_cpu(cpu)
		ptr_ring_cleanup(&per_cpu_ptr(crypt_cpus, cpu)->ring, NULL);
	free_percpu(crypt_cpus);
}
