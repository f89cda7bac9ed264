/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-peer protocol timers.  Packet paths report what happened through
 * the wgt_timers_*() hooks; the timers decide on retransmits, keepalives,
 * new handshakes and forgetting keys.
 */

#ifndef _WGTUN_TIMERS_H
#define _WGTUN_TIMERS_H

#include <linux/jiffies.h>
#include <linux/types.h>

struct wgt_peer;
struct work_struct;

void wgt_timers_init(struct wgt_peer *peer);
/*
 * Caller guarantees no hook runs any more (the peer is dead and an RCU
 * grace period has passed).
 */
void wgt_timers_stop(struct wgt_peer *peer);
void wgt_timers_clear_work(struct work_struct *work);

void wgt_timers_data_sent(struct wgt_peer *peer);
void wgt_timers_data_received(struct wgt_peer *peer);
void wgt_timers_any_authenticated_packet_sent(struct wgt_peer *peer);
void wgt_timers_any_authenticated_packet_received(struct wgt_peer *peer);
void wgt_timers_handshake_initiated(struct wgt_peer *peer);
void wgt_timers_handshake_complete(struct wgt_peer *peer);
void wgt_timers_session_derived(struct wgt_peer *peer);
void wgt_timers_any_authenticated_packet_traversal(struct wgt_peer *peer);
void wgt_timers_keepalive_changed(struct wgt_peer *peer);

#endif /* _WGTUN_TIMERS_H */
