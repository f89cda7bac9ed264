#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# One listen port shared by many single-peer interfaces (docs/routing.md,
# section 12): N wgtun interfaces in n1 with the same private key, all on
# port 51820, each with one peer; N WireGuard interfaces in n2, each with
# its own key and port, all with wgtun's one public key and endpoint
# 198.51.100.1:51820. The last of them is wireguard-go, the others the
# in-tree module. N is 200 at full depth, as issue #19 asks; 40 at quick
# depth (`make check`), which still runs every check below (both ways of
# finding an interface, halves of 20 deleted and kept, the wireguard-go
# peer): what 200 adds is the scale. SHARED_N sets N (at least 12) for
# debugging.
#
#   n1                                         n2
#   wgt0 (wgtun, :51820) 10.100.0.1/30 ~~~~~~~ wg0 (in-tree, :52000) 10.100.0.2/30
#   wgt1 (wgtun, :51820) 10.100.1.1/30 ~~~~~~~ wg1 (in-tree, :52001) 10.100.1.2/30
#   ...                                        ...
#   wgtI: 10.(100 + I / 250).(I % 250).1/30    wgI: :(52000 + I), .2/30
#   wgtN-1 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ wgN-1 (wireguard-go, :52000+N-1)
#   wgx (wgtun, another key, :51900, up)
#   wgy (wgtun, another key, :51820, down)
#   veth1 198.51.100.1/24 -------------------- veth2 198.51.100.2/24
#   n3: where one wgtun member moves
#
# 1. Every tunnel carries pings (even ones started by wgtun, so the
#    responses find their interface by receiver index; odd ones by the far
#    end, so the initiations find it by the initiator's key); every
#    handshake completed on both sides; no decrypt, bad-mac or malformed
#    drop anywhere; each learned endpoint is its own peer's. One socket per
#    family on 51820; `show --json` gives every interface the same port_id
#    and port_members N; `show` says so; `show dump` is wg's.
# 2. The first half deleted in one `ip -batch` under pings on the other
#    half: every ping of the other half answered, none later than the
#    protocol's 15 s after which a peer starts over, nothing lost or
#    dropped, no new handshake started by wgtun on it (unless its session
#    was old enough to renew anyway), port_members N/2.
# 3. Rekey through the port: a kept peer removed and added again on each
#    side in turn (the in-tree end, then wgtun, then the wireguard-go end),
#    each time a new handshake.
# 4. Roaming through the port: an in-tree and the wireguard-go peer change
#    their listen port; wgtun's endpoints follow, a neighbour's does not.
# 5. Refusals, each leaving the interface as it was: (a) wgx, another key,
#    asks for 51820 (EADDRINUSE, "another private key"), and wgy, down on
#    51820 with another key, cannot come up (EADDRINUSE); (b) a member adds
#    the peer of another member (EEXIST, "shares"); (c) a member's private
#    key changed alone (EBUSY, "shares"), or by a syncconf (EBUSY), then
#    together with a new port: accepted, and port_members drops by one.
# 6. A member moved to n3: the others go on; up again in n3 (its sockets
#    stay in n1), it rejoins the port and its tunnel works from there.
# 7. Every member deleted: no socket is left on 51820, and wgy (another
#    key) can now come up on it.
. "$(dirname "$0")/../lib.sh"

N=${SHARED_N:-$(by_depth 200 40)}
((N >= 12)) || die "SHARED_N=$N: the checks need at least 12 interfaces"
G=$((N - 1))	# the wireguard-go end
PORT=51820
T=$(mktemp -d)
on_exit "rm -rf $T"

# Tunnel I's addresses are 10.$A.$B.1 (n1) and .2 (n2): set A and B for I.
ab() {
	A=$((100 + $1 / 250)) B=$(($1 % 250))
}

# pings NS DST...: a few pings to each DST from NS, 20 at a time; prints the
# DSTs that answered none (the first ping of a tunnel waits for a handshake).
pings() {
	local ns=$1

	shift
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$ns" bash -c '
		w=$1 failed=()
		shift
		while (($#)); do
			pids=() dsts=()
			for d in "${@:1:20}"; do
				ping -q -c 2 -i 0.3 -W "$w" "$d" > /dev/null 2>&1 &
				pids+=($!) dsts+=("$d")
			done
			shift $(($# < 20 ? $# : 20))
			for k in "${!pids[@]}"; do
				wait "${pids[$k]}" || failed+=("${dsts[$k]}")
			done
		done
		echo "${failed[*]}"' _ "$(scaled 5)" "$@"
}

# ping_one NS DST: DST answers from NS (for wait_for).
ping_one() {
	ip netns exec "$1" ping -q -c 1 -W 2 "$2" > /dev/null 2>&1
}

# all_ping NS DST...: every DST answers from NS; a tunnel whose handshake
# needed a retry (5 s later) gets more time alone.
all_ping() {
	local ns=$1 d

	shift
	for d in $(pings "$ns" "$@"); do
		wait_for 30 ping_one "$ns" "$d" || die "no answer from $d in $ns"
	done
}

# dsts H I...: the n1 (H=1) or n2 (H=2) tunnel addresses of tunnels I.
dsts() {
	local h=$1 i

	shift
	for i in "$@"; do
		ab "$i"
		echo "10.$A.$B.$h"
	done
}

# json: n1's `wgctl show all --json`.
json() {
	n1 wgctl show all --json
}

# port_of IFACE: "port_id port_members" of IFACE in n1.
port_of() {
	n1 wgctl show "$1" --json | jq -r '"\(.port_id) \(.port_members)"'
}

# check_port ID MEMBERS I...: wgtI in n1 are on port ID with MEMBERS.
check_port() {
	local id=$1 members=$2 got

	shift 2
	got=$(json | jq -r --argjson want "$(printf 'wgt%s\n' "$@" | jq -R . | jq -s .)" \
		'[.[] | select(.interface as $i | $want | index($i)) |
		  "\(.port_id) \(.port_members)"] | group_by(.) | map("\(.[0]) x\(length)") | join(", ")')
	assert_eq "$got" "$id $members x$#" "port_id port_members of $# members"
}

# handshakes NS: "IFACE TIME" for every peer in NS (wg for n2, wgctl for n1).
handshakes() {
	if [[ $1 == n2 ]]; then
		n2 wg show all latest-handshakes
	else
		n1 wgctl show all latest-handshakes
	fi | awk '{ print $1, $3 }' | sort
}

# hs NS IFACE: the latest handshake of IFACE's one peer in NS.
hs() {
	if [[ $1 == n2 ]]; then
		n2 wg show "$2" latest-handshakes
	else
		n1 wgctl show "$2" latest-handshakes
	fi | awk '{ print $2 }'
}

# drops_report: where packets were dropped: wgtun's non-zero counters in
# n1 (but the router solicitations' no-peer), UDP and veth counters of both
# namespaces, the CPUs' backlog drops.
drops_report() {
	json | jq -c '.[] | {interface, drops: (.drops | del(.no_peer) | with_entries(select(.value > 0))),
		peers: [.peers[] | .drops | with_entries(select(.value > 0))]} |
		select((.drops | length) > 0 or ([.peers[] | length] | add // 0) > 0)'
	n1 grep -E '^(Ip|Icmp|Udp):' /proc/net/snmp
	n2 grep -E '^(Ip|Icmp|Udp):' /proc/net/snmp
	n1 ip -s link show veth1
	n2 ip -s link show veth2
	local d

	while read -r _ d _; do
		echo "backlog drops on a CPU: $((16#$d))"
	done < /proc/net/softnet_stat
}

# icmp_out_errors NS: ICMP messages NS's stack failed to send.
icmp_out_errors() {
	# shellcheck disable=SC2016 # awk's fields
	"$1" awk '/^Icmp:/ { if (n++) print $c; else for (c = 1; $c != "OutErrors"; c++); }' \
		/proc/net/snmp
}

# handshakes_only BYTES: BYTES (sent, not counted received) are a few
# handshake messages, initiations (148) and responses (92). A receiver counts
# only what authenticates, and a handshake message that arrives after its
# handshake was superseded (both ends rekeying at once) does not. The data
# messages here are echoes (128 bytes on the wire) and keepalives (32): one
# or two of them lost is never such a sum.
handshakes_only() {
	local a b

	for ((a = 0; a <= 4; a++)); do
		for ((b = 0; a + b <= 4; b++)); do
			((148 * a + 92 * b == $1)) && return 0
		done
	done
	return 1
}

# transfers_balance I...: for each tunnel I, n1's rx/tx bytes are n2's
# tx/rx, but for handshake messages the receiver rightly did not count; the
# tunnels that do not balance go to $T/imbalance.
transfers_balance() {
	local i

	: > "$T/imbalance"
	for i in "$@"; do
		read -r _ r1 t1 < <(n1 wgctl show "wgt$i" transfer)
		read -r _ r2 t2 < <(n2 wg show "wg$i" transfer)
		handshakes_only $((t2 - r1)) && handshakes_only $((t1 - r2)) ||
			echo "tunnel $i: n1 rx $r1 tx $t1, n2 rx $r2 tx $t2" >> "$T/imbalance"
	done
	[[ ! -s $T/imbalance ]]
}

# kept_drops: the non-zero per-peer drops of n1's interfaces.
kept_drops() {
	json | jq -c '.[] | select(.interface | test("^wgt[0-9]+$")) |
		select(.peers[0].drops | to_entries | map(select(.value > 0)) | length > 0) |
		{interface, drops: .peers[0].drops}'
}

# refused IFACE ERRNO-TEXT KEYWORD ARGS...: `wgctl set IFACE ARGS` in n1
# fails with the kernel's message holding KEYWORD and the errno's text, and
# IFACE's dump is what it was.
refused() {
	local dev=$1 errno=$2 word=$3 before rc=0

	shift 3
	before=$(n1 wgctl show "$dev" dump)
	n1 wgctl set "$dev" "$@" > "$T/out" 2> "$T/err" || rc=$?
	((rc != 0)) || die "accepted: wgctl set $dev $*"
	matches -F "($errno)" < "$T/err" || die "wgctl set $dev $*: not '$errno': $(cat "$T/err")"
	matches -F "$word" < "$T/err" || die "wgctl set $dev $*: no '$word' in: $(cat "$T/err")"
	log "refused as expected: $(cat "$T/err")"
	assert_eq "$(n1 wgctl show "$dev" dump)" "$before" "$dev after the refused wgctl set $*"
}

log "setup: $N tunnels"
setup_netns n1 n2 n3
ip link add veth1 netns n1 type veth peer name veth2 netns n2
n1 ip addr add 198.51.100.1/24 dev veth1
n2 ip addr add 198.51.100.2/24 dev veth2
n1 ip link set veth1 up
n2 ip link set veth2 up
(
	umask 077
	wg genkey > "$T/k"
	wg genkey > "$T/other"
	python3 -c '
import base64, os, sys
for i in range(int(sys.argv[2])):
    with open("%s/p%d" % (sys.argv[1], i), "w") as f:
        f.write(base64.b64encode(os.urandom(32)).decode() + "\n")' "$T" "$N"
)
P=$(wg pubkey < "$T/k")
OTHER=$(wg pubkey < "$T/other")

# n2: the far ends first, whose public keys one `wg show` then gives.
mkdir -p /var/run/wireguard
# Not through n2(): $! must be wireguard-go itself.
ip netns exec n2 env WG_PROCESS_FOREGROUND=1 wireguard-go "wg$G" > "$T/wggo.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
for ((i = 0; i < N; i++)); do
	ab "$i"
	((i == G)) || echo "link add wg$i type wireguard"
	echo "addr add 10.$A.$B.2/30 dev wg$i"
done > "$T/add2"
wait_for 10 n2 test -S "/var/run/wireguard/wg$G.sock" ||
	die "wireguard-go did not start: $(cat "$T/wggo.log")"
n2 ip -batch "$T/add2"
for ((i = 0; i < N; i++)); do
	ab "$i"
	echo "wg set wg$i private-key $T/p$i listen-port $((52000 + i)) peer $P" \
		"endpoint 198.51.100.1:$PORT allowed-ips 10.$A.$B.1/32"
done | n2 bash -e
for ((i = 0; i < N; i++)); do
	echo "link set wg$i up"
done | n2 ip -batch -
declare -A pub
while read -r dev key; do
	pub[${dev#wg}]=$key
done < <(n2 wg show all public-key)
((${#pub[@]} == N)) || die "${#pub[@]} public keys in n2, want $N"

# n1: wgy first, down on the port with another key (it holds nothing yet).
n1 ip link add wgy type wgtun
n1 wgctl set wgy private-key "$T/other" listen-port "$PORT"
n1 ip link add wgx type wgtun
n1 wgctl set wgx private-key "$T/other" listen-port 51900
n1 ip link set wgx up
for ((i = 0; i < N; i++)); do
	ab "$i"
	echo "link add wgt$i type wgtun"
	echo "addr add 10.$A.$B.1/30 dev wgt$i"
done | n1 ip -batch -
for ((i = 0; i < N; i++)); do
	ab "$i"
	echo "wgctl set wgt$i private-key $T/k listen-port $PORT peer ${pub[$i]}" \
		"endpoint 198.51.100.2:$((52000 + i)) allowed-ips 10.$A.$B.2/32"
done | n1 bash -e
for ((i = 0; i < N; i++)); do
	echo "link set wgt$i up"
done > "$T/up1"
n1 ip -batch "$T/up1" || die "not every interface came up on the shared port"
log "setup done"

log "1. every tunnel: even ones started by wgtun, odd ones by the far end"
even=() odd=()
for ((i = 0; i < N; i++)); do
	if ((i % 2)); then odd+=("$i"); else even+=("$i"); fi
done
# shellcheck disable=SC2046 # one address per word
all_ping n1 $(dsts 2 "${even[@]}")
# shellcheck disable=SC2046
all_ping n2 $(dsts 1 "${odd[@]}")
# shellcheck disable=SC2046
all_ping n1 $(dsts 2 "${odd[@]}")
assert_eq "$(handshakes n2 | awk '$2 != 0' | wc -l)" "$N" "handshakes recorded in n2"
assert_eq "$(handshakes n1 | awk '$2 != 0' | wc -l)" "$N" "handshakes recorded by wgtun"
bad=$(json | jq '[.[] | (.drops, .peers[].drops) | .decrypt + .bad_mac + .malformed] | add')
assert_eq "$bad" 0 "decrypt, bad-mac and malformed drops in n1"
n1 wgctl show all endpoints > "$T/endpoints"
for ((i = 0; i < N; i++)); do
	echo "wgt$i	${pub[$i]}	198.51.100.2:$((52000 + i))"
done | sort > "$T/want"
sort "$T/endpoints" | grep '^wgt[0-9]' | diff - "$T/want" > /dev/null ||
	die "endpoints learned: $(sort "$T/endpoints" | grep '^wgt[0-9]' | diff - "$T/want")"
# One socket per family: 0.0.0.0:51820 and [::]:51820 (or *:51820).
socks=$(n1 ss -Huan "sport = :$PORT" | wc -l)
((socks >= 1 && socks <= 2)) || die "$socks sockets on $PORT: $(n1 ss -Huan "sport = :$PORT")"
ID=$(json | jq -r '[.[] | select(.interface == "wgt0")][0].port_id')
[[ $ID =~ ^[0-9]+$ ]] || die "wgt0 shows no port_id: $ID"
# shellcheck disable=SC2046 # one index per word
check_port "$ID" "$N" $(seq 0 $((N - 1)))
[[ $(port_of wgx) =~ ^[0-9]+\ 1$ && $(port_of wgx) != "$ID 1" ]] ||
	die "wgx, alone on its port: $(port_of wgx)"
assert_eq "$(port_of wgy)" "null null" "wgy, down"
n1 wgctl show wgt0 | matches -x "  port shared: by $N interfaces (port id $ID)" ||
	die "wgctl show wgt0: $(n1 wgctl show wgt0)"
n1 wgctl show wgx | matches "port shared" && die "wgx shown as shared: $(n1 wgctl show wgx)"
n1 wgctl show wgt0 dump | head -n 1 | matches -x "$(cat "$T/k")	$P	$PORT	off" ||
	die "dump's interface line: $(n1 wgctl show wgt0 dump | head -n 1)"

log "2. the first half deleted in one batch, under pings on the other half"
H=$((N / 2))
kept=()
for ((i = H; i < N; i++)); do
	kept+=("$i")
done
# From the mark on, wgtun's handshake initiations are in the kernel log.
mark="66-shared-port step 2 $$"
echo 'module wgtun format "sending handshake initiation" +p' > /proc/dynamic_debug/control ||
	die "no dynamic debug to see wgtun's initiations with"
echo "$mark" > /dev/kmsg
# wgtun_initiators: the interfaces that sent an initiation since the mark.
wgtun_initiators() {
	dmesg | sed -n "/$mark/,\$ s/.* \(wgt[0-9]*\): peer [0-9]*: sending handshake initiation$/\1/p" |
		sort -u
}
handshakes n1 > "$T/hs1.before"
handshakes n2 > "$T/hs2.before"
# rx_of I: bytes wgtun's interface I received from its peer.
rx_of() {
	n1 wgctl show "wgt$1" transfer | awk '{ print $2 }'
}
# COUNT pings 0.25 s apart on every kept tunnel, from both ends in turn;
# COUNT is enough for the deletion to happen well inside them. With -w, ping
# goes on until COUNT answers came (or the deadline passed): a tunnel that
# stopped working fails it. What the test holds wgtun to is that no packet
# is lost in a kept tunnel: each side's counters of the other's messages
# balance (below). An echo the guest's own stack refused to send is not
# the tunnel's doing: under the deletion's load the send path takes longer,
# the replies waiting in it fill the ICMP socket's send buffer, and the
# stack counts each it drops as an Icmp OutError; those are logged.
count=$(scaled 60)
deadline=$((count / 4 + $(scaled 30)))
first=${kept[0]} last=${kept[-1]}
rx_first=$(rx_of "$first") rx_last=$(rx_of "$last")
t0=$EPOCHSECONDS
flood=()
for i in "${kept[@]}"; do
	ab "$i"
	if ((i % 2)); then
		ip netns exec n2 ping -q -c "$count" -i 0.25 -w "$deadline" "10.$A.$B.1" \
			> "$T/flood.$i" 2>&1 &
	else
		ip netns exec n1 ping -q -c "$count" -i 0.25 -w "$deadline" "10.$A.$B.2" \
			> "$T/flood.$i" 2>&1 &
	fi
	flood+=($!)
done
for ((i = 0; i < H; i++)); do
	echo "link del wgt$i"
done > "$T/del"
# The pings under way: the first and the last kept tunnel carry them.
wait_for 20 test "$(rx_of "$first")" -gt "$rx_first" -a "$(rx_of "$last")" -gt "$rx_last" ||
	die "the pings did not start"
d0=$EPOCHSECONDS
n1 ip -batch "$T/del"
d1=$EPOCHSECONDS
failed=()
for k in "${!flood[@]}"; do
	wait "${flood[k]}" || failed+=("${kept[k]}")
done
log "deleted $H interfaces in $((d1 - d0)) s, $((d0 - t0)) s into $((EPOCHSECONDS - t0)) s of pings"
((d1 < EPOCHSECONDS)) || log "WARNING: the deletion outlasted the pings"
extra=0
for i in "${kept[@]}"; do
	read -r sent got < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' \
		"$T/flood.$i") || true
	extra=$((extra + ${sent:-0} - ${got:-0}))
done
log "echoes sent past $count while the last answers were on their way: $extra of" \
	"$((count * ${#kept[@]})) (Icmp OutErrors: n1 $(icmp_out_errors n1), n2 $(icmp_out_errors n2))"
if ((${#failed[@]})); then
	drops_report
	for i in "${failed[@]}"; do
		cat "$T/flood.$i"
	done
	die "kept tunnels without their $count answers within ${deadline} s: ${failed[*]}"
fi
# Nothing lost in a kept tunnel: once quiet, what each side says it sent
# the other says it received, both ways (wgtun counts every message at its
# length on the wire, as the in-tree module does).
wait_for 30 transfers_balance "${kept[@]}" || {
	drops_report
	die "the kept tunnels' counters do not balance: $(transfers_balance "${kept[@]}"; cat "$T/imbalance")"
}
assert_eq "$(kept_drops)" "" "wgtun's drops on the kept tunnels"
# shellcheck disable=SC2046
all_ping n2 $(dsts 1 "${kept[@]}")
# Every echo's answer came before 15 s (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT),
# after which the sender of unanswered data starts a new handshake.
# "TUNNEL MAX-RTT-MS" for each kept tunnel, the slowest first.
for i in "${kept[@]}"; do
	rtt=$(sed -n 's|^rtt [^=]*= [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p' "$T/flood.$i")
	[[ -n $rtt ]] || die "no round trip times for tunnel $i: $(cat "$T/flood.$i")"
	echo "$i $rtt"
done | sort -k2 -g -r > "$T/rtts"
read -r i rtt < "$T/rtts"
awk -v r="$rtt" 'BEGIN { exit !(r < 15000) }' || die "tunnel $i: an echo waited $rtt ms"
log "the slowest echo of a kept tunnel: $rtt ms (tunnel $i)"
# No new handshake started by wgtun on a kept tunnel, unless its session was
# old enough (REKEY_AFTER_TIME, 120 s) to be renewed by the pings anyway.
# The in-tree end may start one of its own: it arms its timer for "data sent,
# nothing heard" after its send returns, and when wgtun's answer is taken in
# first (veth and rt's threaded softirqs let that happen) the timer stays
# armed and fires 15 s later.  The echoes' round trips above show that wgtun
# answered in time; those handshakes are counted.
started=$(wgtun_initiators)
renewed=0
theirs=()
for ns in n1 n2; do
	handshakes "$ns" > "$T/hs.after"
	# "IFACE BEFORE AFTER" for each kept tunnel whose handshake changed.
	awk -v h="$H" 'NR == FNR { t[$1] = $2; next }
		{ i = $1; sub(/^wgt?/, "", i) }
		i + 0 >= h && $2 != t[$1] { print $1, t[$1], $2 }' \
		"$T/hs${ns#n}.before" "$T/hs.after" > "$T/changed"
	while read -r dev t now; do
		i=${dev#wg}
		i=${i#t}
		if ((EPOCHSECONDS - t >= 120)); then
			renewed=$((renewed + 1))
		elif grep -qx "wgt$i" <<< "$started"; then
			die "$ns: $dev made a new handshake that wgtun started ($t -> $now)"
		elif [[ $ns == n1 ]]; then
			theirs+=("$i")
		fi
	done < "$T/changed"
done
log "new handshakes started by the in-tree end on its own: ${#theirs[@]} (${theirs[*]})"
log "sessions renewed by age meanwhile: $renewed (of $((2 * ${#kept[@]})) ends)"
check_port "$ID" "$H" "${kept[@]}"
log "the deletions and pings took $((EPOCHSECONDS - t0)) s"

log "3. rekey through the shared port"
r=$H	# an in-tree end
ab "$r"
n2 wg set "wg$r" peer "$P" remove
n2 wg set "wg$r" peer "$P" endpoint "198.51.100.1:$PORT" allowed-ips "10.$A.$B.1/32"
ping_one n2 "10.$A.$B.1" || wait_for 30 ping_one n2 "10.$A.$B.1" ||
	die "in-tree wg$r: no tunnel after re-adding its peer"
[[ $(hs n2 "wg$r") != 0 ]] || die "in-tree wg$r: no handshake after re-adding its peer"
n1 wgctl set "wgt$r" peer "${pub[$r]}" remove
n1 wgctl set "wgt$r" peer "${pub[$r]}" endpoint "198.51.100.2:$((52000 + r))" \
	allowed-ips "10.$A.$B.2/32"
ping_one n1 "10.$A.$B.2" || wait_for 30 ping_one n1 "10.$A.$B.2" ||
	die "wgt$r: no tunnel after re-adding its peer"
[[ $(hs n1 "wgt$r") != 0 ]] || die "wgt$r: no handshake after re-adding its peer"
# wgtun started that one (it had no session to send with): step 2's look at
# the kernel log would have seen one there.
wgtun_initiators | matches -x "wgt$r" ||
	die "wgtun's initiation on wgt$r is not in the kernel log: step 2 could not have seen one"
ab "$G"
n2 wg set "wg$G" peer "$P" remove
n2 wg set "wg$G" peer "$P" endpoint "198.51.100.1:$PORT" allowed-ips "10.$A.$B.1/32"
ping_one n2 "10.$A.$B.1" || wait_for 30 ping_one n2 "10.$A.$B.1" ||
	die "wireguard-go: no tunnel after re-adding its peer"
[[ $(hs n2 "wg$G") != 0 ]] || die "wireguard-go: no handshake after re-adding its peer"

log "4. roaming through the shared port: in-tree and wireguard-go peers move"
m=$((H + 1))
for i in "$m" "$G"; do
	ab "$i"
	n2 wg set "wg$i" listen-port $((53000 + i))
	ping_one n2 "10.$A.$B.1" || wait_for 30 ping_one n2 "10.$A.$B.1" ||
		die "tunnel $i: no ping after its far end moved"
	assert_eq "$(n1 wgctl show "wgt$i" endpoints | cut -f2)" "198.51.100.2:$((53000 + i))" \
		"wgt$i's endpoint after its peer moved"
	ping_one n1 "10.$A.$B.2" || die "tunnel $i: wgtun cannot reach the peer where it moved"
done
assert_eq "$(n1 wgctl show "wgt$((H + 2))" endpoints | cut -f2)" \
	"198.51.100.2:$((52000 + H + 2))" "a neighbour's endpoint"

log "5. refusals"
log "(a) another private key on the shared port"
refused wgx "Address already in use" "another private key" fwmark 0x42 listen-port "$PORT" \
	peer "${pub[0]}" allowed-ips 10.99.0.1/32
[[ $(port_of wgx) != "$ID "* ]] || die "wgx joined the port: $(port_of wgx)"
rc=0
n1 ip link set wgy up 2> "$T/err" || rc=$?
((rc != 0)) || die "wgy came up on the port held with another key"
matches "Address already in use" < "$T/err" || die "wgy up: $(cat "$T/err")"
assert_eq "$(port_of wgy)" "null null" "wgy after its refused up"
log "(b) a peer of another member"
b=$((H + 2))
refused "wgt$b" "File exists" "shares" peer "$(wg genkey | wg pubkey)" allowed-ips 10.99.0.2/32 \
	peer "${pub[$((H + 3))]}" allowed-ips 10.99.0.3/32
log "(c) a member's private key changed alone, then with a new port"
c=$((H + 3))
refused "wgt$c" "Device or resource busy" "shares" private-key "$T/other"
# A syncconf that changes only the key is refused too.
n1 wgctl showconf "wgt$c" | sed "s|^PrivateKey = .*|PrivateKey = $(cat "$T/other")|" > "$T/c.conf"
before=$(n1 wgctl show "wgt$c" dump)
if n1 wgctl syncconf "wgt$c" "$T/c.conf" 2> "$T/err"; then
	die "syncconf changed a member's key on the shared port"
fi
matches -F "(Device or resource busy)" < "$T/err" || die "syncconf: $(cat "$T/err")"
assert_eq "$(n1 wgctl show "wgt$c" dump)" "$before" "wgt$c after the refused syncconf"
n1 wgctl set "wgt$c" listen-port 51999 private-key "$T/other"
assert_eq "$(n1 wgctl show "wgt$c" public-key)" "$OTHER" "wgt$c's key after moving"
read -r cid cmembers < <(port_of "wgt$c")
[[ $cid != "$ID" && $cmembers == 1 ]] || die "wgt$c after moving: port $cid, $cmembers members"
kept=()
for ((i = H; i < N; i++)); do
	((i == c)) || kept+=("$i")
done
check_port "$ID" $((N - H - 1)) "${kept[@]}"

log "6. a member moved to n3"
k=$((H + 4))
n1 ip link set "wgt$k" netns n3
rest=()
for i in "${kept[@]}"; do
	((i == k)) || rest+=("$i")
done
check_port "$ID" ${#rest[@]} "${rest[@]}"
# shellcheck disable=SC2046
all_ping n1 $(dsts 2 "${rest[@]}")
ab "$k"
n3 ip addr add "10.$A.$B.1/30" dev "wgt$k"
n3 ip link set "wgt$k" up
assert_eq "$(n3 wgctl show "wgt$k" --json | jq -r '"\(.port_id) \(.port_members)"')" \
	"$ID $((${#rest[@]} + 1))" "wgt$k up in n3"
# Its sessions ended as it went down: it starts the next one.
wait_for 30 ping_one n3 "10.$A.$B.2" || die "no tunnel from wgt$k in n3"
wait_for 30 ping_one n2 "10.$A.$B.1" || die "no tunnel to wgt$k in n3"
# shellcheck disable=SC2046
all_ping n2 $(dsts 1 "${rest[@]}")

log "7. every member deleted: the port closes"
for i in "${rest[@]}"; do
	echo "link del wgt$i"
done | n1 ip -batch -
n3 ip link del "wgt$k"
n1 ip link del "wgt$c"
socks=$(n1 ss -Huan "sport = :$PORT" | wc -l)
assert_eq "$socks" 0 "sockets left on $PORT"
n1 ip link set wgy up || die "wgy could not take the port once it was free"
log ok
