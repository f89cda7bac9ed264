/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTUN_NETLINK_H
#define _WGTUN_NETLINK_H

#include <linux/wgtun.h>

struct wgt_device;
struct wgt_peer;

int wgt_genl_init(void);
void wgt_genl_uninit(void);

/* Multicast an event about @peer, or about the interface's carrier. */
void wgt_event_peer(struct wgt_peer *peer, enum wgtun_event event);
void wgt_event_carrier(struct wgt_device *wg, bool carrier);

#endif /* _WGTUN_NETLINK_H */
