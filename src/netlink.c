// SPDX-License-Identifier: GPL-2.0
/*
 * The "wgtun" generic netlink family.  uapi/linux/wgtun.h is the contract;
 * this file implements it.
 */

#include <linux/if.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"

static struct genl_family genl_family;

static const struct nla_policy device_policy[WGTUN_A_DEVICE_MAX + 1] = {
	[WGTUN_A_DEVICE_IFINDEX]	= { .type = NLA_U32 },
	[WGTUN_A_DEVICE_IFNAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

/* Dump state, kept in netlink_callback::ctx. */
struct dump_ctx {
	struct wgt_device *wg;
	bool header_done;
};

static struct dump_ctx *dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dump_ctx) > sizeof(cb->ctx));
	return (struct dump_ctx *)cb->ctx;
}

static struct wgt_device *lookup_from_attrs(struct net *net, struct nlattr **attrs,
					    struct netlink_ext_ack *extack)
{
	struct wgt_device *wg;

	if (!attrs[WGTUN_A_DEVICE_IFINDEX] == !attrs[WGTUN_A_DEVICE_IFNAME]) {
		NL_SET_ERR_MSG_MOD(extack, "exactly one of ifindex and ifname is required");
		return ERR_PTR(-EINVAL);
	}
	if (attrs[WGTUN_A_DEVICE_IFINDEX])
		wg = wgt_device_lookup(net, nla_get_u32(attrs[WGTUN_A_DEVICE_IFINDEX]), NULL);
	else
		wg = wgt_device_lookup(net, 0, nla_data(attrs[WGTUN_A_DEVICE_IFNAME]));
	if (IS_ERR(wg)) {
		NL_SET_ERR_MSG_MOD(extack, "no such wgtun interface");
		NL_SET_BAD_ATTR(extack, attrs[WGTUN_A_DEVICE_IFINDEX] ?:
					attrs[WGTUN_A_DEVICE_IFNAME]);
	}
	return wg;
}

static int get_start(struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct wgt_device *wg;

	wg = lookup_from_attrs(sock_net(cb->skb->sk), wgt_compat_dump_attrs(cb), cb->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);
	ctx->wg = wg;
	return 0;
}

static int fill_device(struct sk_buff *skb, struct wgt_device *wg)
{
	if (nla_put_u16(skb, WGTUN_A_DEVICE_LISTEN_PORT, wg->listen_port) ||
	    nla_put_u32(skb, WGTUN_A_DEVICE_FWMARK, wg->fwmark))
		return -EMSGSIZE;
	return 0;
}

static int get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct wgt_device *wg = ctx->wg;
	void *hdr;
	int ret;

	if (ctx->header_done)
		return 0;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &genl_family, NLM_F_MULTI, WGTUN_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	mutex_lock(&wg->update_lock);
	cb->seq = wg->gen;
	ret = -EMSGSIZE;
	if (nla_put_u32(skb, WGTUN_A_DEVICE_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGTUN_A_DEVICE_IFNAME, wg->dev->name))
		goto out_cancel;
	ret = fill_device(skb, wg);
	if (ret)
		goto out_cancel;
	mutex_unlock(&wg->update_lock);

	genlmsg_end(skb, hdr);
	ctx->header_done = true;
	return skb->len;

out_cancel:
	mutex_unlock(&wg->update_lock);
	genlmsg_cancel(skb, hdr);
	return ret;
}

static int get_done(struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);

	if (ctx->wg)
		dev_put(ctx->wg->dev);
	return 0;
}

static const struct genl_ops genl_ops[] = {
	{
		.cmd = WGTUN_CMD_GET_DEVICE,
		.start = get_start,
		.dumpit = get_dumpit,
		.done = get_done,
	},
};

static struct genl_family genl_family __ro_after_init = {
	.ops = genl_ops,
	.n_ops = ARRAY_SIZE(genl_ops),
	.resv_start_op = WGTUN_CMD_EVENT + 1,
	.name = WGTUN_GENL_NAME,
	.version = WGTUN_GENL_VERSION,
	.maxattr = WGTUN_A_DEVICE_MAX,
	.policy = device_policy,
	.module = THIS_MODULE,
	.netnsok = true,
};

int __init wgt_genl_init(void)
{
	return genl_register_family(&genl_family);
}

void __exit wgt_genl_uninit(void)
{
	genl_unregister_family(&genl_family);
}
