/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-module selftests.  Built only with WGTUN_DEBUG=1; each runs once at
 * module load, prints "wgtun: <name> self-test: pass" on success and returns
 * false (failing the load) otherwise.
 *
 * Every test keeps its tally in a struct wgt_selftest: a failed check prints
 * "wgtun: <name> self-test: FAIL: <what> (line N)" and the test goes on, so
 * that one load reports every failure; wgt_selftest_end() gives the verdict.
 */

#ifndef _WGTUN_SELFTEST_H
#define _WGTUN_SELFTEST_H

#include <linux/compiler.h>
#include <linux/types.h>

/**
 * struct wgt_selftest - the tally of one selftest
 * @name: the test's name, in every line it prints
 * @failures: checks failed since wgt_selftest_begin()
 */
struct wgt_selftest {
	const char *name;
	unsigned int failures;
};

void wgt_selftest_begin(struct wgt_selftest *t, const char *name);
/* Count and print a failure at source line @line; always returns false. */
__printf(3, 4) bool wgt_selftest_fail(struct wgt_selftest *t, int line, const char *fmt, ...);
/* @cond, or a failure described by @what at source line @line. */
bool wgt_selftest_check(struct wgt_selftest *t, bool cond, int line, const char *what);
/* Print "pass" or the number of failures; true if none failed. */
bool wgt_selftest_end(struct wgt_selftest *t);

/*
 * Each test file keeps its tally in "static struct wgt_selftest tally", which
 * these use.  CHECK(): @cond, or a failure described by @what at this line.
 * FAIL(): a failure at this line, printf-style; false.
 */
#define CHECK(cond, what)	wgt_selftest_check(&tally, cond, __LINE__, what)
#define FAIL(fmt, ...)		wgt_selftest_fail(&tally, __LINE__, fmt, ##__VA_ARGS__)

bool wgt_allowedips_selftest(void);
bool wgt_replay_selftest(void);
bool wgt_ratelimiter_selftest(void);
bool wgt_noise_selftest(void);
bool wgt_cookie_selftest(void);
bool wgt_crypto_selftest(void);

#endif /* _WGTUN_SELFTEST_H */
