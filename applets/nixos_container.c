/* nixos-container: the Perl tool's commands, flags, files and messages, on hosts with
 * systemd (through systemctl and machinectl, as upstream) and without it (the applets run
 * as the unit would run them). Containers are entered with setns, never a shell. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "../common/container.h"
#include "../common/fsutil.h"
#include "../common/ncargs.h"
#include "../common/proc.h"
#include "../common/task.h"

const char nixos_container_usage[] =
	"Usage: nixos-container list [--json]\n"
	"       nixos-container create NAME [--nixos-path P] [--system-path P] [--config S]\n"
	"           [--config-file P] [--flake REF[#ATTR]] [--ensure-unique-name] [--auto-start]\n"
	"           [--bridge IF] [--port PORTS] [--host-address A --local-address A]\n"
	"           [--use-host-network]\n"
	"       nixos-container destroy|login|root-login|show-ip|show-host-key NAME\n"
	"       nixos-container start|stop|restart|terminate NAME [--timeout SECONDS]\n"
	"       nixos-container status NAME [--json]\n"
	"       nixos-container update NAME [--config S] [--config-file P] [--flake REF[#ATTR]]\n"
	"           [--nixos-path P] [--system-path P]\n"
	"       nixos-container run NAME -- COMMAND [ARGS...]\n"
	"\n"
	"The Perl nixos-container's commands, flags, files and messages. Options go anywhere\n"
	"before `--`, as --opt V or --opt=V, abbreviated while unambiguous. NAME: letters,\n"
	"digits, '_', '-', not starting with '-', at most 64 bytes. umask 022, NIXOS_CONFIG=\"\".\n"
	"\n"
	"Files: CONF_DIR/NAME.conf (NCBOX_CONFIG_DIR, else /etc/nixos-containers, else\n"
	"/etc/containers when only it exists; made 0755); the root STATE_DIR/NAME\n"
	"(NCBOX_STATE_DIR, else /var/lib/nixos-containers or /var/lib/containers; made 0700);\n"
	"the profile NIX/profiles/per-container/NAME/system and NIX/gcroots/per-container/NAME\n"
	"(NIX: NCBOX_NIX_STATE_DIR, else /nix/var/nix); RUN_DIR/NAME.state and .log without\n"
	"systemd (NCBOX_RUN_DIR, else /run/containers with the old state dir, else\n"
	"/run/nixos-containers). A systemd host has /run/systemd/system (NCBOX_SD_BOOTED=0|1).\n"
	"\n"
	"list     The NAMEs of *.conf, sorted (podman's libpod, containers, registries skipped\n"
	"         in a dir named containers). --json: [{name, status, ip, host_ip,\n"
	"         private_network, auto_start, declarative}].\n"
	"create   Under the flock /run/lock/nixos-container: refuse an existing NAME (with\n"
	"         --ensure-unique-name take the first free of NAME, NAME-0, NAME-1... and print\n"
	"         it); take 10.233.N.1 and .2 (N 1-254), the first pair no conf uses: every\n"
	"         HOST_/LOCAL_ADDRESS(6) and EXTRA_VETHS address, a prefix counting its whole\n"
	"         subnet, IPv4-mapped IPv6 too; else `out of IP addresses`. Given addresses are\n"
	"         checked the same way. The conf: PRIVATE_NETWORK=1, HOST_ADDRESS,\n"
	"         LOCAL_ADDRESS, HOST_BRIDGE, HOST_PORT ([tcp:|udp:]HOST[:CONT],...), AUTO_START,\n"
	"         FLAKE; --use-host-network: PRIVATE_NETWORK=0, no address. It waits in the\n"
	"         journal CONF_DIR/.NAME.creating (flock held; it names what create makes\n"
	"         before it is made) and is written last (fsync, link): killed at any point,\n"
	"         create leaves a whole container, or a journal the next create or destroy\n"
	"         rolls back. Say `host IP is X, container IP is Y`. Then the system:\n"
	"         --system-path: `nix-env -p PROFILE --set P`, or without nix-env the\n"
	"         same links (system -> system-N-link -> P); --flake: `nix build` of\n"
	"         REF#nixosConfigurations.\"ATTR\".config.system.build.toplevel (ATTR: container),\n"
	"         then nix-env --set; else write ROOT/etc/nixos/configuration.nix (--config S\n"
	"         in it, or imports = [ --config-file ]) and `nix-env -p PROFILE -I\n"
	"         nixos-config=FILE -f NIXOS --set -A system` (NIXOS: --nixos-path, else\n"
	"         <nixpkgs/nixos>). A failure removes all that create made, nothing else.\n"
	"         Names over 11 characters need interface altnames (Linux 5.8+; nspawn hashes\n"
	"         ve-NAME then); '_' and a trailing '-' are refused (nspawn takes neither).\n"
	"destroy  Refuse a declarative container (conf not writable); terminate it if it\n"
	"         runs; remove profile, GC roots, root (mounts below detached first, immutable\n"
	"         flags cleared, no other file system entered), runtime files, conf.\n"
	"start    systemd: `systemctl start container@NAME`. Else: container-prestart NAME;\n"
	"         container-start NAME detached (own session, cgroup ncbox/NAME, output to\n"
	"         RUN_DIR/NAME.log); once nspawn reports the container running\n"
	"         (X_NSPAWN_LEADER_PID on NOTIFY_SOCKET), container-poststart NAME. The applets\n"
	"         get PATH, NCBOX_*, SYSTEMD_* and INSTANCE only. --timeout: 60 s.\n"
	"stop     systemd: `systemctl stop container@NAME`. Else SIGTERM to nspawn (it sends\n"
	"         SIGRTMIN+3 on); after --timeout (90 s) SIGKILL to the container, then to\n"
	"         nspawn; its cgroup, state and veths are removed.\n"
	"restart  stop, then start.\n"
	"terminate  systemd: the leader from `machinectl show NAME -p Leader`, `machinectl\n"
	"         terminate NAME`, then wait until the leader is gone. Else SIGKILL at once.\n"
	"status   up, down, or starting while it starts (systemd: ActiveState activating;\n"
	"         else a start under way); missing conf: gone. --json: {name, status, leader}.\n"
	"update   Rebuild from --config, --config-file, --flake, --system-path or the conf's\n"
	"         FLAKE, as create; if it runs, `reloading container...` and `systemctl reload`,\n"
	"         or without systemd SYSTEM_PATH/bin/switch-to-configuration test in it.\n"
	"login    systemd: `machinectl login -- NAME`; else the container's `login`.\n"
	"root-login  root's login shell in the container, as run starts commands.\n"
	"run      Join the namespaces of the container's init that differ (setns: user,\n"
	"         cgroup, ipc, uts, net, pid, time, mnt, root) and its cgroup (so it cannot\n"
	"         hold teardown up); as `su root -l`: only HOME SHELL USER LOGNAME PATH TERM,\n"
	"         the home dir, root's shell from /etc/passwd (else /bin/sh) as a login shell\n"
	"         running `exec \"$@\"` with COMMAND ARGS as its arguments (never parsed);\n"
	"         with no shell, COMMAND from PATH. Leader: machinectl, else the state file.\n"
	"show-ip  LOCAL_ADDRESS, else LOCAL_ADDRESS6, without prefix.\n"
	"show-host-key  ROOT/etc/ssh/ssh_host_ed25519_key.pub, else the ecdsa one, resolved\n"
	"         inside ROOT as the container would (a symlink never leads to the host's).\n"
	"\n"
	"Passed to nix-env and nix build: --log-format X, --option N V, --impure,\n"
	"--update-input X, --override-input I R, --commit-lock-file, --no-registries,\n"
	"--no-update-lock-file, --no-write-lock-file, --no-allow-dirty, --recreate-lock-file.\n"
	"--signal is ignored, as by the Perl tool.\n"
	"\n"
	"Errors: one line, `nixos-container: COMMAND: NAME: what failed`. Exit: 0 ok, 1 failed,\n"
	"2 usage, 3 bad conf or name, 5 no such container (status prints gone too), 6 create:\n"
	"exists; run: COMMAND's status, 128+signal, 126/127 not executable/found.\n";

#define LOCK_PATH "/run/lock/nixos-container"
#define START_TIMEOUT_MS 60000
#define STOP_TIMEOUT_MS 90000
#define LOGIN_PATH "/run/wrappers/bin:/root/.nix-profile/bin:/nix/var/nix/profiles/default/bin:" \
		   "/run/current-system/sw/bin:/nix/var/nix/profiles/system/sw/bin:" \
		   "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The command line (common/ncargs.c). */
static struct nc_args o = { .timeout_ms = -1 };

/* Where a container's things are. */
static struct {
	char *conf, *root, *profile, *system, *gcroots, *state, *log, *nixos_config;
	char *journal; /* CONF_DIR/.NAME.creating: a create under way, or one that died */
	int systemd;
} p;

/* ---- messages ---- */

static void vmsg(int code, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (o.name)
		warn_msg("%s: %s: %s", o.cmd, msg_esc(o.name), buf);
	else
		warn_msg("%s: %s", o.cmd ? o.cmd : "nixos-container", buf);
	if (code >= 0)
		exit(code);
}

/* "nixos-container: COMMAND: NAME: what failed", then exit CODE. */
static noreturn void fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static noreturn void fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(code, fmt, ap);
	va_end(ap);
	exit(code);
}

static void warnc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warnc(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(-1, fmt, ap);
	va_end(ap);
}

/* "STEP: OBJECT: strerror(errno)" */
static noreturn void fail_sys(const char *step, const char *obj)
{
	int e = errno;

	fail(EXIT_FAIL, "%s: %s: %s", step, msg_esc(obj), strerror(e));
}

/* ---- paths and files ---- */

static void set_paths(const char *name)
{
	free(p.conf), free(p.root), free(p.profile), free(p.gcroots), free(p.state), free(p.log);
	free(p.nixos_config), free(p.system), free(p.journal);
	p.conf = xasprintf("%s/%s.conf", config_dir(), name);
	p.journal = xasprintf("%s/.%s.creating", config_dir(), name);
	p.root = xasprintf("%s/%s", state_dir(), name);
	p.profile = xasprintf("%s/profiles/per-container/%s", nix_state_dir(), name);
	p.gcroots = xasprintf("%s/gcroots/per-container/%s", nix_state_dir(), name);
	p.state = xasprintf("%s/%s.state", run_dir(), name);
	p.log = xasprintf("%s/%s.log", run_dir(), name);
	p.nixos_config = xasprintf("%s/etc/nixos/configuration.nix", p.root);
	p.system = xasprintf("%s/system", p.profile);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The profile dir is a directory of its own, not a symlink: nix-env writes into it, and
 * container-start binds it into the container read-write. */
static int profile_linked(void)
{
	struct stat st;

	return lstat(p.profile, &st) == 0 && !S_ISDIR(st.st_mode) && (errno = ELOOP);
}

/* ---- systemd ---- */

/* `PROG ARGS...` with its output; dies naming the step when it cannot run. */
static int capture(char **out, char *const argv[])
{
	int rc = run_capture(argv, out, 0);

	if (rc < 0)
		fail(EXIT_FAIL, "run %s: %s", argv[0], strerror(errno));
	return rc;
}

/* The value of KEY in "KEY=VALUE" lines of S, or NULL (a pointer into S, cut at the line end). */
static char *show_value(char *s, const char *key)
{
	size_t kl = strlen(key);

	for (char *l = s; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == '=') {
			l[kl + 1 + strcspn(l + kl + 1, "\n")] = 0;
			return l + kl + 1;
		}
	return NULL;
}

static const char *sd_status_of(const char *active)
{
	if (!active)
		return "down";
	if (!strcmp(active, "activating"))
		return "starting";
	return !strcmp(active, "active") || !strcmp(active, "reloading") ? "up" : "down";
}

/* The unit's ActiveState, into BUF. */
static const char *sd_active_state(char *buf, size_t len)
{
	char *unit = xasprintf("container@%s.service", o.name), *out, *v;
	char *argv[] = { "systemctl", "show", "-p", "ActiveState", unit, NULL };

	capture(&out, argv);
	v = show_value(out, "ActiveState");
	snprintf(buf, len, "%s", v ? v : "");
	free(out);
	free(unit);
	return buf;
}

static const char *sd_status(void)
{
	char buf[32];

	return sd_status_of(sd_active_state(buf, sizeof(buf)));
}

/* `systemctl VERB container@NAME`; dies with WHAT when it fails. */
static void sd_unit(const char *verb, const char *what)
{
	char *unit = xasprintf("container@%s.service", o.name);
	char *argv[] = { "systemctl", (char *)verb, unit, NULL };
	int rc = run_wait(argv, 0);

	if (rc < 0)
		fail(EXIT_FAIL, "%s (run systemctl: %s)", what, strerror(errno));
	if (rc)
		fail(EXIT_FAIL, "%s (systemctl %s %s exited with status %d)", what, verb, unit, rc);
	free(unit);
}

static pid_t sd_leader(int must)
{
	char *argv[] = { "machinectl", "show", (char *)o.name, "-p", "Leader", NULL }, *out, *v, *end;
	int rc = run_capture(argv, &out, 1);
	long pid = 0;

	if (rc == 0 && (v = show_value(out, "Leader")))
		pid = strtol(v, &end, 10), pid = *end || pid <= 0 ? 0 : pid;
	free(out);
	if (!pid && must) {
		if (rc < 0)
			fail(EXIT_FAIL, "unable to get container's main PID (run machinectl: %s)", strerror(errno));
		fail(EXIT_FAIL, "unable to get container's main PID (machinectl show %s -p Leader %s %d)", o.name,
		     rc ? "exited with status" : "said no PID, status", rc);
	}
	return (pid_t)pid;
}

/* Confs read for list and create, kept to the end. */
static struct conf *parsed;

/* ---- the state of a container started without systemd ---- */

struct state {
	char phase[16];
	pid_t starter, nspawn, leader;
	unsigned long long starter_t, nspawn_t, leader_t;
};

static int state_read(const char *path, struct state *s)
{
	struct conf c = { 0 };
	char err[256], *buf;
	size_t len;
	int ok;

	memset(s, 0, sizeof(*s));
	if (!(buf = read_file(path, 65536, &len)))
		return 0;
	ok = envfile_parse(&c, path, buf, len, err, sizeof(err)) == 0;
	free(buf);
	if (ok) {
		static const struct {
			const char *key;
			size_t pid, t;
		} f[] = {
			{ "STARTER", offsetof(struct state, starter), offsetof(struct state, starter_t) },
			{ "NSPAWN", offsetof(struct state, nspawn), offsetof(struct state, nspawn_t) },
			{ "LEADER", offsetof(struct state, leader), offsetof(struct state, leader_t) },
		};
		const char *v = conf_file_get(&c, "STATE");

		snprintf(s->phase, sizeof(s->phase), "%s", v ? v : "");
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			char key[32];

			snprintf(key, sizeof(key), "%s_PID", f[i].key);
			v = conf_file_get(&c, key);
			*(pid_t *)((char *)s + f[i].pid) = v ? (pid_t)strtol(v, NULL, 10) : 0;
			snprintf(key, sizeof(key), "%s_START", f[i].key);
			v = conf_file_get(&c, key);
			*(unsigned long long *)((char *)s + f[i].t) = v ? strtoull(v, NULL, 10) : 0;
		}
	}
	conf_free(&c);
	return ok;
}

static void state_write(const struct state *s)
{
	char *text = xasprintf("STATE=%s\nSTARTER_PID=%d\nSTARTER_START=%llu\nNSPAWN_PID=%d\nNSPAWN_START=%llu\n"
			       "LEADER_PID=%d\nLEADER_START=%llu\n",
			       s->phase, (int)s->starter, s->starter_t, (int)s->nspawn, s->nspawn_t, (int)s->leader,
			       s->leader_t);

	if (mkdir_p(run_dir(), 0700) < 0 || write_atomic(p.state, text, strlen(text), 0644, 0) < 0)
		fail_sys("write state", p.state);
	free(text);
}

/* up, down or starting, read from the processes the state file names. */
static const char *direct_status(const struct state *s)
{
	if (!strcmp(s->phase, "starting") && proc_same(s->starter, s->starter_t))
		return "starting";
	return proc_same(s->nspawn, s->nspawn_t) ? "up" : "down";
}

static const char *status_of(void)
{
	struct state s;

	if (p.systemd)
		return sd_status();
	state_read(p.state, &s);
	return direct_status(&s);
}

/* The container's cgroup in each hierarchy nspawn uses (NULL where there is none). */
static void cgroups(char *cg[2])
{
	char *v2, *v1;

	cg_roots(&v2, &v1);
	cg[0] = v2 ? xasprintf("%s/ncbox/%s", v2, o.name) : NULL;
	cg[1] = v1 ? xasprintf("%s/ncbox/%s", v1, o.name) : NULL;
	free(v2);
	free(v1);
}

/* ---- running the applets as the unit runs them ---- */

/* The environment the unit would give: PATH, NCBOX_*, SYSTEMD_*, INSTANCE, and EXTRA. */
static char **unit_env(const char *extra)
{
	extern char **environ;
	struct strv env = { 0 };

	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "PATH=", 5) || !strncmp(*e, "NCBOX_", 6) || !strncmp(*e, "SYSTEMD_", 8))
			strv_push(&env, xstrdup(*e));
	if (!getenv("PATH"))
		strv_push(&env, xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	strv_pushf(&env, "INSTANCE=%s", o.name);
	if (extra)
		strv_push(&env, xstrdup(extra));
	return env.v;
}

/* Run APPLET NAME from this very binary; its exit code (128+signal), or -1 with errno. */
static int run_applet(const char *applet_name)
{
	char *argv[] = { (char *)applet_name, (char *)o.name, NULL }, **env = unit_env(NULL);
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve("/proc/self/exe", argv, env);
		_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void applet_step(const char *applet_name)
{
	int rc = run_applet(applet_name);

	if (rc < 0)
		fail(EXIT_FAIL, "run %s: %s", applet_name, strerror(errno));
	if (rc)
		fail(EXIT_FAIL, "%s exited with status %d", applet_name, rc);
}

/* ---- waiting ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to MS for process PID (started at START) to be gone: 1 when it is. */
static int wait_gone(pid_t pid, unsigned long long start, int ms)
{
	long long end = now_ms() + ms;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	/* a pidfd wakes us the moment it exits; otherwise look every 10 ms */
	if (fd >= 0 && !proc_same(pid, start)) {
		close(fd);
		return 1;
	}
	while (proc_same(pid, start)) {
		long long left = end - now_ms();

		if (left <= 0) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		if (fd >= 0) {
			struct pollfd pfd = { fd, POLLIN, 0 };

			poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		} else {
			usleep(10000);
		}
	}
	if (fd >= 0)
		close(fd);
	return 1;
}

/* ---- stop and start without systemd ---- */

/* Hold the container's conf locked (start, stop, destroy one at a time); dies when the
 * conf went away meanwhile. */
static int lock_conf(void)
{
	int fd = open(p.conf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat a, b;

	if (fd < 0) {
		if (errno == ENOENT)
			fail(EXIT_NOCONTAINER, "container '%s' does not exist", o.name);
		fail_sys("lock", p.conf);
	}
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			fail_sys("lock", p.conf);
	if (fstat(fd, &a) < 0 || stat(p.conf, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		fail(EXIT_NOCONTAINER, "container '%s' does not exist", o.name);
	return fd;
}

/* What a stopped container leaves: its cgroups, the state file, and (VETHS) its veths: a
 * netns goes away in the background, so container-prestart removes them now. */
static int cleanup_direct(int veths)
{
	char *cg[2];
	int rc = 0;

	cgroups(cg);
	for (int i = 0; i < 2; i++) {
		if (!cg[i])
			continue;
		if (cg_remove(cg[i]) < 0)
			warnc("remove cgroup: %s: %s", msg_esc(cg[i]), strerror(errno)), rc = -1;
		/* the parent ncbox/ goes when it is empty: another container may still be in it */
		*strrchr(cg[i], '/') = 0;
		rmdir(cg[i]);
		free(cg[i]);
	}
	if (unlink(p.state) < 0 && errno != ENOENT)
		warnc("remove %s: %s", msg_esc(p.state), strerror(errno)), rc = -1;
	if (veths && exists(p.conf)) {
		int r = run_applet("container-prestart");

		if (r)
			warnc("container-prestart exited with status %d", r), rc = -1;
	}
	return rc;
}

/* Kill every process of the container: its payload first, so that nspawn can still tear
 * down, then nspawn itself when it does not go. */
static void kill_all(const struct state *s)
{
	char *cg[2], *payload;
	int done = 0;

	cgroups(cg);
	for (int i = 0; i < 2 && !done; i++) {
		if (!cg[i])
			continue;
		payload = xasprintf("%s/payload", cg[i]);
		done = cg_populated(payload) && cg_kill(payload) == 0;
		free(payload);
	}
	if (!done && proc_same(s->leader, s->leader_t))
		kill(s->leader, SIGKILL);
	if (!wait_gone(s->nspawn, s->nspawn_t, 5000)) {
		done = 0;
		for (int i = 0; i < 2 && !done; i++)
			done = cg[i] && cg_kill(cg[i]) == 0;
		if (!done && proc_same(s->nspawn, s->nspawn_t))
			kill(s->nspawn, SIGKILL);
		wait_gone(s->nspawn, s->nspawn_t, 5000);
	}
	free(cg[0]);
	free(cg[1]);
}

static int stop_direct(int force)
{
	int lock = lock_conf(), ms = o.timeout_ms >= 0 ? o.timeout_ms : STOP_TIMEOUT_MS, rc;
	struct state s;
	char *cg[2];

	state_read(p.state, &s);
	if (proc_same(s.nspawn, s.nspawn_t)) {
		if (!force && kill(s.nspawn, SIGTERM) < 0 && errno != ESRCH)
			fail_sys("send SIGTERM to systemd-nspawn", "nspawn");
		if (force || !wait_gone(s.nspawn, s.nspawn_t, ms))
			kill_all(&s);
		if (proc_same(s.nspawn, s.nspawn_t))
			fail(EXIT_FAIL, "systemd-nspawn (PID %d) is still there after SIGKILL", (int)s.nspawn);
	}
	/* nspawn is gone; whatever joined the container goes with its PID namespace */
	cgroups(cg);
	for (int i = 0; i < 2; i++) {
		long long end = now_ms() + 5000;

		while (cg[i] && cg_populated(cg[i]) && now_ms() < end) {
			cg_kill(cg[i]);
			usleep(10000);
		}
		free(cg[i]);
	}
	rc = cleanup_direct(1);
	close(lock);
	return rc ? EXIT_FAIL : 0;
}

/* The last non-empty line of the log, for a message (escaped, static). */
static const char *log_tail(void)
{
	char buf[4097], *e, *b;
	int fd = open(p.log, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	if (fd >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);

		if (lseek(fd, size > 4096 ? size - 4096 : 0, SEEK_SET) >= 0)
			n = read(fd, buf, 4096);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	for (e = buf + strlen(buf); e > buf && (e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	*e = 0;
	b = strrchr(buf, '\n');
	return msg_esc(b ? b + 1 : buf);
}

/* The start failed after nspawn was started: take it down again, and say so. */
static noreturn void start_failed(struct state *s, pid_t child, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static noreturn void start_failed(struct state *s, pid_t child, const char *fmt, ...)
{
	char what[512];
	const char *tail;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (child > 0) {
		s->nspawn = child;
		s->nspawn_t = s->nspawn_t ? s->nspawn_t : proc_start_time(child);
		kill_all(s);
		waitpid(child, NULL, WNOHANG);
	}
	cleanup_direct(1);
	tail = log_tail();
	fail(EXIT_FAIL, "%s%s%s (log: %s)", what, *tail ? ": " : "", tail, msg_esc(p.log));
}

/* Read one notification from nspawn (CHILD) on FD: the leader's PID once it is there. */
static pid_t read_notify(int fd, pid_t child)
{
	char buf[4096], ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	pid_t sender = 0;

	if (n <= 0)
		return 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			sender = uc.pid;
		}
	/* only nspawn's own word counts: anyone in this network namespace could write here */
	if (sender != child)
		return 0;
	buf[n] = 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, "X_NSPAWN_LEADER_PID=", 20))
			return (pid_t)strtol(l + 20, NULL, 10);
	return 0;
}

static int start_direct(void)
{
	int lock = lock_conf(), ms = o.timeout_ms >= 0 ? o.timeout_ms : START_TIMEOUT_MS, sock, logfd, n = 0;
	int cgfd[2] = { -1, -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct state s;
	char *cg[2], *notify, **env;
	long long end;
	pid_t child;

	state_read(p.state, &s);
	if (strcmp(direct_status(&s), "down")) {
		close(lock);
		return 0;
	}
	/* what an earlier run may have left (its veths: container-prestart, below), then a
	 * fresh state: starting, by us */
	cleanup_direct(0);
	memset(&s, 0, sizeof(s));
	strcpy(s.phase, "starting");
	s.starter = getpid();
	s.starter_t = proc_start_time(s.starter);
	state_write(&s);

	applet_step("container-prestart");

	/* nspawn --keep-unit stays in the cgroup it is started in, and puts itself and the
	 * container into supervisor/ and payload/ below it: each container needs its own. */
	cgroups(cg);
	for (int i = 0; i < 2; i++) {
		char *procs;

		if (!cg[i])
			continue;
		/* a stop elsewhere may remove the shared parent meanwhile: try again then */
		for (int try = 0; mkdir_p(cg[i], 0755) < 0; try++)
			if (errno != ENOENT || try == 3)
				fail_sys("make cgroup", cg[i]);
		procs = xasprintf("%s/cgroup.procs", cg[i]);
		if ((cgfd[n++] = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
			fail_sys("open", procs);
		free(procs);
		free(cg[i]);
	}

	/* nspawn says on NOTIFY_SOCKET when the container runs: an abstract socket, no file */
	notify = xasprintf("@ncbox/%s/%d", o.name, (int)getpid());
	memcpy(sa.sun_path + 1, notify + 1, strlen(notify) - 1);
	if ((sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(notify))) < 0)
		fail_sys("make notify socket", notify);
	if ((logfd = open(p.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640)) < 0)
		fail_sys("open log", p.log);
	env = unit_env(xasprintf("NOTIFY_SOCKET=%s", notify));

	if ((child = fork()) < 0)
		fail_sys("fork", "container-start");
	if (child == 0) {
		char *argv[] = { "container-start", (char *)o.name, NULL };
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setsid();
		dup2(null, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		for (int i = 0; i < n; i++)
			if (write(cgfd[i], "0", 1) != 1) {
				warnc("join cgroup: %s", strerror(errno));
				_exit(EXIT_FAIL);
			}
		execve("/proc/self/exe", argv, env);
		warnc("run container-start: %s", strerror(errno));
		_exit(EXIT_NOEXEC);
	}
	for (int i = 0; i < n; i++)
		close(cgfd[i]);
	close(logfd);
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	free(notify);
	s.nspawn = child;
	s.nspawn_t = proc_start_time(child);

	end = now_ms() + ms;
	while (!s.leader) {
		struct pollfd pfd = { sock, POLLIN, 0 };
		long long left = end - now_ms();
		int status;

		if (left <= 0)
			start_failed(&s, child, "timed out after %d ms waiting for systemd-nspawn", ms);
		if (poll(&pfd, 1, left > 100 ? 100 : (int)left) > 0)
			s.leader = read_notify(sock, child);
		if (!s.leader && waitpid(child, &status, WNOHANG) == child)
			start_failed(&s, 0, "container-start exited with status %d before the container ran",
				     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(sock);
	/* container-start execs nspawn in the same process: nspawn's start time is the one
	 * read after the fork */
	s.leader_t = proc_start_time(s.leader);
	state_write(&s);

	int rc = run_applet("container-poststart");

	if (rc)
		start_failed(&s, child, "container-poststart exited with status %d", rc);
	strcpy(s.phase, "up");
	state_write(&s);
	close(lock);
	return 0;
}

/* ---- entering a container ---- */

static pid_t leader_pid(void)
{
	struct state s;

	if (p.systemd)
		return sd_leader(1);
	state_read(p.state, &s);
	if (!proc_same(s.nspawn, s.nspawn_t) || !proc_same(s.leader, s.leader_t))
		fail(EXIT_FAIL, "unable to get container's main PID (it is not running)");
	return s.leader;
}

/* root's home and shell from the container's /etc/passwd. */
static void root_account(char **home, char **shell)
{
	char *pw = read_file("/etc/passwd", 4 << 20, NULL), *l;

	*home = xstrdup("/root");
	*shell = xstrdup("/bin/sh");
	for (l = pw; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *f[7], *q = l;
		int i;

		if (strncmp(l, "root:", 5))
			continue;
		l[strcspn(l, "\n")] = 0;
		for (i = 0; i < 7 && q; i++) {
			f[i] = q;
			if ((q = strchr(q, ':')))
				*q++ = 0;
		}
		if (i == 7 && *f[5])
			free(*home), *home = xstrdup(f[5]);
		if (i == 7 && *f[6])
			free(*shell), *shell = xstrdup(f[6]);
		break;
	}
	free(pw);
}

/* In the container: become root as `su root -l` would, then run CMD (NULL: the login
 * shell) through root's login shell, or with NOSHELL straight from PATH. Never returns. */
static noreturn void exec_login(char **cmd, int noshell)
{
	extern char **environ;
	const char *term = getenv("TERM");
	/* static: a failed exec ends in _exit, and what it allocated must still be reachable */
	static char *home, *shell, **argv;
	static struct strv env;
	char *base;
	size_t n = 0;

	root_account(&home, &shell);
	strv_pushf(&env, "HOME=%s", home);
	strv_pushf(&env, "SHELL=%s", shell);
	strv_push(&env, xstrdup("USER=root"));
	strv_push(&env, xstrdup("LOGNAME=root"));
	strv_push(&env, xstrdup("PATH=" LOGIN_PATH));
	if (term)
		strv_pushf(&env, "TERM=%s", term);
	environ = env.v;
	if (chdir(home) < 0 && chdir("/") < 0)
		warnc("cd %s: %s", msg_esc(home), strerror(errno));
	while (cmd && cmd[n])
		n++;
	argv = xmalloc((n + 5) * sizeof(*argv));
	base = strrchr(shell, '/');
	if (!noshell && access(shell, X_OK) == 0) {
		/* a login shell ("-sh") reads the profile; "$@" is COMMAND and ARGS, unparsed */
		argv[0] = xasprintf("-%s", base ? base + 1 : shell);
		if (cmd) {
			argv[1] = "-c";
			argv[2] = "exec \"$@\"";
			argv[3] = cmd[0];
			memcpy(argv + 4, cmd, (n + 1) * sizeof(*argv));
		} else {
			argv[1] = NULL;
		}
		execv(shell, argv);
		warnc("run %s: %s", msg_esc(shell), strerror(errno));
		_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	if (!cmd) {
		warnc("no login shell in the container: %s: %s", msg_esc(shell), strerror(errno));
		_exit(EXIT_NOTFOUND);
	}
	execvp(cmd[0], cmd);
	warnc("run %s: %s", msg_esc(cmd[0]), strerror(errno));
	_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

static pid_t run_child;

static void forward(int sig)
{
	if (run_child > 0)
		kill(run_child, sig);
}

/* Run CMD (NULL: a login shell) in the container whose init is LEADER, as exec_login()
 * does; its exit status. */
static int enter_run(pid_t leader, char **cmd, int noshell)
{
	unsigned long long t = proc_start_time(leader);
	int cgfd[16], ncg, status;
	struct ns_set ns;
	const char *where;
	char *cgwhere;
	sigset_t block, old;

	if (ns_open(leader, &ns, &where) < 0)
		fail_sys("open namespaces of the container's init", where);
	if ((ncg = cg_open_procs_of(leader, cgfd, 16, &cgwhere)) < 0)
		fail_sys("open the container's cgroup", cgwhere ? cgwhere : "cgroup");
	/* the files opened are the container's only if its init is still the same process */
	if (!proc_same(leader, t))
		fail(EXIT_FAIL, "unable to get container's main PID (its init (PID %d) exited)", (int)leader);
	if (ns_enter_for_children(&ns, 0, &where) < 0)
		fail(EXIT_FAIL, "enter %s namespace: %s", where, strerror(errno));
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if ((run_child = fork()) < 0)
		fail_sys("fork", "run");
	if (run_child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* first the cgroup, while the host's view still holds: then the namespaces */
		for (int i = 0; i < ncg; i++)
			if (write(cgfd[i], "0", 1) != 1) {
				warnc("join the container's cgroup: %s", strerror(errno));
				_exit(EXIT_FAIL);
			}
		if (ns_enter(&ns, &where) < 0) {
			warnc("enter %s namespace: %s", where, strerror(errno));
			_exit(EXIT_FAIL);
		}
		exec_login(cmd, noshell);
	}
	/* back to our own PID namespace: nothing else of ours is to live in the container's */
	if (ns_enter_for_children(&ns, 1, &where) < 0)
		warnc("leave %s namespace: %s", where, strerror(errno));
	for (int i = 0; i < ncg; i++)
		close(cgfd[i]);
	ns_close(&ns);
	/* ^C and ^\ are for the command; a TERM or HUP to us is passed on to it */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(run_child, &status, 0) < 0)
		if (errno != EINTR)
			fail_sys("wait for", "run");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- Nix ---- */

/* Append copies of the strings, up to a NULL, to A. */
static void push_all(struct strv *a, ...)
{
	const char *arg;
	va_list ap;

	va_start(ap, a);
	while ((arg = va_arg(ap, const char *)))
		strv_push(a, xstrdup(arg));
	va_end(ap);
}

static void nix_argv_add_flags(struct strv *a)
{
	for (size_t i = 0; i < o.nix.n; i++)
		strv_push(a, xstrdup(o.nix.v[i]));
	for (size_t i = 0; i < o.nix2.n; i++)
		strv_push(a, xstrdup(o.nix2.v[i]));
}

/* Run a Nix command: its exit code; -1 with errno when it could not start. */
static int nix_run(struct strv *a)
{
	int rc = run_wait(a->v, 0);

	strv_free(a);
	return rc;
}

/* The profile links nix-env makes, for a host without nix-env: system-N-link -> PATH with
 * N one more than the newest, then system -> system-N-link. */
static int profile_links(const char *path)
{
	DIR *d = opendir(p.profile);
	struct dirent *de;
	long gen = 0;
	char *link;
	int rc;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long g;

		if (strncmp(de->d_name, "system-", 7))
			continue;
		g = strtol(de->d_name + 7, &end, 10);
		if (end != de->d_name + 7 && !strcmp(end, "-link") && g > gen)
			gen = g;
	}
	closedir(d);
	link = xasprintf("%s-%ld-link", p.system, gen + 1);
	rc = symlink_atomic(path, link);
	if (rc == 0)
		rc = symlink_atomic(strrchr(link, '/') + 1, p.system);
	free(link);
	return rc;
}

/* nix-env -p PROFILE/system --set PATH; the links ourselves where there is no nix-env. */
static int set_system(const char *path)
{
	struct strv a = { 0 };
	char *prog = find_program("nix-env");

	if (!prog)
		return profile_links(path) < 0 ? -1 : 0;
	free(prog);
	push_all(&a, "nix-env", "-p", p.system, "--set", path, NULL);
	return nix_run(&a);
}

/* REF#ATTR into REF and ATTR (default "container"), as the Perl tool splits it. */
static void flake_split(const char *flake, char **ref, char **attr)
{
	const char *h = strrchr(flake, '#');

	if (h && h[1] && !strchr(h + 1, '"')) {
		*ref = xstrndup(flake, (size_t)(h - flake));
		*attr = xstrdup(h + 1);
	} else {
		*ref = xstrdup(flake);
		*attr = xstrdup("container");
	}
}

/* nix build of the flake's system into *PATH (malloc'd): 0, else a message in WHY. */
static int build_flake(const char *flake, char **path, char *why, size_t len)
{
	char *ref, *attr, *out = xasprintf("%s/.build-result", p.profile);
	struct strv a = { 0 };
	int rc;

	flake_split(flake, &ref, &attr);
	push_all(&a, "nix", "build", "-o", out, NULL);
	nix_argv_add_flags(&a);
	push_all(&a, "--", NULL);
	strv_pushf(&a, "%s#nixosConfigurations.\"%s\".config.system.build.toplevel", ref, attr);
	unlink(out);
	rc = nix_run(&a);
	if (rc < 0)
		snprintf(why, len, "failed to build container from flake '%s' (run nix: %s)", msg_esc(flake),
			 strerror(errno));
	else if (rc)
		snprintf(why, len, "failed to build container from flake '%s' (nix build exited with status %d)",
			 msg_esc(flake), rc);
	else if (!(*path = realpath(out, NULL)))
		snprintf(why, len, "failed to build container from flake '%s' (no result: %s)", msg_esc(flake),
			 strerror(errno)), rc = -1;
	unlink(out);
	free(out);
	free(ref);
	free(attr);
	return rc;
}

static void will_make(const char *path);

/* ROOT/etc/nixos, opened without following a symlink: the container owns what is in its
 * root, and a link it planted there must not turn our write (or nix-env's read) onto the
 * host. MAKE: missing directories are made, and with MAKE 2 named to create's journal
 * first. -1 with errno (ELOOP, ENOTDIR: a symlink). */
static int nixos_dir(int make)
{
	int fd = open(p.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), nfd, e;

	for (int i = 0; fd >= 0 && i < 2; i++) {
		const char *part = i ? "nixos" : "etc";

		nfd = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && make) {
			if (make > 1) {
				char *path = xasprintf("%s/etc%s", p.root, i ? "/nixos" : "");

				will_make(path);
				free(path);
			}
			if (mkdirat(fd, part, 0755) == 0 || errno == EEXIST)
				nfd = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		e = errno;
		close(fd);
		fd = nfd;
		errno = e;
	}
	return fd;
}

/* ROOT/etc/nixos/configuration.nix, as the Perl tool writes it (MAKE: as nixos_dir()). */
static int write_nixos_config(int make)
{
	char *extra = xstrdup(""), *text, path[48];
	struct stat st;
	int rc, dfd, e;

	if (o.config && *o.config) {
		free(extra);
		extra = xstrdup(o.config);
	} else if (o.config_file && *o.config_file) {
		char *abs = realpath(o.config_file, NULL);

		if (!abs)
			fail_sys("resolve --config-file", o.config_file);
		free(extra);
		if (strspn(abs, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/") == strlen(abs)) {
			extra = xasprintf("imports = [ %s ];", abs);
		} else {
			/* a path literal cannot hold this one: a string appended to / can */
			struct strv q = { 0 };
			char *e = env_value(abs);

			if (*e != '"')
				strv_pushf(&q, "\"%s\"", e);
			else
				strv_push(&q, xstrdup(e));
			extra = xasprintf("imports = [ (/. + %s) ];", q.v[0]);
			strv_free(&q);
			free(e);
		}
		free(abs);
	}
	text = xasprintf("{ config, lib, pkgs, ... }:\n\n"
			 "{ boot.isContainer = true;\n"
			 "  networking.hostName = lib.mkDefault \"%s\";\n"
			 "  networking.useDHCP = false;\n"
			 "  %s\n"
			 "}\n",
			 o.name, extra);
	if ((dfd = nixos_dir(make)) >= 0 && make > 1 && fstatat(dfd, "configuration.nix", &st, AT_SYMLINK_NOFOLLOW) < 0)
		will_make(p.nixos_config);
	/* through the directory opened: no symlink on the way is followed */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/configuration.nix", dfd);
	rc = dfd < 0 || write_atomic(path, text, strlen(text), 0644, 0) < 0 ? -1 : 0;
	e = errno;
	if (dfd >= 0)
		close(dfd);
	free(extra);
	free(text);
	errno = e;
	return rc;
}

/* nix-env -p PROFILE/system -I nixos-config=FILE -f NIXOS --set -A system FLAGS */
static int build_nixos(const char *file)
{
	struct strv a = { 0 };
	struct stat st;
	int dfd = nixos_dir(0);

	if (dfd < 0 && errno != ENOENT)
		return -1;
	if (dfd >= 0) {
		int link = fstatat(dfd, "configuration.nix", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);

		close(dfd);
		if (link)
			return errno = ELOOP, -1;
	}

	char *cfg = xasprintf("nixos-config=%s", file);

	push_all(&a, "nix-env", "-p", p.system, "-I", cfg, "-f", o.nixos_path ? o.nixos_path : "<nixpkgs/nixos>",
		 "--set", "-A", "system", NULL);
	free(cfg);
	nix_argv_add_flags(&a);
	return nix_run(&a);
}

/* ---- create ---- */

/* The IPv4 ranges the confs use: [lo, hi], with the conf's name. */
struct used {
	uint32_t lo, hi;
	const char *conf;
};
static struct used *used;
static size_t n_used;

static void use(const struct ipaddr *a, const char *conf)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const unsigned char *b = a->bytes;
	int prefix = a->prefix;
	uint32_t v, mask;

	if (a->family == AF_INET6) {
		if (memcmp(b, mapped, 12))
			return;
		b += 12;
		prefix = prefix < 0 ? -1 : prefix < 96 ? 0 : prefix - 96;
	} else if (a->family != AF_INET) {
		return;
	}
	v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	mask = prefix < 0 || prefix >= 32 ? 0xffffffffu : prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
	used = xrealloc(used, (n_used + 1) * sizeof(*used));
	used[n_used++] = (struct used){ v & mask, v | ~mask, conf };
}

static void use_value(const char *val, const char *conf)
{
	struct ipaddr a;
	const char *why;

	if (val && *val && addr_parse(val, AF_UNSPEC, &a, &why) == 0)
		use(&a, conf);
}

static int is_podman_conf(const char *dir, const char *stem)
{
	const char *base = strrchr(dir, '/');

	return !strcmp(base ? base + 1 : dir, "containers") &&
	       (!strcmp(stem, "libpod") || !strcmp(stem, "containers") || !strcmp(stem, "registries"));
}

/* The container names in the config dir, sorted. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void conf_names(struct strv *out)
{
	const char *dir = config_dir();
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return;
		fail_sys("read config dir", dir);
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".conf"))
			continue;
		de->d_name[n - 5] = 0;
		if (!is_podman_conf(dir, de->d_name))
			strv_push(out, xstrdup(de->d_name));
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

/* Every address in every conf. One buffer and openat() for all: with a thousand confs this
 * is most of create's time. */
static struct strv confs;

static void read_used(void)
{
	static const char *keys[] = { "HOST_ADDRESS", "LOCAL_ADDRESS", "HOST_ADDRESS6", "LOCAL_ADDRESS6" };
	const char *dir = config_dir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cap = 65536, len;
	static char *buf; /* a broken conf ends in fail(): still reachable then */
	char err[512], file[NAME_MAX_LEN + 8], path[4096];

	buf = xmalloc(cap);

	conf_names(&confs);
	/* kept to the end: freeing each would hand memory back and forth with the kernel */
	parsed = xmalloc((confs.n + 1) * sizeof(*parsed));
	memset(parsed, 0, (confs.n + 1) * sizeof(*parsed));
	for (size_t i = 0; i < confs.n; i++) {
		struct conf *cp = &parsed[i];
		const char *v, *name = confs.v[i];
		ssize_t n = 0;
		int fd;

		snprintf(file, sizeof(file), "%s.conf", name);
		if ((fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
			if (errno == ENOENT)
				continue;
			fail(EXIT_FAIL, "read %s/%s to find a free address: %s", msg_esc(dir), msg_esc(file),
			     strerror(errno));
		}
		/* a short read of a regular file is its end */
		for (len = 0;;) {
			if (len == cap)
				buf = xrealloc(buf, cap *= 2);
			if ((n = read(fd, buf + len, cap - len)) < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
			if (len < cap || len > CONF_MAX_SIZE)
				break;
		}
		close(fd);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (n < 0)
			fail(EXIT_FAIL, "read %s to find a free address: %s", msg_esc(path), strerror(errno));
		if (envfile_parse(cp, path, buf, len, err, sizeof(err)) < 0)
			fail(EXIT_CONFIG, "%s (every conf is read to find a free address)", err);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			use_value(conf_file_get(cp, keys[k]), name);
		if ((v = conf_file_get(cp, "EXTRA_VETHS"))) {
			struct veth *vv;
			size_t nv;

			if (veths_parse(v, &vv, &nv, err, sizeof(err)) == 0) {
				for (size_t k = 0; k < nv; k++) {
					use(&vv[k].host4, name);
					use(&vv[k].local4, name);
					use(&vv[k].host6, name);
					use(&vv[k].local6, name);
				}
				veths_free(vv, nv);
			}
		}
	}
	free(buf);
	if (dfd >= 0)
		close(dfd);
}

/* The conf that uses address V, or NULL. */
static const char *user_of(uint32_t v)
{
	for (size_t i = 0; i < n_used; i++)
		if (used[i].lo <= v && v <= used[i].hi)
			return used[i].conf;
	return NULL;
}

/* The user's --host-address/--local-address value VAL checked, as an IPv4 address. */
static uint32_t check_given(const char *opt, const char *val)
{
	struct ipaddr a;
	const char *why, *by;
	uint32_t v;

	if (addr_parse(val, AF_INET, &a, &why) < 0)
		die_usage("--%s '%s': %s", opt, msg_esc(val), why);
	v = (uint32_t)a.bytes[0] << 24 | (uint32_t)a.bytes[1] << 16 | (uint32_t)a.bytes[2] << 8 | a.bytes[3];
	if ((by = user_of(v)))
		fail(EXIT_FAIL, "address %s is in use by container '%s'", msg_esc(val), msg_esc(by));
	return v;
}

static int kernel_has_altnames(void)
{
	struct utsname u;
	char *end;
	long maj, min;

	if (uname(&u) < 0)
		return 0;
	maj = strtol(u.release, &end, 10);
	min = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
	return maj > 5 || (maj == 5 && min >= 8);
}

/* What create made, to be removed again when it fails, newest last; and its journal,
 * CONF_DIR/.NAME.creating: created and locked (flock) under the create lock, it holds the
 * conf to be (so that its addresses count for other creates) and, before each is made, a
 * MADE_N line naming what create makes. The conf is written last, then the journal goes:
 * a create killed at any point leaves either a whole container, or a journal nobody holds
 * that the next create or destroy finds and rolls back. */
static struct strv made;
static int journal = -1;

static int put(int fd, const char *s)
{
	for (size_t len = strlen(s); len;) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			s += n, len -= (size_t)n;
	}
	return 0;
}

static void remove_made(const struct strv *m)
{
	for (size_t i = m->n; i-- > 0;) {
		char *failed;

		if (remove_tree(m->v[i], &failed) < 0) {
			warnc("clean up: remove %s: %s", msg_esc(failed ? failed : m->v[i]), strerror(errno));
			free(failed);
		}
	}
}

static noreturn void create_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static noreturn void create_failed(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	remove_made(&made);
	unlink(p.journal);
	fail(EXIT_FAIL, "%s", what);
}

/* PATH is about to be made: into the journal first, so that a kill right after leaves no
 * trace the journal does not name. */
static void will_make(const char *path)
{
	char *v = env_value(path), *line = xasprintf("MADE_%zu=%s\n", made.n, v);

	strv_push(&made, xstrdup(path));
	if (put(journal, line) < 0)
		create_failed("write %s: %s", msg_esc(p.journal), strerror(errno));
	free(line);
	free(v);
}

/* mkdir -p DIR, the topmost directory it makes recorded first. */
static void mkdir_made(const char *dir, mode_t mode)
{
	char *top = NULL, *d = xstrdup(dir), *slash;

	while (!exists(d)) {
		free(top);
		top = xstrdup(d);
		if (!(slash = strrchr(d, '/')) || slash == d)
			break;
		*slash = 0;
	}
	free(d);
	if (top)
		will_make(top);
	free(top);
	if (mkdir_p(dir, mode) < 0)
		create_failed("make %s: %s", msg_esc(dir), strerror(errno));
}

/* Under the create lock, the journals in the config dir: one a create holds is a create
 * under way (its name is taken, its addresses are in use); one nobody holds is a create
 * that died, rolled back here: what its MADE_N lines name goes (only ever below that
 * container's own root or profile), unless its conf was written (it finished). */
static void journals(void)
{
	static struct strv live; /* names, kept: used[] points to them */
	const char *dir = config_dir();
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct conf c = { 0 };
		struct strv m = { 0 };
		char buf[65536], err[256], *name, *path, *root, *profile;
		ssize_t len = 0;
		int fd;

		if (de->d_name[0] != '.' || n <= 10 || strcmp(de->d_name + n - 9, ".creating"))
			continue;
		name = xstrndup(de->d_name + 1, n - 10);
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (fd >= 0 && (len = read(fd, buf, sizeof(buf) - 1)) < 0)
			len = 0;
		envfile_parse(&c, de->d_name, buf, (size_t)len, err, sizeof(err));
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
			static const char *keys[] = { "HOST_ADDRESS", "LOCAL_ADDRESS" };

			for (size_t k = 0; k < 2; k++)
				use_value(conf_file_get(&c, keys[k]), name);
			strv_push(&live, name);
		} else {
			const char *why;

			root = xasprintf("%s/%s", state_dir(), name);
			profile = xasprintf("%s/profiles/per-container/%s", nix_state_dir(), name);
			path = xasprintf("%s/%s.conf", dir, name);
			for (size_t i = 0; name_check(name, &why) == 0 && !exists(path); i++) {
				char key[32];
				const char *v;

				snprintf(key, sizeof(key), "MADE_%zu", i);
				if (!(v = conf_file_get(&c, key)))
					break;
				if ((path_under(v, root) || path_under(v, profile)) && !strstr(v, "/.."))
					strv_push(&m, xstrdup(v));
			}
			remove_made(&m);
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				warnc("remove %s/%s: %s", msg_esc(dir), msg_esc(de->d_name), strerror(errno));
			strv_free(&m);
			free(root), free(profile), free(path), free(name);
		}
		if (fd >= 0)
			close(fd);
		conf_free(&c);
	}
	if (d)
		closedir(d);
}

/* The create lock, /run/lock/nixos-container, held. */
static int create_lock(void)
{
	int lock;

	if (mkdir_p("/run/lock", 0755) < 0 ||
	    (lock = open(LOCK_PATH, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		fail_sys("open lock", LOCK_PATH);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			fail_sys("lock", LOCK_PATH);
	return lock;
}

/* destroy: a create of NAME that died left its journal; rolled back now. */
static void destroy_journal(void)
{
	if (exists(p.journal)) {
		int lock = create_lock();

		journals();
		close(lock);
	}
}

static void check_name_for_create(const char *name)
{
	const char *why;

	if (machine_name_check(name, &why) < 0)
		fail(EXIT_CONFIG, "container name '%s': %s", msg_esc(name), why);
	if (strlen(name) > 11 && !kernel_has_altnames())
		fail(EXIT_CONFIG, "container name '%s' is too long (over 11 characters needs interface altnames, "
				  "Linux 5.8 or later)",
		     msg_esc(name));
}

static int cmd_create(void)
{
	static char *name, *conf; /* reachable when a check below exits */
	char *sys = NULL, why[1024], host[64] = "", local[64] = "";
	int lock, nr = 0;
	struct stat st;

	name = xstrdup(o.name);

	/* everything given is checked before anything is made */
	if (nc_create_check(&o, why, sizeof(why)))
		die_usage("%s", why);
	if (o.system_path && stat(o.system_path, &st) < 0)
		fail_sys("system path", o.system_path);
	if (o.config_file && stat(o.config_file, &st) < 0)
		fail_sys("config file", o.config_file);

	if (mkdir_p(config_dir(), 0755) < 0)
		fail_sys("make config dir", config_dir());
	if (mkdir_p(state_dir(), 0700) < 0)
		fail_sys("make state dir", state_dir());
	lock = create_lock();
	journals();
	for (;;) {
		set_paths(name);
		if (!o.ensure_unique || (!exists(p.conf) && !exists(p.root) && !exists(p.journal)))
			break;
		free(name);
		name = xasprintf("%s-%d", o.name, nr++);
		if (strlen(name) > NAME_MAX_LEN)
			fail(EXIT_CONFIG, "no unique name left below %d bytes", NAME_MAX_LEN);
	}
	o.name = name;
	if (exists(p.conf) || exists(p.journal))
		fail(EXIT_EXISTS, "container '%s' already exists", name);
	check_name_for_create(name);

	if (!o.host_network) {
		read_used();
		if (o.host_address) {
			if (check_given("host-address", o.host_address) == check_given("local-address", o.local_address))
				die_usage("--host-address and --local-address are the same address");
			snprintf(host, sizeof(host), "%s", o.host_address);
			snprintf(local, sizeof(local), "%s", o.local_address);
		} else {
			for (int n = 1; n < 255 && !*host; n++) {
				uint32_t h = 0x0ae90001u | (uint32_t)n << 8;

				if (!user_of(h) && !user_of(h + 1)) {
					snprintf(host, sizeof(host), "10.233.%d.1", n);
					snprintf(local, sizeof(local), "10.233.%d.2", n);
				}
			}
			if (!*host)
				fail(EXIT_FAIL, "out of IP addresses");
		}
	}
	conf = nc_conf_text(&o, host, local);
	if ((journal = open(p.journal, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_APPEND, 0600)) < 0 ||
	    flock(journal, LOCK_EX) < 0 || put(journal, conf) < 0) {
		int e = errno;

		if (journal >= 0)
			unlink(p.journal);
		errno = e;
		fail_sys("write", p.conf);
	}
	close(lock);
	if (*host)
		fprintf(stderr, "host IP is %s, container IP is %s\n", host, local);

	/* the per-container directory is 0700: host users must not reach into the guest's; it
	 * is shared, and stays */
	{
		char *per = xasprintf("%s/profiles/per-container", nix_state_dir());

		if (mkdir_p(per, 0700) < 0)
			create_failed("make %s: %s", msg_esc(per), strerror(errno));
		free(per);
	}
	mkdir_made(p.profile, 0755);
	if (profile_linked())
		create_failed("make %s: not a directory of its own (a symlink is not followed)", msg_esc(p.profile));
	if (o.flake && build_flake(o.flake, &sys, why, sizeof(why)))
		create_failed("%s", why);
	if (sys || o.system_path) {
		int rc = set_system(sys ? sys : o.system_path);

		if (rc)
			create_failed("failed to set initial container configuration (%s)",
				      rc < 0 ? strerror(errno) : "nix-env failed");
	} else {
		int rc;

		if (!exists(p.root)) {
			will_make(p.root);
			if (mkdir(p.root, 0755) < 0)
				create_failed("make %s: %s", msg_esc(p.root), strerror(errno));
		}
		if (write_nixos_config(2) < 0)
			create_failed("write %s: %s", msg_esc(p.nixos_config), strerror(errno));
		if ((rc = build_nixos(p.nixos_config)))
			create_failed("failed to build initial container configuration (%s)",
				      rc < 0 ? strerror(errno) : "nix-env failed");
	}
	/* the commit: the conf, then no journal */
	if (write_atomic(p.conf, conf, strlen(conf), 0644, 1) < 0)
		create_failed("write %s: %s", msg_esc(p.conf), strerror(errno));
	unlink(p.journal);
	close(journal);
	free(conf);
	free(sys);
	if (o.ensure_unique)
		printf("%s\n", name);
	return 0;
}

/* ---- the other commands ---- */

static void print_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

static void print_json_opt(const char *key, const char *v, int last)
{
	printf("\"%s\":", key);
	if (v)
		print_json_str(v);
	else
		fputs("null", stdout);
	fputs(last ? "" : ",", stdout);
}

/* An address value without its prefix length, into BUF (NULL when unset or not an address). */
static const char *bare_addr(const char *v, int family, char *buf, size_t len)
{
	struct ipaddr a;
	const char *why;

	if (!v || !*v || addr_parse(v, family, &a, &why) < 0)
		return NULL;
	a.prefix = -1;
	return addr_format(&a, buf, len);
}

/* LOCAL_ADDRESS, else LOCAL_ADDRESS6 (with HOST: the HOST_ ones), bare, into BUF. */
static const char *conf_ip(const struct conf *c, int host, char *buf, size_t len)
{
	const char *ip = bare_addr(conf_file_get(c, host ? "HOST_ADDRESS" : "LOCAL_ADDRESS"), AF_UNSPEC, buf, len);

	return ip ? ip : bare_addr(conf_file_get(c, host ? "HOST_ADDRESS6" : "LOCAL_ADDRESS6"), AF_INET6, buf, len);
}

static int cmd_list(void)
{
	struct strv names = { 0 };
	char **st = NULL;

	conf_names(&names);
	if (!o.json) {
		for (size_t i = 0; i < names.n; i++)
			printf("%s\n", names.v[i]);
		strv_free(&names);
		return 0;
	}
	st = xmalloc((names.n + 1) * sizeof(*st));
	if (p.systemd && names.n) {
		/* one systemctl for all of them */
		struct strv a = { 0 };
		char *out, *l, *id = NULL;

		push_all(&a, "systemctl", "show", "-p", "Id,ActiveState", NULL);
		for (size_t i = 0; i < names.n; i++)
			strv_pushf(&a, "container@%s.service", names.v[i]);
		capture(&out, a.v);
		strv_free(&a);
		for (size_t i = 0; i < names.n; i++)
			st[i] = "down";
		for (l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
			if (!strncmp(l, "Id=", 3))
				id = l + 3;
			else if (!strncmp(l, "ActiveState=", 12) && id)
				for (size_t i = 0; i < names.n; i++) {
					char *u = xasprintf("container@%s.service", names.v[i]);

					if (!strcmp(u, id))
						st[i] = (char *)sd_status_of(l + 12);
					free(u);
				}
		}
		free(out);
	}
	putchar('[');
	/* the confs are kept to the end: freeing each would hand memory back and forth */
	parsed = xmalloc((names.n + 1) * sizeof(*parsed));
	memset(parsed, 0, (names.n + 1) * sizeof(*parsed));
	for (size_t i = 0; i < names.n; i++) {
		struct conf *c = &parsed[i];
		const char *pn, *as;
		char ip[64], hip[64], conf[4096], state[4096];

		snprintf(conf, sizeof(conf), "%s/%s.conf", config_dir(), names.v[i]);
		if (!p.systemd) {
			struct state s;

			snprintf(state, sizeof(state), "%s/%s.state", run_dir(), names.v[i]);
			state_read(state, &s);
			st[i] = (char *)direct_status(&s);
		}
		if (envfile_load(c, conf) < 0 && errno != ENOENT)
			exit(EXIT_CONFIG);
		pn = conf_file_get(c, "PRIVATE_NETWORK");
		as = conf_file_get(c, "AUTO_START");
		printf("%s{\"name\":", i ? "," : "");
		print_json_str(names.v[i]);
		printf(",\"status\":\"%s\",", st[i]);
		print_json_opt("ip", conf_ip(c, 0, ip, sizeof(ip)), 0);
		print_json_opt("host_ip", conf_ip(c, 1, hip, sizeof(hip)), 0);
		printf("\"private_network\":%s,\"auto_start\":%s,\"declarative\":%s}",
		       pn && !strcmp(pn, "1") ? "true" : "false", as && !strcmp(as, "1") ? "true" : "false",
		       access(conf, W_OK) < 0 ? "true" : "false");
	}
	printf("]\n");
	free(st);
	strv_free(&names);
	o.name = NULL;
	return 0;
}

static int cmd_status(void)
{
	const char *st = status_of();

	if (!o.json) {
		printf("%s\n", st);
		return 0;
	}
	pid_t leader = 0;

	if (!strcmp(st, "up")) {
		struct state s;

		if (p.systemd)
			leader = sd_leader(0);
		else if (state_read(p.state, &s), proc_same(s.leader, s.leader_t))
			leader = s.leader;
	}
	printf("{\"name\":");
	print_json_str(o.name);
	printf(",\"status\":\"%s\",\"leader\":", st);
	if (leader)
		printf("%d}\n", (int)leader);
	else
		printf("null}\n");
	return 0;
}

static int cmd_start(void)
{
	if (p.systemd) {
		sd_unit("start", "failed to start container");
		return 0;
	}
	return start_direct();
}

static int cmd_stop(void)
{
	if (p.systemd) {
		sd_unit("stop", "failed to stop container");
		return 0;
	}
	return stop_direct(0);
}

static int cmd_restart(void)
{
	int rc = cmd_stop();

	return rc ? rc : cmd_start();
}

static int terminate(void)
{
	if (!p.systemd)
		return stop_direct(1);

	pid_t leader = sd_leader(1);
	unsigned long long t = proc_start_time(leader);
	char *argv[] = { "machinectl", "terminate", (char *)o.name, NULL };
	int rc = run_wait(argv, 0);

	if (rc)
		fail(EXIT_FAIL, "failed to terminate container (machinectl terminate %s %s)", o.name,
		     rc < 0 ? strerror(errno) : "failed");
	long long end = now_ms() + (o.timeout_ms >= 0 ? o.timeout_ms : STOP_TIMEOUT_MS);
	char st[32];

	if (!wait_gone(leader, t, (int)(end - now_ms())))
		fail(EXIT_FAIL, "the container's init (PID %d) is still there after machinectl terminate", (int)leader);
	/* the unit is done when nspawn is: then its root is free to go */
	while (now_ms() < end) {
		sd_active_state(st, sizeof(st));
		if (strcmp(st, "active") && strcmp(st, "activating") && strcmp(st, "deactivating") &&
		    strcmp(st, "reloading"))
			break;
		usleep(50000);
	}
	return 0;
}

static int cmd_terminate(void)
{
	return terminate();
}

static int cmd_destroy(void)
{
	const char *gone[] = { p.profile, p.gcroots, p.root, p.log, p.state };
	int lock;

	if (access(p.conf, W_OK) < 0)
		fail(EXIT_FAIL, "cannot destroy declarative container (remove it from your configuration.nix instead)");
	if (strcmp(status_of(), "down") && terminate())
		fail(EXIT_FAIL, "failed to terminate container");
	lock = lock_conf();
	destroy_journal();
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		char *failed;

		if (remove_tree(gone[i], &failed) < 0)
			fail(EXIT_FAIL, "remove %s: %s", msg_esc(failed ? failed : gone[i]), strerror(errno));
	}
	if (unlink(p.conf) < 0)
		fail_sys("remove", p.conf);
	close(lock);
	return 0;
}

static int cmd_update(void)
{
	struct conf c = { 0 };
	char *sys = NULL, *flake = NULL;
	int rc;

	if (o.config && o.config_file)
		die_usage("--config and --config-file are mutually incompatible. "
			  "Please define one or the other, but not both");
	if (o.system_path && (o.config || o.config_file || o.flake))
		die_usage("--system-path goes with none of --config, --config-file and --flake");
	conf_load(&c, o.name);
	if (o.flake)
		flake = xstrdup(o.flake);
	else if (!o.config && !o.config_file && !o.system_path && conf_file_get(&c, "FLAKE") &&
		 *conf_file_get(&c, "FLAKE"))
		flake = xstrdup(conf_file_get(&c, "FLAKE"));
	if (profile_linked() || mkdir_p(p.profile, 0755) < 0)
		fail_sys("make", p.profile);
	if (flake || o.system_path) {
		char why[512];

		if (flake && build_flake(flake, &sys, why, sizeof(why)))
			fail(EXIT_FAIL, "%s", why);
		if ((rc = set_system(sys ? sys : o.system_path)))
			fail(EXIT_FAIL, "failed to set container configuration (%s)",
			     rc < 0 ? strerror(errno) : "nix-env failed");
	} else {
		if ((o.config && *o.config) || (o.config_file && *o.config_file))
			if (write_nixos_config(1) < 0)
				fail_sys("write", p.nixos_config);
		if ((rc = build_nixos(p.nixos_config)))
			fail(EXIT_FAIL, "failed to build container configuration (%s)",
			     rc < 0 ? strerror(errno) : "nix-env failed");
	}
	if (!strcmp(status_of(), "up")) {
		fprintf(stderr, "reloading container...\n");
		if (p.systemd) {
			sd_unit("reload", "failed to reload container");
		} else {
			const char *sp = conf_file_get(&c, "SYSTEM_PATH");
			char *stc = xasprintf("%s/bin/switch-to-configuration", sp && *sp ? sp : "/nix/var/nix/profiles/system");
			char *cmd[] = { stc, "test", NULL };

			if ((rc = enter_run(leader_pid(), cmd, 0)))
				fail(EXIT_FAIL, "failed to reload container (switch-to-configuration exited with status %d)", rc);
			free(stc);
		}
	}
	free(sys);
	free(flake);
	conf_free(&c);
	return 0;
}

static int cmd_login(void)
{
	if (p.systemd) {
		char *argv[] = { "machinectl", "login", "--", (char *)o.name, NULL };

		execvp(argv[0], argv);
		fail_sys("run", "machinectl");
	}
	char *cmd[] = { "login", NULL };

	/* login starts the login shell itself, once it knows the user */
	return enter_run(leader_pid(), cmd, 1);
}

static int cmd_root_login(void)
{
	return enter_run(leader_pid(), NULL, 0);
}

static int cmd_run(void)
{
	return enter_run(leader_pid(), o.args.v + 2, 0);
}

static int cmd_show_ip(void)
{
	struct conf c = { 0 };
	const char *pn, *ip;
	char buf[64];

	conf_load(&c, o.name);
	ip = conf_ip(&c, 0, buf, sizeof(buf));
	pn = conf_file_get(&c, "PRIVATE_NETWORK");
	if (!ip && (!pn || strcmp(pn, "1")))
		fail(EXIT_FAIL, "container uses host network, no separate IP address");
	if (!ip)
		fail(EXIT_FAIL, "cannot get IP address");
	printf("%s\n", ip);
	conf_free(&c);
	return 0;
}

static int cmd_show_host_key(void)
{
	/* resolved inside the root as the container resolves it: a key that is a symlink to
	 * /etc/shadow reads the container's own shadow, never the host's */
	static const char *const keys[] = { "ed25519", "ecdsa" };
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int root = open(p.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = -1;
	char *fn = NULL, *key, proc[32];
	size_t len;

	for (int i = 0; i < 2 && fd < 0; i++) {
		char rel[48];

		snprintf(rel, sizeof(rel), "etc/ssh/ssh_host_%s_key.pub", keys[i]);
		free(fn);
		fn = xasprintf("%s/%s", p.root, rel);
		if (root >= 0)
			fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fd < 0 || !(key = read_file(proc, 1 << 20, &len)))
		fail_sys("read host key", fn);
	fwrite(key, 1, len, stdout);
	free(key);
	free(fn);
	close(fd);
	if (root >= 0)
		close(root);
	return 0;
}

static int (*const commands[NC_N_CMDS])(void) = {
	[NC_LIST] = cmd_list, [NC_CREATE] = cmd_create, [NC_DESTROY] = cmd_destroy, [NC_START] = cmd_start,
	[NC_STOP] = cmd_stop, [NC_RESTART] = cmd_restart, [NC_TERMINATE] = cmd_terminate,
	[NC_STATUS] = cmd_status, [NC_UPDATE] = cmd_update, [NC_LOGIN] = cmd_login,
	[NC_ROOT_LOGIN] = cmd_root_login, [NC_RUN] = cmd_run, [NC_SHOW_IP] = cmd_show_ip,
	[NC_SHOW_HOST_KEY] = cmd_show_host_key,
};

int nixos_container_main(int argc, char **argv)
{
	char err[1024];
	struct stat st;
	int rc;

	umask(022);
	setenv("NIXOS_CONFIG", "", 1);
	if (nc_args_parse(&o, argc, argv, err, sizeof(err)))
		die_usage("%s", err);
	if (o.help) {
		fputs(nixos_container_usage, stdout);
		exit(0);
	}
	p.systemd = sd_booted();
	/* as the Perl tool, on every run; only create needs them, and says so */
	mkdir_p(config_dir(), 0755);
	mkdir_p(state_dir(), 0700);
	if ((rc = nc_args_operands(&o, err, sizeof(err))) == EXIT_USAGE)
		die_usage("%s", err);
	if (rc)
		die(rc, "%s", err);
	if (o.cmd_id == NC_LIST)
		return cmd_list();
	set_paths(o.name);
	if (o.cmd_id != NC_CREATE && stat(p.conf, &st) < 0) {
		if (errno != ENOENT)
			fail_sys("read", p.conf);
		if (o.cmd_id == NC_DESTROY)
			return destroy_journal(), 0;
		if (o.cmd_id == NC_STATUS)
			printf(o.json ? "{\"name\":\"%s\",\"status\":\"gone\",\"leader\":null}\n" : "gone\n", o.name);
		fail(EXIT_NOCONTAINER, "container '%s' does not exist", o.name);
	}
	return commands[o.cmd_id]();
}
