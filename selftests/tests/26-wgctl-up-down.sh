#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
#
# `wgctl up|down FILE` (wg-quick files) in n1 against a plain wgtun end in n2:
# every round trip leaves n1 as it found it (links, addresses, routes of all
# tables, rules); Table auto (with and without a default route), a number and
# off; the hooks in order with %i; SaveConfig writes the running state back;
# a syntax error, a group-readable key file and an existing link change
# nothing (not even PreUp); a failing PostUp rolls everything back. DNS
# goes to resolvconf (a stand-in here, first in PATH) and back on down and
# on a rollback; without resolvconf, DNS is refused before any change.
#
#   n1: wgq0 10.9.0.1 (wgctl up) --- v1 192.168.53.1 === v2 192.168.53.2 --- wgt0 10.9.0.2 :n2
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
setup_netns n1 n2
# No duplicate address detection: addresses never sit "tentative" in a snapshot.
n1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
veth_keys 192.168.53
n2 ip link add wgt0 type wgtun
n2 wgctl set wgt0 private-key <(echo "$k2") listen-port 51002 \
	peer "$p1" allowed-ips 10.9.0.1/32,fd09::1/128
n2 ip addr add 10.9.0.2/24 dev wgt0
n2 ip addr add fd09::2/64 dev wgt0
n2 ip addr add 10.77.0.1/32 dev wgt0
n2 ip link set wgt0 up

# snapshot FILE: all that `up` may touch in n1.
snapshot() {
	{
		n1 ip -br link
		n1 ip -br addr
		n1 ip -4 route show table all
		n1 ip -6 route show table all
		n1 ip -4 rule
		n1 ip -6 rule
	} > "$1"
}
snapshot "$tmp/clean"

# conf FILE TABLE [EXTRA-INTERFACE-LINES]: a wg-quick file for n1, mode 0600.
conf() {
	(
		umask 077
		cat > "$1" <<-EOF
		# a wg-quick file
		[Interface]
		PrivateKey = $k1
		Address = 10.9.0.1/24, fd09::1/64
		MTU = 1380
		Table = $2
		PreUp = echo "pre-up %i" >> $tmp/hooks
		PostUp = echo "post-up %i" >> $tmp/hooks; echo "post-up 2" >> $tmp/hooks
		PreDown = echo "pre-down %i" >> $tmp/hooks
		PostDown = echo "post-down %i" >> $tmp/hooks
		${3:-}

		[Peer]
		PublicKey = $p2
		Endpoint = 192.168.53.2:51002
		AllowedIPs = 10.9.0.0/24, fd09::/64, ${4:-10.77.0.0/16}
		EOF
	)
}

# round_trip FILE: down restores the clean snapshot; hooks ran in order.
down_clean() {
	: > "$tmp/hooks"
	n1 wgctl down "$1" 2> "$tmp/down.err" || die "down $1: $(cat "$tmp/down.err")"
	snapshot "$tmp/after"
	diff -u "$tmp/clean" "$tmp/after" || die "down $1 left a trace (diff above)"
	assert_eq "$(tr '\n' '|' < "$tmp/hooks")" "pre-down wgq0|post-down wgq0|" "down hooks"
}

log "Table = auto: addresses, MTU, routes in main, hooks, a ping"
conf "$tmp/wgq0.conf" auto
: > "$tmp/hooks"
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up: $(cat "$tmp/up.err")"
assert_eq "$(tr '\n' '|' < "$tmp/hooks")" "pre-up wgq0|post-up wgq0|post-up 2|" "up hooks"
assert_eq "$(link_kind wgq0 n1)" wgtun "link kind"
assert_eq "$(n1 ip -j link show dev wgq0 | jq -r '.[0].mtu')" 1380 "MTU"
n1 ip -br addr show dev wgq0 | matches '10.9.0.1/24 fd09::1/64' ||
	die "addresses: $(n1 ip -br addr show dev wgq0)"
n1 ip -4 route show table main | matches '^10.77.0.0/16 dev wgq0' ||
	die "no route to 10.77.0.0/16: $(n1 ip -4 route show table main)"
assert_eq "$(n1 wgctl show wgq0 peers)" "$p2" "peer"
n1 ping -c 1 -W 5 10.77.0.1 > /dev/null || die "no ping through the tunnel"
grep -q '^\[#\] ip link add dev wgq0 type wgtun$' "$tmp/up.err" ||
	die "up echo: $(cat "$tmp/up.err")"
down_clean "$tmp/wgq0.conf"

log "Table = 1234: the routes go there; Table = off: no routes (and BindDev)"
conf "$tmp/wgq0.conf" 1234
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up (1234): $(cat "$tmp/up.err")"
n1 ip -4 route show table 1234 | matches '^10.77.0.0/16 dev wgq0' ||
	die "table 1234: $(n1 ip -4 route show table 1234)"
n1 ip -4 route show table main | matches '10.77.0.0' && die "route in main with Table = 1234"
down_clean "$tmp/wgq0.conf"
conf "$tmp/wgq0.conf" off "BindDev = v1"
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up (off): $(cat "$tmp/up.err")"
n1 ip -4 route show table all | matches '10.77.0.0' && die "a route with Table = off"
assert_eq "$(n1 wgctl show wgq0 bind-dev)" v1 "BindDev passed on by up"
down_clean "$tmp/wgq0.conf"

log "Table = auto with a default route: its own table, fwmark and rules"
conf "$tmp/wgq0.conf" auto "" 0.0.0.0/0
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up (default): $(cat "$tmp/up.err")"
n1 ip -4 route show table 51820 | matches '^default dev wgq0' ||
	die "table 51820: $(n1 ip -4 route show table 51820)"
n1 ip -4 rule | matches 'not from all fwmark 0xca6c lookup 51820' ||
	die "rules: $(n1 ip -4 rule)"
n1 ip -4 rule | matches 'lookup main suppress_prefixlength 0' || die "rules: $(n1 ip -4 rule)"
assert_eq "$(n1 wgctl show wgq0 fwmark)" 0xca6c "fwmark"
n1 ping -c 1 -W 5 10.9.0.2 > /dev/null || die "no ping with the default route"
down_clean "$tmp/wgq0.conf"

log "SaveConfig = true: down writes the running state back"
conf "$tmp/wgq0.conf" auto "SaveConfig = true"
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up (save): $(cat "$tmp/up.err")"
n1 wgctl set wgq0 listen-port 51999
down_clean "$tmp/wgq0.conf"
grep -q '^ListenPort = 51999$' "$tmp/wgq0.conf" || die "not saved: $(cat "$tmp/wgq0.conf")"
grep -q '^Address = 10.9.0.1/24$' "$tmp/wgq0.conf" || die "Address lost: $(cat "$tmp/wgq0.conf")"
grep -q '^PostUp = ' "$tmp/wgq0.conf" || die "hooks lost: $(cat "$tmp/wgq0.conf")"
assert_eq "$(stat -c %a "$tmp/wgq0.conf")" 600 "mode of the saved file"
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" || die "up (saved file): $(cat "$tmp/up.err")"
assert_eq "$(n1 wgctl show wgq0 listen-port)" 51999 "listen port from the saved file"
down_clean "$tmp/wgq0.conf"

# refused WHY FILE PATTERN: up fails with PATTERN and changes nothing.
refused() {
	: > "$tmp/hooks"
	n1 wgctl up "$2" 2> "$tmp/up.err" && die "$1: up succeeded"
	grep -q -- "$3" "$tmp/up.err" || die "$1: $(cat "$tmp/up.err")"
	snapshot "$tmp/after"
	diff -u "$tmp/clean" "$tmp/after" || die "$1 changed n1 (diff above)"
	[[ ! -s $tmp/hooks ]] || die "$1: hooks ran: $(cat "$tmp/hooks")"
}

log "what changes nothing: syntax errors, a readable key, an existing link"
conf "$tmp/wgq0.conf" auto "MTU = 1380x"
refused "bad MTU" "$tmp/wgq0.conf" "wgq0.conf:11: MTU is not a number"
conf "$tmp/wgq0.conf" auto "Adress = 10.9.0.1/24"
refused "unknown key" "$tmp/wgq0.conf" "wgq0.conf:11: Unknown key"
conf "$tmp/wgq0.conf" auto
echo "AllowedIPs = 10.0.0.0/99" >> "$tmp/wgq0.conf"
refused "bad last line" "$tmp/wgq0.conf" "wgq0.conf:17: CIDR"
conf "$tmp/wgq0.conf" auto
chmod 640 "$tmp/wgq0.conf"
refused "group-readable key" "$tmp/wgq0.conf" "readable by group or others"
chmod 600 "$tmp/wgq0.conf"
n1 ip link add wgq0 type dummy
snapshot "$tmp/clean"
refused "existing link" "$tmp/wgq0.conf" "already exists"
n1 ip link del wgq0
snapshot "$tmp/clean"

log "a failing PostUp rolls back"
conf "$tmp/wgq0.conf" auto "PostUp = false" 0.0.0.0/0
: > "$tmp/hooks"
n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" && die "up with a failing PostUp succeeded"
grep -q "Rolling back" "$tmp/up.err" || die "rollback: $(cat "$tmp/up.err")"
snapshot "$tmp/after"
diff -u "$tmp/clean" "$tmp/after" || die "the rollback left a trace (diff above)"

# A resolvconf of our own, first in PATH: it logs each call and keeps what
# -a gives it in $tmp/resolv/<name>, removed by -d.
mkdir "$tmp/bin" "$tmp/resolv"
cat > "$tmp/bin/resolvconf" <<-EOF
	#!/bin/bash
	echo "\$*" >> $tmp/resolvconf.log
	case \$1 in
	-a) cat > "$tmp/resolv/\$2" ;;
	-d) rm -f "$tmp/resolv/\$2" ;;
	esac
	EOF
chmod +x "$tmp/bin/resolvconf"
dns="DNS = 10.9.0.53, fd09::53, wgtun.test, corp.example"

log "DNS: up hands the servers and domains to resolvconf, down takes them back"
conf "$tmp/wgq0.conf" auto "$dns"
: > "$tmp/resolvconf.log"
PATH=$tmp/bin:$PATH n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" ||
	die "up (DNS): $(cat "$tmp/up.err")"
assert_eq "$(cat "$tmp/resolvconf.log")" "-a tun.wgq0 -m 0 -x" "resolvconf on up"
assert_eq "$(tr '\n' '|' < "$tmp/resolv/tun.wgq0")" \
	"nameserver 10.9.0.53|nameserver fd09::53|search wgtun.test corp.example|" "resolvconf's input"
PATH=$tmp/bin:$PATH down_clean "$tmp/wgq0.conf"
assert_eq "$(tail -n 1 "$tmp/resolvconf.log")" "-d tun.wgq0 -f" "resolvconf on down"
[[ ! -e $tmp/resolv/tun.wgq0 ]] || die "down left the DNS entry"

log "DNS: a failing PostUp takes the entry back; a bad DNS line changes nothing"
conf "$tmp/wgq0.conf" auto "$dns
PostUp = false"
: > "$tmp/resolvconf.log"
PATH=$tmp/bin:$PATH n1 wgctl up "$tmp/wgq0.conf" 2> "$tmp/up.err" &&
	die "up with DNS and a failing PostUp succeeded"
assert_eq "$(tr '\n' '|' < "$tmp/resolvconf.log")" "-a tun.wgq0 -m 0 -x|-d tun.wgq0 -f|" \
	"resolvconf calls of the rollback"
[[ ! -e $tmp/resolv/tun.wgq0 ]] || die "the rollback left the DNS entry"
snapshot "$tmp/after"
diff -u "$tmp/clean" "$tmp/after" || die "the rollback left a trace (diff above)"
conf "$tmp/wgq0.conf" auto "DNS = 10.9.0.53, 10.9.0.0/24"
: > "$tmp/resolvconf.log"
PATH=$tmp/bin:$PATH refused "bad DNS" "$tmp/wgq0.conf" \
	"wgq0.conf:11: DNS is not a list of addresses and search domains"
[[ ! -s $tmp/resolvconf.log ]] || die "resolvconf ran: $(cat "$tmp/resolvconf.log")"

# wg-quick fails where resolvconf is missing; wgctl does before any change.
if ! command -v resolvconf > /dev/null; then
	log "DNS without resolvconf: refused, nothing changed"
	conf "$tmp/wgq0.conf" auto "$dns"
	refused "no resolvconf" "$tmp/wgq0.conf" "DNS needs resolvconf, which is not installed"
fi
log "ok"
