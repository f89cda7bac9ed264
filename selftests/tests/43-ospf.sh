#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# OSPF (BIRD, OSPFv2 and OSPFv3) over wgtun links forms adjacencies with no
# manual step: no `ip link set multicast on`, no interface type in the
# configuration, and OSPFv3 runs on the IPv6 link-local address that wgtun
# links get per addrgenmode.  Routers r1 - r2 - r3 in a chain (addresses in
# selftests/routing.sh); each LAN also has 2001:db8:fI::1/64.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

rt_routers 3
rt_underlay 1 2
rt_underlay 2 3
rt_tunnel wgtun 1 2
rt_tunnel wgtun 2 3

log "the links as a routing daemon sees them"
for d in "r1 wg2" "r2 wg1" "r2 wg3" "r3 wg2"; do
	set -- $d
	flags=$(ip -n "$1" -j link show dev "$2" | jq -r '.[0].flags | join(",")')
	[[ ,$flags, == *,MULTICAST,* ]] || die "$1 $2 lacks MULTICAST: $flags"
	[[ ,$flags, == *,POINTOPOINT,* ]] || die "$1 $2 is not point-to-point: $flags"
	wait_for 30 eval "ip -n $1 -6 addr show dev $2 scope link | matches fe80::" ||
		die "$1 $2 has no IPv6 link-local address"
done
ip -n r2 addr show dev wg1

log "addrgenmode none: no link-local address"
ip -n r1 link add wgx type wgtun
ip -n r1 link set wgx addrgenmode none
ip -n r1 link set wgx up
sleep 1
[[ -z $(ip -n r1 -6 addr show dev wgx scope link) ]] || die "addrgenmode none, yet: $(ip -n r1 addr show dev wgx)"
ip -n r1 link del wgx

for i in 1 2 3; do
	ip -n "r$i" addr add "2001:db8:f$i::1/64" dev lan0 nodad
	cat > "$RT_TMP/bird-r$i.conf" <<-EOF
	log "$RT_TMP/bird-r$i.log" all;
	router id $(rt_lan "$i");
	protocol device { scan time 10; }
	protocol kernel { ipv4 { import none; export where source = RTS_OSPF; }; }
	protocol kernel { ipv6 { import none; export where source = RTS_OSPF; }; }
	protocol ospf v2 o4 {
		ipv4 { import all; export none; };
		area 0 {
			interface "wg*" { hello 1; dead 4; };
			interface "lan0" { stub; };
		};
	}
	protocol ospf v3 o6 {
		ipv6 { import all; export none; };
		area 0 {
			interface "wg*" { hello 1; dead 4; };
			interface "lan0" { stub; };
		};
	}
	EOF
	rt_bird_start "r$i" "$RT_TMP/bird-r$i.conf"
done

# full NS PROTO N: N adjacencies of NS in PROTO are Full.
full() {
	[[ $(rt_birdc "$1" show ospf neighbors "$2" | grep -c 'Full/') -ge $3 ]]
}
log "waiting for adjacencies"
t0=$(rt_now)
for p in o4 o6; do
	wait_for 60 full r2 $p 2 || { rt_birdc r2 show ospf neighbors $p; die "r2: $p not Full"; }
	wait_for 20 full r1 $p 1 || die "r1: $p not Full"
	wait_for 20 full r3 $p 1 || die "r3: $p not Full"
done
echo "ospf_full_seconds=$(rt_since "$t0")"
rt_birdc r2 show ospf neighbors o4
rt_birdc r2 show ospf neighbors o6
rt_birdc r2 show ospf interface o4 | grep -E 'Interface|Type' || true

log "routes and pings LAN to LAN, both families"
wait_for 30 rt_route_via r1 "$(rt_lan 3)" wg2 || { rt_dump; die "r1: no OSPF route to r3's LAN"; }
wait_for 30 rt_route_via r1 2001:db8:f3::1 wg2 || { ip -n r1 -6 route; die "r1: no OSPFv3 route"; }
ip -n r1 -6 route show 2001:db8:f3::/64
ip -n r1 -6 route show 2001:db8:f3::/64 | matches 'via fe80::' ||
	die "OSPFv3 next hop is not link-local: $(ip -n r1 -6 route show 2001:db8:f3::/64)"
wait_for 10 rt_lan_ping 1 3 || die "IPv4 ping r1 LAN -> r3 LAN"
wait_for 10 rt_ping r3 2001:db8:f3::1 2001:db8:f1::1 || die "IPv6 ping r3 LAN -> r1 LAN"
log ok
