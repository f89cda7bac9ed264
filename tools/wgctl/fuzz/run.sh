#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh SECONDS FUZZER...: runs the libFuzzer harnesses side by side, each
# for SECONDS on its corpus (seeded from fuzz/seeds/<name>/), and fails if
# any of them found a crash, leak, timeout or sanitizer report.
set -u
cd "$(dirname "$0")" || exit 1
secs=$1
shift
status=0
declare -A pid_of=()
for bin in "$@"; do
	name=$(basename "$bin" -fuzz)
	corpus=corpus-$name
	mkdir -p "$corpus"
	[[ -d seeds/$name ]] && cp -n seeds/"$name"/* "$corpus"/ 2>/dev/null
	echo "== fuzzing $name for ${secs}s"
	./"$name"-fuzz -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "$corpus" >"log-$name.txt" 2>&1 &
	pid_of[$name]=$!
done
for name in "${!pid_of[@]}"; do
	if ! wait "${pid_of[$name]}"; then
		echo "FAIL: $name (see tools/wgctl/fuzz/log-$name.txt)"
		grep -E "ERROR|SUMMARY|crash-|leak-|timeout-" "log-$name.txt" | head -20
		status=1
	else
		grep -E "stat::number_of_executed_units|cov:" "log-$name.txt" | tail -2
		echo "ok: $name"
	fi
done
exit $status
