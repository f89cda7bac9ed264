#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# order: last
#
# The leak scan that closes a run under the debug kernel (make check-debug
# runs it last, in the same boot as the whole suite): unload wgtun, let
# deferred frees run, scan twice (kmemleak reports an object only once it
# stayed unreferenced across scans) and fail on any report.  Kernels without
# kmemleak (the pinned release kernels) have nothing to scan: the test is
# skipped.
. "$(dirname "$0")/../lib.sh"

km=/sys/kernel/debug/kmemleak
[[ -e $km ]] || skip "no $km in $(uname -r): nothing to scan"

# Exercise the module once more so that a run of this test alone means
# something: a tunnel up, traffic, then everything torn down.
. "$(dirname "$0")/../interop.sh"
ix_setup wgtun
ix_peers 4
ix_ping n1 192.0.2.2 || die "tunnel does not come up"
ip netns del n1
ip netns del n2
[[ -d /sys/module/wgtun ]] && { rmmod wgtun || die "rmmod wgtun"; }

sleep 5
for _ in 1 2 3; do
	echo scan > "$km"
	sleep 5
done
leaks=$(cat "$km")
if [[ -n $leaks ]]; then
	echo "$leaks" | sed -n 1,120p
	die "kmemleak: $(grep -c '^unreferenced object' <<< "$leaks") unreferenced object(s)"
fi
log "kmemleak: no unreferenced object"
