#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1500
#
# BGP failover over single-peer tunnels, wgtun against the in-tree module,
# timed stage by stage: the topology of selftests/tests/44-bgp-failover.sh
# (r1, r2, r3, a tunnel per pair with persistent keepalive 1, BIRD in r1 and
# r2, FRR in r3, BGP keepalive 10 s / hold 30 s).  The r1-r3 underlay starts
# dropping everything (rt_cut); r3's LAN pings r1's LAN every 50 ms.
#
#   wgtun    carrier-follows-peers on, liveness-timeout 3: the tunnel loses
#            carrier and BIRD/FRR drop the session at once.
#   intree   nothing tells the daemons: the BGP hold timer (30 s) does.
#
# Every stage is a time in seconds from the cut (the later of the two
# blackhole routes as r1's and r3's `ip -ts monitor` saw them), taken from
# what the kernel and the daemons report as it happens, never by polling:
#
#   event-r1, event-r3    wgtun's carrier-down event (`wgctl monitor`) on
#                         r1's wg3 and r3's wg1: the liveness timeout
#   link-r1, link-r3      the kernel's RTM_NEWLINK with NO-CARRIER for the
#                         same links, which the daemons act on
#   down-bird-r1          BIRD in r1 takes its session to r3 down
#   down-frr-r3           FRR in r3 takes its session to r1 down
#   fib-r1, fib-r3        r1's route to r3's LAN and r3's to r1's LAN are
#                         replaced by the one through r2 (wg2)
#   seconds               the metric of record: the send time of the first
#                         echo request sent after the cut that got a reply
#                         (ping -D's receive time minus the round trip); a
#                         reply can only come back through r2 then
#
# The raw monitors, daemon logs and ping output of each round are kept in
# $LOGDIR/failover/<impl>-<round>/.
#
# Run by bench/run (bench/run --kernel 6.12 50-failover) or alone:
#   selftests/run --kernel 6.12 --verbose bench/50-failover.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_FAILOVER_ROUNDS:-3}
((BENCH_QUICK)) && ROUNDS=1
# BENCH_FAILOVER_INTREE=0: wgtun's rounds alone (the in-tree module's take
# the 30 s hold timer each), to compare wgtun with itself over more rounds.
INTREE=${BENCH_FAILOVER_INTREE:-1}
# BENCH_FAILOVER_BFD=MS: BFD on every session at that interval, multiplier 3
# (what it adds to carrier: docs/routing.md, "Carrier or BFD").
BFD=${BENCH_FAILOVER_BFD:-}
TIMERS=10/30
LAN1=203.0.113.0/26	# r1's LAN (routing.sh)
LAN3=203.0.113.128/26	# r3's LAN

# The time in a log line (ip -ts "[2026-12-04T20:01:20.272602]", BIRD
# "2026-12-04 20:01:20.272602", FRR "2026/12/04 20:01:20.272602", wgctl's
# RFC 3339) as seconds since the epoch; all are local time, as is mktime.
AWK_TS='
function ts(s,    f, frac) {
	if (!match(s, /[0-9][0-9][0-9][0-9][-\/][0-9][0-9][-\/][0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]+)?/))
		return -1
	s = substr(s, RSTART, RLENGTH)
	gsub(/[^0-9]+/, " ", s)
	split(s, f, " ")
	frac = (7 in f) ? f[7] / (10 ^ length(f[7])) : 0
	return mktime(f[1] " " f[2] " " f[3] " " f[4] " " f[5] " " f[6]) + frac
}'

# first_after FILE T0 REGEX: the time of the first line of FILE at or after
# T0 that matches REGEX; empty if none.
first_after() {
	[[ -f $1 ]] || return 0
	awk -v t0="$2" -v re="$3" "$AWK_TS"'
		$0 ~ re { t = ts($0); if (t >= t0) { printf "%.6f\n", t; exit } }' "$1"
}

# cut_time: when the cut took effect, from the two monitors.
cut_time() {
	local a b

	a=$(first_after "$RT_TMP/mon-r1" 0 "blackhole $(rt_ul_addr 3 1)")
	b=$(first_after "$RT_TMP/mon-r3" 0 "blackhole $(rt_ul_addr 1 3)")
	[[ -n $a && -n $b ]] || return 0
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f\n", (a > b ? a : b) }'
}

cut_seen() {
	[[ -n $(cut_time) ]]
}

# first_reply T0: the send time of the first echo request sent after T0 that
# was answered (ping -D: "[epoch] 64 bytes from ...: icmp_seq=N ttl=T time=X ms").
first_reply() {
	awk -v t0="$1" '/bytes from/ && /time=/ {
		r = substr($1, 2, length($1) - 2)
		for (i = 2; i <= NF; i++) if ($i ~ /^time=/) rtt = substr($i, 6) / 1000
		if (r - rtt > t0) { printf "%.6f %s\n", r - rtt, $0; exit } }' "$RT_TMP/ping"
}

# stage METRIC T: record T (an epoch time, may be empty) as seconds from the cut.
stage() {
	[[ -n $2 ]] || { log "$impl round $round: no $1"; return 0; }
	record failover "$impl" "$1" "$round" "$(awk -v a="$2" -v b="$t_cut" \
		'BEGIN { printf "%.3f", a - b }')" s
}

# fib_moved NS LAN-PREFIX: the monitor saw NS's route to it go to wg2.
fib_moved() {
	[[ -n $(first_after "$RT_TMP/mon-$1" "$t_cut" "^\\[[^]]*\\] $2 .*dev wg2") ]]
}

# measure IMPL ROUND: one fresh topology, one cut; records each stage.
measure() {
	local impl=$1 round=$2 p n t_cut spread reply keep

	_cleanups=()
	trap _run_cleanups EXIT
	. "$WGTUN_REPO/selftests/routing.sh"
	if [[ $impl == wgtun ]]; then
		rt_mesh wgtun carrier-follows-peers on liveness-timeout 3
	else
		rt_mesh wireguard
	fi
	RT_BFD_MS=$BFD RT_BIRD_DEBUG=states rt_bird_bgp 1 "$TIMERS" 2 3
	RT_BFD_MS=$BFD RT_BIRD_DEBUG=states rt_bird_bgp 2 "$TIMERS" 1 3
	RT_BFD_MS=$BFD rt_frr_bgp 3 "$TIMERS" 1 2
	for p in "1 2" "1 3" "2 1" "2 3" "3 1" "3 2"; do
		# shellcheck disable=SC2086
		wait_for 90 rt_bgp_up $p || { rt_dump; die "$impl: BGP r${p/ /-r} not up"; }
	done
	wait_for 30 rt_route_via r3 "$(rt_lan 1)" wg1 || { rt_dump; die "$impl: no direct route"; }
	wait_for 30 rt_route_via r1 "$(rt_lan 3)" wg3 || { rt_dump; die "$impl: no direct route back"; }
	wait_for 10 rt_lan_ping 3 1 || die "$impl: no ping over the direct tunnel"

	keep=${LOGDIR:-/tmp}/failover/$impl-$round
	mkdir -p "$keep"
	on_exit "cp $RT_TMP/mon-r* $RT_TMP/ev-r* $RT_TMP/ping $RT_TMP/bird-r1.log $RT_TMP/frr-r3/*.log $keep/ 2>/dev/null"
	for n in 1 3; do
		# Line-buffered, so that the files can be read while they grow.
		stdbuf -oL ip -ts -n "r$n" monitor link route > "$RT_TMP/mon-r$n" 2>&1 &
		on_exit "kill $! 2>/dev/null"
		if [[ $impl == wgtun ]]; then
			ip netns exec "r$n" wgctl monitor --json > "$RT_TMP/ev-r$n" 2>&1 &
			on_exit "kill $! 2>/dev/null"
		fi
	done
	ip netns exec r3 ping -D -n -i 0.05 -I "$(rt_lan 3)" "$(rt_lan 1)" > "$RT_TMP/ping" 2>&1 &
	on_exit "kill $! 2>/dev/null"
	# A settled state: keepalives flowing, no handshake in progress, the
	# monitors and the pings running.
	sleep 3
	rt_cut 1 3
	wait_for 5 cut_seen || die "$impl: the monitors did not see the cut"
	t_cut=$(cut_time)
	spread=$(awk -v a="$(first_after "$RT_TMP/mon-r1" 0 blackhole)" \
		-v b="$(first_after "$RT_TMP/mon-r3" 0 blackhole)" 'BEGIN { printf "%.3f", a - b }')
	log "$impl round $round: the cut took $spread s (r1 - r3)"
	reply=
	for ((n = 0; n < 450 && ${#reply} == 0; n++)); do
		sleep 0.2
		reply=$(first_reply "$t_cut")
	done
	[[ -n $reply ]] || { rt_dump; die "$impl: no failover within the measuring window"; }
	log "$impl round $round: first answered request after the cut: ${reply#* }"
	# Both FIB changes are in by now (the reply needed both); give the
	# daemons' logs a moment to reach their files.
	wait_for 10 fib_moved r1 "$LAN3" || true
	wait_for 10 fib_moved r3 "$LAN1" || true
	sleep 1

	# Times are from the later of the two blackholes; on a host so busy that
	# they land far apart, one direction fails early and the round measures
	# something else (with BFD, the failover can even end before the cut).
	if awk -v s="$spread" 'BEGIN { exit !(s > 0.3 || s < -0.3) }'; then
		log "$impl round $round: not recorded, the two sides were cut $spread s apart"
		return 0
	fi
	if [[ $impl == wgtun ]]; then
		stage event-r1 "$(first_after "$RT_TMP/ev-r1" "$t_cut" \
			'"interface": "wg3",.*"event": "carrier",.*"carrier": false')"
		stage event-r3 "$(first_after "$RT_TMP/ev-r3" "$t_cut" \
			'"interface": "wg1",.*"event": "carrier",.*"carrier": false')"
		stage link-r1 "$(first_after "$RT_TMP/mon-r1" "$t_cut" '^\[[^]]*\] [0-9]+: wg3[:@].*NO-CARRIER')"
		stage link-r3 "$(first_after "$RT_TMP/mon-r3" "$t_cut" '^\[[^]]*\] [0-9]+: wg1[:@].*NO-CARRIER')"
	fi
	stage down-bird-r1 "$(first_after "$RT_TMP/bird-r1.log" "$t_cut" ' r3: State changed to (stop|down)')"
	stage down-frr-r3 "$(first_after "$RT_TMP/frr-r3/bgpd.log" "$t_cut" \
		"ADJCHANGE: neighbor $(rt_tun_addr 1 3)[( ].* Down")"
	stage fib-r1 "$(first_after "$RT_TMP/mon-r1" "$t_cut" "^\\[[^]]*\\] $LAN3 .*dev wg2")"
	stage fib-r3 "$(first_after "$RT_TMP/mon-r3" "$t_cut" "^\\[[^]]*\\] $LAN1 .*dev wg2")"
	stage seconds "${reply%% *}"

	echo "$t_cut" > "$keep/cut"
	return 0
}

bench_modules
for ((round = 1; round <= ROUNDS; round++)); do
	for impl in $(impls_for_round "$round"); do
		[[ $impl == intree ]] && ((!INTREE)) && continue
		(measure "$impl" "$round")
	done
done
log ok
