// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto engine; see queueing.h for the picture.
 *
 * Ownership: while a packet is in the engine it holds a reference to its
 * keypair (skb cb) and to its peer; the queue's @finished drops both when it
 * takes the packet off the queue.  Whoever marks a packet finished (a
 * worker, or the submitter running it inline or failing it on a full ring)
 * takes its own peer reference first, because the packet (and with it the
 * packet's reference) may be gone the moment the mark is visible to another
 * CPU.  So nothing here relies on its caller's context (bottom halves off,
 * RCU) to keep the peer, or the queue in it.
 */

#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "messages.h"
#include "peer.h"
#include "queueing.h"
#include "skbcb.h"

/* Jobs one CPU's ring holds; past that packets are dropped and counted. */
#define WGT_CRYPT_RING_SIZE 4096

struct crypt_cpu {
	struct ptr_ring ring;
	struct work_struct work;
};

/*
 * Packets per job, 1 to WGT_CRYPT_JOB_PACKETS: a run of submitted packets
 * is split into jobs of this many, each on the next CPU. Larger jobs cost
 * fewer hand-offs; smaller ones spread a burst over more CPUs.
 */
static unsigned int job_packets = WGT_CRYPT_JOB_PACKETS;
module_param(job_packets, uint, 0644);
MODULE_PARM_DESC(job_packets, "packets per sealing job (1-64, default 64; tuning, see BENCHMARKS.md)");

static struct crypt_cpu __percpu *crypt_cpus;
static struct workqueue_struct *crypt_wq;
static DEFINE_PER_CPU(int, last_cpu);

int wgt_queueing_next_cpu(void)
{
	int *last = get_cpu_ptr(&last_cpu);
	int cpu = cpumask_next(*last, cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	*last = cpu;
	put_cpu_ptr(&last_cpu);
	return cpu;
}

unsigned int wgt_crypt_take_finished(struct wgt_crypt_queue *q, struct sk_buff_head *done,
				     unsigned int max)
{
	unsigned int n = 0;
	struct sk_buff *skb;

	lockdep_assert_held(&q->packets.lock);
	while (n < max && (skb = skb_peek(&q->packets)) != NULL) {
		/* Pairs with the release in mark(): the cipher's writes first. */
		if (smp_load_acquire(&wgt_skb_cb(skb)->state) == WGT_CRYPT_PENDING)
			break;
		__skb_unlink(skb, &q->packets);
		__skb_queue_tail(done, skb);
		n++;
	}
	return n;
}

/* Publish @skb's @state to whichever CPU takes it off its queue. */
static void mark(struct sk_buff *skb, enum wgt_crypt_state state)
{
	/* Pairs with wgt_crypt_take_finished(): the cipher's writes before the state. */
	smp_store_release(&wgt_skb_cb(skb)->state, state);
}

/*
 * Run the cipher over a job, the packets linked from @first by job_next,
 * and let @q's user pass on what finished. The packets may be gone once
 * marked, so the link is read first and the peer held by a reference of our
 * own.
 */
static void run_job(struct wgt_crypt_queue *q, struct sk_buff *first)
{
	struct wgt_peer *peer = q->peer;
	struct sk_buff *skb, *next;
	bool ok;

	kref_get(&peer->refcount);
	for (skb = first; skb; skb = next) {
		next = wgt_skb_cb(skb)->job_next;
		local_bh_disable();
		ok = q->ops->crypt(skb);
		local_bh_enable();
		mark(skb, ok ? WGT_CRYPT_DONE : WGT_CRYPT_FAILED);
	}
	q->ops->finished(q);
	wgt_peer_put(peer);
}

/*
 * No ring had room: drop the job's packets where they stand, so that their
 * places in the order are released; counted here, freed by @q's user.
 */
static void drop_job(struct wgt_crypt_queue *q, struct sk_buff *first)
{
	struct wgt_peer *peer = q->peer;
	struct sk_buff *skb, *next;

	kref_get(&peer->refcount);
	for (skb = first; skb; skb = next) {
		next = wgt_skb_cb(skb)->job_next;
		wgt_peer_drop(peer, WGTUN_A_DROP_QUEUE_FULL);
		mark(skb, WGT_CRYPT_DROPPED);
	}
	q->ops->finished(q);
	wgt_peer_put(peer);
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
	struct sk_buff *skb;

	while ((skb = next_job(c)) != NULL) {
		run_job(wgt_skb_cb(skb)->queue, skb);
		cond_resched();
	}
}

/* Queue a job of @n packets linked from @first, in @q's order and on one CPU. */
static void submit_job(struct wgt_crypt_queue *q, struct sk_buff *first, unsigned int n)
{
	struct sk_buff *skb, *next;
	struct crypt_cpu *c;
	int cpu;

	spin_lock_bh(&q->packets.lock);
	if (unlikely(skb_queue_len(&q->packets) + n > MAX_QUEUED_PACKETS)) {
		spin_unlock_bh(&q->packets.lock);
		for (skb = first; skb; skb = next) {
			next = wgt_skb_cb(skb)->job_next;
			wgt_peer_drop(q->peer, WGTUN_A_DROP_QUEUE_FULL);
			wgt_noise_keypair_put(wgt_skb_cb(skb)->keypair);
			kfree_skb(skb);
			/* Not the last reference: the submitter keeps its own. */
			wgt_peer_put(q->peer);
		}
		return;
	}
	for (skb = first; skb; skb = wgt_skb_cb(skb)->job_next)
		__skb_queue_tail(&q->packets, skb);
	spin_unlock_bh(&q->packets.lock);

	if (n == 1 && first->len <= READ_ONCE(*q->ops->inline_bytes)) {
		run_job(q, first);
		return;
	}
	cpu = wgt_queueing_next_cpu();
	c = per_cpu_ptr(crypt_cpus, cpu);
	if (likely(!ptr_ring_produce_bh(&c->ring, first)))
		queue_work_on(cpu, crypt_wq, &c->work);
	else
		drop_job(q, first);
}

void wgt_crypt_submit(struct wgt_crypt_queue *q, struct sk_buff_head *packets,
		      struct wgt_noise_keypair *kp)
{
	unsigned int n, max = clamp(READ_ONCE(job_packets), 1U, WGT_CRYPT_JOB_PACKETS);
	struct sk_buff *first, *last, *skb;
	struct wgt_skb_cb *cb;

	while (!skb_queue_empty(packets)) {
		first = NULL;
		last = NULL;
		for (n = 0; n < max && (skb = __skb_dequeue(packets)) != NULL; n++) {
			kref_get(&q->peer->refcount);
			cb = wgt_skb_cb(skb);
			cb->keypair = wgt_noise_keypair_get(kp);
			cb->queue = q;
			cb->state = WGT_CRYPT_PENDING;
			cb->job_next = NULL;
			if (last)
				wgt_skb_cb(last)->job_next = skb;
			else
				first = skb;
			last = skb;
		}
		submit_job(q, first, n);
	}
}

void wgt_crypt_queue_init(struct wgt_crypt_queue *q, struct wgt_peer *peer,
			  const struct wgt_crypt_ops *ops)
{
	skb_queue_head_init(&q->packets);
	q->ops = ops;
	q->peer = peer;
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
