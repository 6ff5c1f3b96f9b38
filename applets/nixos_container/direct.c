/* nixos-container's backend without systemd as PID 1: the applets run as the container@
 * unit runs them, container-start detached in its own session and cgroup, what runs kept
 * in RUN_DIR/NAME.state (the PIDs and start times of the starter, nspawn and the leader). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../../common/task.h"
#include "nc.h"

#define START_TIMEOUT_MS 60000

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
	if (!(buf = read_file(path, 65536, &len))) {
		/* not "down": whoever cannot read it cannot tell */
		if (errno == EACCES)
			die(EXIT_PERM, "read %s: %s (root is needed)", msg_esc(path), strerror(errno));
		return 0;
	}
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
		die_sys(EXIT_FAIL, "write state", msg_esc(p.state));
	free(text);
}

/* up, down or starting, read from the processes the state file names. */
static const char *direct_status(const struct state *s)
{
	if (!strcmp(s->phase, "starting") && proc_same(s->starter, s->starter_t))
		return "starting";
	return proc_same(s->nspawn, s->nspawn_t) ? "up" : "down";
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
		die(EXIT_FAIL, "run %s: %s", applet_name, strerror(errno));
	if (rc)
		die(EXIT_FAIL, "%s exited with status %d", applet_name, rc);
}

/* ---- stop and start without systemd ---- */

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
			warn_msg("remove cgroup: %s: %s", msg_esc(cg[i]), strerror(errno)), rc = -1;
		/* the parent ncbox/ goes when it is empty: another container may still be in it */
		*strrchr(cg[i], '/') = 0;
		rmdir(cg[i]);
		free(cg[i]);
	}
	if (unlink(p.state) < 0 && errno != ENOENT)
		warn_msg("remove %s: %s", msg_esc(p.state), strerror(errno)), rc = -1;
	if (veths && exists(p.conf)) {
		int r = run_applet("container-prestart");

		if (r)
			warn_msg("container-prestart exited with status %d", r), rc = -1;
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
			die_sys(EXIT_FAIL, "send SIGTERM to systemd-nspawn", "nspawn");
		if (force || !wait_gone(s.nspawn, s.nspawn_t, ms))
			kill_all(&s);
		if (proc_same(s.nspawn, s.nspawn_t))
			die(EXIT_FAIL, "systemd-nspawn (PID %d) is still there after SIGKILL", (int)s.nspawn);
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
	die(EXIT_FAIL, "%s%s%s (log: %s)", what, *tail ? ": " : "", tail, msg_esc(p.log));
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
				die_sys(EXIT_FAIL, "make cgroup", msg_esc(cg[i]));
		procs = xasprintf("%s/cgroup.procs", cg[i]);
		if ((cgfd[n++] = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
			die_sys(EXIT_FAIL, "open", msg_esc(procs));
		free(procs);
		free(cg[i]);
	}

	/* nspawn says on NOTIFY_SOCKET when the container runs: an abstract socket, no file */
	notify = xasprintf("@ncbox/%s/%d", o.name, (int)getpid());
	memcpy(sa.sun_path + 1, notify + 1, strlen(notify) - 1);
	if ((sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(notify))) < 0)
		die_sys(EXIT_FAIL, "make notify socket", msg_esc(notify));
	if ((logfd = open(p.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640)) < 0)
		die_sys(EXIT_FAIL, "open log", msg_esc(p.log));
	env = unit_env(xasprintf("NOTIFY_SOCKET=%s", notify));

	if ((child = fork()) < 0)
		die_sys(EXIT_FAIL, "fork", "container-start");
	if (child == 0) {
		char *argv[] = { "container-start", (char *)o.name, NULL };
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setsid();
		dup2(null, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		for (int i = 0; i < n; i++)
			if (write(cgfd[i], "0", 1) != 1) {
				warn_msg("join cgroup: %s", strerror(errno));
				_exit(EXIT_FAIL);
			}
		execve("/proc/self/exe", argv, env);
		warn_msg("run container-start: %s", strerror(errno));
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

static const char *d_status(void)
{
	struct state s;

	state_read(p.state, &s);
	return direct_status(&s);
}

/* The state files there are, from one read of the run dir: a thousand containers, few up. */
static void d_statuses(const struct strv *names, const char **st)
{
	DIR *d = opendir(run_dir());
	struct strv have = { 0 };
	struct dirent *de;
	char state[4096];
	struct state s;

	if (!d && errno == EACCES)
		die(EXIT_PERM, "read %s: %s (root is needed)", msg_esc(run_dir()), strerror(errno));
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 6 && !strcmp(de->d_name + n - 6, ".state"))
			strv_push(&have, xstrndup(de->d_name, n - 6));
	}
	if (d)
		closedir(d);
	if (have.n)
		qsort(have.v, have.n, sizeof(*have.v), cmp_str);
	for (size_t i = 0; i < names->n; i++) {
		st[i] = "down";
		if (!have.n || !bsearch(&names->v[i], have.v, have.n, sizeof(*have.v), cmp_str))
			continue;
		snprintf(state, sizeof(state), "%s/%s.state", run_dir(), names->v[i]);
		state_read(state, &s);
		st[i] = direct_status(&s);
	}
	strv_free(&have);
}

static int d_stop(void)
{
	return stop_direct(0);
}

static int d_terminate(void)
{
	return stop_direct(1);
}

static pid_t d_leader(int must)
{
	struct state s;

	state_read(p.state, &s);
	if (proc_same(s.nspawn, s.nspawn_t) && proc_same(s.leader, s.leader_t))
		return s.leader;
	if (must)
		die(EXIT_FAIL, "unable to get container's main PID (it is not running)");
	return 0;
}

static int d_login(void)
{
	char *cmd[] = { "login", NULL };

	/* login starts the login shell itself, once it knows the user */
	return enter_run(d_leader(1), cmd, 1);
}

/* What the unit's reload does: switch-to-configuration test in the container. */
static void d_forget(void)
{
}

static void d_reload(const struct conf *c)
{
	const char *sp = conf_file_get(c, "SYSTEM_PATH");
	char *stc = xasprintf("%s/bin/switch-to-configuration", sp && *sp ? sp : "/nix/var/nix/profiles/system");
	char *cmd[] = { stc, "test", NULL };
	int rc = enter_run(d_leader(1), cmd, 0);

	if (rc)
		die(EXIT_FAIL, "failed to reload container (switch-to-configuration exited with status %d)", rc);
	free(stc);
}

const struct backend nc_direct = {
	.status = d_status,
	.statuses = d_statuses,
	.start = start_direct,
	.stop = d_stop,
	.terminate = d_terminate,
	.login = d_login,
	.leader = d_leader,
	.reload = d_reload,
	.forget = d_forget,
};
