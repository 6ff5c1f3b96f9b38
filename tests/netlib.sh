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

# The configurations the differential network tests run through:
# name|config (KEY=VALUE;...). Prefix lengths stand where the reference scripts take them:
# a v4 LOCAL_ADDRESS with a prefix only with a bridge (poststart's `ip route add A/24`
# refuses host bits), no prefix on HOST_ADDRESS6 (init.sh's `default via A/64` fails).
NET_CASES=(
	"v4only|HOST_ADDRESS=10.233.1.1;LOCAL_ADDRESS=10.233.1.2"
	"v6only|HOST_ADDRESS6=fc00:1::1;LOCAL_ADDRESS6=fc00:1::2"
	"both|HOST_ADDRESS=10.233.3.1;LOCAL_ADDRESS=10.233.3.2;HOST_ADDRESS6=fc00:3::1;LOCAL_ADDRESS6=fc00:3::2"
	"prefixes|HOST_ADDRESS6=fc00:4::1;LOCAL_ADDRESS6=fc00:4::2/64;HOST_ADDRESS=10.233.4.1;LOCAL_ADDRESS=10.233.4.2"
	"bridged|HOST_BRIDGE=br0;LOCAL_ADDRESS=10.233.5.2/24;LOCAL_ADDRESS6=fc00:5::2/64"
	"extras|HOST_ADDRESS=10.233.6.1;LOCAL_ADDRESS=10.233.6.2;EXTRA_VETHS=vx1,hostBridge=br1 vx2,hostAddress=10.233.7.1,localAddress=10.233.7.2,hostAddress6=fc00:7::1,localAddress6=fc00:7::2"
	"averyverylongname|HOST_ADDRESS=10.233.8.1;LOCAL_ADDRESS=10.233.8.2;HOST_ADDRESS6=fc00:8::1;LOCAL_ADDRESS6=fc00:8::2"
	"v6inv4|HOST_ADDRESS=fd75:74:136::1;LOCAL_ADDRESS=fd75:74:136::2"
	"v6inv4more|HOST_ADDRESS=fc00:a::1;LOCAL_ADDRESS=fc00:a::2/64;LOCAL_ADDRESS6=fc00:b::2;EXTRA_VETHS=vx6,hostAddress=fc00:c::1,localAddress=fc00:c::2"
)

