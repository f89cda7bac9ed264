#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 2400
#
# A big allowed-IPs table: AIP_N (1,000,000) scattered /32s in 10.0.0.0/8
# on the one peer of a tunnel (bench/gen-data.py), wgtun and in-tree side
# by side, each on its own pair of namespaces as in 10-datapath.sh:
#
#   small   the peer allows 10.0.0.0/8: datagrams/s to random destinations
#           (bench/tools/udpblast -r, 64 bytes), counted as decrypted on the
#           far side; AIP_ROUNDS rounds, alternating
#   load    setconf with the same peer and 192.0.2.2/32 + AIP_N /32s: time,
#           kernel memory per prefix
#   big     datagrams/s again, destinations drawn from the loaded set, so
#           every lookup walks the big trie (ratio big / small: how flat
#           lookup cost stays)
#   clear   time to remove the peer with its AIP_N prefixes
. "$(dirname "$0")/lib.sh"

AIP_N=${AIP_N:-1000000}
AIP_ROUNDS=${AIP_ROUNDS:-3}
T=${BENCH_SECONDS:-5}

bench_modules
bench_keys
pair_setup wgtun t1 t2
pair_setup intree i1 i2

ns_of() {
	if [[ $1 == wgtun ]]; then echo t; else echo i; fi
}

# blast IMPL R NAME: random-destination datagrams/s delivered through the tunnel.
blast() {
	local impl=$1 r=$2 name=$3 n rx0 rx1 out secs

	n=$(ns_of "$impl")
	rx0=$(rx_packets "${n}2" wg0)
	out=$(ip netns exec "${n}1" "$UDPBLAST" -r "$AIP_N" -l 36 -t "$T")
	sleep 1
	rx1=$(rx_packets "${n}2" wg0)
	secs=$(awk '{ print $4 }' <<< "$out")
	record "$name" "$impl" pps_delivered "$r" \
		"$(awk -v a="$rx0" -v b="$rx1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')" \
		packets/s
	record "$name" "$impl" pps_sent "$r" \
		"$(awk -v p="$(awk '{ print $2 }' <<< "$out")" -v s="$secs" \
		'BEGIN { printf "%.0f", p / s }')" packets/s
}

for ((r = 1; r <= AIP_ROUNDS; r++)); do
	for impl in $(impls_for_round "$r"); do blast "$impl" "$r" aip_small; done
done

{
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n\n' "$(cat "$BT/a.key")"
	printf '[Peer]\nPublicKey = %s\nEndpoint = 198.51.100.2:51820\n' "$PUB_B"
	printf 'AllowedIPs = 192.0.2.2/32\n'
	head -n $((AIP_N / 1000)) "$BENCH_DATA/prefixes-1M.txt"
} > "$BT/big.conf"

for impl in wgtun intree; do
	n=$(ns_of "$impl")
	tool=$(tool_of "$impl")
	settle
	m0=$(kmem_kib)
	c0=$(now)
	ip netns exec "${n}1" "$tool" setconf wg0 "$BT/big.conf"
	record "aip$AIP_N" "$impl" load_s 1 "$(elapsed "$c0")" s
	settle
	m1=$(kmem_kib)
	record "aip$AIP_N" "$impl" kmem_total 1 $(((m1 - m0) / 1024)) MiB
	record "aip$AIP_N" "$impl" bytes_per_prefix 1 \
		"$(awk -v m=$((m1 - m0)) -v n="$AIP_N" 'BEGIN { printf "%.1f", m * 1024 / n }')" B
	got=$(ip netns exec "${n}1" "$tool" show wg0 allowed-ips | wc -w)
	# "PUBKEY prefix prefix ...": one word for the key.
	((got == AIP_N + 2)) || die "$impl: $((got - 1)) prefixes loaded, want $((AIP_N + 1))"
	ip netns exec "${n}1" ping -q -c 2 -i 0.2 -W 5 192.0.2.2 > /dev/null ||
		die "$impl: no traffic after loading the table"
done

for ((r = 1; r <= AIP_ROUNDS; r++)); do
	for impl in $(impls_for_round "$r"); do blast "$impl" "$r" aip_big; done
done

for impl in wgtun intree; do
	n=$(ns_of "$impl")
	c0=$(now)
	ip netns exec "${n}1" "$(tool_of "$impl")" set wg0 peer "$PUB_B" remove
	record "aip$AIP_N" "$impl" clear_s 1 "$(elapsed "$c0")" s
done
log ok
