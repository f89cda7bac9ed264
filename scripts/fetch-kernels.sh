#!/usr/bin/env bash
# Fetch each pinned kernel image package (selftests/kernels.conf) with apt and
# unpack it into .cache/kernels/<release>/ without installing it. Done once per
# release; an unpacked tree is reused as long as its vmlinuz is there.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf=$repo/selftests/kernels.conf
cache=$repo/.cache
updated=0

fetch() {
	local pkg=$1 dir=$2

	# apt-get download drops privileges to _apt where it can; a private
	# folder it cannot write to only costs a warning, so use a world-writable one.
	rm -rf "$dir" && mkdir -p "$dir" && chmod 1777 "$dir"
	(cd "$dir" && apt-get download -q "$pkg")
}

while read -r _ kver image _; do
	dest=$cache/kernels/$kver
	if [[ -f $dest/boot/vmlinuz-$kver && -d $dest/lib/modules/$kver/kernel ]]; then
		continue
	fi
	dl=$cache/debs/$kver
	if ! fetch "$image" "$dl"; then
		((updated)) && exit 1
		# Package lists may be missing or stale on a fresh machine.
		apt-get update -q
		updated=1
		fetch "$image" "$dl"
	fi
	echo "fetch-kernels: unpacking $image"
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	dpkg -x "$dl"/*.deb "$dest.tmp"
	[[ -f $dest.tmp/boot/vmlinuz-$kver ]] || {
		echo "fetch-kernels: $image has no boot/vmlinuz-$kver" >&2
		exit 1
	}
	rm -rf "$dest" "$dl"
	mv "$dest.tmp" "$dest"
done < <(grep -Ev '^[[:space:]]*(#|$)' "$conf")
echo "fetch-kernels: kernels ready in $cache/kernels"
