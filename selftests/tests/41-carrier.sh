#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 360
# tier: core
#
# carrier-follows-peers: with it on, n1's wg0 has carrier exactly while its
# peer is alive (operstate down and NO-CARRIER otherwise), comes back by
# itself when the peer returns (wgtun keeps knocking, no traffic needed); with
# it off, the link behaves like an in-tree wireguard link.  Turning it on, or
# changing the timeout, at runtime applies to the peers already there.  Two wgtun ends,
# topology in selftests/interop.sh; n1 has liveness-timeout 3.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"
. "$(dirname "$0")/../routing.sh"

ix_setup wgtun

# n1_peer / n2_peer: (re)configure each side's one peer.
n1_peer() {
	n1 wgctl set wg0 peer "$IX_PUB2" endpoint 198.51.100.2:51821 \
		allowed-ips 0.0.0.0/0,::/0 persistent-keepalive 1
}
n2_peer() {
	n2 wgctl set wg0 peer "$IX_PUB1" "$@" allowed-ips 0.0.0.0/0,::/0 persistent-keepalive 1
}
alive() {
	n1 wgctl show wg0 --json | jq -e '.peers[0].alive == true' > /dev/null
}
# oper_is STATE...: n1's wg0 is in one of these operstates.
oper_is() {
	local st=$(rt_operstate n1 wg0) want

	for want in "$@"; do
		[[ $st == "$want" ]] && return 0
	done
	return 1
}
check_down() {
	local st

	# Operstate follows carrier through linkwatch, which may take a second.
	wait_for 30 rt_no_carrier n1 wg0 || die "n1 wg0 has carrier: $(ip -n n1 link show wg0)"
	wait_for 30 oper_is DOWN LOWERLAYERDOWN || true
	st=$(rt_operstate n1 wg0)
	[[ $st == DOWN || $st == LOWERLAYERDOWN ]] || die "operstate $st without carrier"
	n1 wgctl show wg0 --json | jq -e '.carrier == false' > /dev/null ||
		die "wgctl show disagrees: $(n1 wgctl show wg0 --json | jq -c '{carrier}')"
}
check_up() {
	local st

	wait_for 30 rt_has_carrier n1 wg0 || die "n1 wg0 has no carrier: $(ip -n n1 link show wg0)"
	wait_for 30 oper_is UP UNKNOWN || true
	st=$(rt_operstate n1 wg0)
	[[ $st == UP || $st == UNKNOWN ]] || die "operstate $st with carrier"
}

log "on, no peer: NO-CARRIER"
n1 wgctl set wg0 carrier-follows-peers on liveness-timeout 3
check_down
n1 wgctl showconf wg0 | matches -x 'CarrierFollowsPeers = on' || die "showconf lacks CarrierFollowsPeers"
n1 wgctl showconf wg0 | matches -x 'LivenessTimeout = 3' || die "showconf lacks LivenessTimeout"
n1 wgctl show wg0 --json |
	jq -e '.carrier_follows_peers == true and .liveness_timeout == 3' > /dev/null ||
	die "wgctl show --json: $(n1 wgctl show wg0 --json)"
n1 wgctl show wg0 | matches 'carrier follows peers' || die "wgctl show does not say so"

log "peers configured, no traffic: the handshake comes by itself"
n2_peer endpoint 198.51.100.1:51820
t0=$(rt_now)
n1_peer
wait_for 20 rt_has_carrier n1 wg0 || die "no carrier 20 s after the peer was configured"
echo "carrier_up_seconds=$(rt_since "$t0")"
check_up
alive || die "carrier on but the peer is not alive"
ix_ping n1 192.0.2.2 || die "ping over the tunnel"

log "peer vanishes (its link goes down): carrier off after the liveness timeout"
t0=$(rt_now)
n2 ip link set wg0 down
wait_for 30 rt_no_carrier n1 wg0 || die "carrier stayed up 30 s after the peer vanished"
s=$(rt_since "$t0")
echo "carrier_lost_seconds=$s"
# The last keepalive came at most 1 s before the cut; the timeout is 3 s.
awk -v s="$s" 'BEGIN { exit !(s >= 1.5) }' || die "carrier lost after ${s}s, before the timeout"
check_down
alive && die "no carrier, yet the peer is alive"
ip -n n1 -br link show wg0

log "down and up again, peer still gone: still NO-CARRIER"
n1 ip link set wg0 down
n1 ip link set wg0 up
check_down

log "peer returns: carrier back"
t0=$(rt_now)
n2 ip link set wg0 up
wait_for 30 rt_has_carrier n1 wg0 || die "carrier not back 30 s after the peer returned"
echo "carrier_back_seconds=$(rt_since "$t0")"
check_up

log "peer restarts without an endpoint for us: only our knocking brings it back"
n2 ip link del wg0
sleep 5
check_down
n2 ip link add wg0 type wgtun
n2 wgctl set wg0 private-key "$IX_TMP/k2" listen-port 51821
n2 ip addr add 192.0.2.2/24 dev wg0
n2_peer
n2 ip link set wg0 up
t0=$(rt_now)
wait_for 30 rt_has_carrier n1 wg0 || die "carrier not back: wgtun did not knock"
echo "carrier_back_by_knocking_seconds=$(rt_since "$t0")"
ep=$(n2 wgctl show wg0 endpoints | awk '{ print $2 }')
assert_eq "$ep" 198.51.100.1:51820 "endpoint n2 learned from n1's handshake"
ix_ping n2 192.0.2.1 || die "ping from the restarted peer"

log "off: WireGuard behaviour (carrier regardless of the peer)"
n2 ip link set wg0 down
wait_for 30 rt_no_carrier n1 wg0 || die "carrier stayed with the peer gone"
n1 wgctl set wg0 carrier-follows-peers off
check_up
n1 ip link set wg0 down
n1 ip link set wg0 up
check_up
# A fresh wgtun link with a dead peer looks like an in-tree wireguard link.
n1 ip link add wgref type wireguard
n1 wg set wgref private-key "$IX_TMP/k1" listen-port 51830 \
	peer "$IX_PUB2" endpoint 198.51.100.2:51829 allowed-ips 10.0.0.0/8 persistent-keepalive 1
n1 ip link add wgoff type wgtun
n1 wgctl set wgoff private-key "$IX_TMP/k1" listen-port 51831 \
	peer "$IX_PUB2" endpoint 198.51.100.2:51829 allowed-ips 10.0.0.0/8 persistent-keepalive 1
n1 ip link set wgref up
n1 ip link set wgoff up
sleep 5
rt_has_carrier n1 wgref || die "in-tree wireguard without carrier?"
rt_has_carrier n1 wgoff || die "wgtun, option off, dead peer: no carrier"
assert_eq "$(rt_operstate n1 wgoff)" "$(rt_operstate n1 wgref)" "operstate, wgtun vs wireguard"
n1 wgctl show wg0 --json | jq -e '.carrier_follows_peers == false and .carrier == true' \
	> /dev/null || die "wgctl show --json: $(n1 wgctl show wg0 --json)"
n1 wgctl showconf wg0 | matches CarrierFollowsPeers && die "showconf shows the option off"

# Like wireguard, an option-off link stays quiet until it has something to
# send: configuring a peer (whose far end already knows us) starts no handshake.
log "off: configuring a peer starts no handshake by itself"
n1 ip link del wgref
n2 ip link set wg0 up
n2 wgctl set wg0 peer "$IX_PUB1" remove
n1 wgctl set wg0 peer "$IX_PUB2" remove
n2 wgctl set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820 allowed-ips 0.0.0.0/0
n1 wgctl set wg0 peer "$IX_PUB2" endpoint 198.51.100.2:51821 allowed-ips 0.0.0.0/0
sleep 3
hs=$(n1 wgctl show wg0 --json | jq '.peers[0].latest_handshake')
assert_eq "$hs" 0 "handshake time on a quiet, option-off peer (wireguard starts none)"

# Turned on at runtime, the option covers the peers configured before it:
# the idle peer is knocked on at once, as if it had just been configured.
log "on at runtime, with an idle peer: wgtun knocks, carrier comes"
n1 wgctl set wg0 carrier-follows-peers on liveness-timeout 3600
wait_for 20 alive || die "option turned on with an idle peer: not alive 20 s later"
check_up

log "liveness timeout lowered at runtime: an alive peer's timer follows"
n1 wgctl set wg0 liveness-timeout 3
n2 ip link set wg0 down
wait_for 30 rt_no_carrier n1 wg0 ||
	die "carrier stayed up 30 s after the peer vanished (timeout lowered from 3600 to 3 s)"
check_down
log ok
