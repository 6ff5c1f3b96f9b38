#!/bin/bash -e
# Oracle: the 2021 NixOS containers module's containerInit (the container's PID 1 under
# nspawn, a wrapper around stage 2), as plain bash over iproute2. Runs inside the container;
# $1 is the stage-2 init, which it sources (as the module does, so that an early stop signal
# is not lost). Reads HOST_BRIDGE, HOST_ADDRESS(6), LOCAL_ADDRESS(6) (nspawn's --setenv) and
# the baked-in extraVeths from EXTRA_VETHS (see common.sh).
trap "exit 0" SIGRTMIN+3
. "$(dirname "$0")/common.sh"
if any_address || [ -n "${HOST_BRIDGE-}" ]; then
	ip link set host0 name eth0
	ip link set dev eth0 up
	if [ -n "${LOCAL_ADDRESS-}" ]; then ip addr add "$LOCAL_ADDRESS" dev eth0; fi
	if [ -n "${LOCAL_ADDRESS6-}" ]; then ip -6 addr add "$LOCAL_ADDRESS6" dev eth0; fi
	if [ -n "${HOST_ADDRESS-}" ]; then
		ip route add "$HOST_ADDRESS" dev eth0
		ip route add default via "$HOST_ADDRESS"
	fi
	if [ -n "${HOST_ADDRESS6-}" ]; then
		ip -6 route add "$HOST_ADDRESS6" dev eth0
		ip -6 route add default via "$HOST_ADDRESS6"
	fi
fi
# renderExtraVeth: up, local addresses, routes to the host addresses.
guest_veth() {
	ip link set dev "$1" up
	if [ -n "$localAddress" ]; then ip addr add "$localAddress" dev "$1"; fi
	if [ -n "$localAddress6" ]; then ip -6 addr add "$localAddress6" dev "$1"; fi
	if [ -n "$hostAddress" ]; then ip route add "$hostAddress" dev "$1"; fi
	if [ -n "$hostAddress6" ]; then ip -6 route add "$hostAddress6" dev "$1"; fi
}
for_each_veth guest_veth
set +e
. "$1"
