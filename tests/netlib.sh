# Sourced by the network tests: build a host/container namespace pair the way nspawn
# wires it, and take a snapshot of a namespace's network state read back from the kernel.

# snap NS: links (up flag, master, altnames), global addresses, main-table routes; sorted.
# IPv6 link-local routes are left out: the kernel adds them on its own time after link up.
snap() {
	local ns=$1 f
	{
		ip -n "$ns" -j link show | jq -r '.[] | "link \(.ifname) up=\((.flags | index("UP")) != null) master=\(.master // "-") altnames=\(.altnames // [] | join(","))"'
		ip -n "$ns" -j addr show | jq -r '.[] | .ifname as $i | .addr_info[] | select(.scope == "global") | "addr \($i) \(.local)/\(.prefixlen)"'
		for f in -4 -6; do
			ip -n "$ns" "$f" -j route show table main | jq -r --arg f "$f" '.[] | select(.dst | startswith("fe80:") | not) | "route \($f) \(.dst) dev=\(.dev // "-") via=\(.gateway // "-") proto=\(.protocol // "-") scope=\(.scope // "-") metric=\(.metric // "-") type=\(.type // "-")"'
		done
	} | sort
}

# wire H C NAME HOST_BRIDGE EXTRA_VETHS: what nspawn makes for --network-veth (or
# --network-bridge) and --network-veth-extra: ve-NAME (vb-NAME in bridge mode) in H with
# host0 in C, shortened with an altname when NAME is long; each extra veth in both.
wire() {
	local h=$1 c=$2 name=$3 bridge=$4 veths=$5 host=ve-$3 short e vname vbr
	[ -n "$bridge" ] && host=vb-$3
	short=$host
	if [ ${#host} -gt 15 ]; then
		short=${host:0:11}$(printf %s "$name" | md5sum | cut -c1-4)
	fi
	if [ -n "$bridge" ]; then
		ip -n "$h" link show "$bridge" >/dev/null 2>&1 || ip -n "$h" link add "$bridge" type bridge
		ip -n "$h" link add "$short" type veth peer name host0 netns "$c"
		ip -n "$h" link set "$short" master "$bridge" up
		ip -n "$h" link set "$bridge" up
	else
		ip -n "$h" link add "$short" type veth peer name host0 netns "$c"
	fi
	[ "$short" != "$host" ] && ip -n "$h" link property add dev "$short" altname "$host"
	for e in $veths; do
		vname=${e%%,*}
		ip -n "$h" link add "$vname" type veth peer name "$vname" netns "$c"
		vbr=$(tr , '\n' <<<"$e" | sed -n 's/^hostBridge=//p')
		if [ -n "$vbr" ]; then
			ip -n "$h" link show "$vbr" >/dev/null 2>&1 || ip -n "$h" link add "$vbr" type bridge
			ip -n "$h" link set "$vbr" up
		fi
	done
}

# cfg_env CONFIG: the words of CONFIG (KEY=VALUE;KEY=VALUE...) as env arguments.
cfg_env() { tr ';' '\n' <<<"$1"; }
