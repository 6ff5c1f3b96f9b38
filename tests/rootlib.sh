# Sourced by tests that run real containers: container roots from busybox-static, "systems"
# in the real Nix store, and finding a container's PID 1.

# busybox_root DIR [PASSWD]: a container root: /bin with busybox and its applets (relative
# links), /usr (nspawn wants it), an empty /etc/os-release; with PASSWD, root in /etc/passwd
# with /bin/sh (what run and root-login look up).
busybox_root() {
	local r=$1 a
	mkdir -p "$r"/{bin,sbin,usr/bin,etc,proc,sys,dev,run,tmp,var,root}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
	: >"$r/etc/os-release"
	[ -z "${2-}" ] || echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
}
# make_root DIR: busybox_root DIR, and the static ncbox with its applets in /bin.
make_root() {
	local a
	busybox_root "$1"
	cp "$NCBOX" "$1/bin/ncbox"
	for a in $("$NCBOX" --list); do ln -sf ncbox "$1/bin/$a"; done
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

# boot_systemd_host MACHINE NSPAWN_ARG...: boot a real systemd in a container made from this
# machine's own /usr (systemd-nspawn -D / --volatile=yes --boot), with the given binds, and
# networkd kept off the ve-* links; wait until it runs (or is degraded). Sets SYSH (nspawn's
# PID) and L (the host's PID 1); stops it when the file ends. One that does not boot fails
# the file. SYSTEMD_SECCOMP=0: the host's systemd without nspawn's seccomp filter, as on
# real hardware; nixos-container run (the units' reload) copies the container's filters,
# and the kernel hands them only to a process without one.
boot_systemd_host() {
	local m=$1 i state=
	shift
	mkdir -p "$TMPD/network"
	ln -sf /dev/null "$TMPD/network/80-container-ve.network"
	SYSTEMD_SECCOMP=0 systemd-nspawn -D / --volatile=yes --boot -M "$m" --private-network --keep-unit --register=no -q \
		--bind-ro="$TMPD/network:/etc/systemd/network" "$@" systemd.firstboot=off >"$TMPD/console.log" 2>&1 &
	SYSH=$!
	at_exit "kill -TERM $SYSH; wait_gone $SYSH 20 || kill -KILL $SYSH"
	L=$(leader_of "$SYSH") || { fail "boot systemd host" "no leader; console: $(tail -5 "$TMPD/console.log")"; exit 1; }
	# The leader is nspawn's child until it execs systemd; then systemd needs a moment.
	for ((i = 0; i < 600; i++)); do
		[ "$(cat "/proc/$L/comm" 2>/dev/null)" = systemd ] &&
			state=$(nsenter -t "$L" -a systemctl is-system-running 2>/dev/null) &&
			case $state in running | degraded) break ;; esac
		sleep 0.1
	done
	case $state in
	running | degraded) pass "systemd host booted ($state)" ;;
	*) fail "systemd host booted" "state '$state'"; exit 1 ;;
	esac
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

# ct_key NAME: NAME.HASH, as container_key() makes it from $NCBOX_CONFIG_DIR (FNV-1a of its
# real path): the supervisor's RUN_DIR/KEY and cgroup ncbox/KEY.
ct_key() {
	local r
	r=$(realpath "$NCBOX_CONFIG_DIR") || return 1
	printf '%s.%s' "$1" "$(printf %s "$r" | python3 -c 'import sys
h = 2166136261
for b in sys.stdin.buffer.read(): h = ((h ^ b) * 16777619) & 0xffffffff
print("%08x" % h)')"
}
# fake_supervisor NAME LEADER: what nixos-container without systemd reads of a running
# container, for a container started by hand: RUN_DIR/KEY/status naming LEADER, its lock
# held by a sleeper in the cgroup ncbox/KEY, LEADER in ncbox/KEY/payload (as nspawn puts
# it). terminate kills both (SIGKILL to the cgroup). Undone when the file ends.
fake_supervisor() {
	local k d cg i
	k=$(ct_key "$1")
	d=$NCBOX_RUN_DIR/$k cg=$(findmnt -n -t cgroup2 -o TARGET | head -1)/ncbox/$k
	mkdir -p "$d" "$cg/payload"
	printf 'STATE=up\nPID=0\nLEADER_PID=%s\n' "$2" >"$d/status"
	echo "$2" >"$cg/payload/cgroup.procs" || { fail "fake supervisor of $1" "cannot move $2 into $cg/payload"; return 1; }
	(
		echo "$BASHPID" >"$cg/cgroup.procs"
		exec 9>"$d/lock"
		flock 9
		exec sleep 100000
	) &
	at_exit "kill -9 $!; sleep 0.2; rmdir '$cg/payload' '$cg' '${cg%/*}'"
	disown # a test's `wait` is not for it
	for ((i = 0; i < 50; i++)); do flock -n -s "$d/lock" true || return 0; sleep 0.02; done
	fail "fake supervisor of $1" "its lock was never taken"
	return 1
}
