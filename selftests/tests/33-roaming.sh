#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Roaming: mid-session the in-tree peer moves to a new address and port;
# the first authenticated packet from there moves wgtun's endpoint, traffic
# continues both ways, and `wgctl show wg0 endpoints` shows where it went.
# Then the same over IPv6.  Topology in selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
ix_peers 4
ix_ping n1 192.0.2.2 || die "no tunnel before roaming"
assert_eq "$(ix_endpoint n1)" "198.51.100.2:51821" "endpoint before roaming"

log "the peer moves to 198.51.100.3:51899"
n2 ip addr del 198.51.100.2/24 dev veth2
n2 ip addr add 198.51.100.3/24 dev veth2
n2 wg set wg0 listen-port 51899
ix_ping n2 192.0.2.1 || die "peer's traffic lost after it moved"
assert_eq "$(ix_endpoint n1)" "198.51.100.3:51899" "endpoint after roaming"
ix_ping n1 192.0.2.2 || die "wgtun cannot reach the peer at its new endpoint"

log "and again, onto IPv6"
n2 ip addr del 198.51.100.3/24 dev veth2
n2 wg set wg0 listen-port 51898 peer "$IX_PUB1" endpoint "[2001:db8:1::1]:51820"
ix_ping n2 2001:db8:2::1 || die "peer's traffic lost after it moved to IPv6"
assert_eq "$(ix_endpoint n1)" "[2001:db8:1::2]:51898" "endpoint after roaming to IPv6"
ix_ping n1 192.0.2.2 || die "wgtun cannot reach the peer over IPv6"
ix_transfer n1 n2 192.0.2.2
log ok
