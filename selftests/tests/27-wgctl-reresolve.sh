#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# `wgctl reresolve FILE` under a live tunnel: when the host name of a peer's
# Endpoint moves (in /etc/hosts), one pass sets the new address and the
# tunnel carries on there; a second pass changes nothing; a peer whose
# Endpoint is numeric keeps the endpoint it has (learned or set), and a host
# name that no longer resolves changes nothing.  /etc/hosts is the test's own
# (a private mount namespace: the guest shares the host's root).
#
#   n1: wgq0 10.9.0.1 --- v1 192.168.54.1 === v2 192.168.54.2, .3 --- wgt0 10.9.0.2 :n2
#   peer2.wgtun.test -> 192.168.54.2, then 192.168.54.3
if [[ -z ${WGTUN_MNTNS:-} ]]; then
	WGTUN_MNTNS=1 exec unshare --mount --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
cp /etc/hosts "$tmp/hosts"
echo "192.168.54.2 peer2.wgtun.test" >> "$tmp/hosts"
mount --bind "$tmp/hosts" /etc/hosts
# edit_hosts SED-SCRIPT: in place, keeping the inode the bind mount shows
# (sed -i would rename a new file over it).
edit_hosts() {
	sed "$1" "$tmp/hosts" > "$tmp/hosts.new"
	cat "$tmp/hosts.new" > "$tmp/hosts"
}
getent hosts peer2.wgtun.test | matches '^192.168.54.2 ' ||
	die "the bind-mounted hosts file is not read"

setup_netns n1 n2
veth_keys 192.168.54 3
# .3 stays when .2, the primary address, goes.
n2 sysctl -qw net.ipv4.conf.v2.promote_secondaries=1
p3=$(wg genkey | wg pubkey)
n2 ip link add wgt0 type wgtun
n2 wgctl set wgt0 private-key <(echo "$k2") listen-port 51002 peer "$p1" allowed-ips 10.9.0.1/32
n2 ip addr add 10.9.0.2/24 dev wgt0
n2 ip link set wgt0 up
(
	umask 077
	cat > "$tmp/wgq0.conf" <<-EOF
	[Interface]
	PrivateKey = $k1
	Address = 10.9.0.1/24

	[Peer]
	PublicKey = $p2
	Endpoint = peer2.wgtun.test:51002
	AllowedIPs = 10.9.0.2/32

	[Peer]
	PublicKey = $p3
	Endpoint = 192.168.54.9:51003
	AllowedIPs = 10.9.0.3/32
	EOF
)
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up: $(cat "$tmp/up.err")"
on_exit "ip netns exec n1 wgctl down $tmp/wgq0.conf 2>/dev/null"
endpoint() { n1 wgctl show wgq0 endpoints | awk -v p="$1" '$1 == p { print $2 }'; }
assert_eq "$(endpoint "$p2")" 192.168.54.2:51002 "endpoint from the name"
n1 ping -c 1 -W 5 10.9.0.2 > /dev/null || die "no ping through the tunnel"

log "nothing moved: a pass sets nothing"
n1 wgctl set wgq0 peer "$p3" endpoint 192.168.54.8:51003	# as if learned
out=$(n1 wgctl reresolve "$tmp/wgq0.conf") || die "reresolve failed"
assert_eq "$out" "" "reresolve output with nothing moved"
assert_eq "$(endpoint "$p3")" 192.168.54.8:51003 "numeric endpoint left alone"

log "the name moves to 192.168.54.3"
edit_hosts 's/^192.168.54.2 peer2/192.168.54.3 peer2/'
getent hosts peer2.wgtun.test | matches '^192.168.54.3 ' || die "hosts change not seen"
out=$(n1 wgctl reresolve "$tmp/wgq0.conf") || die "reresolve failed"
assert_eq "$out" "wgq0: peer $p2 endpoint 192.168.54.3:51002" "reresolve output"
assert_eq "$(endpoint "$p2")" 192.168.54.3:51002 "endpoint after the move"
assert_eq "$(endpoint "$p3")" 192.168.54.8:51003 "numeric endpoint still left alone"
# Sent to .3 now: n2 hears n1 there, and the tunnel carries on.
n2 ip addr del 192.168.54.2/24 dev v2
n1 ping -c 1 -W 5 10.9.0.2 > /dev/null || die "no ping after the move"
out=$(n1 wgctl reresolve "$tmp/wgq0.conf") || die "second reresolve failed"
assert_eq "$out" "" "a second pass"

log "a name that no longer resolves changes nothing"
edit_hosts '/peer2.wgtun.test/d'
# The guest has no DNS server: a name missing from the file is a lookup
# failure that wg's rule retries, 15 times by default.
WG_ENDPOINT_RESOLUTION_RETRIES=0 n1 wgctl reresolve "$tmp/wgq0.conf" > /dev/null 2> "$tmp/err" &&
	die "reresolve of a lost name succeeded"
grep -q "wgq0.conf:7:" "$tmp/err" || die "message: $(cat "$tmp/err")"
assert_eq "$(endpoint "$p2")" 192.168.54.3:51002 "endpoint after a failed pass"
log "ok"
