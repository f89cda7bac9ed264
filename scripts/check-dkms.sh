#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-dkms`: build this tree with `dkms build`, as a user's DKMS would,
# against the headers of every kernel below (Debian's flavours a user may
# run). The host's kernels build on the host; sid's in the sid root
# (scripts/sid-root.sh), whose gcc matches them. Each build uses a private
# DKMS tree under a temporary folder: the system's DKMS state is not touched,
# and no module is signed (a signing key would be made for the purpose).
# One line per kernel, then "N passed, N failed"; fails if any build failed.
#
#   scripts/check-dkms.sh             build for every kernel below
#   scripts/check-dkms.sh --packages  the host's headers packages it needs
#                                     (scripts/deps.sh --extra installs them)
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)
root=$repo/.cache/sid-root

# release                        where
kernels=(
	6.1.0-56-amd64               host
	6.12.117+deb12-amd64         host
	6.12.117+deb12-rt-amd64      host
	6.12.117+deb12-cloud-amd64   host
	7.2.13+deb14-amd64           sid
	7.2.13+deb14-rt-amd64        sid
	7.2.13+deb14-cloud-amd64     sid
)

if [[ ${1:-} == --packages ]]; then
	for ((i = 0; i < ${#kernels[@]}; i += 2)); do
		[[ ${kernels[i + 1]} == host ]] && echo "linux-headers-${kernels[i]}"
	done
	exit 0
fi
[[ -z ${1:-} ]] || { echo "usage: $0 [--packages]" >&2; exit 2; }
((EUID == 0)) || { echo "check-dkms: needs root (the sid root, apt)" >&2; exit 1; }

name=$(sed -n 's/^PACKAGE_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/dkms.conf")

# The sid root needs dkms and the sid kernels' headers (made by make deps or
# on first use here).
sid_missing=()
for p in dkms $(for ((i = 0; i < ${#kernels[@]}; i += 2)); do
	[[ ${kernels[i + 1]} == sid ]] && echo "linux-headers-${kernels[i]}"; done); do
	st=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}' "$p" \
		2>/dev/null || true)
	[[ $st == installed ]] || sid_missing+=("$p")
done
if ((${#sid_missing[@]})); then
	"$repo/scripts/sid-root.sh"
	echo "check-dkms: installing ${sid_missing[*]} in the sid root"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	DEBIAN_FRONTEND=noninteractive "$repo/scripts/sid-root.sh" run apt-get \
		-o Acquire::Check-Valid-Until=false -q -y --no-install-recommends \
		install "${sid_missing[@]}" > "$repo/.cache/sid-dkms-apt.log" 2>&1 || {
		tail -n 20 "$repo/.cache/sid-dkms-apt.log"
		exit 1
	}
fi

# A copy of the sources as a DKMS source folder, where the build can see it:
# the host's /tmp, or the sid root's.
work=$(mktemp -d)
sid_work=$(mktemp -d "$root/tmp/check-dkms.XXXXXX")
trap 'rm -rf "$work" "$sid_work"' EXIT
for dir in "$work" "$sid_work"; do
	mkdir -p "$dir/src/$name-$version"
	cp -r "$repo"/{dkms.conf,Kbuild,src,uapi} "$dir/src/$name-$version/"
done

logs=$repo/.cache/logs/dkms
rm -rf "$logs"
mkdir -p "$logs"
passed=0
failed=0
for ((i = 0; i < ${#kernels[@]}; i += 2)); do
	kver=${kernels[i]}
	where=${kernels[i + 1]}
	if [[ $where == sid ]]; then
		run=("$repo/scripts/sid-root.sh" run)
		dir=$sid_work
		inside=/tmp/${sid_work##*/}
	else
		run=()
		dir=$work
		inside=$work
	fi
	rm -rf "$dir/tree" && mkdir "$dir/tree"
	t0=$(date +%s)
	# sign_file pointing nowhere: dkms then builds without signing.
	if "${run[@]}" env sign_file=/nonexistent dkms add -m "$name" -v "$version" \
		--sourcetree "$inside/src" --dkmstree "$inside/tree" > "$logs/$kver.log" 2>&1 &&
		"${run[@]}" env sign_file=/nonexistent dkms build -m "$name" -v "$version" \
		-k "$kver" --sourcetree "$inside/src" --dkmstree "$inside/tree" \
		>> "$logs/$kver.log" 2>&1 &&
		[[ -f $dir/tree/$name/$version/$kver/x86_64/module/$name.ko ||
		-f $dir/tree/$name/$version/$kver/x86_64/module/$name.ko.xz ]]; then
		passed=$((passed + 1))
		echo "PASS $kver ($where) $(($(date +%s) - t0))s"
	else
		failed=$((failed + 1))
		echo "FAIL $kver ($where) $(($(date +%s) - t0))s: see .cache/logs/dkms/$kver.log"
		cat "$dir/tree/$name/$version/build/make.log" >> "$logs/$kver.log" 2>/dev/null || true
	fi
done
echo "$passed passed, $failed failed"
((failed == 0))
