#!/bin/bash -e
# Oracle: the 2021 NixOS containers module's postStartScript (the host side of the veths,
# ExecStartPost of container@), as plain bash over iproute2. Reads INSTANCE, HOST_BRIDGE,
# HOST_ADDRESS(6), LOCAL_ADDRESS(6) and the baked-in extraVeths from EXTRA_VETHS (see
# common.sh). The module's ipcall takes a declarative container's baked address when it has
# one, else the variable; the module writes the same value into the container's conf, so the
# variable alone is read here.
. "$(dirname "$0")/common.sh"
if any_address; then
	if [ -z "${HOST_BRIDGE-}" ]; then
		ifaceHost=ve-$INSTANCE
		ip link set dev "$ifaceHost" up
		if [ -n "${HOST_ADDRESS-}" ]; then ip addr add "$HOST_ADDRESS" dev "$ifaceHost"; fi
		if [ -n "${HOST_ADDRESS6-}" ]; then ip -6 addr add "$HOST_ADDRESS6" dev "$ifaceHost"; fi
		if [ -n "${LOCAL_ADDRESS-}" ]; then ip route add "$LOCAL_ADDRESS" dev "$ifaceHost"; fi
		if [ -n "${LOCAL_ADDRESS6-}" ]; then ip -6 route add "$LOCAL_ADDRESS6" dev "$ifaceHost"; fi
	fi
fi
# renderExtraVeth: onto its bridge, or up with the host addresses and routes to the local ones.
host_veth() {
	if [ -n "$hostBridge" ]; then
		ip link set dev "$1" master "$hostBridge" up
	else
		ip link set dev "$1" up
		if [ -n "$hostAddress" ]; then ip addr add "$hostAddress" dev "$1"; fi
		if [ -n "$hostAddress6" ]; then ip -6 addr add "$hostAddress6" dev "$1"; fi
		if [ -n "$localAddress" ]; then ip route add "$localAddress" dev "$1"; fi
		if [ -n "$localAddress6" ]; then ip -6 route add "$localAddress6" dev "$1"; fi
	fi
}
for_each_veth host_veth
