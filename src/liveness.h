/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer liveness and the interface's carrier.
 *
 * A peer is alive from a completed handshake until no authenticated packet
 * has come from it for the interface's liveness timeout.  With
 * carrier-follows-peers on, the interface has carrier exactly while at least
 * one peer is alive, and a dead peer with an endpoint is handshaken with
 * every REKEY_TIMEOUT until it answers.  With it off, carrier is always on
 * and WireGuard's own behaviour is unchanged; liveness is still tracked and
 * reported.
 */

#ifndef _WGTUN_LIVENESS_H
#define _WGTUN_LIVENESS_H

#include <linux/types.h>
#include <linux/wgtun.h>

struct wgt_device;
struct wgt_peer;

void wgt_liveness_init(struct wgt_peer *peer);
/* @peer is being removed (dead, a grace period passed): it no longer counts. */
void wgt_liveness_stop(struct wgt_peer *peer);

/*
 * The interface opens: peers may turn alive from now on.  It closes (the
 * caller holds update_lock): every peer is dead and its timer stopped, and
 * none turns alive again until the next open, whatever is still in flight.
 */
void wgt_liveness_open(struct wgt_device *wg);
void wgt_liveness_close(struct wgt_device *wg);

/* An authenticated packet came from @peer; @session: it proves a session. */
void wgt_liveness_heard(struct wgt_peer *peer, bool session);
bool wgt_liveness_alive(const struct wgt_peer *peer);
/* Configuration changed: re-arm probing for a peer that is not alive. */
void wgt_liveness_peer_configured(struct wgt_peer *peer);
/* The timeout or carrier-follows-peers changed: every peer's timer follows. */
void wgt_liveness_reconfigured(struct wgt_device *wg);
/* carrier-follows-peers changed: the carrier follows (peers' changes do so themselves). */
void wgt_liveness_update_carrier(struct wgt_device *wg);

#endif /* _WGTUN_LIVENESS_H */
