# Sourced by every tests/*.test (bash). Each check prints one line that tests/run counts:
#   PASS: FILE: DESC    FAIL: FILE: DESC (why)    SKIP: FILE: DESC (reason)
# Network namespaces made with ns_new are removed on exit, also on failure.
set -u
T=$(basename "$0" .test)
NL=$'\n' # a newline, for regexes: "(^|$NL)line"
NCBOX=${NCBOX:-build/ncbox}
TESTBIN=${TESTBIN:-build/test}
ORACLE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/oracle # the module's scripts, for the differential tests
TMPD=$(mktemp -d /tmp/ncbox-test.XXXXXX)
OUT= ERR= # set by expect_exit and expect_err
_namespaces=()
_cleanups=()

pass() { echo "PASS: $T: $1"; }
fail() { echo "FAIL: $T: $1${2:+ ($2)}"; }
skip() { echo "SKIP: $T: $1${2:+ ($2)}"; }

# Skip the whole file (one SKIP line with the reason) when a prerequisite is missing.
skip_all() { skip "all cases" "$1"; exit 0; }
need_root() { is_root || skip_all "needs root"; }
is_root() { [ "$(id -u)" = 0 ]; }
# Cases that need root, in a file whose other cases do not: as root they run; otherwise
# each prints its own SKIP line.
#   root_only; CASES...; root_only off    every expect_* in between
#   root_case DESC && CMD...               one case written out by hand
_root_only=
root_only() { if [ "${1-}" = off ]; then _root_only=; else _root_only=1; fi; }
root_case() { is_root || { skip "$1" "needs root"; return 1; }; }
_runs() { [ -z "$_root_only" ] || root_case "$1"; }
need_cmd() { local c; for c; do command -v "$c" >/dev/null || skip_all "needs $c"; done; }

# expect_eq DESC GOT WANT
expect_eq() {
	_runs "$1" || return 0
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
# expect_match DESC GOT REGEX
expect_match() {
	_runs "$1" || return 0
	if [[ $2 =~ $3 ]]; then pass "$1"; else fail "$1" "got '$2', want match of '$3'"; fi
}
# expect_exit DESC CODE CMD... : the exit code; stdout and stderr land in $OUT and $ERR.
expect_exit() {
	_runs "$1" || return 0
	local desc=$1 want=$2 got
	shift 2
	"$@" >"$TMPD/out" 2>"$TMPD/err"
	got=$?
	OUT=$(cat "$TMPD/out") ERR=$(cat "$TMPD/err")
	if [ "$got" = "$want" ]; then pass "$desc"; else fail "$desc" "exit $got, want $want; stderr: $ERR"; fi
}
# expect_err DESC CODE REGEX CMD... : exit code, and one stderr line matching REGEX.
expect_err() {
	_runs "$1" || return 0
	local desc=$1 want=$2 re=$3 got lines
	shift 3
	"$@" >"$TMPD/out" 2>"$TMPD/err"
	got=$?
	OUT=$(cat "$TMPD/out") ERR=$(cat "$TMPD/err")
	lines=$(grep -c '' "$TMPD/err")
	if [ "$got" != "$want" ]; then
		fail "$desc" "exit $got, want $want; stderr: $ERR"
	elif ! [[ $ERR =~ $re ]]; then
		fail "$desc" "stderr '$ERR' does not match '$re'"
	elif [ "$lines" -gt 2 ]; then
		fail "$desc" "error takes $lines lines: $ERR"
	else
		pass "$desc"
	fi
}

# nc_dirs: nixos-container's and the applets' dirs private to this test, under TMPD (config,
# state, Nix state, run), and no systemd as PID 1 (NCBOX_SD_BOOTED=0).
nc_dirs() {
	export NCBOX_CONFIG_DIR=$TMPD/conf NCBOX_STATE_DIR=$TMPD/state NCBOX_NIX_STATE_DIR=$TMPD/nix
	export NCBOX_RUN_DIR=$TMPD/run NCBOX_SD_BOOTED=0
}
NC() { "$NCBOX" nixos-container "$@"; }
# conf NAME LINE...: NAME.conf in NCBOX_CONFIG_DIR, one line per LINE, as given.
conf() { mkdir -p "$NCBOX_CONFIG_DIR" && printf '%s\n' "${@:2}" >"$NCBOX_CONFIG_DIR/$1.conf"; }

# ns_new VAR: make a fresh network namespace, its name in VAR, with lo up.
_ns_count=0
ns_new() {
	local name="ncbox-$T-$$-$_ns_count"
	_ns_count=$((_ns_count + 1))
	ip netns add "$name" || { fail "make namespace $name"; exit 1; }
	_namespaces+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" %s "$name"
}
# in_ns NS CMD...: run CMD in namespace NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# at_exit CMD: run CMD (a string) when the test file ends.
at_exit() { _cleanups+=("$1"); }

_cleanup() {
	local c n
	for c in "${_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
	for n in "${_namespaces[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM
