// SPDX-License-Identifier: GPL-2.0
/*
 * The tally every in-module selftest keeps (selftest.h).
 */
#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <linux/kernel.h>
#include <linux/printk.h>

#include "selftest.h"

void wgt_selftest_begin(struct wgt_selftest *t, const char *name)
{
	t->name = name;
	t->failures = 0;
}

bool wgt_selftest_fail(struct wgt_selftest *t, int line, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	t->failures++;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("%s self-test: FAIL: %pV (line %d)\n", t->name, &vaf, line);
	va_end(args);
	return false;
}

bool wgt_selftest_check(struct wgt_selftest *t, bool cond, int line, const char *what)
{
	return cond || wgt_selftest_fail(t, line, "%s", what);
}

bool wgt_selftest_end(struct wgt_selftest *t)
{
	if (t->failures) {
		pr_err("%s self-test: %u check(s) failed\n", t->name, t->failures);
		return false;
	}
	pr_info("%s self-test: pass\n", t->name);
	return true;
}
