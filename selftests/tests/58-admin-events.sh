#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# tier: core
#
# Administrative events are never lost to the per-peer event budget: a peer
# whose own packets keep its budget empty (authentic keepalives, each from
# another source port, so each one moves its endpoint) is changed and then
# removed while it floods, and `wgctl monitor` shows both.
#
#   n1: wg0 (wgtun, 127.0.0.1:51820) <--- keepalives from 64 ports --- wgpeer.py
. "$(dirname "$0")/../lib.sh"

wgpeer=$(dirname "$0")/../tools/wgpeer.py
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
setup_netns n1
n1 ip link set lo up

umask 077
wg genkey > "$tmp/k1"
wg genkey > "$tmp/k2"
pub1=$(wg pubkey < "$tmp/k1")
pub2=$(wg pubkey < "$tmp/k2")
n1 ip link add wg0 type wgtun
n1 wgctl set wg0 private-key "$tmp/k1" listen-port 51820 peer "$pub2" allowed-ips 10.0.0.2/32
n1 ip link set wg0 up

ip netns exec n1 wgctl monitor wg0 > "$tmp/events.txt" 2> "$tmp/monitor.err" &
monitor=$!
on_exit "kill $monitor 2>/dev/null"
sleep 1	# the monitor has joined the group
kill -0 $monitor || die "monitor exited: $(cat "$tmp/monitor.err")"

# events NAME: how many NAME events for pub2 the monitor printed.
events() { grep -c -F "wg0: $1 peer $pub2" "$tmp/events.txt" || true; }
at_least() { (($(events "$1") >= $2)); }

ip netns exec n1 python3 "$wgpeer" roam --key "$tmp/k2" --peer-pub "$pub1" --dst 127.0.0.1 \
	--port 51820 --ready "$tmp/ready" --stop "$tmp/stop" > "$tmp/peer.json" 2> "$tmp/peer.err" &
peer=$!
on_exit "touch $tmp/stop; kill $peer 2>/dev/null"
wait_for "$(scaled 20)" test -e "$tmp/ready" || die "no handshake: $(cat "$tmp/peer.err")"
# The burst (20) goes first; past 30 the peer has been over the refill rate for a while.
wait_for "$(scaled 20)" at_least endpoint 30 || die "endpoint events: $(events endpoint)"

log "change and remove the peer while its keepalives keep its event budget empty"
n1 wgctl set wg0 peer "$pub2" persistent-keepalive 7
n1 wgctl set wg0 peer "$pub2" remove
touch "$tmp/stop"
wait "$peer" || die "wgpeer.py failed: $(cat "$tmp/peer.err")"
log "keepalives sent: $(jq .keepalives "$tmp/peer.json"), endpoint events: $(events endpoint)"
(($(jq .keepalives "$tmp/peer.json") > $(events endpoint) + 20)) ||
	die "the budget did not limit the peer's events (nothing to prove)"

fail=0
wait_for 5 at_least peer-changed 1 || { echo "FAIL: no peer-changed event"; fail=1; }
wait_for 5 at_least peer-removed 1 || { echo "FAIL: no peer-removed event"; fail=1; }
((!fail)) || die "administrative events lost to the event budget"
log ok
