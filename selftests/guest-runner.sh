#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest as PID 1 (started by selftests/guest-init) and
# runs the tests that selftests/run listed in its config (second argument,
# .cache/run/<release>/config.<guest>).
#
# Per test: a timeout, its output in LOGDIR/<test>.log, then the guest is
# put back to a clean state (processes, namespaces, links, module unloaded)
# and the kernel log written during the test is checked for reports of
# kernel bugs. One line per test goes to the harness console (ttyS1) and,
# before and after each test, a line to RESULTS on the writable share, so
# that the host can tally even when a test takes the guest down.

repo=$1
kver=$(uname -r)
export PATH=$repo/tools/wgctl:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

# Power the guest off.  The shares go first, so sleep's own file may no
# longer be readable: its exec error is of no interest.
power_off() {
	sync
	echo o > /proc/sysrq-trigger
	sleep 60 2> /dev/null
}

# shellcheck source=/dev/null
. "$2" || power_off

# Kernel log lines that fail the test during which they appear.
KERNEL_BAD='WARNING:|BUG:|Oops|KASAN|UBSAN|refcount_t|lockdep|possible recursive locking|suspicious RCU|kmemleak|general protection|Call Trace'
# Taint bits that mean the same: B bad page (32), D oops (128), W warning (512),
# L soft lockup (16384).
TAINT_BAD=$((32 | 128 | 512 | 16384))

console=/dev/ttyS1
stty -F "$console" raw -echo 2>/dev/null
exec > "$console" 2>&1 < /dev/null

say() {
	printf '%s\n' "$*"
}

record() {
	printf '%s\n' "$*" >> "$RESULTS"
}

# The initial namespace's sysctls that tests change (the ones under
# net/core, the IPv4 forwarding switch, the IPv6 defaults, the two kernel
# knobs the key scan reads), as they were at boot: a test stopped before its
# own clean-up ran leaves the next one the guest it found.
SYSCTLS=(/proc/sys/net/core/* /proc/sys/net/ipv4/ip_forward
	/proc/sys/net/ipv6/conf/{all,default}/*
	/proc/sys/kernel/{perf_event_paranoid,kptr_restrict})
declare -A sysctl_at_boot=()
snapshot_sysctls() {
	local f v

	for f in "${SYSCTLS[@]}"; do
		[[ -w $f ]] && read -r v < "$f" 2> /dev/null && sysctl_at_boot[$f]=$v
	done
}

restore_sysctls() {
	local f v

	for f in "${!sysctl_at_boot[@]}"; do
		read -r v < "$f" 2> /dev/null || continue
		[[ $v == "${sysctl_at_boot[$f]}" ]] && continue
		echo "reset: $f from $v to ${sysctl_at_boot[$f]}"
		echo "${sysctl_at_boot[$f]}" > "$f" || echo "reset: $f not restored"
	done
}

# Everything a test may leave behind: processes (daemons included), network
# namespaces, links in the initial namespace, the softirq threads' priority
# (62-crypt-fairness raises it), sysctls and the module itself.
reset_guest() {
	local p pid

	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[[ $pid == 1 || $pid == "$BASHPID" ]] && continue
		[[ -e $p/exe ]] || continue	# kernel thread
		kill -9 "$pid" 2>/dev/null
	done
	ip -all netns delete 2>/dev/null
	for pid in $(pgrep '^ksoftirqd/'); do
		renice -n 0 -p "$pid" > /dev/null
	done
	restore_sysctls
	ip -o link show | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2 }' |
	while read -r dev; do
		ip link del "$dev" 2>/dev/null
	done
	unload_wgtun
}

# rmmod may race with deferred namespace cleanup, and the module's exit waits
# for every interface being unregistered (any kind) to go: retry for a while,
# and look again each time, since an rmmod that timeout(1) gave up on may
# still have finished. On failure, say what holds the module.
unload_wgtun() {
	local i

	for ((i = 0; i < 20; i++)); do
		[[ -d /sys/module/wgtun ]] || return 0
		timeout $((30 * ${WGTUN_TIMEOUT_SCALE:-1})) rmmod wgtun 2>/dev/null && return 0
		sleep 0.5
	done
	[[ -d /sys/module/wgtun ]] || return 0
	echo "wgtun still loaded: refcnt $(cat /sys/module/wgtun/refcnt 2>/dev/null)," \
		"$(ip -o link show type wgtun 2>/dev/null | wc -l) wgtun links in the init namespace," \
		"$(ip netns list | wc -l) namespaces"
	return 1
}

run_test() {
	local script=$1 limit=$2 name log taint0 taint1 rc reason=() bad watchdog t0 ran skipped

	name=$(basename "$script" .sh)
	log=$LOGDIR/$name.log
	record "START $name"
	dmesg -c > /dev/null
	taint0=$(< /proc/sys/kernel/tainted)
	t0=$(date +%s)

	# If even timeout(1) cannot end the test (a task stuck in the kernel),
	# list the blocked tasks on the console before the host gives up on us.
	(sleep $((limit + 30)) && echo w > /proc/sysrq-trigger) &
	watchdog=$!
	disown

	# timeout(1) runs the test in its own process group and kills all of it.
	if ((VERBOSE)); then
		(cd "$repo" && timeout -k 10 "$limit" bash "$script") 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		(cd "$repo" && timeout -k 10 "$limit" bash "$script") > "$log" 2>&1
		rc=$?
	fi

	ran=$(($(date +%s) - t0))
	kill "$watchdog" 2>/dev/null
	if ! reset_guest >> "$log" 2>&1; then
		reason+=("wgtun does not unload after the test")
	fi
	sleep 1		# let deferred work (namespace cleanup) report
	dmesg -c > "$LOGDIR/$name.dmesg"
	taint1=$(< /proc/sys/kernel/tainted)
	record "TIME $name $(($(date +%s) - t0))"

	# 124 is also what a test's own timeout(1) returns: only a test that ran
	# its whole limit was stopped by ours.
	# A skip is exit 77 with a "SKIP:" line and no "FAIL:" line (lib.sh's
	# skip and die), so that a command failing with 77 is not taken for one.
	skipped=
	if (((rc == 124 || rc == 137) && ran >= limit)); then
		reason=("timed out after ${limit}s" "${reason[@]}")
	elif ((rc == 77)) && grep -q '^SKIP: ' "$log" && ! grep -q '^FAIL: ' "$log"; then
		skipped=$(sed -n 's/^SKIP: //p' "$log" | tail -n1)
	elif ((rc != 0)); then
		reason=("exit status $rc" "${reason[@]}")
	fi
	bad=$(grep -E "$KERNEL_BAD" "$LOGDIR/$name.dmesg")
	[[ -n $bad ]] && reason+=("kernel: $(head -n1 <<< "$bad")")
	if (((taint1 & ~taint0) & TAINT_BAD)); then
		reason+=("kernel taint $taint0 -> $taint1")
	fi

	if ((${#reason[@]} == 0)) && [[ -n $skipped ]]; then
		record "SKIP $name $skipped"
		say "SKIP $kver $name ($skipped)"
		return
	fi
	if ((${#reason[@]} == 0)); then
		record "PASS $name"
		say "PASS $kver $name"
		return
	fi
	local why
	why=$(IFS=';'; echo "${reason[*]}")
	why=${why//;/; }
	record "FAIL $name $why"
	say "FAIL $kver $name ($why)"
	if ((!VERBOSE)); then
		say "---- last 30 lines of $log"
		tail -n 30 "$log" | sed 's/^/  | /'
	fi
	if [[ -n $bad ]]; then
		local first
		first=$(grep -nE "$KERNEL_BAD" "$LOGDIR/$name.dmesg" | sed -n 1p | cut -d: -f1)
		say "---- kernel log from the first report ($LOGDIR/$name.dmesg)"
		tail -n "+$first" "$LOGDIR/$name.dmesg" | sed -n 1,40p | sed 's/^/  | /'
	fi
}

# Device nodes that load their module on first open (/dev/net/tun for
# wireguard-go, for one); udev would create them on a full system.
make_static_nodes() {
	local mod node spec

	while read -r mod node spec; do
		[[ $mod == \#* || -e /dev/$node ]] && continue
		[[ $spec =~ ^([cb])([0-9]+):([0-9]+)$ ]] || continue
		mkdir -p "$(dirname "/dev/$node")"
		mknod -m 0666 "/dev/$node" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
	done < "/lib/modules/$kver/modules.devname"
}

# What systemd-tmpfiles would create for the routing daemons.
make_run_dirs() {
	local user

	for user in frr bird; do
		id "$user" > /dev/null 2>&1 || continue
		install -d -m 0755 -o "$user" -g "$user" "/run/$user"
	done
}

# speed_factor: how many times slower than the reference host this guest runs
# now, as a whole number from 1 to MAX_SPEED (selftests/run sets it; 1, i.e.
# no stretching, for callers that do not, such as bench/run). A fixed shell
# loop is timed against what it took on a quiet development machine with two
# guests side by side (a quarter of a loop four times as long timed there). It
# is measured again before every test, since a host gets busier or quieter as
# a run goes on, and that test's limits are stretched by it, so that a slower
# or busier host gets more time instead of failures. The loop takes about 0.1
# s at the reference speed.
SPEED_LOOPS=2500
SPEED_REF_MS=100
speed_factor() {
	local t0 t1 i ms f

	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < SPEED_LOOPS; i++)); do :; done
	t1=${EPOCHREALTIME/./}
	ms=$(((t1 - t0) / 1000))
	f=$(((ms + SPEED_REF_MS - 1) / SPEED_REF_MS))
	((f >= 1)) || f=1
	((f <= ${MAX_SPEED:-1})) || f=${MAX_SPEED:-1}
	echo "$f ${ms}ms/${SPEED_REF_MS}ms"
}

make_static_nodes
make_run_dirs
snapshot_sysctls
read -r speed speed_how < <(speed_factor)
say "guest: $kver up after $(cut -d' ' -f1 /proc/uptime)s, speed factor $speed ($speed_how)," \
	"running ${#TESTS[@]} test(s)"
dmesg -c > "$LOGDIR/boot.$PART.dmesg"
# A kernel report before any test means the boot itself went wrong, and the
# detectors may be off for all of it (KASAN's first report turns lockdep
# off). With BOOT_RETRY set, the guest powers off for the harness to boot it
# again; else it is counted as a failure of its own, "boot", and the tests
# run in what is left.
# (A debug kernel announces lockdep and kmemleak at boot: not reports.)
boot_bad=$(grep -E "$KERNEL_BAD" "$LOGDIR/boot.$PART.dmesg" |
	grep -Ev 'RCU lockdep checking is enabled|kmemleak: Kernel memory leak detector initialized' |
	head -n1) || true
if [[ -n $boot_bad ]]; then
	if ((${BOOT_RETRY:-0})); then
		record "REBOOT kernel: $boot_bad"
		say "$kver: kernel report before any test, to boot again (kernel: $boot_bad)"
		power_off
	fi
	record "FAIL boot kernel: $boot_bad"
	say "FAIL $kver boot (kernel: $boot_bad)"
fi
export KVER=$kver WGTUN_REPO=$repo WGTUN_DEBUG_KO WGTUN_DEPTH LOGDIR
scale=${WGTUN_TIMEOUT_SCALE:-1}

for i in "${!TESTS[@]}"; do
	read -r speed speed_how < <(speed_factor)
	record "SPEED $speed $speed_how"
	export WGTUN_TIMEOUT_SCALE=$((scale * speed))
	run_test "${TESTS[$i]}" "$((TIMEOUTS[i] * speed))"
done

record "DONE"
power_off
