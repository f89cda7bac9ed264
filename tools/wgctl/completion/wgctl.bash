# SPDX-License-Identifier: GPL-2.0
# bash completion for wgctl(8)

_wgctl_interfaces()
{
	wgctl show interfaces 2>/dev/null | tr ' ' '\n'
}

_wgctl_completion()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[1]} i has_peer=0 words=()

	if [[ $COMP_CWORD -eq 1 ]]; then
		mapfile -t COMPREPLY < <(compgen -W "help --version up down reresolve show showconf set setconf addconf syncconf genkey genpsk pubkey monitor" -- "$cur")
		return
	fi

	case $cmd in
	show)
		if [[ $COMP_CWORD -eq 2 ]]; then
			mapfile -t COMPREPLY < <(compgen -W "all interfaces --json $(_wgctl_interfaces)" -- "$cur")
		elif [[ $COMP_CWORD -eq 3 && ${COMP_WORDS[2]} != interfaces ]]; then
			mapfile -t COMPREPLY < <(compgen -W "public-key private-key listen-port fwmark bind-dev peers preshared-keys endpoints allowed-ips latest-handshakes persistent-keepalive transfer dump metrics --json" -- "$cur")
		fi
		return
		;;
	showconf)
		[[ $COMP_CWORD -eq 2 ]] && mapfile -t COMPREPLY < <(compgen -W "$(_wgctl_interfaces)" -- "$cur")
		return
		;;
	monitor)
		mapfile -t COMPREPLY < <(compgen -W "--json -t --timestamp $(_wgctl_interfaces)" -- "$cur")
		return
		;;
	up|down|reresolve)
		if [[ $COMP_CWORD -eq 2 ]]; then
			compopt -o filenames
			mapfile -t COMPREPLY < <(compgen -W "$(cd /etc/wgtun 2>/dev/null &&
				for f in *.conf; do [[ -e $f ]] && echo "${f%.conf}"; done)" -- "$cur"
				compgen -f -X '!*.conf' -- "$cur")
		fi
		return
		;;
	setconf|addconf|syncconf)
		if [[ $COMP_CWORD -eq 2 ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_wgctl_interfaces)" -- "$cur")
		elif [[ $COMP_CWORD -eq 3 ]]; then
			compopt -o filenames
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return
		;;
	set)
		;;
	*)
		return
		;;
	esac

	if [[ $COMP_CWORD -eq 2 ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_wgctl_interfaces)" -- "$cur")
		return
	fi
	case $prev in
	private-key|preshared-key)
		compopt -o filenames
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	carrier-follows-peers|unknown-peer-events|roaming)
		mapfile -t COMPREPLY < <(compgen -W "on off" -- "$cur")
		return
		;;
	persistent-keepalive|fwmark)
		mapfile -t COMPREPLY < <(compgen -W "off" -- "$cur")
		return
		;;
	bind-dev)
		mapfile -t COMPREPLY < <(compgen -W "off $(ls /sys/class/net 2>/dev/null)" -- "$cur")
		return
		;;
	peer)
		mapfile -t COMPREPLY < <(compgen -W "$(wgctl show "${COMP_WORDS[2]}" peers 2>/dev/null)" -- "$cur")
		return
		;;
	listen-port|liveness-timeout|endpoint|allowed-ips)
		return
		;;
	esac
	for ((i = 3; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == peer ]] && has_peer=1
	done
	if [[ $has_peer -eq 1 ]]; then
		words=(peer remove preshared-key endpoint persistent-keepalive allowed-ips roaming)
	else
		words=(listen-port fwmark bind-dev private-key carrier-follows-peers liveness-timeout
		       unknown-peer-events peer)
	fi
	mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
}

complete -F _wgctl_completion wgctl
