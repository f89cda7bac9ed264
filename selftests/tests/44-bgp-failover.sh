#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 360
#
# eBGP over a mesh of single-peer wgtun tunnels fails over when a peer dies,
# because the tunnel's carrier follows its peer.  BIRD runs in r1 and r2,
# FRR (zebra + bgpd) in r3; topology and addresses in selftests/routing.sh.
#
#   1. r3 reaches r1's LAN (203.0.113.0/26) over the direct tunnel wg1.
#   2. The r1-r3 underlay starts dropping everything.  With
#      carrier-follows-peers on and liveness-timeout 3, r3's wg1 goes
#      NO-CARRIER, FRR drops the session at once (the BGP hold timer, 30 s,
#      never gets a say) and r3 reaches r1 through r2.  Prints
#      failover_seconds=<x>.
#   3. The underlay returns: carrier comes back by itself (wgtun keeps
#      knocking), the session re-forms and the route goes back to wg1.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

TIMERS=10/30
rt_mesh wgtun carrier-follows-peers on liveness-timeout 3

rt_bird_bgp 1 "$TIMERS" 2 3
rt_bird_bgp 2 "$TIMERS" 1 3
rt_frr_bgp 3 "$TIMERS" 1 2

log "waiting for the three eBGP sessions"
t0=$(rt_now)
for p in "1 2" "1 3" "2 1" "2 3" "3 1" "3 2"; do
	# shellcheck disable=SC2086
	wait_for 90 rt_bgp_up $p || { rt_dump; die "BGP session r${p/ /-r} not established"; }
done
log "sessions up after $(rt_since "$t0") s"
wait_for 30 rt_route_via r3 "$(rt_lan 1)" wg1 || { rt_dump; die "r3 has no route to r1 via wg1"; }
wait_for 30 rt_route_via r1 "$(rt_lan 3)" wg3 || { rt_dump; die "r1 has no route to r3 via wg3"; }
wait_for 10 rt_lan_ping 3 1 || die "r3 LAN cannot reach r1 LAN over the direct tunnel"
ip -n r3 route show 203.0.113.0/26
r3 wgctl show wg1 --json | jq -e '.peers[0].alive == true' > /dev/null || die "r3's peer on wg1 not alive"

log "cutting the r1-r3 underlay"
tx0=$(r3 wgctl show wg2 --json | jq '.peers[0].tx_packets')
t0=$(rt_now)
rt_cut 1 3
carrier_s='' failover_s=''
for ((n = 0; n < 600; n++)); do
	if [[ -z $carrier_s ]] && rt_no_carrier r3 wg1; then
		carrier_s=$(rt_since "$t0")
	fi
	if [[ -z $failover_s ]] && rt_route_via r3 "$(rt_lan 1)" wg2 && rt_lan_ping 3 1; then
		failover_s=$(rt_since "$t0")
	fi
	[[ -n $carrier_s && -n $failover_s ]] && break
	sleep 0.1
done
[[ -n $carrier_s ]] || { rt_dump; die "r3's wg1 kept its carrier with the underlay cut"; }
[[ -n $failover_s ]] || { rt_dump; die "r3 did not fail over to r2"; }
echo "carrier_lost_seconds=$carrier_s"
echo "failover_seconds=$failover_s"
ip -n r3 link show dev wg1
ip -n r3 route show 203.0.113.0/26

state=$(rt_operstate r3 wg1)
[[ $state == DOWN || $state == LOWERLAYERDOWN ]] || die "r3 wg1 operstate $state with no carrier"
rt_bgp_up 3 1 && die "FRR in r3 still has its session to r1 Established"
rt_bgp_up 1 3 && die "BIRD in r1 still has its session to r3 Established"
reason=$(rt_vtysh r3 -c "show bgp neighbors $(rt_tun_addr 1 3) json" 2> /dev/null |
	jq -r '.[] | .lastResetDueTo // "?"')
log "FRR's reason for dropping r1: $reason"
# The carrier, not the hold timer, took the session down.
awk -v s="$failover_s" 'BEGIN { exit !(s < 28) }' ||
	die "failover took ${failover_s}s: as slow as the 30 s hold timer"
r3 wgctl show wg1 --json | jq -e '.peers[0].alive == false and .carrier == false' > /dev/null ||
	die "wgctl show: $(r3 wgctl show wg1 --json)"
rt_route_via r1 "$(rt_lan 3)" wg2 || { rt_dump; die "r1 does not route to r3 via r2"; }
tx1=$(r3 wgctl show wg2 --json | jq '.peers[0].tx_packets')
((tx1 > tx0)) || die "no packets went out of r3's wg2 ($tx0 -> $tx1)"

log "restoring the r1-r3 underlay"
t0=$(rt_now)
rt_restore 1 3
wait_for 60 rt_has_carrier r3 wg1 || { rt_dump; die "carrier did not come back on r3 wg1"; }
echo "carrier_back_seconds=$(rt_since "$t0")"
wait_for 90 rt_route_via r3 "$(rt_lan 1)" wg1 || { rt_dump; die "route did not return to wg1"; }
wait_for 30 rt_route_via r1 "$(rt_lan 3)" wg3 || { rt_dump; die "r1's route did not return"; }
echo "route_back_seconds=$(rt_since "$t0")"
wait_for 10 rt_lan_ping 3 1 || die "no ping over the restored direct tunnel"
rt_bgp_up 3 1 || die "session r3-r1 not Established again"
log ok
