/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTUN_VERSION_H
#define _WGTUN_VERSION_H

/* Kbuild passes the version from git describe; this is the fallback. */
#ifndef WGTUN_VERSION
#define WGTUN_VERSION "0.1.0"
#endif

#endif /* _WGTUN_VERSION_H */
