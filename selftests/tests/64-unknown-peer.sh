#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
#
# Unknown-peer events (`wgctl set wg0 unknown-peer-events on`) and the
# worked example of docs/routing.md, tools/wgctl/examples/admit-peers, with
# a real in-tree WireGuard client whose key wgtun does not know.
#
#   n1                                         n2
#   wg0 (wgtun, :51820, no peer) 192.0.2.1     wg0 (in-tree client) 192.0.2.2
#   veth1 198.51.100.1 ---------------------- veth2 198.51.100.2 (:51821)
#                                              wgpeer.py strangers (flood)
#
# 1. Option off: the client's initiations reach wgtun (its handshake drop
#    counter grows) and no event is sent.
# 2. Option on, admit-peers following the events with the client's [Peer]
#    in its allow-list directory: the event carries the client's key and
#    198.51.100.2:51821, the script adds the peer, the client's next retry
#    completes the handshake and the tunnel carries pings.  No unknown-peer
#    event names the client's key after it was added.
# 3. A flood of initiations from a few hundred distinct unknown keys: the
#    events stay within the interface's budget (uapi: 10 a second after a
#    burst of 10), and none names a known key: the client's key, knocking
#    right after the flood, is answered with a handshake response.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

RATE=10	# WGTUN_UNKNOWN_PEER_EVENTS_PER_SECOND
STRANGERS=200
repo=$(cd "$(dirname "$0")/../.." && pwd)
mon=$IX_TMP/mon.json

ix_setup intree
n2 wg set wg0 peer "$IX_PUB1" endpoint 198.51.100.1:51820 allowed-ips 192.0.2.1/32
ip netns exec n1 wgctl monitor wg0 --json > "$mon" 2>&1 &
on_exit "kill $! 2>/dev/null"

# handshake_drops: n1's interface-wide drops of initiations that did not authenticate.
handshake_drops() {
	n1 wgctl show wg0 --json | jq '.drops.handshake'
}
# unknown_events [JQ-CONDITION]: unknown-peer events so far that meet the condition.
unknown_events() {
	jq -s "[.[] | select(.event == \"unknown-peer\" and (${1:-true}))] | length" "$mon"
}
# client_knocks: the client has something to send, so it initiates (and
# retries every 5 s while it is not answered).
client_knocks() {
	n2 ping -c 1 -W 1 192.0.2.1 > /dev/null 2>&1 || true
}

log "option off: the client's initiations are refused without an event"
[[ $(n1 wgctl show wg0 --json | jq '.unknown_peer_events') == false ]] ||
	die "unknown-peer events are on by default"
d0=$(handshake_drops)
client_knocks
wait_for 30 test "$(handshake_drops)" -gt "$d0" || die "no initiation reached wgtun"
assert_eq "$(unknown_events)" 0 "unknown-peer events with the option off"

log "option on, admit-peers following the events"
mkdir "$IX_TMP/allowed"
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 192.0.2.2/32\n' "$IX_PUB2" > "$IX_TMP/allowed/n2.conf"
ip netns exec n1 "$repo/tools/wgctl/examples/admit-peers" wg0 "$IX_TMP/allowed" \
	> "$IX_TMP/admit.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
n1 wgctl set wg0 unknown-peer-events on
n1 wgctl show wg0 | matches "unknown peer events: on" || die "wgctl show lacks the option"
n1 wgctl showconf wg0 | matches -x "UnknownPeerEvents = on" || die "showconf lacks the option"
client_knocks
# The client retries every 5 s: the first retry after the event completes.
has_peer() {
	[[ $(n1 wgctl show wg0 peers) == "$IX_PUB2" ]]
}
wait_for 60 has_peer || die "admit-peers did not add the client: $(cat "$IX_TMP/admit.log")"
assert_eq "$(unknown_events '.peer == "'"$IX_PUB2"'" and .endpoint == "198.51.100.2:51821"')" \
	"$(unknown_events)" "events naming the client's key and endpoint, of all events"
cat "$IX_TMP/admit.log"
handshake_done() {
	[[ $(n1 wgctl show wg0 latest-handshakes | awk '{ print $2 }') != 0 ]]
}
client_knocks
wait_for 60 handshake_done || die "the client's retry did not complete a handshake"
assert_eq "$(n1 wgctl show wg0 endpoints | awk '{ print $2 }')" "198.51.100.2:51821" \
	"endpoint learned from the client's handshake"
ix_ping n2 192.0.2.1 || die "no traffic over the admitted peer"
# Nothing names the client once it was added: its events all precede peer-added.
late=$(jq -s --arg p "$IX_PUB2" '(map(.event == "peer-added" and .peer == $p) | index(true)) as $i |
	[.[$i:][] | select(.event == "unknown-peer" and .peer == $p)] | length' "$mon")
assert_eq "$late" 0 "unknown-peer events for the client after it was added"

log "a flood from $STRANGERS unknown keys, and initiations from the known one"
wgpeer=(/usr/bin/python3 "$repo/selftests/tools/wgpeer.py")
at_wg0=(--peer-pub "$IX_PUB1" --dst 198.51.100.1 --port 51820)
"${wgpeer[@]}" strangers "${at_wg0[@]}" --count "$STRANGERS" --out "$IX_TMP/pool"
n0=$(unknown_events)
k0=$(unknown_events '.peer == "'"$IX_PUB2"'"')
d0=$(handshake_drops)
t0=$EPOCHREALTIME
n2 "${wgpeer[@]}" strangers "${at_wg0[@]}" --pool "$IX_TMP/pool"
# Each ends as a handshake drop (unknown key) or, once wgtun sees a flood,
# as a cookie reply or a rate-limited drop; wait until none is left queued.
settled() {
	local a b

	a=$(n1 wgctl show wg0 --json | jq '.drops.handshake + .drops.ratelimited + .drops.queue_full')
	sleep 1
	b=$(n1 wgctl show wg0 --json | jq '.drops.handshake + .drops.ratelimited + .drops.queue_full')
	((a == b && b > d0))
}
wait_for 120 settled || die "the flood did not reach wgtun"
t1=$EPOCHREALTIME
# The known key is answered with a handshake response (at its sender, not the
# client), never an event.  It retries a lost answer: the client's own
# keepalive may move the endpoint back between wgtun's taking the initiation
# and its sending the response.
knock=$(n2 "${wgpeer[@]}" knock "${at_wg0[@]}" --key "$IX_TMP/k2" --count 3 \
	--timeout "$(scaled 5)")
log "the known key: $knock"
[[ $(jq .answered <<< "$knock") == true ]] || die "the known key's initiations were not answered"
events_grew() {
	(($(unknown_events) > n0))
}
wait_for 10 events_grew || die "the flood caused no event at all"
got=$(($(unknown_events) - n0))
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { s = b - a; print int(s) + (s > int(s)) }')
budget=$((RATE + RATE * secs))
log "$got unknown-peer events for $STRANGERS strangers in ${secs}s (budget $budget);" \
	"handshake drops +$(($(handshake_drops) - d0))"
((got <= budget)) || die "$got events in ${secs}s, over the budget of $budget"
((got < STRANGERS)) || die "every stranger caused an event: no bound"
assert_eq "$(unknown_events '.peer == "'"$IX_PUB2"'"')" "$k0" \
	"unknown-peer events for the client's key, after the known-key initiations"
log ok
