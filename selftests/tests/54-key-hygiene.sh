#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 500
#
# Key hygiene, checked in physical memory: the static-static DH value that
# wgtun precomputes per peer (X25519 of our private key and the peer's public
# key) is derived in the kernel and never crosses netlink, so after the peer
# is removed, the private key replaced or the interface deleted, no copy of
# it may remain anywhere in RAM (freed memory and kernel stacks included).
# selftests/tools/keyscan.py reads /proc/kcore; before the first teardown the
# same scan must find the live copies, which shows that the method sees them.
# The scanner keeps no copy of its own (one in the pages it frees on exit
# would be found by the next scan), does not count hits in its own read
# buffer, and says for each hit what owns the memory (--explain).
#
#   n1 wg0 (wgtun) 192.0.2.1 ==== tunnel ==== n2 wg0 (wgtun) 192.0.2.2
#   (both sides hold the same value: X25519(k1, pub2) = X25519(k2, pub1))
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

scan=$(dirname "$0")/../tools/keyscan.py
[[ -r /proc/kcore ]] || skip "no /proc/kcore in $(uname -r): nothing to scan"
python3 "$scan" --selftest --private /dev/null --public x > /dev/null ||
	die "keyscan's X25519 fails RFC 7748's test vector"

# hits: copies of X25519(k1, pub2) in RAM, after RCU and deferred frees,
# outside the scanner's own memory.
hits() {
	sleep 2
	python3 "$scan" --explain --private "$IX_TMP/k1" --public "$IX_PUB2" \
		> "$IX_TMP/scan.json" ||
		die "keyscan failed: $(cat "$IX_TMP/scan.json")"
	log "scan: $(cat "$IX_TMP/scan.json")" >&2
	jq .hits "$IX_TMP/scan.json"
}

# live [check]: a working tunnel, which needs the value on both sides; with
# "check" (once: each scan of 2 GiB takes most of a minute under emulation),
# the scan must find those two copies, or the method is blind.
live() {
	ix_peers 4
	ix_ping n1 192.0.2.2 || die "tunnel does not come up"
	ix_transfer n1 n2 192.0.2.2
	[[ ${1:-} == check ]] || return 0
	(($(hits) >= 2)) || die "the scan does not find the two live copies: the method is blind"
}

ix_setup wgtun

log "removing the peer on both sides"
live check
n1 wgctl set wg0 peer "$IX_PUB2" remove
n2 wgctl set wg0 peer "$IX_PUB1" remove
n=$(hits)
((n == 0)) || die "$n copies of the static-static DH value left after removing the peers"

log "replacing the private keys"
live
wg genkey > "$IX_TMP/k1b"
wg genkey > "$IX_TMP/k2b"
n1 wgctl set wg0 private-key "$IX_TMP/k1b"
n2 wgctl set wg0 private-key "$IX_TMP/k2b"
n=$(hits)
((n == 0)) || die "$n copies of the static-static DH value left after replacing the private keys"
n1 wgctl set wg0 private-key "$IX_TMP/k1"
n2 wgctl set wg0 private-key "$IX_TMP/k2"

log "deleting the interfaces"
live
n1 ip link del wg0
n2 ip link del wg0
n=$(hits)
((n == 0)) || die "$n copies of the static-static DH value left after deleting the interfaces"
log ok
