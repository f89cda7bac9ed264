#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# tier: core
#
# A stranger's datagrams at wgtun's listen port while the tunnel carries
# traffic: every message type at every boundary length with random content,
# transport packets carrying the live receiver index (read off the wire),
# replays and bit-flipped copies of real packets; over 50,000 in all.
# The tunnel must keep working, the peer must not roam to the sender, and
# every datagram must be accounted for by the drop counter it belongs in.
#
#   n3 (fuzzer)                n1                                  n2
#   veth4 203.0.113.2 ---- veth3 203.0.113.1
#                              wg0 (wgtun) 192.0.2.1 ==tunnel== wg0 (in-tree) 192.0.2.2
#                              veth1 198.51.100.1 ------------- veth2 198.51.100.2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

fuzz=$(dirname "$0")/../tools/wgfuzz.py

# drops NS WHO: the drop counters of the device (WHO=dev) or its only peer
# (WHO=peer) as "name=value" lines.
drops() {
	local sel

	if [[ $2 == dev ]]; then sel='.drops'; else sel='.peers[0].drops'; fi
	ip netns exec "$1" wgctl show wg0 --json |
		jq -r "(if type == \"array\" then .[0] else . end) | $sel | to_entries[] |
			\"\(.key)=\(.value)\""
}

ix_setup intree
ix_peers 4

setup_netns n3
ip link add veth3 netns n1 type veth peer name veth4 netns n3
n1 ip addr add 203.0.113.1/24 dev veth3
n3 ip addr add 203.0.113.2/24 dev veth4
n1 ip link set veth3 up
n3 ip link set veth4 up

# The captured session is good for 180 s from its handshake, and under the
# debug kernel making the datagrams alone takes a while, so the fuzzer makes
# them before the tunnel comes up and sends once told to.
log "making the datagrams"
n3 python3 "$fuzz" malformed --dst 203.0.113.1 --port 51820 --captured "$IX_TMP/captured" \
	--per-cell 320 --replays 2000 --seed "$RANDOM" \
	--ready "$IX_TMP/ready" --go "$IX_TMP/go" --wait "$(scaled 120)" > "$IX_TMP/fuzz.json" &
fuzzer=$!
on_exit "kill $fuzzer 2>/dev/null"
wait_for 60 test -e "$IX_TMP/ready" || die "the fuzzer did not get ready"
ix_ping n1 192.0.2.2 || die "tunnel does not come up"

log "capturing authentic transport packets (receiver index, replay material)"
# The pings go on until the capture has its packets (a slow guest may take
# longer to start the capture than a fixed count of pings lasts).
n1 python3 "$fuzz" capture --ifname veth1 --port 51820 --count 200 --timeout "$(scaled 60)" \
	--out "$IX_TMP/captured" > "$IX_TMP/capture.json" &
cap=$!
ip netns exec n2 ping -q -i 0.02 -s 200 192.0.2.1 > /dev/null 2>&1 &
capping=$!
on_exit "kill $capping 2>/dev/null"
wait "$cap" || die "capture found no transport packets: $(cat "$IX_TMP/capture.json")"
kill "$capping" 2>/dev/null
wait "$capping" 2>/dev/null || true
log "captured $(wc -l < "$IX_TMP/captured") packets"

declare -A dev0 peer0 dev1 peer1
while IFS='=' read -r k v; do dev0[$k]=$v; done < <(drops n1 dev)
while IFS='=' read -r k v; do peer0[$k]=$v; done < <(drops n1 peer)
rx0=$(n1 cat /sys/class/net/veth3/statistics/rx_dropped)

log "fuzzing while the tunnel carries a ping flow"
# A fixed deadline: a background job ignores SIGINT, and ping only prints its
# summary on SIGINT or at the deadline.  The fuzz takes a few seconds (some
# minutes under the debug kernel).
ip netns exec n2 ping -q -i 0.05 -w 20 192.0.2.1 > "$IX_TMP/ping.out" 2>&1 &
pinger=$!
on_exit "kill $pinger 2>/dev/null"
touch "$IX_TMP/go"
wait "$fuzzer" || die "the fuzzer failed"
cat "$IX_TMP/fuzz.json"
wait "$pinger" || true
tail -n 2 "$IX_TMP/ping.out"

sent=$(jq .sent "$IX_TMP/fuzz.json")
((sent >= 50000)) || die "only $sent datagrams sent"

while IFS='=' read -r k v; do dev1[$k]=$v; done < <(drops n1 dev)
while IFS='=' read -r k v; do peer1[$k]=$v; done < <(drops n1 peer)
rx1=$(n1 cat /sys/class/net/veth3/statistics/rx_dropped)
lost=$((rx1 - rx0))

d() { echo $((dev1[$1] - dev0[$1])); }
p() { echo $((peer1[$1] - peer0[$1])); }
e() { jq ".expect.$1 // 0" "$IX_TMP/fuzz.json"; }

# What each expected category was counted as.  Handshake-sized messages may
# also be refused by a full handshake queue (queue_full) or, under load, by
# the rate limiter; those count toward their category's total.
declare -A got want
got[malformed]=$(d malformed)
got[bad_mac]=$(($(d bad_mac) + $(d queue_full) + $(d ratelimited)))
got[handshake]=$(d handshake)
got[no_session]=$(($(d no_session) + $(p no_session)))
got[decrypt]=$(p decrypt)
got[replay]=$(p replay)
total=0
for k in malformed bad_mac handshake no_session decrypt replay; do
	want[$k]=$(e "$k")
	total=$((total + got[$k]))
	printf '# %-10s expected %6d counted %6d\n' "$k" "${want[$k]}" "${got[$k]}"
done
log "sent $sent, counted $total, lost on the veth $lost"
for k in "${!dev1[@]}"; do
	# no_peer: the kernel's own IPv6 multicast (router solicitations, MLD)
	# sent on wg0, which no allowed-IPs entry covers.
	[[ $k == @(malformed|bad_mac|handshake|no_session|queue_full|ratelimited|no_peer) ]] &&
		continue
	(($(d "$k") == 0)) || die "device drop counter $k moved by $(d "$k")"
done
for k in "${!peer1[@]}"; do
	[[ $k == @(decrypt|replay|no_session) ]] && continue
	(($(p "$k") == 0)) || die "peer drop counter $k moved by $(p "$k")"
done

# Every datagram is counted once, in its own category; only what the veth
# itself dropped may be missing.
((total <= sent && total >= sent - lost)) ||
	die "counted $total drops for $sent datagrams ($lost lost on the veth)"
late=$((want[decrypt] - got[decrypt] + want[replay] - got[replay]))
if ((late > 0 && got[no_session] - want[no_session] == late)); then
	why=" ($late datagrams of the captured session arrived after it had expired)"
fi
for k in malformed bad_mac handshake no_session decrypt replay; do
	((got[$k] <= want[$k] && got[$k] >= want[$k] - lost)) ||
		die "$k: counted ${got[$k]}, expected ${want[$k]}${why:-}"
done

log "the peer did not roam to the fuzzer, and the tunnel still works"
ep=$(n1 wgctl show wg0 endpoints | awk '{ print $2 }')
assert_eq "$ep" "198.51.100.2:51821" "peer endpoint after the fuzz"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$IX_TMP/ping.out")
[[ -n $received ]] && ((received > 0)) || die "no ping got through during the fuzz"
ix_ping n1 192.0.2.2 || die "ping n1->n2 after the fuzz"
ix_transfer n1 n2 192.0.2.2
ix_transfer n2 n1 192.0.2.1
log ok
