#!/bin/bash -e
# Oracle: the 2021 NixOS containers module's startScript (ExecStart of container@: prepare
# the root, exec systemd-nspawn), as plain bash. Reads what the module's unit has in its
# environment (INSTANCE, root, SYSTEM_PATH, PRIVATE_NETWORK, HOST_BRIDGE, HOST_PORT,
# HOST_ADDRESS(6), LOCAL_ADDRESS(6), INTERFACES, MACVLANS, EXTRA_NSPAWN_FLAGS) and the
# options the module bakes in from variables (see common.sh): EXTRA_VETHS, EPHEMERAL=1,
# ADDITIONAL_CAPABILITIES and TMPFS (space-separated).
# What the module fills in at evaluation time is chosen here at run time: NSPAWN names the
# nspawn program (default systemd-nspawn; NSPAWN="printf %s\n" prints the command line,
# one argument per line), CONTAINER_INIT the init wrapper (default container-init; the
# module passes its containerInit script), and --personality=x86 is checked on an x86_64
# host (`uname -m`) where the module checks its nixpkgs.localSystem.
# Not rendered: the netns module's netns-container@ script (netns-containers.nix), which
# adds --network-namespace-path and a --load-credential per credential file and drops most
# of the rest; the tests list what ncbox adds for it as extras.
. "$(dirname "$0")/common.sh"
mkdir -p -m 0755 "$root/etc" "$root/var/lib"
mkdir -p -m 0700 "$root/var/lib/private" "$root/root" /run/containers
if ! [ -e "$root/etc/os-release" ]; then touch "$root/etc/os-release"; fi
if ! [ -e "$root/etc/machine-id" ]; then touch "$root/etc/machine-id"; fi
mkdir -p -m 0755 \
	"/nix/var/nix/profiles/per-container/$INSTANCE" \
	"/nix/var/nix/gcroots/per-container/$INSTANCE"
cp --remove-destination /etc/resolv.conf "$root/etc/resolv.conf"
extraFlags=
if [ "${PRIVATE_NETWORK-}" = 1 ]; then extraFlags+=" --private-network"; fi
if any_address; then extraFlags+=" --network-veth"; fi
if [ -n "${HOST_PORT-}" ]; then
	OIFS=$IFS; IFS=","
	for i in $HOST_PORT; do extraFlags+=" --port=$i"; done
	IFS=$OIFS
fi
if [ -n "${HOST_BRIDGE-}" ]; then extraFlags+=" --network-bridge=$HOST_BRIDGE"; fi
veth_flag() { extraFlags+=" --network-veth-extra=$1"; }
for_each_veth veth_flag
for iface in ${INTERFACES-}; do extraFlags+=" --network-interface=$iface"; done
for iface in ${MACVLANS-}; do extraFlags+=" --network-macvlan=$iface"; done
if [ "$(uname -m)" = x86_64 ] &&
   [ "$(cat "${SYSTEM_PATH:-/nix/var/nix/profiles/per-container/$INSTANCE/system}/system" 2>/dev/null)" = i686-linux ]; then
	extraFlags+=" --personality=x86"
fi
optional=()
[ "${EPHEMERAL-}" = 1 ] || optional+=(--link-journal=try-guest)
tail=()
[ "${EPHEMERAL-}" = 1 ] && tail+=(--ephemeral)
if [ -n "${ADDITIONAL_CAPABILITIES-}" ]; then
	caps=$(echo $ADDITIONAL_CAPABILITIES | tr ' ' ,)
	tail+=("--capability=$caps")
fi
for t in ${TMPFS-}; do tail+=("--tmpfs=$t"); done
exec ${NSPAWN:-systemd-nspawn} \
	--keep-unit \
	-M "$INSTANCE" -D "$root" $extraFlags \
	${EXTRA_NSPAWN_FLAGS-} \
	--notify-ready=yes \
	--kill-signal=SIGRTMIN+3 \
	--bind-ro=/nix/store \
	--bind-ro=/nix/var/nix/db \
	--bind-ro=/nix/var/nix/daemon-socket \
	--bind="/nix/var/nix/profiles/per-container/$INSTANCE:/nix/var/nix/profiles" \
	--bind="/nix/var/nix/gcroots/per-container/$INSTANCE:/nix/var/nix/gcroots" \
	"${optional[@]}" \
	--setenv PRIVATE_NETWORK="${PRIVATE_NETWORK-}" \
	--setenv HOST_BRIDGE="${HOST_BRIDGE-}" \
	--setenv HOST_ADDRESS="${HOST_ADDRESS-}" \
	--setenv LOCAL_ADDRESS="${LOCAL_ADDRESS-}" \
	--setenv HOST_ADDRESS6="${HOST_ADDRESS6-}" \
	--setenv LOCAL_ADDRESS6="${LOCAL_ADDRESS6-}" \
	--setenv HOST_PORT="${HOST_PORT-}" \
	--setenv PATH="$PATH" \
	"${tail[@]}" \
	"${CONTAINER_INIT:-container-init}" "${SYSTEM_PATH:-/nix/var/nix/profiles/system}/init"
