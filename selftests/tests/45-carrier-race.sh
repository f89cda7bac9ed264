#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 360
# tier: core
#
# Carrier under racing liveness changes.  With the debug build's
# time_divisor=100 and liveness-timeout 1, n1's peer dies after 10 ms of
# silence, so pings every few milliseconds from both of n2's CPUs make it
# flap between alive and dead hundreds of times a second: the liveness
# timer, NAPI on either CPU and netlink (a loop re-setting the timeout)
# all change the alive count and the carrier at once.  Whatever the
# interleaving, the carrier events `wgctl monitor` sees must alternate
# (up, down, up...), and once the flapping stops the carrier and the last
# carrier event must match whether a peer is alive: off with the peer gone,
# on with the peer answering steadily.  Two wgtun ends, topology in
# selftests/interop.sh.  Three rounds at full depth, one in make check
# (lib.sh's by_depth): a round flaps the carrier about a thousand times,
# each flap a chance for the race.
. "$(dirname "$0")/../lib.sh"
# Loaded at the usual speed: the in-module selftests expect it.
load_debug_module
echo 100 > /sys/module/wgtun/parameters/time_divisor
. "$(dirname "$0")/../interop.sh"
. "$(dirname "$0")/../routing.sh"

ROUNDS=${WGTUN_CARRIER_RACE_ROUNDS:-$(by_depth 3 1)}
STRESS_SECONDS=${WGTUN_CARRIER_RACE_SECONDS:-8}

# The monitor must not lose events: a lost one would look like a broken
# alternation.  A netlink socket's buffer starts at rmem_default.
rmem=$(< /proc/sys/net/core/rmem_default)
on_exit "echo $rmem > /proc/sys/net/core/rmem_default"
echo $((32 << 20)) > /proc/sys/net/core/rmem_default

ix_setup wgtun
mon=$RT_TMP/mon.json
# Not through n1(): $! must be the monitor itself.
ip netns exec n1 wgctl monitor wg0 --json > "$mon" 2> "$RT_TMP/mon.err" &
on_exit "kill $! 2>/dev/null"
sleep 1

# First the tunnel, with a timeout of 2 s (200 divided by 100): at 10 ms an
# idle peer is alive only for moments after each handshake, which a slow
# guest's polling can miss.  Each round sets 10 ms when its flapping begins.
n1 wgctl set wg0 carrier-follows-peers on liveness-timeout 200 \
	peer "$IX_PUB2" endpoint 198.51.100.2:51821 allowed-ips 0.0.0.0/0
n2 wgctl set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820 allowed-ips 0.0.0.0/0
wait_for 20 rt_has_carrier n1 wg0 || die "no carrier: the peer never came alive"

# carriers: the carrier events so far, "1" up and "0" down, one per line
# (grep, not jq: the file grows to thousands of lines).
carriers() {
	grep -o '"event": "carrier", "carrier": [a-z]*' "$mon" | sed 's/.* true$/1/; s/.* false$/0/'
}
# check_alternating WHEN: no two carrier events in a row say the same.
check_alternating() {
	local bad

	[[ ! -s $RT_TMP/mon.err ]] || die "the monitor lost events: $(cat "$RT_TMP/mon.err")"
	bad=$(carriers | awk 'NR > 1 && $1 == prev { n++ } { prev = $1 } END { print n + 0 }')
	log "$1 (${SECONDS}s): $(carriers | wc -l) carrier events, $bad repeated"
	((bad == 0)) || die "$1: carrier events do not alternate ($bad repeats):" \
		"$(carriers | uniq -c | awk '$1 > 1' | sed -n 1,5p | paste -sd' ')"
}
# settled CARRIER ALIVE: wgctl shows that carrier and that liveness, and the
# monitor's last carrier event says the same.
settled() {
	local want=$1 alive=$2

	n1 wgctl show wg0 --json |
		jq -e --argjson c "$want" --argjson a "$alive" \
			'.carrier == $c and (.peers | any(.alive)) == $a' > /dev/null &&
		[[ $(carriers | tail -n 1) == "$([[ $want == true ]] && echo 1 || echo 0)" ]]
}
state() {
	echo "$(n1 wgctl show wg0 --json | jq -c '{carrier, alive: [.peers[].alive]}')" \
		"last event $(carriers | tail -n 1)"
}

cpus=$(nproc)
for ((round = 1; round <= ROUNDS; round++)); do
	log "round $round: the peer flaps for $STRESS_SECONDS s"
	n1 wgctl set wg0 liveness-timeout 1
	pids=()
	for ((c = 0; c < cpus; c++)); do
		for i in 0.004 0.011; do
			taskset -c "$c" ip netns exec n2 ping -q -i "$i" -w "$STRESS_SECONDS" \
				192.0.2.1 > /dev/null 2>&1 &
			pids+=($!)
		done
	done
	# Netlink in the race too: each set re-evaluates the carrier.
	end=$((SECONDS + STRESS_SECONDS))
	while ((SECONDS < end)); do
		n1 wgctl set wg0 liveness-timeout 1
	done
	wait "${pids[@]}" || true
	check_alternating "round $round, flapping"

	log "round $round: the peer goes away, carrier must go"
	n2 ip link set wg0 down
	wait_for 10 settled false false || die "round $round, peer gone: $(state)"
	check_alternating "round $round, peer gone"

	log "round $round: the peer answers steadily (timeout 2 s), carrier must come"
	n2 ip link set wg0 up
	n1 wgctl set wg0 liveness-timeout 200
	n2 ping -q -i 0.05 -w 20 192.0.2.1 > /dev/null 2>&1 &
	pinger=$!
	wait_for 10 settled true true || die "round $round, peer steady: $(state)"
	kill "$pinger"
	wait "$pinger" || true
	check_alternating "round $round, steady"
done
log ok
