#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# Teardown under load, ROUNDS times each: delete the namespace holding a
# wgtun interface, delete the interface, and rmmod wgtun, while pings
# cross the tunnel, the peer keeps re-handshaking (it is removed and added
# back in a loop) and a third namespace floods the interface with
# valid-mac1 handshake initiations.  No oops (the harness checks), no
# namespace or device left behind, module refcount 0 and rmmod works at the
# end; with kmemleak (debug kernel) a scan finds nothing.
#
#   n3 (flooder) veth4 203.0.113.2 ---- veth3 203.0.113.1 (n1)
#   n1 wg0 (wgtun) 192.0.2.1 ======== tunnel ======== n2 wg0 (wgtun) 192.0.2.2
#      veth1 198.51.100.1 --------------------------- veth2 198.51.100.2
#
# n1 runs no process of its own, so that deleting it really destroys it; n2
# and n3, and the load they generate, live through all rounds.
. "$(dirname "$0")/../lib.sh"

ROUNDS=${ROUNDS:-15}
fuzz=$(dirname "$0")/../tools/wgfuzz.py
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
umask 077
wg genkey > "$tmp/k1"
wg genkey > "$tmp/k2"
pub1=$(wg pubkey < "$tmp/k1")
pub2=$(wg pubkey < "$tmp/k2")
bg=()

# n2 (the peer) and n3 (the flooder) live through the whole test with their
# load running; n1 and its links are made anew for each round.
setup_netns n2 n3

peer_n2() {
	n2 ip link add wg0 type wgtun
	n2 ip addr add 192.0.2.2/24 dev wg0
	n2 wgctl set wg0 private-key "$tmp/k2" listen-port 51821 \
		peer "$pub1" endpoint 198.51.100.1:51820 allowed-ips 192.0.2.1/32
	n2 ip link set wg0 up
}

up_n1() {
	ip netns add n1
	ip -n n1 link set lo up
	ip link add veth1 netns n1 type veth peer name veth2 netns n2
	ip link add veth3 netns n1 type veth peer name veth4 netns n3
	n1 ip addr add 198.51.100.1/24 dev veth1
	n2 ip addr add 198.51.100.2/24 dev veth2
	n1 ip addr add 203.0.113.1/24 dev veth3
	n3 ip addr add 203.0.113.2/24 dev veth4
	for l in "n1 veth1" "n2 veth2" "n1 veth3" "n3 veth4"; do
		ip -n "${l% *}" link set "${l#* }" up
	done
	up_wg_n1
}

up_wg_n1() {
	n1 ip link add wg0 type wgtun
	n1 ip addr add 192.0.2.1/24 dev wg0
	n1 wgctl set wg0 private-key "$tmp/k1" listen-port 51820 \
		peer "$pub2" endpoint 198.51.100.2:51821 allowed-ips 192.0.2.2/32
	n1 ip link set wg0 up
}

# Load from n2 and n3 (n1 runs nothing: deleting it really destroys it): 200
# pings a second through the tunnel, a loop in which the peer forgets its
# session and handshakes again, and 400 valid-mac1 initiations a second at n1 (bounded, so
# that the two emulated CPUs still get the rounds done).
start_load() {
	ip netns exec n2 ping -q -i 0.005 -s 1000 192.0.2.1 > /dev/null 2>&1 &
	bg+=($!)
	ip netns exec n3 python3 "$fuzz" flood --dst 203.0.113.1 --port 51820 --pubkey "$pub1" \
		--seconds 3000 --pool 256 --rate 400 --seed "$RANDOM" > /dev/null 2>&1 &
	bg+=($!)
	(
		while :; do
			n2 wgctl set wg0 peer "$pub1" remove
			n2 wgctl set wg0 peer "$pub1" endpoint 198.51.100.1:51820 \
				allowed-ips 192.0.2.1/32
			n2 ping -q -c 1 -W 1 192.0.2.1
		done
	) > /dev/null 2>&1 &
	bg+=($!)
}

stop_load() {
	local p

	for p in "${bg[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	bg=()
}
on_exit stop_load

# in_flight: the tunnel works (a handshake completed), then a random moment.
in_flight() {
	wait_for 10 n2 ping -q -c 1 -W 1 192.0.2.1 > /dev/null ||
		die "round $i: tunnel does not come up"
	sleep "0.$((RANDOM % 9 + 1))"
}

# gone NS DEV: DEV has left NS (or NS is gone).
gone() {
	! ip -n "$1" link show "$2" > /dev/null 2>&1
}

modprobe wgtun
peer_n2
start_load
t0=$(date +%s)

log "$ROUNDS x delete the namespace under load"
for ((i = 0; i < ROUNDS; i++)); do
	up_n1
	in_flight
	ip netns del n1
	# n1's destruction takes veth2 and veth4 (the peers of its veths) with
	# it: a namespace kept alive by a leaked reference leaves them behind.
	wait_for 30 gone n2 veth2 || die "round $i: veth2 still in n2: n1 was not destroyed"
	wait_for 30 gone n3 veth4 || die "round $i: veth4 still in n3: n1 was not destroyed"
done

log "$ROUNDS x delete the interface under load"
up_n1
for ((i = 0; i < ROUNDS; i++)); do
	((i == 0)) || up_wg_n1
	in_flight
	n1 ip link del wg0
	gone n1 wg0 || die "round $i: wg0 still in n1"
done
# The listen port was released each time.
n1 ip link add wg1 type wgtun
n1 wgctl set wg1 listen-port 51820 || die "port 51820 still bound after the deletions"
n1 ip link del wg1

log "$ROUNDS x rmmod under load"
for ((i = 0; i < ROUNDS; i++)); do
	up_wg_n1
	link_exists wg0 n2 || peer_n2
	in_flight
	ok=0
	for ((j = 0; j < 40; j++)); do
		if rmmod wgtun 2>/dev/null; then ok=1; break; fi
		sleep 0.25
	done
	((ok)) || die "round $i: rmmod wgtun failed for 10 s (refcnt $(cat /sys/module/wgtun/refcnt))"
	gone n1 wg0 && gone n2 wg0 || die "round $i: wg0 survived rmmod"
	modprobe wgtun
done
log "$((3 * ROUNDS)) teardowns in $(($(date +%s) - t0)) s"
stop_load
ip netns del n1

log "nothing left behind"
sleep 2
ip netns del n2
ip netns del n3
assert_eq "$(ip netns list | wc -l)" 0 "namespaces left"
assert_eq "$(cat /sys/module/wgtun/refcnt)" 0 "wgtun refcount"
if dmesg | grep -q 'unregister_netdevice: waiting for'; then
	dmesg | grep 'unregister_netdevice: waiting for' | head -n 3
	die "a net device is still referenced"
fi
rmmod wgtun || die "final rmmod"
[[ ! -d /sys/module/wgtun ]] || die "wgtun still loaded"
if [[ -w /sys/kernel/debug/kmemleak ]]; then
	# Objects freed by RCU and deferred work need a moment; kmemleak only
	# reports objects that stayed unreferenced across two scans.
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [[ -n $leaks ]]; then
		head -n 60 <<< "$leaks"
		die "kmemleak: $(grep -c '^unreferenced object' <<< "$leaks") unreferenced object(s)"
	fi
	log "kmemleak: clean"
else
	log "no kmemleak in this kernel: the leak checks are the refcount, rmmod and the namespace check"
fi
log ok
