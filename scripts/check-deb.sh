#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test of `make check-deb`: installs the packages of `make deb` into a clean
# Debian bookworm chroot, as an admin would with apt, and takes them out again.
#
#   scripts/check-deb.sh DEBDIR    (root; DEBDIR holds wgtun-dkms_*.deb, wgctl_*.deb)
#
# The chroot, .cache/deb-root, is made once by debootstrap (minbase) from the
# host's own Debian archives (bookworm, -updates, -security), with what the
# packages depend on and the 6.1 headers of selftests/kernels.conf; a later
# run only checks that those are there.  Each run works on an overlay of it:
# every file the run writes lands in a fresh upper directory, so the chroot
# stays clean, and what is left in that directory after the purge is exactly
# what the packages left behind.  In the overlay:
#   - apt installs both packages, offline (their dependencies are in the chroot);
#   - DKMS has built and installed wgtun.ko for the headers' kernel, and the
#     module carries dkms.conf's version and that kernel's vermagic;
#   - `systemd-analyze verify` says nothing about any of wgctl's units;
#   - `wgctl --version` prints dkms.conf's version;
#   - the metrics timer's writer replaces its file whole (no interfaces here);
#   - apt purges both, and neither a file of theirs nor DKMS's tree nor a
#     built module is left (package management's own records aside).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf=$repo/selftests/kernels.conf
root=$repo/.cache/deb-root
suite=bookworm
debdir=$(cd "${1:?usage: $0 DEBDIR}" && pwd)

die() { echo "check-deb: FAIL: $*" >&2; exit 1; }
log() { echo "check-deb: $*"; }

((EUID == 0)) || die "run as root (chroot, mounts)"
krelease=$(awk '!/^[[:space:]]*(#|$)/ && $1 == "6.1" { print $2 }' "$conf")
headers=$(awk '!/^[[:space:]]*(#|$)/ && $1 == "6.1" { print $5 }' "$conf")
[[ -n $krelease && -n $headers ]] || die "no 6.1 row in $conf"
release=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/dkms.conf")
# What the two packages depend on, and what the checks run.
base=(dkms systemd man-db kmod "$headers")
debs=("$debdir"/wgtun-dkms_"$release"_all.deb "$debdir"/wgctl_"$release"_*.deb)
for d in "${debs[@]}"; do
	[[ -f $d ]] || die "$d missing: run make deb"
done

# The host's Debian archives of $suite, each as a sources.list line.
sources() {
	apt-get indextargets --format '$(SITE) $(RELEASE) $(ORIGIN)' 'Created-By: Packages' |
		awk -v s="$suite" '$3 == "Debian" && ($2 == s || index($2, s "-") == 1) {
			print "deb " $1 " " $2 " main" }' | sort -u
}

in_chroot() {
	local dir=$1

	shift
	unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
		sh "$dir" "$dir" "$@"
}

make_root() {
	local url stamp=$root/etc/wgtun-check-deb-base

	[[ -f $stamp && $(cat "$stamp") == "${base[*]}" ]] && return 0
	if [[ ! -x $root/usr/bin/apt-get ]]; then
		url=$(sources | awk -v s="$suite" '$3 == s { print $2; exit }')
		[[ -n $url ]] || die "no Debian $suite archive in the host's apt sources"
		log "debootstrap $suite from $url (once)"
		rm -rf "$root.tmp"
		debootstrap --variant=minbase "$suite" "$root.tmp" "$url" \
			> "$repo/.cache/deb-root.log" 2>&1 || {
			tail -n 20 "$repo/.cache/deb-root.log"
			die "debootstrap failed"
		}
		rm -rf "$root"
		mv "$root.tmp" "$root"
	fi
	log "installing ${base[*]} in $root (once)"
	sources > "$root/etc/apt/sources.list"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	in_chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q update
	in_chroot "$root" env DEBIAN_FRONTEND=noninteractive \
		apt-get -q -y --no-install-recommends install "${base[@]}"
	in_chroot "$root" apt-get clean
	echo "${base[*]}" > "$stamp"
}

# What the run does inside the overlay's chroot; $1 the kernel, $2 the version.
checks() {
	cat <<'EOF'
set -euo pipefail
krelease=$1 release=$2
die() { echo "check-deb: FAIL: $*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

apt-get -q -y --no-install-recommends install /tmp/debs/*.deb > /tmp/install.log 2>&1 || {
	cat /tmp/install.log
	die "apt-get install"
}
dkms status -m wgtun -v "$release" -k "$krelease" | grep ': installed$' > /dev/null || {
	cat /tmp/install.log
	die "DKMS did not install wgtun for $krelease"
}
ko=$(find "/lib/modules/$krelease" -name 'wgtun.ko*')
[[ -n $ko ]] || die "no wgtun.ko under /lib/modules/$krelease"
[[ $(modinfo -F version "$ko") == "$release" ]] ||
	die "module version '$(modinfo -F version "$ko")', dkms.conf says $release"
[[ $(modinfo -F vermagic "$ko") == "$krelease "* ]] ||
	die "module vermagic '$(modinfo -F vermagic "$ko")' is not $krelease's"
echo "check-deb: DKMS built $ko ($release, $krelease)"

units=(wgctl@wg0.service wgctl-reresolve@wg0.service wgctl-reresolve@wg0.timer
	wgctl-metrics.service wgctl-metrics.timer)
out=$(systemd-analyze verify "${units[@]}" 2>&1)
[[ -z $out ]] || { echo "$out"; die "systemd-analyze verify"; }
echo "check-deb: systemd-analyze verify: ${units[*]}: clean"

version=$(wgctl --version) || die "wgctl --version failed"
echo "check-deb: wgctl --version: ${version//$'\n'/; }"
[[ ${version%%$'\n'*} =~ (^|[[:space:]v])${release//./\\.}([[:space:]]|$) ]] ||
	die "wgctl --version does not say $release"

# The metrics unit's writer: the file replaced whole, readable, no temporary left.
mkdir /tmp/textfile
echo stale > /tmp/textfile/wgtun.prom
/usr/lib/wgctl/wgctl-metrics-textfile /tmp/textfile || die "wgctl-metrics-textfile failed"
[[ $(ls -A /tmp/textfile) == wgtun.prom ]] || die "textfile directory: $(ls -A /tmp/textfile)"
[[ $(stat -c %a /tmp/textfile/wgtun.prom) == 644 ]] || die "wgtun.prom not mode 0644"
! grep -qx stale /tmp/textfile/wgtun.prom || die "wgtun.prom not replaced"
echo "check-deb: wgctl-metrics-textfile wrote $(wc -l < /tmp/textfile/wgtun.prom) lines"

# The unknown-peer example the man page points at.
ex=/usr/share/doc/wgctl/examples/admit-peers
[[ -f $ex && -x $ex ]] || die "$ex missing or not executable"
bash -n "$ex" || die "$ex: syntax"
echo "check-deb: $ex installed"

apt-get -q -y purge wgctl wgtun-dkms > /tmp/purge.log 2>&1 || {
	cat /tmp/purge.log
	die "apt-get purge"
}
[[ -z $(dkms status -m wgtun) ]] || die "DKMS still knows wgtun: $(dkms status -m wgtun)"
rm -rf /tmp/debs /tmp/install.log /tmp/purge.log /tmp/textfile
EOF
}

# What the overlay's upper directory $1 holds that the chroot did not, apart
# from package management's own records and caches, and depmod's indexes of
# the headers' kernel (dkms runs depmod when it adds and removes the module;
# /lib is /usr/lib in bookworm).  /run is a tmpfs, as it is when booted.
leftovers() {
	local upper=$1 rel

	(cd "$upper" && find . -mindepth 1 \( -path ./var/lib/dpkg -o -path ./var/lib/apt \
		-o -path ./var/cache -o -path ./var/log -o -path ./tmp -o -path ./proc \) -prune \
		-o -print) | while read -r rel; do
		rel=${rel#./}
		[[ ${rel#usr/} == lib/modules/$krelease/modules.* ]] && continue
		if [[ -d $upper/$rel && ! -L $upper/$rel ]]; then
			# A directory in the upper layer is new only if the chroot lacks it.
			[[ -d $root/$rel ]] && continue
		fi
		echo "/$rel"
	done
}

make_root
work=$(mktemp -d "$repo/.cache/check-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{upper,work,merged}
mkdir -p "$work/upper/tmp/debs"
cp "${debs[@]}" "$work/upper/tmp/debs/"

start=$SECONDS
unshare --mount --fork bash -c '
	set -e
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/merged"
	mount -t proc proc "$2/merged/proc"
	mount --bind /dev "$2/merged/dev"
	mount -t tmpfs tmpfs "$2/merged/run"
	shift 2
	exec chroot "$@"' sh "$root" "$work" "$work/merged" bash -c "$(checks)" sh "$krelease" "$release"

left=$(leftovers "$work/upper")
[[ -z $left ]] || { echo "$left"; die "the purge left the files above behind"; }
log "purge left nothing behind"
log "pass ($((SECONDS - start)) s in the chroot)"
