#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1800
#
# Where a TCP transfer's (or a UDP flood's) time goes, wgtun and the in-tree
# module in one boot; not in the default list (bench/run bench/profile.sh).
# Tunnels, each a pair of namespaces on its own veth:
#
#   intree        in-tree  -> in-tree
#   wgtun-jN      wgtun    -> wgtun, module parameter job_packets=N, one
#                 entry per N in PROFILE_JOBS (comma-separated, default 64)
#   wgtun-gN      wgtun    -> wgtun, both interfaces' gro_flush_timeout set
#                 to N ns (GRO holds a poll's packets up to that long for
#                 later ones to merge with), one per N in PROFILE_GRO
#                 (comma-separated, default none); job_packets=64
#   wgtun-iN      wgtun    -> wgtun, module parameter inline_rx_bytes=N, one
#                 per N in PROFILE_INLINE (comma-separated, default none)
#   wgtun-tN      wgtun    -> wgtun, module parameter inline_tx_bytes=N, one
#                 per N in PROFILE_INLINE_TX (comma-separated, default none)
#   (every wgtun-* tunnel runs with the other knobs at their defaults:
#   job_packets=64, inline_rx_bytes=1500, inline_tx_bytes=0,
#   gro_flush_timeout=0)
#   tx-wgtun      wgtun    -> in-tree   (wgtun seals, in-tree opens)
#   rx-wgtun      in-tree  -> wgtun     (in-tree seals, wgtun opens)
#
# The mixed pairs (PROFILE_MIXED=1, the default) tell which half of wgtun
# limits a transfer. Per tunnel and round, with PROFILE_STREAMS streams
# (default 1): the receiver's TCP segments sent per tunnel packet received
# (its acknowledgements: near 1 when GRO merges nothing, lower the more it
# merges); with PROFILE_PERF=1 (default) a system-wide perf profile
# (cpu-clock, kernel symbols from /proc/kallsyms) whose top symbols go to the
# log. Throughput under perf is lower than without; compare within a run.
# PROFILE_UDP=SIZE profiles an iperf3 UDP flood of SIZE-byte inner packets
# instead (unlimited rate): datagrams/s received and the share lost.
. "$(dirname "$0")/lib.sh"

T=${BENCH_SECONDS:-5}
STREAMS=${PROFILE_STREAMS:-1}
TOP=${PROFILE_TOP:-40}
JOBS=${PROFILE_JOBS:-64}
GRO=${PROFILE_GRO:-}
INLINE=${PROFILE_INLINE:-}
INLINE_TX=${PROFILE_INLINE_TX:-}
MIXED=${PROFILE_MIXED:-1}
PERF=${PROFILE_PERF:-1}
UDP=${PROFILE_UDP:-0}

if ((PERF)); then
	command -v perf > /dev/null || die "perf missing in the guest (Debian package linux-perf)"
	echo 0 > /proc/sys/kernel/kptr_restrict
	echo -1 > /proc/sys/kernel/perf_event_paranoid
fi
command -v nstat > /dev/null || die "nstat missing in the guest (package iproute2)"

bench_modules
bench_keys
impls=(intree)
pair_setup intree i1 i2
pair_setup wgtun t1 t2
for j in ${JOBS//,/ }; do impls+=("wgtun-j$j"); done
for g in ${GRO//,/ }; do impls+=("wgtun-g$g"); done
for i in ${INLINE//,/ }; do impls+=("wgtun-i$i"); done
for i in ${INLINE_TX//,/ }; do impls+=("wgtun-t$i"); done
if ((MIXED)); then
	pair_setup wgtun x1 x2 intree
	pair_setup intree y1 y2 wgtun
	impls+=(tx-wgtun rx-wgtun)
fi
for ns in i2 t2 x2 y2; do
	[[ -e /run/netns/$ns ]] || continue
	ip netns exec "$ns" iperf3 -s -D -I "$BT/iperf3-$ns.pid"
done
sleep 1

# ns_of IMPL: the namespaces' prefix.
ns_of() {
	case $1 in
	intree) echo i ;;
	wgtun-*) echo t ;;
	tx-wgtun) echo x ;;
	rx-wgtun) echo y ;;
	esac
}

# tunnel_counters NS: both ends' (NS1, NS2) interface error counters, and
# wgtun's drop counters where an end is wgtun.
tunnel_counters() {
	local end ns

	for end in 1 2; do
		ns=$1$end
		printf '%s: tx_dropped %s rx_errors %s; ' "$ns" \
			"$(ip netns exec "$ns" cat /sys/class/net/wg0/statistics/tx_dropped)" \
			"$(ip netns exec "$ns" cat /sys/class/net/wg0/statistics/rx_errors)"
		if ip -n "$ns" -d link show wg0 | matches wgtun; then
			ip netns exec "$ns" wgctl show --json wg0 2> /dev/null |
				jq -c '[.. | objects | select(has("drops")) | .drops]' |
				tr -d '\n'
			printf '; '
		fi
	done
}

# run_iperf NS [WRAPPER...]: the transfer from NS1 to NS2, under WRAPPER if given.
run_iperf() {
	local n=$1 load=(-P "$STREAMS")

	shift
	((UDP)) && load=(-u -b 0 -l $((UDP - 28)))
	"$@" ip netns exec "${n}1" timeout $((T + 30)) \
		iperf3 -c 192.0.2.2 -J -t "$T" "${load[@]}" > "$BT/iperf.json"
}

profile() {
	local impl=$1 r=$2 n rx0 rx1 job gro inl intx end

	n=$(ns_of "$impl")
	if [[ $impl == wgtun-* ]]; then
		job=64 gro=0 inl=1500 intx=0
		[[ $impl == wgtun-j* ]] && job=${impl#wgtun-j}
		[[ $impl == wgtun-g* ]] && gro=${impl#wgtun-g}
		[[ $impl == wgtun-i* ]] && inl=${impl#wgtun-i}
		[[ $impl == wgtun-t* ]] && intx=${impl#wgtun-t}
		echo "$job" > /sys/module/wgtun/parameters/job_packets
		echo "$inl" > /sys/module/wgtun/parameters/inline_rx_bytes
		echo "$intx" > /sys/module/wgtun/parameters/inline_tx_bytes
		for end in t1 t2; do
			ip netns exec "$end" sh -c "echo $gro > /sys/class/net/wg0/gro_flush_timeout"
		done
	fi
	# nstat keeps its last reading per history file: one per namespace.
	NSTAT_HISTORY=$BT/nstat-${n}2 ip netns exec "${n}2" nstat -n > /dev/null
	NSTAT_HISTORY=$BT/nstat-${n}1 ip netns exec "${n}1" nstat -n > /dev/null
	rx0=$(rx_packets "${n}2" wg0)
	if ((PERF)); then
		run_iperf "$n" perf record -q -a -e cpu-clock -F 499 -o "$BT/perf.data" -- \
			2> "$BT/perf.err" || die "perf: $(cat "$BT/perf.err")"
	else
		run_iperf "$n" || die "iperf3 over $impl failed"
	fi
	rx1=$(rx_packets "${n}2" wg0)
	if ((UDP)); then
		record "profile_udp$UDP" "$impl" pps "$r" "$(jq \
			'.end.sum | (.packets - .lost_packets) / .seconds | floor' "$BT/iperf.json")" packets/s
		record "profile_udp$UDP" "$impl" lost_pct "$r" \
			"$(jq '.end.sum.lost_percent * 10 | floor / 10' "$BT/iperf.json")" percent
	else
		profile_tcp "$impl" "$r" "$n" "$((rx1 - rx0))"
	fi
	log "$impl round $r: drops and counters: $(tunnel_counters "$n")"
	((PERF)) || return 0
	log "$impl round $r: top $TOP symbols (self time, all CPUs)"
	perf report -q -i "$BT/perf.data" --no-children --sort sym --stdio \
		2> /dev/null | awk -v n="$TOP" 'NF && n-- > 0'
}

# profile_tcp IMPL R NS RXPACKETS: a TCP round's figures, read right after it.
profile_tcp() {
	local impl=$1 r=$2 n=$3 rx=$4 segs sent mbps

	segs=$(NSTAT_HISTORY=$BT/nstat-${n}2 ip netns exec "${n}2" nstat TcpOutSegs |
		awk '$1 == "TcpOutSegs" { print $2 }')
	# The sender's retransmissions (losses or reordering it saw), per 1,000 segments.
	sent=$(NSTAT_HISTORY=$BT/nstat-${n}1 ip netns exec "${n}1" nstat -s TcpOutSegs TcpRetransSegs |
		awk '{ v[$1] = $2 } END { printf "%d %d", v["TcpOutSegs"], v["TcpRetransSegs"] }')
	mbps=$(jq '.end.sum_received.bits_per_second / 1e6' "$BT/iperf.json")
	record "profile_tcp$STREAMS" "$impl" mbit_s "$r" "$(printf '%.1f' "$mbps")" Mbit/s
	record "profile_tcp$STREAMS" "$impl" acks_per_rx "$r" \
		"$(awk -v a="${segs:-0}" -v p="$rx" \
			'BEGIN { printf "%.3f", p ? a / p : 0 }')" ratio
	record "profile_tcp$STREAMS" "$impl" retrans_per_1k "$r" \
		"$(awk -v s="${sent% *}" -v r="${sent#* }" \
			'BEGIN { printf "%.2f", s ? 1000 * r / s : 0 }')" ratio
}

for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	# Rotate the order from round to round.
	for ((k = 0; k < ${#impls[@]}; k++)); do
		profile "${impls[(k + r) % ${#impls[@]}]}" "$r"
	done
done
log ok
