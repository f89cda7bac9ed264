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

# 2 MiB from the in-tree side, across rekeys. Only wgtun's clock runs fast:
# a session it made expires for it after 9 s, while the in-tree side, which
# renews after 120 s of its own clock, goes on sending on it. A peer that
# only receives does not renew (nor does in-tree WireGuard: the initiator
# renews as it sends, or at the last seconds of the session as it receives),
# so a transfer that began after a quiet spell of 9 s would wait for the
# in-tree side's retries, at ever longer intervals. Pings from wgtun's side
# keep it sending, so it renews every 6 s, as in the pings above.
n1 ping -q -i 0.25 192.0.2.2 > /dev/null 2>&1 &
pinger=$!
on_exit "kill $pinger 2>/dev/null"
ix_transfer n2 n1 192.0.2.1
log ok
