#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# tier: core
#
# Random and mutated messages to the "wgtun" generic-netlink family: 21,000 as
# root at full depth, 6,000 in make check (lib.sh's by_depth: either depth
# draws its messages from the same mix, chunks of 3,000, and make check-all
# runs the longer search), random commands,
# flags, versions, nesting, attribute types and lengths, truncation, starting
# from valid GET and SET requests, and 3,000 SETs as an unprivileged user,
# which must all be refused with EPERM without changing anything (and whose
# dumps must be refused alike).  Afterwards the fuzzed interfaces are still
# configurable and the tunnel still works.
#
#   n3: fz0, fz1 (wgtun, fuzz targets, up)
#   n1 wg0 (wgtun) 192.0.2.1 ==== tunnel ==== n2 wg0 (in-tree) 192.0.2.2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

nlfuzz=$(dirname "$0")/../tools/nlfuzz.py
chunks=$(by_depth 7 2)
per_chunk=3000

ix_setup intree
ix_peers 4
ix_ping n1 192.0.2.2 || die "tunnel does not come up"

setup_netns n3
make_targets() {
	local d

	for d in fz0 fz1; do
		n3 ip link del "$d" 2>/dev/null || true
		n3 ip link add "$d" type wgtun
		n3 ip link set "$d" up
	done
	n3 wgctl set fz0 private-key "$IX_TMP/k1" listen-port 51900 \
		peer "$IX_PUB2" preshared-key "$IX_TMP/psk" endpoint 127.0.0.1:51901 \
		allowed-ips 10.9.0.0/16,fd00::/64
	n3 wgctl set fz1 private-key "$IX_TMP/k2" listen-port 51901 \
		peer "$IX_PUB1" endpoint 127.0.0.1:51900 allowed-ips 10.8.0.0/16
}
wg genpsk > "$IX_TMP/psk"
make_targets

log "root's dump carries the secrets (so that their absence below means something)"
n3 python3 "$nlfuzz" secrets --ifname fz0 > "$IX_TMP/secrets.json"
(($(jq .secrets "$IX_TMP/secrets.json") >= 2)) || die "root dump: $(cat "$IX_TMP/secrets.json")"

log "3000 mutated SETs as an unprivileged user"
before=$(n3 wgctl showconf fz0)
ip netns exec n3 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all python3 "$nlfuzz" unpriv --ifname fz0 --ifname fz1 --count 3000 \
	--seed "$RANDOM" > "$IX_TMP/unpriv.json" || true
cat "$IX_TMP/unpriv.json"
# Checked at the end, so that one failure does not hide the root fuzz.
unpriv_ok=1
[[ $(jq .refused "$IX_TMP/unpriv.json") == 3000 ]] || unpriv_ok=0
[[ $(jq .dumps_refused "$IX_TMP/unpriv.json") == 2 && $(jq .dump_messages "$IX_TMP/unpriv.json") == 0 ]] ||
	die "unprivileged dumps: $(cat "$IX_TMP/unpriv.json")"
assert_eq "$(n3 wgctl showconf fz0)" "$before" "fz0 after the unprivileged SETs"

log "$((chunks * per_chunk)) random and mutated messages as root"
for ((c = 0; c < chunks; c++)); do
	n3 python3 "$nlfuzz" root --ifname fz0 --ifname fz1 --count "$per_chunk" \
		--seed "$RANDOM" > "$IX_TMP/root.json" || die "fuzz chunk $c failed"
	echo "# chunk $c: $(cat "$IX_TMP/root.json")"
	# Fresh targets: the fuzz may leave many peers behind.
	make_targets
done

log "the family still works: configure fz0 from scratch and read it back"
n3 wgctl set fz0 private-key "$IX_TMP/k2" listen-port 51910 peer "$IX_PUB1" \
	endpoint 127.0.0.1:51911 allowed-ips 10.7.0.0/24
assert_eq "$(n3 wgctl show fz0 listen-port)" 51910 "fz0 listen port"
assert_eq "$(n3 wgctl show fz0 public-key)" "$IX_PUB2" "fz0 public key"
assert_match "$(n3 wgctl show fz0 allowed-ips)" "10.7.0.0/24" "fz0 allowed-ips"
n3 ip link del fz0
n3 ip link del fz1

log "the tunnel still works"
ix_ping n1 192.0.2.2 || die "ping after the fuzz"
ix_transfer n1 n2 192.0.2.2
((unpriv_ok)) || die "unprivileged SETs not all refused with EPERM: $(jq -c . "$IX_TMP/unpriv.json")"
log ok
