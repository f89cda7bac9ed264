#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# MTU: a host n3 behind the wgtun router n1 sends DF packets through the
# tunnel.  One exactly at the MTU (1420) passes; one byte more gets ICMP
# "fragmentation needed" / "packet too big" with mtu 1420, as from a router.
#
#   n3 veth3 203.0.113.2 --- veth13 203.0.113.1  n1 wg0 (wgtun) ==== n2 wg0
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
setup_netns n3
ip link add veth13 netns n1 type veth peer name veth3 netns n3
n1 ip addr add 203.0.113.1/24 dev veth13
n1 ip addr add 2001:db8:3::1/64 dev veth13 nodad
n3 ip addr add 203.0.113.2/24 dev veth3
n3 ip addr add 2001:db8:3::2/64 dev veth3 nodad
n1 ip link set veth13 up
n3 ip link set veth3 up
n3 ip route add default via 203.0.113.1
n3 ip -6 route add default via 2001:db8:3::1
n1 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ix_peers 4
n2 wg set wg0 peer "$IX_PUB1" allowed-ips 192.0.2.1/32,2001:db8:2::1/128,203.0.113.0/24,2001:db8:3::/64
n2 ip route add 203.0.113.0/24 dev wg0
n2 ip -6 route add 2001:db8:3::/64 dev wg0
ix_ping n1 192.0.2.2 || die "no tunnel"
assert_eq "$(n1 cat /sys/class/net/wg0/mtu)" 1420 "default MTU"

log "IPv4: 1420 bytes with DF pass, 1421 get fragmentation needed"
n3 ping -q -c 2 -W 3 -M do -s $((1420 - 28)) 192.0.2.2 > /dev/null || die "DF packet at the MTU"
out=$(n3 ping -c 2 -W 3 -M do -s $((1421 - 28)) 192.0.2.2 2>&1 || true)
assert_match "$out" "mtu ?= ?1420" "ICMP fragmentation needed for 1421 bytes"

log "IPv6: 1420 bytes pass, 1421 get packet too big"
n3 ping -q -c 2 -W 3 -M do -s $((1420 - 48)) 2001:db8:2::2 > /dev/null || die "IPv6 packet at the MTU"
out=$(n3 ping -c 2 -W 3 -M do -s $((1421 - 48)) 2001:db8:2::2 2>&1 || true)
assert_match "$out" "mtu ?= ?1420" "ICMPv6 packet too big for 1421 bytes"
log ok
