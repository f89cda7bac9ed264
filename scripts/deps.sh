#!/usr/bin/env bash
# Install what building and testing wgtun needs on a Debian 12 machine, make
# the sid build root if a pinned kernel comes from sid (scripts/sid-root.sh),
# fetch the kernel's ynl CLI for the family's YNL spec (scripts/ynl.sh), then
# fetch the pinned kernel images for the guest tests. Idempotent: a second run
# touches neither apt nor the network.
#
#   scripts/deps.sh                 what make check needs
#   scripts/deps.sh --extra         that, and what make style (checkpatch from
#                                   linux-source-6.1), make check-debug (the
#                                   debug kernel build) and make check-dkms (the
#                                   host's headers of scripts/check-dkms.sh) need,
#                                   and perf for bench/profile.sh
#   scripts/deps.sh --deb           only what make deb and make check-deb need
#                                   (no kernels, no sid root)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf=$repo/selftests/kernels.conf

packages=(
	make gcc libc6-dev pkg-config git rsync cpio gzip xz-utils coreutils
	qemu-system-x86 busybox-static kmod iproute2 iperf3 iputils-ping
	wireguard-tools wireguard-go bird2 frr dkms sparse clang socat
	procps util-linux psmisc jq libssl-dev cppcheck libclang-rt-14-dev python3
	prometheus python3-yaml python3-jsonschema
)
deb_only=0
case ${1:-} in
--extra)
	packages+=(linux-source-6.1 bison flex bc libelf-dev linux-perf debootstrap)
	mapfile -t -O "${#packages[@]}" packages < <("$repo/scripts/check-dkms.sh" --packages)
	;;
--deb)
	deb_only=1
	packages=(make gcc libc6-dev libssl-dev rsync dpkg-dev debhelper dh-dkms lintian
		debootstrap systemd)
	;;
'') ;;
*) echo "usage: $0 [--extra | --deb]" >&2; exit 2 ;;
esac
sid=0
((deb_only)) ||
while read -r _ _ _ _ headers from; do
	if [[ $from == sid ]]; then
		sid=1
	else
		packages+=("$headers")
	fi
done < <(grep -Ev '^[[:space:]]*(#|$)' "$conf")
((sid)) && packages+=(debootstrap)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]})); then
	if ((EUID != 0)); then
		echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "deps: all packages present"
fi

((deb_only)) && exit 0
((sid)) && "$repo/scripts/sid-root.sh"
# Only 28-ynl and make style's spec check use it: without it (sid's source
# package gone, the mirror out of reach) the test is skipped, not failed.
"$repo/scripts/ynl.sh" fetch ||
	echo "deps: no ynl CLI (scripts/ynl.sh fetch failed): 28-ynl will be skipped" >&2
exec "$repo/scripts/fetch-kernels.sh"
