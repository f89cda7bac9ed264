#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# tier: core
#
# The interface counters of `ip -s link` match the in-tree module's for the
# same traffic, and so do the peer's transfer counters: two tunnels side by
# side, each initiated from the left, the same pings of the same size through
# each, over IPv4 and then IPv6 outside; wgtun's wg0 in n1 must count what the
# in-tree wg0 in n3 counts.
#
#   n1 wg0 (wgtun)    10.1.0.1 === veth 198.51.100.1/2, fd00:1::1/2 === 10.1.0.2 wg0 (in-tree) n2
#   n3 wg0 (in-tree)  10.3.0.1 === veth 198.51.100.1/2, fd00:1::1/2 === 10.3.0.2 wg0 (in-tree) n4
. "$(dirname "$0")/../lib.sh"

pings=40
size=1000
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
setup_netns n1 n2 n3 n4
umask 077

# tool NS: the configuration tool for wg0 in NS.
tool() { if [[ $(link_kind wg0 "$1") == wgtun ]]; then echo wgctl; else echo wg; fi; }

# tunnel LEFT RIGHT KIND NET: a veth between LEFT and RIGHT, and a tunnel
# over it whose left end is of KIND (wgtun or wireguard), 10.NET.0.1 -> .2.
tunnel() {
	local l=$1 r=$2 kind=$3 net=$4

	ip link add veth0 netns "$l" type veth peer name veth0 netns "$r"
	ip -n "$l" addr add 198.51.100.1/24 dev veth0
	ip -n "$r" addr add 198.51.100.2/24 dev veth0
	ip -n "$l" addr add fd00:1::1/64 dev veth0 nodad
	ip -n "$r" addr add fd00:1::2/64 dev veth0 nodad
	ip -n "$l" link set veth0 up
	ip -n "$r" link set veth0 up
	wg genkey > "$tmp/$l.key"
	wg genkey > "$tmp/$r.key"
	ip -n "$l" link add wg0 type "$kind"
	ip -n "$r" link add wg0 type wireguard
	ip netns exec "$l" "$(tool "$l")" set wg0 private-key "$tmp/$l.key" listen-port 51820
	ip netns exec "$r" wg set wg0 private-key "$tmp/$r.key" listen-port 51821
	ip -n "$l" addr add "10.$net.0.1/24" dev wg0
	ip -n "$r" addr add "10.$net.0.2/24" dev wg0
	ip -n "$l" link set wg0 up
	ip -n "$r" link set wg0 up
}

# unpeer LEFT RIGHT: both ends forget each other, timers and all.
unpeer() {
	ip netns exec "$1" "$(tool "$1")" set wg0 peer "$(wg pubkey < "$tmp/$2.key")" remove
	ip netns exec "$2" wg set wg0 peer "$(wg pubkey < "$tmp/$1.key")" remove
}

# peers LEFT RIGHT OUTER: both ends point at each other over outer family
# 4 or 6 (a fresh peer each time: the next ping starts with a handshake).
peers() {
	local l=$1 r=$2 a1=198.51.100.1 a2=198.51.100.2
	local lpub rpub

	[[ $3 == 6 ]] && a1=[fd00:1::1] a2=[fd00:1::2]
	lpub=$(wg pubkey < "$tmp/$l.key")
	rpub=$(wg pubkey < "$tmp/$r.key")
	ip netns exec "$l" "$(tool "$l")" set wg0 peer "$rpub" endpoint "$a2:51821" allowed-ips 0.0.0.0/0
	ip netns exec "$r" wg set wg0 peer "$lpub" endpoint "$a1:51820" allowed-ips 0.0.0.0/0
}

# count_keepalives NS: count what NS sends on veth0 as outer UDP datagrams of
# 32 bytes, i.e. keepalives (a data message with nothing in it): two tc
# filters on veth0's egress, the UDP length field (40 with its header) at
# offset 24 of an IPv4 packet and 44 of an IPv6 one.
count_keepalives() {
	tc -n "$1" qdisc add dev veth0 clsact
	tc -n "$1" filter add dev veth0 egress protocol ip prio 1 u32 \
		match ip protocol 17 0xff match u16 40 0xffff at 24 action pass
	tc -n "$1" filter add dev veth0 egress protocol ipv6 prio 2 u32 \
		match ip6 protocol 17 0xff match u16 40 0xffff at 44 action pass
}

# keepalives NS: how many keepalives NS has sent (count_keepalives).
keepalives() {
	tc -n "$1" -s filter show dev veth0 egress |
		awk '/Sent [0-9]+ bytes [0-9]+ pkt/ { n += $4 } END { print n + 0 }'
}

# link_counters NS: tx packets, tx bytes, rx packets, rx bytes of wg0 in NS.
link_counters() {
	ip -n "$1" -s -j link show wg0 |
		jq -r '.[0].stats64 | "\(.tx.packets) \(.tx.bytes) \(.rx.packets) \(.rx.bytes)"'
}

# counters NS BEFORE: what wg0 in NS counted since link_counters and
# keepalives gave BEFORE, then its (fresh) peer's received and sent bytes,
# each with the keepalives sent since taken out (one packet and 32 bytes
# each); then the number of those keepalives. The reads are taken again if
# a keepalive went out between them.
counters() {
	local now=() old=() peer=() k

	read -r -a old <<< "$2"
	k=$(keepalives "$1")
	while :; do
		read -r -a now < <(link_counters "$1")
		read -r -a peer < <(ip netns exec "$1" "$(tool "$1")" show wg0 transfer |
			cut -f2,3)
		now+=("$(keepalives "$1")")
		((now[4] == k)) && break
		k=${now[4]}
	done
	k=$((k - old[4]))
	echo "$((now[0] - old[0] - k)) $((now[1] - old[1] - 32 * k))" \
		"$((now[2] - old[2])) $((now[3] - old[3]))" \
		"${peer[0]} $((peer[1] - 32 * k)) keepalives $k"
}

tunnel n1 n2 wgtun 1
tunnel n3 n4 wireguard 3
count_keepalives n1
count_keepalives n3

fail=0
for outer in 4 6; do
	peers n1 n2 "$outer"
	peers n3 n4 "$outer"
	# What each link counts from its fresh peers to right after the pings,
	# but for keepalives: both tunnels carry the same handshake and pings,
	# and a passive keepalive (10 s after the last answer when nothing was
	# sent) goes out only where a slow guest is slow enough, so each side's
	# keepalives are counted on the wire and left out.
	before="$(link_counters n1) $(keepalives n1)"
	ip netns exec n1 ping -q -c "$pings" -s "$size" -i 0.05 -W "$(scaled 5)" 10.1.0.2 \
		> /dev/null || die "pings through wgtun over IPv$outer"
	got=$(counters n1 "$before")
	unpeer n1 n2
	before="$(link_counters n3) $(keepalives n3)"
	ip netns exec n3 ping -q -c "$pings" -s "$size" -i 0.05 -W "$(scaled 5)" 10.3.0.2 \
		> /dev/null || die "pings through the in-tree module over IPv$outer"
	want=$(counters n3 "$before")
	unpeer n3 n4
	log "outer IPv$outer: tx packets, tx bytes, rx packets, rx bytes, peer rx bytes," \
		"peer tx bytes (keepalives left out): wgtun $got, in-tree $want"
	[[ ${got% keepalives *} == "${want% keepalives *}" ]] ||
		{ echo "FAIL: counters differ after outer IPv$outer"; fail=1; }
done
((!fail)) || die "wgtun's interface counters differ from the in-tree module's"

# The keepalive count sees keepalives, over either outer family: a
# persistent keepalive every second from n1.
ka_more_than() { (($(keepalives n1) > $1)); }
for outer in 4 6; do
	peers n1 n2 "$outer"
	n=$(keepalives n1)
	n1 wgctl set wg0 peer "$(wg pubkey < "$tmp/n2.key")" persistent-keepalive 1
	wait_for 20 ka_more_than "$((n + 1))" ||
		die "no keepalives counted over outer IPv$outer ($n before, $(keepalives n1) now)"
	unpeer n1 n2
done
log ok
