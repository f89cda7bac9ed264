#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# `wgctl monitor` shows the protocol events of a scripted scenario
# (handshake, endpoint learned and changed by roaming, peer alive and dead,
# carrier), and nothing at all while a stranger sends garbage or handshakes
# with a key wgtun does not know.
#
#   n3 (stranger) veth31 203.0.113.3 ---- veth13 203.0.113.1  n1 wg0 (wgtun, :51820)
#                                                                |  no endpoint for n2
#   n2 wg0 (wgtun, :51821 then :51822) veth2 198.51.100.2 ------ veth1 198.51.100.1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"
. "$(dirname "$0")/../routing.sh"

ix_setup wgtun
setup_netns n3
ip link add veth13 netns n1 type veth peer name veth31 netns n3
n1 ip addr add 203.0.113.1/24 dev veth13
n3 ip addr add 203.0.113.3/24 dev veth31
n1 ip link set veth13 up
n3 ip link set veth31 up

mon=$RT_TMP/mon.json
# Not through n1(): $! must be the monitor itself.
ip netns exec n1 wgctl monitor wg0 --json > "$mon" 2>&1 &
on_exit "kill $! 2>/dev/null"
ip netns exec n1 wgctl monitor wg0 > "$RT_TMP/mon.txt" 2>&1 &
on_exit "kill $! 2>/dev/null"
sleep 1
n1 wgctl set wg0 carrier-follows-peers on liveness-timeout 3

# has EVENT [JQ-CONDITION]: the monitor printed such an event for n2's key.
has() {
	jq -s -e --arg e "$1" --arg p "$IX_PUB2" \
		"any(.[]; .event == \$e and (.peer == \$p or .peer == null) and (${2:-true}))" \
		"$mon" > /dev/null
}
want() {
	wait_for 15 has "$@" || die "no '$1' event${2:+ with $2}: $(cat "$mon")"
}

log "remote-access style: n1 knows no endpoint, n2 initiates"
n1 wgctl set wg0 peer "$IX_PUB2" allowed-ips 0.0.0.0/0,::/0 persistent-keepalive 1
n2 wgctl set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820 \
	allowed-ips 0.0.0.0/0,::/0 persistent-keepalive 1
want peer-added
want handshake
want endpoint '.endpoint == "198.51.100.2:51821"'
want peer-alive
want carrier '.carrier == true'

log "n2 roams to another port"
n2 wgctl set wg0 listen-port 51822
want endpoint '.endpoint == "198.51.100.2:51822"'

log "n2 vanishes"
n2 ip link set wg0 down
want peer-dead
want carrier '.carrier == false'
cat "$RT_TMP/mon.txt"
grep -Fq "wg0: handshake peer $IX_PUB2" "$RT_TMP/mon.txt" || die "text monitor lacks the handshake"
grep -Eq "^wg0: carrier down$" "$RT_TMP/mon.txt" || die "text monitor lacks 'carrier down'"

log "a stranger: garbage, forged headers, a handshake with an unknown key"
sleep 2
n0=$(wc -l < "$mon")
drops0=$(n1 wgctl show wg0 --json | jq '[.drops[]] | add')
# stranger_send TYPE LEN: a datagram of LEN bytes, message type TYPE, random rest.
stranger_send() {
	{ printf "\\x$1\\x00\\x00\\x00"; head -c $(($2 - 4)) /dev/urandom; } |
		n3 socat -u - UDP4-SENDTO:203.0.113.1:51820
}
for ((k = 0; k < 5; k++)); do
	head -c 100 /dev/urandom | n3 socat -u - UDP4-SENDTO:203.0.113.1:51820
	stranger_send 01 148
	stranger_send 02 92
	stranger_send 03 64
	stranger_send 04 96
done
# A real WireGuard handshake from a key n1 has never heard of.
n3 ip link add wgs type wgtun
n3 wgctl set wgs private-key <(wg genkey) listen-port 51900 \
	peer "$IX_PUB1" endpoint 203.0.113.1:51820 allowed-ips 0.0.0.0/0 persistent-keepalive 1
n3 ip addr add 10.99.0.3/24 dev wgs
n3 ip link set wgs up
n3 ping -q -c 6 -i 1 -W 1 10.99.0.1 > /dev/null 2>&1 || true
n3 wgctl show wgs --json | jq -e '.peers[0].latest_handshake == 0' > /dev/null ||
	die "the stranger completed a handshake"
sleep 1
drops1=$(n1 wgctl show wg0 --json | jq '[.drops[]] | add')
log "n1 drops before a peer was known: $drops0 -> $drops1"
((drops1 >= drops0 + 20)) || die "the stranger's packets did not reach n1 ($drops0 -> $drops1)"
m1=$(wc -l < "$mon")
((m1 == n0)) || die "the stranger caused events: $(tail -n "+$((n0 + 1))" "$mon")"
# Checked last, so that a wrong order hides nothing else: the handshake is
# reported before the peer turns alive, alive before dead, carrier up before down.
order=$(jq -r 'select(.event != "peer-added") | .event + (if .carrier == null then "" else
	(if .carrier then "-up" else "-down" end) end)' "$mon" | awk '!seen[$0]++' | paste -sd' ')
log "order: $order"
[[ $order =~ handshake.*peer-alive.*peer-dead ]] || die "event order: $order"
# Carrier may go down once first (the option turned on with no peer alive).
carriers=$(jq -r 'select(.event == "carrier") | if .carrier then "up" else "down" end' "$mon" |
	paste -sd' ')
log "carrier: $carriers"
[[ $carriers =~ up.*down ]] || die "carrier order: $carriers"
log ok
