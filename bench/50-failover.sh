#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1200
#
# BGP failover over single-peer tunnels, wgtun against the in-tree module:
# the topology of selftests/tests/44-bgp-failover.sh (r1, r2, r3, a tunnel per
# pair, BIRD in r1 and r2, FRR in r3, BGP keepalive 10 s / hold 30 s).  The
# r1-r3 underlay starts dropping everything; the metric is the time until
# r3's LAN reaches r1's LAN through r2.
#
#   wgtun    carrier-follows-peers on, liveness-timeout 3: the tunnel loses
#            carrier and BIRD/FRR drop the session at once.
#   intree   nothing tells the daemons: the BGP hold timer (30 s) does.
#
# Run by bench/run (bench/run 50-failover) or alone:
#   selftests/run --kernel 6.12 --verbose bench/50-failover.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_FAILOVER_ROUNDS:-3}
((BENCH_QUICK)) && ROUNDS=1
TIMERS=10/30

# measure IMPL ROUND: one fresh topology, one cut; records the seconds.
measure() {
	local impl=$1 round=$2 t0 s p

	_cleanups=()
	trap _run_cleanups EXIT
	. "$WGTUN_REPO/selftests/routing.sh"
	if [[ $impl == wgtun ]]; then
		rt_mesh wgtun carrier-follows-peers on liveness-timeout 3
	else
		rt_mesh wireguard
	fi
	rt_bird_bgp 1 "$TIMERS" 2 3
	rt_bird_bgp 2 "$TIMERS" 1 3
	rt_frr_bgp 3 "$TIMERS" 1 2
	for p in "1 2" "1 3" "2 1" "2 3" "3 1" "3 2"; do
		# shellcheck disable=SC2086
		wait_for 90 rt_bgp_up $p || { rt_dump; die "$impl: BGP r${p/ /-r} not up"; }
	done
	wait_for 30 rt_route_via r3 "$(rt_lan 1)" wg1 || { rt_dump; die "$impl: no direct route"; }
	wait_for 10 rt_lan_ping 3 1 || die "$impl: no ping over the direct tunnel"
	# A settled state: keepalives flowing, no handshake in progress.
	sleep 3
	t0=$(rt_now)
	rt_cut 1 3
	s=
	for ((n = 0; n < 900; n++)); do
		if rt_route_via r3 "$(rt_lan 1)" wg2 && rt_lan_ping 3 1; then
			s=$(rt_since "$t0")
			break
		fi
		sleep 0.1
	done
	[[ -n $s ]] || { rt_dump; die "$impl: no failover within the measuring window"; }
	record failover "$impl" seconds "$round" "$s" s
}

bench_modules
for ((round = 1; round <= ROUNDS; round++)); do
	for impl in $(impls_for_round "$round"); do
		(measure "$impl" "$round")
	done
done
log ok
