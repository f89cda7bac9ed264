# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Router topologies for the routing tests (selftests/tests/4x-*.sh), the
# demo and bench/failover.sh.  Source after lib.sh.
#
# Three routers r1, r2, r3, each pair joined by its own underlay veth and by a
# single-peer tunnel (allowed-ips 0.0.0.0/0, ::/0).  In router rI the tunnel
# to rJ is called wgJ and the underlay veth uJ.  Each router has a "LAN" on a
# dummy interface lan0 that its routing daemon announces.
#
#                      r1  lan0 203.0.113.1/26
#                wg2 /    \ wg3
#                   /      \
#   lan0 .65/26   r2 ------ r3   lan0 .129/26
#                  wg3    wg2
#
#   pair   underlay (uJ)          tunnel (wgJ)       listen ports
#   r1-r2  198.51.100.0/30 .1 .2  192.0.2.0/30 .1 .2  r1 51812, r2 51821
#   r1-r3  198.51.100.4/30 .5 .6  192.0.2.4/30 .5 .6  r1 51813, r3 51831
#   r2-r3  198.51.100.8/30 .9 .10 192.0.2.8/30 .9 .10 r2 51823, r3 51832
#
# The lower-numbered router of a pair takes the .1 (.5, .9) addresses.
# Tunnels also get 2001:db8:IJ::1 and ::2 /64.  AS numbers are 6500I.

RT_TMP=$(mktemp -d)
chmod 755 "$RT_TMP"
on_exit "rm -rf $RT_TMP"

r1() { ip netns exec r1 "$@"; }
r2() { ip netns exec r2 "$@"; }
r3() { ip netns exec r3 "$@"; }

# rt_now: seconds since the epoch, with microseconds.
rt_now() {
	echo "$EPOCHREALTIME"
}

# rt_since T0: seconds elapsed since T0 (from rt_now), one decimal.
rt_since() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'
}

# rt_base I J: the first address of pair I-J's /30 (0, 4 or 8), I < J.
rt_base() {
	case $1$2 in
	12) echo 0 ;;
	13) echo 4 ;;
	23) echo 8 ;;
	*) die "no pair $1-$2" ;;
	esac
}

# rt_tun_addr I J: router rI's tunnel address towards rJ (no prefix length).
rt_tun_addr() {
	local b

	if (($1 < $2)); then b=$(rt_base "$1" "$2"); echo "192.0.2.$((b + 1))"
	else b=$(rt_base "$2" "$1"); echo "192.0.2.$((b + 2))"; fi
}

# rt_ul_addr I J: router rI's underlay address towards rJ.
rt_ul_addr() {
	local b

	if (($1 < $2)); then b=$(rt_base "$1" "$2"); echo "198.51.100.$((b + 1))"
	else b=$(rt_base "$2" "$1"); echo "198.51.100.$((b + 2))"; fi
}

# rt_lan I: the address of rI's LAN (lan0), a /26 of 203.0.113.0/24.
rt_lan() {
	echo "203.0.113.$((($1 - 1) * 64 + 1))"
}

# rt_routers N: namespaces r1..rN, forwarding on, a LAN each, one key each.
rt_routers() {
	local i

	for ((i = 1; i <= $1; i++)); do
		setup_netns "r$i"
		ip netns exec "r$i" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.conf.all.ignore_routes_with_linkdown=1
		ip -n "r$i" link add lan0 type dummy
		ip -n "r$i" addr add "$(rt_lan "$i")/26" dev lan0
		ip -n "r$i" link set lan0 up
		(umask 077 && wg genkey > "$RT_TMP/r$i.key")
		wg pubkey < "$RT_TMP/r$i.key" > "$RT_TMP/r$i.pub"
	done
}

# rt_underlay I J: a veth between rI (uJ) and rJ (uI).
rt_underlay() {
	local i=$1 j=$2

	ip link add "u$j" netns "r$i" type veth peer name "u$i" netns "r$j"
	ip -n "r$i" addr add "$(rt_ul_addr "$i" "$j")/30" dev "u$j"
	ip -n "r$j" addr add "$(rt_ul_addr "$j" "$i")/30" dev "u$i"
	ip -n "r$i" link set "u$j" up
	ip -n "r$j" link set "u$i" up
}

# rt_tunnel_end KIND I J [OPTION...]: rI's end of the I-J tunnel, KIND wgtun or
# wireguard; OPTIONs go to wgctl set (wgtun only), e.g. carrier-follows-peers on.
rt_tunnel_end() {
	local kind=$1 i=$2 j=$3 tool=wg lo hi

	shift 3
	[[ $kind == wgtun ]] && tool=wgctl
	if ((i < j)); then lo=$i hi=$j; else lo=$j hi=$i; fi
	ip -n "r$i" link add "wg$j" type "$kind"
	ip netns exec "r$i" "$tool" set "wg$j" private-key "$RT_TMP/r$i.key" \
		listen-port "518$i$j" "$@" \
		peer "$(cat "$RT_TMP/r$j.pub")" endpoint "$(rt_ul_addr "$j" "$i"):518$j$i" \
		allowed-ips 0.0.0.0/0,::/0 persistent-keepalive 1
	ip -n "r$i" addr add "$(rt_tun_addr "$i" "$j")/30" dev "wg$j"
	ip -n "r$i" addr add "2001:db8:$lo$hi::$((i == lo ? 1 : 2))/64" dev "wg$j" nodad
	ip -n "r$i" link set "wg$j" up
}

# rt_tunnel KIND I J [OPTION...]: both ends of the I-J tunnel.
rt_tunnel() {
	local kind=$1 i=$2 j=$3

	shift 3
	rt_tunnel_end "$kind" "$i" "$j" "$@"
	rt_tunnel_end "$kind" "$j" "$i" "$@"
}

# rt_mesh KIND [OPTION...]: three routers, underlay and tunnel for each pair.
rt_mesh() {
	local kind=$1

	shift
	rt_routers 3
	rt_underlay 1 2
	rt_underlay 1 3
	rt_underlay 2 3
	rt_tunnel "$kind" 1 2 "$@"
	rt_tunnel "$kind" 1 3 "$@"
	rt_tunnel "$kind" 2 3 "$@"
}

# rt_cut I J / rt_restore I J: the I-J underlay silently loses every packet
# (blackhole routes to the far end on both sides; the veth stays up, so only
# the tunnel itself can notice).  The two sides are cut at once: one after
# the other, they were half a second apart under emulation.
rt_cut() {
	local a b

	ip -n "r$1" route add blackhole "$(rt_ul_addr "$2" "$1")/32" &
	a=$!
	ip -n "r$2" route add blackhole "$(rt_ul_addr "$1" "$2")/32" &
	b=$!
	wait "$a" && wait "$b"
}

rt_restore() {
	ip -n "r$1" route del blackhole "$(rt_ul_addr "$2" "$1")/32"
	ip -n "r$2" route del blackhole "$(rt_ul_addr "$1" "$2")/32"
}

# rt_has_carrier NS DEV: DEV is up with carrier (LOWER_UP).
rt_has_carrier() {
	ip -n "$1" -j link show dev "$2" | jq -e '.[0].flags | index("LOWER_UP") != null' > /dev/null
}

# rt_no_carrier NS DEV: DEV is administratively up but NO-CARRIER.
rt_no_carrier() {
	ip -n "$1" -j link show dev "$2" |
		jq -e '.[0].flags | (index("NO-CARRIER") != null) and (index("UP") != null)' > /dev/null
}

# rt_operstate NS DEV
rt_operstate() {
	ip -n "$1" -j link show dev "$2" | jq -r '.[0].operstate'
}

# rt_route_dev NS DST: the device the kernel would send DST out of.
rt_route_dev() {
	ip -n "$1" -j route get "$2" 2> /dev/null | jq -r '.[0].dev // empty'
}

# rt_route_via NS DST DEV: DST is routed out of DEV.
rt_route_via() {
	[[ $(rt_route_dev "$1" "$2") == "$3" ]]
}

# rt_ping NS SRC DST: one ping from address SRC reaches DST.
rt_ping() {
	ip netns exec "$1" ping -q -n -c 1 -W 1 -I "$2" "$3" > /dev/null 2>&1
}

# rt_lan_ping I J: rI's LAN reaches rJ's LAN.
rt_lan_ping() {
	rt_ping "r$1" "$(rt_lan "$1")" "$(rt_lan "$2")"
}

# ---- BIRD 2

# rt_bird_bgp I TIMERS NEIGHBOUR...: BIRD in rI speaking eBGP to each
# neighbour router number over the tunnel to it, announcing lan0.  TIMERS is
# "KEEPALIVE/HOLD".  Routes learned go to the kernel table.  The log's times
# have microseconds; RT_BIRD_DEBUG, if set, is the sessions' debug list
# (e.g. "states": a line when a session goes down).  RT_BFD_MS, if set, adds
# BFD to every session, at that interval in milliseconds, multiplier 3.
rt_bird_bgp() {
	local i=$1 ka=${2%/*} hold=${2#*/} j conf=$RT_TMP/bird-r$1.conf

	shift 2
	cat > "$conf" <<-EOF
	log "$RT_TMP/bird-r$i.log" all;
	timeformat log "%F %T.%6f";
	router id $(rt_lan "$i");
	protocol device { scan time 10; }
	protocol direct { ipv4; interface "lan0"; }
	protocol kernel {
		ipv4 { import none; export where source = RTS_BGP; };
	}
	template bgp tunnel {
		local as 6500$i;
		direct;
		check link yes;
		keepalive time $ka;
		hold time $hold;
		connect delay time 1;
		connect retry time 2;
		error wait time 1, 4;
		graceful restart off;
		${RT_BIRD_DEBUG:+debug { $RT_BIRD_DEBUG \};}
		${RT_BFD_MS:+bfd on;}
		ipv4 { import all; export where source ~ [RTS_DEVICE, RTS_BGP]; };
	}
	EOF
	if [[ -n ${RT_BFD_MS:-} ]]; then
		cat >> "$conf" <<-EOF
		protocol bfd {
			interface "wg*" { interval $RT_BFD_MS ms; multiplier 3; };
		}
		EOF
	fi
	for j in "$@"; do
		cat >> "$conf" <<-EOF
		protocol bgp r$j from tunnel {
			neighbor $(rt_tun_addr "$j" "$i") as 6500$j;
			interface "wg$j";
		}
		EOF
	done
	rt_bird_start "r$i" "$conf"
}

# rt_bird_start NS CONF: run BIRD in NS; query with rt_birdc NS CMD...
rt_bird_start() {
	ip netns exec "$1" bird -c "$2" -s "$RT_TMP/bird-$1.ctl" -P "$RT_TMP/bird-$1.pid" ||
		die "bird in $1 did not start: $(cat "$RT_TMP/bird-$1.log" 2>/dev/null)"
	on_exit "kill \$(cat $RT_TMP/bird-$1.pid) 2>/dev/null"
}

rt_birdc() {
	local ns=$1

	shift
	birdc -s "$RT_TMP/bird-$ns.ctl" "$@"
}

# rt_bird_established NS PROTOCOL: that BGP session is up.
rt_bird_established() {
	rt_birdc "$1" show protocols "$2" | matches 'Established'
}

# ---- FRR (zebra + bgpd)

# rt_frr_bgp I TIMERS NEIGHBOUR...: FRR in rI, the same role as rt_bird_bgp
# (RT_BFD_MS likewise, with bfdd).
rt_frr_bgp() {
	local i=$1 ka=${2%/*} hold=${2#*/} j dir=$RT_TMP/frr-r$1 conf

	shift 2
	install -d -o frr -g frr -m 0755 "$dir" "/run/frr/r$i"
	conf=$dir/bgpd.conf
	cat > "$dir/zebra.conf" <<-EOF
	hostname r$i
	log file $dir/zebra.log
	log timestamp precision 6
	EOF
	{
		cat <<-EOF
		hostname r$i
		log file $dir/bgpd.log
		log timestamp precision 6
		router bgp 6500$i
		 bgp router-id $(rt_lan "$i")
		 bgp log-neighbor-changes
		 no bgp ebgp-requires-policy
		 no bgp network import-check
		 bgp graceful-restart-disable
		 timers bgp $ka $hold
		EOF
		for j in "$@"; do
			echo " neighbor $(rt_tun_addr "$j" "$i") remote-as 6500$j"
			echo " neighbor $(rt_tun_addr "$j" "$i") timers connect 2"
			[[ -z ${RT_BFD_MS:-} ]] || echo " neighbor $(rt_tun_addr "$j" "$i") bfd profile tunnel"
		done
		echo " address-family ipv4 unicast"
		echo "  network $(rt_lan "$i" | sed 's/\.[0-9]*$//').$(((i - 1) * 64))/26"
		echo " exit-address-family"
	} > "$conf"
	chmod 0644 "$dir"/*.conf
	ip netns exec "r$i" /usr/lib/frr/zebra -d -u frr -g frr -N "r$i" -P 0 \
		-f "$dir/zebra.conf" > "$dir/zebra.out" 2>&1 || die "zebra in r$i did not start"
	on_exit "kill \$(cat /run/frr/r$i/zebra.pid 2>/dev/null) 2>/dev/null"
	wait_for 10 test -S "/run/frr/r$i/zserv.api" || die "zebra in r$i: no zserv socket"
	if [[ -n ${RT_BFD_MS:-} ]]; then
		cat > "$dir/bfdd.conf" <<-EOF
		hostname r$i
		log file $dir/bfdd.log
		log timestamp precision 6
		bfd
		 profile tunnel
		  receive-interval $RT_BFD_MS
		  transmit-interval $RT_BFD_MS
		  detect-multiplier 3
		EOF
		chmod 0644 "$dir/bfdd.conf"
		ip netns exec "r$i" /usr/lib/frr/bfdd -d -u frr -g frr -N "r$i" -P 0 \
			-f "$dir/bfdd.conf" > "$dir/bfdd.out" 2>&1 || die "bfdd in r$i did not start"
		on_exit "kill \$(cat /run/frr/r$i/bfdd.pid 2>/dev/null) 2>/dev/null"
	fi
	ip netns exec "r$i" /usr/lib/frr/bgpd -d -u frr -g frr -N "r$i" -P 0 -f "$conf" > "$dir/bgpd.out" 2>&1 ||
		die "bgpd in r$i did not start: $(cat "$dir/bgpd.log" 2>/dev/null)"
	on_exit "kill \$(cat /run/frr/r$i/bgpd.pid 2>/dev/null) 2>/dev/null"
}

rt_vtysh() {
	local ns=$1

	shift
	vtysh -N "$ns" "$@" 2> /dev/null
}

# rt_frr_state NS NEIGHBOUR-ADDRESS: the BGP state FRR has for it.
rt_frr_state() {
	rt_vtysh "$1" -c "show bgp neighbors $2 json" 2> /dev/null |
		jq -r --arg n "$2" '.[$n].bgpState // "none"'
}

rt_frr_established() {
	[[ $(rt_frr_state "$1" "$2") == Established ]]
}

# rt_bgp_up I J: rI's BGP session to rJ is Established (BIRD or FRR in rI).
rt_bgp_up() {
	if [[ -S $RT_TMP/bird-r$1.ctl ]]; then
		rt_bird_established "r$1" "r$2"
	else
		rt_frr_established "r$1" "$(rt_tun_addr "$2" "$1")"
	fi
}

# rt_dump: routing state of every router, for failure messages.
rt_dump() {
	local ns

	for ns in r1 r2 r3; do
		[[ -e /run/netns/$ns ]] || continue
		echo "---- $ns"
		ip -n "$ns" -br link
		ip -n "$ns" route
		if [[ -S $RT_TMP/bird-$ns.ctl ]]; then
			rt_birdc "$ns" show protocols
		elif [[ -d /run/frr/$ns ]]; then
			rt_vtysh "$ns" -c "show bgp summary" 2>&1
		fi
	done
}
