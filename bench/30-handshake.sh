#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1800
#
# HS_N (1,000) peers handshaking at once. One tunnel per peer, the layout
# wgtun is built for:
#
#   h1: x0 .. x999  key A, port 30000+i, peer B at 198.51.100.2:20000+i
#   h2: x0 .. x999  key B, port 20000+i, peer A at 198.51.100.1:30000+i
#   h1 routes 10.i>>8.i&255.2 to xi; the two namespaces share a veth
#
# One datagram per tunnel is sent from h1 (one bash loop, no process per
# packet), each starting a handshake; the clock stops when every interface
# in h1 shows a latest handshake. Recorded: that time, and the setup time.
# HS_ROUNDS rounds (default 1: setting up 2,000 in-tree interfaces is slow
# under emulation), implementations alternating.
. "$(dirname "$0")/lib.sh"

HS_N=${HS_N:-1000}
HS_ROUNDS=${HS_ROUNDS:-1}

bench_modules
bench_keys

hs_round() {
	local impl=$1 r=$2 tool kind i c0 up t_all

	tool=$(tool_of "$impl")
	kind=$(kind_of "$impl")
	: > "$BT/h1.add"; : > "$BT/h2.add"; : > "$BT/h1.conf"; : > "$BT/h2.conf"
	: > "$BT/h1.up"; : > "$BT/h2.up"; : > "$BT/h1.route"
	for ((i = 0; i < HS_N; i++)); do
		echo "link add x$i type $kind" | tee -a "$BT/h1.add" >> "$BT/h2.add"
		echo "link set x$i up" | tee -a "$BT/h1.up" >> "$BT/h2.up"
		echo "route add 10.$((i >> 8)).$((i & 255)).2/32 dev x$i" >> "$BT/h1.route"
		echo "$tool set x$i private-key $BT/a.key listen-port $((30000 + i))" \
			"peer $PUB_B endpoint 198.51.100.2:$((20000 + i)) allowed-ips 0.0.0.0/0" \
			>> "$BT/h1.conf"
		echo "$tool set x$i private-key $BT/b.key listen-port $((20000 + i))" \
			"peer $PUB_A endpoint 198.51.100.1:$((30000 + i)) allowed-ips 0.0.0.0/0" \
			>> "$BT/h2.conf"
	done
	{
		for ((i = 0; i < HS_N; i++)); do
			echo "echo x > /dev/udp/10.$((i >> 8)).$((i & 255)).2/9 || true"
		done
	} > "$BT/h1.kick"

	setup_netns h1 h2
	ip link add veth0 netns h1 type veth peer name veth0 netns h2
	ip -n h1 addr add 198.51.100.1/24 dev veth0
	ip -n h2 addr add 198.51.100.2/24 dev veth0
	ip -n h1 link set veth0 up
	ip -n h2 link set veth0 up
	c0=$(now)
	for ns in h1 h2; do
		ip -n "$ns" -batch "$BT/$ns.add"
		ip netns exec "$ns" bash -e "$BT/$ns.conf"
		ip -n "$ns" -batch "$BT/$ns.up"
	done
	ip -n h1 -batch "$BT/h1.route"
	record "handshake$HS_N" "$impl" setup_s "$r" "$(elapsed "$c0")" s
	sleep 2

	c0=$(now)
	ip netns exec h1 bash "$BT/h1.kick" 2> /dev/null
	while :; do
		up=$(ip netns exec h1 "$tool" show all latest-handshakes | awk '$3 != 0' | wc -l)
		((up >= HS_N)) && break
		t_all=$(elapsed "$c0")
		if awk -v t="$t_all" 'BEGIN { exit !(t > 600) }'; then
			log "$impl: only $up of $HS_N handshakes after 600 s"
			break
		fi
		sleep 0.5
	done
	t_all=$(elapsed "$c0")
	record "handshake$HS_N" "$impl" all_up_s "$r" "$t_all" s
	record "handshake$HS_N" "$impl" up_count "$r" "$up" peers
	ip netns del h1
	ip netns del h2
	settle
}

for ((r = 1; r <= HS_ROUNDS; r++)); do
	for impl in $(impls_for_round "$r"); do hs_round "$impl" "$r"; done
done
log ok
