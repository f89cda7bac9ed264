#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs wgctl's kernel-free tests: the C unit tests (tests/unit) and checks of
# the built binary (keys against wg(8) when installed, and every kind of bad
# input: a message, a non-zero exit, and not one netlink socket opened).
# Ends with "N passed, N failed" and fails if anything failed.

set -u
cd "$(dirname "$0")/.." || exit 1
WGCTL=./wgctl
pass=0
fail=0
tmp=$(mktemp -d /tmp/wgctl-tests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# --- C unit tests ---
unit_out=$(./tests/unit)
unit_rc=$?
echo "$unit_out" | grep -v ' passed, .* failed$'
if [[ $unit_out =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
else
	bad "tests/unit gave no summary"
fi
[[ $unit_rc -eq 0 ]] || [[ $fail -gt 0 ]] || bad "tests/unit exited $unit_rc"

# --- JSON output is valid JSON ---
if ./tests/unit --json-sample >"$tmp/sample.json" 2>"$tmp/event.json" &&
   python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=json.loads(open(sys.argv[2]).read()); assert d[0]["peers"][0]["alive"] is True and d[0]["peers"][0]["drops"]["replay"] == 3 and d[1]["peers"] == [] and d[0]["port_id"] == 7 and d[0]["port_members"] == 2 and d[1]["port_members"] is None and e["event"] == "carrier" and e["time"] == "2026-12-03T02:51:00.123456+01:00" and e["interface"] == "wgt\"0"' \
	"$tmp/sample.json" "$tmp/event.json"; then
	ok
else
	bad "JSON sample is not valid or lacks fields"
fi

# --- metrics pass promtool's checks (names, units, HELP/TYPE), when installed ---
if command -v promtool >/dev/null; then
	./tests/unit --metrics-sample >"$tmp/metrics.prom"
	if promtool check metrics <"$tmp/metrics.prom" >"$tmp/promtool.out" 2>&1; then
		ok
	else
		bad "promtool check metrics: $(cat "$tmp/promtool.out")"
	fi
fi

# --- the version: the tree's string, then the module's or "not loaded" ---
mapfile -t version < <($WGCTL --version)
if [[ ${version[0]} == "wgctl $(cat .version) (wgtun control tool)" &&
      ${version[1]} =~ ^wgtun\ module(:\ not\ loaded|\ [0-9A-Za-z.+~_-]+)$ ]]; then
	ok
else
	bad "wgctl --version: ${version[*]}"
fi

# --- keys ---
for _ in 1 2 3 4 5; do
	k=$($WGCTL genkey)
	[[ ${#k} -eq 44 ]] && ok || bad "genkey length"
	if command -v wg >/dev/null; then
		[[ $(echo "$k" | $WGCTL pubkey) == $(echo "$k" | wg pubkey) ]] && ok ||
			bad "pubkey differs from wg pubkey for $k"
		w=$(wg genkey)
		[[ $(echo "$w" | $WGCTL pubkey) == $(echo "$w" | wg pubkey) ]] && ok ||
			bad "pubkey of a wg genkey differs"
	fi
done
# genkey clamps: first byte's low 3 bits clear, last byte 01xxxxxx
raw=$($WGCTL genkey | base64 -d | od -An -tu1 | tr -s ' \n' ' ')
read -r -a bytes <<<"$raw"
(( (bytes[0] & 7) == 0 && (bytes[31] & 192) == 64 )) && ok || bad "genkey not clamped"
[[ $($WGCTL genpsk | base64 -d | wc -c) -eq 32 ]] && ok || bad "genpsk length"
[[ $(echo "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=" | $WGCTL pubkey) == \
   "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=" ]] && ok || bad "pubkey known answer"
for input in "short" "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= junk" ""; do
	if echo "$input" | $WGCTL pubkey >/dev/null 2>&1; then
		bad "pubkey accepted \`$input'"
	else
		ok
	fi
done

# --- bad input: message, non-zero exit, no netlink socket ---
have_strace=0
command -v strace >/dev/null && strace -f -e trace=socket -o /dev/null true 2>/dev/null &&
	have_strace=1

# expect_reject <pattern> <wgctl args...>
expect_reject() {
	local pattern=$1
	shift
	local rc
	if [[ $have_strace -eq 1 ]]; then
		strace -f -qq -e trace=socket -o "$tmp/trace" $WGCTL "$@" >"$tmp/out" 2>"$tmp/err"
		rc=$?
	else
		$WGCTL "$@" >"$tmp/out" 2>"$tmp/err"
		rc=$?
	fi
	if [[ $rc -eq 0 ]]; then
		bad "accepted: wgctl $*"
		return
	fi
	if ! grep -q -- "$pattern" "$tmp/err"; then
		bad "wgctl $*: message lacks \`$pattern': $(cat "$tmp/err")"
		return
	fi
	if [[ $have_strace -eq 1 ]] && grep -q AF_NETLINK "$tmp/trace"; then
		bad "wgctl $*: opened a netlink socket before rejecting"
		return
	fi
	if grep -q "Unable to modify" "$tmp/err"; then
		bad "wgctl $*: reached the kernel"
		return
	fi
	ok
}

K1=xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
K2=TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=
echo "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=" >"$tmp/key"
echo "nonsense" >"$tmp/badkey"

expect_reject "Listen port" set wgt0 listen-port 65536
expect_reject "Listen port" set wgt0 listen-port abc
expect_reject "Fwmark" set wgt0 fwmark 0x1ffffffff
expect_reject "Unable to open key file" set wgt0 private-key "$tmp/missing"
expect_reject "does not hold" set wgt0 private-key "$tmp/badkey"
expect_reject "Key is not the correct length" set wgt0 peer AAAA
expect_reject "Key is not the correct length" set wgt0 peer "${K1%=}"
expect_reject "CIDR" set wgt0 peer $K1 allowed-ips 10.0.0.0/33
expect_reject "CIDR" set wgt0 peer $K1 allowed-ips 10.0.0.0/8,::/200
expect_reject "Unable to parse IP address" set wgt0 peer $K1 allowed-ips 300.0.0.0/8
expect_reject "Endpoint is not" set wgt0 peer $K1 endpoint 192.0.2.1
expect_reject "Endpoint port" set wgt0 peer $K1 endpoint 192.0.2.1:65536
expect_reject "Unable to resolve" set wgt0 peer $K1 endpoint no-such-host.invalid:51820
expect_reject "Persistent keepalive" set wgt0 peer $K1 persistent-keepalive 65536
expect_reject "Persistent keepalive" set wgt0 peer $K1 persistent-keepalive never
expect_reject "Invalid argument: bogus" set wgt0 bogus 1
expect_reject "Invalid argument: listen-port" set wgt0 peer $K1 listen-port 1
expect_reject "Liveness timeout" set wgt0 liveness-timeout 86401
expect_reject "neither on nor off" set wgt0 carrier-follows-peers maybe
expect_reject "Invalid interface name" set 0123456789abcdefX listen-port 1
expect_reject "Usage" set wgt0
expect_reject "Invalid parameter" show wgt0 bogus
expect_reject "Usage" show wgt0 dump extra
expect_reject "Invalid subcommand" frobnicate

# A config whose error is on its last line: nothing at all may be sent.
cat >"$tmp/bad.conf" <<EOF
[Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
ListenPort = 51820

[Peer]
PublicKey = $K1
AllowedIPs = 10.0.0.1/32

[Peer]
PublicKey = $K2
AllowedIPs = 10.0.0.2/32, 10.0.0.3/99
EOF
for cmd in setconf addconf syncconf; do
	expect_reject "bad.conf:11: CIDR" $cmd wgt0 "$tmp/bad.conf"
done
printf '[Interface]\nListenPort = 1\n[Peer]\nAllowedIPs = 10.0.0.1/32\n' >"$tmp/nokey.conf"
expect_reject "nokey.conf:3: \[Peer\] section has no PublicKey" setconf wgt0 "$tmp/nokey.conf"
printf '[Interface]\nAddress = 10.0.0.1/24\n' >"$tmp/wgquick.conf"
expect_reject "wgquick.conf:2: Unknown key" setconf wgt0 "$tmp/wgquick.conf"
expect_reject "Unable to open configuration file" setconf wgt0 "$tmp/missing.conf"

# up: the whole wg-quick file is checked before anything runs.
quick() {
	(umask 077; printf '[Interface]\nPrivateKey = %s\nAddress = 10.9.0.1/24\n%s\n' \
		"$K1" "$2" > "$tmp/$1")
}
quick wgq0.conf "MTU = 1380x"
expect_reject "wgq0.conf:4: MTU is not" up "$tmp/wgq0.conf"
quick wgq0.conf "Table = a b"
expect_reject "wgq0.conf:4: Table is not" up "$tmp/wgq0.conf"
quick wgq0.conf "Address = 10.9.0.1/33"
expect_reject "wgq0.conf:4: Address is not" up "$tmp/wgq0.conf"
quick wgq0.conf "BindDev = 0123456789abcdef"
expect_reject "wgq0.conf:4: Bind device is" up "$tmp/wgq0.conf"
quick wgq0.conf "SaveConfig = maybe"
expect_reject "wgq0.conf:4: SaveConfig is" up "$tmp/wgq0.conf"
quick wgq0.conf "PostUp = touch $tmp/ran"
chmod 644 "$tmp/wgq0.conf"
expect_reject "readable by group or others" up "$tmp/wgq0.conf"
[[ ! -e $tmp/ran ]] && ok || bad "a hook ran for a refused file"
quick 0123456789abcdefX.conf ""
expect_reject "does not name an interface" up "$tmp/0123456789abcdefX.conf"
expect_reject "Unable to open configuration file .$tmp/none.conf" down "$tmp/none.conf"
expect_reject "Usage" up
expect_reject "Usage" setconf wgt0

# A valid configuration gets past the parser and only then needs the kernel.
printf '[Interface]\nListenPort = 1\n' >"$tmp/good.conf"
if $WGCTL setconf wgt0 "$tmp/good.conf" 2>"$tmp/err"; then
	ok	# a kernel with wgtun and a wgt0 was there
elif grep -q "Unable to modify interface" "$tmp/err"; then
	ok
else
	bad "valid config did not reach the kernel: $(cat "$tmp/err")"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
