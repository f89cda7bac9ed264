#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tier: core
#
# The in-module selftests of the debug build (allowed-IPs against a naive
# reference, replay window, rate limiter, Noise handshake with every byte
# flipped, cookies, wgtun's own ChaCha20-Poly1305 over skbs of every shape
# against a known answer) run at load and each print "pass"; a failing one
# makes the load fail.
. "$(dirname "$0")/../lib.sh"

mark="wgtun-selftest-$RANDOM"
echo "$mark" > /dev/kmsg
load_debug_module
on_exit "rmmod wgtun 2>/dev/null"
log=$(dmesg | sed -n "/$mark/,\$p")
for t in allowedips replay ratelimiter noise cookie crypto; do
	grep -q "wgtun: $t self-test: pass" <<< "$log" || die "$t self-test did not pass"
done
grep -q "wgtun .* loaded" <<< "$log" || die "debug module did not finish loading"
log ok
