#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# tier: core
#
# wgtun <-> the in-tree wireguard module: both initiating, IPv4 and IPv6
# inside over IPv4 and IPv6 outside, with and without a preshared key (and a
# mismatched one that must not connect), ping and 2 MiB of TCP both ways with
# sha256 compared.  Topology in selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup intree
ix_suite
log ok
