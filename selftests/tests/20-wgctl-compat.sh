#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wgctl against wg(8): the same configuration file applied with
# `wgctl setconf` to a wgtun interface and with `wg setconf` to an in-tree
# wireguard interface gives the same `show dump`, the same script fields,
# the same pretty `show` and the same `showconf`; showconf round-trips;
# addconf, syncconf, `peer X remove` and +/- allowed-ips behave as wg's do.
#
#   wgt0 (wgtun)  <- wgctl setconf  conf
#   wg0 (wireguard) <- wg setconf   conf      (no traffic: static state only)
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
ip link add wgt0 type wgtun
on_exit "ip link del wgt0"
ip link add wg0 type wireguard
on_exit "ip link del wg0"

k_if=$(wg genkey)
p1=$(wg genkey | wg pubkey)
p2=$(wg genkey | wg pubkey)
p3=$(wg genkey | wg pubkey)
psk=$(wg genpsk)
cat > "$tmp/a.conf" <<EOF
# a comment, and odd spacing and case below
[Interface]
PrivateKey = $k_if
ListenPort=51820
FwMark = 0x2a

[peer]
PublicKey = $p1
PresharedKey = $psk
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.1.0.0/16, 10.2.0.1/32 , fd00:1::/64
PersistentKeepalive = 25

[Peer]
PublicKey = $p2
Endpoint = [2001:db8::1]:4500
allowedips = 0.0.0.0/0
AllowedIPs = ::/0

[Peer]
PublicKey = $p3
EOF

# same_state WHAT: every comparable output of wgt0 and wg0 is identical.
same_state() {
	local what=$1 f a b

	a=$(wgctl show wgt0 dump)
	b=$(wg show wg0 dump)
	assert_eq "$a" "$b" "$what: show dump"
	for f in public-key private-key listen-port fwmark peers preshared-keys endpoints \
		 allowed-ips latest-handshakes persistent-keepalive transfer; do
		assert_eq "$(wgctl show wgt0 $f)" "$(wg show wg0 $f)" "$what: show $f"
	done
	assert_eq "$(wgctl showconf wgt0)" "$(wg showconf wg0)" "$what: showconf"
	a=$(WG_COLOR_MODE=never wgctl show wgt0 | sed 1d)
	b=$(WG_COLOR_MODE=never wg show wg0 | sed 1d)
	assert_eq "$a" "$b" "$what: pretty show"
	a=$(WG_HIDE_KEYS=never WG_COLOR_MODE=never wgctl show wgt0 | sed 1d)
	b=$(WG_HIDE_KEYS=never WG_COLOR_MODE=never wg show wg0 | sed 1d)
	assert_eq "$a" "$b" "$what: pretty show with keys"
}

log "setconf"
wgctl setconf wgt0 "$tmp/a.conf"
wg setconf wg0 "$tmp/a.conf"
same_state setconf
assert_eq "$(wgctl show wgt0 peers | wc -l)" 3 "peer count"
assert_eq "$(wgctl show wgt0 listen-port)" 51820 "listen port"

log "showconf round-trips"
wgctl showconf wgt0 > "$tmp/shown.conf"
before=$(wgctl show wgt0 dump)
wgctl setconf wgt0 "$tmp/shown.conf"
assert_eq "$(wgctl show wgt0 dump)" "$before" "dump after setconf of showconf"

log "show all prefixes the interface name"
line=$(wgctl show all dump | sed -n 1p)
assert_match "$line" "^wgt0	" "show all dump"
assert_eq "$(wgctl show interfaces)" wgt0 "show interfaces lists only wgtun links"

log "set: change, off values, remove"
for tool in "wgctl set wgt0" "wg set wg0"; do
	$tool fwmark off listen-port 51821 \
		peer "$p1" persistent-keepalive off preshared-key /dev/null \
		allowed-ips 10.9.0.0/24,10.9.1.0/24 endpoint 198.51.100.7:9 \
		peer "$p2" remove \
		peer "$p3" allowed-ips "" persistent-keepalive 7 endpoint localhost:4242
done
same_state set
assert_eq "$(wgctl show wgt0 fwmark)" off "fwmark off"
[[ $(wgctl show wgt0 peers) != *"$p2"* ]] || die "p2 not removed"
assert_match "$(wgctl show wgt0 endpoints | grep "^$p3")" "	(127\.0\.0\.1|\[::1\]):4242$" \
	"host name endpoint"

log "addconf adds and replaces the named peers' allowed IPs"
p4=$(wg genkey | wg pubkey)
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.4.0.0/16\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.3.3.3/32\n' \
	"$p4" "$p3" > "$tmp/add.conf"
wgctl addconf wgt0 "$tmp/add.conf"
wg addconf wg0 "$tmp/add.conf"
same_state addconf
assert_eq "$(wgctl show wgt0 listen-port)" 51821 "addconf keeps the port"

log "syncconf removes peers not in the file"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.4.0.0/16\n' \
	"$k_if" "$p4" > "$tmp/sync.conf"
wgctl syncconf wgt0 "$tmp/sync.conf"
wg syncconf wg0 "$tmp/sync.conf"
same_state syncconf
assert_eq "$(wgctl show wgt0 peers)" "$p4" "only p4 left"

log "+/- allowed-ips change the list instead of replacing it"
wgctl set wgt0 peer "$p4" allowed-ips +10.5.0.0/16,+fd00:5::/64
assert_eq "$(wgctl show wgt0 allowed-ips)" "$p4	10.4.0.0/16 10.5.0.0/16 fd00:5::/64" "after +"
wgctl set wgt0 peer "$p4" allowed-ips -10.4.0.0/16
assert_eq "$(wgctl show wgt0 allowed-ips)" "$p4	10.5.0.0/16 fd00:5::/64" "after -"
wgctl set wgt0 peer "$p4" allowed-ips 10.6.0.0/16
assert_eq "$(wgctl show wgt0 allowed-ips)" "$p4	10.6.0.0/16" "plain list replaces"

log "wgtun extensions: set, shown, in showconf, round-trip, not in dump"
wgctl set wgt0 carrier-follows-peers on liveness-timeout 9
[[ $(wgctl showconf wgt0) == *$'CarrierFollowsPeers = on\nLivenessTimeout = 9'* ]] ||
	die "showconf lacks the extensions: $(wgctl showconf wgt0)"
WG_COLOR_MODE=never wgctl show wgt0 | matches '^  carrier follows peers: on' ||
	die "show lacks carrier follows peers"
WG_COLOR_MODE=never wgctl show wgt0 | matches '^  liveness timeout: 9 seconds$' ||
	die "show lacks liveness timeout"
[[ $(wgctl show wgt0 dump | sed -n 1p | awk -F'\t' '{ print NF }') == 4 ]] ||
	die "dump's interface line is not wg's four columns"
wgctl showconf wgt0 > "$tmp/ext.conf"
wgctl set wgt0 carrier-follows-peers off liveness-timeout 0
wgctl setconf wgt0 "$tmp/ext.conf"
assert_eq "$(wgctl showconf wgt0)" "$(cat "$tmp/ext.conf")" "extensions round-trip"
wgctl show wgt0 --json | jq -e '.carrier_follows_peers == true and .liveness_timeout == 9 and
	(.peers | length) == 1 and .peers[0].allowed_ips == ["10.6.0.0/16"]' > /dev/null ||
	die "JSON: $(wgctl show wgt0 --json)"
wgctl show --json | jq -e 'type == "array" and .[0].interface == "wgt0"' > /dev/null ||
	die "show --json is not an array of interfaces"
log "ok"
