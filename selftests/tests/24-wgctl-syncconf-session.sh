#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# `wgctl syncconf` leaves an unchanged peer alone: its session, counters and
# handshake time survive while other peers are added and removed.  The
# control: `wgctl setconf` of the same file replaces the peers, so the next
# packet needs a new handshake.
#
#   n1: wgt0 10.0.0.1 --- v1 192.168.50.1 === v2 192.168.50.2 --- wgt0 10.0.0.2 :n2
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
setup_netns n1 n2
ip link add v1 netns n1 type veth peer name v2 netns n2
n1 ip addr add 192.168.50.1/24 dev v1
n2 ip addr add 192.168.50.2/24 dev v2
n1 ip link set v1 up
n2 ip link set v2 up

k1=$(wg genkey)
k2=$(wg genkey)
cat > "$tmp/n1.conf" <<EOF
[Interface]
PrivateKey = $k1
ListenPort = 51001
[Peer]
PublicKey = $(echo "$k2" | wg pubkey)
Endpoint = 192.168.50.2:51002
AllowedIPs = 10.0.0.2/32
EOF
cat > "$tmp/n2.conf" <<EOF
[Interface]
PrivateKey = $k2
ListenPort = 51002
[Peer]
PublicKey = $(echo "$k1" | wg pubkey)
AllowedIPs = 10.0.0.1/32
EOF
for n in n1 n2; do
	ip -n $n link add wgt0 type wgtun
	ip netns exec $n wgctl setconf wgt0 "$tmp/$n.conf"
	ip -n $n link set wgt0 up
done
n1 ip addr add 10.0.0.1/24 dev wgt0
n2 ip addr add 10.0.0.2/24 dev wgt0

handshake() { n1 wgctl show wgt0 latest-handshakes | sed -n 1p | cut -f2; }

log "first contact"
n1 ping -c 2 -W 5 10.0.0.2 > /dev/null || die "no ping through the tunnel"
hs=$(handshake)
[[ $hs != 0 ]] || die "no handshake recorded"
rx=$(n1 wgctl show wgt0 transfer | sed -n 1p | cut -f2)

log "the pretty view shows wgtun's packet counters; dump keeps wg's columns"
pretty=$(WG_COLOR_MODE=never n1 wgctl show wgt0)
assert_match "$pretty" $'\n  latest handshake: [^\n]* ago\n  transfer: [0-9.]+ [KMG]?i?B received, [0-9.]+ [KMG]?i?B sent\n  packets: [1-9][0-9]* received, [1-9][0-9]* sent' \
	"pretty show after traffic"
assert_eq "$(n1 wgctl show wgt0 dump | awk -F'\t' 'NR > 1 { print NF }')" 8 "dump peer columns"
n1 wgctl show wgt0 --json | jq -e '.peers[0].rx_packets > 0 and .peers[0].tx_packets > 0 and
	.peers[0].latest_handshake > 0' > /dev/null || die "JSON counters: $(n1 wgctl show wgt0 --json)"

log "syncconf with one more peer and the same first peer"
sleep 1.5	# a new handshake would now carry a later time
extra=$(wg genkey | wg pubkey)
{ cat "$tmp/n1.conf"; printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.9/32\n' "$extra"; } \
	> "$tmp/n1-more.conf"
n1 wgctl syncconf wgt0 "$tmp/n1-more.conf"
assert_eq "$(n1 wgctl show wgt0 peers | wc -l)" 2 "peers after syncconf"
n1 ping -c 2 -W 5 10.0.0.2 > /dev/null || die "no ping after syncconf"
assert_eq "$(handshake)" "$hs" "latest handshake after syncconf (session kept)"
rx2=$(n1 wgctl show wgt0 transfer | sed -n 1p | cut -f2)
((rx2 > rx)) || die "counters reset by syncconf: $rx -> $rx2"

log "syncconf back to the original file removes the extra peer only"
n1 wgctl syncconf wgt0 "$tmp/n1.conf"
assert_eq "$(n1 wgctl show wgt0 peers | wc -l)" 1 "peers after second syncconf"
n1 ping -c 1 -W 5 10.0.0.2 > /dev/null || die "no ping after second syncconf"
assert_eq "$(handshake)" "$hs" "latest handshake after second syncconf"

log "control: setconf replaces the peer, so a new handshake follows"
n1 wgctl setconf wgt0 "$tmp/n1.conf"
n1 ping -c 2 -W 5 10.0.0.2 > /dev/null || die "no ping after setconf"
new=$(handshake)
[[ $new != "$hs" && $new != 0 ]] || die "setconf kept the session (handshake $new)"
log "ok"
