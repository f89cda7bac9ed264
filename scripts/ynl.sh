#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's YNL tooling for the family's spec, uapi/wgtun.yaml.
#
#   scripts/ynl.sh fetch        (root) put the ynl CLI, the C generator, their
#                               libraries and the spec schemas into
#                               .cache/ynl/ once, from the
#                               Debian source package below; a second run
#                               touches neither apt nor the network
#   scripts/ynl.sh check        the spec against its schema, its names and
#                               numbers against uapi/linux/wgtun.h (compiled
#                               with cc), and the C client ynl generates from
#                               it compiled against that header; make style
#                               runs it
#   scripts/ynl.sh policy       the spec against the policy the loaded module
#                               reports (CTRL_CMD_GETPOLICY); the guest test
#   scripts/ynl.sh cli ARG...   the ynl CLI on the spec, validated against its
#                               schema first, e.g. cli --dump get-device
#                               --json '{"ifname": "wgt0"}'
#   scripts/ynl.sh have         exit 0 if fetch has put the CLI in place
#
# The CLI comes from sid's linux-source-7.2 (fetched with the host's apt aimed
# at sid alone, scripts/sid-root.sh apt-get): bookworm's newest, 6.12's, cannot
# encode an indexed-array, so it cannot send a peer; 6.1 has no ynl at all.
# It runs on Debian's python3 with python3-yaml and python3-jsonschema
# (scripts/deps.sh installs them).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
package=linux-source-7.2
dir=$repo/.cache/ynl
spec=$repo/uapi/wgtun.yaml
schema=$dir/Documentation/netlink/genetlink-legacy.yaml
pyynl=$dir/tools/net/ynl/pyynl
# What is kept of the source: the CLI and the generator, ynl's C library, the schemas.
parts=(tools/net/ynl/pyynl tools/net/ynl/lib Documentation/netlink)
python=/usr/bin/python3

fetch() {
	local dl=$repo/.cache/debs/ynl src=${package#linux-source-}

	[[ -f $dir/.package && $(< "$dir/.package") == "$package ${parts[*]}" ]] && return 0
	# apt-get download drops privileges to _apt where it can.
	rm -rf "$dl" && mkdir -p "$dl" && chmod 1777 "$dl"
	if ! (cd "$dl" && "$repo/scripts/sid-root.sh" apt-get download -q "$package"); then
		# The sid package lists may be missing or stale on a fresh machine.
		"$repo/scripts/sid-root.sh" apt-get update -q
		(cd "$dl" && "$repo/scripts/sid-root.sh" apt-get download -q "$package")
	fi
	echo "ynl: unpacking ${parts[*]} from $package"
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	dpkg-deb --fsys-tarfile "$dl"/"$package"_*.deb |
		tar -xO "./usr/src/linux-source-$src.tar.xz" |
		tar -xJ -C "$dir.tmp" --strip-components=1 "${parts[@]/#/linux-source-$src/}"
	echo "$package ${parts[*]}" > "$dir.tmp/.package"
	rm -rf "$dir" "$dl"
	mv "$dir.tmp" "$dir"
}

have() {
	[[ -f $pyynl/cli.py && -f $schema ]]
}

need() {
	have || { echo "ynl: no ynl CLI in $dir: run scripts/deps.sh (make deps)" >&2; exit 1; }
}

case ${1:-} in
fetch)
	fetch
	;;
have)
	have
	;;
check)
	need
	"$python" "$pyynl/cli.py" --spec "$spec" --schema "$schema" --validate
	for what in header client; do
		"$python" "$repo/scripts/ynl-check.py" --ynl "$pyynl" --schema "$schema" \
			"$what" "$spec" "$repo/uapi"
	done
	;;
policy)
	need
	"$python" "$repo/scripts/ynl-check.py" --ynl "$pyynl" --schema "$schema" policy "$spec"
	;;
cli)
	need
	shift
	exec "$python" "$pyynl/cli.py" --spec "$spec" --schema "$schema" "$@"
	;;
*)
	echo "usage: $0 fetch | have | check | policy | cli ARG..." >&2
	exit 2
	;;
esac
