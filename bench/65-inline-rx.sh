#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1800
#
# Does one tunnel received at full rate on one CPU, opened inline in that
# CPU's softirq (inline_rx_bytes), starve other tunnels' receive on the
# same CPU?  (issue #21, "Also")
#
#   n2 wgg (in-tree) ==== flooding tunnel ==== n1 f0 (IMPL) 10.8.0.1
#   n2 wgp (in-tree) ==== INLINE_QUIET tunnels = n1 q0..qQ-1 (IMPL) 10.9.I.1
#      veth2 198.51.100.2 --------------------- veth1 198.51.100.1, RPS: CPU 0 only
#
# All of veth1's receive is steered to CPU 0 (rps_cpus), as behind a NIC
# with one queue.  n2 sends 1,392-byte UDP payloads (1,420-byte inner
# packets: the largest that inline_rx_bytes=1500 opens in the softirq)
# into the flooding tunnel for the whole measurement, while n2 pings every
# quiet tunnel's n1 end INLINE_PINGS times, 100 ms apart.  Per round, in
# alternating order, for the in-tree module and for wgtun with its defaults
# (wgtun: inline_rx_bytes 1500, inline_share 25), with the inline share
# unbounded (wgtun_unbounded: inline_share 100) and with nothing inline
# (wgtun_noinline: inline_rx_bytes 0, every message to the engine's workers):
#   quiet      the pings' RTT median and p99 (ms) and pings lost
#   flood      datagrams/s the flooding tunnel delivered (n1's f0)
#   cpu0_drop  packets CPU 0's backlog dropped (softnet_stat) meanwhile
. "$(dirname "$0")/lib.sh"

QUIET=${INLINE_QUIET:-5}
PINGS=${INLINE_PINGS:-50}

bench_modules
umask 077
wg genkey > "$BT/kg"
wg genkey > "$BT/kp"
umask 022
inline0=$(cat /sys/module/wgtun/parameters/inline_rx_bytes)
share0=$(cat /sys/module/wgtun/parameters/inline_share)
on_exit "echo $inline0 > /sys/module/wgtun/parameters/inline_rx_bytes"
on_exit "echo $share0 > /sys/module/wgtun/parameters/inline_share"

# tunnels KIND PREFIX NET N PORT0 N2DEV KEY2 PORT2: N interfaces of KIND in
# n1, each with one peer on the in-tree N2DEV in n2.
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
		echo "ip link set $prefix$i up"
	done | ip netns exec n1 bash -e
	# shellcheck disable=SC2046
	ip netns exec n2 wg set "$n2dev" private-key "$key2" listen-port "$port2" \
		$(for ((i = 0; i < n; i++)); do
			echo "peer $(wg pubkey < "$BT/k$prefix$i") allowed-ips 10.$net.$i.1/32"
			echo "endpoint 198.51.100.1:$((port0 + i))"
		done)
	for ((i = 0; i < n; i++)); do
		echo "addr add 10.$net.$i.2/24 dev $n2dev"
	done | ip -n n2 -batch -
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
	echo 1 | ip netns exec n1 tee /sys/class/net/veth1/queues/rx-0/rps_cpus > /dev/null
	ip -n n2 link add wgg type wireguard
	ip -n n2 link add wgp type wireguard
	tunnels "$impl" f 8 1 53000 wgg "$BT/kg" 51900
	tunnels "$impl" q 9 "$QUIET" 54000 wgp "$BT/kp" 51901
	ip netns exec n2 ping -q -c 1 -w 30 10.8.0.1 > /dev/null || die "$impl: flood tunnel down"
	for ((i = 0; i < QUIET; i++)); do
		ip netns exec n2 ping -q -c 1 -w 30 "10.9.$i.1" > /dev/null ||
			die "$impl: quiet tunnel $i down"
	done
}

cpu0_drops() {
	printf '%d\n' "0x$(awk 'NR == 1 { print $2 }' /proc/net/softnet_stat)"
}

measure() {
	local name=$1 impl=$2 r=$3 i rx0 d0 t0 secs res got blast pings=()

	rx0=$(rx_packets n1 f0)
	d0=$(cpu0_drops)
	t0=$(now)
	ip netns exec n2 "$UDPBLAST" -d 10.8.0.1 -l 1392 -t 600 > /dev/null &
	blast=$!
	sleep 2
	for ((i = 0; i < QUIET; i++)); do
		ip netns exec n2 ping -n -c "$PINGS" -i 0.1 -w 60 "10.9.$i.1" > "$BT/ping$i" 2>&1 &
		pings+=($!)
	done
	wait "${pings[@]}" || true
	kill "$blast" 2> /dev/null || true
	wait "$blast" 2> /dev/null || true
	secs=$(elapsed "$t0")
	res=$(cat "$BT"/ping* | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | median_p99)
	got=$(cat "$BT"/ping* | grep -c 'time=' || true)
	rm -f "$BT"/ping*
	record inline_rx "$name" rtt_median "$r" "${res% *}" ms
	record inline_rx "$name" rtt_p99 "$r" "${res#* }" ms
	record inline_rx "$name" lost "$r" "$((QUIET * PINGS - got))" pings
	record inline_rx "$name" flood_pps "$r" \
		"$(awk -v n="$(($(rx_packets n1 f0) - rx0))" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" \
		packets/s
	record inline_rx "$name" cpu0_drop "$r" "$(($(cpu0_drops) - d0))" packets
}

# variant NAME: set wgtun's parameters for NAME; prints the implementation.
variant() {
	local bytes=1500 share=25

	case $1 in
	intree) echo intree; return ;;
	wgtun_noinline) bytes=0 ;;
	wgtun_unbounded) share=100 ;;
	esac
	echo "$bytes" > /sys/module/wgtun/parameters/inline_rx_bytes
	echo "$share" > /sys/module/wgtun/parameters/inline_share
	echo wgtun
}

for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	order="intree wgtun_noinline wgtun_unbounded wgtun"
	((r % 2)) && order="wgtun wgtun_unbounded wgtun_noinline intree"
	for name in $order; do
		impl=$(variant "$name")
		setup "$impl"
		measure "$name" "$impl" "$r"
		ip netns del n1
		ip netns del n2
		settle
	done
done
