#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1200
#
# BGP failover over single-peer tunnels, wgtun against the in-tree module:
# the topology of selftests/tests/44-bgp-failover.sh (r1, r2, r3, a tunnel per
# pair with persistent keepalive 1, BIRD in r1 and r2, FRR in r3, BGP
# keepalive 10 s / hold 30 s).  The r1-r3 underlay starts dropping
# everything; the metric is the time until r3's LAN reaches r1's LAN again,
# through r2.
#
#   wgtun    carrier-follows-peers on, liveness-timeout 3: the tunnel loses
#            carrier and BIRD/FRR drop the session at once.
#   intree   nothing tells the daemons: the BGP hold timer (30 s) does.
#
# Each stage is timed from the cut, from what r3 and r1 report (wgctl
# monitor's events, `ip monitor` with timestamps) and a ping every 50 ms from
# r3's LAN to r1's (ping -D), so no probe's own wait is counted:
#   event      wgtun's carrier event on both ends: the liveness timeout seen
#   carrier    the kernel's link message (NO-CARRIER) on both ends, which
#              the daemons act on (the kernel's linkwatch sends it, at most
#              one batch a second)
#   route      both r3's route to r1's LAN and r1's to r3's left the tunnel
#   failover   the first echo reply after the cut (the metric of record)
#
# Run by bench/run (bench/run 50-failover) or alone:
#   selftests/run --kernel 6.12 --verbose bench/50-failover.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_FAILOVER_ROUNDS:-3}
((BENCH_QUICK)) && ROUNDS=1
TIMERS=10/30

# first_after FILE T0 AWK-CONDITION: the epoch time of the first line of
# FILE (ip -ts monitor: "[YYYY-MM-DDTHH:MM:SS.ffffff] ...") after T0 that
# matches the condition; empty if none.
first_after() {
	local t

	while read -r t; do
		t=$(date -d "${t//T/ }" +%s.%N) || continue
		if awk -v t="$t" -v t0="$2" 'BEGIN { exit !(t > t0) }'; then
			echo "$t"
			return
		fi
	done < <(awk "$3"' { print substr($1, 2, length($1) - 2) }' "$1")
}

# event_after NS DEV T0: the epoch time of DEV's first carrier-off event
# in NS (wgctl monitor --json) after T0; empty if none.
event_after() {
	local t

	while read -r t; do
		t=$(date -d "$t" +%s.%N) || continue
		if awk -v t="$t" -v t0="$3" 'BEGIN { exit !(t > t0) }'; then
			echo "$t"
			return
		fi
	done < <(jq -r --arg d "$2" 'select(.event == "carrier" and .carrier == false and
		.interface == $d) | .time' "$RT_TMP/ev-$1" 2>/dev/null)
}

# later T... : the largest of the times, or empty if any is empty.
later() {
	local t max=

	for t in "$@"; do
		[[ -n $t ]] || return 0
		[[ -z $max ]] && max=$t
		awk -v a="$t" -v b="$max" 'BEGIN { exit !(a > b) }' && max=$t
	done
	echo "$max"
}

# measure IMPL ROUND: one fresh topology, one cut; records the seconds.
measure() {
	local impl=$1 round=$2 t0 p n ping t_ping t_event t_carrier t_route

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

	for n in 1 3; do
		ip -ts -n "r$n" monitor link route > "$RT_TMP/mon-r$n" 2>&1 &
		on_exit "kill $! 2>/dev/null"
		if [[ $impl == wgtun ]]; then
			ip netns exec "r$n" wgctl monitor --json > "$RT_TMP/ev-r$n" 2>&1 &
			on_exit "kill $! 2>/dev/null"
		fi
	done
	ip netns exec r3 ping -D -n -i 0.05 -I "$(rt_lan 3)" "$(rt_lan 1)" \
		> "$RT_TMP/ping" 2>&1 &
	ping=$!
	on_exit "kill $ping 2>/dev/null"
	# A settled state: keepalives flowing, no handshake in progress, the
	# monitors and the pings running.
	sleep 3
	t0=$(date +%s.%N)
	rt_cut 1 3
	t_ping=
	for ((n = 0; n < 900 && -z t_ping; n++)); do
		sleep 0.1
		t_ping=$(awk -v t0="$t0" '/bytes from/ {
			t = substr($1, 2, length($1) - 2); if (t > t0) { print t; exit } }' \
			"$RT_TMP/ping")
	done
	[[ -n $t_ping ]] || { rt_dump; die "$impl: no failover within the measuring window"; }
	kill "$ping" 2>/dev/null
	record failover "$impl" seconds "$round" "$(awk -v a="$t_ping" -v b="$t0" \
		'BEGIN { printf "%.2f", a - b }')" s

	t_route=$(later \
		"$(first_after "$RT_TMP/mon-r3" "$t0" '/^\[/ && !/Deleted/ && /203\.0\.113\.0\/26/ && /dev wg2/')" \
		"$(first_after "$RT_TMP/mon-r1" "$t0" '/^\[/ && !/Deleted/ && /203\.0\.113\.128\/26/ && /dev wg2/')")
	[[ -n $t_route ]] && record route "$impl" seconds "$round" \
		"$(awk -v a="$t_route" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')" s
	if [[ $impl == wgtun ]]; then
		t_event=$(later "$(event_after r3 wg1 "$t0")" "$(event_after r1 wg3 "$t0")")
		[[ -n $t_event ]] && record event "$impl" seconds "$round" \
			"$(awk -v a="$t_event" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')" s
		t_carrier=$(later \
			"$(first_after "$RT_TMP/mon-r3" "$t0" '/^\[/ && / wg1:/ && /NO-CARRIER/')" \
			"$(first_after "$RT_TMP/mon-r1" "$t0" '/^\[/ && / wg3:/ && /NO-CARRIER/')")
		[[ -n $t_carrier ]] && record carrier "$impl" seconds "$round" \
			"$(awk -v a="$t_carrier" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')" s
	fi
	log "$impl round $round: r3 $(grep -c 'bytes from' "$RT_TMP/ping") echo replies;" \
		"monitor lines r3 $(wc -l < "$RT_TMP/mon-r3"), r1 $(wc -l < "$RT_TMP/mon-r1")"
	return 0
}

bench_modules
for ((round = 1; round <= ROUNDS; round++)); do
	for impl in $(impls_for_round "$round"); do
		(measure "$impl" "$round")
	done
done
log ok
