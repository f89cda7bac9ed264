#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks of the house style (make style); exits non-zero on any
# finding and prints each one as file:line: message.
#
#   checkpatch.pl --strict --no-tree   src/*.[ch] src/selftest/*
#   sparse (C=2)                       the module, for every pinned kernel built
#                                      on the host (selftests/kernels.conf), both
#                                      flavours
#   cppcheck, gcc -fanalyzer           tools/wgctl
#   ynl                                uapi/wgtun.yaml against its schema and
#                                      against uapi/linux/wgtun.h (scripts/ynl.sh
#                                      check, with the ynl CLI scripts/deps.sh
#                                      fetched into .cache/ynl/)
#   dead symbols                       every non-static symbol of the module's
#                                      release objects must be referenced by
#                                      another of them, not only by the debug
#                                      build's selftests (src/selftest/) or
#                                      by nobody; reads the objects of the
#                                      builds under build/ (make modules-all)
#
# checkpatch.pl and the files it reads (spelling.txt, const_structs.checkpatch)
# come from Debian's linux-source-6.1 (apt-get install linux-source-6.1) and
# are extracted once into .cache/checkpatch/.  Sparse builds run in scratch
# copies under .cache/style/, never in the work tree.
#
# usage: scripts/style.sh [checkpatch|sparse|wgctl|ynl|symbols]...   (default: all)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/.cache
tarball=/usr/src/linux-source-6.1.tar.xz
cpdir=$cache/checkpatch
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
findings=0
summary=()

# report NAME FILE: print the findings in FILE under a heading and count them.
report() {
	local n

	n=$(grep -c . "$2")
	summary+=("$1: $n")
	if ((n)); then
		echo "== $1: $n finding(s)"
		cat "$2"
	fi
	findings=$((findings + n))
}

get_checkpatch() {
	local f

	if [[ -f $cpdir/checkpatch.pl && -f $cpdir/spelling.txt && -f $cpdir/const_structs.checkpatch ]]; then
		return 0
	fi
	[[ -f $tarball ]] || { echo "style: $tarball missing: apt-get install linux-source-6.1" >&2; return 1; }
	mkdir -p "$cpdir"
	tar -xJf "$tarball" -C "$cpdir" --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch || return 1
	for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
		[[ -f $cpdir/$f ]] || { echo "style: $f not in $tarball" >&2; return 1; }
	done
}

run_checkpatch() {
	local files=() f

	get_checkpatch || { findings=$((findings + 1)); summary+=("checkpatch: not run"); return; }
	cd "$repo" || return
	for f in src/*.c src/*.h src/selftest/*.c src/selftest/*.h; do
		[[ -f $f && $f != src/compat.h ]] && files+=("$f")
	done
	# One "file:line: SEVERITY:TYPE: message" line per finding.
	perl "$cpdir/checkpatch.pl" --strict --no-tree --terse --show-types --no-summary \
		-f "${files[@]}" 2>&1 | grep -E '^[^ ]+:[0-9]+: ' > "$out/checkpatch"
	# compat.h exists to compare LINUX_VERSION_CODE with KERNEL_VERSION(),
	# which checkpatch also takes for a constant on the left, and its
	# WGT_COMPAT_NEWLINK defines a whole callback, whose return checkpatch
	# takes for flow control hidden in a macro.
	if [[ -f src/compat.h ]]; then
		perl "$cpdir/checkpatch.pl" --strict --no-tree --terse --show-types --no-summary \
			--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_WITH_FLOW_CONTROL \
			-f src/compat.h 2>&1 |
			grep -E '^[^ ]+:[0-9]+: ' >> "$out/checkpatch"
	fi
	report "checkpatch --strict" "$out/checkpatch"
}

run_sparse() {
	local short kver kdir dir flavour debug

	command -v sparse > /dev/null || { echo "style: sparse missing (apt-get install sparse)" >&2; findings=$((findings + 1)); return; }
	: > "$out/sparse"
	while read -r short kver _ _ _ from; do
		if [[ $from == sid ]]; then
			echo "style: sparse skips $short (built in the sid root, which has no sparse)" >&2
			continue
		fi
		kdir=/lib/modules/$kver/build
		[[ -d $kdir ]] || { echo "$kver: no headers at $kdir" >> "$out/sparse"; continue; }
		for flavour in release debug; do
			dir=$cache/style/$kver/$flavour
			mkdir -p "$dir"
			rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
				"$repo/Kbuild" "$repo/src" "$repo/uapi" "$dir/"
			# C=2 checks every file, built or not.
			debug=()
			[[ $flavour == debug ]] && debug=(WGTUN_DEBUG=1)
			make -C "$kdir" M="$dir" C=2 "${debug[@]}" modules > "$dir/sparse.log" 2>&1 ||
				echo "$short $flavour: build failed (see $dir/sparse.log)" >> "$out/sparse"
			# Sparse's lines name files by their scratch path: give the repository's.
			grep -E ': (warning|error): ' "$dir/sparse.log" |
				sed -e "s|$dir/||" -e "s|^|$short $flavour: |" >> "$out/sparse"
		done
	done < <(grep -Ev '^[[:space:]]*(#|$)' "$repo/selftests/kernels.conf")
	sort -u -o "$out/sparse" "$out/sparse"
	report "sparse C=2" "$out/sparse"
}

run_wgctl() {
	local dir=$repo/tools/wgctl f srcs=()

	cd "$dir" || return
	srcs=(*.c)
	if command -v cppcheck > /dev/null; then
		# variableScope is left out: the kernel habit of declaring at the top
		# of the function is the house style here too.
		cppcheck --quiet --enable=warning,style,performance,portability --inline-suppr \
			--suppress=variableScope --std=c11 -D_GNU_SOURCE -I../../uapi -I. \
			--template='tools/wgctl/{file}:{line}: {severity}:{id}: {message}' \
			"${srcs[@]}" 2> "$out/cppcheck" > /dev/null
		report "cppcheck" "$out/cppcheck"
	else
		echo "style: cppcheck missing (apt-get install cppcheck)" >&2
		findings=$((findings + 1))
	fi
	: > "$out/analyzer"
	for f in "${srcs[@]}"; do
		gcc -std=gnu11 -O1 -fanalyzer -Wall -Wextra -D_GNU_SOURCE -I../../uapi -I. \
			-c -o /dev/null "$f" 2>&1 | grep -E ': (warning|error): ' |
			sed 's|^|tools/wgctl/|' >> "$out/analyzer"
	done
	report "gcc -fanalyzer" "$out/analyzer"
}

# The global symbols an object defines (nm's defined-only list), without the
# ones the compiler and module_init() make for themselves.
defined_syms() {
	nm -g --defined-only "$1" | awk '{ print $3 }' |
		grep -Ev '^(__pfx_|__cfi_|__UNIQUE_ID_|__initcall|__exitcall|init_module$|cleanup_module$)'
}

run_symbols() {
	local rel dbg o sym found=0

	: > "$out/symbols"
	cd "$repo" || return
	for rel in build/*/release; do
		compgen -G "$rel/src/*.o" > /dev/null || continue
		found=1
		dbg=${rel%/release}/debug
		# "object symbol" for every reference between the module's objects.
		for o in "$rel"/src/*.o; do
			nm -u "$o" | awk -v o="$o" '{ print o, $2 }'
		done > "$out/uses"
		: > "$out/test-uses"
		if compgen -G "$dbg/src/selftest/*.o" > /dev/null; then
			nm -u "$dbg"/src/selftest/*.o | awk 'NF == 2 { print $2 }' > "$out/test-uses"
		fi
		for o in "$rel"/src/*.o; do
			while read -r sym; do
				awk -v o="$o" -v s="$sym" '$1 != o && $2 == s { f = 1 } END { exit !f }' \
					"$out/uses" && continue
				if grep -qxF "$sym" "$out/test-uses"; then
					echo "src/$(basename "${o%.o}").c: $sym: non-static, used only by the selftests"
				else
					echo "src/$(basename "${o%.o}").c: $sym: non-static, used by no other object"
				fi
			done < <(defined_syms "$o")
		done >> "$out/symbols"
	done
	if ((!found)); then
		echo "style: dead symbols: no release objects under build/ (make modules-all)" >&2
		findings=$((findings + 1))
		summary+=("dead symbols: not run")
		return
	fi
	sort -u -o "$out/symbols" "$out/symbols"
	report "dead symbols" "$out/symbols"
}

run_ynl() {
	: > "$out/ynl"
	if ! "$repo/scripts/ynl.sh" check > "$out/ynl.log" 2>&1; then
		grep . "$out/ynl.log" > "$out/ynl" || echo "scripts/ynl.sh check failed" > "$out/ynl"
	fi
	report "ynl spec" "$out/ynl"
}

(($#)) || set -- checkpatch sparse wgctl ynl symbols
for what in "$@"; do
	case $what in
	checkpatch) run_checkpatch ;;
	sparse) run_sparse ;;
	wgctl) run_wgctl ;;
	ynl) run_ynl ;;
	symbols) run_symbols ;;
	*) echo "usage: $0 [checkpatch|sparse|wgctl|ynl|symbols]..." >&2; exit 2 ;;
	esac
done
echo "style: $(IFS=,; echo "${summary[*]}" | sed 's/,/, /g')"
((findings == 0))
