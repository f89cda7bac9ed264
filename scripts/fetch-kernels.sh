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

# An unpacked tree is complete if every module in its modules.order is there
# (a stray "make M=... clean" over the repository deletes them).
tree_ok() {
	local dir=$1 kver=$2 mods=$1/lib/modules/$2

	[[ -f $dir/boot/vmlinuz-$kver && -f $mods/modules.order ]] || return 1
	(($(find "$mods" -name '*.ko*' | wc -l) == $(wc -l < "$mods/modules.order")))
}

while read -r _ kver _ image _; do
	dest=$cache/kernels/$kver
	tree_ok "$dest" "$kver" && continue
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
	tree_ok "$dest.tmp" "$kver" || {
		echo "fetch-kernels: $image does not hold vmlinuz-$kver and its modules" >&2
		exit 1
	}
	rm -rf "$dest" "$dl"
	mv "$dest.tmp" "$dest"
done < <(grep -Ev '^[[:space:]]*(#|$)' "$conf")
echo "fetch-kernels: kernels ready in $cache/kernels"
