#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1300
# tier: core
#
# Teardown under load: an interface deleted, a namespace deleted and the
# module removed while pings cross the tunnels, the peer keeps re-handshaking
# (it removes and adds one of its peers in a loop) and a third namespace
# floods both n1 interfaces with valid-mac1 handshake initiations.  No oops
# (the harness checks), no namespace or device left behind, module refcount
# 0 and rmmod works at the end; with kmemleak (debug kernel) a scan finds
# nothing.
#
#   n3 (flooders) veth4 203.0.113.2 ---- veth3 203.0.113.1 (n1)
#   n1 wg0 (wgtun) 192.0.2.1 ========== tunnel ==========+ n2 wg0 (wgtun)
#   n1 wg1 (wgtun) 192.0.3.1 ========== tunnel ==========+ 192.0.2.2, 192.0.3.2
#      veth1 198.51.100.1 ------------------------------- veth2 198.51.100.2
#
# ROUNDS rounds of each of two kinds, all under one load that runs from start
# to end:
#  - namespace and interface: n1 is made anew with both tunnels; once both
#    carry pings and the flood reaches n1, at a random moment wg1 is deleted
#    with `ip link del` and, a random moment later, the namespace with wg0
#    still live in it.
#  - rmmod: wg0 and wg1 made anew in n1 (and n2's wg0 after the previous
#    rmmod took it); once the tunnels carry pings and the flood reaches n1,
#    rmmod takes every wgtun interface at once, n2's too, while the load goes
#    on.
# So every round tears down live tunnels at a random moment, each teardown
# kind meets the flood ROUNDS times, and one shared set-up and handshake wait
# serves two interfaces.  ROUNDS is 15 at full depth and 5 in make check
# (lib.sh's by_depth): every round runs every teardown path, so make check
# still meets each path five times at random moments on every kernel, and
# make check-all runs the 15-round search for a rare interleaving.  Set-up
# goes through `ip -batch`: under emulation each process started costs more
# than the kernel work it does.
#
# The flood is let in (n3's blackhole route to n1 removed) only once both
# tunnels are up, and each teardown waits until n1 has received FLOOD_SEEN of
# its packets.  So every teardown still meets initiations being queued and
# worked on, while the handshakes of the set-up do not wait for a cookie and
# the 5 s retry that a flood in progress forces (that path is
# 51-handshake-flood's).
# n1's tunnels start their handshakes themselves when they come up (a
# persistent keepalive): otherwise n2, still holding the session with the
# previous round's n1, would find it dead only after its keepalive and
# rekey timeouts, 15 s a round.  The gate is a route, not veth3's link
# state, and n3 knows veth3's address statically: a link coming up waits for
# the kernel's link watch (a second or more under emulation) and then ARP,
# a route goes at once.
# n1 runs no process of its own while it is deleted, so that deleting it
# really destroys it; n2 and n3, and the load they generate, live through all
# rounds.
. "$(dirname "$0")/../lib.sh"

ROUNDS=${ROUNDS:-$(by_depth 15 5)}
FLOOD_SEEN=20
VETH3_MAC=02:00:00:00:00:03
fuzz=$(dirname "$0")/../tools/wgfuzz.py
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
umask 077
mkfifo "$tmp/tick"
wg genkey > "$tmp/k1"
wg genkey > "$tmp/k2"
wg genkey > "$tmp/k3"
pub1=$(wg pubkey < "$tmp/k1")
pub2=$(wg pubkey < "$tmp/k2")
pub3=$(wg pubkey < "$tmp/k3")
bg=()

setup_netns n2 n3

# n2's wg0, the peer of both n1 tunnels.
peer_n2() {
	ip -n n2 -batch - <<-EOF
	link add wg0 type wgtun
	addr add 192.0.2.2/24 dev wg0
	addr add 192.0.3.2/24 dev wg0
	EOF
	n2 wgctl set wg0 private-key "$tmp/k2" listen-port 51821 \
		peer "$pub1" endpoint 198.51.100.1:51820 allowed-ips 192.0.2.1/32 \
		peer "$pub3" endpoint 198.51.100.1:51822 allowed-ips 192.0.3.1/32
	n2 ip link set wg0 up
}

# n1 with its links to n2 and n3, then its tunnels.
up_n1() {
	ip -batch - <<-EOF
	netns add n1
	link add veth1 netns n1 type veth peer name veth2 netns n2
	link add veth3 netns n1 address $VETH3_MAC type veth peer name veth4 netns n3
	EOF
	ip -n n1 -batch - <<-EOF
	link set lo up
	addr add 198.51.100.1/24 dev veth1
	addr add 203.0.113.1/24 dev veth3
	link set veth1 up
	link set veth3 up
	EOF
	ip -n n2 -batch - <<-EOF
	addr add 198.51.100.2/24 dev veth2
	link set veth2 up
	EOF
	ip -n n3 -batch - <<-EOF
	addr add 203.0.113.2/24 dev veth4
	link set veth4 up
	neigh replace 203.0.113.1 lladdr $VETH3_MAC dev veth4 nud permanent
	route replace blackhole 203.0.113.1/32
	EOF
	up_wg_n1
}

up_wg_n1() {
	ip -n n1 -batch - <<-EOF
	link add wg0 type wgtun
	addr add 192.0.2.1/24 dev wg0
	link add wg1 type wgtun
	addr add 192.0.3.1/24 dev wg1
	EOF
	n1 wgctl set wg0 private-key "$tmp/k1" listen-port 51820 \
		peer "$pub2" endpoint 198.51.100.2:51821 allowed-ips 192.0.2.2/32 \
		persistent-keepalive 25
	n1 wgctl set wg1 private-key "$tmp/k3" listen-port 51822 \
		peer "$pub2" endpoint 198.51.100.2:51821 allowed-ips 192.0.3.2/32 \
		persistent-keepalive 25
	ip -n n1 -batch - <<-EOF
	link set wg0 up
	link set wg1 up
	EOF
}

# The load, from n2 and n3 (n1 runs nothing): 100 pings a second through
# each tunnel; a loop in which n2 forgets wg0's peer and handshakes with it
# again, twice a second at most; 100 valid-mac1 initiations a second at each
# of n1's ports.  Pings and initiations go on while the addresses they aim
# at come and go.  Every part is paced, not run flat out: the load must
# leave the guest's two emulated CPUs room for the rounds on a slower host
# too, and a teardown, which takes a few hundred milliseconds at the least,
# still meets dozens of initiations and pings on their way, and a real
# handshake at most half a second old.
start_load() {
	local dst port pub

	for dst in 192.0.2.1 192.0.3.1; do
		ip netns exec n2 ping -q -i 0.01 -s 1000 "$dst" > /dev/null 2>&1 &
		bg+=($!)
	done
	for port in 51820 51822; do
		pub=$pub1
		[[ $port == 51822 ]] && pub=$pub3
		ip netns exec n3 python3 "$fuzz" flood --dst 203.0.113.1 --port "$port" \
			--pubkey "$pub" --seconds 3000 --pool 256 --rate 100 --seed "$RANDOM" \
			> /dev/null 2>&1 &
		bg+=($!)
	done
	(
		exec 9<> "$tmp/tick"
		while :; do
			n2 wgctl set wg0 peer "$pub1" remove
			n2 wgctl set wg0 peer "$pub1" endpoint 198.51.100.1:51820 \
				allowed-ips 192.0.2.1/32
			n2 ping -q -c 1 -W 1 192.0.2.1
			read -r -t 0.5 -u 9 || :
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

# both_up: each n1 tunnel has completed a handshake.  wg1's peer is stable,
# so a ping through it shows it; wg0's peer in n2 is forgotten and re-added
# in a loop, so a ping through it succeeds only in that loop's windows:
# wg0's latest handshake shows that the loop's last one reached it.
both_up() {
	local hs

	hs=$(n1 wgctl show wg0 latest-handshakes) || return 1
	[[ ${hs##*[[:space:]]} != 0 ]] && n2 ping -q -c 1 -W 1 192.0.3.1 > /dev/null
}

# let_flood_in SECONDS: remove n3's blackhole route to n1 and return once
# FLOOD_SEEN packets have come in on n1's veth3, failing after SECONDS
# (scaled).  One shell in n1 does it all, polling the counter with builtins
# (its pause is a read on a FIFO nobody writes): under emulation every
# process started costs more than the wait itself.
let_flood_in() {
	ip netns exec n1 timeout "$(scaled "$1")" bash -c '
		rx=/sys/class/net/veth3/statistics/rx_packets
		exec 9<> "$2"
		read -r before < "$rx"
		ip -n n3 route del blackhole 203.0.113.1/32 || exit 1
		while read -r now < "$rx" && ((now - before < $1)); do
			read -r -t 0.05 -u 9 || :
		done' - "$FLOOD_SEEN" "$tmp/tick"
}

# in_flight: both tunnels work (each completed a handshake), the flood is let
# in and reaches n1, then a random moment.
in_flight() {
	mark set
	wait_for 60 both_up || die "round $i: the tunnels do not come up"
	mark up
	let_flood_in 30 || die "round $i: the flood does not reach n1"
	mark flood
	random_moment
}

random_moment() {
	sleep "0.$((RANDOM % 9 + 1))"
}

# mark NAME: the time now, as t_NAME in ms; took A B: ms from mark A to B.
mark() {
	local t=${EPOCHREALTIME/./}

	printf -v "t_$1" '%d' "${t:0:-3}"
}

took() {
	local a="t_$1" b="t_$2"

	echo "$(((${!b} - ${!a}) / 1000)).$((((${!b} - ${!a}) % 1000) / 100))s"
}

# gone NS DEV: DEV has left NS (or NS is gone).
gone() {
	! ip -n "$1" link show "$2" > /dev/null 2>&1
}

modprobe wgtun
peer_n2
start_load

log "$ROUNDS x delete an interface, then its namespace, under load"
for ((i = 0; i < ROUNDS; i++)); do
	mark start
	up_n1
	in_flight
	mark del
	n1 ip link del wg1
	gone n1 wg1 || die "round $i: wg1 still in n1"
	mark netns
	random_moment
	ip netns del n1
	# n1's destruction takes veth2 and veth4 (the peers of its veths) with
	# it: a namespace kept alive by a leaked reference leaves them behind.
	wait_for 30 gone n2 veth2 || die "round $i: veth2 still in n2: n1 was not destroyed"
	wait_for 30 gone n3 veth4 || die "round $i: veth4 still in n3: n1 was not destroyed"
	mark end
	log "round $i: set-up $(took start set), handshakes $(took set up)," \
		"flood in $(took up flood), link del $(took del netns)," \
		"namespace gone $(took netns end)"
done
log "namespace and interface rounds done"

up_n1
n1 ip link del wg0
n1 ip link del wg1
# The listen ports were released each time.
n1 ip link add wg2 type wgtun
n1 wgctl set wg2 listen-port 51820 || die "port 51820 still bound after the deletions"
n1 wgctl set wg2 listen-port 51822 || die "port 51822 still bound after the deletions"
n1 ip link del wg2

log "$ROUNDS x rmmod under load"
for ((i = 0; i < ROUNDS; i++)); do
	n3 ip route replace blackhole 203.0.113.1/32
	up_wg_n1
	link_exists wg0 n2 || peer_n2
	in_flight
	log "round $i: handshakes $(took set up), flood in $(took up flood)"
	ok=0
	for ((j = 0; j < 40; j++)); do
		if rmmod wgtun 2>/dev/null; then ok=1; break; fi
		sleep 0.25
	done
	((ok)) || die "round $i: rmmod wgtun failed 40 times (refcnt $(cat /sys/module/wgtun/refcnt))"
	gone n1 wg0 && gone n1 wg1 && gone n2 wg0 || die "round $i: an interface survived rmmod"
	log "round $i: removed after $j busy tries"
	modprobe wgtun
done
log "rmmod rounds done"
stop_load
ip netns del n1

log "nothing left behind"
ip netns del n2
ip netns del n3
wait_for 30 test -z "$(ip netns list)" || die "namespaces left: $(ip netns list)"
assert_eq "$(cat /sys/module/wgtun/refcnt)" 0 "wgtun refcount"
held=$(dmesg | grep 'unregister_netdevice: waiting for' || true)
if [[ -n $held ]]; then
	head -n 3 <<< "$held"
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
