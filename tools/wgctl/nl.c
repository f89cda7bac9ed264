// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink message and attribute helpers and the socket: see nl.h.
 *
 * Every builder appends at the aligned end of the message and keeps
 * nlmsg_len aligned, so the message length covers every byte written but
 * those that nl_attr_nest_cancel() gave back (ipc.c wipes by it).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "nl.h"

/* ---- messages ---- */

static void *nlmsg_end(struct nlmsghdr *nlh)
{
	return (char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);
}

struct nlmsghdr *nl_nlmsg_put_header(void *buf)
{
	struct nlmsghdr *nlh = buf;

	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	return nlh;
}

void *nl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size)
{
	void *p = nlmsg_end(nlh);

	/* Zeroed: the family headers' reserved fields must reach the kernel as 0. */
	memset(p, 0, NLMSG_ALIGN(size));
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLMSG_ALIGN(size);
	return p;
}

/* ---- reading attributes ---- */

/* Exact payload sizes; 0 where the size is free or checked in the switch. */
static const size_t nl_type_len[NL_TYPE_MAX] = {
	[NL_TYPE_U8] = sizeof(uint8_t),
	[NL_TYPE_U16] = sizeof(uint16_t),
	[NL_TYPE_U32] = sizeof(uint32_t),
	[NL_TYPE_U64] = sizeof(uint64_t),
};

int nl_attr_validate(const struct nlattr *attr, enum nl_attr_data_type type)
{
	size_t len = nl_attr_get_payload_len(attr);

	if ((unsigned int)type >= NL_TYPE_MAX)
		return -EOPNOTSUPP;
	if (nl_type_len[type])
		return len == nl_type_len[type] ? 0 : -ERANGE;
	switch (type) {
	case NL_TYPE_STRING:
		return len ? 0 : -ERANGE;
	case NL_TYPE_NUL_STRING:
		if (!len)
			return -ERANGE;
		/* The last byte, so that nl_attr_get_str() stays in the payload. */
		return ((const char *)nl_attr_get_payload(attr))[len - 1] ? -EINVAL : 0;
	case NL_TYPE_FLAG:
		return len ? -ERANGE : 0;
	case NL_TYPE_NESTED:
		/* An empty nest is valid; a non-empty one holds a header at least. */
		return len && len < NLA_HDRLEN ? -ERANGE : 0;
	default:
		return 0;
	}
}

/* ---- building attributes ---- */

/* Whether @extra more bytes at the aligned end of @nlh stay within @buflen. */
static bool nlmsg_room(const struct nlmsghdr *nlh, size_t buflen, size_t extra)
{
	size_t used = NLMSG_ALIGN(nlh->nlmsg_len);

	return used <= buflen && extra <= buflen - used;
}

void nl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	struct nlattr *attr = nlmsg_end(nlh);
	char *payload = (char *)attr + NLA_HDRLEN;

	attr->nla_type = type;
	attr->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy(payload, data, len);
	/* Zero the padding: it goes to the kernel and must not leak memory. */
	memset(payload + len, 0, NLA_ALIGN(len) - len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_HDRLEN + NLA_ALIGN(len);
}

void nl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *str)
{
	nl_attr_put(nlh, type, strlen(str) + 1, str);
}

bool nl_attr_put_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, size_t len,
		       const void *data)
{
	/* nla_len is 16 bits: a longer payload cannot be described at all. */
	if (len > UINT16_MAX - NLA_HDRLEN ||
	    !nlmsg_room(nlh, buflen, NLA_HDRLEN + NLA_ALIGN(len)))
		return false;
	nl_attr_put(nlh, type, len, data);
	return true;
}

bool nl_attr_put_strz_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			    const char *str)
{
	return nl_attr_put_check(nlh, buflen, type, strlen(str) + 1, str);
}

bool nl_attr_put_u8_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint8_t v)
{
	return nl_attr_put_check(nlh, buflen, type, sizeof(v), &v);
}

bool nl_attr_put_u16_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint16_t v)
{
	return nl_attr_put_check(nlh, buflen, type, sizeof(v), &v);
}

bool nl_attr_put_u32_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint32_t v)
{
	return nl_attr_put_check(nlh, buflen, type, sizeof(v), &v);
}

struct nlattr *nl_attr_nest_start_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type)
{
	struct nlattr *nest;

	if (!nlmsg_room(nlh, buflen, NLA_HDRLEN))
		return NULL;
	nest = nlmsg_end(nlh);
	nest->nla_type = NLA_F_NESTED | type;
	nest->nla_len = NLA_HDRLEN;	/* until nl_attr_nest_end() */
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_HDRLEN;
	return nest;
}

void nl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *nest)
{
	nest->nla_len = (uint16_t)((char *)nlmsg_end(nlh) - (char *)nest);
}

void nl_attr_nest_cancel(struct nlmsghdr *nlh, struct nlattr *nest)
{
	nlh->nlmsg_len = (uint32_t)((char *)nest - (char *)nlh);
}

/* ---- the socket ---- */

int nl_socket_open(struct nl_sock *nl, int bus)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };	/* nl_pid 0: kernel picks */
	socklen_t alen = sizeof(addr);
	int err;

	nl->portid = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, bus);
	if (nl->fd < 0)
		return -1;
	if (bind(nl->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&addr, &alen) < 0)
		goto fail;
	if (alen != sizeof(addr) || addr.nl_family != AF_NETLINK) {
		errno = EINVAL;
		goto fail;
	}
	nl->portid = addr.nl_pid;
	return 0;
fail:
	err = errno;
	close(nl->fd);
	nl->fd = -1;
	errno = err;
	return -1;
}

void nl_socket_close(struct nl_sock *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int nl_socket_setsockopt(const struct nl_sock *nl, int opt, const void *val, socklen_t len)
{
	return setsockopt(nl->fd, SOL_NETLINK, opt, val, len);
}

ssize_t nl_socket_sendto(const struct nl_sock *nl, const void *buf, size_t len)
{
	const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return sendto(nl->fd, buf, len, 0, (const struct sockaddr *)&kernel, sizeof(kernel));
}

ssize_t nl_socket_recvfrom(const struct nl_sock *nl, void *buf, size_t len)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t got;

	got = recvmsg(nl->fd, &msg, 0);
	if (got < 0)
		return -1;
	/* A cut datagram would parse as a short reply: refuse it. */
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	if (msg.msg_namelen != sizeof(from)) {
		errno = EINVAL;
		return -1;
	}
	return got;
}
