#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 500
#
# Key hygiene, checked in physical memory: the static-static DH value that
# wgtun precomputes per peer (X25519 of our private key and the peer's public
# key) is derived in the kernel and never crosses netlink, so after the peer
# is removed, the private key replaced or the interface deleted, no copy of
# it may remain anywhere in RAM (freed memory and kernel stacks included).
# selftests/tools/keyscan.py reads /proc/kcore (2 GiB, most of a minute under
# emulation) and looks for several values in one pass. Three tunnels, one per
# way of dropping the value, each with its own keys, run at once: the first
# scan must find the live copies of all three values (which shows that the
# method sees each), the second, after the three teardowns, none, and it says
# which is left. The scanner keeps no copy of its own (one in the pages it
# frees on exit would be found by the next scan), does not count hits in its
# own read buffer, and says for each hit what owns the memory (--explain).
#
#   n1 wgN (wgtun) ==== tunnel N ==== n2 wgN (wgtun), N = 0, 1, 2
#   (both sides hold the same value: X25519(k1, pub2) = X25519(k2, pub1))
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

scan=$(dirname "$0")/../tools/keyscan.py
[[ -r /proc/kcore ]] || skip "no /proc/kcore in $(uname -r): nothing to scan"
python3 "$scan" --selftest --private /dev/null --public x > /dev/null ||
	die "keyscan's X25519 fails RFC 7748's test vector"

# The tunnels, by what happens to them: wg0 loses its peers, wg1 its private
# keys, wg2 is deleted.
ways=("peer removed" "private key replaced" "interface deleted")

# tunnel N: wgN on both sides with fresh keys, ports 51820 + 2N and
# 51821 + 2N, 10.54.N.1 and .2, one peer each, and traffic through it, which
# needs the value on both sides. Its n1 key is $IX_TMP/N.k1, its n2 public
# key in $IX_TMP/N.pub2.
tunnel() {
	local n=$1 p1=$((51820 + 2 * $1)) p2=$((51821 + 2 * $1)) pub1 pub2

	wg genkey > "$IX_TMP/$n.k1"
	wg genkey > "$IX_TMP/$n.k2"
	pub1=$(wg pubkey < "$IX_TMP/$n.k1")
	pub2=$(wg pubkey < "$IX_TMP/$n.k2")
	echo "$pub2" > "$IX_TMP/$n.pub2"
	if ! link_exists "wg$n" n1; then
		n1 ip link add "wg$n" type wgtun
		n2 ip link add "wg$n" type wgtun
	fi
	n1 ip addr add "10.54.$n.1/24" dev "wg$n"
	n2 ip addr add "10.54.$n.2/24" dev "wg$n"
	n1 wgctl set "wg$n" private-key "$IX_TMP/$n.k1" listen-port "$p1" \
		peer "$pub2" endpoint "198.51.100.2:$p2" allowed-ips "10.54.$n.2/32"
	n2 wgctl set "wg$n" private-key "$IX_TMP/$n.k2" listen-port "$p2" \
		peer "$pub1" endpoint "198.51.100.1:$p1" allowed-ips "10.54.$n.1/32"
	n1 ip link set "wg$n" up
	n2 ip link set "wg$n" up
	ix_ping n1 "10.54.$n.2" || die "tunnel $n does not come up"
	ix_transfer n1 n2 "10.54.$n.2"
}

# scan: copies of each tunnel's X25519(k1, pub2) in RAM, after RCU and
# deferred frees, outside the scanner's own memory; one count per tunnel.
scan() {
	local args=() n

	for n in 0 1 2; do
		args+=(--private "$IX_TMP/$n.k1" --public "$(cat "$IX_TMP/$n.pub2")")
	done
	sleep 2
	python3 "$scan" --explain "${args[@]}" > "$IX_TMP/scan.json" ||
		die "keyscan failed: $(cat "$IX_TMP/scan.json")"
	log "scan: $(cat "$IX_TMP/scan.json")" >&2
	jq -r '.by_key[].hits' "$IX_TMP/scan.json"
}

# ix_setup's underlay and wg0 (whose keys tunnel 0 replaces).
ix_setup wgtun
for n in 0 1 2; do
	tunnel "$n"
done

mapfile -t live < <(scan)
((${#live[@]} == 3)) || die "the scan counted ${#live[@]} values, not 3"
for n in 0 1 2; do
	((live[n] >= 2)) ||
		die "the scan finds ${live[n]} live copies of tunnel $n's value, not 2: it is blind"
done

log "tunnel 0: removing the peer on both sides"
n1 wgctl set wg0 peer "$(cat "$IX_TMP/0.pub2")" remove
n2 wgctl set wg0 peer "$(wg pubkey < "$IX_TMP/0.k1")" remove
log "tunnel 1: replacing the private keys"
wg genkey > "$IX_TMP/1.k1b"
wg genkey > "$IX_TMP/1.k2b"
n1 wgctl set wg1 private-key "$IX_TMP/1.k1b"
n2 wgctl set wg1 private-key "$IX_TMP/1.k2b"
log "tunnel 2: deleting the interfaces"
n1 ip link del wg2
n2 ip link del wg2

mapfile -t left < <(scan)
((${#left[@]} == 3)) || die "the scan counted ${#left[@]} values, not 3"
bad=0
for n in 0 1 2; do
	if ((left[n] != 0)); then
		echo "${left[n]} copies of tunnel $n's DH value left (${ways[n]})" >&2
		bad=1
	fi
done
((bad == 0)) || die "key material left behind: see the scan above"
log ok
