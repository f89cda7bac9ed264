#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# The family's YNL spec, uapi/wgtun.yaml, through the kernel's ynl CLI
# (scripts/ynl.sh): the spec passes its schema and agrees with the policy
# the module reports (make style checks it against the uapi header); a SET
# through ynl (private key, listen port, fwmark, carrier settings, a peer
# with endpoint, keepalive and allowed IPs) reads back the same through
# ynl's dump and through wgctl show; a SET with an unknown flag comes back
# with the module's extack message and changes nothing; an administrative
# change reaches a ynl subscriber of the events group, decoded by the spec.
#
#   n1: wgt0, one peer whose endpoint 192.0.2.1:51821 is never reached
. "$(dirname "$0")/../lib.sh"

scripts/ynl.sh have || skip "no ynl CLI in .cache/ynl (scripts/deps.sh could not fetch it)"
modprobe wgtun
# Validating the spec against its schema costs as much as the rest of a ynl
# call under emulation: done once, here, and the calls below skip it.
log "the spec against its schema and the module's policy"
scripts/ynl.sh policy

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
setup_netns n1
n1 ip link add wgt0 type wgtun
ynl() { n1 scripts/ynl.sh cli --no-schema "$@"; }
hex() { base64 -d | od -An -tx1 | tr -d ' \n'; }
key=$(wg genkey)
pub=$(echo "$key" | wg pubkey)
peer=$(wg genkey | wg pubkey)

# struct sockaddr_in of 192.0.2.1:51821: family (host order), port (network
# order), address, zero padding.
endpoint=0200ca6dc0000201$(printf '0%.0s' {1..16})
log "SET through ynl"
ynl --do set-device --json "$(jq -cn --arg k "$(echo "$key" | hex)" \
	--arg p "$(echo "$peer" | hex)" --arg e "$endpoint" '{
	ifname: "wgt0", "private-key": $k, "listen-port": 51820, fwmark: 4660,
	flags: ["replace-peers"], "carrier-follows-peers": 1, "liveness-timeout": 60,
	peers: [{"public-key": $p, endpoint: $e, "persistent-keepalive-interval": 25,
		flags: ["replace-allowedips"],
		allowedips: [
			{family: 2, ipaddr: "10.0.0.2", "cidr-mask": 32},
			{family: 10, ipaddr: "fd00::2", "cidr-mask": 128}]}]}')" > "$tmp/set.out" ||
	die "ynl set-device: $(cat "$tmp/set.out")"

log "GET (dump) through ynl"
ynl --output-json --dump get-device --json '{"ifname": "wgt0"}' > "$tmp/get.json" ||
	die "ynl get-device: $(cat "$tmp/get.json")"
# The dump is a list of messages; peers is a list of {index: peer}; keys
# (display hint hex) come as bytes in hex separated by spaces.
got=$(jq -c '.[0] as $d | $d.peers[0]["0"] as $p | def key: gsub(" "; ""); {
	messages: length, ifname: $d.ifname, ifindex: $d.ifindex,
	private: ($d."private-key" | key), public: ($d."public-key" | key),
	port: $d."listen-port", fwmark: $d.fwmark, follows: $d."carrier-follows-peers",
	liveness: $d."liveness-timeout", carrier: $d.carrier, peers: ($d.peers | length),
	peer: ($p."public-key" | key), psk: ($p."preshared-key" | key), endpoint: $p.endpoint,
	keepalive: $p."persistent-keepalive-interval", version: $p."protocol-version",
	handshake: $p."last-handshake-time", traffic: ($p."rx-bytes" + $p."tx-bytes"),
	alive: $p.alive,
	ips: [$p.allowedips[][] | "\(.family) \(.ipaddr)/\(."cidr-mask")"] | sort}' "$tmp/get.json")
want=$(jq -cn --argjson ifindex "$(n1 cat /sys/class/net/wgt0/ifindex)" \
	--arg k "$(echo "$key" | hex)" --arg pub "$(echo "$pub" | hex)" \
	--arg p "$(echo "$peer" | hex)" --arg e "$endpoint" '{
	messages: 1, ifname: "wgt0", ifindex: $ifindex, private: $k, public: $pub,
	port: 51820, fwmark: 4660, follows: 1, liveness: 60, carrier: 0, peers: 1,
	peer: $p, psk: ("0" * 64), endpoint: $e, keepalive: 25, version: 1,
	handshake: {sec: 0, nsec: 0}, traffic: 0, alive: 0,
	ips: ["10 fd00::2/128", "2 10.0.0.2/32"]}')
assert_eq "$got" "$want" "the dump through ynl"

log "the same through wgctl show"
n1 wgctl show wgt0 dump > "$tmp/dump"
read -r w_key w_pub w_port w_mark < "$tmp/dump"
assert_eq "$w_key $w_pub $w_port $w_mark" "$key $pub 51820 0x1234" "wgctl show dump: interface"
read -r w_peer w_psk w_ep w_ips _ _ _ w_ka < <(sed -n 2p "$tmp/dump")
w_ips=$(tr , '\n' <<< "$w_ips" | sort | paste -sd,)
assert_eq "$w_peer $w_psk $w_ep $w_ips $w_ka" \
	"$peer (none) 192.0.2.1:51821 10.0.0.2/32,fd00::2/128 25" "wgctl show dump: peer"

log "a bad SET: the module's extack message through ynl, nothing applied"
if ynl --do set-device --json '{"ifname": "wgt0", "listen-port": 51999, "flags": 128}' \
	> "$tmp/bad.out" 2>&1; then
	die "a SET with an unknown flag succeeded"
fi
grep -q 'unknown interface flag' "$tmp/bad.out" || die "no extack message: $(cat "$tmp/bad.out")"
grep -q "'bad-attr': '.flags'" "$tmp/bad.out" || die "no bad attribute: $(cat "$tmp/bad.out")"
n1 wgctl show wgt0 listen-port > "$tmp/port"
assert_eq "$(< "$tmp/port")" 51820 "listen port after the refused SET"
# wgctl resolves bind-dev's name itself: only a raw client sends an index that is not there.
if ynl --do set-device --json '{"ifname": "wgt0", "bind-ifindex": 999999}' \
	> "$tmp/bad.out" 2>&1; then
	die "bind-ifindex 999999 accepted"
fi
grep -q 'no device with that index' "$tmp/bad.out" || die "bind-ifindex: $(cat "$tmp/bad.out")"
grep -q "'bad-attr': '.bind-ifindex'" "$tmp/bad.out" || die "bind-ifindex: $(cat "$tmp/bad.out")"

log "an event through ynl: a subscriber sees an administrative peer change"
PYTHONUNBUFFERED=1 n1 scripts/ynl.sh cli --no-schema --output-json --subscribe events \
	> "$tmp/events" 2>&1 &
on_exit "kill $! 2>/dev/null"
# Each try changes the peer again (an event the kernel never drops) until
# the subscriber, which joins the group at some point, has printed one.
changed() {
	n1 wgctl set wgt0 peer "$peer" persistent-keepalive 25
	jq -e --arg p "$(echo "$peer" | hex)" 'select(.name == "event" and
		.msg.event == "peer-changed" and .msg.ifname == "wgt0" and
		(.msg.peers[0]["0"]."public-key" | gsub(" "; "")) == $p)' "$tmp/events" \
		> /dev/null 2>&1
}
wait_for 60 changed || die "no peer-changed event through ynl: $(cat "$tmp/events")"
