#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# tier: core
#
# The handshake backlog under a spray at many interfaces (issue #21, part 3):
# handshake initiations sprayed at FLOODED interfaces' ports must not hold
# memory without bound, must not delay other interfaces' handshakes past
# their retries, and must not hold up deleting a sprayed interface.
#
#   n3 (sprayer) veth4 203.0.113.2 ----------- veth3 203.0.113.1 (n1)
#                                       n1 wgf0..wgfN-1 (wgtun, one key, ports 52000..)
#   n1 wgq0..wgq4 (wgtun) 10.9.I.1 ==== 5 tunnels ==== n2 wgp0..wgp4 (in-tree) 10.9.I.2
#      veth1 198.51.100.1 ---------------------------- veth2 198.51.100.2
#
# The sprayer (selftests/tools/flood, or wgfuzz.py flood where it is not
# built) sends initiations whose mac1 is valid for the sprayed interfaces'
# key (anyone can make them: the key is public), every 8th with a wrong
# one, to each sprayed port in turn, as fast as it can.  Once n1 receives
# the spray, every tunnel is made to start a new session: wgp0-2 go down and
# up (the in-tree module forgets its sessions) and ping, so the in-tree side
# initiates; wgq3-4 likewise, so wgtun initiates and the in-tree response
# meets the backlog.  Each tunnel must carry a ping within HS_LIMIT seconds
# (scaled), half of the 90 s a WireGuard initiator keeps retrying: under the
# spray a first attempt may get a cookie reply, and the retry 5 s later
# passes with the cookie.  Meanwhile, sampled every second, the
# skbuff_head_cache objects in /proc/slabinfo (one per queued datagram) must
# stay within SKB_BOUND of their count before the spray: the module bounds
# its handshake backlog module-wide at 16,384 messages, and the veths,
# sockets and per-CPU slab caches hold a few thousand more; without a bound
# each interface may queue 4,096, FLOODED times that in all.  A backlog
# past RUNAWAY stops the spray early, so that the guest keeps its memory.
# Last, deleting a sprayed interface while the spray goes on must return
# within DEL_LIMIT seconds (scaled).
. "$(dirname "$0")/../lib.sh"

FLOODED=${FLOODED:-200}
FIRST_PORT=52000
QUIET=5
HS_LIMIT=45
DEL_LIMIT=10
SKB_BOUND=32768
RUNAWAY=$((4 * SKB_BOUND))
SPRAY_SEEN=2000

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
umask 077

setup_netns n1 n2 n3
veth_link n1 veth1 198.51.100.1/24 n2 veth2 198.51.100.2/24
veth_link n1 veth3 203.0.113.1/24 n3 veth4 203.0.113.2/24

# The sprayed interfaces: made, keyed and brought up in a few processes
# (under emulation each process started costs more than its kernel work).
log "making $FLOODED sprayed interfaces"
wg genkey > "$tmp/kf"
pubf=$(wg pubkey < "$tmp/kf")
for ((i = 0; i < FLOODED; i++)); do
	echo "link add wgf$i type wgtun"
done | ip -n n1 -batch -
n1 bash -c "for ((i = 0; i < $FLOODED; i++)); do
	wgctl set wgf\$i private-key $tmp/kf listen-port \$(($FIRST_PORT + i)) || exit 1
done"
for ((i = 0; i < FLOODED; i++)); do
	echo "link set wgf$i up"
done | ip -n n1 -batch -
log "sprayed interfaces up"

# The quiet tunnels, wgtun in n1 to the in-tree module in n2.
for ((i = 0; i < QUIET; i++)); do
	wg genkey > "$tmp/kq$i"
	wg genkey > "$tmp/kp$i"
	n1 ip link add "wgq$i" type wgtun
	n2 ip link add "wgp$i" type wireguard
	n1 ip addr add "10.9.$i.1/24" dev "wgq$i"
	n2 ip addr add "10.9.$i.2/24" dev "wgp$i"
	n1 wgctl set "wgq$i" private-key "$tmp/kq$i" listen-port $((51900 + i)) \
		peer "$(wg pubkey < "$tmp/kp$i")" endpoint "198.51.100.2:$((51910 + i))" \
		allowed-ips "10.9.$i.2/32"
	n2 wg set "wgp$i" private-key "$tmp/kp$i" listen-port $((51910 + i)) \
		peer "$(wg pubkey < "$tmp/kq$i")" endpoint "198.51.100.1:$((51900 + i))" \
		allowed-ips "10.9.$i.1/32"
	n1 ip link set "wgq$i" up
	n2 ip link set "wgp$i" up
done
for ((i = 0; i < QUIET; i++)); do
	n2 ping -q -c 1 -w "$(scaled 20)" "10.9.$i.1" > /dev/null ||
		die "tunnel $i does not come up before the spray"
done
log "$QUIET quiet tunnels up"

skbs() {
	awk '$1 == "skbuff_head_cache" { print $2 }' /proc/slabinfo
}
veth3_rx() {
	n1 cat /sys/class/net/veth3/statistics/rx_packets
}
spray_seen() {
	(($(veth3_rx) - rx0 >= SPRAY_SEEN))
}

skb0=$(skbs)
rx0=$(veth3_rx)
[[ -n $skb0 ]] || skip "no skbuff_head_cache in /proc/slabinfo"
ports="$FIRST_PORT-$((FIRST_PORT + FLOODED - 1))"
flood_initiations n3 203.0.113.1 "$ports" "$pubf" 100000 "$tmp/spray.json"
sprayer=$flood_pid
on_exit "kill $sprayer 2>/dev/null"
wait_for 30 spray_seen || die "the spray does not reach n1"
log "spray reaching n1 ($(($(veth3_rx) - rx0)) packets); new sessions for the $QUIET tunnels"

# handshake NS DST OUT: ping DST from NS until one reply; write the seconds
# it took (or "none") to OUT.
handshake() {
	local t0=$EPOCHSECONDS

	if ip netns exec "$1" ping -q -c 1 -w "$(scaled "$HS_LIMIT")" "$2" > /dev/null; then
		echo $((EPOCHSECONDS - t0)) > "$3"
	else
		echo none > "$3"
	fi
}
spray_t0=$EPOCHSECONDS
pings=()
for ((i = 0; i < QUIET; i++)); do
	if ((i < 3)); then
		n2 ip link set "wgp$i" down
		n2 ip link set "wgp$i" up
		handshake n2 "10.9.$i.1" "$tmp/hs$i" &
		pings+=($!)
	else
		n1 ip link set "wgq$i" down
		n1 ip link set "wgq$i" up
		handshake n1 "10.9.$i.2" "$tmp/hs$i" &
		pings+=($!)
	fi
done

# Sample the skbs until every tunnel has its answer.
peak=0
stopped=
while :; do
	now=$(($(skbs) - skb0))
	((now > peak)) && peak=$now
	if ((peak > RUNAWAY)) && [[ -z $stopped ]]; then
		stopped="$((EPOCHSECONDS - spray_t0)) s after the new sessions began"
		log "backlog past $RUNAWAY skbs: stopping the spray"
		kill -TERM "$sprayer"
	fi
	answered=0
	for ((i = 0; i < QUIET; i++)); do
		[[ -s $tmp/hs$i ]] && answered=$((answered + 1))
	done
	((answered == QUIET)) && break
	sleep 1
done
wait "${pings[@]}" || true

fails=()
times=()
for ((i = 0; i < QUIET; i++)); do
	t=$(cat "$tmp/hs$i")
	times+=("$t")
	[[ $t == none ]] && fails+=("tunnel $i: no handshake within $(scaled "$HS_LIMIT") s")
done
log "new sessions after (s): ${times[*]}"

# Deleting a sprayed interface while the spray goes on (or, stopped, while
# its backlog is still there).
t0=$(date +%s%N)
timeout "$(scaled 120)" ip -n n1 link del wgf1 || fails+=("deleting wgf1 failed")
del_ms=$((($(date +%s%N) - t0) / 1000000))
log "deleting a sprayed interface took $del_ms ms"
((del_ms <= $(scaled "$DEL_LIMIT") * 1000)) ||
	fails+=("deleting a sprayed interface took $del_ms ms (limit $(scaled "$DEL_LIMIT") s)")

now=$(($(skbs) - skb0))
((now > peak)) && peak=$now
kill -TERM "$sprayer" 2> /dev/null || true
wait "$sprayer" || true
log "spray: $(cat "$tmp/spray.json")${stopped:+ (stopped $stopped)}"
read -r qf bm < <(n1 wgctl show all --json |
	jq -r '[.[] | select(.interface | startswith("wgf")) | .drops] |
		"\(map(.queue_full) | add) \(map(.bad_mac) | add)"')
log "sprayed interfaces: queue_full $qf, bad_mac $bm; peak skbs above before the spray: $peak"
echo "backlog_peak_skbs=$peak"
echo "handshake_seconds=${times[*]}"
((peak <= SKB_BOUND)) ||
	fails+=("handshake backlog unbounded: $peak skbs above before the spray (bound $SKB_BOUND)")

((${#fails[@]} == 0)) || die "$(IFS=';'; echo "${fails[*]}")"
log ok
