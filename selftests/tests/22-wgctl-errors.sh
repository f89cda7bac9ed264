#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tier: core
#
# Every bad input to wgctl gives a message naming the problem and a non-zero
# exit, and leaves the interface exactly as it was; the kernel's own
# rejections come with their extended-ack text; non-wgtun interfaces are
# refused clearly; an unprivileged user can neither set nor read, and is
# told that CAP_NET_ADMIN is missing.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"
ip link add wgt0 type wgtun
on_exit "ip link del wgt0"
ip link add wg0 type wireguard
on_exit "ip link del wg0"

priv=$(wg genkey)
own=$(echo "$priv" | wg pubkey)
p1=$(wg genkey | wg pubkey)
cat > "$tmp/good.conf" <<EOF
[Interface]
PrivateKey = $priv
ListenPort = 51820
[Peer]
PublicKey = $p1
PresharedKey = $(wg genpsk)
AllowedIPs = 10.1.0.0/16
Endpoint = 192.0.2.1:1
EOF
wgctl setconf wgt0 "$tmp/good.conf"
snapshot=$(wgctl show wgt0 dump)

# rejected PATTERN ARGS...: wgctl fails, says PATTERN, wgt0 unchanged.
rejected() {
	local pattern=$1 rc=0

	shift
	wgctl "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[[ $rc -ne 0 ]] || die "accepted: wgctl $*"
	grep -q -- "$pattern" "$tmp/err" || die "wgctl $*: no \`$pattern' in: $(cat "$tmp/err")"
	assert_eq "$(wgctl show wgt0 dump)" "$snapshot" "state after wgctl $*"
}

echo "garbage" > "$tmp/badkey"
log "bad command-line input"
rejected "Key is not the correct length" set wgt0 peer abc
rejected "Listen port" set wgt0 listen-port 65536
rejected "Fwmark" set wgt0 fwmark 0x100000000
rejected "CIDR" set wgt0 peer "$p1" allowed-ips 10.0.0.0/33
rejected "Unable to parse IP address" set wgt0 peer "$p1" allowed-ips 10.0.0/8
rejected "Endpoint" set wgt0 peer "$p1" endpoint 192.0.2.1
rejected "Persistent keepalive" set wgt0 peer "$p1" persistent-keepalive 65536
rejected "Invalid argument: bogus" set wgt0 bogus
rejected "Unable to open key file" set wgt0 private-key "$tmp/nonexistent"
rejected "does not hold" set wgt0 private-key "$tmp/badkey"
rejected "Liveness timeout" set wgt0 liveness-timeout 86401
# Good peers before a bad one: none of them may be applied.
rejected "CIDR" set wgt0 listen-port 1 peer "$(wg genkey | wg pubkey)" \
	allowed-ips 10.7.0.0/16 peer "$p1" allowed-ips ::/129

log "bad configuration files (the error is on the last line)"
bad_conf() {
	local pattern=$1 line=$2

	{ cat "$tmp/good.conf"; echo "$line"; } > "$tmp/bad.conf"
	for cmd in setconf addconf syncconf; do
		rejected "bad.conf:9: $pattern" $cmd wgt0 "$tmp/bad.conf"
	done
}
bad_conf "Unknown key" "Address = 10.0.0.1/24"
bad_conf "CIDR" "AllowedIPs = 10.0.0.1/40"
bad_conf "Key is not the correct length" "PresharedKey = abc"
bad_conf "Unknown section" "[Peers]"
bad_conf "Line unrecognized" "junk"
printf '[Peer]\nAllowedIPs = 10.0.0.1/32\n' > "$tmp/nokey.conf"
rejected "nokey.conf:1: \[Peer\] section has no PublicKey" setconf wgt0 "$tmp/nokey.conf"

log "kernel rejections carry their extended ack"
rejected "own public key" set wgt0 peer "$own"
rejected "Unable to access interface: .*(No such device)" show nosuchdev
rejected "Unable to access interface: .*(No such device)" show wg0
rejected "Unable to access interface: .*(No such device)" show lo
rejected "Unable to modify interface: .*(No such device)" set wg0 listen-port 1
assert_eq "$(wgctl show interfaces)" wgt0 "only wgtun links listed"

log "an unprivileged user"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
rc=0
nobody wgctl set wgt0 listen-port 1 2> "$tmp/err" || rc=$?
[[ $rc -ne 0 ]] || die "unprivileged set accepted"
grep -q "Unable to modify interface: .*Operation not permitted" "$tmp/err" ||
	die "unprivileged set: $(cat "$tmp/err")"
assert_eq "$(wgctl show wgt0 dump)" "$snapshot" "state after unprivileged set"
for cmd in "show wgt0 dump" "showconf wgt0" "show wgt0"; do
	rc=0
	# shellcheck disable=SC2086 # the words are the arguments
	WG_HIDE_KEYS=never nobody wgctl $cmd > "$tmp/out" 2> "$tmp/err" || rc=$?
	[[ $rc -ne 0 ]] || die "unprivileged $cmd accepted"
	grep -q "Unable to access interface: needs CAP_NET_ADMIN.*(Operation not permitted)" \
		"$tmp/err" || die "unprivileged $cmd: $(cat "$tmp/err")"
	[[ ! -s $tmp/out ]] || die "unprivileged $cmd printed: $(cat "$tmp/out")"
done
log "ok"
