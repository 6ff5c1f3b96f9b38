/* container-start: prepare a container's root, then exec systemd-nspawn; replaces the
 * module's startScript and the netns container script. Everything is read and checked
 * before anything is made, so a bad config leaves no trace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../common/caps.h"
#include "../common/fsutil.h"
#include "../common/hostnet.h"
#include "../common/nspawn.h"
#include "../common/proc.h"

/* clang-format off */
const char container_start_usage[] =
	"Usage: container-start [--dry-run] [--early-network] [NAME]\n"
	"\n"
	"Prepare container NAME's root (default $INSTANCE), then exec systemd-nspawn. Config:\n"
	"NAME.conf in the config dir, the environment on top. README.md has the details.\n"
	"\n"
	"  --dry-run        print the nspawn command line, one argument per line; make nothing\n"
	"  --early-network  configure the host side of the veths as soon as nspawn made them,\n"
	"                   from a helper that is never nspawn's child\n"
	"\n"
	"The root: $root, else STATE_DIR/NAME; EPHEMERAL=1: $RUNTIME_DIRECTORY or RUN_DIR/NAME.\n"
	"Made in it, no symlink followed: etc, var/lib (0755), var/lib/private, root (0700),\n"
	"usr/bin, empty etc/os-release and etc/machine-id; NIX/{profiles,gcroots}/per-container/\n"
	"NAME (NIX: NCBOX_NIX_STATE_DIR, else /nix/var/nix). resolv.conf copied unless\n"
	"COPY_RESOLV_CONF is 0 or empty. FLAKE without a profile: nixos-container update first.\n"
	"\n"
	"nspawn's arguments: --keep-unit [--register=no without systemd] -M NAME -D ROOT,\n"
	"PRIVATE_NETWORK=1 --private-network, PRIVATE_USERS --private-users, an address or\n"
	"LOCAL_MAC_ADDRESS --network-veth, HOST_PORT --port, HOST_BRIDGE --network-bridge,\n"
	"NETWORK_NAMESPACE_PATH --network-namespace-path, EXTRA_VETHS --network-veth-extra,\n"
	"INTERFACES --network-interface, MACVLANS --network-macvlan (without udev: /sys\n"
	"read-only for nspawn), i686 system --personality=x86, --notify-ready=yes\n"
	"--kill-signal=SIGRTMIN+3, the /nix binds (:idmap with private users),\n"
	"CREDENTIALS_DIRECTORY --load-credential, --link-journal=try-guest unless ephemeral,\n"
	"--setenv for the network keys and PATH, EPHEMERAL=1 --ephemeral,\n"
	"ADDITIONAL_CAPABILITIES --capability, TMPFS --tmpfs, EXTRA_NSPAWN_FLAGS (last), then\n"
	"container-init and $SYSTEM_PATH/init (else /nix/var/nix/profiles/system/init).\n"
	"Lists are split as a shell would, with no expansion. Flags take 1, 0 or empty.\n"
	"NCBOX_NSPAWN names nspawn; NCBOX_CONTAINER_INIT the init inside the container (else\n"
	"the store path, or this binary bound to /run/ncbox/container-init).\n"
	"\n"
	"Exit (when nspawn is not exec'd): 0 --dry-run, 1 a step failed, 2 usage, 3 bad\n"
	"config or name, 126/127 stage 2 or nspawn not executable/found.\n";
/* clang-format on */

/* msg_esc() of S, a string made for the message, which is freed: only the message stays. */
static const char *esc_free(char *s)
{
	const char *e = msg_esc(s);

	free(s);
	return e;
}

static noreturn void bad(const char *key, const char *val, const char *why)
{
	die(EXIT_CONFIG, "%s '%s': %s", key, msg_esc(val), why);
}

/* A flag: 1, 0 or empty (off); DEF when not set at all. */
static int flag(const struct start *s, const char *key, int def)
{
	const char *v = conf_get(&s->c, key);

	if (!v)
		return def;
	if (!*v || !strcmp(v, "0"))
		return 0;
	if (!strcmp(v, "1"))
		return 1;
	bad(key, v, "not a flag (1, 0 or empty)");
}

static const char *value(const struct start *s, const char *key)
{
	const char *v = conf_get(&s->c, key);

	return v ? v : "";
}

/* The words of KEY, split as a shell would (no expansion). */
static void words(const struct start *s, const char *key, struct strv *out)
{
	const char *v = value(s, key), *why;

	if (split_words(v, out, &why) < 0)
		bad(key, v, why);
}

static int all_digits(const char *p, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* ADDITIONAL_CAPABILITIES: names separated by blanks or commas, each known to libcap. */
static void parse_caps(struct start *s)
{
	struct strv w = { 0 };

	words(s, "ADDITIONAL_CAPABILITIES", &w);
	for (size_t i = 0; i < w.n; i++) {
		for (char *tok = strtok(w.v[i], ","); tok; tok = strtok(NULL, ",")) {
			char buf[64];
			int cap = caps_from_name(tok);

			if (!strcmp(tok, "all"))
				strv_push(&s->caps, xstrdup("all"));
			else if (cap < 0)
				die(EXIT_CONFIG, "ADDITIONAL_CAPABILITIES: unknown capability '%s'",
				    msg_esc(tok));
			else
				strv_push(&s->caps, xstrdup(caps_name(cap, buf, sizeof(buf))));
		}
	}
	strv_free(&w);
}

/* PRIVATE_USERS as nspawn takes it; idmap for the /nix binds as the newer module decides
 * (pick, or a positive UID), with UID:RANGE counted too. */
static void parse_private_users(struct start *s)
{
	static const char *const words_ok[] = { "pick", "identity", "managed", "yes", "no", "true", "false",
						"on",	"off",	    "y",       "n",   "t",  "f",    NULL };
	const char *v = value(s, "PRIVATE_USERS"), *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);

	if (!*v)
		return;
	s->private_users = v;
	for (size_t i = 0; words_ok[i]; i++)
		if (!strcmp(v, words_ok[i])) {
			s->idmap = !strcmp(v, "pick");
			return;
		}
	if (!all_digits(v, n) || n > 10 || (colon && !all_digits(colon + 1, strlen(colon + 1))))
		bad("PRIVATE_USERS", v, "not pick, identity, managed, a boolean, UID or UID:RANGE");
	s->idmap = strtoul(v, NULL, 10) > 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void paths(struct start *s)
{
	const char *root = value(s, "root"), *nix = nix_state_dir();
	const char *rtd = getenv("RUNTIME_DIRECTORY");
	struct ct_paths cp = { 0 };

	ct_paths_set(&cp, s->name);
	s->run_dir = xstrdup(run_dir());
	if (*root)
		s->root = xstrdup(root);
	else if (s->ephemeral && rtd && *rtd)
		s->root = xstrndup(rtd, strcspn(rtd, ":"));
	else
		s->root = xstrdup(s->ephemeral ? cp.run_root : cp.root);
	if (s->root[0] != '/')
		bad("root", s->root, "not an absolute path");
	if (!s->root[strspn(s->root, "/")])
		bad("root", s->root, "the host's own root is no container root");

	if (is_dir("/nix/store"))
		s->store = xstrdup("/nix/store");
	if (is_dir(nix)) {
		s->db = xasprintf("%s/db", nix);
		s->daemon_socket = xasprintf("%s/daemon-socket", nix);
		if (!is_dir(s->db))
			free(s->db), s->db = NULL;
		if (!is_dir(s->daemon_socket))
			free(s->daemon_socket), s->daemon_socket = NULL;
		s->profiles = xstrdup(cp.profile);
		s->gcroots = xstrdup(cp.gcroots);
	}
	ct_paths_free(&cp);
}

static void check_config(struct start *s)
{
	const char *v;
	char err[512];

	s->private_network = flag(s, "PRIVATE_NETWORK", 0);
	s->ephemeral = flag(s, "EPHEMERAL", 0);
	s->copy_resolv = flag(s, "COPY_RESOLV_CONF", 1);
	parse_private_users(s);
	if (ports_parse(value(s, "HOST_PORT"), &s->ports, err, sizeof(err)) < 0)
		die(EXIT_CONFIG, "HOST_PORT: %s", err);
	parse_caps(s);
	words(s, "TMPFS", &s->tmpfs);
	for (size_t i = 0; i < s->tmpfs.n; i++)
		if (s->tmpfs.v[i][0] != '/')
			die(EXIT_CONFIG, "TMPFS: entry '%s': not an absolute path", msg_esc(s->tmpfs.v[i]));
	words(s, "INTERFACES", &s->ifaces);
	words(s, "MACVLANS", &s->macvlans);
	for (size_t i = 0; i < s->ifaces.n + s->macvlans.n; i++) {
		int m = i >= s->ifaces.n;
		const char *n = m ? s->macvlans.v[i - s->ifaces.n] : s->ifaces.v[i], *why;

		if (ifname_check(n, &why) < 0)
			die(EXIT_CONFIG, "%s: entry '%s': %s", m ? "MACVLANS" : "INTERFACES", msg_esc(n),
			    why);
	}
	words(s, "EXTRA_NSPAWN_FLAGS", &s->extra);
	v = value(s, "NETWORK_NAMESPACE_PATH");
	if (*v) {
		if (v[0] != '/')
			bad("NETWORK_NAMESPACE_PATH", v, "not an absolute path");
		if (access(v, F_OK) < 0)
			die_sys(EXIT_FAIL, "find network namespace", msg_esc(v));
		s->netns_path = v;
	}
	v = value(s, "SYSTEM_PATH");
	if (*v && v[0] != '/')
		bad("SYSTEM_PATH", v, "not an absolute path");
	s->system_path = *v ? v : NULL;
}

/* Where the host sees container path CPATH when one of our binds covers it. */
static char *host_path(const struct start *s, const char *cpath)
{
	if (s->store && path_under(cpath, "/nix/store"))
		return xstrdup(cpath);
	if (s->profiles && path_under(cpath, "/nix/var/nix/profiles"))
		return xasprintf("%s%s", s->profiles, cpath + strlen("/nix/var/nix/profiles"));
	return NULL;
}

/* Open container path CPATH as the container will see it: through our binds, else (no
 * /nix/store bind: everything is in the root) inside ROOT with symlinks resolved as the
 * container resolves them. -1 with errno; ENOSYS when it cannot be known from here. *SHOW
 * gets the path to name in messages. */
static int open_as_container(const struct start *s, const char *cpath, int flags, char **show)
{
	char *h = host_path(s, cpath);
	int fd;

	*show = h ? h : xasprintf("%s%s", s->root, cpath);
	if (h)
		return open(h, flags | O_CLOEXEC);
	if (s->store)
		return errno = ENOSYS, -1;
	fd = open_in_root(s->root, cpath, flags);
	if (fd < 0 && (errno == EINVAL || errno == EPERM))
		errno = ENOSYS;
	return fd;
}

/* Stage 2 must be there, and executable, where the container will look. */
static void check_stage2(const struct start *s)
{
	struct stat st;
	char *show;
	int fd = open_as_container(s, s->stage2, O_PATH, &show);

	if (fd < 0 && errno == ENOSYS)
		goto out; /* not knowable from the host; container-init will say */
	if (fd < 0)
		die_err(EXIT_NOTFOUND, "find stage 2", esc_free(show), errno,
			s->system_path ? "SYSTEM_PATH names no system"
				       : "no SYSTEM_PATH and no per-container profile: make it with "
					 "nixos-container create or update");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		die_err(EXIT_NOEXEC, "check stage 2", esc_free(show), EACCES, "not an executable file");
	close(fd);
out:
	free(show);
}

/* An x86_64 host running an i686-linux system: nspawn --personality=x86. */
static int wants_x86(const struct start *s)
{
	struct utsname u;
	char buf[32] = "", *cpath, *show;
	ssize_t n = 0;
	int fd;

	if (uname(&u) < 0 || strcmp(u.machine, "x86_64"))
		return 0;
	cpath = xasprintf("%s/system", s->system_path ? s->system_path : "/nix/var/nix/profiles/system");
	/* O_NONBLOCK: a FIFO planted there must not hang the start */
	fd = open_as_container(s, cpath, O_RDONLY | O_NONBLOCK | O_NOCTTY, &show);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			die_err(EXIT_FAIL, "read system type", esc_free(show), 0, "not a regular file");
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	free(cpath);
	free(show);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	return n > 0 && (size_t)n == strlen("i686-linux") && !memcmp(buf, "i686-linux", (size_t)n);
}

/* INIT: NCBOX_CONTAINER_INIT, else ncbox from the store, else this binary bound in. */
static void choose_init(struct start *s)
{
	const char *o = getenv("NCBOX_CONTAINER_INIT");
	char *self, *slash, *sib;
	struct stat a, b;

	if (o && *o) {
		strv_push(&s->init, xstrdup(o));
		return;
	}
	if (!(self = self_exe()))
		die_sys(EXIT_FAIL, "find this binary", "/proc/self/exe");
	if (s->store && path_under(self, "/nix/store") && !strstr(self, " (deleted)")) {
		slash = strrchr(self, '/');
		sib = xasprintf("%.*s/container-init", (int)(slash - self), self);
		if (stat(sib, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			strv_push(&s->init, sib);
			free(self);
			return;
		}
		free(sib);
		if (!strncmp(slash + 1, "ncbox", 5)) {
			strv_push(&s->init, self);
			strv_push(&s->init, xstrdup("container-init"));
			return;
		}
	}
	if (strstr(self, " (deleted)"))
		die_err(EXIT_FAIL, "bind container-init", msg_esc(self), ENOENT,
			"this binary was replaced while running");
	s->init_bind = self;
	strv_push(&s->init, xstrdup(INIT_BIND));
}

/* --load-credential for each regular file in $CREDENTIALS_DIRECTORY (the netns seed). */
static void credentials(struct start *s)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	struct strv names = { 0 };
	struct dirent *e;
	DIR *d;

	if (!dir || !*dir)
		return;
	if (!(d = opendir(dir)))
		die_sys(EXIT_FAIL, "read credentials", msg_esc(dir));
	while ((e = readdir(d))) {
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strchr(e->d_name, ':')) {
			warn_msg("read credentials: %s/%s: a credential ID takes no ':'; left out",
				 msg_esc(dir), msg_esc(e->d_name));
			continue;
		}
		strv_push(&names, xstrdup(e->d_name));
	}
	closedir(d);
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++)
		strv_pushf(&s->creds, "--load-credential=%s:%s/%s", names.v[i], dir, names.v[i]);
	strv_free(&names);
}

/* The --setenv list for container-init: the network keys as the unit passes them (those
 * marked '?' only when set), and PATH. */
static void plan_setenv(struct start *s)
{
	static const char keys[][19] = { "PRIVATE_NETWORK", "?PRIVATE_USERS",	  "HOST_BRIDGE",
					 "HOST_ADDRESS",    "LOCAL_ADDRESS",	  "HOST_ADDRESS6",
					 "LOCAL_ADDRESS6",  "?LOCAL_MAC_ADDRESS", "?EXTRA_VETHS",
					 "HOST_PORT" };
	const char *path = getenv("PATH");

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *key = keys[i] + (keys[i][0] == '?'), *v = conf_get(&s->c, key);

		if (key == keys[i] || (v && *v))
			strv_pushf(&s->setenv, "%s=%s", key, v ? v : "");
	}
	strv_pushf(&s->setenv, "PATH=%s", path ? path : "");
}

/* cp --remove-destination /etc/resolv.conf ROOT/etc/resolv.conf, without following
 * anything on the container's side: a new file, renamed over what was there. */
static void copy_resolv(int etc, const char *etcpath)
{
	static const char tmp[] = ".resolv.conf.ncbox-tmp";
	char buf[4096], *show = xasprintf("%s/resolv.conf", etcpath);
	int in = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC), out = -1;
	struct stat st;
	ssize_t n;

	if (in < 0) {
		warn_err("copy resolv.conf", "/etc/resolv.conf", errno, "not copied");
		free(show);
		return;
	}
	unlinkat(etc, tmp, 0);
	if (fstat(in, &st) < 0 ||
	    (out = openat(etc, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  st.st_mode & 0777)) < 0)
		goto fail;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n)
			goto fail;
	}
	if (close(out) < 0 || (out = -1, renameat(etc, tmp, etc, "resolv.conf") < 0))
		goto fail;
	close(in);
	free(show);
	return;
fail : {
	int err = errno;

	if (out >= 0)
		close(out);
	unlinkat(etc, tmp, 0);
	die_err(EXIT_FAIL, "copy resolv.conf", esc_free(show), err, NULL);
}
}

static void prepare(struct start *s)
{
	char *etc = xasprintf("%s/etc", s->root);
	int root, fd;

	close(make_dir(AT_FDCWD, "", s->run_dir, 0700, MD_CHMOD | MD_FOLLOW));
	/* the state dir as nixos-container create makes it: host users stay out of the roots */
	if (path_under(s->root, state_dir()))
		close(make_dir(AT_FDCWD, "", state_dir(), 0700, MD_FOLLOW));
	/* the root, the profile and the GC roots: not through a symlink (nspawn would run, and
	 * bind, what it points to) */
	root = make_dir(AT_FDCWD, "", s->root, 0755, MD_FOLLOW_PARENTS);
	close(make_dir(root, s->root, "var/lib", 0755, MD_CHMOD));
	close(make_dir(root, s->root, "var/lib/private", 0700, MD_CHMOD));
	close(make_dir(root, s->root, "root", 0700, MD_CHMOD));
	close(make_dir(root, s->root, "usr/bin", 0755, 0));
	fd = make_dir(root, s->root, "etc", 0755, MD_CHMOD);
	touch_absent(fd, etc, "os-release");
	touch_absent(fd, etc, "machine-id");
	if (s->copy_resolv)
		copy_resolv(fd, etc);
	close(fd);
	close(root);
	free(etc);
	if (s->profiles) {
		close(make_dir(AT_FDCWD, "", s->profiles, 0755, MD_CHMOD | MD_FOLLOW_PARENTS));
		close(make_dir(AT_FDCWD, "", s->gcroots, 0755, MD_CHMOD | MD_FOLLOW_PARENTS));
	}
}

/* FLAKE with no profile yet: build it first, as the newer module does. */
static void flake_update(const struct start *s)
{
	char *argv[] = { "nixos-container", "update", (char *)s->name, NULL };
	int r;

	fflush(NULL);
	r = run_wait(argv, SPAWN_SELF);
	if (r < 0)
		die_sys(errno == ENOENT	  ? EXIT_NOTFOUND
			: errno == EACCES ? EXIT_NOEXEC
					  : EXIT_FAIL,
			"update from FLAKE: run nixos-container", "/proc/self/exe");
	if (r)
		die(EXIT_FAIL, "update from FLAKE: nixos-container update %s: exited %d", s->name, r);
}

/* nspawn moves a link into the container only once udev has initialized it, unless /sys
 * is read-only, which it takes for "no udev here". Without udev (no /run/udev/control),
 * nspawn gets a mount namespace of its own where /sys is read-only. */
static void sys_readonly(const struct start *s)
{
	struct statvfs v;

	if ((!s->ifaces.n && !s->macvlans.n) || access("/run/udev/control", F_OK) == 0 ||
	    statvfs("/sys", &v) < 0 || v.f_flag & ST_RDONLY)
		return;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		die_sys(EXIT_FAIL, "INTERFACES, MACVLANS: a mount namespace for nspawn", NULL);
	if (mount(NULL, "/sys", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | (v.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)),
		  NULL) < 0)
		die_err(EXIT_FAIL, "INTERFACES, MACVLANS: make /sys read-only for nspawn", "/sys", errno,
			"no udev here, and nspawn wants /sys read-only then: start udev, or start nspawn "
			"where /sys is read-only");
}

static void start_free(struct start *s)
{
	struct strv *lists[] = { &s->ports, &s->caps, &s->tmpfs, &s->ifaces, &s->macvlans,
				 &s->extra, &s->init, &s->creds, &s->setenv };
	char *strs[] = { s->root,     s->run_dir, s->store,  s->db,	s->daemon_socket,
			 s->profiles, s->gcroots, s->nspawn, s->stage2, s->init_bind };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		strv_free(lists[i]);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	netconf_free(&s->nc);
	conf_free(&s->c);
}

int container_start_main(int argc, char **argv)
{
	struct start s = { 0 };
	struct strv cmd = { 0 };
	char *ops[2];
	int nops = 0, opts_done = 0;
	const char *prog, *flake, *why;

	for (int i = 1; i < argc; i++) {
		if (!opts_done && !strcmp(argv[i], "--"))
			opts_done = 1;
		else if (!opts_done && !strcmp(argv[i], "--dry-run"))
			s.dry_run = 1;
		else if (!opts_done && !strcmp(argv[i], "--early-network"))
			s.early_net = 1;
		else if (!opts_done && argv[i][0] == '-')
			die_usage("unknown option '%s'", msg_esc(argv[i]));
		else if (nops < 2)
			ops[nops++] = argv[i];
		else
			die_usage("too many operands: '%s'", msg_esc(argv[i]));
	}
	s.name = container_name(nops, ops);
	if (machine_name_check(s.name, &why) < 0)
		die(EXIT_CONFIG, "container name '%s': %s", msg_esc(s.name), why);
	conf_load(&s.c, s.name);
	netconf_load(&s.nc, &s.c, s.name);
	check_config(&s);
	paths(&s);
	s.booted = sd_booted();

	prog = getenv("NCBOX_NSPAWN");
	if (!prog || !*prog)
		prog = "systemd-nspawn";
	if (!(s.nspawn = find_program(prog)))
		die_sys(errno == EACCES ? EXIT_NOEXEC : EXIT_NOTFOUND, "find nspawn", msg_esc(prog));
	s.stage2 = s.system_path ? xasprintf("%s/init", s.system_path)
				 : xstrdup("/nix/var/nix/profiles/system/init");
	flake = value(&s, "FLAKE");
	if (*flake) {
		char *sys = s.profiles ? xasprintf("%s/system", s.profiles) : NULL;
		struct stat st;

		s.flake_pending = !sys || lstat(sys, &st) < 0;
		free(sys);
	}
	if (!s.flake_pending)
		check_stage2(&s);
	else if (s.dry_run)
		warn_msg("dry run: FLAKE is set and there is no profile yet: a start runs "
			 "'nixos-container update %s' first",
			 s.name);
	choose_init(&s);
	credentials(&s);

	if (!s.dry_run) {
		prepare(&s);
		if (s.flake_pending) {
			flake_update(&s);
			check_stage2(&s);
		}
	}
	s.x86 = wants_x86(&s);
	plan_setenv(&s);
	build_argv(&s, &cmd);
	if (s.dry_run) {
		int rc;

		for (size_t i = 0; i < cmd.n; i++)
			printf("%s\n", cmd.v[i]);
		rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_FAIL;
		strv_free(&cmd);
		start_free(&s);
		return rc;
	}
	if (s.early_net)
		hostnet_early(&s.nc, s.booted);
	sys_readonly(&s);
	setenv("SYSTEMD_NSPAWN_UNIFIED_HIERARCHY", "1", 0);
	fflush(NULL);
	execv(s.nspawn, cmd.v);
	die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec nspawn", msg_esc(s.nspawn));
}
