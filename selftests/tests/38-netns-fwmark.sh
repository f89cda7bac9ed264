#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The tunnel's UDP sockets stay in the namespace the interface was created
# in: wg0 made in n1 and moved into n3 still talks through n1's veth.  And
# fwmark marks the outer packets: the peer's address is reachable only
# through a policy route for that mark.
#
#   n3: wg0 (wgtun, created in n1)   n1: veth1 ---- veth2 :n2 wg0 (in-tree)
#                                        198.51.100.1   198.51.100.2, 203.0.113.2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
setup_netns n3
ix_peers 4
ix_ping n1 192.0.2.2 || die "no tunnel"

log "move wg0 from n1 into n3: its traffic still leaves through n1"
n1 ip link set wg0 netns n3
n3 ip addr add 192.0.2.1/24 dev wg0
n3 ip link set wg0 up
! n3 ip link show veth1 > /dev/null 2>&1 || die "n3 should have no underlay of its own"
ix_ping n3 192.0.2.2 || die "moved interface cannot reach its peer"
n3 wgctl show wg0 | matches "listening port: 51820" || die "moved interface lost its port"

log "fwmark: the peer's new address is only routed for marked packets"
n2 ip addr add 203.0.113.2/32 dev veth2
n1 ip route add 203.0.113.2/32 dev veth1 table 100
n1 ip rule add fwmark 0x42 lookup 100
# n2 sends from its new address only: a packet of n2's from 198.51.100.2
# (a keepalive, say) would move wgtun's endpoint back there, where it
# needs no mark. Setting n2's endpoint again drops the source it cached.
n2 ip route replace 198.51.100.0/24 dev veth2 proto kernel scope link src 203.0.113.2
n2 wg set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820
n3 wgctl set wg0 peer "$IX_PUB2" endpoint 203.0.113.2:51821
ix_noping n3 192.0.2.2 || die "reached 203.0.113.2 without a mark"
n3 wgctl set wg0 fwmark 0x42
assert_eq "$(n3 wgctl show wg0 fwmark)" "0x42" "fwmark shown"
ix_ping n3 192.0.2.2 || die "marked packets did not take the policy route"
assert_eq "$(ix_endpoint n3)" "203.0.113.2:51821" "endpoint"
n3 wgctl set wg0 fwmark 0
if ! ix_noping n3 192.0.2.2; then
	# What the tunnel and the routes looked like when it got through.
	n3 wgctl show wg0
	n2 wg show wg0
	n1 ip route get 203.0.113.2 || true
	n1 ip route get 203.0.113.2 mark 0x42 || true
	n1 ip -s link show veth1
	die "still routed after the mark was removed"
fi
log ok
