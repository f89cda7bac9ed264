#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
#
# Endpoint pinning (`peer KEY roaming off`) against the in-tree module and
# wireguard-go.  The peer "moves" the way a NAT rebinding moves it: a
# stateless tc nat on n2's veth2 rewrites the source of what n2 sends from
# 198.51.100.2 to 198.51.100.3 (.4 later), and the destination of what comes
# back to .3 or .4 into .2.  So the old endpoint stays reachable, and with
# roaming off the pings still work both ways: wgtun accepts the packets from
# the new address and replies to the endpoint it keeps.
#
#   n1                                            n2
#   wg0 (wgtun) 192.0.2.1                         wg0 (in-tree or wireguard-go) 192.0.2.2
#   veth1 198.51.100.1 ----------------------- veth2 198.51.100.2 (:51821)
#     neigh .3/.4 -> veth2's MAC                 tc egress:  src .2 -> .3 (or .4)
#                                                tc ingress: dst .3/.4 -> .2
#
# Roaming on (the default): the endpoint follows to .3 and traffic goes on.
# Roaming off: the endpoint stays at .2; every authenticated message from .3
# is counted in roam_refused (as many as the data messages wgtun received
# from n2 meanwhile: no handshake happens in that window), the first one
# from .3 and the first from .4 each cause one roam-refused event carrying
# that address, and turning roaming back on lets the next packet move it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

mon=$IX_TMP/mon.json

# nat_to ADDR: n2's packets to n1 leave from ADDR, replies to ADDR reach n2;
# no ADDR: n2 speaks from its own address again.
nat_to() {
	n2 tc qdisc del dev veth2 clsact 2> /dev/null || true
	[[ -n ${1:-} ]] || return 0
	n2 tc qdisc add dev veth2 clsact
	n2 tc filter add dev veth2 egress protocol ip pref 1 matchall \
		action nat egress 198.51.100.2/32 "$1"
	n2 tc filter add dev veth2 ingress protocol ip pref 1 matchall \
		action nat ingress "$1/32" 198.51.100.2
}

# counters: "rx_packets roam_refused" of n1's peer.
counters() {
	ix_json n1 | jq -r '.peers[0] | "\(.rx_packets) \(.roam_refused)"'
}

# refused_events ADDR: roam-refused events for n2's key from ADDR:51821.
refused_events() {
	jq -s --arg p "$IX_PUB2" --arg e "$1:51821" \
		'[.[] | select(.event == "roam-refused" and .peer == $p and .endpoint == $e)] | length' \
		"$mon"
}

# pings_from_n2: a few pings from n2 over the tunnel, all answered.
pings_from_n2() {
	n2 ping -q -c 5 -i 0.3 -W "$(scaled 5)" 192.0.2.1 > /dev/null
}

run() {
	local kind=$1 rx0 ref0 rx1 ref1 mac monitor

	log "== against $kind"
	ix_setup "$kind"
	ix_peers 4
	# Not through n1(): $! must be the monitor itself.
	ip netns exec n1 wgctl monitor wg0 --json > "$mon" 2>&1 &
	monitor=$!
	on_exit "kill $monitor 2>/dev/null"
	ix_ping n1 192.0.2.2 || die "no tunnel before moving"
	mac=$(n2 cat /sys/class/net/veth2/address)
	n1 ip neigh replace 198.51.100.3 lladdr "$mac" dev veth1 nud permanent
	n1 ip neigh replace 198.51.100.4 lladdr "$mac" dev veth1 nud permanent
	[[ $(ix_json n1 | jq '.peers[0].roaming') == true ]] || die "roaming is not on by default"

	log "roaming on: the peer moves to .3, the endpoint follows"
	nat_to 198.51.100.3
	pings_from_n2 || die "the peer's pings failed after it moved (roaming on)"
	assert_eq "$(ix_endpoint n1)" "198.51.100.3:51821" "endpoint after moving, roaming on"
	ix_ping n1 192.0.2.2 || die "wgtun cannot reach the peer where it moved"
	assert_eq "$(ix_json n1 | jq '.peers[0].roam_refused')" 0 "refused with roaming on"
	nat_to
	pings_from_n2 || die "the peer's pings failed after it moved back"
	assert_eq "$(ix_endpoint n1)" "198.51.100.2:51821" "endpoint after moving back"

	log "roaming off: the peer moves to .3, the endpoint stays"
	n1 wgctl set wg0 peer "$IX_PUB2" roaming off
	[[ $(ix_json n1 | jq '.peers[0].roaming') == false ]] || die "roaming still on"
	n1 wgctl show wg0 | matches "roaming: off" || die "wgctl show lacks 'roaming: off'"
	n1 wgctl showconf wg0 | matches -x "Roaming = off" || die "showconf lacks 'Roaming = off'"
	# From here every packet n2 sends comes from .3 (counted after the change:
	# n2 may have had a keepalive to send from .2 just before it).
	nat_to 198.51.100.3
	read -r rx0 ref0 < <(counters)
	pings_from_n2 || die "the peer's pings failed after it moved (roaming off)"
	assert_eq "$(ix_endpoint n1)" "198.51.100.2:51821" "endpoint after moving, roaming off"
	ix_ping n1 192.0.2.2 || die "wgtun cannot reach the peer at its pinned endpoint"
	# A dump reads the two counters one after the other: wait out a packet between.
	same_delta() {
		read -r rx1 ref1 < <(counters)
		((rx1 - rx0 == ref1 - ref0))
	}
	wait_for 10 same_delta ||
		die "roam_refused +$((ref1 - ref0)), data messages received +$((rx1 - rx0))"
	log "roam_refused +$((ref1 - ref0)) = data messages from .3 +$((rx1 - rx0))"
	((ref1 - ref0 >= 5)) || die "only $((ref1 - ref0)) refused for 5 pings"
	wait_for 10 test "$(refused_events 198.51.100.3)" -ge 1 ||
		die "no roam-refused event for .3: $(cat "$mon")"

	log "and on to .4: one more event"
	nat_to 198.51.100.4
	pings_from_n2 || die "the peer's pings failed from .4"
	wait_for 10 test "$(refused_events 198.51.100.4)" -ge 1 ||
		die "no roam-refused event for .4: $(cat "$mon")"
	assert_eq "$(ix_endpoint n1)" "198.51.100.2:51821" "endpoint after moving to .4"
	assert_eq "$(refused_events 198.51.100.3)" 1 "roam-refused events for .3"
	assert_eq "$(refused_events 198.51.100.4)" 1 "roam-refused events for .4"
	[[ $(jq -s '[.[] | select(.event == "endpoint")] | length' "$mon") -le 2 ]] ||
		die "endpoint events while pinned: $(cat "$mon")"

	log "roaming on again: the next packet moves the endpoint"
	n1 wgctl set wg0 peer "$IX_PUB2" roaming on
	pings_from_n2 || die "the peer's pings failed after roaming was turned on"
	assert_eq "$(ix_endpoint n1)" "198.51.100.4:51821" "endpoint after roaming on again"
	nat_to
	n1 ip neigh del 198.51.100.3 dev veth1
	n1 ip neigh del 198.51.100.4 dev veth1
	kill "$monitor"
	wait "$monitor" 2> /dev/null || true
}

run intree
run wggo
log ok
