#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# The systemd units that the wgctl package ships, run by systemd itself: the
# guest's PID 1 is not systemd, so bookworm's systemd 252 boots as PID 1 of
# its own PID, mount, UTS and cgroup namespaces inside network namespace n1 (a
# container without an image: nspawn would do the same). Before that the
# package is installed as debian/ installs it, into overlays on /etc, /usr and
# /var (the guest's root is the host's: it stays untouched),
# /etc/wgtun/wg-test.conf written, and the units enabled with systemctl as an
# admin does.
#
#   boot: wgctl@wg-test.service (enabled) brings the tunnel up; the metrics
#         timer writes a textfile that promtool accepts.
#   wgctl-reresolve@wg-test.service sets the endpoint that the name in
#         /etc/hosts now gives.
#   systemctl stop, start: down and up again; poweroff: down, n1 as before.
#
#   n1: wg-test 10.9.0.1 --- v1 192.168.55.1 === v2 192.168.55.2, .3 --- wgt0 10.9.0.2 :n2
if [[ -z ${WGTUN_MNTNS:-} ]]; then
	WGTUN_MNTNS=1 exec unshare --mount --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

systemd=/lib/systemd/systemd
[[ -x $systemd ]] || skip "no systemd"
command -v promtool > /dev/null || skip "no promtool (Debian package prometheus)"

# Every module the test needs, before the overlay on /usr hides the guest's
# module tree.
modprobe -a wgtun veth overlay
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
# systemd's log in this test's, if it fails.
passed=0
on_exit "((passed)) || { echo '---- systemd:'; cat $tmp/systemd.log; }"

# Writable layers over the host's /etc, /usr and /var, with an empty
# directory for node_exporter's textfiles. /etc/systemd/system starts empty,
# as on a system where nothing was enabled yet.
for d in etc usr var; do
	mkdir -p "$tmp/ovl/$d/up" "$tmp/ovl/$d/work"
	mount -t overlay "ovl-$d" -o "lowerdir=/$d,upperdir=$tmp/ovl/$d/up,workdir=$tmp/ovl/$d/work" "/$d"
done
mount -t tmpfs tmpfs /etc/systemd/system
rm -rf /var/lib/prometheus/node-exporter
mkdir -p /var/lib/prometheus/node-exporter

log "install wgctl as the package does"
make -s -C tools/wgctl install PREFIX=/usr WGTUN_VERSION="$(< tools/wgctl/.version)"
while read -r pattern dest; do
	[[ $pattern && $pattern != \#* ]] || continue
	# shellcheck disable=SC2086 # the pattern is a glob
	install -D -t "/$dest" -m "$( [[ $dest == usr/lib/wgctl* ]] && echo 0755 || echo 0644)" $pattern
done < debian/wgctl.install

setup_netns n1 n2
n1 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
veth_keys 192.168.55 3
n2 ip link add wgt0 type wgtun
n2 wgctl set wgt0 private-key <(echo "$k2") listen-port 51002 peer "$p1" allowed-ips 10.9.0.1/32
n2 ip addr add 10.9.0.2/24 dev wgt0
n2 ip link set wgt0 up
echo "192.168.55.2 peer2.wgtun.test" >> /etc/hosts

install -d -m 0700 /etc/wgtun
(
	umask 077
	cat > /etc/wgtun/wg-test.conf <<-EOF
	[Interface]
	PrivateKey = $k1
	Address = 10.9.0.1/24
	Table = off
	PostUp = ip route add 10.77.0.0/16 dev %i

	[Peer]
	PublicKey = $p2
	Endpoint = peer2.wgtun.test:51002
	AllowedIPs = 10.9.0.2/32, 10.77.0.0/16
	EOF
)

snapshot() {
	{
		n1 ip -br link
		n1 ip -br addr
		n1 ip -4 route show table all
		n1 ip -6 route show table all
	} > "$1"
}
snapshot "$tmp/clean"

log "enable the units"
systemctl enable -q wgctl@wg-test.service wgctl-metrics.timer wgctl-reresolve@wg-test.timer

# The units systemd sees besides /etc/systemd/system: the targets and slices
# that order a boot (none of the services that pull in, such as udev), and
# the package's units.
mkdir "$tmp/units"
ln -s /lib/systemd/system/*.target /lib/systemd/system/*.slice /lib/systemd/system/wgctl* \
	/lib/systemd/system/systemd-poweroff.service "$tmp/units/"

# systemd's own cgroup, which it takes for the root (its namespace).
cg=$tmp/cgroup
mkdir -p "$cg"
mount -t cgroup2 cgroup2 "$cg"
mkdir "$cg/wgtun-units"
on_exit "find $cg/wgtun-units -depth -type d -exec rmdir {} + 2>/dev/null; umount $cg"

# boot: systemd as PID 1 in its namespaces, its log in $tmp/systemd.log.
boot() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec n1 unshare --pid --fork --mount-proc --uts --propagation private bash -c '
		echo $$ > "$1/wgtun-units/cgroup.procs"
		exec unshare --cgroup bash -c "
			mount -t tmpfs -o mode=0755 tmpfs /run
			mount -t cgroup2 cgroup2 /sys/fs/cgroup
			mount -o remount,bind,ro /sys
			exec env -i container=wgtun-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
				SYSTEMD_UNIT_PATH=/etc/systemd/system:$3 $2 --unit=multi-user.target \
				--log-target=console --log-level=info --show-status=no \
				--default-standard-output=inherit --default-standard-error=inherit"
		' boot "$cg" "$systemd" "$tmp/units" >> "$tmp/systemd.log" 2>&1 < /dev/null &
	unshare_pid=$!
	wait_for 20 grep -q . "/proc/$unshare_pid/task/$unshare_pid/children"
	sdpid=$(< "/proc/$unshare_pid/task/$unshare_pid/children")
	sdpid=${sdpid%% *}
	on_exit "kill -9 $sdpid 2>/dev/null; wait $unshare_pid 2>/dev/null"
	# "degraded" if a unit failed (the metrics service in its sandbox, say).
	wait_for 60 sd systemctl is-system-running --wait > /dev/null 2>&1 ||
		die "systemd: $(sd systemctl is-system-running 2>&1), failed units:" \
			"$(sd systemctl --failed --no-legend 2>&1)"
}

# sd CMD...: run CMD beside systemd (its mount and PID namespaces, n1).
sd() {
	nsenter -t "$sdpid" -m -p -n -u -- "$@"
}

# gone PID: the process has exited (a zombie of ours counts as gone).
gone() {
	local state

	state=$(ps -o stat= -p "$1") || return 0
	[[ $state == Z* ]]
}

# up: the tunnel is there as wg-test.conf says, PostUp's route too.
up() {
	assert_eq "$(sd systemctl is-active wgctl@wg-test.service)" active "wgctl@wg-test"
	assert_eq "$(link_kind wg-test n1)" wgtun "link kind"
	n1 ip -br addr show dev wg-test | matches ' 10.9.0.1/24 ' ||
		die "address: $(n1 ip -br addr show dev wg-test)"
	n1 ip -4 route show table all | matches '^10.77.0.0/16 dev wg-test' ||
		die "PostUp's route: $(n1 ip -4 route show table all)"
	assert_eq "$(n1 wgctl show wg-test peers)" "$p2" "peer"
	n1 ping -c 1 -W 5 10.9.0.2 > /dev/null || die "no ping through the tunnel"
}

# clean WHAT: n1 is as it was before any unit ran.
clean() {
	snapshot "$tmp/after"
	diff -u "$tmp/clean" "$tmp/after" || die "$1 left a trace (diff above)"
}

log "boot: the enabled units start"
boot
up
# The timer's first run may have come before the tunnel: its file is there,
# this run's holds wg-test.
wait_for 30 test -s /var/lib/prometheus/node-exporter/wgtun.prom
sd systemctl start wgctl-metrics.service
prom=/var/lib/prometheus/node-exporter/wgtun.prom
promtool check metrics < $prom > "$tmp/promtool.out" 2>&1 ||
	die "promtool: $(cat "$tmp/promtool.out")"
grep -q '^wgtun_peer_.*interface="wg-test"' $prom || die "no wg-test peer in $(cat $prom)"
assert_eq "$(stat -c %a $prom)" 644 "mode of $prom"
assert_eq "$(sd systemctl is-active wgctl-reresolve@wg-test.timer)" active "re-resolve timer"

log "wgctl-reresolve@wg-test.service follows /etc/hosts"
sed -i 's/^192.168.55.2 peer2/192.168.55.3 peer2/' /etc/hosts
sd systemctl start wgctl-reresolve@wg-test.service
assert_eq "$(n1 wgctl show wg-test endpoints | awk '{ print $2 }')" 192.168.55.3:51002 \
	"endpoint after re-resolve"
n1 ping -c 1 -W 5 10.9.0.2 > /dev/null || die "no ping after re-resolve"

log "stop, start; a tunnel without a file is not started"
sd systemctl stop wgctl@wg-test.service
clean "systemctl stop"
sd systemctl start wgctl@wg-test.service
up
sd systemctl start wgctl@nofile.service
assert_eq "$(sd systemctl show -P ConditionResult wgctl@nofile.service)" no "without a file"

log "poweroff: the tunnel goes down with systemd"
sd systemctl poweroff > /dev/null 2>&1
wait_for 60 gone "$sdpid" || die "systemd did not exit"
clean "poweroff"
passed=1
log "ok"
