#!/usr/bin/env bash
# A Debian sid build root for the kernels.conf rows whose "from" column says
# sid: their headers need a compiler the host does not have (Linux 7.2 wants
# gcc-16). Made once in .cache/sid-root by debootstrap (minbase) from the
# Debian mirror the host's apt uses, then given make and each sid row's headers
# package (which pull the matching gcc). A second run only checks, with the
# host's dpkg-query, that those packages are installed.
#
#   scripts/sid-root.sh            make or complete the root (root)
#   scripts/sid-root.sh run CMD    run CMD in the root, with /proc mounted in a
#                                  private mount namespace (gone when CMD ends)
#   scripts/sid-root.sh apt-get ARG...
#                                  the host's apt-get on sid alone, with its own
#                                  sources list, lists and cache under
#                                  .cache/sid-apt (the host's apt state is not
#                                  touched): fetches sid's kernel image packages
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
conf=$repo/selftests/kernels.conf
root=$repo/.cache/sid-root

# sid's Release file can be older than its Valid-Until on the mirrors.
apt_opts=(-o Acquire::Check-Valid-Until=false -q -y --no-install-recommends)

in_root() {
	unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
		sh "$root" "$root" "$@"
}

# The host's own Debian archive (not -security, not -updates).
mirror() {
	local url

	url=$(apt-get indextargets --format '$(SITE) $(RELEASE) $(ORIGIN)' 'Created-By: Packages' |
		awk '$3 == "Debian" && $2 !~ /-/ { print $1; exit }')
	[[ -n $url ]] || { echo "sid-root: no Debian mirror in the host's apt sources" >&2; return 1; }
	echo "$url"
}

host_apt() {
	local dir=$repo/.cache/sid-apt url

	if [[ ! -f $dir/sources.list ]]; then
		url=$(mirror)
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
		echo "deb $url sid main" > "$dir/sources.list"
	fi
	apt-get -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o Acquire::Check-Valid-Until=false "$@"
}

case ${1:-} in
run) shift; in_root "$@"; exit ;;
apt-get) shift; host_apt "$@"; exit ;;
'') ;;
*) echo "usage: $0 [run CMD... | apt-get ARG...]" >&2; exit 2 ;;
esac

packages=(make)
while read -r headers; do
	packages+=("$headers")
done < <(awk '!/^[[:space:]]*(#|$)/ && $6 == "sid" { print $5 }' "$conf")

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}' "$p" \
		2>/dev/null || true)
	[[ $status == installed ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	echo "sid-root: $root ready"
	exit 0
fi
((EUID == 0)) || { echo "sid-root: missing in $root: ${missing[*]}; run as root" >&2; exit 1; }

if [[ ! -x $root/usr/bin/apt-get ]]; then
	url=$(mirror)
	command -v debootstrap > /dev/null || {
		echo "sid-root: debootstrap missing: run 'make deps'" >&2
		exit 1
	}
	echo "sid-root: debootstrap sid from $url"
	mkdir -p "$repo/.cache"
	rm -rf "$root.tmp"
	debootstrap --variant=minbase sid "$root.tmp" "$url" > "$repo/.cache/sid-root.log" 2>&1 || {
		tail -n 20 "$repo/.cache/sid-root.log"
		exit 1
	}
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi

echo "sid-root: installing ${missing[*]}"
cp /etc/resolv.conf "$root/etc/resolv.conf"
export DEBIAN_FRONTEND=noninteractive
in_root apt-get "${apt_opts[@]}" update
in_root apt-get "${apt_opts[@]}" install "${missing[@]}"
in_root apt-get clean
