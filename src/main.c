// SPDX-License-Identifier: GPL-2.0
/*
 * wgtun: a WireGuard-compatible point-to-point tunnel.  Module init and exit
 * only: a straight sequence of subsystem set-ups and its mirror image.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "allowedips.h"
#include "device.h"
#include "netlink.h"
#include "noise.h"
#include "peer.h"
#include "peerlookup.h"
#include "queueing.h"
#include "ratelimiter.h"
#include "receive.h"
#include "version.h"
#include "selftest/selftest.h"

static int __init wgt_selftests(void)
{
#ifdef WGTUN_DEBUG
	bool ok = true;

	ok &= wgt_allowedips_selftest();
	ok &= wgt_replay_selftest();
	ok &= wgt_ratelimiter_selftest();
	ok &= wgt_noise_selftest();
	ok &= wgt_cookie_selftest();
	ok &= wgt_crypto_selftest();
	if (!ok)
		return -ENOTRECOVERABLE;
#endif
	return 0;
}

static int __init wgt_mod_init(void)
{
	int ret;

	ret = wgt_allowedips_slab_init();
	if (ret)
		return ret;
	ret = wgt_noise_init();
	if (ret)
		goto err_allowedips;
	ret = wgt_peerlookup_init();
	if (ret)
		goto err_noise;
	ret = wgt_peer_init();
	if (ret)
		goto err_peerlookup;
	ret = wgt_ratelimiter_init();
	if (ret)
		goto err_peer;
	ret = wgt_receive_init();
	if (ret)
		goto err_ratelimiter;
	ret = wgt_queueing_init();
	if (ret)
		goto err_receive;
	ret = wgt_selftests();
	if (ret)
		goto err_queueing;
	/* Events go out until the last device is gone: the family outlives them. */
	ret = wgt_genl_init();
	if (ret)
		goto err_queueing;
	ret = wgt_device_init();
	if (ret)
		goto err_genl;

	pr_info("wgtun " WGTUN_VERSION " loaded\n");
	return 0;

err_genl:
	wgt_genl_uninit();
err_queueing:
	wgt_queueing_uninit();
err_receive:
	wgt_receive_uninit();
err_ratelimiter:
	wgt_ratelimiter_uninit();
err_peer:
	wgt_peer_uninit();
err_peerlookup:
	wgt_peerlookup_uninit();
err_noise:
	wgt_noise_uninit();
err_allowedips:
	wgt_allowedips_slab_uninit();
	return ret;
}

static void __exit wgt_mod_exit(void)
{
	wgt_device_uninit();
	wgt_genl_uninit();
	/* Peers and trie nodes are freed by RCU callbacks: let them run. */
	rcu_barrier();
	wgt_queueing_uninit();
	wgt_receive_uninit();
	wgt_ratelimiter_uninit();
	wgt_peer_uninit();
	wgt_peerlookup_uninit();
	wgt_noise_uninit();
	wgt_allowedips_slab_uninit();
}

module_init(wgt_mod_init);
module_exit(wgt_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("WireGuard-compatible point-to-point tunnels for routed networks");
MODULE_VERSION(WGTUN_VERSION);
MODULE_ALIAS_RTNL_LINK(WGTUN_KIND);
MODULE_ALIAS_GENL_FAMILY(WGTUN_GENL_NAME);
