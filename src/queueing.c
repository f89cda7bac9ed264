// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto engine; see queueing.h for the picture.
 *
 * Ownership: while a packet is in the engine it holds a reference to its
 * keypair (skb cb) and to its peer; the queue's @finished drops both when it
 * takes the packet off the queue.  Whoever marks a packet finished (a
 * worker, or the submitter running it inline) takes its own peer reference
 * first, because the packet (and with it the packet's reference) may be
 * gone the moment the mark is visible to another CPU.  A queue stands in a
 * line only while it has jobs waiting, whose packets keep its peer.  So
 * nothing here relies on its caller's context (bottom halves off, RCU) to
 * keep the peer, or the queue in it.
 */

#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/sched/clock.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "messages.h"
#include "peer.h"
#include "queueing.h"
#include "skbcb.h"

/* Packets the engine holds module-wide, per possible CPU; see may_hold(). */
#define WGT_CRYPT_CPU_PACKETS 4096

/* Packets an interface may always hold, whatever the others hold. */
#define WGT_CRYPT_SHARE_FLOOR 256

/*
 * One CPU's line of queues with jobs waiting, served by its worker (and by
 * other CPUs' workers that have run out of their own).
 */
struct crypt_cpu {
	spinlock_t lock;	/* guards @line */
	struct list_head line;
	struct work_struct work;
};

/*
 * Packets per job, 1 to WGT_CRYPT_JOB_PACKETS: a run of submitted packets
 * is split into jobs of this many, taken by the CPUs in turn. Larger jobs
 * cost fewer hand-offs; smaller ones spread a burst over more CPUs.
 */
static unsigned int job_packets = WGT_CRYPT_JOB_PACKETS;
module_param(job_packets, uint, 0644);
MODULE_PARM_DESC(job_packets, "packets per sealing job (1-64, default 64; tuning, see BENCHMARKS.md)");

/*
 * The share of each CPU's time, in percent, that packets may take being
 * sealed or opened inline by their submitter (the queues' @inline_bytes),
 * counted per jiffy. A submitter is a softirq or a transmit call: what it
 * spends on the cipher, the packets queued behind it on that CPU (other
 * tunnels' included) wait for. Past the share, packets go to the workers,
 * which serve every queue in turn.
 */
static unsigned int inline_share = 25;
module_param(inline_share, uint, 0644);
MODULE_PARM_DESC(inline_share,
		 "percent of a CPU's time that inline sealing and opening may take (default 25, 100 = no bound)");

/* What a CPU's inline runs took in the jiffy @jiffy, in ns. */
struct inline_use {
	unsigned long jiffy;
	u64 ns;
};

static DEFINE_PER_CPU(struct inline_use, inline_use);
static struct crypt_cpu __percpu *crypt_cpus;
static struct workqueue_struct *crypt_wq;
/* Packets on all queues, and the module-wide bound (set at init). */
static atomic_t crypt_queued = ATOMIC_INIT(0);
static unsigned int crypt_bound;
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
	if (n) {
		atomic_sub(n, &q->share->queued);
		atomic_sub(n, &crypt_queued);
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

/* @q has jobs waiting and no line holds it: it joins @cpu's line. */
static void line_join(struct wgt_crypt_queue *q, int cpu)
{
	struct crypt_cpu *c = per_cpu_ptr(crypt_cpus, cpu);

	spin_lock_bh(&c->lock);
	list_add_tail(&q->node, &c->line);
	spin_unlock_bh(&c->lock);
	queue_work_on(cpu, crypt_wq, &c->work);
}

/*
 * The first queue in @c's line, off the line; NULL if none. The lines are
 * never freed while a worker runs, so a lockless look at whether one is
 * empty is safe (a stale answer only costs a retry later).
 */
static struct wgt_crypt_queue *line_take(struct crypt_cpu *c)
{
	struct wgt_crypt_queue *q;

	if (list_empty_careful(&c->line))
		return NULL;
	spin_lock_bh(&c->lock);
	q = list_first_entry_or_null(&c->line, struct wgt_crypt_queue, node);
	if (q)
		list_del(&q->node);
	spin_unlock_bh(&c->lock);
	return q;
}

/*
 * The next queue for @own's worker: from its own line, else from another
 * CPU's. A CPU busy with something else (the application producing the
 * packets, say) runs its worker late, and the queues in its line would wait
 * for it while other CPUs idle; taking them keeps every CPU working. The
 * order is the queues' business, not the lines', so it does not matter who
 * runs a job.
 */
static struct wgt_crypt_queue *next_queue(struct crypt_cpu *own)
{
	struct wgt_crypt_queue *q = line_take(own);
	int cpu;

	if (q)
		return q;
	for_each_online_cpu(cpu) {
		q = line_take(per_cpu_ptr(crypt_cpus, cpu));
		if (q)
			return q;
	}
	return NULL;
}

/*
 * Take the oldest waiting job of @q, which the caller took off a line; if
 * more wait, @q goes to the back of the next CPU's line, so that a busy
 * queue is served by every CPU, one job a turn. Returns the job's first
 * packet. The job's packets keep @q until they are marked.
 */
static struct sk_buff *take_job(struct wgt_crypt_queue *q)
{
	struct sk_buff *first, *last;

	spin_lock_bh(&q->packets.lock);
	first = q->next_job;
	for (last = first; wgt_skb_cb(last)->job_next; last = wgt_skb_cb(last)->job_next)
		;
	q->next_job = skb_queue_is_last(&q->packets, last) ? NULL : last->next;
	last = q->next_job;
	spin_unlock_bh(&q->packets.lock);
	if (last)
		line_join(q, wgt_queueing_next_cpu());
	return first;
}

static void crypt_worker(struct work_struct *work)
{
	struct crypt_cpu *c = container_of(work, struct crypt_cpu, work);
	struct wgt_crypt_queue *q;

	while ((q = next_queue(c)) != NULL) {
		run_job(q, take_job(q));
		cond_resched();
	}
}

/*
 * Whether @q, with @n more packets, stays within the engine's bounds: the
 * queue's own (MAX_QUEUED_PACKETS), and its interface's share of the
 * module's, WGT_CRYPT_CPU_PACKETS per possible CPU: while the interface
 * holds at most WGT_CRYPT_SHARE_FLOOR, or while what it holds is at most
 * what all interfaces together leave of the bound. With k interfaces
 * flooding, each stops at about 1/(k + 1) of the bound, so a quiet one
 * still finds room, and the floor is there even when the others have
 * taken it all (the engine then holds at most the bound plus a floor per
 * interface). Counts the packets if they fit. Called with q->packets.lock.
 */
static bool may_hold(struct wgt_crypt_queue *q, unsigned int n)
{
	unsigned int mine, all;

	lockdep_assert_held(&q->packets.lock);
	if (skb_queue_len(&q->packets) + n > MAX_QUEUED_PACKETS)
		return false;
	mine = atomic_add_return(n, &q->share->queued);
	all = atomic_add_return(n, &crypt_queued);
	if (mine <= WGT_CRYPT_SHARE_FLOOR || mine + all <= crypt_bound)
		return true;
	atomic_sub(n, &q->share->queued);
	atomic_sub(n, &crypt_queued);
	return false;
}

/*
 * Whether this CPU's inline runs have time left in this jiffy's share.
 * Bottom halves off (the queue's lock), so the CPU and its use stay put.
 */
static bool inline_room(void)
{
	struct inline_use *use = this_cpu_ptr(&inline_use);
	unsigned int share = READ_ONCE(inline_share);
	unsigned long now = jiffies;

	if (share >= 100)
		return true;
	/* Another jiffy (wrap or not): a new share. */
	if (use->jiffy != now) {
		use->jiffy = now;
		use->ns = 0;
	}
	return use->ns < (u64)share * (NSEC_PER_SEC / HZ / 100);
}

/* Run a lone packet's job here, charging its time to this CPU's share. */
static void run_inline(struct wgt_crypt_queue *q, struct sk_buff *skb)
{
	u64 start = local_clock();

	run_job(q, skb);
	this_cpu_add(inline_use.ns, local_clock() - start);
}

/*
 * Queue a job of @n packets linked from @first, in @q's order: run it here
 * if it is a lone packet small enough, no job of @q waits and this CPU has
 * inline time left, else as a job waiting in @q, @q joining a line if it
 * was in none.
 */
static void submit_job(struct wgt_crypt_queue *q, struct sk_buff *first, unsigned int n)
{
	bool here = false, join = false;
	struct sk_buff *skb, *next;

	spin_lock_bh(&q->packets.lock);
	if (unlikely(!may_hold(q, n))) {
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
	if (!q->next_job) {
		here = n == 1 && first->len <= READ_ONCE(*q->ops->inline_bytes) &&
		       inline_room();
		join = !here;
		if (join)
			q->next_job = first;
	}
	spin_unlock_bh(&q->packets.lock);

	if (here)
		run_inline(q, first);
	else if (join)
		line_join(q, wgt_queueing_next_cpu());
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

void wgt_crypt_share_init(struct wgt_crypt_share *share)
{
	atomic_set(&share->queued, 0);
}

void wgt_crypt_queue_init(struct wgt_crypt_queue *q, struct wgt_peer *peer,
			  const struct wgt_crypt_ops *ops, struct wgt_crypt_share *share)
{
	skb_queue_head_init(&q->packets);
	q->next_job = NULL;
	INIT_LIST_HEAD(&q->node);
	q->ops = ops;
	q->peer = peer;
	q->share = share;
}

int wgt_queueing_init(void)
{
	int cpu;

	crypt_wq = alloc_workqueue("wgtun-crypt", WQ_PERCPU | WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	if (!crypt_wq)
		return -ENOMEM;
	crypt_cpus = alloc_percpu(struct crypt_cpu);
	if (!crypt_cpus) {
		destroy_workqueue(crypt_wq);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct crypt_cpu *c = per_cpu_ptr(crypt_cpus, cpu);

		spin_lock_init(&c->lock);
		INIT_LIST_HEAD(&c->line);
		INIT_WORK(&c->work, crypt_worker);
		per_cpu(last_cpu, cpu) = cpu;
	}
	crypt_bound = WGT_CRYPT_CPU_PACKETS * num_possible_cpus();
	return 0;
}

/* Every interface is gone: the lines are empty and stay so. */
void wgt_queueing_uninit(void)
{
	destroy_workqueue(crypt_wq);
	free_percpu(crypt_cpus);
}
