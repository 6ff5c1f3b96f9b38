# bash completion for nixos-container (ncbox). Installed by `make install` as
# share/bash-completion/completions/nixos-container; or source it from ~/.bashrc.
# Commands, then container names (from `nixos-container list`), then each command's options
# and their values; after `run NAME --`, commands and files as for a plain command line.

_nixos_container() {
	local cur prev cmd= name= i dashdash=0
	local commands="list create destroy start stop restart terminate status update login root-login run show-ip show-host-key"
	local nix="--log-format --option --impure --update-input --override-input --commit-lock-file --no-registries
		--no-update-lock-file --no-write-lock-file --no-allow-dirty --recreate-lock-file --refresh"
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The operands so far (options may stand anywhere, as the tool reads them), skipping
	# the values of options that take one.
	local start=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		local w=${COMP_WORDS[i]}
		if ((!dashdash)); then
			case $w in
			--) dashdash=1; continue ;;
			--bridge | --port | --system-path | --signal | --nixos-path | --config | --config-file | \
				--host-address | --local-address | --flake | --timeout | --log-format | --update-input)
				i=$((i + 1)); continue ;;
			--option | --override-input) i=$((i + 2)); continue ;;
			-*) continue ;;
			esac
		fi
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$name" ]; then
			name=$w
		elif [ "$cmd" = run ]; then
			start=$i # the command run is to run
			break
		fi
	done

	# run NAME -- COMMAND...: complete as a command line of its own.
	if [ "$cmd" = run ] && [ -n "$name" ] && ((dashdash)); then
		if ((start == 0)); then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi

	# The value of an option.
	case $prev in
	--system-path | --nixos-path | --config-file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--bridge)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")
		return 0 ;;
	--flake)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--log-format)
		mapfile -t COMPREPLY < <(compgen -W "raw internal-json bar bar-with-logs" -- "$cur")
		return 0 ;;
	--port | --signal | --config | --host-address | --local-address | --timeout | --option | \
		--update-input | --override-input)
		return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		local opts="--help"
		case $cmd in
		list) opts+=" --json" ;;
		create) opts+=" --nixos-path --system-path --config --config-file --flake --ensure-unique-name --auto-start
			--bridge --port --host-address --local-address --use-host-network $nix" ;;
		update) opts+=" --config --config-file --flake --nixos-path --system-path $nix" ;;
		start | stop | restart | terminate) opts+=" --timeout" ;;
		status) opts+=" --json" ;;
		run) opts+=" --" ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return 0
	fi

	if [ -z "$cmd" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
	elif [ -z "$name" ] && [ "$cmd" != list ] && [ "$cmd" != create ]; then
		mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" list 2>/dev/null)" -- "$cur")
	elif [ "$cmd" = run ] && [ -n "$name" ]; then
		mapfile -t COMPREPLY < <(compgen -W "--" -- "$cur")
	fi
	return 0
}
complete -F _nixos_container nixos-container
