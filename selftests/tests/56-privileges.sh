#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# tier: core
#
# Who may read and change a wgtun interface, as with in-tree WireGuard:
# reading it (GET) and joining the events group need CAP_NET_ADMIN in its
# network namespace, so neither `nobody` nor the root of a user namespace
# that does not own that namespace learns peers, endpoints or counters, and
# wgctl says why instead of showing less.  The administrator of a namespace
# the interface was moved into may read and configure it, but not change
# its listen port or fwmark: its sockets live in the namespace it was created
# in, where that administrator has no say.
#
#   init netns: wgt0 (wgtun)         netns of user ns U: wgt1 (wgtun, created
#                                    in the init netns, then moved there)
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"
wg genkey > "$tmp/key"
chmod 644 "$tmp/key"
peer=$(wg genkey | wg pubkey)
for dev in wgt0 wgt1; do
	ip link add "$dev" type wgtun
	wgctl set "$dev" private-key "$tmp/key" listen-port 51820 fwmark 0x10 peer "$peer" \
		endpoint 192.0.2.1:51820 allowed-ips 10.1.0.0/16
done
on_exit "ip link del wgt0"

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# refused WHAT CMD...: CMD fails within a few seconds, says that it needs
# CAP_NET_ADMIN and that the operation is not permitted, and prints no
# peer, endpoint or key.
refused() {
	local what=$1 rc=0

	shift
	timeout 10 "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	if ((rc == 0 || rc == 124)); then
		bad "$what: not refused (exit $rc): $(head -c 300 "$tmp/out")"
	elif ! grep -q "CAP_NET_ADMIN.*Operation not permitted" "$tmp/err"; then
		bad "$what: unclear message: $(cat "$tmp/err")"
	elif grep -q -e "$peer" -e 192.0.2.1 -e 10.1.0.0 "$tmp/out"; then
		bad "$what: printed the peer: $(cat "$tmp/out")"
	fi
}

log "nobody"
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
refused "nobody: show wgt0" "${nobody[@]}" wgctl show wgt0
refused "nobody: show wgt0 dump" "${nobody[@]}" wgctl show wgt0 dump
refused "nobody: show (all)" "${nobody[@]}" wgctl show
refused "nobody: showconf wgt0" "${nobody[@]}" wgctl showconf wgt0
refused "nobody: monitor" "${nobody[@]}" wgctl monitor
refused "nobody: monitor wgt0" "${nobody[@]}" wgctl monitor wgt0
refused "nobody: set wgt0" "${nobody[@]}" wgctl set wgt0 listen-port 1

log "root of a user namespace that does not own the interface's namespace"
refused "userns root: show wgt0" unshare -U -r wgctl show wgt0
refused "userns root: monitor" unshare -U -r wgctl monitor
refused "userns root: set wgt0" unshare -U -r wgctl set wgt0 fwmark 1

log "wgt1 moved into a namespace owned by a user namespace"
unshare -U -r -n sleep 600 &
holder=$!
on_exit "kill $holder"
unshared() { [[ $(readlink "/proc/$holder/ns/net") != "$(readlink /proc/self/ns/net)" ]]; }
wait_for 5 unshared ||
	die "unshare did not make its namespaces"
ip link set wgt1 netns "/proc/$holder/ns/net"
on_exit "nsenter -t $holder -n ip link del wgt1"
# uroot CMD...: CMD as that namespace's administrator; aroot: as the real root.
uroot() { nsenter -t "$holder" -U -n "$@"; }
aroot() { nsenter -t "$holder" -n "$@"; }
uroot wgctl show wgt1 peers > "$tmp/out" 2> "$tmp/err" || bad "userns admin cannot show wgt1: $(cat "$tmp/err")"
assert_eq "$(cat "$tmp/out")" "$peer" "peers the namespace's administrator sees"
uroot wgctl set wgt1 peer "$peer" persistent-keepalive 5 ||
	bad "userns admin cannot configure a peer of wgt1"
assert_eq "$(aroot wgctl show wgt1 persistent-keepalive | cut -f2)" 5 "wgt1's keepalive"
for change in "listen-port 51999" "fwmark 0x20" "listen-port 51820" "fwmark 0x20 private-key $tmp/key"; do
	rc=0
	# shellcheck disable=SC2086 # the words are the arguments
	uroot wgctl set wgt1 $change 2> "$tmp/err" || rc=$?
	if ((rc == 0)); then
		bad "userns admin may set $change on wgt1"
	elif ! grep -q "CAP_NET_ADMIN in the namespace the interface was created in" "$tmp/err"; then
		bad "set $change: unclear message: $(cat "$tmp/err")"
	fi
done
assert_eq "$(aroot wgctl show wgt1 listen-port)" 51820 "wgt1's listen port"
assert_eq "$(aroot wgctl show wgt1 fwmark)" 0x10 "wgt1's fwmark"
aroot wgctl set wgt1 listen-port 51998 fwmark 0x30 || bad "root cannot set wgt1's port"
assert_eq "$(aroot wgctl show wgt1 listen-port)" 51998 "wgt1's listen port set by root"

((!fail)) || die "privileges differ from in-tree WireGuard's"
log ok
