/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink messages, attributes and the socket, written against the ABI in
 * <linux/netlink.h> so that wgctl needs no library but libc: a process per
 * interface is how routers configure, and every extra shared object costs
 * each of them a trip through the dynamic loader.
 *
 * The checked builders take the buffer length and write nothing that would
 * not fit.  Walkers stop at the first attribute that is malformed or overruns its
 * container, so a hostile message can only end a walk early.
 */
#ifndef WGCTL_NL_H
#define WGCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/netlink.h>

/* ---- messages ---- */

/* Zeroes a message header at @buf; the caller fills type, flags and seq. */
struct nlmsghdr *nl_nlmsg_put_header(void *buf);
/* Appends @size zeroed bytes (a family header) and returns them. */
void *nl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size);

static inline const void *nl_nlmsg_get_payload(const struct nlmsghdr *nlh)
{
	return (const char *)nlh + NLMSG_HDRLEN;
}

/* Only for a message whose nlmsg_len was checked to hold its header. */
static inline size_t nl_nlmsg_get_payload_len(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len - NLMSG_HDRLEN;
}

/*
 * The message after @nlh; *len drops by the aligned length, so it may go
 * negative after a last, unaligned message: check it before the next one.
 */
static inline const struct nlmsghdr *nl_nlmsg_next(const struct nlmsghdr *nlh, int *len)
{
	unsigned int step = NLMSG_ALIGN(nlh->nlmsg_len);

	*len -= (int)step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

/* ---- reading attributes ---- */

/* What nl_attr_validate() checks a payload against. */
enum nl_attr_data_type {
	NL_TYPE_UNSPEC,		/* anything */
	NL_TYPE_U8,
	NL_TYPE_U16,
	NL_TYPE_U32,
	NL_TYPE_U64,
	NL_TYPE_STRING,		/* not empty */
	NL_TYPE_NUL_STRING,	/* not empty, ends in NUL */
	NL_TYPE_FLAG,		/* empty */
	NL_TYPE_NESTED,		/* empty or at least one attribute header */
	NL_TYPE_MAX,
};

/* 0 if @attr's payload suits @type, else -ERANGE, -EINVAL or -EOPNOTSUPP. */
int nl_attr_validate(const struct nlattr *attr, enum nl_attr_data_type type);

/* The type without the nested and byte-order flag bits. */
static inline uint16_t nl_attr_get_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

static inline const void *nl_attr_get_payload(const struct nlattr *attr)
{
	return (const char *)attr + NLA_HDRLEN;
}

/* Only for an attribute that passed nl_attr_ok(). */
static inline uint16_t nl_attr_get_payload_len(const struct nlattr *attr)
{
	return attr->nla_len - NLA_HDRLEN;
}

/* Only after nl_attr_validate(NL_TYPE_NUL_STRING): then it is terminated. */
static inline const char *nl_attr_get_str(const struct nlattr *attr)
{
	return nl_attr_get_payload(attr);
}

/* memcpy(): a payload is only 4-byte aligned, too little for a u64. */
static inline uint8_t nl_attr_get_u8(const struct nlattr *attr)
{
	return *(const uint8_t *)nl_attr_get_payload(attr);
}

static inline uint16_t nl_attr_get_u16(const struct nlattr *attr)
{
	uint16_t v;

	memcpy(&v, nl_attr_get_payload(attr), sizeof(v));
	return v;
}

static inline uint32_t nl_attr_get_u32(const struct nlattr *attr)
{
	uint32_t v;

	memcpy(&v, nl_attr_get_payload(attr), sizeof(v));
	return v;
}

static inline uint64_t nl_attr_get_u64(const struct nlattr *attr)
{
	uint64_t v;

	memcpy(&v, nl_attr_get_payload(attr), sizeof(v));
	return v;
}

/* Whether a whole attribute, header and payload, lies in the @len bytes left. */
static inline bool nl_attr_ok(const struct nlattr *attr, ptrdiff_t len)
{
	return len >= (ptrdiff_t)sizeof(*attr) && attr->nla_len >= sizeof(*attr) &&
	       (ptrdiff_t)attr->nla_len <= len;
}

static inline const struct nlattr *nl_attr_next(const struct nlattr *attr)
{
	return (const struct nlattr *)((const char *)attr + NLA_ALIGN(attr->nla_len));
}

/* The aligned end of @nlh, where its attributes stop. */
static inline const char *nl_nlmsg_tail(const struct nlmsghdr *nlh)
{
	return (const char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);
}

/*
 * The walkers.  @attr is a const struct nlattr pointer; @offset is the size
 * of the family header (genlmsghdr, ifinfomsg) that precedes the attributes.
 */
#define nl_attr_for_each(attr, nlh, offset)					\
	for ((attr) = (const struct nlattr *)((const char *)(nlh) + NLMSG_HDRLEN + \
					      NLMSG_ALIGN(offset));		\
	     nl_attr_ok((attr), nl_nlmsg_tail(nlh) - (const char *)(attr));	\
	     (attr) = nl_attr_next(attr))

#define nl_attr_for_each_nested(attr, nest)					\
	for ((attr) = nl_attr_get_payload(nest);				\
	     nl_attr_ok((attr), (const char *)(nest) + (nest)->nla_len -	\
				(const char *)(attr));				\
	     (attr) = nl_attr_next(attr))

/* Over @len bytes of bare attributes at @payload (an extended ack's TLVs). */
#define nl_attr_for_each_payload(attr, payload, len)				\
	for ((attr) = (const struct nlattr *)(payload);			\
	     nl_attr_ok((attr), (const char *)(payload) + (len) -		\
				(const char *)(attr));				\
	     (attr) = nl_attr_next(attr))

/* ---- building attributes ---- */

/*
 * The unchecked forms are for requests whose size is known to fit.  The
 * _check forms return false, having written nothing, when the attribute
 * would take @nlh past @buflen bytes.
 */
void nl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data);
void nl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *str);
bool nl_attr_put_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, size_t len,
		       const void *data);
bool nl_attr_put_strz_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			    const char *str);
bool nl_attr_put_u8_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint8_t v);
bool nl_attr_put_u16_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint16_t v);
bool nl_attr_put_u32_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint32_t v);

/*
 * Opens a nested attribute (NLA_F_NESTED set) or returns NULL if its header
 * does not fit.  nl_attr_nest_end() sets its length to what was put since;
 * nl_attr_nest_cancel() drops it and everything put since.
 */
struct nlattr *nl_attr_nest_start_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type);
void nl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *nest);
void nl_attr_nest_cancel(struct nlmsghdr *nlh, struct nlattr *nest);

/* ---- the socket ---- */

/*
 * These behave like the system calls they wrap, returning -1 with errno set,
 * so that callers can tell ENOBUFS (lost multicast) from other errors.
 */
struct nl_sock {
	int fd;
	uint32_t portid;	/* the port id the kernel gave at bind */
};

/* A close-on-exec socket on @bus bound to a kernel-chosen port id. */
int nl_socket_open(struct nl_sock *nl, int bus);
void nl_socket_close(struct nl_sock *nl);
/* setsockopt() at SOL_NETLINK. */
int nl_socket_setsockopt(const struct nl_sock *nl, int opt, const void *val, socklen_t len);
/* Sends @len bytes to the kernel (port id 0). */
ssize_t nl_socket_sendto(const struct nl_sock *nl, const void *buf, size_t len);
/*
 * Receives one datagram.  A datagram longer than @len is reported as -1 with
 * errno ENOSPC, though @buf was filled: the caller accounts for the bytes.
 */
ssize_t nl_socket_recvfrom(const struct nl_sock *nl, void *buf, size_t len);

#endif
