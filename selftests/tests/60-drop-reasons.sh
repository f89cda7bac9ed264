#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# Transmit drops count under their own reasons.  With a session up, n1 loses
# its outer address: what it seals then has no route out, which counts as
# no-route (the endpoint is known, so not no-endpoint).  With the debug
# build's time_divisor=20 the session expires 9 s after it began and the
# handshakes that follow go nowhere; they give up after about 5-11 s, and the
# packets staged for them count as no-session.  Topology in
# selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
load_debug_module time_divisor=20
. "$(dirname "$0")/../interop.sh"

ix_setup intree
ix_peers 4
ix_ping n1 192.0.2.2 || die "no tunnel"
assert_eq "$(ix_peer_drop n1 no_route)" 0 "no-route with the route there"

n1 ip addr del 198.51.100.1/24 dev veth1
n1 ping -q -c 3 -i 0.2 -W 1 192.0.2.2 > /dev/null && die "ping got through without a route"
no_route=$(ix_peer_drop n1 no_route)
log "no-route $no_route, no-endpoint $(ix_peer_drop n1 no_endpoint)"
((no_route >= 1)) || die "packets sealed without a route not counted as no-route: $(ix_json n1)"
assert_eq "$(ix_peer_drop n1 no_endpoint)" 0 "no-endpoint with the endpoint known"

# Keep packets staged until the handshakes give up.
n1 ping -q -i 0.2 192.0.2.2 > /dev/null 2>&1 &
pinger=$!
on_exit "kill $pinger 2>/dev/null"
no_session() { (($(ix_peer_drop n1 no_session) >= 1)); }
wait_for 60 no_session || die "packets staged for a session that never came not counted: $(ix_json n1)"
log "no-session $(ix_peer_drop n1 no_session)"
log ok
