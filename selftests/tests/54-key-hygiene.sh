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
# emulation). Each of the three ways of dropping the value gets its own pair
# of keys, so that one scan at the end looks for all three values and says
# which one is left; before the first teardown a scan must find the live
# copies of the first, which shows that the method sees them. The scanner
# keeps no copy of its own (one in the pages it frees on exit would be found
# by the next scan), does not count hits in its own read buffer, and says
# for each hit what owns the memory (--explain).
#
#   n1 wg0 (wgtun) 192.0.2.1 ==== tunnel ==== n2 wg0 (wgtun) 192.0.2.2
#   (both sides hold the same value: X25519(k1, pub2) = X25519(k2, pub1))
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

scan=$(dirname "$0")/../tools/keyscan.py
[[ -r /proc/kcore ]] || skip "no /proc/kcore in $(uname -r): nothing to scan"
python3 "$scan" --selftest --private /dev/null --public x > /dev/null ||
	die "keyscan's X25519 fails RFC 7748's test vector"

# scan_for PHASE...: copies of each phase's X25519(k1, pub2) in RAM, after
# RCU and deferred frees, outside the scanner's own memory; one count per
# phase, in order. A phase's keys are $IX_TMP/PHASE.k1 and PHASE.pub2.
scan_for() {
	local args=() p

	for p in "$@"; do
		args+=(--private "$IX_TMP/$p.k1" --public "$(cat "$IX_TMP/$p.pub2")")
	done
	sleep 2
	python3 "$scan" --explain "${args[@]}" > "$IX_TMP/scan.json" ||
		die "keyscan failed: $(cat "$IX_TMP/scan.json")"
	log "scan of ${*}: $(cat "$IX_TMP/scan.json")" >&2
	jq -r '.by_key[].hits' "$IX_TMP/scan.json"
}

# keys PHASE: new private keys on both sides (the old ones' peers removed),
# saved under PHASE's names, and a working tunnel with them, which needs the
# value on both sides.
keys() {
	wg genkey > "$IX_TMP/$1.k1"
	wg genkey > "$IX_TMP/$1.k2"
	n1 wgctl set wg0 private-key "$IX_TMP/$1.k1" peer "$IX_PUB2" remove
	n2 wgctl set wg0 private-key "$IX_TMP/$1.k2" peer "$IX_PUB1" remove
	IX_PUB1=$(wg pubkey < "$IX_TMP/$1.k1")
	IX_PUB2=$(wg pubkey < "$IX_TMP/$1.k2")
	echo "$IX_PUB2" > "$IX_TMP/$1.pub2"
	ix_peers 4
	ix_ping n1 192.0.2.2 || die "tunnel does not come up ($1)"
	ix_transfer n1 n2 192.0.2.2
}

ix_setup wgtun

keys peer-removed
(($(scan_for peer-removed) >= 2)) ||
	die "the scan does not find the two live copies: the method is blind"
log "removing the peer on both sides"
n1 wgctl set wg0 peer "$IX_PUB2" remove
n2 wgctl set wg0 peer "$IX_PUB1" remove

keys key-replaced
log "replacing the private keys"
wg genkey > "$IX_TMP/k1b"
wg genkey > "$IX_TMP/k2b"
n1 wgctl set wg0 private-key "$IX_TMP/k1b"
n2 wgctl set wg0 private-key "$IX_TMP/k2b"

keys link-deleted
log "deleting the interfaces"
n1 ip link del wg0
n2 ip link del wg0

phases=(peer-removed key-replaced link-deleted)
mapfile -t left < <(scan_for "${phases[@]}")
((${#left[@]} == 3)) || die "the scan counted ${#left[@]} values, not 3"
bad=0
for i in "${!phases[@]}"; do
	if ((left[i] != 0)); then
		echo "${left[i]} copies of the static-static DH value left (${phases[i]})" >&2
		bad=1
	fi
done
((bad == 0)) || die "key material left behind: see the scan above"
log ok
