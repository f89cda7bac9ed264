/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-module selftests.  Built only with WGTUN_DEBUG=1; each runs once at
 * module load, prints "wgtun: <name> self-test: pass" on success and returns
 * false (failing the load) otherwise.
 */

#ifndef _WGTUN_SELFTEST_H
#define _WGTUN_SELFTEST_H

#include <linux/types.h>

bool wgt_allowedips_selftest(void);
bool wgt_replay_selftest(void);
bool wgt_ratelimiter_selftest(void);
bool wgt_noise_selftest(void);
bool wgt_cookie_selftest(void);
bool wgt_crypto_selftest(void);

#endif /* _WGTUN_SELFTEST_H */
