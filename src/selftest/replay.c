// SPDX-License-Identifier: GPL-2.0
/*
 * Replay-window self-test: fixed cases around every boundary, then a random
 * walk compared with a naive reference that remembers every counter it has
 * seen in a plain bitmap and applies the same window rule.
 */

#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../replay.h"
#include "selftest.h"

#define W		WGT_REPLAY_WINDOW
#define REF_SPAN	BIT(20)
#define REF_STEPS	200000

static struct wgt_selftest tally;

static bool expect(struct wgt_replay *r, u64 counter, u64 limit, bool want, const char *what,
		   int line)
{
	return wgt_replay_check(r, counter, limit) == want ||
	       wgt_selftest_fail(&tally, line, "%s, counter %llu", what, counter);
}

#define EXPECT(r, c, lim, want, what)	expect(r, c, lim, want, what, __LINE__)

static bool test_fixed(struct wgt_replay *r)
{
	u64 i, base;

	wgt_replay_init(r);
	for (i = 0; i < 3 * WGT_REPLAY_BITS; i++)
		EXPECT(r, i, U64_MAX, true, "in order");
	for (i = 3 * WGT_REPLAY_BITS - W - 1; i < 3 * WGT_REPLAY_BITS; i++)
		EXPECT(r, i, U64_MAX, false, "duplicate in window");
	EXPECT(r, 3 * WGT_REPLAY_BITS - W - 2, U64_MAX, false, "too old");
	EXPECT(r, 0, U64_MAX, false, "first counter too old");

	wgt_replay_init(r);
	EXPECT(r, 0, U64_MAX, true, "zero first");
	EXPECT(r, 0, U64_MAX, false, "zero duplicate");
	EXPECT(r, 10, U64_MAX, true, "gap");
	EXPECT(r, 5, U64_MAX, true, "out of order");
	EXPECT(r, 7, U64_MAX, true, "out of order 2");
	EXPECT(r, 5, U64_MAX, false, "out of order duplicate");
	EXPECT(r, 10, U64_MAX, false, "greatest duplicate");
	EXPECT(r, 6, U64_MAX, true, "hole filled");
	EXPECT(r, 11, U64_MAX, true, "next");

	/* The exact edge: greatest - W is tracked, greatest - W - 1 is too old. */
	base = 100000;
	wgt_replay_init(r);
	EXPECT(r, base, U64_MAX, true, "edge base");
	EXPECT(r, base - W - 1, U64_MAX, false, "edge: one past the window");
	EXPECT(r, base - W, U64_MAX, true, "edge: oldest tracked");
	EXPECT(r, base - W, U64_MAX, false, "edge: oldest tracked duplicate");
	/* Sliding moves the edge with the greatest counter. */
	EXPECT(r, base + 1, U64_MAX, true, "edge: slide by one");
	EXPECT(r, base - W + 1, U64_MAX, true, "edge: new oldest");
	EXPECT(r, base + 3, U64_MAX, true, "edge: slide by two");
	EXPECT(r, base - W + 2, U64_MAX, false, "edge: pushed out");
	EXPECT(r, base - W + 3, U64_MAX, true, "edge: oldest after slide");

	/* A jump shorter than the window keeps what it still covers... */
	wgt_replay_init(r);
	for (i = 0; i < 200; i++)
		EXPECT(r, i, U64_MAX, true, "pre-jump fill");
	EXPECT(r, 99 + W, U64_MAX, true, "jump inside the window");
	for (i = 99; i < 200; i++)
		EXPECT(r, i, U64_MAX, false, "jump keeps seen counters");
	EXPECT(r, 98, U64_MAX, false, "jump: too old");
	/* ...and clears the words it recycles. */
	for (i = 200; i < 99 + W; i += 61)
		EXPECT(r, i, U64_MAX, true, "jump: recycled words are clear");
	/* A jump past the whole ring clears everything. */
	EXPECT(r, 1000000, U64_MAX, true, "long jump");
	for (i = 1000000 - W; i < 1000000; i += 37)
		EXPECT(r, i, U64_MAX, true, "long jump: window is clear");
	EXPECT(r, 1000000 - W - 1, U64_MAX, false, "long jump: too old");
	/* Same ring slot and bit as 1000000, which is set: the slide must clear it. */
	EXPECT(r, 1000000 + 2 * WGT_REPLAY_BITS, U64_MAX, true, "ring-multiple jump");

	/* The limit: counters at or beyond it are never accepted. */
	wgt_replay_init(r);
	EXPECT(r, 1000, 1000, false, "at the limit");
	EXPECT(r, 1001, 1000, false, "beyond the limit");
	EXPECT(r, 999, 1000, true, "just below the limit");
	EXPECT(r, U64_MAX - 1, U64_MAX, true, "greatest usable counter");
	EXPECT(r, U64_MAX - 1, U64_MAX, false, "greatest usable counter duplicate");
	EXPECT(r, U64_MAX, U64_MAX, false, "U64_MAX");
	EXPECT(r, U64_MAX - 1 - W, U64_MAX, true, "window below U64_MAX");
	EXPECT(r, U64_MAX - 2 - W, U64_MAX, false, "too old below U64_MAX");
	return !tally.failures;
}

/* The reference: @seen holds every counter ever accepted, @top the greatest + 1. */
static bool ref_check(unsigned long *seen, u64 *top, u64 c, u64 limit)
{
	if (c >= limit || test_bit(c, seen))
		return false;
	if (*top && c + 1 < *top && *top - 1 - c > W)
		return false;
	__set_bit(c, seen);
	*top = max(*top, c + 1);
	return true;
}

static bool test_random(struct wgt_replay *r)
{
	const u64 limit = REF_SPAN - 3000;
	unsigned long *seen;
	struct rnd_state rnd;
	u64 top = 0, c = 0, seed = get_random_u64();
	bool ok = true;
	unsigned int i;
	u32 x;

	seen = vzalloc(BITS_TO_LONGS(REF_SPAN) * sizeof(long));
	if (!seen)
		return FAIL("out of memory");
	prandom_seed_state(&rnd, seed);
	wgt_replay_init(r);
	for (i = 0; i < REF_STEPS && ok; i++) {
		x = prandom_u32_state(&rnd);
		/* Mostly around the greatest, sometimes far back or far ahead. */
		switch (x % 16) {
		case 0:
			c = top + (x >> 4) % (3 * WGT_REPLAY_BITS);
			break;
		case 1 ... 3:
			c = top > 9000 ? top - 9000 + (x >> 4) % 400 : (x >> 4) % 400;
			break;
		default:
			c = top + (x >> 4) % 64;
			c = c > 8300 ? c - (x >> 20) % 8300 : c;
			break;
		}
		if (c >= REF_SPAN) {
			/* Start over near zero once the counters run out of room. */
			memset(seen, 0, BITS_TO_LONGS(REF_SPAN) * sizeof(long));
			top = 0;
			wgt_replay_init(r);
			continue;
		}
		ok = wgt_replay_check(r, c, limit) == ref_check(seen, &top, c, limit);
	}
	if (!ok)
		FAIL("random step %u, counter %llu, seed %llu", i, c, seed);
	vfree(seen);
	return ok;
}

bool wgt_replay_selftest(void)
{
	struct wgt_replay *r = kmalloc(sizeof(*r), GFP_KERNEL);

	wgt_selftest_begin(&tally, "replay");
	if (!r)
		FAIL("out of memory");
	else if (test_fixed(r))
		test_random(r);
	kfree(r);
	return wgt_selftest_end(&tally);
}
