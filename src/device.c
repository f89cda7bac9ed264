// SPDX-License-Identifier: GPL-2.0
/*
 * The wgtun link type: creation, teardown and namespace handling.
 */

#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "device.h"

/* All wgtun interfaces of all namespaces; protected by RTNL. */
static LIST_HEAD(device_list);

static int wgt_open(struct net_device *dev)
{
	return 0;
}

static int wgt_stop(struct net_device *dev)
{
	return 0;
}

static netdev_tx_t wgt_xmit(struct sk_buff *skb, struct net_device *dev)
{
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops netdev_ops = {
	.ndo_open		= wgt_open,
	.ndo_stop		= wgt_stop,
	.ndo_start_xmit		= wgt_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static void wgt_destruct(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);

	mutex_destroy(&wg->update_lock);
}

static void wgt_setup(struct net_device *dev)
{
	dev->netdev_ops = &netdev_ops;
	dev->header_ops = NULL;
	dev->type = ARPHRD_NONE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	wgt_compat_set_lltx(dev);
	dev->mtu = WGT_DEFAULT_MTU;
	dev->min_mtu = 68;
	dev->max_mtu = WGT_MAX_MTU;
	dev->needs_free_netdev = true;
	dev->priv_destructor = wgt_destruct;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	netif_keep_dst(dev);
}

static int wgt_newlink(struct net *src_net, struct net_device *dev,
		       struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	struct wgt_device *wg = netdev_priv(dev);
	int ret;

	wg->dev = dev;
	wg->creating_net = src_net;
	mutex_init(&wg->update_lock);

	ret = register_netdevice(dev);
	if (ret < 0)
		return ret;

	list_add(&wg->list, &device_list);
	return 0;
}

static void wgt_dellink(struct net_device *dev, struct list_head *head)
{
	struct wgt_device *wg = netdev_priv(dev);

	list_del(&wg->list);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops link_ops __read_mostly = {
	.kind		= WGTUN_KIND,
	.priv_size	= sizeof(struct wgt_device),
	.setup		= wgt_setup,
	.newlink	= wgt_newlink,
	.dellink	= wgt_dellink,
};

bool wgt_device_is_wgtun(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &link_ops;
}

struct wgt_device *wgt_device_lookup(struct net *net, int ifindex, const char *name)
{
	struct net_device *dev = NULL;

	if (ifindex)
		dev = dev_get_by_index(net, ifindex);
	else if (name)
		dev = dev_get_by_name(net, name);
	if (!dev)
		return ERR_PTR(-ENODEV);
	if (!wgt_device_is_wgtun(dev)) {
		dev_put(dev);
		return ERR_PTR(-ENODEV);
	}
	return netdev_priv(dev);
}

/*
 * A namespace is going away.  Interfaces that live in it are unregistered by
 * the core; interfaces created in it but moved elsewhere still have their
 * sockets here, so they must go too.
 */
static void wgt_netns_pre_exit(struct net *net)
{
	struct wgt_device *wg, *tmp;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry_safe(wg, tmp, &device_list, list) {
		if (wg->creating_net != net)
			continue;
		wgt_dellink(wg->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static struct pernet_operations pernet_ops = {
	.pre_exit = wgt_netns_pre_exit,
};

int wgt_device_init(void)
{
	int ret;

	ret = register_pernet_device(&pernet_ops);
	if (ret)
		return ret;
	ret = rtnl_link_register(&link_ops);
	if (ret)
		goto err_unregister_pernet;
	return 0;

err_unregister_pernet:
	unregister_pernet_device(&pernet_ops);
	return ret;
}

void wgt_device_uninit(void)
{
	rtnl_link_unregister(&link_ops);
	unregister_pernet_device(&pernet_ops);
}
