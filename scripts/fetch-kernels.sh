#!/usr/bin/env bash
# Fetch each pinned kernel image package (selftests/kernels.conf) with apt and
# unpack it into .cache/kernels/<release>/ without installing it. Done once per
# release; an unpacked tree is reused as long as its vmlinuz is there. Rows from
# sid are fetched with the host's apt aimed at sid alone (scripts/sid-root.sh
# apt-get); their packages (vmlinuz and modules apart, under /usr/lib) are laid
# out like the others: boot/vmlinuz-<release>, lib/modules/<release>.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf=$repo/selftests/kernels.conf
cache=$repo/.cache
updated=0

# fetch FROM DIR PKG...
fetch() {
	local from=$1 dir=$2 apt=(apt-get)

	shift 2
	[[ $from == sid ]] && apt=("$repo/scripts/sid-root.sh" apt-get)
	# apt-get download drops privileges to _apt where it can; a private
	# folder it cannot write to only costs a warning, so use a world-writable one.
	rm -rf "$dir" && mkdir -p "$dir" && chmod 1777 "$dir"
	(cd "$dir" && "${apt[@]}" download -q "$@")
}

# Debian's merged-/usr packages (sid) put vmlinuz into the module directory.
usr_layout() {
	local dir=$1 kver=$2

	[[ -d $dir/usr/lib/modules ]] || return 0
	mkdir -p "$dir/lib" "$dir/boot"
	mv "$dir/usr/lib/modules" "$dir/lib/modules"
	if [[ -f $dir/lib/modules/$kver/vmlinuz ]]; then
		mv "$dir/lib/modules/$kver/vmlinuz" "$dir/boot/vmlinuz-$kver"
	fi
}

# An unpacked tree is complete if every module in its modules.order is there
# (a stray "make M=... clean" over the repository deletes them).
tree_ok() {
	local dir=$1 kver=$2 mods=$1/lib/modules/$2

	[[ -f $dir/boot/vmlinuz-$kver && -f $mods/modules.order ]] || return 1
	(($(find "$mods" -name '*.ko*' | wc -l) == $(wc -l < "$mods/modules.order")))
}

while read -r _ kver _ image _ from; do
	dest=$cache/kernels/$kver
	tree_ok "$dest" "$kver" && continue
	dl=$cache/debs/$kver
	IFS=, read -r -a pkgs <<< "$image"
	if ! fetch "${from:-host}" "$dl" "${pkgs[@]}"; then
		# Package lists may be missing or stale on a fresh machine.
		if [[ $from == sid ]]; then
			"$repo/scripts/sid-root.sh" apt-get update -q
		else
			((updated)) && exit 1
			apt-get update -q
			updated=1
		fi
		fetch "${from:-host}" "$dl" "${pkgs[@]}"
	fi
	echo "fetch-kernels: unpacking $image"
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	for deb in "$dl"/*.deb; do
		dpkg -x "$deb" "$dest.tmp"
	done
	usr_layout "$dest.tmp" "$kver"
	tree_ok "$dest.tmp" "$kver" || {
		echo "fetch-kernels: $image does not hold vmlinuz-$kver and its modules" >&2
		exit 1
	}
	rm -rf "$dest" "$dl"
	mv "$dest.tmp" "$dest"
done < <(grep -Ev '^[[:space:]]*(#|$)' "$conf")
echo "fetch-kernels: kernels ready in $cache/kernels"
