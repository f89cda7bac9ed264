/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto engine: transport packets are sealed and opened on every CPU
 * in parallel, and each peer's packets still leave (or are delivered) in the
 * order they came.
 *
 * A packet is put on two lists at once: its peer's ordered queue (an
 * sk_buff_head, which fixes the order) and one CPU's job ring (a ptr_ring of
 * pointers, picked round robin).  The CPU's worker does the cipher work and
 * marks the packet done. Sealed packets are sent by whichever CPU finds the
 * head of the peer's queue done: one CPU at a time per queue, the packets
 * taken off under the queue's lock and sent outside it. Opened packets are
 * delivered by the peer's NAPI poll, which the finishing CPU schedules: the
 * poll takes the finished head of the queue and hands it to GRO, so a burst
 * reaches the stack merged. A received data message up to the
 * inline_rx_bytes module parameter (1500: every one of a standard MTU) skips
 * the ring: the receiving softirq opens it on the spot, still in its place in
 * the order (inline_tx_bytes does the same for lone outgoing packets; off by
 * default). A worker that runs out of its own CPU's jobs takes other CPUs'
 * waiting ones.
 *
 * Module-wide: one workqueue and one ring per CPU serve every interface.
 */

#ifndef _WGTUN_QUEUEING_H
#define _WGTUN_QUEUEING_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct wgt_noise_keypair;
struct wgt_peer;

int wgt_queueing_init(void);
void wgt_queueing_uninit(void);

/*
 * Hand staged packets with their nonces set to the engine for sealing, in
 * jobs of up to job_packets (module parameter, at most WGT_CRYPT_JOB_PACKETS;
 * a GSO burst stays on one CPU, and consecutive bursts go to different
 * ones). Takes over every packet on @packets and the caller's reference to
 * @kp; each packet gets a @peer and a @kp reference of its own.
 */
void wgt_queue_encrypt_list(struct wgt_peer *peer, struct sk_buff_head *packets,
			    struct wgt_noise_keypair *kp);

/*
 * A peer's side of the engine: its two ordered queues, and the NAPI context
 * that delivers what it opens. _stop (when the peer is removed, after it is
 * unreachable) ends delivery for good; packets still in the engine are
 * freed as they finish. Both under RTNL.
 */
void wgt_queue_peer_init(struct wgt_peer *peer);
void wgt_queue_peer_stop(struct wgt_peer *peer);

/*
 * Hand a received data message to the engine for opening. Takes over @skb
 * and the caller's references to @peer and @kp (the receiver-index lookup's).
 */
void wgt_queue_decrypt(struct wgt_peer *peer, struct sk_buff *skb, struct wgt_noise_keypair *kp);

/* Packets per sealing job: a 64 KiB GSO burst at the default MTU is 47. */
#define WGT_CRYPT_JOB_PACKETS 64U

#endif /* _WGTUN_QUEUEING_H */
