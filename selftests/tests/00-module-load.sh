#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tier: core
#
# The module loads through modprobe (dependencies resolved from the kernel's
# own tree) and through insmod, describes itself in modinfo, and unloads and
# reloads cleanly.
. "$(dirname "$0")/../lib.sh"

loaded() { [[ -d /sys/module/wgtun ]]; }

assert "wgtun loaded before the test" eval '! loaded'

log "modprobe wgtun"
modprobe wgtun
assert "wgtun not in /sys/module after modprobe" loaded
assert "wgtun not in lsmod" eval 'lsmod | matches "^wgtun "'

log "modinfo"
file=$(modinfo -F filename wgtun)
assert_eq "$file" "/lib/modules/$KVER/extra/wgtun.ko" "file that modprobe loads"
assert_match "$(modinfo -F license wgtun)" '^GPL( v2)?$' "license"
desc=$(modinfo -F description wgtun)
[[ -n $desc ]] || die "no MODULE_DESCRIPTION"
version=$(modinfo -F version wgtun)
[[ -n $version ]] || die "no MODULE_VERSION"
assert_match "$version" '^[0-9A-Za-z][0-9A-Za-z.+~_-]*$' "version is not a plain version string"
assert_eq "$(< /sys/module/wgtun/version)" "$version" "loaded module's version"
[[ $(modinfo -F vermagic wgtun) == "$KVER "* ]] || die "vermagic: $(modinfo -F vermagic wgtun)"
log "wgtun $version: $desc"

log "rmmod and reload"
rmmod wgtun
assert "wgtun still loaded after rmmod" eval '! loaded'
modprobe wgtun
assert "wgtun not loaded after a second modprobe" loaded
rmmod wgtun
assert "wgtun still loaded after the second rmmod" eval '! loaded'

log "insmod of the built file"
insmod "$WGTUN_REPO/build/$KVER/release/wgtun.ko"
assert "wgtun not loaded after insmod" loaded
rmmod wgtun
assert "wgtun still loaded after rmmod" eval '! loaded'
log "ok"
