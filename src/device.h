/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A wgtun interface: one net_device, its key, its peers and its sockets.
 */

#ifndef _WGTUN_DEVICE_H
#define _WGTUN_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <linux/ip.h>
#include <net/gro_cells.h>

#define WGTUN_KIND "wgtun"

/*
 * Outer overhead of a transport packet over IPv6: IPv6 (40) + UDP (8) + the
 * data message header (16) + the Poly1305 tag (16).  1500 - 80 = 1420 is the
 * WireGuard default and fits either outer family on an Ethernet path.
 */
#define WGT_OVERHEAD_MAX 80
#define WGT_DEFAULT_MTU 1420
#define WGT_MAX_MTU (IP_MAX_MTU - WGT_OVERHEAD_MAX)

/**
 * struct wgt_device - private data of a wgtun net_device
 * @dev: the net_device this is the private area of.
 * @creating_net: namespace the interface was created in; its sockets live
 *	there even when the interface is moved.  Not refcounted: the pernet
 *	exit handler destroys every interface whose creating_net goes away.
 * @list: entry in the module-wide device list; protected by RTNL.
 * @update_lock: serialises configuration changes (netlink set, peer
 *	removal, socket changes) against each other and against dumps.
 * @listen_port: configured UDP port, host order; 0 = pick at open.
 * @fwmark: mark for outgoing UDP packets, 0 = none; under @update_lock.
 * @gen: bumped on every configuration change, for NLM_F_DUMP_INTR.
 */
struct wgt_device {
	struct net_device *dev;
	struct net *creating_net;
	struct list_head list;
	struct mutex update_lock;
	u16 listen_port;
	u32 fwmark;
	u64 gen;
};

int wgt_device_init(void);
void wgt_device_uninit(void);

/**
 * wgt_device_lookup - find a wgtun interface by ifindex or name
 * @net: namespace to search
 * @ifindex: interface index, or 0 to use @name
 * @name: interface name, or NULL
 *
 * Context: RTNL or RCU is not required; the caller gets a reference on the
 * net_device (dev_hold) and must drop it with dev_put().
 * Return: the device, ERR_PTR(-ENODEV) if absent or not wgtun.
 */
struct wgt_device *wgt_device_lookup(struct net *net, int ifindex, const char *name);

bool wgt_device_is_wgtun(const struct net_device *dev);

#endif /* _WGTUN_DEVICE_H */
