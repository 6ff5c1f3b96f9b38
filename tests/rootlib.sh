# Sourced by tests that run real containers: container roots from busybox-static, "systems"
# in the real Nix store, and finding a container's PID 1.

# make_root DIR: a container root: /bin with busybox and its applets (relative links), the
# static ncbox with its applets, /usr (nspawn wants it), an empty /etc/os-release.
make_root() {
	local r=$1 a
	mkdir -p "$r"/{bin,sbin,usr/bin,etc,proc,sys,dev,run,tmp,var,root}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
	cp "$NCBOX" "$r/bin/ncbox"
	for a in $("$NCBOX" --list); do ln -sf ncbox "$r/bin/$a"; done
	: >"$r/etc/os-release"
}

# need_container_tools: skip the file unless systemd-nspawn and busybox-static are here and
# NCBOX is the static build (it must run inside a busybox root).
need_container_tools() {
	need_cmd systemd-nspawn
	[ -x /bin/busybox ] || skip_all "needs busybox-static (/bin/busybox)"
	file -L "$NCBOX" 2>/dev/null | grep -q 'statically linked' || skip_all "NCBOX=$NCBOX is not a static build"
}

# make_system NAME BODY: a system in the Nix store: a directory with an executable `init`,
# a /bin/sh script running BODY. Prints the store path. Needs nix-store.
make_system() {
	local d=$TMPD/system-$1
	mkdir -p "$d"
	printf '#!/bin/sh\n%s\n' "$2" >"$d/init"
	chmod +x "$d/init"
	nix-store --add "$d"
}

# leader_of PID: the container's PID 1 under nspawn PID: the descendant whose last NSpid
# field is 1 (nspawn may put an extra process in between). Waits up to 5 s.
leader_of() {
	local top=$1 i p
	for ((i = 0; i < 50; i++)); do
		for p in $(descendants "$top"); do
			[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = 1 ] && { echo "$p"; return 0; }
		done
		sleep 0.1
	done
	return 1
}
descendants() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# wait_gone PID SECONDS: wait until PID has exited; 0 if it did in time.
wait_gone() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
