/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place in wgtun that knows kernel versions.  Supported: Debian's
 * 6.1 LTS and 6.12 LTS.  Everything else in src/ is written against the 6.12
 * API; the shims below make 6.1 look like it.
 */

#ifndef _WGTUN_COMPAT_H
#define _WGTUN_COMPAT_H

#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

/* 6.5 moved the GSO helpers (skb_gso_segment) out of netdevice.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/* 6.11 turned NETIF_F_LLTX into the dev->lltx bit. */
static inline void wgt_compat_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/* 6.2 moved a dump's parsed attributes into an embedded genl_info. */
static inline struct nlattr **wgt_compat_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _WGTUN_COMPAT_H */
