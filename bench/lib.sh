# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the benchmark scripts (bench/[0-9]*.sh). They run inside the
# guest booted by bench/run, as selftests do (selftests/guest-runner.sh runs
# them), and append one line per measurement to $LOGDIR/bench.results:
#
#   <kernel release> <test> <impl> <metric> <round> <value> <unit>
#
# impl is "wgtun" or "intree" (or "dummy" for the reference interface);
# bench/report turns the lines into medians, spreads and wgtun/in-tree ratios.
#
# Every comparison puts both modules in the same boot and alternates which
# one goes first from round to round, so that drift (other guests on the
# host, page cache, timers) falls on both alike.

. "$(dirname "${BASH_SOURCE[0]}")/../selftests/lib.sh"

BENCH_OUT=${LOGDIR:-/tmp}/bench.results
BENCH_DATA=$WGTUN_REPO/.cache/bench/data
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_QUICK=${BENCH_QUICK:-0}
UDPBLAST=$WGTUN_REPO/.cache/bench/udpblast
BT=$(mktemp -d)
on_exit "rm -rf $BT"

# Binaries from the repository share run from tmpfs: that share is mounted
# without caching, so every exec would page the binary in over 9p, while
# wg and ip come from the cached root share; the comparison would time 9p.
mkdir -p "$BT/bin"
cp "$WGTUN_REPO/tools/wgctl/wgctl" "$UDPBLAST" "$BT/bin/"
PATH=$BT/bin:$PATH
UDPBLAST=$BT/bin/udpblast

# Knobs from bench/run (--quick writes smaller sizes here).
[[ -f $BENCH_DATA/env ]] && . "$BENCH_DATA/env"

# record TEST IMPL METRIC ROUND VALUE UNIT
record() {
	printf '%s %s %s %s %s %s %s\n' "$KVER" "$1" "$2" "$3" "$4" "$5" "$6" >> "$BENCH_OUT"
	log "$1 $2 $3 round $4: $5 $6"
}

# The two orders of the implementations, alternating with the round number.
impls_for_round() {
	if (($1 % 2)); then echo wgtun intree; else echo intree wgtun; fi
}

# tool_of IMPL: the configuration tool that speaks to it.
tool_of() {
	if [[ $1 == wgtun* ]]; then echo wgctl; else echo wg; fi
}

# kind_of IMPL: the link kind.
kind_of() {
	case $1 in
	intree) echo wireguard ;;
	wgtun*) echo wgtun ;;
	*) echo "$1" ;;
	esac
}

bench_modules() {
	modprobe veth
	modprobe dummy
	modprobe wireguard
	modprobe wgtun
	# WGTUN_PARAM_NAME=VALUE on the host sets wgtun's parameter name (lower
	# case) for the run: the engine's tuning knobs, for comparing settings.
	local v p
	for v in $(compgen -v WGTUN_PARAM_ || true); do
		p=/sys/module/wgtun/parameters/$(tr '[:upper:]' '[:lower:]' <<< "${v#WGTUN_PARAM_}")
		[[ -w $p ]] || die "$v: no writable wgtun parameter $p"
		echo "${!v}" > "$p"
		echo "# wgtun parameter ${p##*/}=${!v}"
	done
	# Some packet paths flip static keys (socket timestamps, for ping) and
	# thread=multi emulation has been seen to trip over live code patching
	# under load (notes/vm-testing.md). A ping held open for the whole run
	# keeps the timestamp key on, so no later ping flips it mid-traffic.
	ping -q -i 5 127.0.0.1 > /dev/null 2>&1 &
	on_exit "kill $! 2>/dev/null"
}

# Kernel memory in KiB: Slab + Percpu + VmallocUsed + KernelStack.
kmem_kib() {
	awk '$1 == "Slab:" || $1 == "Percpu:" || $1 == "VmallocUsed:" || $1 == "KernelStack:" {
		s += $2 } END { print s }' /proc/meminfo
}

tasks() {
	local n=0 _p

	for _p in /proc/[0-9]*; do n=$((n + 1)); done
	echo "$n"
}

# Let frees queued behind RCU and workqueues land, drop caches, then read.
settle() {
	sync
	sleep 2
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
}

now() {
	date +%s.%N
}

# elapsed T0: seconds since T0, 3 decimals.
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

# Keys shared by every tunnel of a run: identity A on one side, B on the other.
bench_keys() {
	umask 077
	wg genkey > "$BT/a.key"
	wg genkey > "$BT/b.key"
	PUB_A=$(wg pubkey < "$BT/a.key")
	PUB_B=$(wg pubkey < "$BT/b.key")
	umask 022
}

# pair_setup IMPL NS1 NS2 [IMPL2]: two namespaces on a veth and a tunnel of
# IMPL between them (192.0.2.1 in NS1, 192.0.2.2 in NS2; outer
# 198.51.100.0/24); with IMPL2, NS2's end is that one instead.
# The peer in NS1 may also route 10.0.0.0/8 (the allowed-IPs benchmark).
pair_setup() {
	local impl=$1 a=$2 b=$3 impl2=${4:-$1} tool kind tool2 kind2

	tool=$(tool_of "$impl")
	kind=$(kind_of "$impl")
	tool2=$(tool_of "$impl2")
	kind2=$(kind_of "$impl2")
	setup_netns "$a" "$b"
	ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
	ip -n "$a" addr add 198.51.100.1/24 dev veth0
	ip -n "$b" addr add 198.51.100.2/24 dev veth0
	ip -n "$a" link set veth0 up
	ip -n "$b" link set veth0 up
	ip -n "$a" link add wg0 type "$kind"
	ip -n "$b" link add wg0 type "$kind2"
	ip -n "$a" addr add 192.0.2.1/24 dev wg0
	ip -n "$b" addr add 192.0.2.2/24 dev wg0
	ip netns exec "$a" "$tool" set wg0 private-key "$BT/a.key" listen-port 51820 \
		peer "$PUB_B" endpoint 198.51.100.2:51820 allowed-ips 192.0.2.2/32,10.0.0.0/8
	ip netns exec "$b" "$tool2" set wg0 private-key "$BT/b.key" listen-port 51820 \
		peer "$PUB_A" endpoint 198.51.100.1:51820 allowed-ips 192.0.2.1/32
	ip -n "$a" link set wg0 up
	ip -n "$b" link set wg0 up
	ip -n "$a" route add 10.0.0.0/8 dev wg0
	ip netns exec "$a" ping -q -c 2 -i 0.2 -W 5 192.0.2.2 > /dev/null ||
		die "$impl/$impl2 tunnel $a -> $b does not pass traffic"
}

# rx_packets NS DEV
rx_packets() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# median and p99 of the numbers on stdin, one a line: "MEDIAN P99".
median_p99() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "nan nan"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR; if (i < 1) i = 1
		printf "%.4f %.4f\n", m, v[i] }'
}
