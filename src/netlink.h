/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTUN_NETLINK_H
#define _WGTUN_NETLINK_H

#include <linux/wgtun.h>

int wgt_genl_init(void);
void wgt_genl_uninit(void);

#endif /* _WGTUN_NETLINK_H */
