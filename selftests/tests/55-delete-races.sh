#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# tier: core
#
# Deleting an interface never waits on a netlink user.
#  - SETs racing `ip link del`, ROUNDS times: a SET that found the interface
#    just before the delete took RTNL runs after its peers were removed;
#    peers it added then would hold the interface forever, and the delete
#    would never finish.  It must fail with ENODEV instead.  ROUNDS is 30
#    at full depth and 10 in make check (lib.sh's by_depth): each round
#    races three setters with one delete, so make check meets the race 30
#    times on every kernel, and make check-all searches longer.
#  - A dump an unprivileged user starts and never reads: the interface is
#    deleted all the same, and the dump, read afterwards, ends with ENODEV.
#
#   n1: wg0 (wgtun), made anew each round, three wgctl loops setting peers
#       on it while it is deleted
. "$(dirname "$0")/../lib.sh"

ROUNDS=${ROUNDS:-$(by_depth 30 10)}
nlfuzz=$(dirname "$0")/../tools/nlfuzz.py
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
umask 077
wg genkey > "$tmp/key"
for ((i = 0; i < 16; i++)); do
	wg genkey | wg pubkey
done > "$tmp/peers"
mapfile -t peers < "$tmp/peers"
setup_netns n1

make_wg0() {
	n1 ip link add wg0 type wgtun
	n1 wgctl set wg0 private-key "$tmp/key" listen-port 51820
	n1 ip link set wg0 up
}

# setter N: set peers on wg0 until a SET fails (the interface is gone); the
# failing SET's message is left in $tmp/set.N.
setter() {
	local n=$1 i=0

	while n1 wgctl set wg0 peer "${peers[$(((n * 5 + i) % 16))]}" \
		allowed-ips "10.$n.$((i % 256)).0/24" 2> "$tmp/set.$n"; do
		i=$((i + 1))
	done
}

# setters_failed_enodev ROUND: each setter's last SET failed with ENODEV (wgctl
# prints the errno's text last, in parentheses), not with any other error.
setters_failed_enodev() {
	local n

	for n in 0 1 2; do
		grep -q "(No such device)$" "$tmp/set.$n" ||
			die "round $1: setter $n's last SET did not fail with ENODEV:" \
				"$(cat "$tmp/set.$n")"
	done
}

# delete_wg0: `ip link del wg0` in the background; its exit status goes to
# $tmp/del.rc when it finishes (which it does not while the interface is
# held: the unregistering task waits for the last reference).
delete_wg0() {
	rm -f "$tmp/del.rc"
	{
		rc=0
		n1 ip link del wg0 || rc=$?
		echo "$rc" > "$tmp/del.rc"
	} &
}

# deleted: the delete finished, successfully, and wg0 is gone.
deleted() {
	[[ -s $tmp/del.rc ]] && ! link_exists wg0 n1
}

log "SETs racing ip link del, $ROUNDS rounds"
for ((r = 0; r < ROUNDS; r++)); do
	make_wg0
	pids=()
	for n in 0 1 2; do
		setter "$n" &
		pids+=($!)
	done
	# Let the setters get going, by a varying amount.
	sleep "0.$((RANDOM % 5))"
	delete_wg0
	wait_for 30 deleted ||
		die "round $r: wg0 not deleted $(scaled 30) s after ip link del" \
			"(a SET racing it still holds the interface?)"
	assert_eq "$(cat "$tmp/del.rc")" 0 "round $r: ip link del's exit status"
	wait "${pids[@]}"
	setters_failed_enodev "$r"
done

log "a dump, never read, does not keep the interface"
make_wg0
# One peer with 3,000 allowed IPs: a dump of several messages.
python3 -c '
for i in range(3000):
    print("10.%d.%d.0/24" % (i // 256, i % 256))' | paste -sd, > "$tmp/ips"
n1 wgctl set wg0 peer "${peers[0]}" allowed-ips "$(cat "$tmp/ips")"
mkfifo "$tmp/go"
ip netns exec n1 python3 "$nlfuzz" hold --ifname wg0 < "$tmp/go" > "$tmp/hold" &
holder=$!
exec 3> "$tmp/go"
wait_for 20 grep -q holding "$tmp/hold" || die "the dump did not start"
delete_wg0
wait_for 30 deleted ||
	die "wg0 not deleted $(scaled 30) s after ip link del, with an unread dump open"
echo >&3
exec 3>&-
wait "$holder" || die "nlfuzz.py hold failed"
tail -n1 "$tmp/hold"
end=$(tail -n1 "$tmp/hold" | jq -r .end)
assert_eq "$end" ENODEV "how the dump read after the delete ended"
log ok
