#!/bin/bash -e
# Oracle: the 2021 NixOS containers module's preStartScript (ExecStartPre of container@:
# clean up a stale machined registration and stale veths), as plain bash over iproute2.
# Reads INSTANCE, HOST_ADDRESS(6), LOCAL_ADDRESS(6) and the baked-in extraVeths from
# EXTRA_VETHS (see common.sh). The module runs machinectl unconditionally, its errors
# ignored; here it runs only where it exists, which changes nothing but the noise.
. "$(dirname "$0")/common.sh"
if command -v machinectl >/dev/null; then machinectl terminate "$INSTANCE" 2> /dev/null || true; fi
if any_address; then
	ip link del dev "ve-$INSTANCE" 2> /dev/null || true
	ip link del dev "vb-$INSTANCE" 2> /dev/null || true
fi
del_veth() { ip link del dev "$1" 2> /dev/null || true; }
for_each_veth del_veth
