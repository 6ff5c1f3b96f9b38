# The oracle of the differential tests: helpers shared by init.sh, poststart.sh, prestart.sh
# and start.sh in this directory. These scripts render the NixOS containers module of about
# 2021 (nixos/modules/virtualisation/nixos-containers.nix: containerInit, preStartScript,
# postStartScript, startScript) as plain bash over iproute2. They were written from that
# module's code, not from ncbox.
#
# The module bakes some per-container options into the scripts it generates; here they are
# read from variables instead, the same ones ncbox reads:
#   extraVeths              EXTRA_VETHS: space-separated entries NAME[,key=value...] with the
#                           keys of the module's extraVeths options (hostBridge, hostAddress,
#                           hostAddress6, localAddress, localAddress6); an unset key is null.
#                           The module renders the attrset in name order; here the entries
#                           come in the order given.
#   ephemeral               EPHEMERAL=1
#   additionalCapabilities  ADDITIONAL_CAPABILITIES, space-separated
#   tmpfs                   TMPFS, space-separated
# The rest (INSTANCE, root, HOST_*, LOCAL_*, ...) is the unit's environment, as in the module.
# The module's progress echos ("Bringing X up") are left out: they change no state.

# for_each_veth FN: call FN NAME for each extra veth, with hostBridge, hostAddress,
# hostAddress6, localAddress and localAddress6 set as shell variables (empty: null).
for_each_veth() {
	local entry field
	for entry in ${EXTRA_VETHS-}; do
		local name=${entry%%,*} hostBridge= hostAddress= hostAddress6= localAddress= localAddress6=
		if [ "$entry" != "$name" ]; then
			local IFS=,
			for field in ${entry#*,}; do
				case $field in
				hostBridge=*|hostAddress=*|hostAddress6=*|localAddress=*|localAddress6=*)
					local "$field" ;;
				*) echo "bad extra veth field: $field" >&2; return 1 ;;
				esac
			done
			unset IFS
		fi
		"$1" "$name"
	done
}

# any_address: the module's test for a veth to the host (any of the four address keys).
any_address() {
	[ -n "${HOST_ADDRESS-}" ] || [ -n "${LOCAL_ADDRESS-}" ] ||
	[ -n "${HOST_ADDRESS6-}" ] || [ -n "${LOCAL_ADDRESS6-}" ]
}
