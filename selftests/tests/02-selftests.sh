#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tier: core
#
# The in-module selftests of the debug build (allowed-IPs against a naive
# reference, replay window, rate limiter, Noise handshake with every byte
# flipped, cookies, lib/crypto's ChaCha20-Poly1305 against the crypto API's)
# run at load and each print "pass"; a failing one makes the load fail. The
# crypto one may say "skipped" only on a kernel without the crypto API's
# chacha20poly1305 template (the debug kernel of make check-debug).
. "$(dirname "$0")/../lib.sh"

mark="wgtun-selftest-$RANDOM"
echo "$mark" > /dev/kmsg
load_debug_module
on_exit "rmmod wgtun 2>/dev/null"
log=$(dmesg | sed -n "/$mark/,\$p")
tests=(allowedips replay ratelimiter noise cookie crypto)
if ! modinfo chacha20poly1305 > /dev/null 2>&1 &&
	grep -q "wgtun: crypto self-test: skipped" <<< "$log"; then
	log "no chacha20poly1305 AEAD in this kernel: crypto self-test skipped"
	unset 'tests[5]'
fi
for t in "${tests[@]}"; do
	grep -q "wgtun: $t self-test: pass" <<< "$log" || die "$t self-test did not pass"
done
grep -q "wgtun .* loaded" <<< "$log" || die "debug module did not finish loading"
log ok
