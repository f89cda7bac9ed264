/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events: the multicast messages of the wgtun family's events group
 * (uapi/linux/wgtun.h) and the journal lines of liveness and carrier changes.
 *
 * Configuration events come from a CAP_NET_ADMIN request and are always
 * sent.  Those caused by packets (a handshake, a new endpoint, a peer turning
 * alive or dead, a refused roam) draw on a per-peer budget, so that a peer
 * cannot flood the listeners or the log: a transition beyond the budget is
 * neither sent nor logged.  Initiations from unknown keys draw on a budget of
 * their interface's, since no peer stands behind them.  Carrier changes are
 * logged under the kernel's net rate limit.
 */

#ifndef _WGTUN_EVENTS_H
#define _WGTUN_EVENTS_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wgtun.h>

struct wgt_device;
struct wgt_endpoint;
struct wgt_peer;

/**
 * struct wgt_event_budget - events a source may still cause (a token bucket)
 * @lock: protects @stamp and @left.
 * @stamp: jiffies of the last refill.
 * @left: events that may be sent before the next refill.
 */
struct wgt_event_budget {
	spinlock_t lock;	/* see @lock above */
	unsigned long stamp;
	unsigned int left;
};

/* A new peer starts with a full budget. */
void wgt_events_peer_init(struct wgt_peer *peer);
/* A new interface starts with a full budget for unknown-peer events. */
void wgt_events_device_init(struct wgt_device *wg);

/* @peer was added, changed or is about to be removed (@event): never dropped. */
void wgt_event_peer_config(struct wgt_peer *peer, enum wgtun_event_type event);
/* A packet from @peer caused @event (a handshake, a new endpoint). */
void wgt_event_peer(struct wgt_peer *peer, enum wgtun_event_type event);
/*
 * A packet from @peer came from @from, not its pinned endpoint, and from
 * another address than the previous refusal's.
 */
void wgt_event_roam_refused(struct wgt_peer *peer, const struct wgt_endpoint *from);
/* An initiation from @from carried the static key @key, which is no peer's. */
void wgt_event_unknown_peer(struct wgt_device *wg, const u8 *key, const struct wgt_endpoint *from);
/* @peer turned alive or dead: logged and sent. */
void wgt_event_peer_alive(struct wgt_peer *peer, bool alive);
/* The interface's carrier turned on or off: logged and sent. */
void wgt_event_carrier(struct wgt_device *wg, bool carrier);

#endif /* _WGTUN_EVENTS_H */
