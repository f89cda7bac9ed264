/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTUN_NETLINK_H
#define _WGTUN_NETLINK_H

#include <net/genetlink.h>

struct wgt_endpoint;
struct wgt_peer;

/* The "wgtun" family; events.c sends its event messages. */
extern struct genl_family wgt_genl_family;

int wgt_genl_init(void);
void wgt_genl_uninit(void);

/* Put @peer's endpoint, if it has one, as WGTUN_A_PEER_ENDPOINT; -EMSGSIZE if full. */
int wgt_genl_put_endpoint(struct sk_buff *skb, struct wgt_peer *peer);
/* Put @ep's address, if it has one, as WGTUN_A_PEER_ENDPOINT; -EMSGSIZE if full. */
int wgt_genl_put_sockaddr(struct sk_buff *skb, const struct wgt_endpoint *ep);

#endif /* _WGTUN_NETLINK_H */
