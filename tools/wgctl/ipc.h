/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the kernel: the wgtun generic netlink family (get, set, events)
 * and rtnetlink (listing wgtun links).  Functions return 0 or a negative
 * errno; after a kernel rejection ipc_extack holds its extended-ack message
 * ("" if the kernel sent none).
 *
 * The message builder and parsers are separate pure functions so that the
 * tests and fuzzers can run them without a kernel.
 */
#ifndef WGCTL_IPC_H
#define WGCTL_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>

#include "device.h"

extern char ipc_extack[512];

/* Reads the whole configuration of @name; *out is freed by the caller. */
int ipc_get_device(const char *name, struct wgc_device **out);
/*
 * Sends @dev as one or more SET messages, each acknowledged in turn; first
 * resolves @dev->bind_dev into @dev->bind_ifindex (-ENODEV if no such device).
 */
int ipc_set_device(struct wgc_device *dev);
/* NULL-terminated array of wgtun interface names; free with ipc_free_names. */
int ipc_list_devices(char ***names);
void ipc_free_names(char **names);

/*
 * Joins the events group and calls @cb for every event until @cb returns
 * non-zero or an error occurs.  @cb receives a device holding the event.
 */
int ipc_monitor(int (*cb)(const struct wgc_device *event, void *data), void *data);

/* Prints "<what>: <extack> (<strerror>)" or "<what>: <strerror>" to stderr. */
void ipc_perror(const char *what, int err);

/**
 * struct ipc_set_iter - position while splitting a SET over messages
 * @dev: the configuration being sent.
 * @peer: index of the next peer to put.
 * @ip: index of the next allowed-IP of that peer.
 * @peer_started: the peer's head (flags, keys, endpoint) already went out.
 * @first: the next message is the first one.
 * @done: everything has been put.
 */
struct ipc_set_iter {
	const struct wgc_device *dev;
	size_t peer, ip;
	bool peer_started, first, done;
};

void ipc_set_iter_init(struct ipc_set_iter *it, const struct wgc_device *dev);
/*
 * Builds the next SET message into @buf.  Returns 1 if a message was built,
 * 0 when nothing is left, -EMSGSIZE if a single item cannot fit @len.
 */
int ipc_set_build(struct ipc_set_iter *it, void *buf, size_t len, uint16_t family,
		  uint32_t seq);

/*
 * Whether a whole message lies in the @len bytes left.  nlmsg_len is
 * compared unsigned: cast to int, a length above 2 GiB would pass.
 */
bool ipc_nlmsg_ok(const struct nlmsghdr *nlh, int len);

/*
 * Merges the attributes of one GET_DEVICE reply (or SET or EVENT message,
 * which share the layout) into @dev, coalescing a peer continued from the
 * previous message.  Returns 0 or -EINVAL for malformed input.
 */
int ipc_parse_device(const struct nlmsghdr *nlh, struct wgc_device *dev);

#endif
