#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A 6.1 kernel with the kernel's bug detectors, built from Debian's
# linux-source-6.1, and the guest suite run under it (make check-debug).
#
#   scripts/debug-kernel.sh build          build and install the kernel once;
#                                          cached in .cache/debug-kernel/
#   scripts/debug-kernel.sh check [TEST..] build if needed, build wgtun.ko and
#                                          wgctl against it, run the tests (all
#                                          by default) split over DEBUG_GUESTS
#                                          guests side by side (default: one
#                                          per host core), at make check's
#                                          depth (WGTUN_DEPTH overrides), each
#                                          boot ending with a kmemleak scan; ends
#                                          "N passed, N failed" over all
#   scripts/debug-kernel.sh release        print the debug kernel's release
#
# Detectors: KASAN (generic, inline), UBSAN, PROVE_LOCKING (lockdep) with
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS (timers, work, RCU heads),
# KMEMLEAK (no automatic scan: selftests/tests/59-kmemleak.sh scans once, at
# the end of the suite), DEBUG_LIST, DEBUG_NET. The config is x86_64_defconfig
# plus kvm_guest.config, with what the harness needs built in (virtio-pci, 9p,
# devtmpfs, tmpfs, debugfs; /proc's children lists, which 29-units reads to
# find the systemd it boots) and what the tests load as modules (veth,
# wireguard, tun, dummy, vrf, overlay for 29-units, clsact with matchall
# and the nat action for 63-roaming-pinned, u32 and the pass action for
# 57-tx-counters, the UDP socket diagnostics with which ss shows a socket's
# bound device in 65-underlay-vrf; required_m below fails the build early
# when Kconfig drops one), and large subsystems the guest never uses
# (graphics, sound, USB, wireless) left out to keep the build short.
# KASAN's checks are compiled in place (inline) rather than as calls: a
# larger kernel, but under software emulation every call costs, and the
# suite runs for hours.
#
# Measured on the project's 2-core machine: the first build takes 45 to 90
# minutes of running time (.cache/debug-kernel/build-time has the last
# one's wall time); later runs reuse it. Changing this script's config list
# rebuilds (incrementally).
#
# The suite runs from copies of the repository in .cache/debug-kernel/tree/
# (tree1/ ... for further guests), whose selftests/kernels.conf names only
# the debug kernel (and whose .cache/ links the kernel and the ynl CLI), so
# that the harness (selftests/run) is used unchanged and the pinned kernels'
# logs are untouched. Tests are dealt to the guests
# longest first, by their last time under the debug kernel (else by their
# time limit). Test time limits are multiplied by
# WGTUN_TIMEOUT_SCALE (default 16 here). Logs: .cache/debug-kernel/guest.N.log
# and tree*/.cache/logs/<release>/.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
top=$repo/.cache/debug-kernel
tarball=/usr/src/linux-source-6.1.tar.xz
src=$top/linux-source-6.1
obj=$top/obj
root=$top/root
jobs=$(nproc)
# Guests side by side for check: one per host core (each runs single-threaded).
guests=${DEBUG_GUESTS:-$(nproc)}
# The guests' kernel arguments (WGTUN_GUEST_APPEND overrides): the stall
# and lockup watchdogs count wall time, and a debug kernel under emulation
# runs everything ten times slower, so they get their longest limits (300 s,
# 2 x 60 s). acpi=noirq would save 60 s per boot (ACPI _PRT timeouts under
# KASAN) but is not the default: one boot of three with it had a KASAN
# report in early interrupt handling, which turned lockdep off for the boot.
guest_append="rcupdate.rcu_cpu_stall_timeout=300 watchdog_thresh=60"

# name=value lines for scripts/config; "n" turns an option off.
config_list() {
	cat <<'EOF'
LOCALVERSION=-wgtun-debug
LOCALVERSION_AUTO=n
DEBUG_INFO_NONE=y
DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=n
MODULES=y
MODULE_UNLOAD=y
MODULE_SIG=n
MODVERSIONS=n
KALLSYMS=y
KALLSYMS_ALL=y
MAGIC_SYSRQ=y
DEVTMPFS=y
DEVTMPFS_MOUNT=n
TMPFS=y
TMPFS_POSIX_ACL=y
DEBUG_FS=y
PROC_CHILDREN=y
BLK_DEV_INITRD=y
RD_GZIP=y
SERIAL_8250=y
SERIAL_8250_CONSOLE=y
VIRTIO=y
VIRTIO_PCI=y
VIRTIO_PCI_LEGACY=y
NET_9P=y
NET_9P_VIRTIO=y
9P_FS=y
9P_FS_POSIX_ACL=y
NETWORK_FILESYSTEMS=y
NET=y
INET=y
IPV6=y
NET_NS=y
USER_NS=y
UNIX=y
PACKET=y
NETLINK_DIAG=y
INET_DIAG=m
INET_UDP_DIAG=m
IP_ADVANCED_ROUTER=y
IP_MULTIPLE_TABLES=y
IPV6_MULTIPLE_TABLES=y
NET_UDP_TUNNEL=m
VETH=m
WIREGUARD=m
TUN=m
DUMMY=m
NET_L3_MASTER_DEV=y
NET_VRF=m
OVERLAY_FS=m
NET_SCH_INGRESS=m
NET_CLS_MATCHALL=m
NET_CLS_U32=m
NET_ACT_NAT=m
NET_ACT_GACT=m
MACVLAN=m
BRIDGE=m
NETFILTER=y
NF_CONNTRACK=m
NF_NAT=m
NF_TABLES=m
NF_TABLES_INET=y
NFT_CT=m
NFT_NAT=m
NFT_MASQ=m
CRYPTO_LIB_CHACHA20POLY1305=m
CRYPTO_LIB_CURVE25519=m
CRYPTO_LIB_BLAKE2S=y
DRM=n
FB=n
SOUND=n
SND=n
USB_SUPPORT=n
WLAN=n
WIRELESS=n
CFG80211=n
MAC80211=n
NFS_FS=n
ROOT_NFS=n
MD=n
AGP=n
PCCARD=n
INFINIBAND=n
XEN=n
HYPERV=n
SECURITY_SELINUX=n
AUDIT=n
KASAN=y
KASAN_GENERIC=y
KASAN_OUTLINE=n
KASAN_INLINE=y
KASAN_VMALLOC=y
UBSAN=y
UBSAN_BOUNDS=y
UBSAN_SHIFT=y
UBSAN_DIV_ZERO=y
UBSAN_BOOL=y
UBSAN_ENUM=y
UBSAN_SANITIZE_ALL=y
PROVE_LOCKING=y
PROVE_RCU=y
PROVE_RCU_LIST=y
DEBUG_LOCK_ALLOC=y
DEBUG_ATOMIC_SLEEP=y
DEBUG_PREEMPT=y
DEBUG_OBJECTS=y
DEBUG_OBJECTS_FREE=y
DEBUG_OBJECTS_TIMERS=y
DEBUG_OBJECTS_WORK=y
DEBUG_OBJECTS_RCU_HEAD=y
DEBUG_OBJECTS_PERCPU_COUNTER=y
DEBUG_KMEMLEAK=y
DEBUG_KMEMLEAK_MEM_POOL_SIZE=40000
DEBUG_KMEMLEAK_DEFAULT_OFF=n
DEBUG_KMEMLEAK_AUTO_SCAN=n
DEBUG_LIST=y
DEBUG_NET=y
EOF
}

# Options that must hold after olddefconfig (the others are wishes that
# Kconfig may adjust, such as sub-options that moved between releases).
required=(KASAN UBSAN PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP DEBUG_OBJECTS
	DEBUG_KMEMLEAK VIRTIO_PCI NET_9P_VIRTIO 9P_FS NET_NS DEVTMPFS TMPFS MAGIC_SYSRQ
	MODULE_UNLOAD PROC_CHILDREN)
required_m=(VETH WIREGUARD DUMMY NET_VRF OVERLAY_FS NET_SCH_INGRESS NET_CLS_MATCHALL
	NET_CLS_U32 NET_ACT_NAT NET_ACT_GACT INET_DIAG INET_UDP_DIAG)

release() {
	make -s -C "$src" O="$obj" kernelrelease
}

configure() {
	local key line name value

	key=$( { config_list; sha256sum < "$tarball"; } | sha256sum | cut -d' ' -f1)
	if [[ -f $obj/.config && $(cat "$obj/.config-key" 2>/dev/null) == "$key" ]]; then
		return 0
	fi
	mkdir -p "$obj"
	make -s -C "$src" O="$obj" x86_64_defconfig
	make -s -C "$src" O="$obj" kvm_guest.config
	while IFS= read -r line; do
		name=${line%%=*}
		value=${line#*=}
		case $value in
		y) "$src/scripts/config" --file "$obj/.config" --enable "$name" ;;
		m) "$src/scripts/config" --file "$obj/.config" --module "$name" ;;
		n) "$src/scripts/config" --file "$obj/.config" --disable "$name" ;;
		-*) "$src/scripts/config" --file "$obj/.config" --set-str "$name" "$value" ;;
		*) "$src/scripts/config" --file "$obj/.config" --set-val "$name" "$value" ;;
		esac
	done < <(config_list)
	make -s -C "$src" O="$obj" olddefconfig
	for name in "${required[@]}"; do
		grep -qx "CONFIG_$name=y" "$obj/.config" ||
			{ echo "debug-kernel: CONFIG_$name is not y after olddefconfig" >&2; exit 1; }
	done
	for name in "${required_m[@]}"; do
		grep -qE "^CONFIG_$name=[ym]$" "$obj/.config" ||
			{ echo "debug-kernel: CONFIG_$name is off after olddefconfig" >&2; exit 1; }
	done
	echo "$key" > "$obj/.config-key"
}

build() {
	local t0 t1 krel

	[[ -f $tarball ]] || { echo "debug-kernel: $tarball missing: apt-get install linux-source-6.1" >&2; exit 1; }
	if [[ ! -f $src/Makefile ]]; then
		echo "debug-kernel: unpacking $tarball"
		mkdir -p "$top"
		tar -xf "$tarball" -C "$top"
	fi
	configure
	krel=$(release)
	if [[ -f $root/boot/vmlinuz-$krel && $(cat "$top/built-key" 2>/dev/null) == "$(cat "$obj/.config-key")" ]]; then
		return 0
	fi
	echo "debug-kernel: building $krel with $jobs jobs (log: $top/build.log)"
	t0=$(date +%s)
	if ! make -C "$src" O="$obj" -j"$jobs" bzImage modules > "$top/build.log" 2>&1; then
		tail -n 40 "$top/build.log"
		echo "debug-kernel: build failed" >&2
		exit 1
	fi
	t1=$(date +%s)
	echo "$(((t1 - t0) / 60)) min $(((t1 - t0) % 60)) s with -j$jobs on $(date -u +%F)" > "$top/build-time"
	echo "debug-kernel: built in $(cat "$top/build-time")"
	rm -rf "$root"
	mkdir -p "$root/boot"
	cp "$obj/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$krel"
	cp "$obj/.config" "$root/boot/config-$krel"
	make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$root" modules_install > /dev/null
	rm -f "$root/lib/modules/$krel/build" "$root/lib/modules/$krel/source"
	cat "$obj/.config-key" > "$top/built-key"
}

# Repository copy whose harness knows only the debug kernel, with wgtun.ko
# (both flavours) and wgctl built for it.
prepare_tree() {
	local krel=$1 tree=$top/tree f debug

	mkdir -p "$tree/.cache/kernels"
	rsync -a --delete --exclude .git --exclude .cache --exclude build "$repo/" "$tree/"
	printf '# written by scripts/debug-kernel.sh\ndebug %s full - -\n' "$krel" \
		> "$tree/selftests/kernels.conf"
	ln -sfn "$root" "$tree/.cache/kernels/$krel"
	ln -sfn "$repo/.cache/ynl" "$tree/.cache/ynl"
	for f in release debug; do
		mkdir -p "$tree/build/$krel/$f"
		rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
			"$repo/Kbuild" "$repo/src" "$repo/uapi" "$tree/build/$krel/$f/"
		debug=()
		[[ $f == debug ]] && debug=(WGTUN_DEBUG=1)
		make -C "$obj" M="$tree/build/$krel/$f" "${debug[@]}" modules \
			> "$tree/build/$krel/$f/build.log" 2>&1 ||
			{ cat "$tree/build/$krel/$f/build.log"; exit 1; }
	done
	make -s -C "$tree/tools/wgctl" > /dev/null
	make -s -C "$tree/selftests/tools" > /dev/null 2>&1 || true
}

# Seconds test $1 took the last time it passed under the debug kernel
# ($top/times, kept across runs), else its last time in any state, else its
# time limit (the "# timeout:" line, 120 s without one) as a rough stand-in.
test_weight() {
	local name=${1%.sh} t

	t=$(cat "$top/times" "$top"/tree*/.cache/logs/*/results 2>/dev/null |
		awk -v n="$name" '$1 == "TIME" && $2 == n { t = $3; exit } END { print t }')
	[[ -n $t ]] || t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
		"$repo/selftests/tests/$name.sh" | head -n1)
	echo "${t:-120}"
}

# record_times RESULTS: the times of the tests that passed in RESULTS
# replace theirs in $top/times (one line per test), for the next run's dealing.
record_times() {
	local new

	[[ -f $1 ]] || return 0
	new=$(awk '$1 == "TIME" { t[$2] = $3 } $1 == "PASS" && ($2 in t) { print "TIME", $2, t[$2] }' "$1")
	[[ -n $new ]] || return 0
	{ echo "$new"; cat "$top/times" 2>/dev/null || true; } |
		awk '!seen[$2]++' > "$top/times.new"
	mv "$top/times.new" "$top/times"
}

# The tests over $guests lists, longest first, each to the list with the
# least time so far; list g goes to the file $top/tests.g.
split_tests() {
	local -a load=() order=()
	local t g best i

	for ((g = 0; g < guests; g++)); do
		load[g]=0
		: > "$top/tests.$g"
	done
	while read -r _ t; do order+=("$t"); done < <(
		for t in "$@"; do echo "$(test_weight "$t") $t"; done | sort -rn)
	for t in "${order[@]}"; do
		best=0
		for ((i = 1; i < guests; i++)); do
			((load[i] < load[best])) && best=$i
		done
		echo "$t" >> "$top/tests.$best"
		load[best]=$((load[best] + $(test_weight "$t")))
	done
}

check() {
	local krel tests=() t g pids=() passed=0 failed=0 skipped=0 tree line p f s

	build
	krel=$(release)
	prepare_tree "$krel"
	if (($#)); then
		tests=("$@")
	else
		for t in "$top"/tree/selftests/tests/*.sh; do
			[[ ${t##*/} == 59-kmemleak.sh ]] || tests+=("${t##*/}")
		done
	fi
	((guests > ${#tests[@]})) && guests=${#tests[@]}
	((guests >= 1)) || guests=1
	split_tests "${tests[@]}"
	echo "debug-kernel: ${#tests[@]} test(s) over $guests guest(s), each ending with 59-kmemleak"
	for ((g = 0; g < guests; g++)); do
		tree=$top/tree
		if ((g)); then
			tree=$top/tree$g
			mkdir -p "$tree"
			rsync -a --delete --exclude .cache "$top/tree/" "$tree/"
			mkdir -p "$tree/.cache/kernels"
			ln -sfn "$root" "$tree/.cache/kernels/$krel"
			ln -sfn "$repo/.cache/ynl" "$tree/.cache/ynl"
		fi
		mapfile -t tests < "$top/tests.$g"
		echo "debug-kernel: guest $g: ${tests[*]} (log: $top/guest.$g.log)"
		# One boot per list (-j1: the harness would otherwise split it
		# over guests of its own), the leak scan last in it ("order:
		# last"), after everything else; at make check's depth (named
		# tests would otherwise run at full depth).
		(cd "$tree" && WGTUN_TIMEOUT_SCALE=${WGTUN_TIMEOUT_SCALE:-16} \
			WGTUN_DEPTH=${WGTUN_DEPTH:-quick} \
			WGTUN_GUEST_APPEND=${WGTUN_GUEST_APPEND-$guest_append} \
			selftests/run -j1 --kernel all --keep-going "${tests[@]}" 59-kmemleak.sh) \
			> "$top/guest.$g.log" 2>&1 &
		pids+=($!)
	done
	for g in "${!pids[@]}"; do
		wait "${pids[g]}" || true
		tree=$top/tree
		((g)) && tree=$top/tree$g
		record_times "$tree/.cache/logs/$krel/results"
		echo "== guest $g"
		cat "$top/guest.$g.log"
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$top/guest.$g.log" |
			tail -n1)
		if [[ -z $line ]]; then
			failed=$((failed + 1))
			continue
		fi
		read -r p _ f _ s _ <<< "${line//,/}"
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	done
	echo "$passed passed, $failed failed, $skipped skipped"
	((failed == 0))
}

case ${1:-build} in
build) build; echo "debug-kernel: $(release) ready in $root (built in $(cat "$top/build-time" 2>/dev/null))" ;;
release) release ;;
check) shift; check "$@" ;;
*) echo "usage: $0 build|check [TEST...]|release" >&2; exit 2 ;;
esac
