#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
# tier: core
#
# A wgtun interface names a link under it, as IP tunnels do (iflink: the
# device its sockets are bound to, else 0, `wg0@NONE`), so that the kernel's
# linkwatch passes its carrier changes on at once: an interface whose link is
# itself has them sent in batches at most once a second, and routing daemons
# act on those messages (docs/routing.md, "Where the seconds go").
#
#   1. iflink: 0 unbound; the bound device's index when bound, and again
#      when a device of that name comes back; 0 while that device is gone,
#      and while the interface is in another namespace than its sockets.
#   2. Order, no clock: dummy d0 loses its carrier, which starts a linkwatch
#      batch; once its message is out, wg0 loses its carrier, then veth v1
#      its own (urgent: a veth names its peer as its link).  wg0's message
#      must come before v1's.  Held back for the next batch, as it was when
#      wg0 was its own link, it came after v1's; that needs the three steps
#      within a second, which a very slow guest may not manage, so the test
#      can miss the old behaviour but never fails the right one.
. "$(dirname "$0")/../lib.sh"

setup_netns n1 n2
T=$(mktemp -d)
on_exit "rm -rf $T"
(umask 077 && wg genkey > "$T/k1")
wg genkey | wg pubkey > "$T/p2"

iflink() { ip netns exec "$1" cat "/sys/class/net/$2/iflink"; }
ifindex() { ip netns exec "$1" cat "/sys/class/net/$2/ifindex"; }

ip -n n1 link add wg0 type wgtun
n1 wgctl set wg0 private-key "$T/k1" listen-port 51820 \
	peer "$(cat "$T/p2")" allowed-ips 192.0.2.2/32
ip -n n1 link add b0 type dummy
ip -n n1 link set wg0 up

log "iflink follows the binding"
assert_eq "$(iflink n1 wg0)" 0 "iflink unbound"
ip -n n1 -o link show dev wg0 | matches 'wg0@NONE:' || die "ip link: $(ip -n n1 -o link show dev wg0)"
n1 wgctl set wg0 bind-dev b0
assert_eq "$(iflink n1 wg0)" "$(ifindex n1 b0)" "iflink bound to b0"
ip -n n1 link del b0
assert_eq "$(iflink n1 wg0)" 0 "iflink with b0 gone"
ip -n n1 link add b0 type dummy
assert_eq "$(n1 wgctl show wg0 bind-dev)" b0 "bound to the new b0"
assert_eq "$(iflink n1 wg0)" "$(ifindex n1 b0)" "iflink bound to the new b0"
ip -n n1 link set wg0 netns n2
assert_eq "$(iflink n2 wg0)" 0 "iflink in another namespace than the sockets"
ip -n n2 link set wg0 netns n1
assert_eq "$(iflink n1 wg0)" "$(ifindex n1 b0)" "iflink back in the sockets' namespace"
n1 wgctl set wg0 bind-dev off
assert_eq "$(iflink n1 wg0)" 0 "iflink unbound again"
ip -n n1 link set wg0 up

log "wg0's carrier change goes out at once, not with the next batch"
ip -n n1 link add d0 type dummy
ip -n n1 link add v1 type veth peer name v2
for d in d0 v1 v2; do ip -n n1 link set "$d" up; done
stdbuf -oL ip -n n1 monitor link > "$T/mon" 2>&1 &
on_exit "kill $! 2>/dev/null"
# The monitor is listening once it reports a change made after it started.
mtu=1400
listening() {
	grep -q "d0:.* mtu $mtu " "$T/mon" && return 0
	ip -n n1 link set d0 mtu $((++mtu))
	return 1
}
wait_for 10 listening || die "the monitor saw nothing: $(cat "$T/mon")"
seen() { grep -qE "^[0-9]+: $1[:@].*NO-CARRIER" "$T/mon"; }
ip -n n1 link set d0 carrier off
wait_for 10 seen d0 || die "no message for d0's carrier: $(cat "$T/mon")"
n1 wgctl set wg0 carrier-follows-peers on
ip -n n1 link set v2 down
wait_for 10 seen wg0 || die "no message for wg0's carrier: $(cat "$T/mon")"
wait_for 10 seen v1 || die "no message for v1's carrier: $(cat "$T/mon")"
w=$(grep -nE '^[0-9]+: wg0[:@].*NO-CARRIER' "$T/mon" | head -1 | cut -d: -f1)
v=$(grep -nE '^[0-9]+: v1[:@].*NO-CARRIER' "$T/mon" | head -1 | cut -d: -f1)
((w < v)) || die "wg0's carrier message came after v1's:$(echo; cat "$T/mon")"
log ok
