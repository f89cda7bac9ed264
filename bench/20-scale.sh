#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 3600
#
# What an interface and a peer cost.
#
# ifaces: N interfaces in a fresh namespace "m", each with a private key,
#   a random listen port (so a socket), one peer (public key, endpoint,
#   one /32) and up; no traffic. Created with one `ip -batch` for the links,
#   one wgctl / wg process per interface for keys and peers, one `ip -batch`
#   to bring them up; deleted with one `ip -batch`. Recorded: kernel memory
#   (Slab + Percpu + VmallocUsed + KernelStack, after dropping caches) and
#   tasks (kernel threads included) per interface, creation and deletion
#   time. SCALE_ROUNDS rounds at SCALE_N (1,000), interleaved with
#   wgtun_shared: wgtun's interfaces all on one listen port (one socket pair
#   for all, issue #19), each peer with a key of its own (interfaces sharing
#   a port may not share a peer); dummy interfaces once as the floor; then
#   SCALE_BIG (10,000) for wgtun, and for the in-tree module only if its
#   measured per-interface cost says it fits.
#
# peers: one interface with PEERS_N (10,000) peers, random public keys, one
#   /32 each, loaded with one setconf: memory per peer, load and removal
#   time; PEERS_ROUNDS (1) rounds, interleaved.
. "$(dirname "$0")/lib.sh"

SCALE_ROUNDS=${SCALE_ROUNDS:-3}
SCALE_N=${SCALE_N:-1000}
SCALE_BIG=${SCALE_BIG:-10000}
PEERS_N=${PEERS_N:-10000}
PEERS_ROUNDS=${PEERS_ROUNDS:-1}

bench_modules
bench_keys

# Peer keys of their own, one per interface, for wgtun_shared.
grep -o 'PublicKey = .*' "$BENCH_DATA/peers-10k.conf" | cut -d' ' -f3 > "$BT/peer-keys"

# write_scripts IMPL N: the batches that create, configure, raise and delete N
# interfaces, into $BT. wgtun_shared: wgtun, on one listen port.
write_scripts() {
	local impl=$1 n=$2 tool i port="" keys=()

	tool=$(tool_of "$impl")
	if [[ $impl == wgtun_shared ]]; then
		port="listen-port 51820"
		mapfile -t -n "$n" keys < "$BT/peer-keys"
		((${#keys[@]} == n)) || die "only ${#keys[@]} peer keys for $n interfaces"
	fi
	: > "$BT/add" ; : > "$BT/up" ; : > "$BT/del" ; : > "$BT/conf"
	for ((i = 0; i < n; i++)); do
		echo "link add x$i type $(kind_of "$impl")" >> "$BT/add"
		echo "link set x$i up" >> "$BT/up"
		echo "link del x$i" >> "$BT/del"
		[[ $impl == dummy ]] && continue
		echo "$tool set x$i private-key $BT/a.key $port peer ${keys[i]:-$PUB_B}" \
			"endpoint 198.51.100.2:$((20000 + i % 40000)) " \
			"allowed-ips 10.$((i >> 16)).$(((i >> 8) & 255)).$((i & 255))/32" >> "$BT/conf"
	done
}

# ifaces IMPL N ROUND [NAME]
ifaces() {
	local impl=$1 n=$2 r=$3 name=${4:-ifaces$2} m0 m1 t1 k0 c0 c1 p1 p2 d0 mem

	write_scripts "$impl" "$n"
	ip netns add m
	settle
	m0=$(kmem_kib)
	k0=$(tasks)
	c0=$(now)
	ip -n m -batch "$BT/add"
	p1=$(elapsed "$c0")
	[[ $impl == dummy ]] || ip netns exec m bash -e "$BT/conf"
	p2=$(elapsed "$c0")
	ip -n m -batch "$BT/up"
	c1=$(elapsed "$c0")
	# Phases: links added, keys and peers set (one process each), links up.
	record "$name" "$impl" create_add_s "$r" "$p1" s
	record "$name" "$impl" create_conf_s "$r" "$(awk -v a="$p1" -v b="$p2" \
		'BEGIN { printf "%.3f", b - a }')" s
	record "$name" "$impl" create_up_s "$r" "$(awk -v a="$p2" -v b="$c1" \
		'BEGIN { printf "%.3f", b - a }')" s
	settle
	m1=$(kmem_kib)
	t1=$(tasks)
	mem=$((m1 - m0))
	record "$name" "$impl" create_s "$r" "$c1" s
	record "$name" "$impl" kmem_total "$r" $((mem / 1024)) MiB
	record "$name" "$impl" kmem_per_iface "$r" "$(awk -v m="$mem" -v n="$n" \
		'BEGIN { printf "%.1f", m / n }')" KiB
	record "$name" "$impl" tasks_per_iface "$r" "$(awk -v a="$t1" -v b="$k0" -v n="$n" \
		'BEGIN { printf "%.3f", (a - b) / n }')" tasks
	d0=$(now)
	ip -n m -batch "$BT/del"
	record "$name" "$impl" delete_s "$r" "$(elapsed "$d0")" s
	ip netns del m
	# Wait for the namespace and what the deleted links left behind.
	settle
	LAST_PER_IFACE=$((mem / n))
}

intree_per=0
for ((r = 1; r <= SCALE_ROUNDS; r++)); do
	for impl in $(impls_for_round "$r") wgtun_shared; do
		ifaces "$impl" "$SCALE_N" "$r"
		if [[ $impl == intree ]]; then intree_per=$LAST_PER_IFACE; fi
	done
done
ifaces dummy "$SCALE_N" 1

if ((SCALE_BIG)); then
	ifaces wgtun "$SCALE_BIG" 1
	avail=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	need=$((intree_per * SCALE_BIG * 5 / 4))
	if ((need < avail)); then
		ifaces intree "$SCALE_BIG" 1
	else
		log "in-tree at $SCALE_BIG interfaces skipped: needs about $((need / 1024)) MiB" \
			"of kernel memory, $((avail / 1024)) MiB available"
		record "ifaces$SCALE_BIG" intree skipped_need_mib 1 $((need / 1024)) MiB
		record "ifaces$SCALE_BIG" intree skipped_avail_mib 1 $((avail / 1024)) MiB
	fi
fi

# peers IMPL ROUND: one interface, PEERS_N peers, one setconf.
peers() {
	local impl=$1 r=$2 tool m0 m1 c0 c1 mem

	tool=$(tool_of "$impl")
	{
		printf '[Interface]\nPrivateKey = %s\n\n' "$(cat "$BT/a.key")"
		awk -v n="$PEERS_N" '/^\[Peer\]/ { k++ } k > n { exit } { print }' \
			"$BENCH_DATA/peers-10k.conf"
	} > "$BT/peers.conf"
	ip netns add p
	ip -n p link add p0 type "$(kind_of "$impl")"
	settle
	m0=$(kmem_kib)
	c0=$(now)
	ip netns exec p "$tool" setconf p0 "$BT/peers.conf"
	c1=$(elapsed "$c0")
	settle
	m1=$(kmem_kib)
	mem=$((m1 - m0))
	got=$(ip netns exec p "$tool" show p0 peers | wc -l)
	[[ $got == "$PEERS_N" ]] || die "$impl: $got peers loaded, want $PEERS_N"
	record "peers$PEERS_N" "$impl" load_s "$r" "$c1" s
	record "peers$PEERS_N" "$impl" kmem_per_peer "$r" "$(awk -v m="$mem" -v n="$PEERS_N" \
		'BEGIN { printf "%.2f", m / n }')" KiB
	c0=$(now)
	ip -n p link del p0
	record "peers$PEERS_N" "$impl" delete_s "$r" "$(elapsed "$c0")" s
	ip netns del p
	settle
}

for ((r = 1; r <= PEERS_ROUNDS; r++)); do
	for impl in $(impls_for_round "$r"); do
		peers "$impl" "$r"
	done
done
log ok
