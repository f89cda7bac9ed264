#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgctl monitor` prints administrative peer events as they happen, one line
# each, in text and JSON, filtered by interface when one is named, and is
# usable by an unprivileged user.
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

wgctl monitor --json > "$tmp/all.json" &
mon_all=$!
on_exit "kill $mon_all 2>/dev/null"
setpriv --reuid=65534 --regid=65534 --clear-groups wgctl monitor wgt0 > "$tmp/wgt0.txt" &
mon_one=$!
on_exit "kill $mon_one 2>/dev/null"
sleep 1	# both have joined the group
kill -0 $mon_all || die "monitor --json exited"
kill -0 $mon_one || die "unprivileged monitor exited"

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
wait_for 5 has_json wgt0 peer-added "$p1" || die "no peer-added: $(cat "$tmp/all.json")"
wait_for 5 has_json wgt0 peer-changed "$p1" || die "no peer-changed: $(cat "$tmp/all.json")"
wait_for 5 has_json wgt0 peer-removed "$p1" || die "no peer-removed: $(cat "$tmp/all.json")"
wait_for 5 has_json wgt1 peer-added "$p2" || die "no wgt1 event: $(cat "$tmp/all.json")"
jq -s -e 'any(.[]; .event == "peer-added" and .interface == "wgt0" and
	.endpoint == "192.0.2.1:51820")' "$tmp/all.json" > /dev/null ||
	die "peer-added lacks the endpoint: $(cat "$tmp/all.json")"

wait_for 5 grep -q "^wgt0: peer-removed peer $p1" "$tmp/wgt0.txt" ||
	die "text monitor: $(cat "$tmp/wgt0.txt")"
grep -q "^wgt0: peer-added peer $p1 192.0.2.1:51820$" "$tmp/wgt0.txt" ||
	die "text line format: $(cat "$tmp/wgt0.txt")"
grep -q wgt1 "$tmp/wgt0.txt" && die "monitor wgt0 printed wgt1 events: $(cat "$tmp/wgt0.txt")"
[[ $(grep -c . "$tmp/wgt0.txt") -ge 3 ]] || die "text monitor lines: $(cat "$tmp/wgt0.txt")"

rc=0
wgctl monitor lo 2> "$tmp/err" || rc=$?
[[ $rc -ne 0 ]] && grep -q "No such device" "$tmp/err" || die "monitor lo: $(cat "$tmp/err")"
log "ok"
