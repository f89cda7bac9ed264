#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make demo` shows in a 6.12 guest: for now the walking skeleton.
. "$(dirname "$0")/lib.sh"

echo "== wgtun $(modinfo -F version wgtun) on Linux $KVER"
modprobe wgtun
ip link add wg0 type wgtun
ip link set wg0 up
echo "== ip -d link show wg0"
ip -d link show wg0
if [[ -x $WGTUN_REPO/tools/wgctl/wgctl ]]; then
	echo "== wgctl show"
	wgctl show
fi
