#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Prints wgtun's version string, the one that the module (modinfo, through the
# top Makefile) and wgctl (--version) both carry: dkms.conf's PACKAGE_VERSION,
# or `git describe --always --dirty` where the tree is a git checkout.

top=$(cd "$(dirname "$0")/.." && pwd)
git -C "$top" describe --always --dirty 2>/dev/null && exit 0
sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf"
