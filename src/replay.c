// SPDX-License-Identifier: GPL-2.0
/*
 * Sliding anti-replay window. Counters are handled as n = counter + 1, so the
 * state 0 means "nothing seen" and needs no separate flag; @limit keeps
 * counter + 1 from overflowing.
 *
 * Accepted iff n > greatest (new counter, the window slides: every ring word
 * between the old and the new greatest is cleared, at most all of them), or
 * greatest - n <= WGT_REPLAY_WINDOW and its bit is still clear. A counter in
 * that range sits at most WGT_REPLAY_BITS / BITS_PER_LONG - 1 words behind the
 * greatest one, so its ring word has not been recycled yet.
 */

#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "replay.h"

#define RING_WORDS	(WGT_REPLAY_BITS / BITS_PER_LONG)

void wgt_replay_init(struct wgt_replay *r)
{
	r->greatest = 0;
	memset(r->bits, 0, sizeof(r->bits));
}

/* Clear the ring words after the old greatest up to the word holding @n. */
static void slide(struct wgt_replay *r, u64 n)
{
	u64 old_word = r->greatest / BITS_PER_LONG;
	u64 steps = min_t(u64, n / BITS_PER_LONG - old_word, RING_WORDS);
	u64 i;

	for (i = 1; i <= steps; i++)
		r->bits[(old_word + i) % RING_WORDS] = 0;
	r->greatest = n;
}

bool wgt_replay_check(struct wgt_replay *r, u64 counter, u64 limit)
{
	u64 n;

	if (counter >= limit)
		return false;
	n = counter + 1;
	if (n > r->greatest)
		slide(r, n);
	else if (r->greatest - n > WGT_REPLAY_WINDOW)
		return false;
	return !__test_and_set_bit(n % BITS_PER_LONG, &r->bits[(n / BITS_PER_LONG) % RING_WORDS]);
}
