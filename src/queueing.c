// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto engine; see queueing.h for the picture.
 *
 * Ownership: while a packet is in the engine it holds a reference to its
 * keypair (skb cb) and to its peer.  Both are dropped when the packet leaves
 * its peer's ordered queue, by whichever CPU flushes it.  A worker that
 * marks a packet done takes its own peer reference first, because the
 * packet (and with it the packet's reference) may be gone the moment the
 * mark is visible to another CPU's flush.
 */

#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/workqueue.h>

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

static struct sk_buff_head *ordered_queue(struct wgt_peer *peer, bool decrypt)
{
	return decrypt ? &peer->rx_ordered : &peer->tx_ordered;
}

static bool *flushing_flag(struct wgt_peer *peer, bool decrypt)
{
	return decrypt ? &peer->rx_flushing : &peer->tx_flushing;
}

/* Send or deliver a run of finished packets, in order, outside the queue's lock. */
static void pass_on(struct wgt_peer *peer, struct sk_buff_head *done, bool decrypt,
		    struct wgt_send_tally *tally)
{
	struct wgt_noise_keypair *kp;
	struct sk_buff *skb;
	bool ok;

	local_bh_disable();
	while ((skb = __skb_dequeue(done)) != NULL) {
		kp = wgt_skb_cb(skb)->keypair;
		ok = wgt_skb_cb(skb)->state == WGT_CRYPT_DONE;
		if (decrypt)
			wgt_receive_opened(peer, skb, kp, ok);
		else
			wgt_send_sealed(peer, skb, ok, tally);
		wgt_noise_keypair_put(kp);
		wgt_peer_put(peer);
	}
	local_bh_enable();
}

/*
 * Pass on every finished packet at the head of @peer's queue, in order.
 * One CPU at a time does that for a queue: a CPU that finds another at it
 * leaves it the packets, and the one at it looks at the head again (under
 * the lock) each time it has passed a run on, so no finished packet is left
 * behind. Sending happens outside the lock, so the CPUs sealing the next
 * packets do not wait on it. The caller holds a peer reference of its own.
 */
static void flush(struct wgt_peer *peer, bool decrypt)
{
	struct sk_buff_head *queue = ordered_queue(peer, decrypt);
	bool *flushing = flushing_flag(peer, decrypt);
	struct wgt_send_tally tally = { };
	struct sk_buff_head done;
	struct sk_buff *skb;

	__skb_queue_head_init(&done);
	spin_lock_bh(&queue->lock);
	if (*flushing) {
		spin_unlock_bh(&queue->lock);
		return;
	}
	*flushing = true;
	for (;;) {
		while ((skb = skb_peek(queue)) != NULL) {
			/* Pairs with the release in crypt_worker(): the cipher's writes first. */
			if (smp_load_acquire(&wgt_skb_cb(skb)->state) == WGT_CRYPT_PENDING)
				break;
			__skb_unlink(skb, queue);
			__skb_queue_tail(&done, skb);
		}
		if (skb_queue_empty(&done))
			break;
		spin_unlock_bh(&queue->lock);
		pass_on(peer, &done, decrypt, &tally);
		spin_lock_bh(&queue->lock);
	}
	*flushing = false;
	spin_unlock_bh(&queue->lock);
	if (!decrypt)
		wgt_send_tally_timers(peer, &tally);
}

static void crypt_worker(struct work_struct *work)
{
	struct crypt_cpu *c = container_of(work, struct crypt_cpu, work);
	struct sk_buff *skb, *next;
	struct wgt_peer *peer;
	bool decrypt, ok;

	while ((skb = ptr_ring_consume_bh(&c->ring)) != NULL) {
		decrypt = wgt_skb_cb(skb)->decrypt;
		peer = wgt_peer_from_remote(wgt_skb_cb(skb)->keypair->remote);
		kref_get(&peer->refcount);

		/* A job is one packet or a run of one peer's packets. */
		for (; skb; skb = next) {
			/* Read before the packet is published: then it may be gone. */
			next = wgt_skb_cb(skb)->job_next;
			local_bh_disable();
			ok = decrypt ? wgt_receive_open(skb) : wgt_send_seal(skb);
			local_bh_enable();
			/* Publish the finished packet to whichever CPU flushes it. */
			smp_store_release(&wgt_skb_cb(skb)->state,
					  ok ? WGT_CRYPT_DONE : WGT_CRYPT_FAILED);
		}

		flush(peer, decrypt);
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
	struct sk_buff_head *queue = ordered_queue(peer, decrypt);
	struct sk_buff *skb, *next;
	struct crypt_cpu *c;
	int cpu;

	spin_lock_bh(&queue->lock);
	if (unlikely(skb_queue_len(queue) + n > WGT_MAX_ORDERED_PACKETS)) {
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

	cpu = next_cpu();
	c = per_cpu_ptr(crypt_cpus, cpu);
	if (likely(!ptr_ring_produce_bh(&c->ring, first))) {
		queue_work_on(cpu, crypt_wq, &c->work);
		return;
	}
	/*
	 * The ring is full: fail the packets where they stand, so their places
	 * in the order are released. The submitter's own reference keeps @peer.
	 */
	for (skb = first; skb; skb = next) {
		next = wgt_skb_cb(skb)->job_next;
		wgt_peer_drop(peer, WGTUN_A_DROP_QUEUE_FULL);
		/* As in crypt_worker(): visible to a concurrent flush. */
		smp_store_release(&wgt_skb_cb(skb)->state, WGT_CRYPT_FAILED);
	}
	flush(peer, decrypt);
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
	struct sk_buff *first, *last, *skb;
	unsigned int n;

	while (!skb_queue_empty(packets)) {
		first = NULL;
		last = NULL;
		for (n = 0; n < WGT_CRYPT_JOB_PACKETS; n++) {
			skb = __skb_dequeue(packets);
			if (!skb)
				break;
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

int wgt_queueing_init(void)
{
	int cpu, ret;

	crypt_wq = alloc_workqueue("wgtun-crypt", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
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
