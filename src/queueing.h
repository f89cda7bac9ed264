/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto engine: transport packets are sealed and opened on every CPU
 * in parallel, and each peer's packets still come out in the order they went
 * in. The engine knows nothing of what a packet is for: its user (send.c,
 * receive.c) gives each queue the operations of its direction, the cipher
 * work and what happens to a finished packet.
 *
 * A packet is put on its queue (an sk_buff_head, which fixes the order) in
 * a job of one or more packets.  A queue with jobs waiting stands in one
 * CPU's line; that CPU's worker takes the oldest waiting job of the first
 * queue in its line, sends the queue, if it has more jobs waiting, to the
 * back of the next CPU's line, runs the queue's @crypt on the job, marks
 * each packet done or failed, and calls the queue's @finished, which takes
 * the finished head of the queue (wgt_crypt_take_finished()) and passes it
 * on. A worker that runs out of its own line serves other CPUs' lines. So
 * the lines are served round robin, one job a turn, and a job waits behind
 * at most one job of each other queue with work waiting, however many its
 * peers have queued: a quiet tunnel's packet does not wait for a busy
 * one's backlog. A lone packet up to the queue's @inline_bytes, with no job
 * of its queue waiting, skips the lines: the submitting CPU runs the cipher
 * on the spot, still in its place in the order, as long as the inline runs
 * on that CPU stay within their share of its time (module parameter
 * inline_share), so that one tunnel's flood cannot make the softirq that
 * receives every tunnel's packets slow for all of them.
 *
 * What the engine holds is bounded three ways (wgt_crypt_submit()): per
 * queue, per share (an interface's queues, both directions) and
 * module-wide, a share's room shrinking as others fill the module's.
 *
 * Module-wide: one workqueue and one line per CPU serve every interface.
 */

#ifndef _WGTUN_QUEUEING_H
#define _WGTUN_QUEUEING_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct wgt_crypt_queue;
struct wgt_noise_keypair;
struct wgt_peer;

/**
 * struct wgt_crypt_ops - one direction of the engine, given by its user
 * @crypt: seal or open @skb in place (bottom halves off); false fails it.
 *	The packet's keypair is wgt_skb_cb(@skb)->keypair.
 * @finished: packets at the head of @q may be finished: take them with
 *	wgt_crypt_take_finished() and pass them on. Called by the CPU that
 *	finished (or failed) a packet, which holds a reference to @q's peer
 *	for the call; bottom halves may be on.
 * @inline_bytes: a lone packet up to this many bytes is handled by the
 *	submitting CPU (0 = never) while the CPU's inline share allows;
 *	read at each submission.
 */
struct wgt_crypt_ops {
	bool (*crypt)(struct sk_buff *skb);
	void (*finished)(struct wgt_crypt_queue *q);
	const unsigned int *inline_bytes;
};

/**
 * struct wgt_crypt_share - what the queues of one interface hold together
 * @queued: packets on the queues sharing it (submitted, not yet taken).
 */
struct wgt_crypt_share {
	atomic_t queued;
};

/**
 * struct wgt_crypt_queue - one peer's packets in the engine in one direction
 * @packets: in their order, at most MAX_QUEUED_PACKETS; its lock guards the
 *	order and @next_job, and is the one wgt_crypt_take_finished() wants held.
 * @next_job: the first packet of the oldest job not yet taken by a worker,
 *	NULL if none waits. The waiting jobs are the tail of @packets from it:
 *	a lone packet is run inline only while none waits.
 * @node: entry in one CPU's line while @next_job is set and no worker holds
 *	the queue (taking a job); guarded by that line's lock.
 * @ops: the direction's operations.
 * @peer: the packets' peer. Each packet holds a reference to it and to its
 *	keypair; whoever takes a finished packet drops both.
 * @share: the interface's share, counting the packets on this queue.
 */
struct wgt_crypt_queue {
	struct sk_buff_head packets;
	struct sk_buff *next_job;
	struct list_head node;
	const struct wgt_crypt_ops *ops;
	struct wgt_peer *peer;
	struct wgt_crypt_share *share;
};

int wgt_queueing_init(void);
void wgt_queueing_uninit(void);

/*
 * The online CPU after the one the calling CPU got last: work handed to
 * other CPUs (the engine's jobs, the handshake workers' wake-ups) is spread
 * over them round robin from each CPU.  Any context.
 */
int wgt_queueing_next_cpu(void);

void wgt_crypt_share_init(struct wgt_crypt_share *share);
void wgt_crypt_queue_init(struct wgt_crypt_queue *q, struct wgt_peer *peer,
			  const struct wgt_crypt_ops *ops, struct wgt_crypt_share *share);

/*
 * Hand @packets (nonces set) to the engine, in jobs of up to job_packets
 * (module parameter, at most WGT_CRYPT_JOB_PACKETS; a GSO burst stays on
 * one CPU, and consecutive bursts go to different ones). Takes every packet
 * off @packets; each gets a reference of its own to @q's peer and to @kp,
 * and the caller keeps its own. A job for which the engine has no room
 * (see may_hold() in queueing.c) is dropped and counted as queue_full.
 */
void wgt_crypt_submit(struct wgt_crypt_queue *q, struct sk_buff_head *packets,
		      struct wgt_noise_keypair *kp);

/*
 * Move the finished packets at the head of @q, at most @max, to @done, each
 * with its wgt_skb_cb() state WGT_CRYPT_DONE or _FAILED. The
 * caller holds @q->packets.lock. Returns how many moved.
 */
unsigned int wgt_crypt_take_finished(struct wgt_crypt_queue *q, struct sk_buff_head *done,
				     unsigned int max);

/* Packets per sealing job: a 64 KiB GSO burst at the default MTU is 47. */
#define WGT_CRYPT_JOB_PACKETS 64U

#endif /* _WGTUN_QUEUEING_H */
