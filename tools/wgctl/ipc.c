// SPDX-License-Identifier: GPL-2.0
/*
 * The wgtun generic netlink family and rtnetlink, over the helpers in nl.c.
 *
 * Replies are walked by our own loop, which keeps the kernel's extended-ack
 * text (NLMSGERR_ATTR_MSG) rather than reducing an error to a bare errno.
 * Sockets ask for capped acks (NETLINK_CAP_ACK) so that a rejected SET of up
 * to 32 KiB is not echoed back.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>

#include "encoding.h"
#include "ipc.h"
#include "nl.h"

/* Room for the largest dump skb the kernel builds (32 KiB) with margin. */
#define RECV_BUF_LEN	(64 * 1024)
/* One SET message at most; far below the default socket send buffer. */
#define SET_MSG_LEN	(32 * 1024)
#define DUMP_RETRIES	100

char ipc_extack[512];

struct ipc {
	struct nl_sock nl;
	uint32_t seq;
	uint16_t family;
	uint32_t events_group;
	char *buf;
	size_t dirty;		/* bytes of buf written so far: what to wipe */
};

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *data);

void ipc_perror(const char *what, int err)
{
	if (err < 0)
		err = -err;
	/* The genetlink core refuses without a message: say what is missing. */
	if (err == EPERM && !ipc_extack[0])
		snprintf(ipc_extack, sizeof(ipc_extack),
			 "needs CAP_NET_ADMIN in the interface's network namespace");
	if (ipc_extack[0])
		fprintf(stderr, "%s: %s (%s)\n", what, ipc_extack, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", what, strerror(err));
}

/* ---- sockets and the reply loop ---- */

bool ipc_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

static void ipc_close(struct ipc *ipc)
{
	nl_socket_close(&ipc->nl);
	/* Only what was written: wiping the rest would fault in fresh pages. */
	if (ipc->buf)
		wgc_wipe(ipc->buf, ipc->dirty);
	free(ipc->buf);
	ipc->buf = NULL;
}

static int ipc_open_bus(struct ipc *ipc, int bus)
{
	int one = 1, err;

	memset(ipc, 0, sizeof(*ipc));
	ipc->nl.fd = -1;
	ipc_extack[0] = '\0';
	ipc->buf = malloc(RECV_BUF_LEN);
	if (!ipc->buf)
		return -ENOMEM;
	if (nl_socket_open(&ipc->nl, bus) < 0) {
		err = -errno;
		ipc_close(ipc);
		return err;
	}
	/* Both are best effort: old kernels simply lack the extras. */
	nl_socket_setsockopt(&ipc->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_socket_setsockopt(&ipc->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	ipc->seq = (uint32_t)time(NULL);
	return 0;
}

/* Copies NLMSGERR_ATTR_MSG out of the TLVs that follow an error or DONE. */
static void save_extack(const void *tlvs, size_t len)
{
	const struct nlattr *attr;

	nl_attr_for_each_payload(attr, tlvs, len) {
		if (nl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
			continue;
		snprintf(ipc_extack, sizeof(ipc_extack), "%.*s",
			 (int)strnlen(nl_attr_get_payload(attr), nl_attr_get_payload_len(attr)),
			 (const char *)nl_attr_get_payload(attr));
	}
}

static int handle_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nl_nlmsg_get_payload(nlh);
	size_t plen = nl_nlmsg_get_payload_len(nlh), off = sizeof(*e);

	if (plen < sizeof(*e))
		return -EBADMSG;
	if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len > NLMSG_HDRLEN ?
			       e->msg.nlmsg_len - NLMSG_HDRLEN : 0;
		if (off < plen)
			save_extack((const char *)e + off, plen - off);
	}
	return e->error > 0 ? -e->error : e->error;
}

static int handle_done(const struct nlmsghdr *nlh)
{
	size_t plen = nl_nlmsg_get_payload_len(nlh);
	int err;

	if (plen < sizeof(int))
		return 0;
	memcpy(&err, nl_nlmsg_get_payload(nlh), sizeof(err));
	if (err && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) && plen > sizeof(int))
		save_extack((const char *)nl_nlmsg_get_payload(nlh) + sizeof(int),
			    plen - sizeof(int));
	return err > 0 ? -err : err;
}

/* One datagram into ipc->buf, as recvfrom(); records how much it wrote. */
static ssize_t ipc_recv(struct ipc *ipc)
{
	ssize_t got = nl_socket_recvfrom(&ipc->nl, ipc->buf, RECV_BUF_LEN);

	/* A failed read may still have filled the buffer (ENOSPC: truncated). */
	if (got < 0 || (size_t)got > RECV_BUF_LEN)
		ipc->dirty = RECV_BUF_LEN;
	else if ((size_t)got > ipc->dirty)
		ipc->dirty = got;
	return got;
}

/*
 * Reads replies to request @seq until its ack or DONE.  Sets *intr when a
 * message carries NLM_F_DUMP_INTR.  Data messages go to @cb; once @cb fails
 * the rest of the reply is still drained so the socket stays usable.
 */
static int ipc_run(struct ipc *ipc, uint32_t seq, msg_cb cb, void *data, bool *intr)
{
	const struct nlmsghdr *nlh;
	int cb_err = 0, ret, len;
	ssize_t got;

	for (;;) {
		got = ipc_recv(ipc);
		if (got < 0)
			return -errno;
		len = (int)got;
		for (nlh = (const struct nlmsghdr *)ipc->buf; ipc_nlmsg_ok(nlh, len);
		     nlh = nl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != ipc->nl.portid)
				continue;
			if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && intr)
				*intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				ret = handle_error(nlh);
				return ret ? ret : cb_err;
			case NLMSG_DONE:
				ret = handle_done(nlh);
				return ret ? ret : cb_err;
			case NLMSG_OVERRUN:
				return -EOVERFLOW;
			default:
				if (!cb_err && cb)
					cb_err = cb(nlh, data);
			}
		}
	}
}

static int ipc_send(struct ipc *ipc, struct nlmsghdr *nlh)
{
	char *p = (char *)nlh;

	/* Requests are built in the receive buffer too. */
	if (p >= ipc->buf && p < ipc->buf + RECV_BUF_LEN &&
	    (size_t)(p - ipc->buf) + nlh->nlmsg_len > ipc->dirty)
		ipc->dirty = (size_t)(p - ipc->buf) + nlh->nlmsg_len;
	if (nl_socket_sendto(&ipc->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* ---- resolving the family ---- */

static int parse_mcast_groups(const struct nlattr *groups, struct ipc *ipc)
{
	const struct nlattr *grp, *a;
	const char *name;
	uint32_t id;

	nl_attr_for_each_nested(grp, groups) {
		name = NULL;
		id = 0;
		nl_attr_for_each_nested(a, grp) {
			if (nl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !nl_attr_validate(a, NL_TYPE_NUL_STRING))
				name = nl_attr_get_str(a);
			else if (nl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 !nl_attr_validate(a, NL_TYPE_U32))
				id = nl_attr_get_u32(a);
		}
		if (name && !strcmp(name, WGTUN_MCGRP_EVENTS))
			ipc->events_group = id;
	}
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ipc *ipc = data;
	const struct nlattr *a;

	nl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (nl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    !nl_attr_validate(a, NL_TYPE_U16))
			ipc->family = nl_attr_get_u16(a);
		else if (nl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			parse_mcast_groups(a, ipc);
	}
	return 0;
}

static struct nlmsghdr *genl_header(void *buf, uint16_t type, uint8_t cmd, uint8_t version,
				    uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = nl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = nl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int ipc_open(struct ipc *ipc)
{
	struct nlmsghdr *nlh;
	uint32_t seq;
	int err;

	err = ipc_open_bus(ipc, NETLINK_GENERIC);
	if (err)
		return err;
	seq = ++ipc->seq;
	nlh = genl_header(ipc->buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK, seq);
	nl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WGTUN_GENL_NAME);
	err = ipc_send(ipc, nlh);
	if (!err)
		err = ipc_run(ipc, seq, family_cb, ipc, NULL);
	if (!err && !ipc->family)
		err = -ENOENT;
	if (err == -ENOENT) {
		snprintf(ipc_extack, sizeof(ipc_extack), "%s",
			 "the wgtun generic netlink family is not registered; "
			 "is the wgtun module loaded?");
		err = -EPROTONOSUPPORT;
	}
	if (err)
		ipc_close(ipc);
	return err;
}

/* ---- parsing device messages ---- */

static bool attr_is_key(const struct nlattr *a)
{
	return nl_attr_get_payload_len(a) == WGC_KEY_LEN;
}

static void parse_drops(const struct nlattr *nest, uint64_t drops[WGC_NDROPS])
{
	const struct nlattr *a;
	uint16_t type;

	nl_attr_for_each_nested(a, nest) {
		type = nl_attr_get_type(a);
		if (type < WGC_NDROPS && !nl_attr_validate(a, NL_TYPE_U64))
			drops[type] = nl_attr_get_u64(a);
	}
}

static int parse_allowedip(const struct nlattr *nest, struct wgc_peer *peer)
{
	struct wgc_allowedip ip = { 0 }, *slot;
	const struct nlattr *a;
	const void *addr = NULL;
	uint16_t alen = 0;
	bool have_cidr = false;

	nl_attr_for_each_nested(a, nest) {
		switch (nl_attr_get_type(a)) {
		case WGTUN_A_ALLOWEDIP_FAMILY:
			if (nl_attr_validate(a, NL_TYPE_U16))
				return -EINVAL;
			ip.family = nl_attr_get_u16(a);
			break;
		case WGTUN_A_ALLOWEDIP_IPADDR:
			addr = nl_attr_get_payload(a);
			alen = nl_attr_get_payload_len(a);
			break;
		case WGTUN_A_ALLOWEDIP_CIDR_MASK:
			if (nl_attr_validate(a, NL_TYPE_U8))
				return -EINVAL;
			ip.cidr = nl_attr_get_u8(a);
			have_cidr = true;
			break;
		case WGTUN_A_ALLOWEDIP_FLAGS:
			if (nl_attr_validate(a, NL_TYPE_U32))
				return -EINVAL;
			ip.nlflags = nl_attr_get_u32(a);
			break;
		}
	}
	if (!addr || !have_cidr)
		return -EINVAL;
	if (!((ip.family == AF_INET && alen == 4 && ip.cidr <= 32) ||
	      (ip.family == AF_INET6 && alen == 16 && ip.cidr <= 128)))
		return -EINVAL;
	memcpy(&ip.addr, addr, alen);
	slot = wgc_peer_add_ip(peer);
	if (!slot)
		return -ENOMEM;
	*slot = ip;
	return 0;
}

/*
 * Fixed-size attributes that are copied into a field and mark a HAS bit.
 * Booleans arrive as NLA_U8 and are stored as 0 or 1.
 */
struct scalar_attr {
	uint16_t type;
	enum nl_attr_data_type dtype;
	size_t offset;
	uint32_t has;
	bool boolean;
};

#define SCALAR(attr, dtype, strct, field, hasbit)				\
	{ attr, dtype, offsetof(struct strct, field), hasbit,		\
	  __builtin_types_compatible_p(__typeof__(((struct strct *)0)->field), bool) }

static const struct scalar_attr peer_scalars[] = {
	SCALAR(WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL, NL_TYPE_U16, wgc_peer, keepalive,
	       WGC_PEER_HAS_KEEPALIVE),
	SCALAR(WGTUN_A_PEER_RX_BYTES, NL_TYPE_U64, wgc_peer, rx_bytes, WGC_PEER_HAS_TRANSFER),
	SCALAR(WGTUN_A_PEER_TX_BYTES, NL_TYPE_U64, wgc_peer, tx_bytes, WGC_PEER_HAS_TRANSFER),
	SCALAR(WGTUN_A_PEER_RX_PACKETS, NL_TYPE_U64, wgc_peer, rx_packets, WGC_PEER_HAS_PACKETS),
	SCALAR(WGTUN_A_PEER_TX_PACKETS, NL_TYPE_U64, wgc_peer, tx_packets, WGC_PEER_HAS_PACKETS),
	SCALAR(WGTUN_A_PEER_ALIVE, NL_TYPE_U8, wgc_peer, alive, WGC_PEER_HAS_ALIVE),
	SCALAR(WGTUN_A_PEER_LAST_RX_AGE, NL_TYPE_U32, wgc_peer, last_rx_age,
	       WGC_PEER_HAS_LAST_RX_AGE),
	SCALAR(WGTUN_A_PEER_ROAMING, NL_TYPE_U8, wgc_peer, roaming, WGC_PEER_HAS_ROAMING),
	SCALAR(WGTUN_A_PEER_ROAM_REFUSED, NL_TYPE_U64, wgc_peer, roam_refused,
	       WGC_PEER_HAS_ROAM_REFUSED),
};

static const struct scalar_attr device_scalars[] = {
	SCALAR(WGTUN_A_DEVICE_IFINDEX, NL_TYPE_U32, wgc_device, ifindex, WGC_DEV_HAS_IFINDEX),
	SCALAR(WGTUN_A_DEVICE_LISTEN_PORT, NL_TYPE_U16, wgc_device, listen_port,
	       WGC_DEV_HAS_LISTEN_PORT),
	SCALAR(WGTUN_A_DEVICE_FWMARK, NL_TYPE_U32, wgc_device, fwmark, WGC_DEV_HAS_FWMARK),
	SCALAR(WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS, NL_TYPE_U8, wgc_device,
	       carrier_follows_peers, WGC_DEV_HAS_CARRIER_FOLLOWS),
	SCALAR(WGTUN_A_DEVICE_LIVENESS_TIMEOUT, NL_TYPE_U32, wgc_device, liveness_timeout,
	       WGC_DEV_HAS_LIVENESS),
	SCALAR(WGTUN_A_DEVICE_CARRIER, NL_TYPE_U8, wgc_device, carrier, WGC_DEV_HAS_CARRIER),
	SCALAR(WGTUN_A_DEVICE_EVENT, NL_TYPE_U32, wgc_device, event, WGC_DEV_HAS_EVENT),
	SCALAR(WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS, NL_TYPE_U8, wgc_device, unknown_peer_events,
	       WGC_DEV_HAS_UNKNOWN_PEER_EVENTS),
	SCALAR(WGTUN_A_DEVICE_BIND_IFINDEX, NL_TYPE_U32, wgc_device, bind_ifindex, 0),
	SCALAR(WGTUN_A_DEVICE_PORT_ID, NL_TYPE_U32, wgc_device, port_id, WGC_DEV_HAS_PORT_ID),
	SCALAR(WGTUN_A_DEVICE_PORT_MEMBERS, NL_TYPE_U32, wgc_device, port_members,
	       WGC_DEV_HAS_PORT_MEMBERS),
};

/*
 * Stores @a if the table knows its type: 1 if stored, 0 if not in the table,
 * -EINVAL if its length is wrong.
 */
static int parse_scalar(const struct nlattr *a, const struct scalar_attr *table, size_t n,
			void *obj, uint32_t *has)
{
	char *field;
	size_t i;

	for (i = 0; i < n; i++) {
		if (table[i].type != nl_attr_get_type(a))
			continue;
		if (nl_attr_validate(a, table[i].dtype))
			return -EINVAL;
		field = (char *)obj + table[i].offset;
		if (table[i].boolean)
			*(bool *)field = nl_attr_get_u8(a) != 0;
		else if (table[i].dtype == NL_TYPE_U8)
			*(uint8_t *)field = nl_attr_get_u8(a);
		else if (table[i].dtype == NL_TYPE_U16)
			*(uint16_t *)field = nl_attr_get_u16(a);
		else if (table[i].dtype == NL_TYPE_U32)
			*(uint32_t *)field = nl_attr_get_u32(a);
		else
			*(uint64_t *)field = nl_attr_get_u64(a);
		*has |= table[i].has;
		return 1;
	}
	return 0;
}

static int parse_endpoint(const struct nlattr *a, struct wgc_peer *peer)
{
	uint16_t len = nl_attr_get_payload_len(a);
	sa_family_t fam;

	if (len != sizeof(peer->endpoint.sin) && len != sizeof(peer->endpoint.sin6))
		return -EINVAL;
	memset(&peer->endpoint, 0, sizeof(peer->endpoint));
	memcpy(&peer->endpoint, nl_attr_get_payload(a), len);
	fam = peer->endpoint.sa.sa_family;
	if ((fam == AF_INET && len == sizeof(peer->endpoint.sin)) ||
	    (fam == AF_INET6 && len == sizeof(peer->endpoint.sin6)))
		peer->has |= WGC_PEER_HAS_ENDPOINT;
	return 0;
}

static int parse_peer_attr(const struct nlattr *a, struct wgc_peer *peer)
{
	struct __kernel_timespec ts;
	const struct nlattr *ipn;
	int err;

	err = parse_scalar(a, peer_scalars, sizeof(peer_scalars) / sizeof(peer_scalars[0]),
			   peer, &peer->has);
	if (err)
		return err < 0 ? err : 0;
	switch (nl_attr_get_type(a)) {
	case WGTUN_A_PEER_PRESHARED_KEY:
		if (!attr_is_key(a))
			return -EINVAL;
		memcpy(peer->preshared_key, nl_attr_get_payload(a), WGC_KEY_LEN);
		if (!wgc_key_is_zero(peer->preshared_key))
			peer->has |= WGC_PEER_HAS_PRESHARED_KEY;
		break;
	case WGTUN_A_PEER_FLAGS:
		if (nl_attr_validate(a, NL_TYPE_U32))
			return -EINVAL;
		peer->nlflags |= nl_attr_get_u32(a);
		break;
	case WGTUN_A_PEER_ENDPOINT:
		return parse_endpoint(a, peer);
	case WGTUN_A_PEER_LAST_HANDSHAKE_TIME:
		if (nl_attr_get_payload_len(a) != sizeof(ts))
			return -EINVAL;
		memcpy(&ts, nl_attr_get_payload(a), sizeof(ts));
		peer->handshake_sec = ts.tv_sec;
		peer->handshake_nsec = ts.tv_nsec;
		peer->has |= WGC_PEER_HAS_HANDSHAKE;
		break;
	case WGTUN_A_PEER_ALLOWEDIPS:
		peer->has |= WGC_PEER_HAS_ALLOWEDIPS;
		nl_attr_for_each_nested(ipn, a) {
			err = parse_allowedip(ipn, peer);
			if (err)
				return err;
		}
		break;
	case WGTUN_A_PEER_DROPS:
		parse_drops(a, peer->drops);
		peer->has |= WGC_PEER_HAS_DROPS;
		break;
	}
	return 0;
}

/*
 * A peer continued from the previous message repeats its public key: it is
 * merged into the last peer instead of being added again.
 */
static int parse_peer(const struct nlattr *nest, struct wgc_device *dev)
{
	const uint8_t *key = NULL;
	const struct nlattr *a;
	struct wgc_peer *peer;
	int err;

	nl_attr_for_each_nested(a, nest) {
		if (nl_attr_get_type(a) == WGTUN_A_PEER_PUBLIC_KEY && attr_is_key(a))
			key = nl_attr_get_payload(a);
	}
	if (!key)
		return -EINVAL;
	if (dev->npeers && !memcmp(dev->peers[dev->npeers - 1].public_key, key, WGC_KEY_LEN)) {
		peer = &dev->peers[dev->npeers - 1];
	} else {
		peer = wgc_device_add_peer(dev);
		if (!peer)
			return -ENOMEM;
		memcpy(peer->public_key, key, WGC_KEY_LEN);
		peer->has |= WGC_PEER_HAS_PUBLIC_KEY;
	}
	nl_attr_for_each_nested(a, nest) {
		err = parse_peer_attr(a, peer);
		if (err)
			return err;
	}
	return 0;
}

static int parse_device_attr(const struct nlattr *a, struct wgc_device *dev)
{
	const struct nlattr *p;
	int err;

	err = parse_scalar(a, device_scalars, sizeof(device_scalars) / sizeof(device_scalars[0]),
			   dev, &dev->has);
	if (err)
		return err < 0 ? err : 0;
	switch (nl_attr_get_type(a)) {
	case WGTUN_A_DEVICE_IFNAME:
		if (nl_attr_validate(a, NL_TYPE_NUL_STRING))
			return -EINVAL;
		snprintf(dev->name, sizeof(dev->name), "%s", nl_attr_get_str(a));
		break;
	case WGTUN_A_DEVICE_BIND_IFNAME:
		if (nl_attr_validate(a, NL_TYPE_NUL_STRING))
			return -EINVAL;
		snprintf(dev->bind_dev, sizeof(dev->bind_dev), "%s", nl_attr_get_str(a));
		dev->has |= WGC_DEV_HAS_BIND_DEV;
		break;
	case WGTUN_A_DEVICE_PRIVATE_KEY:
	case WGTUN_A_DEVICE_PUBLIC_KEY:
		if (!attr_is_key(a))
			return -EINVAL;
		if (nl_attr_get_type(a) == WGTUN_A_DEVICE_PRIVATE_KEY) {
			memcpy(dev->private_key, nl_attr_get_payload(a), WGC_KEY_LEN);
			if (!wgc_key_is_zero(dev->private_key))
				dev->has |= WGC_DEV_HAS_PRIVATE_KEY;
		} else {
			memcpy(dev->public_key, nl_attr_get_payload(a), WGC_KEY_LEN);
			if (!wgc_key_is_zero(dev->public_key))
				dev->has |= WGC_DEV_HAS_PUBLIC_KEY;
		}
		break;
	case WGTUN_A_DEVICE_FLAGS:
		if (nl_attr_validate(a, NL_TYPE_U32))
			return -EINVAL;
		dev->nlflags |= nl_attr_get_u32(a);
		break;
	case WGTUN_A_DEVICE_DROPS:
		parse_drops(a, dev->drops);
		dev->has |= WGC_DEV_HAS_DROPS;
		break;
	case WGTUN_A_DEVICE_PEERS:
		nl_attr_for_each_nested(p, a) {
			err = parse_peer(p, dev);
			if (err)
				return err;
		}
		break;
	}
	return 0;
}

int ipc_parse_device(const struct nlmsghdr *nlh, struct wgc_device *dev)
{
	const struct nlattr *a;
	int err;

	/*
	 * nl_attr_for_each() walks up to the aligned end of the message; the
	 * kernel's messages are always aligned, so anything else is refused
	 * rather than read past.
	 */
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nlh->nlmsg_len != NLMSG_ALIGN(nlh->nlmsg_len))
		return -EINVAL;
	nl_attr_for_each(a, nlh, GENL_HDRLEN) {
		err = parse_device_attr(a, dev);
		if (err)
			return err;
	}
	return 0;
}

/* ---- get ---- */

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return ipc_parse_device(nlh, data);
}

int ipc_get_device(const char *name, struct wgc_device **out)
{
	struct wgc_device *dev = NULL;
	struct nlmsghdr *nlh;
	struct ipc ipc;
	bool intr;
	uint32_t seq;
	int err, tries;

	*out = NULL;
	if (strlen(name) >= IFNAMSIZ) {
		snprintf(ipc_extack, sizeof(ipc_extack), "interface name `%s' is too long", name);
		return -ENAMETOOLONG;
	}
	err = ipc_open(&ipc);
	if (err)
		return err;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		wgc_device_free(dev);
		dev = wgc_device_new();
		if (!dev) {
			err = -ENOMEM;
			break;
		}
		seq = ++ipc.seq;
		nlh = genl_header(ipc.buf, ipc.family, WGTUN_CMD_GET_DEVICE, WGTUN_GENL_VERSION,
				  NLM_F_DUMP, seq);
		nl_attr_put_strz(nlh, WGTUN_A_DEVICE_IFNAME, name);
		intr = false;
		err = ipc_send(&ipc, nlh);
		if (!err)
			err = ipc_run(&ipc, seq, get_cb, dev, &intr);
		if (err || !intr)
			break;
		err = -EINTR;	/* the configuration changed under the dump */
	}
	ipc_close(&ipc);
	if (err == -EINTR)
		snprintf(ipc_extack, sizeof(ipc_extack),
			 "the configuration kept changing during %d dumps", DUMP_RETRIES);
	if (err == -ENODEV && !ipc_extack[0])	/* some kernels drop a dump's extack */
		snprintf(ipc_extack, sizeof(ipc_extack), "no wgtun interface named `%s'", name);
	if (err) {
		wgc_device_free(dev);
		return err;
	}
	if (!dev->name[0])
		snprintf(dev->name, sizeof(dev->name), "%s", name);
	*out = dev;
	return 0;
}

/* ---- set ---- */

void ipc_set_iter_init(struct ipc_set_iter *it, const struct wgc_device *dev)
{
	memset(it, 0, sizeof(*it));
	it->dev = dev;
	it->first = true;
}

static bool put_device_head(struct nlmsghdr *nlh, size_t len, const struct wgc_device *dev)
{
	bool ok = true;

	if (dev->nlflags)
		ok &= nl_attr_put_u32_check(nlh, len, WGTUN_A_DEVICE_FLAGS, dev->nlflags);
	if (dev->has & WGC_DEV_HAS_PRIVATE_KEY)
		ok &= nl_attr_put_check(nlh, len, WGTUN_A_DEVICE_PRIVATE_KEY, WGC_KEY_LEN,
					 dev->private_key);
	if (dev->has & WGC_DEV_HAS_LISTEN_PORT)
		ok &= nl_attr_put_u16_check(nlh, len, WGTUN_A_DEVICE_LISTEN_PORT,
					     dev->listen_port);
	if (dev->has & WGC_DEV_HAS_FWMARK)
		ok &= nl_attr_put_u32_check(nlh, len, WGTUN_A_DEVICE_FWMARK, dev->fwmark);
	if (dev->has & WGC_DEV_HAS_CARRIER_FOLLOWS)
		ok &= nl_attr_put_u8_check(nlh, len, WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS,
					    dev->carrier_follows_peers);
	if (dev->has & WGC_DEV_HAS_LIVENESS)
		ok &= nl_attr_put_u32_check(nlh, len, WGTUN_A_DEVICE_LIVENESS_TIMEOUT,
					     dev->liveness_timeout);
	if (dev->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS)
		ok &= nl_attr_put_u8_check(nlh, len, WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS,
					    dev->unknown_peer_events);
	if (dev->has & WGC_DEV_HAS_BIND_DEV)
		ok &= nl_attr_put_u32_check(nlh, len, WGTUN_A_DEVICE_BIND_IFINDEX,
					     dev->bind_ifindex);
	return ok;
}

/* The peer's one-time attributes, sent with its first appearance only. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t len, const struct wgc_peer *peer)
{
	bool ok = true;

	if (peer->has & WGC_PEER_HAS_PRESHARED_KEY)
		ok &= nl_attr_put_check(nlh, len, WGTUN_A_PEER_PRESHARED_KEY, WGC_KEY_LEN,
					 peer->preshared_key);
	if (peer->has & WGC_PEER_HAS_ENDPOINT)
		ok &= nl_attr_put_check(nlh, len, WGTUN_A_PEER_ENDPOINT,
					 peer->endpoint.sa.sa_family == AF_INET ?
					 sizeof(peer->endpoint.sin) : sizeof(peer->endpoint.sin6),
					 &peer->endpoint);
	if (peer->has & WGC_PEER_HAS_KEEPALIVE)
		ok &= nl_attr_put_u16_check(nlh, len, WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
					     peer->keepalive);
	if (peer->has & WGC_PEER_HAS_ROAMING)
		ok &= nl_attr_put_u8_check(nlh, len, WGTUN_A_PEER_ROAMING, peer->roaming);
	return ok;
}

static bool put_allowedip(struct nlmsghdr *nlh, size_t len, const struct wgc_allowedip *ip)
{
	struct nlattr *nest = nl_attr_nest_start_check(nlh, len, 0);

	if (!nest)
		return false;
	if (!nl_attr_put_u16_check(nlh, len, WGTUN_A_ALLOWEDIP_FAMILY, ip->family) ||
	    !nl_attr_put_check(nlh, len, WGTUN_A_ALLOWEDIP_IPADDR,
				ip->family == AF_INET ? 4 : 16, &ip->addr) ||
	    !nl_attr_put_u8_check(nlh, len, WGTUN_A_ALLOWEDIP_CIDR_MASK, ip->cidr) ||
	    (ip->nlflags &&
	     !nl_attr_put_u32_check(nlh, len, WGTUN_A_ALLOWEDIP_FLAGS, ip->nlflags))) {
		nl_attr_nest_cancel(nlh, nest);
		return false;
	}
	nl_attr_nest_end(nlh, nest);
	return true;
}

/*
 * Puts as much of the current peer as fits.  Returns true when the peer is
 * complete; false when the message is full (the iterator says where to go
 * on).  *progress is set when anything of the peer went in.
 */
static bool put_peer(struct nlmsghdr *nlh, size_t len, struct ipc_set_iter *it, bool *progress)
{
	const struct wgc_peer *peer = &it->dev->peers[it->peer];
	struct nlattr *nest, *ips;
	uint32_t flags = peer->nlflags;
	size_t first_ip = it->ip;

	nest = nl_attr_nest_start_check(nlh, len, 0);
	if (!nest)
		return false;
	if (it->peer_started)
		flags &= ~WGTUN_PEER_F_REPLACE_ALLOWEDIPS;
	if (!nl_attr_put_check(nlh, len, WGTUN_A_PEER_PUBLIC_KEY, WGC_KEY_LEN, peer->public_key) ||
	    (flags && !nl_attr_put_u32_check(nlh, len, WGTUN_A_PEER_FLAGS, flags)) ||
	    (!it->peer_started && !put_peer_head(nlh, len, peer)))
		goto cancel;
	if (!(peer->nlflags & WGTUN_PEER_F_REMOVE_ME) && it->ip < peer->nips) {
		ips = nl_attr_nest_start_check(nlh, len, WGTUN_A_PEER_ALLOWEDIPS);
		if (!ips)
			goto cancel;
		while (it->ip < peer->nips && put_allowedip(nlh, len, &peer->ips[it->ip]))
			it->ip++;
		if (it->ip == first_ip) {
			nl_attr_nest_cancel(nlh, ips);
			goto cancel;
		}
		nl_attr_nest_end(nlh, ips);
	}
	nl_attr_nest_end(nlh, nest);
	it->peer_started = true;
	*progress = true;
	return (peer->nlflags & WGTUN_PEER_F_REMOVE_ME) || it->ip >= peer->nips;
cancel:
	nl_attr_nest_cancel(nlh, nest);
	return false;
}

int ipc_set_build(struct ipc_set_iter *it, void *buf, size_t len, uint16_t family,
		  uint32_t seq)
{
	const struct wgc_device *dev = it->dev;
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	bool progress = false, first = it->first;

	if (it->done)
		return 0;
	nlh = genl_header(buf, family, WGTUN_CMD_SET_DEVICE, WGTUN_GENL_VERSION, NLM_F_ACK, seq);
	if (!nl_attr_put_strz_check(nlh, len, WGTUN_A_DEVICE_IFNAME, dev->name))
		return -EMSGSIZE;
	if (first && !put_device_head(nlh, len, dev))
		return -EMSGSIZE;
	it->first = false;
	if (it->peer < dev->npeers) {
		peers = nl_attr_nest_start_check(nlh, len, WGTUN_A_DEVICE_PEERS);
		if (!peers)
			return -EMSGSIZE;
		while (it->peer < dev->npeers && put_peer(nlh, len, it, &progress)) {
			it->peer++;
			it->ip = 0;
			it->peer_started = false;
		}
		if (progress)
			nl_attr_nest_end(nlh, peers);
		else
			nl_attr_nest_cancel(nlh, peers);
		/* A message with nothing in it would repeat forever. */
		if (!progress && !first)
			return -EMSGSIZE;
	}
	if (it->peer >= dev->npeers)
		it->done = true;
	return 1;
}

/*
 * A generous bound on the SET message for @dev, so that the common small
 * change builds in (and then wipes) a small buffer rather than faulting in
 * SET_MSG_LEN: a process per interface is how many routers configure.  The
 * builder splits whatever does not fit, so an underestimate costs only an
 * extra message; the first peer and one allowed IP always fit.
 */
static size_t set_msg_len(const struct wgc_device *dev)
{
	size_t len = 512, i;

	for (i = 0; i < dev->npeers && len < SET_MSG_LEN; i++)
		len += 256 + 64 * dev->peers[i].nips;
	return len < SET_MSG_LEN ? len : SET_MSG_LEN;
}

/*
 * The kernel takes the bound device by index, looked up in the caller's
 * namespace: resolved here, where the name was given.
 */
static int resolve_bind_dev(struct wgc_device *dev)
{
	if (!(dev->has & WGC_DEV_HAS_BIND_DEV) || !dev->bind_dev[0]) {
		dev->bind_ifindex = 0;
		return 0;
	}
	dev->bind_ifindex = if_nametoindex(dev->bind_dev);
	if (dev->bind_ifindex)
		return 0;
	snprintf(ipc_extack, sizeof(ipc_extack), "no device named `%s' to bind to",
		 dev->bind_dev);
	return -ENODEV;
}

int ipc_set_device(struct wgc_device *dev)
{
	size_t msg_len = set_msg_len(dev);
	struct ipc_set_iter it;
	struct ipc ipc;
	char *msg;
	uint32_t seq;
	int err, built;

	if (strlen(dev->name) >= IFNAMSIZ || !dev->name[0]) {
		snprintf(ipc_extack, sizeof(ipc_extack), "invalid interface name");
		return -EINVAL;
	}
	err = resolve_bind_dev(dev);
	if (err)
		return err;
	msg = malloc(msg_len);
	if (!msg)
		return -ENOMEM;
	err = ipc_open(&ipc);
	if (err)
		goto out_free;
	ipc_set_iter_init(&it, dev);
	for (;;) {
		seq = ++ipc.seq;
		built = ipc_set_build(&it, msg, msg_len, ipc.family, seq);
		if (built <= 0) {
			err = built;
			break;
		}
		err = ipc_send(&ipc, (struct nlmsghdr *)msg);
		if (!err)
			err = ipc_run(&ipc, seq, NULL, NULL, NULL);
		if (err)
			break;
	}
	ipc_close(&ipc);
out_free:
	wgc_wipe(msg, msg_len);
	free(msg);
	return err;
}

/* ---- listing wgtun links over rtnetlink ---- */

struct name_list {
	char **names;
	size_t n, cap;
};

static const char *link_kind(const struct nlattr *linkinfo)
{
	const struct nlattr *a;

	nl_attr_for_each_nested(a, linkinfo) {
		if (nl_attr_get_type(a) == IFLA_INFO_KIND &&
		    !nl_attr_validate(a, NL_TYPE_NUL_STRING))
			return nl_attr_get_str(a);
	}
	return NULL;
}

/*
 * gcc 12's -fanalyzer loses the copy stored through @data once this callback
 * returns and reports it as leaked; ipc_list_devices() frees every name.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct name_list *list = data;
	const char *name = NULL, *kind = NULL;
	char *copy;
	const struct nlattr *a;
	char **n;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)))
		return 0;
	nl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (nl_attr_get_type(a) == IFLA_IFNAME &&
		    !nl_attr_validate(a, NL_TYPE_NUL_STRING))
			name = nl_attr_get_str(a);
		else if (nl_attr_get_type(a) == IFLA_LINKINFO)
			kind = link_kind(a);
	}
	if (!name || !kind || strcmp(kind, "wgtun"))
		return 0;
	if (list->n + 2 > list->cap) {
		list->cap = list->cap ? list->cap * 2 : 8;
		n = realloc(list->names, list->cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		list->names = n;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	list->names[list->n + 1] = NULL;
	list->names[list->n] = copy;
	list->n++;
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void ipc_free_names(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

int ipc_list_devices(char ***names)
{
	struct name_list list;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ipc ipc;
	bool intr;
	int err, tries;

	*names = NULL;
	err = ipc_open_bus(&ipc, NETLINK_ROUTE);
	if (err)
		return err;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		memset(&list, 0, sizeof(list));
		nlh = nl_nlmsg_put_header(ipc.buf);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = ++ipc.seq;
		ifi = nl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		intr = false;
		err = ipc_send(&ipc, nlh);
		if (!err)
			err = ipc_run(&ipc, nlh->nlmsg_seq, link_cb, &list, &intr);
		if (err || !intr)
			break;
		ipc_free_names(list.names);
		list.names = NULL;
		err = -EINTR;
	}
	ipc_close(&ipc);
	if (err) {
		ipc_free_names(list.names);
		return err;
	}
	if (!list.names) {
		list.names = calloc(1, sizeof(char *));
		if (!list.names)
			return -ENOMEM;
	}
	*names = list.names;
	return 0;
}

/* ---- events ---- */

int ipc_monitor(int (*cb)(const struct wgc_device *event, void *data), void *data)
{
	const struct nlmsghdr *nlh;
	struct wgc_device *ev;
	struct ipc ipc;
	int err, stop = 0, len;
	ssize_t got;

	err = ipc_open(&ipc);
	if (err)
		return err;
	if (!ipc.events_group) {
		snprintf(ipc_extack, sizeof(ipc_extack),
			 "the wgtun family has no `%s' multicast group", WGTUN_MCGRP_EVENTS);
		err = -EPROTONOSUPPORT;
		goto out;
	}
	if (nl_socket_setsockopt(&ipc.nl, NETLINK_ADD_MEMBERSHIP, &ipc.events_group,
				  sizeof(ipc.events_group)) < 0) {
		err = -errno;
		goto out;
	}
	while (!stop) {
		got = ipc_recv(&ipc);
		if (got < 0) {
			if (errno == ENOBUFS) {	/* events were lost; go on */
				fputs("Warning: events were lost (receive buffer full)\n", stderr);
				continue;
			}
			err = -errno;
			break;
		}
		len = (int)got;
		for (nlh = (const struct nlmsghdr *)ipc.buf; !stop && ipc_nlmsg_ok(nlh, len);
		     nlh = nl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != ipc.family)
				continue;
			ev = wgc_device_new();
			if (!ev) {
				err = -ENOMEM;
				stop = 1;
				break;
			}
			if (!ipc_parse_device(nlh, ev) && (ev->has & WGC_DEV_HAS_EVENT))
				stop = cb(ev, data);
			wgc_device_free(ev);
		}
	}
out:
	ipc_close(&ipc);
	return err;
}
