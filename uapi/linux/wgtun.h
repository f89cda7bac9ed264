/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wgtun: the generic netlink contract between the wgtun module and its
 * userspace (wgctl or any other client).
 *
 * Family "wgtun", version 1.  The family exists beside the in-tree
 * "wireguard" family and mirrors its semantics where the two overlap, so that
 * whoever knows one knows the other.  Attribute numbers are this family's own.
 *
 * Commands
 * --------
 * WGTUN_CMD_GET_DEVICE (dump only, NLM_F_DUMP required)
 *	Request: exactly one of WGTUN_A_DEVICE_IFINDEX or WGTUN_A_DEVICE_IFNAME.
 *	Reply: a series of messages, each carrying WGTUN_A_DEVICE_IFINDEX and
 *	WGTUN_A_DEVICE_IFNAME.  The first also carries the interface-wide
 *	attributes below; every message may carry WGTUN_A_DEVICE_PEERS.  A peer
 *	whose allowed-IPs do not fit in one message is continued in the next
 *	one, which repeats the peer's WGTUN_A_PEER_PUBLIC_KEY and carries only
 *	more WGTUN_A_PEER_ALLOWEDIPS; a receiver must coalesce consecutive
 *	entries with the same public key.  If the configuration changes while a
 *	dump is in progress the affected message is flagged NLM_F_DUMP_INTR and
 *	the client should start over.
 *	Requires CAP_NET_ADMIN in the caller's network namespace, the one
 *	searched (as in-tree WireGuard's GET): the reply carries the private
 *	and preshared keys, endpoints, allowed IPs and traffic counters.
 *
 * WGTUN_CMD_SET_DEVICE (requires CAP_NET_ADMIN)
 *	Request: WGTUN_A_DEVICE_IFINDEX or WGTUN_A_DEVICE_IFNAME, then any of
 *	the settable interface attributes and WGTUN_A_DEVICE_PEERS.  Large
 *	configurations may be split over several SET messages; only the first
 *	should carry WGTUN_DEVICE_F_REPLACE_PEERS, and a peer whose allowed-IPs
 *	are split is repeated with its public key and without
 *	WGTUN_PEER_F_REPLACE_ALLOWEDIPS in the later messages.
 *	The whole message is validated against the policies before anything is
 *	applied.  Errors found while applying (an unknown flag, a peer without
 *	a public key or with the interface's own, an allowed IP of the wrong
 *	family or length, a listen port in use) stop at that point: what the
 *	message changed before it stays changed.  The error is reported by
 *	extended ack, with the offending attribute flagged.
 *	Interfaces created in one namespace with the same private key may
 *	listen on the same port (and bind-device): while up, they share one
 *	UDP socket per family, and each incoming message finds its interface
 *	(by receiver index, or by the initiator's static key).  Refused with an
 *	extended-ack message, before anything is applied: a port that an
 *	interface with another private key listens on (-EADDRINUSE), a peer
 *	whose public key a peer of another interface on that port has
 *	(-EEXIST), and a new private key for an interface that shares its port
 *	unless the same message moves it to another port (-EBUSY).
 *	WGTUN_A_DEVICE_LISTEN_PORT, WGTUN_A_DEVICE_FWMARK and
 *	WGTUN_A_DEVICE_BIND_IFINDEX act on the UDP sockets, which live in the
 *	namespace the interface was created in even after it moved to another:
 *	a request carrying any of them also needs CAP_NET_ADMIN there (as
 *	in-tree for the first two), checked before anything is applied.
 *
 * WGTUN_CMD_EVENT (kernel to user only, multicast group "events")
 *	See "Events" below.
 *
 * Special values
 * --------------
 *	PRIVATE_KEY all zeros:	removes the interface's private key.
 *	PRESHARED_KEY all zeros: removes the peer's preshared key.
 *	LISTEN_PORT 0:		a random free port.
 *	FWMARK 0:		no mark on outgoing packets.
 *	PERSISTENT_KEEPALIVE_INTERVAL 0: persistent keepalive off.
 *	LIVENESS_TIMEOUT 0:	the default (WGTUN_LIVENESS_TIMEOUT_DEFAULT).
 *	BIND_IFINDEX 0:		the sockets are bound to no device.
 *	Peer flags REMOVE_ME or UPDATE_ONLY for a peer that does not exist:
 *				the entry is skipped (as in the in-tree API).
 *	ALLOWEDIP_F_REMOVE_ME for a prefix the peer does not own: skipped.
 *
 * Errors
 * ------
 *	-EPERM		GET or SET without CAP_NET_ADMIN in the caller's
 *			namespace (refused by the genetlink core before any
 *			attribute is looked at, so without a message); SET of
 *			the listen port or fwmark without it in the namespace
 *			the interface was created in (with a message).
 *	-ENODEV		no such interface, or not a wgtun interface.
 *	-EINVAL		an attribute failed its policy or is inconsistent
 *			(wrong key length, cidr too long, bad endpoint family).
 *	-EOPNOTSUPP	an unknown flag bit was set.
 *	-EADDRINUSE	the requested listen port is taken (also by a socket
 *			bound to the device given in BIND_IFINDEX), by another
 *			program or by a wgtun interface with another private key.
 *	-EEXIST		a peer's public key is already a peer of another
 *			interface sharing the listen port.
 *	-EBUSY		a new private key for an interface that shares its
 *			listen port with others.
 *	-ENODEV		(BIND_IFINDEX) no device with that index in the
 *			caller's namespace.
 *	-EXDEV		(BIND_IFINDEX) the device is not in the namespace the
 *			interface's sockets are in.
 *	-ELOOP		(BIND_IFINDEX) the interface itself.
 *	-ENOMEM		out of memory; nothing after the failure point applied.
 *	Every other rejection carries an extended-ack message.
 *
 * Events
 * ------
 *	Multicast group WGTUN_MCGRP_EVENTS, command WGTUN_CMD_EVENT.  Each
 *	message carries WGTUN_A_DEVICE_IFINDEX, WGTUN_A_DEVICE_IFNAME,
 *	WGTUN_A_DEVICE_EVENT (enum wgtun_event_type) and, for peer events, one
 *	entry in WGTUN_A_DEVICE_PEERS with at least WGTUN_A_PEER_PUBLIC_KEY (plus
 *	WGTUN_A_PEER_ENDPOINT for endpoint events).  Events are only generated
 *	by authenticated packets, by administrative changes, or (when enabled)
 *	by initiations from unknown static keys.  Those caused by packets are
 *	rate bounded per peer (WGTUN_EVENT_UNKNOWN_PEER: per interface, at most
 *	WGTUN_UNKNOWN_PEER_EVENTS_PER_SECOND a second after a burst of as many);
 *	administrative ones (peer added, removed, changed) are never dropped by
 *	that bound.  Joining the group requires CAP_NET_ADMIN in the namespace
 *	(GENL_MCAST_CAP_NET_ADMIN): the events name peers, unknown keys and
 *	endpoints and show liveness as it changes, so only administrators of
 *	the interface's namespace receive them.
 *
 * Nesting
 * -------
 *	WGTUN_A_DEVICE_PEERS:	NLA_NESTED, an array of NLA_NESTED peers (the
 *				type of each element is ignored on input and 0 on
 *				output), each holding WGTUN_A_PEER_* attributes.
 *	WGTUN_A_PEER_ALLOWEDIPS: NLA_NESTED, an array of NLA_NESTED entries of
 *				WGTUN_A_ALLOWEDIP_* attributes.
 *	WGTUN_A_PEER_DROPS, WGTUN_A_DEVICE_DROPS: NLA_NESTED of
 *				WGTUN_A_DROP_* counters (NLA_U64 each).
 */

#ifndef _UAPI_LINUX_WGTUN_H
#define _UAPI_LINUX_WGTUN_H

#include <linux/types.h>

#define WGTUN_GENL_NAME		"wgtun"
#define WGTUN_GENL_VERSION	1
#define WGTUN_MCGRP_EVENTS	"events"

#define WGTUN_KEY_LEN		32

/* Seconds without an authenticated packet after which a peer is not alive. */
#define WGTUN_LIVENESS_TIMEOUT_DEFAULT	30
#define WGTUN_LIVENESS_TIMEOUT_MAX	86400

/* WGTUN_EVENT_UNKNOWN_PEER events one interface sends a second, and in a burst. */
#define WGTUN_UNKNOWN_PEER_EVENTS_PER_SECOND	10

enum wgtun_cmd {
	WGTUN_CMD_GET_DEVICE,
	WGTUN_CMD_SET_DEVICE,
	WGTUN_CMD_EVENT,
	__WGTUN_CMD_MAX
};
#define WGTUN_CMD_MAX (__WGTUN_CMD_MAX - 1)

enum wgtun_device_flag {
	WGTUN_DEVICE_F_REPLACE_PEERS = 1U << 0,
	__WGTUN_DEVICE_F_ALL = WGTUN_DEVICE_F_REPLACE_PEERS
};

/**
 * enum wgtun_device_attr - interface attributes
 * @WGTUN_A_DEVICE_IFINDEX: NLA_U32, selects the interface (or IFNAME).
 * @WGTUN_A_DEVICE_IFNAME: NLA_NUL_STRING, at most IFNAMSIZ - 1 characters.
 * @WGTUN_A_DEVICE_PRIVATE_KEY: binary, WGTUN_KEY_LEN; all zeros removes it.
 * @WGTUN_A_DEVICE_PUBLIC_KEY: binary, WGTUN_KEY_LEN; read only.
 * @WGTUN_A_DEVICE_FLAGS: NLA_U32, enum wgtun_device_flag; SET only.
 * @WGTUN_A_DEVICE_LISTEN_PORT: NLA_U16, host order; 0 picks a random port.
 * @WGTUN_A_DEVICE_FWMARK: NLA_U32, 0 turns marking off.
 * @WGTUN_A_DEVICE_PEERS: NLA_NESTED array of peers.
 * @WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS: NLA_U8, 0 or 1.  When 1 the
 *	interface has carrier only while at least one peer is alive.
 * @WGTUN_A_DEVICE_LIVENESS_TIMEOUT: NLA_U32, seconds, 0 selects the
 *	default, at most WGTUN_LIVENESS_TIMEOUT_MAX.
 * @WGTUN_A_DEVICE_CARRIER: NLA_U8, read only: 1 if the interface has carrier.
 * @WGTUN_A_DEVICE_DROPS: NLA_NESTED of WGTUN_A_DROP_*, read only: packets
 *	dropped before a peer could be identified.
 * @WGTUN_A_DEVICE_EVENT: NLA_U32, enum wgtun_event_type; events only.
 * @WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS: NLA_U8, 0 (the default) or 1.  When 1,
 *	a handshake initiation whose static key decrypts but belongs to no
 *	peer is reported by a WGTUN_EVENT_UNKNOWN_PEER event (see "Events").
 * @WGTUN_A_DEVICE_BIND_IFINDEX: NLA_U32, the device the UDP sockets are
 *	bound to (SO_BINDTODEVICE): a VRF (l3mdev) master, whose table then
 *	holds the outer routes, or an ordinary device.  0 unbinds.  On SET the
 *	index is looked up in the caller's namespace and the device must be in
 *	the one the interface was created in (where its sockets are).  In a
 *	dump: absent if unbound, else the device's index, or 0 while the bound
 *	device is gone (the sockets are then rebound to the next device that
 *	appears there under WGTUN_A_DEVICE_BIND_IFNAME).
 * @WGTUN_A_DEVICE_BIND_IFNAME: NLA_NUL_STRING, read only: the bound
 *	device's name, present while bound; the interface may have moved to a
 *	namespace where WGTUN_A_DEVICE_BIND_IFINDEX names nothing.
 * @WGTUN_A_DEVICE_PORT_ID: NLA_U32, read only, present while the interface
 *	is up: names the UDP socket pair it listens on; interfaces sharing a
 *	port show the same value, no two ports in the module the same one.
 * @WGTUN_A_DEVICE_PORT_MEMBERS: NLA_U32, read only, present while the
 *	interface is up: how many interfaces (this one included) are up on
 *	that port; 1 when it is not shared.
 */
enum wgtun_device_attr {
	WGTUN_A_DEVICE_UNSPEC,
	WGTUN_A_DEVICE_IFINDEX,
	WGTUN_A_DEVICE_IFNAME,
	WGTUN_A_DEVICE_PRIVATE_KEY,
	WGTUN_A_DEVICE_PUBLIC_KEY,
	WGTUN_A_DEVICE_FLAGS,
	WGTUN_A_DEVICE_LISTEN_PORT,
	WGTUN_A_DEVICE_FWMARK,
	WGTUN_A_DEVICE_PEERS,
	WGTUN_A_DEVICE_CARRIER_FOLLOWS_PEERS,
	WGTUN_A_DEVICE_LIVENESS_TIMEOUT,
	WGTUN_A_DEVICE_CARRIER,
	WGTUN_A_DEVICE_DROPS,
	WGTUN_A_DEVICE_EVENT,
	WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS,
	WGTUN_A_DEVICE_BIND_IFINDEX,
	WGTUN_A_DEVICE_BIND_IFNAME,
	WGTUN_A_DEVICE_PORT_ID,
	WGTUN_A_DEVICE_PORT_MEMBERS,
	__WGTUN_A_DEVICE_MAX
};
#define WGTUN_A_DEVICE_MAX (__WGTUN_A_DEVICE_MAX - 1)

enum wgtun_peer_flag {
	WGTUN_PEER_F_REMOVE_ME = 1U << 0,
	WGTUN_PEER_F_REPLACE_ALLOWEDIPS = 1U << 1,
	WGTUN_PEER_F_UPDATE_ONLY = 1U << 2,
	__WGTUN_PEER_F_ALL = WGTUN_PEER_F_REMOVE_ME |
			     WGTUN_PEER_F_REPLACE_ALLOWEDIPS |
			     WGTUN_PEER_F_UPDATE_ONLY
};

/**
 * enum wgtun_peer_attr - peer attributes
 * @WGTUN_A_PEER_PUBLIC_KEY: binary, WGTUN_KEY_LEN; identifies the peer.
 * @WGTUN_A_PEER_PRESHARED_KEY: binary, WGTUN_KEY_LEN; all zeros removes it.
 * @WGTUN_A_PEER_FLAGS: NLA_U32, enum wgtun_peer_flag; SET only.
 * @WGTUN_A_PEER_ENDPOINT: binary, struct sockaddr_in or struct sockaddr_in6
 *	(the length selects which; the family must match).
 * @WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL: NLA_U16, seconds, 0 = off.
 * @WGTUN_A_PEER_LAST_HANDSHAKE_TIME: binary, struct __kernel_timespec of
 *	the wall clock; zero if never.  Read only.
 * @WGTUN_A_PEER_RX_BYTES: NLA_U64, read only.
 * @WGTUN_A_PEER_TX_BYTES: NLA_U64, read only.
 * @WGTUN_A_PEER_ALLOWEDIPS: NLA_NESTED array of allowed IPs.
 * @WGTUN_A_PEER_PROTOCOL_VERSION: NLA_U32, only 1 is accepted.
 * @WGTUN_A_PEER_RX_PACKETS: NLA_U64, read only.
 * @WGTUN_A_PEER_TX_PACKETS: NLA_U64, read only.
 * @WGTUN_A_PEER_DROPS: NLA_NESTED of WGTUN_A_DROP_*, read only.
 * @WGTUN_A_PEER_ALIVE: NLA_U8, read only: 1 if a handshake completed and an
 *	authenticated packet arrived within the liveness timeout.
 * @WGTUN_A_PEER_LAST_RX_AGE: NLA_U32, read only: seconds since the last
 *	authenticated packet from the peer, absent if none.
 * @WGTUN_A_PEER_ROAMING: NLA_U8, 1 (the default) or 0.  With 0 the peer's
 *	endpoint is pinned: authenticated packets from another address are
 *	still accepted and delivered, but do not move the endpoint (replies
 *	keep going where it points).  A peer without an endpoint learns its
 *	first one from its first authenticated packet, then keeps it.  Only an
 *	administrator's WGTUN_A_PEER_ENDPOINT moves a pinned endpoint.
 * @WGTUN_A_PEER_ROAM_REFUSED: NLA_U64, read only: authenticated messages
 *	(handshake and transport, keepalives included) that came from an
 *	address other than the pinned endpoint and so did not move it.
 */
enum wgtun_peer_attr {
	WGTUN_A_PEER_UNSPEC,
	WGTUN_A_PEER_PUBLIC_KEY,
	WGTUN_A_PEER_PRESHARED_KEY,
	WGTUN_A_PEER_FLAGS,
	WGTUN_A_PEER_ENDPOINT,
	WGTUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
	WGTUN_A_PEER_LAST_HANDSHAKE_TIME,
	WGTUN_A_PEER_RX_BYTES,
	WGTUN_A_PEER_TX_BYTES,
	WGTUN_A_PEER_ALLOWEDIPS,
	WGTUN_A_PEER_PROTOCOL_VERSION,
	WGTUN_A_PEER_RX_PACKETS,
	WGTUN_A_PEER_TX_PACKETS,
	WGTUN_A_PEER_DROPS,
	WGTUN_A_PEER_ALIVE,
	WGTUN_A_PEER_LAST_RX_AGE,
	WGTUN_A_PEER_ROAMING,
	WGTUN_A_PEER_ROAM_REFUSED,
	__WGTUN_A_PEER_MAX
};
#define WGTUN_A_PEER_MAX (__WGTUN_A_PEER_MAX - 1)

enum wgtun_allowedip_flag {
	WGTUN_ALLOWEDIP_F_REMOVE_ME = 1U << 0,
	__WGTUN_ALLOWEDIP_F_ALL = WGTUN_ALLOWEDIP_F_REMOVE_ME
};

/**
 * enum wgtun_allowedip_attr - one allowed-IPs entry
 * @WGTUN_A_ALLOWEDIP_FAMILY: NLA_U16, AF_INET or AF_INET6.
 * @WGTUN_A_ALLOWEDIP_IPADDR: binary, 4 or 16 bytes matching the family.
 * @WGTUN_A_ALLOWEDIP_CIDR_MASK: NLA_U8, at most 32 or 128.
 * @WGTUN_A_ALLOWEDIP_FLAGS: NLA_U32, enum wgtun_allowedip_flag; SET only.
 */
enum wgtun_allowedip_attr {
	WGTUN_A_ALLOWEDIP_UNSPEC,
	WGTUN_A_ALLOWEDIP_FAMILY,
	WGTUN_A_ALLOWEDIP_IPADDR,
	WGTUN_A_ALLOWEDIP_CIDR_MASK,
	WGTUN_A_ALLOWEDIP_FLAGS,
	__WGTUN_A_ALLOWEDIP_MAX
};
#define WGTUN_A_ALLOWEDIP_MAX (__WGTUN_A_ALLOWEDIP_MAX - 1)

/**
 * enum wgtun_drop_attr - why packets were dropped (NLA_U64 counters)
 * @WGTUN_A_DROP_MALFORMED: wrong length or unknown message type.
 * @WGTUN_A_DROP_BAD_MAC: handshake message whose mac1 or mac2 failed.
 * @WGTUN_A_DROP_DECRYPT: transport packet that failed authentication.
 * @WGTUN_A_DROP_REPLAY: transport counter already seen or too old.
 * @WGTUN_A_DROP_SOURCE: decrypted packet whose inner source is not in the
 *	peer's allowed IPs, or not an IP packet.
 * @WGTUN_A_DROP_NO_SESSION: transmit: packets that waited for a session
 *	that never came (the handshake gave up); receive: unknown receiver
 *	index, or a session past its expiry.
 * @WGTUN_A_DROP_NO_ENDPOINT: transmit to a peer whose endpoint is unknown.
 * @WGTUN_A_DROP_OVERSIZE: packet larger than the MTU.
 * @WGTUN_A_DROP_RATELIMITED: handshake refused by the rate limiter.
 * @WGTUN_A_DROP_HANDSHAKE: handshake message that failed to authenticate
 *	or was replayed (after its macs passed).
 * @WGTUN_A_DROP_QUEUE_FULL: a queue was full (staged, handshake or crypto
 *	queue).
 * @WGTUN_A_DROP_NO_PEER: transmit with no allowed-IPs match.
 * @WGTUN_A_DROP_SEAL: transmit packet that could not be sealed (no memory
 *	for a private copy or its checksum, or too many fragments).
 * @WGTUN_A_DROP_NO_ROUTE: sealed packet with no way out: no route to the
 *	endpoint, a route back through the interface, or no socket (the
 *	interface is closing).
 */
enum wgtun_drop_attr {
	WGTUN_A_DROP_UNSPEC,
	WGTUN_A_DROP_MALFORMED,
	WGTUN_A_DROP_BAD_MAC,
	WGTUN_A_DROP_DECRYPT,
	WGTUN_A_DROP_REPLAY,
	WGTUN_A_DROP_SOURCE,
	WGTUN_A_DROP_NO_SESSION,
	WGTUN_A_DROP_NO_ENDPOINT,
	WGTUN_A_DROP_OVERSIZE,
	WGTUN_A_DROP_RATELIMITED,
	WGTUN_A_DROP_HANDSHAKE,
	WGTUN_A_DROP_QUEUE_FULL,
	WGTUN_A_DROP_NO_PEER,
	WGTUN_A_DROP_SEAL,
	WGTUN_A_DROP_NO_ROUTE,
	__WGTUN_A_DROP_MAX
};
#define WGTUN_A_DROP_MAX (__WGTUN_A_DROP_MAX - 1)

/**
 * enum wgtun_event_type - WGTUN_A_DEVICE_EVENT values
 * @WGTUN_EVENT_HANDSHAKE: a handshake with the peer completed.
 * @WGTUN_EVENT_ENDPOINT: the peer's endpoint changed (roaming or learned).
 * @WGTUN_EVENT_PEER_ALIVE: the peer became alive.
 * @WGTUN_EVENT_PEER_DEAD: the peer stopped being alive.
 * @WGTUN_EVENT_PEER_ADDED: an administrator added the peer.
 * @WGTUN_EVENT_PEER_REMOVED: an administrator removed the peer.
 * @WGTUN_EVENT_PEER_CHANGED: an administrator changed the peer.
 * @WGTUN_EVENT_CARRIER: the interface's carrier changed; carries
 *	WGTUN_A_DEVICE_CARRIER.
 * @WGTUN_EVENT_ROAM_REFUSED: an authenticated packet from the peer came
 *	from an address other than its pinned endpoint (WGTUN_A_PEER_ROAMING
 *	0), and other than the one of the previous such event; the peer entry's
 *	WGTUN_A_PEER_ENDPOINT is that packet's source, not the endpoint.
 *	Counted in WGTUN_A_PEER_ROAM_REFUSED whether or not an event is sent.
 * @WGTUN_EVENT_UNKNOWN_PEER: a handshake initiation passed mac1 (and, under
 *	load, mac2 and the rate limiter) and its static key decrypted, but no
 *	peer has that key.  Only with WGTUN_A_DEVICE_UNKNOWN_PEER_EVENTS 1.
 *	The peer entry carries that key (WGTUN_A_PEER_PUBLIC_KEY) and the
 *	message's source (WGTUN_A_PEER_ENDPOINT).  The key is not
 *	authenticated by this message alone: whoever knows the interface's
 *	public key can make one up.  Bounded per interface (see "Events").
 */
enum wgtun_event_type {
	WGTUN_EVENT_UNSPEC,
	WGTUN_EVENT_HANDSHAKE,
	WGTUN_EVENT_ENDPOINT,
	WGTUN_EVENT_PEER_ALIVE,
	WGTUN_EVENT_PEER_DEAD,
	WGTUN_EVENT_PEER_ADDED,
	WGTUN_EVENT_PEER_REMOVED,
	WGTUN_EVENT_PEER_CHANGED,
	WGTUN_EVENT_CARRIER,
	WGTUN_EVENT_ROAM_REFUSED,
	WGTUN_EVENT_UNKNOWN_PEER,
	__WGTUN_EVENT_MAX
};
#define WGTUN_EVENT_MAX (__WGTUN_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_WGTUN_H */
