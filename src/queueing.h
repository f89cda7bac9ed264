/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto engine: transport packets are sealed and opened on every CPU
 * in parallel, and each peer's packets still leave (or are delivered) in the
 * order they came.
 *
 * A packet is put on two lists at once: its peer's ordered queue (an
 * sk_buff_head, which fixes the order) and one CPU's job ring (a ptr_ring of
 * pointers, picked round robin).  The CPU's worker does the cipher work and
 * marks the packet done; then whoever finds the head of the peer's queue done
 * passes the finished packets on, in order: one CPU at a time per queue, the
 * packets taken off under the queue's lock and sent (or delivered) outside it.
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
 * jobs of up to WGT_CRYPT_JOB_PACKETS (a GSO burst stays on one CPU, and
 * consecutive bursts go to different ones). Takes over every packet on
 * @packets with one @peer reference each (taken by the caller), and the
 * caller's reference to @kp.
 */
void wgt_queue_encrypt_list(struct wgt_peer *peer, struct sk_buff_head *packets,
			    struct wgt_noise_keypair *kp);

/* Hand a received data message to the engine for opening; as above. */
void wgt_queue_decrypt(struct wgt_peer *peer, struct sk_buff *skb, struct wgt_noise_keypair *kp);

/* Packets per sealing job: a 64 KiB GSO burst at the default MTU is 47. */
#define WGT_CRYPT_JOB_PACKETS 64

/* Per-peer ordered queues: bounded, so a stalled peer cannot eat memory. */
#define WGT_MAX_ORDERED_PACKETS 1024

#endif /* _WGTUN_QUEUEING_H */
