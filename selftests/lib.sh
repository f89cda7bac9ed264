# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the guest tests: source it first thing,
#   . "$(dirname "$0")/../lib.sh"
#
# A test is a bash script run as root in the guest, cwd = repository root,
# with KVER, WGTUN_REPO, WGTUN_DEBUG_KO and WGTUN_TIMEOUT_SCALE set. It
# passes by exiting 0. The harness cleans up after it and checks the kernel
# log, so a test need not; it must not clear the kernel log itself (no
# dmesg -c). A test that cannot run on this kernel calls skip.

set -Eeuo pipefail

# Print where a test stopped when a command fails under set -e.
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# log MESSAGE: a comment line in the test's log, with the seconds since the
# test began (where a test spends its time).
_lib_t0=$EPOCHSECONDS
log() {
	echo "# [$((EPOCHSECONDS - _lib_t0))s] $*"
}

# skip REASON: this test cannot run here (a kernel without kmemleak, say).
# The harness counts it as skipped, never as passed.
skip() {
	echo "SKIP: $*"
	exit 77
}

# by_depth FULL QUICK: a test's depth (rounds, messages) for this run.
# `make check` runs every test at QUICK, which the test's header argues
# still reaches every case; `make check-all` and a test named to
# selftests/run run FULL, the longer search for rare interleavings
# (WGTUN_DEPTH, set by the harness).
by_depth() {
	if [[ ${WGTUN_DEPTH:-full} == quick ]]; then echo "$2"; else echo "$1"; fi
}

# scaled SECONDS: a limit inside a test, stretched like the harness' own
# (WGTUN_TIMEOUT_SCALE: the speed factor the guest measured at boot, times
# the debug kernel's own, which runs several times slower).
scaled() {
	echo $(($1 * ${WGTUN_TIMEOUT_SCALE:-1}))
}

# assert MESSAGE COMMAND [ARG...]: run the command, fail the test with
# MESSAGE if it fails. Use [[ ]] directly when bash syntax reads better:
#   [[ $mtu == 1420 ]] || die "mtu is $mtu"
assert() {
	local msg=$1

	shift
	"$@" || die "$msg"
}

# assert_eq GOT WANT MESSAGE
assert_eq() {
	[[ $1 == "$2" ]] || die "$3: got '$1', want '$2'"
}

# assert_match GOT REGEX MESSAGE (bash extended regex)
assert_match() {
	[[ $1 =~ $2 ]] || die "$3: '$1' does not match /$2/"
}

# Cleanup actions, run in reverse order of registration when the test exits.
_cleanups=()
on_exit() {
	_cleanups+=("$*")
}

_run_cleanups() {
	local i

	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" || true
	done
}
trap _run_cleanups EXIT

# setup_netns NAME...: fresh namespaces with loopback up, removed at exit.
setup_netns() {
	local ns

	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns"
		on_exit "ip netns del $ns 2>/dev/null"
		ip -n "$ns" link set lo up
	done
}

# n1 CMD...: run CMD in namespace n1 (and n2, n3 likewise).
n1() { ip netns exec n1 "$@"; }
n2() { ip netns exec n2 "$@"; }
n3() { ip netns exec n3 "$@"; }

# load_debug_module [PARAM=VALUE...]: replace wgtun with the debug build
# ($WGTUN_DEBUG_KO), after modprobe has loaded what wgtun depends on.
load_debug_module() {
	[[ -f ${WGTUN_DEBUG_KO:-} ]] || die "no debug build at '${WGTUN_DEBUG_KO:-}'"
	modprobe wgtun
	rmmod wgtun
	insmod "$WGTUN_DEBUG_KO" "$@"
}

# wait_for SECONDS COMMAND [ARG...]: run COMMAND until it succeeds, for at
# most SECONDS scaled like every limit (see scaled): an outer bound on
# waiting for an event, never a measure of speed. The pause between tries
# grows from 0.1 s to 1 s: under emulation one CPU runs the whole guest, and
# a command started ten times a second would slow what it waits for.
wait_for() {
	local end pause=1

	end=$((EPOCHSECONDS + $(scaled "$1")))
	shift
	while ((EPOCHSECONDS < end)); do
		"$@" && return 0
		sleep "$((pause / 10)).$((pause % 10))"
		((pause < 10)) && pause=$((pause * 2 > 10 ? 10 : pause * 2))
	done
	"$@"
}

# veth_link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth pair from DEV1 in NS1 to
# DEV2 in NS2, each end with its address (ADDR/PREFIX) and up.
veth_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# flood_initiations NS DST PORT[-LAST] PUBKEY SECONDS OUT [PREFIX...]: from
# NS, send handshake initiations at DST's PORT (each port of the range in
# turn) as fast as they go for SECONDS seconds, in the background. Each has
# a valid mac1 for PUBKEY but every 8th, so the receiver's handshake worker
# must take them up. PREFIX (nice, taskset) runs the sender; its summary
# (one JSON line: sent, cookies, ...) goes to OUT, and its pid to flood_pid:
# the sender's own, as ip netns exec and PREFIX exec it. The sender in C
# (selftests/tools/flood, make -C selftests/tools) is several times faster
# than wgfuzz.py flood, which stands in where it is not built.
flood_initiations() {
	local ns=$1 dst=$2 port=$3 pub=$4 secs=$5 out=$6
	local tools

	tools=$(dirname "${BASH_SOURCE[0]}")/tools
	shift 6
	if [[ -x $tools/flood ]]; then
		python3 "$tools/wgfuzz.py" pool --pubkey "$pub" --pool 4096 --bad-every 8 \
			--seed "$RANDOM" --out "$out.pool"
		ip netns exec "$ns" "$@" "$tools/flood" "$dst" "$port" "$out.pool" 148 8 "$secs" \
			> "$out" &
	else
		log "selftests/tools/flood not built: flooding from Python (slower)"
		ip netns exec "$ns" "$@" python3 "$tools/wgfuzz.py" flood --dst "$dst" \
			--port "$port" --pubkey "$pub" --seconds "$secs" --bad-every 8 \
			--seed "$RANDOM" > "$out" &
	fi
	flood_pid=$!
}

# veth_keys NET [HOST...]: a veth pair, v1 in n1 with NET.1/24 and v2 in
# n2 with NET.2/24 (and NET.HOST/24 for each HOST given), both up; and two
# key pairs: k1 and k2 private, p1 and p2 their public keys.
veth_keys() {
	local net=$1 h

	shift
	ip link add v1 netns n1 type veth peer name v2 netns n2
	n1 ip addr add "$net.1/24" dev v1
	for h in 2 "$@"; do
		n2 ip addr add "$net.$h/24" dev v2
	done
	n1 ip link set v1 up
	n2 ip link set v2 up
	k1=$(wg genkey)
	k2=$(wg genkey)
	p1=$(wg pubkey <<< "$k1")
	p2=$(wg pubkey <<< "$k2")
}

# matches [GREP-OPTION...] PATTERN: grep's exit status for standard input,
# read to its end. `... | grep -q` stops reading at its first match, and a
# writer with more to say then dies of SIGPIPE, which pipefail turns into
# the pipeline failing although the line was there.
matches() {
	grep "$@" > /dev/null
}

# link_kind DEV [NETNS]: the rtnl kind of DEV ("wgtun", "wireguard", ...).
link_kind() {
	ip ${2:+-n "$2"} -d -j link show dev "$1" | jq -r '.[0].linkinfo.info_kind // empty'
}

# link_exists DEV [NETNS]
link_exists() {
	ip ${2:+-n "$2"} link show dev "$1" > /dev/null 2>&1
}
