#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# wgtun <-> another wgtun interface: the same matrix as
# 30-interop-intree (both initiating, IPv4/IPv6 inside over IPv4/IPv6
# outside, preshared keys matched and mismatched, ping and 2 MiB of TCP both
# ways with sha256 compared).  Topology in selftests/interop.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../interop.sh"

ix_setup wgtun
ix_suite
log ok
