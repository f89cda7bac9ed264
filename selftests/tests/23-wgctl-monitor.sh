#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# `wgctl monitor` prints peer events as they happen, one line each, in text
# (with -t, each after its time) and JSON (its time a field), filtered by
# interface when one is named, refused to an
# unprivileged user with a clear message: administrative changes, then over a
# tunnel the handshake, endpoint, liveness and carrier events.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"
ip link add wgt0 type wgtun
on_exit "ip link del wgt0"
ip link add wgt1 type wgtun
on_exit "ip link del wgt1"
wgctl set wgt0 private-key <(wg genkey)

p1=$(wg genkey | wg pubkey)
p2=$(wg genkey | wg pubkey)

# Started directly (not through a shell function) so that $! is wgctl itself
# and the clean-up really stops it.
wgctl monitor --json > "$tmp/all.json" 2> "$tmp/all.err" &
mon_all=$!
on_exit "kill $mon_all 2>/dev/null"
wgctl monitor wgt0 > "$tmp/wgt0.txt" 2> "$tmp/wgt0.err" &
mon_one=$!
on_exit "kill $mon_one 2>/dev/null"
wgctl monitor -t wgt0 > "$tmp/wgt0-t.txt" 2> "$tmp/wgt0-t.err" &
mon_ts=$!
on_exit "kill $mon_ts 2>/dev/null"
sleep 1	# all three have joined the group
kill -0 $mon_ts || die "monitor -t wgt0 exited"
kill -0 $mon_all || die "monitor --json exited"
kill -0 $mon_one || die "monitor wgt0 exited"
for what in "" wgt0; do
	rc=0
	# shellcheck disable=SC2086 # no word for all interfaces
	timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups wgctl monitor $what \
		> "$tmp/nobody.txt" 2> "$tmp/nobody.err" || rc=$?
	((rc != 0 && rc != 124)) || die "unprivileged monitor $what not refused (exit $rc)"
	grep -q "needs CAP_NET_ADMIN.*(Operation not permitted)" "$tmp/nobody.err" ||
		die "unprivileged monitor $what: $(cat "$tmp/nobody.err")"
done

wgctl set wgt0 peer "$p1" allowed-ips 10.1.0.0/16 endpoint 192.0.2.1:51820
wgctl set wgt0 peer "$p1" persistent-keepalive 25
wgctl set wgt1 peer "$p2" allowed-ips 10.2.0.0/16
wgctl set wgt0 peer "$p1" remove

# has_json IFACE EVENT PEER: such an event was printed (jq -s: one array of all).
has_json() {
	jq -s -e --arg i "$1" --arg e "$2" --arg p "$3" \
		'any(.[]; .interface == $i and .event == $e and .peer == $p)' "$tmp/all.json" \
		> /dev/null
}
wait_for 30 has_json wgt0 peer-added "$p1" || die "no peer-added: $(cat "$tmp/all.json")"
wait_for 30 has_json wgt0 peer-changed "$p1" || die "no peer-changed: $(cat "$tmp/all.json")"
wait_for 30 has_json wgt0 peer-removed "$p1" || die "no peer-removed: $(cat "$tmp/all.json")"
wait_for 30 has_json wgt1 peer-added "$p2" || die "no wgt1 event: $(cat "$tmp/all.json")"
jq -s -e 'any(.[]; .event == "peer-added" and .interface == "wgt0" and
	.endpoint == "192.0.2.1:51820")' "$tmp/all.json" > /dev/null ||
	die "peer-added lacks the endpoint: $(cat "$tmp/all.json")"

wait_for 30 grep -q "^wgt0: peer-removed peer $p1" "$tmp/wgt0.txt" ||
	die "text monitor: $(cat "$tmp/wgt0.txt")"
grep -q "^wgt0: peer-added peer $p1 192.0.2.1:51820$" "$tmp/wgt0.txt" ||
	die "text line format: $(cat "$tmp/wgt0.txt")"
grep -q wgt1 "$tmp/wgt0.txt" && die "monitor wgt0 printed wgt1 events: $(cat "$tmp/wgt0.txt")"
[[ $(grep -c . "$tmp/wgt0.txt") -ge 3 ]] || die "text monitor lines: $(cat "$tmp/wgt0.txt")"
# RFC 3339 with microseconds and the zone's offset, as the lines' times.
rfc3339='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}'
wait_for 30 grep -q "peer-removed peer $p1" "$tmp/wgt0-t.txt" ||
	die "monitor -t: $(cat "$tmp/wgt0-t.txt")"
grep -Eq "^\[$rfc3339\] wgt0: peer-added peer ${p1//+/\\+} 192.0.2.1:51820$" \
	"$tmp/wgt0-t.txt" || die "monitor -t line format: $(cat "$tmp/wgt0-t.txt")"
grep -Evq "^\[$rfc3339\] wgt0: " "$tmp/wgt0-t.txt" &&
	die "monitor -t line without its time: $(cat "$tmp/wgt0-t.txt")"
jq -s -e --arg re "^$rfc3339$" 'all(.[]; .time | test($re))' "$tmp/all.json" > /dev/null ||
	die "JSON event without its time: $(cat "$tmp/all.json")"
t=$(jq -r 'select(.event == "peer-added") | .time' "$tmp/all.json" | sed -n 1p)
now=$(date +%s)
(($(date -d "$t" +%s) >= now - 600 && $(date -d "$t" +%s) <= now)) ||
	die "JSON event time $t is not the time of the event (now $(date -Iseconds))"

log "packet events over a tunnel: handshake, endpoint, alive, carrier, dead"
#   n1: wgt0 10.0.0.1 --- v1 192.168.51.1 === v2 192.168.51.2 --- wgt0 10.0.0.2 :n2
setup_netns n1 n2
ip link add v1 netns n1 type veth peer name v2 netns n2
n1 ip addr add 192.168.51.1/24 dev v1
n2 ip addr add 192.168.51.2/24 dev v2
n1 ip link set v1 up
n2 ip link set v2 up
k1=$(wg genkey)
k2=$(wg genkey)
n1 ip link add wgt0 type wgtun
n2 ip link add wgt0 type wgtun
# Keepalives every second keep the quiet peer alive within the 3 s timeout.
n1 wgctl set wgt0 private-key <(echo "$k1") listen-port 51001 carrier-follows-peers on \
	liveness-timeout 3 peer "$(echo "$k2" | wg pubkey)" allowed-ips 10.0.0.2/32 \
	persistent-keepalive 1
n2 wgctl set wgt0 private-key <(echo "$k2") listen-port 51002 \
	peer "$(echo "$k1" | wg pubkey)" allowed-ips 10.0.0.1/32 endpoint 192.168.51.1:51001 \
	persistent-keepalive 1
n1 ip addr add 10.0.0.1/24 dev wgt0
n2 ip addr add 10.0.0.2/24 dev wgt0
# The monitor listens before anything can happen.
ip netns exec n1 wgctl monitor --json > "$tmp/n1.json" 2> "$tmp/n1.err" &
mon_n1=$!
on_exit "kill $mon_n1 2>/dev/null"
sleep 1
n1 ip link set wgt0 up
n2 ip link set wgt0 up
log "ping from n2 through the tunnel"
n2 ping -c 2 -W 5 10.0.0.1 > /dev/null || die "no ping through the tunnel"
p2=$(echo "$k2" | wg pubkey)
has_n1() {
	jq -s -e --arg e "$1" --arg p "$p2" 'any(.[]; .interface == "wgt0" and .event == $e and
		.peer == $p)' "$tmp/n1.json" > /dev/null
}
log "events: $(jq -r .event "$tmp/n1.json" | tr '\n' ' ')"
wait_for 10 has_n1 handshake || die "no handshake event: $(cat "$tmp/n1.json")"
wait_for 10 has_n1 peer-alive || die "no peer-alive event: $(cat "$tmp/n1.json")"
carrier_is() {
	jq -s -e --argjson c "$1" '[.[] | select(.event == "carrier")] | last | .carrier == $c' \
		"$tmp/n1.json" > /dev/null
}
wait_for 10 carrier_is true || die "no carrier-up event: $(cat "$tmp/n1.json")"
sleep 5
carrier_is true || die "carrier went down although keepalives flow: $(cat "$tmp/n1.json")"
log "underlay down: the peer dies, carrier goes"
n2 ip link set v2 down
wait_for 30 has_n1 peer-dead || die "no peer-dead event: $(cat "$tmp/n1.json")"
wait_for 10 carrier_is false || die "no carrier-down event: $(cat "$tmp/n1.json")"
n1 wgctl show wgt0 --json | jq -e '.carrier == false and .peers[0].alive == false' > /dev/null ||
	die "show disagrees with the events: $(n1 wgctl show wgt0 --json)"
# uapi: "the peer's endpoint changed (roaming or learned)"; n1 learned it.
jq -s -e 'any(.[]; .event == "endpoint" and .endpoint == "192.168.51.2:51002")' \
	"$tmp/n1.json" > /dev/null ||
	die "no endpoint event when n1 learned n2's endpoint: $(jq -r .event "$tmp/n1.json" | tr '\n' ' ')"

rc=0
wgctl monitor lo 2> "$tmp/err" || rc=$?
[[ $rc -ne 0 ]] || die "monitor lo succeeded"
grep -q "No such device" "$tmp/err" || die "monitor lo: $(cat "$tmp/err")"
log "ok"
