#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 3600
#
# What one configuring process costs, wgctl against wgtun and wg(8) against
# the in-tree module, as the number of interfaces grows; not in the default
# list (bench/run bench/setcost.sh). 20-scale.sh's "create" time is mostly
# these processes (one per interface, as routers configure).
#
# Two namespaces, one per module. For each level in SETCOST_LEVELS
# (comma-separated, default 0,1500): both namespaces are first filled to
# that many configured interfaces (untimed), then SETCOST_N (200) more are
# added and configured, the two modules alternating in chunks of 50
# processes, each process `set xN private-key K peer P endpoint E
# allowed-ips A` as in 20-scale.sh. Recorded: seconds per SETCOST_N
# processes. With SETCOST_PERF=1, the first level's processes also run under
# a system-wide perf profile (cpu-clock), and the samples of the tool's
# processes are printed by shared object (kernel, loader, libc, the tool),
# the modules' own symbols below them.
. "$(dirname "$0")/lib.sh"

SETCOST_LEVELS=${SETCOST_LEVELS:-0,1500}
SETCOST_N=${SETCOST_N:-200}
SETCOST_PERF=${SETCOST_PERF:-0}
chunk=50

bench_modules
bench_keys
for impl in wgtun intree; do
	ip netns add "s-$impl"
done

# batch IMPL FROM TO: interfaces FROM..TO-1 added in IMPL's namespace; their
# configuring commands written to $BT/conf.IMPL.
batch() {
	local impl=$1 from=$2 to=$3 i tool

	tool=$(tool_of "$impl")
	: > "$BT/add.$impl"
	: > "$BT/conf.$impl"
	for ((i = from; i < to; i++)); do
		echo "link add x$i type $(kind_of "$impl")" >> "$BT/add.$impl"
		echo "$tool set x$i private-key $BT/a.key peer $PUB_B" \
			"endpoint 198.51.100.2:$((20000 + i % 40000))" \
			"allowed-ips 10.$((i >> 16)).$(((i >> 8) & 255)).$((i & 255))/32" \
			>> "$BT/conf.$impl"
	done
	ip -n "s-$impl" -batch "$BT/add.$impl"
}

configure() {
	ip netns exec "s-$1" bash -e "$BT/conf.$1"
}

filled=0
first=1
for level in ${SETCOST_LEVELS//,/ }; do
	if ((level > filled)); then
		for impl in wgtun intree; do
			batch "$impl" "$filled" "$level"
			configure "$impl"
		done
		filled=$level
	fi
	declare -A total=([wgtun]=0 [intree]=0)
	for ((a = filled; a < filled + SETCOST_N; a += chunk)); do
		# Which module goes first alternates from chunk to chunk.
		for impl in $(impls_for_round $((a / chunk))); do
			batch "$impl" "$a" "$((a + chunk))"
			if ((SETCOST_PERF && first)); then
				c0=$(now)
				perf record -q -a -e cpu-clock -F 999 -o "$BT/$impl.$a.data" -- \
					ip netns exec "s-$impl" bash -e "$BT/conf.$impl"
			else
				c0=$(now)
				configure "$impl"
			fi
			t=$(elapsed "$c0")
			total[$impl]=$(awk -v a="${total[$impl]}" -v b="$t" 'BEGIN { print a + b }')
		done
	done
	filled=$((filled + SETCOST_N))
	for impl in wgtun intree; do
		record "setcost$level" "$impl" "set${SETCOST_N}_s" 1 "${total[$impl]}" s
	done
	if ((SETCOST_PERF && first)); then
		for impl in wgtun intree; do
			echo "== $impl at $level interfaces: samples of $(tool_of "$impl") by object"
			for f in "$BT/$impl".*.data; do
				perf report -q -n -i "$f" --sort comm,dso --stdio 2>/dev/null
			done | awk -v c="$(tool_of "$impl")" '$3 == c { n[$4] += $2 }
				END { for (d in n) print n[d], d }' | sort -rn
			echo "== $impl: module symbols (any process)"
			for f in "$BT/$impl".*.data; do
				perf report -q -n -i "$f" --sort dso,sym --stdio 2>/dev/null
			done | grep -E '\[(wgtun|wireguard)\]' | head -n 10 || true
		done
	fi
	first=0
done
