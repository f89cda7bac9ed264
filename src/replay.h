/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window for transport-data counters, after RFC 6479: a ring of
 * bitmap words indexed by counter, cleared one word at a time as the
 * greatest counter moves forward.
 */
#ifndef _WGTUN_REPLAY_H
#define _WGTUN_REPLAY_H

#include <linux/bits.h>
#include <linux/types.h>

/* Bits in the ring; one word is always being recycled, hence the usable window. */
#define WGT_REPLAY_BITS		8192
#define WGT_REPLAY_WINDOW	(WGT_REPLAY_BITS - BITS_PER_LONG)

/**
 * struct wgt_replay - receive-counter state of one keypair
 * @greatest: one more than the greatest counter accepted so far (0 before
 *	the first), so that counter 0 is accepted once.
 * @bits: ring of seen flags; bit (n % WGT_REPLAY_BITS) stands for counter
 *	n - 1, for the WGT_REPLAY_WINDOW + 1 values n <= @greatest still tracked.
 *
 * Not locked: wgt_replay_check() callers serialize per keypair (the receive
 * path checks a keypair's counters from one context at a time, or under the
 * keypair's lock).
 */
struct wgt_replay {
	u64 greatest;
	unsigned long bits[WGT_REPLAY_BITS / BITS_PER_LONG];
};

void wgt_replay_init(struct wgt_replay *r);

/*
 * Returns true if @counter is fresh and records it as seen; false if it was
 * seen before, lies more than WGT_REPLAY_WINDOW below the greatest counter
 * accepted, or is >= @limit. Callers serialize per @r (see above).
 */
bool wgt_replay_check(struct wgt_replay *r, u64 counter, u64 limit);

#endif /* _WGTUN_REPLAY_H */
