#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 360
# tier: core
#
# Link down under traffic: n2 floods n1 with pings from every CPU while n1's
# wg0 goes down and up again, over and over.  Packets still being opened or
# delivered, and handshakes still being processed, when the link goes down
# must not make a peer alive again: while down, no peer is alive and (with
# carrier-follows-peers on) wg0 has no carrier; once up, the peer is alive
# again only through a new handshake, and the carrier follows.  Ten cycles
# at full depth, four in make check (lib.sh's by_depth): each cycle takes
# the link down in the middle of the flood.  Two wgtun ends, topology
# in selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

CYCLES=${WGTUN_LIVENESS_DOWN_CYCLES:-$(by_depth 10 4)}

ix_setup wgtun
n1 wgctl set wg0 carrier-follows-peers on \
	peer "$IX_PUB2" endpoint 198.51.100.2:51821 allowed-ips 0.0.0.0/0
n2 wgctl set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820 allowed-ips 0.0.0.0/0

# n1_state: wg0's carrier, whether its peer is alive, and its handshake time.
n1_state() {
	n1 wgctl show wg0 --json | jq -c '{carrier, alive: .peers[0].alive,
		handshake: .peers[0].latest_handshake}'
}
up_and_alive() {
	n1 wgctl show wg0 --json | jq -e '.carrier == true and .peers[0].alive == true' > /dev/null
}
wait_for 20 up_and_alive || die "no tunnel: $(n1_state)"

for ((c = 0; c < $(nproc); c++)); do
	# Niced: the softirq work of the flood is done on the pinger's time.
	taskset -c "$c" nice -n 19 ip netns exec n2 ping -q -f 192.0.2.1 > /dev/null 2>&1 &
	on_exit "kill $! 2>/dev/null"
done

for ((i = 1; i <= CYCLES; i++)); do
	n1 ip link set wg0 down
	# Time for what was in flight to land (and, before #21 was fixed, to
	# make the peer alive again).
	sleep 0.5
	st=$(n1_state)
	[[ $(jq '.alive' <<< "$st") == false ]] || die "cycle $i: a peer is alive while down: $st"
	[[ $(jq '.carrier' <<< "$st") == false ]] ||
		die "cycle $i: carrier while down with no peer alive: $st"
	n1 ip link set wg0 up
	wait_for 20 up_and_alive || die "cycle $i: not back after up: $(n1_state)"
	log "cycle $i done at ${SECONDS}s"
done
log "$CYCLES cycles of down and up under traffic: $(n1_state)"
log ok
