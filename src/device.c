// SPDX-License-Identifier: GPL-2.0
/*
 * The wgtun link type: creation, teardown and namespace handling.
 */

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "device.h"
#include "liveness.h"
#include "messages.h"
#include "peer.h"
#include "port.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/* All wgtun interfaces of all namespaces; protected by RTNL. */
static LIST_HEAD(device_list);

/* Configuration generations, drawn by all interfaces from one sequence. */
static atomic64_t config_gens = ATOMIC64_INIT(0);

void wgt_device_changed(struct wgt_device *wg)
{
	wg->gen = atomic64_inc_return(&config_gens);
}

static int wgt_open(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);
	struct wgt_peer *peer;
	int ret;

	mutex_lock(&wg->update_lock);
	ret = wgt_port_join(wg);
	if (ret < 0) {
		mutex_unlock(&wg->update_lock);
		netdev_warn(dev, "cannot listen on UDP port %u: %d\n", wg->listen_port, ret);
		return ret;
	}
	/* The carrier is right already: wgt_stop() left no peer alive. */
	wgt_liveness_open(wg);
	list_for_each_entry(peer, &wg->peers, list) {
		wgt_send_staged(peer);
		if (peer->keepalive_interval)
			wgt_send_keepalive(peer);
		wgt_liveness_peer_configured(peer);
	}
	mutex_unlock(&wg->update_lock);
	return 0;
}

/* Down: forget every session, as if the interface had just been created. */
static int wgt_stop(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);
	struct wgt_peer *peer;

	mutex_lock(&wg->update_lock);
	/* First: what is still in flight must not make a peer alive again. */
	wgt_liveness_close(wg);
	list_for_each_entry(peer, &wg->peers, list) {
		wgt_timers_stop(peer);
		skb_queue_purge(&peer->staged);
		wgt_noise_handshake_clear(&peer->noise);
		wgt_noise_keypairs_clear(&peer->noise);
		atomic64_set(&peer->last_sent_handshake, 0);
	}
	wgt_port_leave(wg);
	mutex_unlock(&wg->update_lock);
	return 0;
}

/*
 * Unregistering, or a registration failing (RTNL held):
 * nothing may reach the peers after this.
 */
static void wgt_uninit(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);

	mutex_lock(&wg->update_lock);
	wgt_peer_remove_all(wg);
	/* Closed already, unless the registration failed after an open. */
	wgt_port_leave(wg);
	mutex_unlock(&wg->update_lock);
}

/*
 * The link under the tunnel: the device the sockets are bound to, else 0
 * (none, as an unbound IP tunnel says).  Never the interface's own index:
 * linkwatch passes on at once only the carrier changes of interfaces stacked
 * on another; the others go out in batches at most once a second, so a peer
 * found dead within a second of any other carrier change would reach the
 * routing daemons up to a second late.  (Before Linux 6.2 a stacked
 * interface without carrier is also LOWERLAYERDOWN rather than DOWN.)  The
 * index means something only in the namespace the sockets live in.  Called
 * from any context, locklessly.
 */
static int wgt_get_iflink(const struct net_device *dev)
{
	const struct wgt_device *wg = netdev_priv(dev);

	if (READ_ONCE(wg->bind_absent) || !net_eq(dev_net(dev), wg->creating_net))
		return 0;
	return READ_ONCE(wg->bind_ifindex);
}

static const struct net_device_ops netdev_ops = {
	.ndo_open		= wgt_open,
	.ndo_stop		= wgt_stop,
	.ndo_uninit		= wgt_uninit,
	.ndo_start_xmit		= wgt_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_get_iflink		= wgt_get_iflink,
};

/*
 * Last reference gone: free what newlink set up.  Handshake work still
 * queued for the interface held references, so nothing uses it any more.
 */
static void wgt_destruct(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);

	mutex_lock(&wg->update_lock);
	wgt_allowedips_free(&wg->allowedips, &wg->update_lock);
	mutex_unlock(&wg->update_lock);
	wgt_noise_local_clear(&wg->local);
	wgt_pubkey_table_uninit(&wg->pubkeys);
	mutex_destroy(&wg->update_lock);
}

#define WGT_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
		      NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static void wgt_setup(struct net_device *dev)
{
	dev->netdev_ops = &netdev_ops;
	dev->header_ops = NULL;
	dev->type = ARPHRD_NONE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = WGT_DATA_HEADROOM;
	dev->needed_tailroom = WGT_DATA_TAILROOM;
	/* Point-to-point, but multicast works: OSPF and friends need nothing extra. */
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	wgt_compat_set_lltx(dev);
	dev->features |= WGT_FEATURES;
	dev->hw_features |= WGT_FEATURES;
	dev->hw_enc_features |= WGT_FEATURES;
	dev->mtu = WGT_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = WGT_MAX_MTU;
	dev->needs_free_netdev = true;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	netif_keep_dst(dev);
}

static int wgt_create(struct net *link_net, struct net_device *dev,
		      struct netlink_ext_ack *extack)
{
	struct wgt_device *wg = netdev_priv(dev);
	int ret;

	wg->dev = dev;
	wg->creating_net = link_net;
	wg->liveness_timeout = WGTUN_LIVENESS_TIMEOUT_DEFAULT;
	wgt_device_changed(wg);
	mutex_init(&wg->update_lock);
	spin_lock_init(&wg->liveness_lock);
	wgt_events_device_init(wg);
	INIT_LIST_HEAD(&wg->peers);
	INIT_LIST_HEAD(&wg->port_node);
	wgt_crypt_share_init(&wg->crypt_share);
	wgt_allowedips_init(&wg->allowedips);

	ret = wgt_pubkey_table_init(&wg->pubkeys);
	if (ret)
		goto err_mutex;
	wgt_noise_local_init(&wg->local, &wgt_peer_noise_ops, &wg->pubkeys, &wgt_indices);

	ret = register_netdevice(dev);
	if (ret < 0) {
		NL_SET_ERR_MSG_MOD(extack, "cannot register the interface");
		goto err_pubkeys;
	}
	/*
	 * Only now: a failed registration must not run the destructor, since
	 * the unwinding below already does its work.
	 */
	dev->priv_destructor = wgt_destruct;
	list_add(&wg->list, &device_list);
	return 0;

err_pubkeys:
	wgt_pubkey_table_uninit(&wg->pubkeys);
err_mutex:
	mutex_destroy(&wg->update_lock);
	return ret;
}

WGT_COMPAT_NEWLINK(wgt_newlink, wgt_create)

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

static bool device_is_wgtun(const struct net_device *dev)
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
	if (!device_is_wgtun(dev)) {
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

/*
 * The device @wg's sockets are bound to (socket.h) comes and goes: when it
 * leaves the namespace they stay bound to its index and the interface sends
 * nothing (no-route drops); a device registered there under the same name
 * takes its place, as an operator recreating a VRF expects.  RTNL held.
 */
static void bind_dev_event(struct wgt_device *wg, struct net_device *dev, unsigned long event)
{
	mutex_lock(&wg->update_lock);
	switch (event) {
	case NETDEV_UNREGISTER:
		if (!wg->bind_absent && wg->bind_ifindex == dev->ifindex) {
			netdev_info(wg->dev, "bound device %s is gone\n", dev->name);
			wgt_socket_bind_dev_gone(wg);
		}
		break;
	case NETDEV_REGISTER:
		if (wg->bind_absent && !strcmp(wg->bind_name, dev->name)) {
			if (wgt_socket_bind_dev(wg, dev, NULL))
				netdev_warn(wg->dev, "cannot bind to %s again\n", dev->name);
			else
				netdev_info(wg->dev, "bound to %s again\n", dev->name);
		}
		break;
	case NETDEV_CHANGENAME:
		if (!wg->bind_absent && wg->bind_ifindex == dev->ifindex)
			strscpy(wg->bind_name, dev->name, sizeof(wg->bind_name));
		break;
	}
	mutex_unlock(&wg->update_lock);
}

static int netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct wgt_device *wg;

	if (event != NETDEV_UNREGISTER && event != NETDEV_REGISTER &&
	    event != NETDEV_CHANGENAME)
		return NOTIFY_DONE;
	list_for_each_entry(wg, &device_list, list) {
		if (wg->bind_ifindex && wg->dev != dev && net_eq(wg->creating_net, dev_net(dev)))
			bind_dev_event(wg, dev, event);
	}
	return NOTIFY_DONE;
}

static struct notifier_block netdev_notifier = {
	.notifier_call = netdev_event,
};

int wgt_device_init(void)
{
	int ret;

	ret = register_pernet_device(&pernet_ops);
	if (ret)
		return ret;
	ret = register_netdevice_notifier(&netdev_notifier);
	if (ret)
		goto err_unregister_pernet;
	ret = rtnl_link_register(&link_ops);
	if (ret)
		goto err_unregister_notifier;
	return 0;

err_unregister_notifier:
	unregister_netdevice_notifier(&netdev_notifier);
err_unregister_pernet:
	unregister_pernet_device(&pernet_ops);
	return ret;
}

void wgt_device_uninit(void)
{
	rtnl_link_unregister(&link_ops);
	unregister_netdevice_notifier(&netdev_notifier);
	unregister_pernet_device(&pernet_ops);
}
