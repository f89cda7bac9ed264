#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
#
# Run by bench/run through selftests/run before the benchmark boot: the
# guest has what the benchmarks use, and both modules carry traffic.
. "$(dirname "$0")/lib.sh"

for t in iperf3 jq wg wgctl ping awk python3 "$UDPBLAST"; do
	command -v "$t" > /dev/null || die "$t missing in the guest"
done
[[ -s $BENCH_DATA/prefixes-1M.txt ]] || die "no generated prefixes in $BENCH_DATA"
bench_modules
bench_keys
pair_setup wgtun t1 t2
pair_setup intree i1 i2
out=$(ip netns exec t1 "$UDPBLAST" -d 192.0.2.2 -t 0.5)
[[ $out =~ ^sent\ [1-9][0-9]*\  ]] || die "udpblast: $out"
log ok
