# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Two namespaces joined by a veth, a tunnel between them: wgtun in n1, the
# peer under test in n2 (in-tree wireguard, wireguard-go, or wgtun again).
#
#   n1                                        n2
#   wg0 (wgtun)  192.0.2.1/24              wg0 (KIND)  192.0.2.2/24
#                2001:db8:2::1/64                      2001:db8:2::2/64
#   veth1  198.51.100.1/24 ------------- veth2  198.51.100.2/24
#          2001:db8:1::1/64                     2001:db8:1::2/64
#
# Source after lib.sh.  KIND is "intree", "wggo" or "wgtun".

IX_TMP=$(mktemp -d)
on_exit "rm -rf $IX_TMP"

# ix_tool NS: the configuration tool for the tunnel in NS.
ix_tool() {
	if [[ $1 == n1 || $IX_KIND == wgtun ]]; then echo wgctl; else echo wg; fi
}

ix_setup() {
	IX_KIND=$1
	setup_netns n1 n2
	ip link add veth1 netns n1 type veth peer name veth2 netns n2
	n1 ip addr add 198.51.100.1/24 dev veth1
	n2 ip addr add 198.51.100.2/24 dev veth2
	n1 ip addr add 2001:db8:1::1/64 dev veth1 nodad
	n2 ip addr add 2001:db8:1::2/64 dev veth2 nodad
	n1 ip link set veth1 up
	n2 ip link set veth2 up

	n1 ip link add wg0 type wgtun
	case $IX_KIND in
	intree) n2 ip link add wg0 type wireguard ;;
	wgtun) n2 ip link add wg0 type wgtun ;;
	wggo)
		mkdir -p /var/run/wireguard
		n2 env WG_PROCESS_FOREGROUND=1 wireguard-go wg0 > "$IX_TMP/wggo.log" 2>&1 &
		on_exit "kill $! 2>/dev/null; wait 2>/dev/null"
		wait_for 10 n2 test -S /var/run/wireguard/wg0.sock || die "wireguard-go did not start"
		;;
	*) die "unknown peer kind $IX_KIND" ;;
	esac
	n1 ip addr add 192.0.2.1/24 dev wg0
	n2 ip addr add 192.0.2.2/24 dev wg0
	n1 ip addr add 2001:db8:2::1/64 dev wg0 nodad
	n2 ip addr add 2001:db8:2::2/64 dev wg0 nodad

	umask 077
	wg genkey > "$IX_TMP/k1"
	wg genkey > "$IX_TMP/k2"
	IX_PUB1=$(wg pubkey < "$IX_TMP/k1")
	IX_PUB2=$(wg pubkey < "$IX_TMP/k2")
	n1 wgctl set wg0 private-key "$IX_TMP/k1" listen-port 51820
	n2 "$(ix_tool n2)" set wg0 private-key "$IX_TMP/k2" listen-port 51821
	n1 ip link set wg0 up
	n2 ip link set wg0 up
}

# ix_peers OUTER [PSK1 [PSK2]]: (re)configure both peers for outer family
# 4 or 6, each side with its own preshared-key file (none if empty).
ix_peers() {
	local outer=$1 psk1=${2:-} psk2=${3:-${2:-}} a1 a2

	if [[ $outer == 4 ]]; then
		a1=198.51.100.1 a2=198.51.100.2
	else
		a1=[2001:db8:1::1] a2=[2001:db8:1::2]
	fi
	n1 wgctl set wg0 peer "$IX_PUB2" remove
	n2 "$(ix_tool n2)" set wg0 peer "$IX_PUB1" remove
	n1 wgctl set wg0 peer "$IX_PUB2" ${psk1:+preshared-key "$psk1"} endpoint "$a2:51821" \
		allowed-ips 192.0.2.2/32,2001:db8:2::2/128
	n2 "$(ix_tool n2)" set wg0 peer "$IX_PUB1" ${psk2:+preshared-key "$psk2"} endpoint "$a1:51820" \
		allowed-ips 192.0.2.1/32,2001:db8:2::1/128
}

# ix_ping FROM DST: a few pings get through (the first may wait for a handshake).
ix_ping() {
	# The wait covers a handshake first, slow under the debug kernel.
	ip netns exec "$1" ping -q -c 3 -i 0.3 -W "$(scaled 5)" "$2" > /dev/null
}

# ix_noping FROM DST: nothing gets through within a few seconds.
ix_noping() {
	! ip netns exec "$1" ping -q -c 2 -i 0.5 -W 2 "$2" > /dev/null
}

# ix_transfer FROM TO DST: send IX_BYTES (2 MiB: about 1,500 full-size
# packets, TCP at full window, GSO and GRO at work) of random data over TCP
# from FROM to a listener in TO at DST; the sha256 must match at both ends.
# The data is made once per test; the sender retries its connect until the
# listener is up.
IX_BYTES=$((2 << 20))
ix_transfer() {
	local from=$1 to=$2 dst=$3 port=$((20000 + RANDOM % 10000)) got v connect

	if [[ ! -f $IX_TMP/in ]]; then
		head -c "$IX_BYTES" /dev/urandom > "$IX_TMP/in"
		IX_SENT=$(sha256sum < "$IX_TMP/in")
	fi
	rm -f "$IX_TMP/out"
	if [[ $dst == *:* ]]; then
		v=6 connect="TCP6:[$dst]:$port"
	else
		v=4 connect="TCP4:$dst:$port"
	fi
	ip netns exec "$to" socat -u "TCP$v-LISTEN:$port,reuseaddr" "OPEN:$IX_TMP/out,creat,trunc" &
	local listener=$!
	ip netns exec "$from" timeout "$(scaled 120)" \
		socat -u "OPEN:$IX_TMP/in" "$connect,retry=50,interval=0.1"
	wait "$listener"
	got=$(sha256sum < "$IX_TMP/out")
	assert_eq "$got" "$IX_SENT" "sha256 of $IX_BYTES bytes $from -> $to ($dst)"
}

# ix_handshakes NS: latest handshake time of the single peer in NS (0 = none).
ix_handshake() {
	ip netns exec "$1" "$(ix_tool "$1")" show wg0 latest-handshakes | awk '{ print $2 }'
}

# ix_suite: the full matrix for the peer configured by ix_setup.
ix_suite() {
	local outer

	for outer in 4 6; do
		log "outer IPv$outer, no preshared key, wgtun initiates"
		ix_peers "$outer"
		ix_ping n1 192.0.2.2 || die "IPv4 ping n1->n2 over IPv$outer"
		[[ $(ix_handshake n1) != 0 ]] || die "no handshake recorded on wgtun"
		ix_ping n1 2001:db8:2::2 || die "IPv6 ping n1->n2 over IPv$outer"
		ix_transfer n1 n2 192.0.2.2
		ix_transfer n2 n1 2001:db8:2::1

		log "outer IPv$outer, no preshared key, the peer initiates"
		ix_peers "$outer"
		ix_ping n2 2001:db8:2::1 || die "IPv6 ping n2->n1 over IPv$outer"
		ix_ping n2 192.0.2.1 || die "IPv4 ping n2->n1 over IPv$outer"
		ix_transfer n2 n1 192.0.2.1
		ix_transfer n1 n2 2001:db8:2::2
	done

	log "preshared key"
	wg genpsk > "$IX_TMP/psk"
	ix_peers 4 "$IX_TMP/psk"
	ix_ping n1 192.0.2.2 || die "ping with a preshared key"
	ix_transfer n2 n1 192.0.2.1
	ix_peers 6 "$IX_TMP/psk"
	ix_ping n2 2001:db8:2::1 || die "ping with a preshared key, peer initiating"

	log "mismatched preshared key must not connect"
	wg genpsk > "$IX_TMP/psk2"
	ix_peers 4 "$IX_TMP/psk" "$IX_TMP/psk2"
	ix_noping n1 192.0.2.2 || die "connected with mismatched preshared keys"
	[[ $(ix_handshake n1) == 0 ]] || die "handshake completed with mismatched preshared keys"
	ix_noping n2 192.0.2.1 || die "connected with mismatched keys, peer initiating"
}

# ix_json NS: `wgctl show wg0 --json` of NS, as one interface object.
ix_json() {
	ip netns exec "$1" wgctl show wg0 --json | jq -c 'if type == "array" then .[0] else . end'
}

# ix_peer_drop NS REASON: the single peer's drop counter for REASON
# (malformed, decrypt, replay, source, no_session, no_endpoint, ...).
ix_peer_drop() {
	ix_json "$1" | jq -r ".peers[0].drops.$2"
}

# ix_endpoint NS: the single peer's endpoint as wgctl shows it.
ix_endpoint() {
	ip netns exec "$1" wgctl show wg0 endpoints | awk '{ print $2 }'
}
