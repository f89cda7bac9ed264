/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the debug build (WGTUN_DEBUG=1, which adds the in-module selftests)
 * changes in the module's own files.
 */

#ifndef _WGTUN_DEBUG_H
#define _WGTUN_DEBUG_H

/*
 * A function that only its own file calls, and the selftests directly: static
 * in the release build, global in the debug build.  Its header declares it
 * under #ifdef WGTUN_DEBUG.
 */
#ifdef WGTUN_DEBUG
#define WGT_SELFTEST_VISIBLE
#else
#define WGT_SELFTEST_VISIBLE static
#endif

#endif /* _WGTUN_DEBUG_H */
