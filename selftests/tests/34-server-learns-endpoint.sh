#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Remote-access server: wgtun has a peer with no endpoint.  Until the peer
# connects, traffic to it is dropped and counted (no-endpoint) and wgtun
# sends no handshake; once the client (in-tree) initiates, wgtun learns its
# endpoint and traffic flows both ways.  Topology in selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
n1 wgctl set wg0 peer "$IX_PUB2" allowed-ips 192.0.2.2/32,2001:db8:2::2/128
n2 wg set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820 allowed-ips 0.0.0.0/0,::/0

log "before the client speaks: no endpoint, drops counted, no handshake"
assert_eq "$(ix_endpoint n1)" "(none)" "endpoint of a server-side peer"
ix_noping n1 192.0.2.2 || die "reached a peer whose endpoint is unknown"
(( $(ix_peer_drop n1 no_endpoint) >= 2 )) || die "no-endpoint drops not counted: $(ix_json n1)"
assert_eq "$(n2 wg show wg0 latest-handshakes | awk '{print $2}')" 0 \
	"the server initiated a handshake to nowhere"

log "the client connects; the server learns where it is"
ix_ping n2 192.0.2.1 || die "client cannot reach the server"
assert_eq "$(ix_endpoint n1)" "198.51.100.2:51821" "learned endpoint"
ix_ping n1 2001:db8:2::2 || die "server cannot reach the client after learning it"
ix_transfer n1 n2 192.0.2.2
log ok
