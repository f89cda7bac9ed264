#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# The three design styles of a WireGuard tunnel (as TNSR's documentation
# names them), wgtun in n1 against the in-tree module in n2, each routing a
# site LAN behind it (topology in selftests/interop.sh, plus):
#
#   n1 lan0 203.0.113.1/26   (203.0.113.0/26)  --- wg0 ... wg0 ---  n2 lan0 203.0.113.65/26
#
#   site-to-site   both ends know the other's endpoint: either one starts.
#   server         n1 (wgtun) has no endpoint for n2: only n2 can start; n1
#                  learns n2's endpoint from the handshake.  TNSR cannot do this.
#   client         n1 (wgtun) knows the endpoint, n2 does not: n1 starts.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
for ns in n1 n2; do
	ip -n $ns link add lan0 type dummy
	ip -n $ns link set lan0 up
done
n1 ip addr add 203.0.113.1/26 dev lan0
n2 ip addr add 203.0.113.65/26 dev lan0
n1 ip route add 203.0.113.64/26 dev wg0
n2 ip route add 203.0.113.0/26 dev wg0

# peers EP1 EP2: fresh peers on both sides; EPn is the endpoint that side
# gets for the other ("-" for none).  Word splitting of EPn is wanted.
# shellcheck disable=SC2086
peers() {
	n1 wgctl set wg0 peer "$IX_PUB2" remove
	n2 wg set wg0 peer "$IX_PUB1" remove
	n1 wgctl set wg0 peer "$IX_PUB2" ${1#-} allowed-ips 192.0.2.2/32,203.0.113.64/26
	n2 wg set wg0 peer "$IX_PUB1" ${2#-} allowed-ips 192.0.2.1/32,203.0.113.0/26
}
# lan_ping FROM [once]: FROM's LAN reaches the other LAN (patiently: a first
# handshake may need the 5 s retry; "once": one ping, 2 s).
lan_ping() {
	local opts=(-c 3 -i 0.5 -W 6)

	[[ ${2:-} == once ]] && opts=(-c 1 -W 2)
	if [[ $1 == n1 ]]; then
		n1 ping -q "${opts[@]}" -I 203.0.113.1 203.0.113.65 > /dev/null
	else
		n2 ping -q "${opts[@]}" -I 203.0.113.65 203.0.113.1 > /dev/null
	fi
}
n1_endpoint() {
	n1 wgctl show wg0 --json | jq -r '.peers[0].endpoint // "none"'
}
n1_handshake() {
	n1 wgctl show wg0 --json | jq -r '.peers[0].latest_handshake'
}

log "site-to-site: wgtun starts"
peers "endpoint 198.51.100.2:51821" "endpoint 198.51.100.1:51820"
lan_ping n1 || die "site-to-site, wgtun initiating"
log "site-to-site: the in-tree peer starts"
peers "endpoint 198.51.100.2:51821" "endpoint 198.51.100.1:51820"
lan_ping n2 || die "site-to-site, in-tree initiating"
[[ $(n1_handshake) != 0 ]] || die "site-to-site: no handshake on wgtun"

log "remote-access server: no endpoint on wgtun's side"
n1 wgctl set wg0 carrier-follows-peers on liveness-timeout 5
peers - "endpoint 198.51.100.1:51820"
assert_eq "$(n1_endpoint)" none "server: endpoint before any handshake"
! lan_ping n1 once || die "server: wgtun reached a peer whose endpoint it cannot know"
assert_eq "$(n1_handshake)" 0 "server: handshake before the client came"
ip -n n1 link show wg0 | matches NO-CARRIER || die "server: carrier without a live peer"
lan_ping n2 || die "server: the client could not connect"
assert_eq "$(n1_endpoint)" 198.51.100.2:51821 "server: endpoint learned from the handshake"
wait_for 30 eval "! ip -n n1 link show wg0 | matches NO-CARRIER" || die "server: no carrier with a live peer"
lan_ping n1 || die "server: wgtun cannot answer the client's LAN"
n1 wgctl set wg0 carrier-follows-peers off

log "remote-access client: endpoint on wgtun's side only"
peers "endpoint 198.51.100.2:51821" -
n2 wg show wg0 endpoints | matches '(none)' || die "client: in-tree side has an endpoint"
! lan_ping n2 once || die "client: the server side reached wgtun before it called"
lan_ping n1 || die "client: wgtun could not connect"
n2 wg show wg0 endpoints | matches 198.51.100.1:51820 || die "client: server did not learn us"
lan_ping n2 || die "client: server cannot answer"

log "IPv6 outer, client style"
peers "endpoint [2001:db8:1::2]:51821" -
lan_ping n1 || die "client over IPv6"
n2 wg show wg0 endpoints | matches -F '[2001:db8:1::1]:51820' || die "server did not learn our v6 endpoint"
log ok
