#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# A flood of handshake initiations at a port that two interfaces share
# (docs/routing.md, section 12). The port is one responder: under load it
# answers with cookie replies made with its one key, and the real peers of
# both members still get new handshakes through by retrying with their
# cookies.
#
#   n3 (flooder) veth4 203.0.113.2/24 ------ veth3 203.0.113.1/24 (n1)
#   n1 wgta (wgtun, :51820) 10.0.1.1/30 ~~~~ wga (in-tree, :52001) 10.0.1.2/30 n2
#   n1 wgtb (wgtun, :51820) 10.0.2.1/30 ~~~~ wgb (in-tree, :52002) 10.0.2.2/30 n2
#      veth1 198.51.100.1/24 ------------------ veth2 198.51.100.2/24
#
# The flooder sends initiations with a valid mac1 for the port's key (every
# eighth with a wrong one) from CPU 0 at nice -20, ahead of the handshake
# worker its packets queue to there, as in 51-handshake-flood, so that the
# port's queue fills on any guest. While it runs, both in-tree ends lose
# their sessions (their peer removed and added again) and ping through
# their tunnels: an initiation without a cookie competes with the flood for
# room in the queue and, once in, gets a cookie reply; the retry 5 s later
# carries the cookie, which lets it past the full queue (receive.c), and
# the per-source rate limiter admits it. Measured on 6.12 and 7.2 (2 vCPUs,
# a flood of about 18,000 initiations a second): through in 4 to 20 s,
# against 11 to 37 s before a cookie let a message past a full queue; the
# limit is 60 s. Checks: both tunnels answer before the flood ends, while
# it kept the queue full (queue-full drops); cookie replies reached the
# flooder; the port's drops (counted on one of its members: the sum over
# both is checked) show the rate limiter and the wrong mac1s; after the
# flood, both tunnels carry pings both ways with no decryption failure.
. "$(dirname "$0")/../lib.sh"

PORT=51820
T=$(mktemp -d)
on_exit "rm -rf $T"

setup_netns n1 n2 n3
veth_link n1 veth1 198.51.100.1/24 n2 veth2 198.51.100.2/24
veth_link n1 veth3 203.0.113.1/24 n3 veth4 203.0.113.2/24

(
	umask 077
	for k in k ka kb; do
		wg genkey > "$T/$k"
	done
)
P=$(wg pubkey < "$T/k")

# n1: two members of port 51820 with one key, a peer each.
i=1
for m in a b; do
	n1 ip link add "wgt$m" type wgtun
	n1 ip addr add "10.0.$i.1/30" dev "wgt$m"
	n1 wgctl set "wgt$m" private-key "$T/k" listen-port "$PORT" \
		peer "$(wg pubkey < "$T/k$m")" endpoint "198.51.100.2:$((52000 + i))" \
		allowed-ips "10.0.$i.2/32"
	n1 ip link set "wgt$m" up
	n2 ip link add "wg$m" type wireguard
	n2 ip addr add "10.0.$i.2/30" dev "wg$m"
	n2 wg set "wg$m" private-key "$T/k$m" listen-port "$((52000 + i))" \
		peer "$P" endpoint "198.51.100.1:$PORT" allowed-ips "10.0.$i.1/32"
	n2 ip link set "wg$m" up
	i=$((i + 1))
done
members=$(n1 wgctl show wgta --json | jq .port_members)
assert_eq "$members" 2 "members of wgta's port"

# pingable NS DST: DST answers a ping from NS (for wait_for).
pingable() {
	ip netns exec "$1" ping -q -c 1 -W 2 "$2" > /dev/null 2>&1
}

for i in 1 2; do
	wait_for 30 pingable n2 "10.0.$i.1" || die "tunnel $i does not come up"
done

# portdrop NAME: a drop counter of the port, summed over its members.
portdrop() {
	n1 wgctl show all --json | jq "[.[] | select(.interface | startswith(\"wgt\")) |
		.drops.$1] | add"
}

rl0=$(portdrop ratelimited)
bm0=$(portdrop bad_mac)

flood_initiations n3 203.0.113.1 "$PORT" "$P" "$(scaled 120)" "$T/flood.json" \
	nice -n -20 taskset -c 0
fl=$flood_pid
on_exit "kill $fl 2>/dev/null"
sleep 2
kill -0 "$fl" 2> /dev/null || die "the flooder stopped at once: $(cat "$T/flood.json")"

log "both in-tree ends start over during the flood"
i=1
for m in a b; do
	n2 wg set "wg$m" peer "$P" remove
	n2 wg set "wg$m" peer "$P" endpoint "198.51.100.1:$PORT" allowed-ips "10.0.$i.1/32"
	i=$((i + 1))
done
qf0=$(portdrop queue_full)
pids=()
t0=$EPOCHSECONDS
for i in 1 2; do
	{
		n2 ping -q -c 1 -w "$(scaled 60)" "10.0.$i.1" > /dev/null &&
			log "tunnel $i: through after $((EPOCHSECONDS - t0)) s"
	} &
	pids+=($!)
done
for i in 1 2; do
	wait "${pids[i - 1]}" || die "no new handshake of tunnel $i during the flood"
done
qf=$(($(portdrop queue_full) - qf0))
log "queue_full +$qf meanwhile"
((qf > 0)) || die "the flood never filled the port's queue: nothing was tested"
kill -0 "$fl" 2> /dev/null || die "the flood ended before both handshakes were checked"
for m in a b; do
	hs=$(n2 wg show "wg$m" latest-handshakes | awk '{ print $2 }')
	((hs > 0)) || die "wg$m: no handshake recorded"
done

kill -TERM "$fl"
wait "$fl" || die "flooder failed"
log "flood: $(cat "$T/flood.json")"
sent=$(jq .sent "$T/flood.json")
cookies=$(jq .cookies "$T/flood.json")
rl=$(($(portdrop ratelimited) - rl0))
bm=$(($(portdrop bad_mac) - bm0))
log "port drops: ratelimited +$rl, bad_mac +$bm"
((sent > 512)) || die "flooder sent only $sent initiations"
((cookies > 0)) || die "the shared port sent no cookie reply to $sent initiations"
((rl >= cookies)) || die "$cookies cookie replies but only $rl counted as ratelimited"
((bm > 0)) || die "no wrong mac1 counted of the $(jq .bad_mac_sent "$T/flood.json") sent"

for i in 1 2; do
	wait_for 30 pingable n1 "10.0.$i.2" || die "tunnel $i: no ping from n1 after the flood"
	pingable n2 "10.0.$i.1" || die "tunnel $i: no ping from n2 after the flood"
done
for m in a b; do
	drops=$(n1 wgctl show "wgt$m" --json | jq -c '.peers[0].drops |
		{decrypt, replay, malformed, bad_mac} | with_entries(select(.value > 0))')
	assert_eq "$drops" "{}" "wgt$m's peer: decryption, replay or malformed drops"
done
log ok
