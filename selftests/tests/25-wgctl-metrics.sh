#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# `wgctl show all metrics` and `wgctl show IFACE metrics` over a live
# tunnel: the output passes `promtool check metrics` (names, units, HELP and
# TYPE once per family although two interfaces are shown), and its samples
# agree with `wgctl show --json`.  `wgctl --version` names the loaded module's
# version beside its own.
#
#   n1: wgt0 10.0.0.1 --- v1 192.168.52.1 === v2 192.168.52.2 --- wgt0 10.0.0.2 :n2
#   n1: wgt1 (no peers, carrier-follows-peers off)
. "$(dirname "$0")/../lib.sh"

modprobe wgtun
mapfile -t version < <(wgctl --version)
assert_eq "${version[1]}" "wgtun module $(< /sys/module/wgtun/version)" "wgctl --version"
assert_match "${version[0]}" '^wgctl [0-9A-Za-z.+~_-]+ \(wgtun control tool\)$' "wgctl --version"
command -v promtool > /dev/null || skip "no promtool (Debian package prometheus)"

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
setup_netns n1 n2
veth_keys 192.168.52
n1 ip link add wgt0 type wgtun
n1 ip link add wgt1 type wgtun
n2 ip link add wgt0 type wgtun
n1 wgctl set wgt0 private-key <(echo "$k1") listen-port 51001 carrier-follows-peers on \
	peer "$p2" allowed-ips 10.0.0.2/32
n2 wgctl set wgt0 private-key <(echo "$k2") listen-port 51002 \
	peer "$p1" allowed-ips 10.0.0.1/32 endpoint 192.168.52.1:51001
n1 ip addr add 10.0.0.1/24 dev wgt0
n2 ip addr add 10.0.0.2/24 dev wgt0
n1 ip link set wgt0 up
n1 ip link set wgt1 up
n2 ip link set wgt0 up
log "ping from n2 through the tunnel"
n2 ping -c 3 -W 5 10.0.0.1 > /dev/null || die "no ping through the tunnel"

# Counters and handshakes may move on meanwhile: each sample must lie
# between what --json showed just before and just after.
n1 wgctl show wgt0 --json > "$tmp/before.json"
n1 wgctl show all metrics > "$tmp/all.prom"
n1 wgctl show wgt0 --json > "$tmp/after.json"
promtool check metrics < "$tmp/all.prom" > "$tmp/promtool.out" 2>&1 ||
	die "promtool: $(cat "$tmp/promtool.out")"
n1 wgctl show wgt0 metrics > "$tmp/wgt0.prom"
promtool check metrics < "$tmp/wgt0.prom" > "$tmp/promtool.out" 2>&1 ||
	die "promtool (one interface): $(cat "$tmp/promtool.out")"
grep -q 'interface="wgt1"' "$tmp/wgt0.prom" && die "show wgt0 metrics shows wgt1"

# sample NAME LABELS: the value of one sample in all.prom, or nothing.
sample() {
	awk -v want="$1{$2}" '$1 == want { print $2 }' "$tmp/all.prom"
}
pl="interface=\"wgt0\",public_key=\"$p2\""
# between NAME LABELS JQ-PATH: before <= sample <= after.
between() {
	local v b a

	v=$(sample "$1" "$2")
	b=$(jq -r "$3" "$tmp/before.json")
	a=$(jq -r "$3" "$tmp/after.json")
	[[ -n $v ]] && ((b <= v && v <= a)) || die "$1{$2} is '$v', --json $b before, $a after"
}

between wgtun_peer_receive_packets_total "$pl" '.peers[0].rx_packets'
between wgtun_peer_transmit_packets_total "$pl" '.peers[0].tx_packets'
between wgtun_peer_receive_bytes_total "$pl" '.peers[0].transfer_rx'
between wgtun_peer_transmit_bytes_total "$pl" '.peers[0].transfer_tx'
between wgtun_peer_last_handshake_timestamp_seconds "$pl" '.peers[0].latest_handshake'
between wgtun_peer_drops_total "$pl,reason=\"replay\"" '.peers[0].drops.replay'
between wgtun_interface_drops_total 'interface="wgt0",reason="bad_mac"' '.drops.bad_mac'
# The pings went through: at least one packet each way.
v=$(sample wgtun_peer_receive_packets_total "$pl")
((v >= 1)) || die "receive packets: $v"
v=$(sample wgtun_peer_transmit_packets_total "$pl")
((v >= 1)) || die "transmit packets: $v"
hs=$(sample wgtun_peer_last_handshake_timestamp_seconds "$pl")
((hs > EPOCHSECONDS - 600 && hs <= EPOCHSECONDS)) || die "last handshake $hs is not recent"
assert_eq "$(sample wgtun_peer_alive "$pl")" 1 "alive"
assert_eq "$(sample wgtun_interface_carrier 'interface="wgt0"')" 1 "carrier of wgt0"
assert_eq "$(sample wgtun_interface_peers 'interface="wgt0"')" 1 "peers of wgt0"
assert_eq "$(sample wgtun_interface_peers 'interface="wgt1"')" 0 "peers of wgt1"
# Once per family, although two interfaces are shown.
assert_eq "$(grep -c '^# TYPE wgtun_interface_peers ' "$tmp/all.prom")" 1 "TYPE lines"

rc=0
n1 wgctl show v1 metrics > /dev/null 2> "$tmp/err" || rc=$?
[[ $rc -ne 0 ]] || die "metrics of a veth succeeded"
rc=0
n1 wgctl show wgt0 metrics --json > /dev/null 2> "$tmp/err" || rc=$?
[[ $rc -ne 0 ]] || die "metrics --json accepted"
log "ok"
