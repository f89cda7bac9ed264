#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make demo` shows in a 6.12 guest, in about two minutes:
#   1. a wgtun tunnel to the in-tree WireGuard module, a ping across it;
#   2. three routers joined by single-peer wgtun tunnels (allowed-ips
#      0.0.0.0/0), BGP (BIRD) learning a route over one of them, a ping;
#      `wgctl show` and `wgctl monitor`;
#   3. a peer vanishes: its tunnel loses carrier, BGP drops the session at
#      once and the route moves to the other path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/interop.sh"
. "$(dirname "$0")/routing.sh"

say() {
	printf '\n== %s\n' "$*"
}
indent() {
	sed 's/^/   /'
}

modprobe wgtun
echo "wgtun $(modinfo -F version wgtun) on Linux $KVER"

say "1. wgtun (n1) <-> in-tree WireGuard (n2)"
ix_setup intree
ix_peers 4
ix_ping n1 192.0.2.2 || die "no ping across the tunnel"
n1 ping -c 2 -i 0.3 192.0.2.2 | grep 'bytes from' | indent
echo "-- wgctl show wg0 (in n1)"
n1 wgctl show wg0 | indent
echo "-- wg show wg0 (in n2, the in-tree module)"
n2 wg show wg0 | indent

say "2. Three routers, one single-peer wgtun tunnel per pair, eBGP with BIRD"
cat <<'EOF' | indent
              r1  LAN 203.0.113.0/26, AS 65001
        wg2  /  \  wg3
            /    \
   AS 65002 r2 -- r3  AS 65003, LAN 203.0.113.128/26
EOF
echo "   every tunnel: allowed-ips 0.0.0.0/0,::/0, persistent-keepalive 1,"
echo "   carrier-follows-peers on, liveness-timeout 3"
rt_routers 3
ip netns exec r3 wgctl monitor > "$RT_TMP/monitor.txt" 2>&1 &
on_exit "kill $! 2>/dev/null"
rt_underlay 1 2
rt_underlay 1 3
rt_underlay 2 3
rt_tunnel wgtun 1 2 carrier-follows-peers on liveness-timeout 3
rt_tunnel wgtun 1 3 carrier-follows-peers on liveness-timeout 3
rt_tunnel wgtun 2 3 carrier-follows-peers on liveness-timeout 3
for i in 1 2 3; do
	others=()
	for j in 1 2 3; do ((j != i)) && others+=("$j"); done
	rt_bird_bgp "$i" 10/30 "${others[@]}"
done
t0=$(rt_now)
for p in "1 2" "1 3" "2 1" "2 3" "3 1" "3 2"; do
	# shellcheck disable=SC2086
	wait_for 90 rt_bgp_up $p || { rt_dump; die "BGP session r${p/ /-r} did not come up"; }
done
wait_for 30 rt_route_via r3 "$(rt_lan 1)" wg1 || { rt_dump; die "r3 did not learn r1's LAN"; }
echo "-- BGP sessions up after $(rt_since "$t0") s; BIRD in r3:"
rt_birdc r3 show protocols | awk 'NR > 1 && $2 == "BGP"' | indent
echo "-- r3's route to r1's LAN, learned by BGP:"
ip -n r3 route show 203.0.113.0/26 | indent
wait_for 10 rt_lan_ping 3 1 || die "r3's LAN cannot reach r1's LAN"
r3 ping -c 2 -i 0.3 -I "$(rt_lan 3)" "$(rt_lan 1)" | grep 'bytes from' | indent
echo "-- wgctl show wg1 (in r3: the tunnel to r1)"
r3 wgctl show wg1 | indent
echo "-- wgctl monitor (in r3), the first events:"
head -n 8 "$RT_TMP/monitor.txt" | cut -c 1-100 | indent

say "3. r1 vanishes from r3's view (the r1-r3 underlay drops everything)"
n0=$(wc -l < "$RT_TMP/monitor.txt")
t0=$(rt_now)
rt_cut 1 3
wait_for 60 rt_no_carrier r3 wg1 || die "r3's wg1 kept its carrier"
echo "-- after $(rt_since "$t0") s r3's tunnel to r1 has no carrier:"
ip -n r3 -br link show dev wg1 | indent
wait_for 60 eval 'rt_route_via r3 "$(rt_lan 1)" wg2 && rt_lan_ping 3 1' ||
	{ rt_dump; die "the route did not move"; }
echo "-- after $(rt_since "$t0") s BGP has moved the route to r2 (BGP hold timer: 30 s):"
ip -n r3 route show 203.0.113.0/26 | indent
rt_birdc r3 show protocols r1 | awk 'NR > 1' | indent
r3 ping -c 2 -i 0.3 -I "$(rt_lan 3)" "$(rt_lan 1)" | grep 'bytes from' | indent
echo "-- wgctl monitor (in r3) meanwhile:"
tail -n "+$((n0 + 1))" "$RT_TMP/monitor.txt" | cut -c 1-100 | indent

say "4. The underlay returns"
n0=$(wc -l < "$RT_TMP/monitor.txt")
t0=$(rt_now)
rt_restore 1 3
wait_for 60 rt_has_carrier r3 wg1 || die "carrier did not return"
wait_for 90 rt_route_via r3 "$(rt_lan 1)" wg1 || die "the route did not come back"
echo "-- after $(rt_since "$t0") s the carrier is back and the route is direct again:"
ip -n r3 route show 203.0.113.0/26 | indent
echo "-- wgctl monitor (in r3) meanwhile:"
tail -n "+$((n0 + 1))" "$RT_TMP/monitor.txt" | cut -c 1-100 | indent
echo
echo "demo done"
