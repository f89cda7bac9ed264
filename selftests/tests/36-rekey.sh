#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Rekey: with the debug build's time_divisor=20 wgtun's protocol clock runs
# twenty times faster (REKEY_AFTER_TIME 6 s), so a steady ping over half a
# minute crosses several rekeys with the in-tree peer.  Traffic must go on:
# each handshake shows as a new latest-handshake time, and almost no ping is
# lost.  Topology in selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
load_debug_module time_divisor=20
. "$(dirname "$0")/../interop.sh"

ix_setup intree
ix_peers 4
ix_ping n1 192.0.2.2 || die "no tunnel"

n1 ping -c 120 -i 0.25 -W 2 192.0.2.2 > "$IX_TMP/ping" &
pinger=$!
declare -A seen=()
for ((i = 0; i < 30; i++)); do
	seen[$(ix_handshake n1)]=1
	sleep 1
done
wait "$pinger" || true
seen[$(ix_handshake n1)]=1
log "distinct handshake times: ${!seen[*]}"
(( ${#seen[@]} >= 3 )) || die "expected several rekeys in 30 s, saw ${#seen[@]} handshake times"
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$IX_TMP/ping")
log "ping loss across rekeys: $loss%"
(( ${loss%.*} <= 3 )) || die "traffic interrupted across rekeys: $loss% lost"
ix_transfer n2 n1 192.0.2.1
log ok
