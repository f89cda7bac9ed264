#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 3000
#
# Fair crypto queues (issue #21, part 2): quiet tunnels' ping latency and
# loss, idle and beside tunnels flooding 64-byte datagrams, and the
# flooders' own throughput; wgtun and the in-tree module in n1, in turn, in
# the topology of selftests/tests/62-crypt-fairness.sh:
#
#   n1 f0..fF-1 (IMPL) 10.8.J.1 ==== FAIR_FLOODERS tunnels ==== n2 wgg (in-tree)
#   n1 q0..qQ-1 (IMPL) 10.9.I.1 ==== FAIR_QUIET tunnels ======= n2 wgp (in-tree)
#      veth1 198.51.100.1 ------------------------------------------- veth2
#
# Per round and implementation:
#   quiet_idle     every quiet tunnel pings FAIR_PINGS times, 100 ms apart,
#                  all at once: RTT median and p99 (ms) over all of them,
#                  and pings lost
#   quiet_flood    the same while each flooder sends 64-byte UDP payloads
#                  (bench/tools/udpblast, one process per flooder) for the
#                  whole ping run
#   flood          datagrams/s the flooders got through (n2's wgg counts
#                  what it decrypted), during quiet_flood
# The veth's per-CPU backlog and the default send buffer are raised, as in
# the test: what is measured is the tunnels, not the veth dropping for them,
# and each flooder can fill its peer's queue.
. "$(dirname "$0")/lib.sh"

FLOODERS=${FAIR_FLOODERS:-16}
QUIET=${FAIR_QUIET:-50}
PINGS=${FAIR_PINGS:-20}

bench_modules
backlog0=$(cat /proc/sys/net/core/netdev_max_backlog)
echo 100000 > /proc/sys/net/core/netdev_max_backlog
on_exit "echo $backlog0 > /proc/sys/net/core/netdev_max_backlog"
# As in the test: the flooders' send buffers hold their whole queue.
wmem0=$(cat /proc/sys/net/core/wmem_default)
echo $((4 << 20)) > /proc/sys/net/core/wmem_default
on_exit "echo $wmem0 > /proc/sys/net/core/wmem_default"
umask 077
wg genkey > "$BT/kg"
wg genkey > "$BT/kp"
umask 022

# tunnels IMPL PREFIX NET N PORT0 N2DEV KEY2 PORT2: as in 62-crypt-fairness.
tunnels() {
	local impl=$1 prefix=$2 net=$3 n=$4 port0=$5 n2dev=$6 key2=$7 port2=$8 tool pub2 i

	tool=$(tool_of "$impl")
	pub2=$(wg pubkey < "$key2")
	for ((i = 0; i < n; i++)); do
		(umask 077; wg genkey > "$BT/k$prefix$i")
		echo "link add $prefix$i type $(kind_of "$impl")"
		echo "addr add 10.$net.$i.1/24 dev $prefix$i"
	done | ip -n n1 -batch -
	for ((i = 0; i < n; i++)); do
		echo "$tool set $prefix$i private-key $BT/k$prefix$i listen-port $((port0 + i))" \
			"peer $pub2 endpoint 198.51.100.2:$port2 allowed-ips 10.$net.$i.2/32"
	done | ip netns exec n1 bash -e
	for ((i = 0; i < n; i++)); do
		echo "link set $prefix$i up"
	done | ip -n n1 -batch -
	for ((i = 0; i < n; i++)); do
		echo "addr add 10.$net.$i.2/24 dev $n2dev"
	done | ip -n n2 -batch -
	# shellcheck disable=SC2046
	ip netns exec n2 wg set "$n2dev" private-key "$key2" listen-port "$port2" \
		$(for ((i = 0; i < n; i++)); do
			echo "peer $(wg pubkey < "$BT/k$prefix$i") allowed-ips 10.$net.$i.1/32"
		done)
	ip -n n2 link set "$n2dev" up
}

setup() {
	local impl=$1 i

	setup_netns n1 n2
	ip link add veth1 netns n1 type veth peer name veth2 netns n2
	ip -n n1 addr add 198.51.100.1/24 dev veth1
	ip -n n2 addr add 198.51.100.2/24 dev veth2
	ip -n n1 link set veth1 up
	ip -n n2 link set veth2 up
	ip -n n2 link add wgg type wireguard
	ip -n n2 link add wgp type wireguard
	tunnels "$impl" f 8 "$FLOODERS" 53000 wgg "$BT/kg" 51900
	tunnels "$impl" q 9 "$QUIET" 54000 wgp "$BT/kp" 51901
	for ((i = 0; i < FLOODERS; i++)); do echo "10.8.$i.2"; done > "$BT/up"
	for ((i = 0; i < QUIET; i++)); do echo "10.9.$i.2"; done >> "$BT/up"
	xargs -P 10 -I{} ip netns exec n1 ping -q -c 1 -w 30 {} < "$BT/up" > /dev/null ||
		die "$impl: tunnels do not come up"
}

teardown() {
	ip netns del n1
	ip netns del n2
	settle
}

# quiet IMPL R NAME: all quiet tunnels ping at once; record RTTs and loss.
quiet() {
	local impl=$1 r=$2 name=$3 i res sent got pings=()

	for ((i = 0; i < QUIET; i++)); do
		ip netns exec n1 ping -n -c "$PINGS" -i 0.1 -w 60 "10.9.$i.2" > "$BT/ping$i" 2>&1 &
		pings+=($!)
	done
	wait "${pings[@]}" || true
	# Replies, duplicates apart; lost: what ping sent and never got back
	# (with -w it sends on past -c until -c replies came or the deadline).
	res=$(cat "$BT"/ping* | sed -n '/DUP!/d; s/.*time=\([0-9.]*\) ms.*/\1/p' | median_p99)
	read -r sent got < <(cat "$BT"/ping* | sed -n \
		's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' |
		awk '{ s += $1; g += $2 } END { print s + 0, g + 0 }')
	rm -f "$BT"/ping*
	record "$name" "$impl" rtt_median "$r" "${res% *}" ms
	record "$name" "$impl" rtt_p99 "$r" "${res#* }" ms
	record "$name" "$impl" lost "$r" "$((sent - got))" pings
}

flood_round() {
	local impl=$1 r=$2 i rx0 t0 secs pids=()

	rx0=$(rx_packets n2 wgg)
	t0=$(now)
	for ((i = 0; i < FLOODERS; i++)); do
		ip netns exec n1 "$UDPBLAST" -d "10.8.$i.2" -l 64 -t 600 > /dev/null &
		pids+=($!)
	done
	sleep 2
	quiet "$impl" "$r" quiet_flood
	kill "${pids[@]}" 2> /dev/null || true
	wait "${pids[@]}" 2> /dev/null || true
	secs=$(elapsed "$t0")
	record flood "$impl" pps "$r" \
		"$(awk -v n="$(($(rx_packets n2 wgg) - rx0))" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" \
		packets/s
	if [[ $impl == wgtun ]]; then
		log "wgtun drops: $(ip netns exec n1 wgctl show all --json |
			jq -c '[.[] | {i: .interface, q: .peers[0].drops.queue_full}] |
				group_by(.i[0:1]) | map({(.[0].i[0:1]): (map(.q) | add)}) | add')"
	fi
}

for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	for impl in $(impls_for_round "$r"); do
		setup "$impl"
		quiet "$impl" "$r" quiet_idle
		flood_round "$impl" "$r"
		teardown
	done
done
