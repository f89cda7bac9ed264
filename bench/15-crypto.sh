#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# Which of the kernel's two ChaCha20-Poly1305 interfaces is faster here: the
# debug build of wgtun, loaded with crypto_bench=N, seals N packets per size
# with lib/crypto's chacha20poly1305_encrypt_sg_inplace() (what the data
# path uses) and with the crypto API's rfc7539(chacha20,poly1305) AEAD, in
# alternating rounds (src/selftest/crypto.c), after checking that the two
# give the same bytes. One load per round; per size, lib/crypto is recorded
# as impl "lib" and the crypto API as "aead":
#   crypto<size> ns_per_seal
# bench/report prints them; the lib/aead ratio is in BENCHMARKS.md.
. "$(dirname "$0")/lib.sh"

N=${CRYPTO_N:-20000}
ROUNDS=$BENCH_ROUNDS
((BENCH_QUICK)) && { N=2000; ROUNDS=1; }

for ((round = 1; round <= ROUNDS; round++)); do
	dmesg -C
	load_debug_module crypto_bench="$N"
	rmmod wgtun
	lines=$(dmesg | grep 'wgtun: crypto bench: size=') ||
		die "no benchmark lines: $(dmesg | grep -i 'wgtun: crypto' | head -n 3)"
	while read -r size lib aead; do
		record "crypto$size" lib ns_per_seal "$round" "$lib" ns
		record "crypto$size" aead ns_per_seal "$round" "$aead" ns
	done < <(sed -n 's/.*size=\([0-9]*\) n=[0-9]* lib_ns=\([0-9]*\) aead_ns=\([0-9]*\).*/\1 \2 \3/p' \
		<<< "$lines")
done
