#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# 2,000 peers x 50 allowed-IPs = 100,000 prefixes set by one `wgctl setconf`
# (split over many SET messages) and dumped back whole (coalescing a peer
# continued across dump messages); the same file on the in-tree module gives
# the same dump; a syncconf of the unchanged file changes nothing.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
ip link add wgt0 type wgtun
on_exit "ip link del wgt0"
ip link add wg0 type wireguard
on_exit "ip link del wg0"

log "generating 2000 peers x 50 prefixes"
python3 - "$tmp/big.conf" "$(wg genkey)" <<'EOF'
import base64, os, sys
out, priv = sys.argv[1], sys.argv[2]
with open(out, "w") as f:
    f.write("[Interface]\nPrivateKey = %s\nListenPort = 40000\n" % priv)
    for i in range(2000):
        key = base64.b64encode(os.urandom(32)).decode()
        ips = []
        for j in range(50):
            if j % 5 == 4:
                ips.append("fd%02x:%x:%x::/64" % (i >> 8, i & 0xff, j))
            else:
                ips.append("10.%d.%d.%d/32" % (i >> 8, i & 0xff, j))
        f.write("\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (key, ", ".join(ips)))
        if i % 3 == 0:
            f.write("Endpoint = 192.0.2.%d:%d\nPersistentKeepalive = %d\n" % (i % 250 + 1, 1000 + i, i % 60 + 1))
EOF

log "wgctl setconf"
start=$(date +%s%N)
wgctl setconf wgt0 "$tmp/big.conf"
log "setconf took $(( ($(date +%s%N) - start) / 1000000 )) ms"

start=$(date +%s%N)
wgctl show wgt0 dump > "$tmp/wgt.dump"
log "dump took $(( ($(date +%s%N) - start) / 1000000 )) ms"
peers=$(($(wc -l < "$tmp/wgt.dump") - 1))
assert_eq "$peers" 2000 "peers dumped"
prefixes=$(tail -n +2 "$tmp/wgt.dump" | cut -f4 | tr ',' '\n' | wc -l)
assert_eq "$prefixes" 100000 "prefixes dumped"
# Every peer exactly once: a split peer must have been coalesced.
assert_eq "$(tail -n +2 "$tmp/wgt.dump" | cut -f1 | sort -u | wc -l)" 2000 "distinct peers"

log "the same file on the in-tree module"
wg setconf wg0 "$tmp/big.conf"
wg show wg0 dump > "$tmp/wg.dump"
# Prefix order within a peer is each module's own; compare them sorted.
norm() {
	python3 -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
out = [lines[0]]
for line in lines[1:]:
    f = line.split("\t")
    f[3] = ",".join(sorted(f[3].split(",")))
    out.append("\t".join(f))
print("\n".join(sorted(out)))' "$1"
}
norm "$tmp/wgt.dump" > "$tmp/wgt.norm"
norm "$tmp/wg.dump" > "$tmp/wg.norm"
diff -q "$tmp/wgt.norm" "$tmp/wg.norm" > /dev/null ||
	die "dumps differ: $(diff "$tmp/wgt.norm" "$tmp/wg.norm" | sed -n 1,5p)"
if cmp -s "$tmp/wgt.dump" "$tmp/wg.dump"; then
	log "dumps identical byte for byte"
else
	log "dumps identical up to prefix order within peers"
fi

log "dumps racing with changes restart and stay whole (NLM_F_DUMP_INTR)"
victim=$(sed -n 2p "$tmp/wgt.dump" | cut -f1)
# A change every 2 s: a dump (about 1 s here) is sometimes cut and must start
# over; under constant change no dump of this size could ever be consistent.
( for i in $(seq 1 8); do
	wgctl set wgt0 peer "$victim" persistent-keepalive $((i % 50 + 1))
	sleep 2
done ) &
writer=$!
on_exit "kill $writer 2>/dev/null"
for i in 1 2 3 4 5; do
	# Each restarted dump is one more request: count them (for the log only).
	if command -v strace > /dev/null; then
		strace -f -qq -e trace=sendto -o "$tmp/race.trace" wgctl show wgt0 dump \
			> "$tmp/race.dump"
		log "racing dump $i: $(($(grep -c 'sendto(' "$tmp/race.trace") - 1)) dump request(s)"
	else
		wgctl show wgt0 dump > "$tmp/race.dump"
	fi
	assert_eq "$(($(wc -l < "$tmp/race.dump") - 1))" 2000 "peers in racing dump $i"
	assert_eq "$(tail -n +2 "$tmp/race.dump" | cut -f4 | tr ',' '\n' | wc -l)" 100000 \
		"prefixes in racing dump $i"
done
wait $writer
wgctl set wgt0 peer "$victim" persistent-keepalive "$(grep "^$victim" "$tmp/wgt.dump" | cut -f8 |
	sed 's/^off$/0/')"

log "syncconf of the same file changes nothing"
wgctl syncconf wgt0 "$tmp/big.conf"
wgctl show wgt0 dump > "$tmp/after.dump"
cmp -s "$tmp/wgt.dump" "$tmp/after.dump" || die "syncconf changed the configuration"

log "syncconf dropping half the peers"
python3 - "$tmp/big.conf" "$tmp/half.conf" <<'EOF'
import sys
text = open(sys.argv[1]).read().split("\n[Peer]\n")
open(sys.argv[2], "w").write("\n[Peer]\n".join(text[:1001]))
EOF
wgctl syncconf wgt0 "$tmp/half.conf"
assert_eq "$(wgctl show wgt0 peers | wc -l)" 1000 "peers after syncconf"
assert_eq "$(wgctl show wgt0 allowed-ips | cut -f2 | tr ' ' '\n' | wc -l)" 50000 \
	"prefixes after syncconf"
log "ok"
