#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# bind-dev: the tunnel's UDP sockets bound to an ordinary device, then to an
# underlay VRF whose table alone routes to the peer (the main table holds
# blackholes for it), with the tunnel itself enslaved to an overlay VRF that
# runs BGP (BIRD, vrf option) over it; the underlay VRF deleted under the
# live tunnel and created again; bind-dev's rejections (a bogus index,
# which wgctl cannot send, in 28-ynl).
#
#   n1                                               n2
#   vrf-o (table 20): wg0 (wgtun) 192.0.2.1 ~~~~~~~~ wg0 (in-tree) 192.0.2.2
#     BIRD in vrf-o <------------- eBGP ------------> BIRD, lan0 203.0.113.65/26
#   vrf-u (table 10, default via 198.51.100.2):
#     veth1 198.51.100.1/24, 2001:db8:1::1 ---------- veth2 198.51.100.2/24,
#                                                     203.0.113.2/32, 2001:db8:1::2
#   main: default dev dummy0, blackhole 198.51.100.2, 203.0.113.2, 2001:db8:1::2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
n1 sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
n2 ip addr add 203.0.113.2/32 dev veth2
n1 ip link add dummy0 type dummy
# No IPv6 of its own (solicitations, MLD): dummy0 sends only what is routed to it.
n1 sysctl -qw net.ipv6.conf.dummy0.disable_ipv6=1
n1 ip addr add 10.99.0.1/24 dev dummy0
n1 ip link set dummy0 up
ix_peers 4

# json FIELD: a field of n1's wg0 as wgctl --json shows it.
json() { n1 wgctl show wg0 --json | jq -r ".$1"; }
# no_route: no-route drops of wg0 and its peers.
no_route() { n1 wgctl show wg0 --json | jq '[.. | objects | .no_route? // empty] | add // 0'; }
dummy_tx() { n1 cat /sys/class/net/dummy0/statistics/tx_packets; }
# rejected PATTERN ARGS...: `wgctl set wg0 ARGS` in n1 fails saying PATTERN.
rejected() {
	local pattern=$1 out

	shift
	if out=$(n1 wgctl set wg0 "$@" 2>&1); then
		die "wgctl set wg0 $* was accepted"
	fi
	[[ $out == *"$pattern"* ]] || die "wgctl set wg0 $*: '$out' does not say '$pattern'"
}

log "an ordinary device: the main table's best route to the peer leads into dummy0"
n1 ip route add 203.0.113.2/32 dev dummy0
n1 ip route add 203.0.113.2/32 via 198.51.100.2 dev veth1 metric 10
n1 wgctl set wg0 peer "$IX_PUB2" endpoint 203.0.113.2:51821
tx0=$(dummy_tx)
ix_noping n1 192.0.2.2 || die "reached the peer through dummy0"
(($(dummy_tx) > tx0)) || die "the unbound tunnel did not use the main table's route"
n1 wgctl set wg0 bind-dev veth1
assert_eq "$(n1 wgctl show wg0 bind-dev)" veth1 "show bind-dev"
tx0=$(dummy_tx)
ix_ping n1 192.0.2.2 || die "no tunnel with the sockets bound to veth1"
assert_eq "$(dummy_tx)" "$tx0" "packets into dummy0 with the sockets bound to veth1"
n1 wgctl set wg0 bind-dev off
assert_eq "$(n1 wgctl show wg0 bind-dev)" off "show bind-dev after off"
n1 ip route del 203.0.113.2/32 dev dummy0
n1 ip route del 203.0.113.2/32 via 198.51.100.2 dev veth1 metric 10

log "an underlay VRF with its own default route; the main table blackholes the peer"
make_underlay() {
	n1 ip link add vrf-u type vrf table 10
	n1 ip link set vrf-u up
	n1 ip link set veth1 master vrf-u
	n1 ip -6 addr replace 2001:db8:1::1/64 dev veth1 nodad
	n1 ip route add default via 198.51.100.2 dev veth1 vrf vrf-u
}
make_underlay
n1 ip route add default dev dummy0
n1 ip route add blackhole 203.0.113.2/32
n1 ip route add blackhole 198.51.100.2/32
n1 ip -6 route add blackhole 2001:db8:1::2/128
drops0=$(no_route)
ix_noping n1 192.0.2.2 || die "reached the peer unbound, through the main table"
(($(no_route) > drops0)) || die "the main table's blackhole was not hit unbound"

n1 wgctl set wg0 bind-dev vrf-u
assert_eq "$(json bind_dev)" vrf-u "json bind_dev"
assert_eq "$(json bind_ifindex)" "$(n1 cat /sys/class/net/vrf-u/ifindex)" "json bind_ifindex"
n1 wgctl showconf wg0 | matches -x "BindDev = vrf-u" || die "showconf: no BindDev"
drops0=$(no_route) tx0=$(dummy_tx)
ix_ping n1 192.0.2.2 || die "no tunnel through the underlay VRF"
assert_eq "$(no_route)" "$drops0" "no-route drops while bound to the VRF"
assert_eq "$(dummy_tx)" "$tx0" "packets into the main table's default route"

log "an endpoint learned from the peer's handshake stays in the VRF"
ix_peers 4
n1 wgctl set wg0 peer "$IX_PUB2" remove
n1 wgctl set wg0 peer "$IX_PUB2" allowed-ips 192.0.2.2/32,2001:db8:2::2/128
ix_ping n2 192.0.2.1 || die "the peer cannot reach wgtun in the VRF"
assert_eq "$(ix_endpoint n1)" 198.51.100.2:51821 "learned endpoint"
ix_ping n1 192.0.2.2 || die "no reply path to the learned endpoint"

log "IPv6 outer, in the VRF"
ix_peers 6
drops0=$(no_route)
ix_ping n1 192.0.2.2 || die "no tunnel over IPv6 through the underlay VRF"
assert_eq "$(no_route)" "$drops0" "no-route drops over IPv6 while bound to the VRF"
assert_eq "$(dummy_tx)" "$tx0" "packets into the main table's default route"

log "rejections: nothing changes"
rejected "no device named" bind-dev nosuchdev
rejected "cannot bind the tunnel to itself" bind-dev wg0
rejected "Bind device" bind-dev 0123456789abcdef
# A socket of someone else's on the port, bound to dummy0.
n1 socat -u UDP4-RECV:51820,so-bindtodevice=dummy0 /dev/null &
holder=$!
on_exit "kill $holder 2>/dev/null"
wait_for 10 bash -c "ip netns exec n1 ss -Hluan 'sport = :51820' | grep -q dummy0" ||
	die "socat did not bind 51820 on dummy0"
rejected "listen port is in use on that device" bind-dev dummy0
kill "$holder"
assert_eq "$(json bind_dev)" vrf-u "bind_dev after a refused change"
ix_ping n1 192.0.2.2 || die "the tunnel did not survive a refused bind-dev"
setup_netns n3
n3 ip link add dummy3 type dummy
n1 ip link add wg1 type wgtun
n1 ip link set wg1 netns n3
if out=$(n3 wgctl set wg1 bind-dev dummy3 2>&1); then
	die "bound to a device in another namespace than the sockets'"
fi
[[ $out == *"another namespace than the interface's sockets"* ]] || die "other namespace: $out"

log "the overlay: wg0 in vrf-o, BGP in vrf-o over the tunnel"
ix_peers 4
n1 wgctl set wg0 peer "$IX_PUB2" allowed-ips 192.0.2.2/32,203.0.113.64/26
n1 ip link add vrf-o type vrf table 20
n1 ip link set vrf-o up
n1 ip link set wg0 master vrf-o
n2 ip link add lan0 type dummy
n2 ip addr add 203.0.113.65/26 dev lan0
n2 ip link set lan0 up
# o_ping DST, o_noping DST: as ix_ping and ix_noping, from vrf-o in n1.
o_ping() { n1 ping -q -I vrf-o -c 3 -i 0.3 -W "$(scaled 5)" "$1" > /dev/null 2>&1; }
o_noping() { ! n1 ping -q -I vrf-o -c 2 -i 0.5 -W 2 "$1" > /dev/null 2>&1; }
o_ping 192.0.2.2 || die "no tunnel with wg0 in the overlay VRF"
cat > "$IX_TMP/bird1.conf" <<EOF
router id 192.0.2.1;
protocol device { scan time 10; }
protocol kernel { vrf "vrf-o"; kernel table 20; ipv4 { import none; export all; }; }
protocol bgp n2 {
	vrf "vrf-o"; local 192.0.2.1 as 65001; neighbor 192.0.2.2 as 65002;
	direct; interface "wg0";
	connect delay time 1; connect retry time 2; error wait time 1, 4;
	ipv4 { import all; export none; };
}
EOF
cat > "$IX_TMP/bird2.conf" <<EOF
router id 192.0.2.2;
protocol device { scan time 10; }
protocol direct { ipv4; interface "lan0"; }
protocol bgp n1 {
	local 192.0.2.2 as 65002; neighbor 192.0.2.1 as 65001; direct; interface "wg0";
	connect delay time 1; connect retry time 2; error wait time 1, 4;
	ipv4 { import none; export where source = RTS_DEVICE; };
}
EOF
for ns in n1 n2; do
	ip netns exec $ns bird -c "$IX_TMP/bird${ns#n}.conf" -s "$IX_TMP/bird-$ns.ctl" \
		-P "$IX_TMP/bird-$ns.pid" || die "bird in $ns did not start"
	on_exit "kill \$(cat $IX_TMP/bird-$ns.pid) 2>/dev/null"
done
vrf_route() { n1 ip route show vrf vrf-o 203.0.113.64/26 | matches "dev wg0"; }
if ! wait_for 60 vrf_route; then
	birdc -s "$IX_TMP/bird-n1.ctl" show protocols all n2 || true
	die "BIRD in vrf-o learned no route over the tunnel"
fi
[[ -z $(n1 ip route show 203.0.113.64/26) ]] || die "the overlay's route leaked into main"
o_ping 203.0.113.65 || die "no traffic along the route BGP learned in vrf-o"

log "the underlay VRF deleted under the live tunnel"
drops0=$(no_route)
n1 ip link del vrf-u
assert_eq "$(json bind_dev)" vrf-u "bind_dev while the VRF is gone"
assert_eq "$(json bind_ifindex)" 0 "bind_ifindex while the VRF is gone"
n1 wgctl show wg0 | matches "bind dev.*gone" || die "show does not say the device is gone"
o_noping 192.0.2.2 || die "the tunnel went on without its underlay VRF"
(($(no_route) > drops0)) || die "no no-route drops without the underlay VRF"
log "the VRF returns: bound again by name"
make_underlay
assert_eq "$(json bind_ifindex)" "$(n1 cat /sys/class/net/vrf-u/ifindex)" "bound again"
wait_for 20 o_ping 192.0.2.2 || die "the tunnel did not recover when the VRF returned"
wait_for 60 vrf_route || die "BGP did not come back"
o_ping 203.0.113.65 || die "no traffic along BGP's route after the VRF returned"

log "teardown: the VRF again under traffic, then the tunnel: nothing waits"
n1 ping -q -I vrf-o -f -w 3 192.0.2.2 > /dev/null 2>&1 &
flood=$!
n1 ip link del vrf-u
wait "$flood" || true
timeout "$(scaled 20)" ip -n n1 link del wg0 || die "deleting wg0 hung"
timeout "$(scaled 20)" ip -n n1 link del vrf-o || die "deleting vrf-o hung"
! dmesg | matches "waiting for .* to become free" || die "a device reference leaked"
log ok
