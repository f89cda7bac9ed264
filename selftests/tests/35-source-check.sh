#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Cryptokey routing on receive: a decrypted packet whose inner source is not
# in the sending peer's allowed IPs is dropped and counted; once that source
# is allowed, the same packet is delivered.  Topology in selftests/interop.sh;
# the in-tree peer gets a second inner address, 192.0.2.99.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
ix_peers 4
n2 wg set wg0 peer "$IX_PUB1" allowed-ips 0.0.0.0/0,::/0
n2 ip addr add 192.0.2.99/32 dev wg0
n2 ip addr add 2001:db8:2::99/128 dev wg0 nodad
ix_ping n2 192.0.2.1 || die "no tunnel"

log "sources outside the allowed IPs are dropped"
before=$(ix_peer_drop n1 source)
! n2 ping -q -c 3 -i 0.3 -W 2 -I 192.0.2.99 192.0.2.1 > /dev/null ||
	die "packet from a disallowed IPv4 source got through"
! n2 ping -q -c 3 -i 0.3 -W 2 -I 2001:db8:2::99 2001:db8:2::1 > /dev/null ||
	die "packet from a disallowed IPv6 source got through"
after=$(ix_peer_drop n1 source)
(( after - before >= 6 )) || die "source drops not counted: $before -> $after"

log "allowed sources are delivered"
n1 wgctl set wg0 peer "$IX_PUB2" allowed-ips +192.0.2.99/32,+2001:db8:2::99/128
n2 ping -q -c 3 -i 0.3 -W 2 -I 192.0.2.99 192.0.2.1 > /dev/null ||
	die "packet from a newly allowed IPv4 source dropped"
n2 ping -q -c 3 -i 0.3 -W 2 -I 2001:db8:2::99 2001:db8:2::1 > /dev/null ||
	die "packet from a newly allowed IPv6 source dropped"
assert_eq "$(ix_peer_drop n1 source)" "$after" "drops after allowing the source"
log ok
