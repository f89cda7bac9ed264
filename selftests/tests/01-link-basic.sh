#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tier: core
#
# The wgtun link type: what a fresh interface looks like, and that every way
# of getting rid of one (ip link del, deleting its namespace, unloading the
# module) removes it. In-tree wireguard links can live beside wgtun ones.
. "$(dirname "$0")/../lib.sh"

# flags DEV [NETNS]: the interface flags as a comma-separated list.
flags() {
	ip ${2:+-n "$2"} -o link show dev "$1" | sed -n 's/^[0-9]*: [^<]*<\([^>]*\)>.*/\1/p'
}

has_flag() {
	[[ ,$(flags "$1"), == *,$2,* ]]
}

log "ip link add autoloads the module"
[[ ! -d /sys/module/wgtun ]] || die "wgtun loaded before the test"
ip link add wg0 type wgtun
[[ -d /sys/module/wgtun ]] || die "wgtun not loaded by ip link add"

log "a fresh wgtun interface"
ip -d link show dev wg0
assert_eq "$(link_kind wg0)" wgtun "link kind"
has_flag wg0 POINTOPOINT || die "no POINTOPOINT in <$(flags wg0)>"
has_flag wg0 NOARP || die "no NOARP in <$(flags wg0)>"
mtu=$(ip -j link show dev wg0 | jq -r '.[0].mtu')
assert_eq "$mtu" 1420 "MTU"
ip link set wg0 up
has_flag wg0 UP || die "wg0 not up: <$(flags wg0)>"
qdisc=$(ip -j link show dev wg0 | jq -r '.[0].qdisc')
assert_eq "$qdisc" noqueue "qdisc of an up interface"
assert_eq "$(ip -j link show dev wg0 | jq -r '.[0].link_type')" none "link type"

log "ip link del"
ip link del wg0
link_exists wg0 && die "wg0 still there after ip link del"

log "deleting a namespace deletes its interfaces"
setup_netns n1
n1 ip link add wg1 type wgtun
n1 ip link add wg2 type wgtun
assert_eq "$(link_kind wg2 n1)" wgtun "link kind in n1"
ip netns del n1
# Namespace teardown is deferred work; an interface that survived it would
# have been moved to the initial namespace.
sleep 1
link_exists wg1 && die "wg1 moved to the initial namespace"
link_exists wg2 && die "wg2 moved to the initial namespace"
[[ -z $(ip -o link show type wgtun) ]] || die "wgtun links left: $(ip -o link show type wgtun)"
rmmod wgtun || die "rmmod after namespace deletion"

log "rmmod with interfaces present"
modprobe wgtun
setup_netns n2
ip link add wg0 type wgtun
ip link set wg0 up
n2 ip link add wg9 type wgtun
n2 ip link set wg9 up
timeout "$(scaled 30)" rmmod wgtun || die "rmmod wgtun with interfaces present"
[[ ! -d /sys/module/wgtun ]] || die "wgtun still loaded"
link_exists wg0 && die "wg0 survived rmmod"
link_exists wg9 n2 && die "wg9 in n2 survived rmmod"

log "wgtun and in-tree wireguard side by side"
ip link add wg0 type wgtun
ip link add wg1 type wireguard
assert_eq "$(link_kind wg0)" wgtun "kind of wg0"
assert_eq "$(link_kind wg1)" wireguard "kind of wg1"
ip link set wg0 up
ip link set wg1 up
lsmod | matches '^wireguard ' || die "in-tree wireguard not loaded"
ip link del wg1
ip link del wg0
link_exists wg0 && die "wg0 left"
log "ok"
