#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1500
#
# Data path, wgtun and the in-tree module side by side in one boot:
#
#   t1 wg0 (wgtun) 192.0.2.1 ==== t2 wg0 (wgtun) 192.0.2.2      veth underneath
#   i1 wg0 (wg)    192.0.2.1 ==== i2 wg0 (wg)    192.0.2.2      veth underneath
#
# Per round, each metric is taken for both, in an order that alternates
# from round to round:
#   tcp1, tcp4      iperf3 TCP, 1 and 4 streams, Mbit/s received
#   udp64, udp1420  iperf3 UDP unlimited rate, datagrams/s received; 1420 is
#                   the size of the inner IP packet (payload 1392), the
#                   tunnel MTU, so nothing is fragmented
#   ping_idle, ping_load   RTT median and p99 in ms, 300 pings 10 ms apart;
#                   under load a 1-stream TCP transfer runs meanwhile
. "$(dirname "$0")/lib.sh"

T=${BENCH_SECONDS:-5}
PINGS=${BENCH_PINGS:-300}

bench_modules
bench_keys
pair_setup wgtun t1 t2
pair_setup intree i1 i2
for ns in t2 i2; do
	ip netns exec "$ns" iperf3 -s -D -I "$BT/iperf3-$ns.pid"
done
sleep 1

ns_of() {
	if [[ $1 == wgtun ]]; then echo t; else echo i; fi
}

# iperf IMPL ARGS...: JSON of one client run from X1 to the server in X2.
iperf() {
	local n

	n=$(ns_of "$1")
	shift
	ip netns exec "${n}1" timeout $((T + 30)) iperf3 -c 192.0.2.2 -J "$@"
}

tcp() {
	local impl=$1 r=$2 streams=$3 mbps

	mbps=$(iperf "$impl" -t "$T" -O 1 -P "$streams" |
		jq '.end.sum_received.bits_per_second / 1e6')
	record "tcp$streams" "$impl" mbit_s "$r" "$(printf '%.1f' "$mbps")" Mbit/s
}

udp() {
	local impl=$1 r=$2 size=$3 payload=$(($3 - 28)) pps

	pps=$(iperf "$impl" -u -b 0 -t "$T" -l "$payload" |
		jq '.end.sum | (.packets - .lost_packets) / .seconds')
	record "udp$size" "$impl" pps "$r" "$(printf '%.0f' "$pps")" packets/s
}

# pings IMPL R NAME: RTT median and p99 in ms.
pings() {
	local impl=$1 r=$2 name=$3 n res

	n=$(ns_of "$impl")
	res=$(ip netns exec "${n}1" ping -n -c "$PINGS" -i 0.01 -W 1 192.0.2.2 |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | median_p99)
	record "$name" "$impl" rtt_median "$r" "${res% *}" ms
	record "$name" "$impl" rtt_p99 "$r" "${res#* }" ms
}

ping_load() {
	local impl=$1 r=$2 n load

	n=$(ns_of "$impl")
	ip netns exec "${n}1" iperf3 -c 192.0.2.2 -t $((PINGS / 100 + 6)) > /dev/null 2>&1 &
	load=$!
	sleep 2
	pings "$impl" "$r" ping_load
	wait "$load" || true
}

for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	log "round $r of $BENCH_ROUNDS"
	for impl in $(impls_for_round "$r"); do tcp "$impl" "$r" 1; done
	for impl in $(impls_for_round "$r"); do tcp "$impl" "$r" 4; done
	for impl in $(impls_for_round "$r"); do udp "$impl" "$r" 64; done
	for impl in $(impls_for_round "$r"); do udp "$impl" "$r" 1420; done
	for impl in $(impls_for_round "$r"); do pings "$impl" "$r" ping_idle; done
	for impl in $(impls_for_round "$r"); do ping_load "$impl" "$r"; done
done
log ok
