/* nixos-container's backend without systemd as PID 1: the container runs under
 * `container-supervise NAME` (this binary), started detached; what runs is what the
 * supervisor's status file says while it holds its lock, in RUN_DIR/KEY (p.state). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../../common/proc.h"
#include "../../common/task.h"
#include "nc.h"

#define START_TIMEOUT_MS 60000
#define KILL_WAIT_MS 5000

/* What RUN_DIR/KEY says of a container. */
struct sv {
	char state[16]; /* the supervisor's STATE, "" when it is not running */
	pid_t pid, leader;
	int left; /* processes in its cgroup with no supervisor */
	char *dir, *cg[2];
};

static int lock_fd(const char *dir)
{
	char *l = xasprintf("%s/lock", dir);
	int fd = open(l, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	/* not "down": whoever cannot read it cannot tell */
	if (fd < 0 && errno == EACCES)
		die(EXIT_PERM, "read %s: %s (root is needed)", msg_esc(dir), strerror(errno));
	free(l);
	return fd;
}

/* The supervisor holds its lock while it lives: only then does its status count. */
static void sv_read(struct sv *s, const char *dir)
{
	static char *v2, *v1, once; /* the mount table read once, also for list --json's many */
	char *key = strrchr(dir, '/') + 1, *f = xasprintf("%s/status", dir), *buf;
	int fd = lock_fd(dir);

	if (!once++)
		cg_roots(&v2, &v1);
	memset(s, 0, sizeof(*s));
	s->dir = xstrdup(dir);
	s->cg[0] = v2 ? xasprintf("%s/ncbox/%s", v2, key) : NULL;
	s->cg[1] = v1 ? xasprintf("%s/ncbox/%s", v1, key) : NULL;
	if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK &&
	    (buf = read_file(f, 4096, NULL))) {
		struct conf c = { 0 };
		char err[256];
		const char *v;

		if (envfile_parse(&c, f, buf, strlen(buf), err, sizeof(err)) == 0) {
			snprintf(s->state, sizeof(s->state), "%s", (v = conf_file_get(&c, "STATE")) ? v : "");
			s->pid = (v = conf_file_get(&c, "PID")) ? atoi(v) : 0;
			s->leader = (v = conf_file_get(&c, "LEADER_PID")) ? atoi(v) : 0;
		}
		conf_free(&c);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	free(f);
	/* no lock file: no supervisor ever ran it (list --json of many stays quick) */
	for (int i = 0; i < 2 && !*s->state && fd >= 0; i++)
		s->left |= s->cg[i] && cg_populated(s->cg[i]);
}

static void sv_free(struct sv *s)
{
	free(s->dir);
	free(s->cg[0]);
	free(s->cg[1]);
}

/* stopping counts as up: it still runs, and destroy must terminate it. */
static const char *sv_status(const struct sv *s)
{
	if (s->left)
		return "orphaned";
	if (!*s->state || !strcmp(s->state, "down"))
		return "down";
	return strcmp(s->state, "starting") ? "up" : "starting";
}

static noreturn void orphaned(const struct sv *s)
{
	die(EXIT_FAIL, "processes are left in its cgroup %s with no supervisor (terminate kills them)",
	    msg_esc(s->cg[0] ? s->cg[0] : s->cg[1]));
}

/* The environment the unit would give: PATH, NCBOX_*, SYSTEMD_*, INSTANCE. */
static char **unit_env(void)
{
	extern char **environ;
	struct strv env = { 0 };

	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "PATH=", 5) || !strncmp(*e, "NCBOX_", 6) || !strncmp(*e, "SYSTEMD_", 8))
			strv_push(&env, xstrdup(*e));
	if (!getenv("PATH"))
		strv_push(&env, xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	strv_pushf(&env, "INSTANCE=%s", o.name);
	return env.v;
}

/* APPLET [ARG] NAME from this binary, in its own session, the unit's environment, stdin and
 * stdout /dev/null, stderr ERR, READY as fd 3 and nothing else of ours. Its PID. */
static pid_t launch(const char *applet_name, const char *arg, int err, int ready)
{
	char *argv[] = { (char *)applet_name, (char *)(arg ? arg : o.name), arg ? (char *)o.name : NULL,
			 NULL };
	char **env = unit_env();
	pid_t pid = fork();

	if (pid == 0) {
		/* ERR and READY out of the way first: any of 0-3 may be free, and taken by null */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC), e = fcntl(err, F_DUPFD_CLOEXEC, 4),
		    n = ready >= 0 ? 4 : 3;
		sigset_t none;

		/* nor the caller's ignored or blocked signals (a `&` in a script ignores SIGINT) */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < 32; sig++)
			signal(sig, SIG_DFL);
		ready = ready >= 0 ? fcntl(ready, F_DUPFD_CLOEXEC, 4) : -1;
		setsid();
		if (null < 0 || e < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(e, 2) < 0 ||
		    (n > 3 && dup2(ready, 3) < 0))
			_exit(EXIT_FAIL);
		for (int fd = 0; fd < n; fd++)
			fcntl(fd, F_SETFD, 0);
		close_from(n, -1);
		execve("/proc/self/exe", argv, env);
		_exit(EXIT_NOEXEC);
	}
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	if (pid < 0)
		die_sys(EXIT_FAIL, "fork", applet_name);
	return pid;
}

/* What a supervisor leaves when it is killed: processes in the cgroups, the cgroups, the
 * veths (container-prestart removes them), an ephemeral root, the status. Under the
 * supervisor's lock, so that none starts meanwhile. */
static int cleanup(struct sv *s)
{
	char *root = xasprintf("%s/root", s->dir), *st = xasprintf("%s/status", s->dir), *failed = NULL;
	int fd = lock_fd(s->dir), rc = 0;

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
		die(EXIT_FAIL, "a supervisor runs it again: not cleaned up");
	for (int i = 0; i < 2; i++) {
		long long end = now_ms() + KILL_WAIT_MS;

		while (s->cg[i] && cg_populated(s->cg[i]) && now_ms() < end) {
			cg_kill(s->cg[i]);
			usleep(5000);
		}
		if (s->cg[i] && cg_remove(s->cg[i]) < 0)
			warn_sys("remove cgroup", msg_esc(s->cg[i])), rc = -1;
	}
	if (exists(p.conf) && wait_child(launch("container-prestart", NULL, 2, -1)))
		rc = -1;
	if (remove_tree(root, &failed) < 0)
		warn_sys("remove ephemeral root", msg_esc(failed ? failed : root)), rc = -1;
	unlink(st);
	if (fd >= 0)
		close(fd);
	free(failed);
	free(root);
	free(st);
	return rc;
}

/* Wait up to MS for the supervisor to be gone (its lock free): 1 when it is. */
static int sv_gone(const struct sv *s, int ms)
{
	long long end = now_ms() + ms;
	struct sv t;
	int gone;

	do {
		sv_read(&t, s->dir);
		gone = !*t.state;
		sv_free(&t);
	} while (!gone && now_ms() < end && !usleep(5000));
	return gone;
}

/* Send SIG to the supervisor: 0, or -1 when it is not this binary (a PID from a status
 * written before it took the lock is someone else's). */
static int sv_kill(const struct sv *s, int sig)
{
	if (!*s->state || s->pid <= 0 || !proc_is_self(s->pid))
		return -1;
	return kill(s->pid, sig);
}

/* SIGKILL to the supervisor and the container's cgroup, then the cleanup. */
static int kill_all(struct sv *s)
{
	sv_kill(s, SIGKILL);
	for (int i = 0; i < 2; i++)
		if (s->cg[i])
			cg_kill(s->cg[i]);
	if (!sv_gone(s, KILL_WAIT_MS))
		die(EXIT_FAIL, "its supervisor (PID %d) is still there after SIGKILL", (int)s->pid);
	return cleanup(s) ? EXIT_FAIL : 0;
}

static void sv_this(struct sv *s)
{
	sv_read(s, p.state);
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

static int d_start(void)
{
	int lock = lock_conf(), ms = o.timeout_ms >= 0 ? o.timeout_ms : START_TIMEOUT_MS, r[2], logfd, st;
	struct pollfd pf = { .events = POLLIN };
	long long end = now_ms() + ms;
	char c, why[96];
	const char *tail;
	struct sv s;
	pid_t pid;

	/* one that runs already is adopted: up once it is ready; a stopping one is waited for */
	for (sv_this(&s); *s.state && strcmp(s.state, "up") && now_ms() < end; sv_this(&s)) {
		sv_free(&s);
		usleep(10000);
	}
	if (*s.state) {
		if (strcmp(s.state, "up"))
			die(EXIT_FAIL, "its supervisor (PID %d) is still %s after %d ms", (int)s.pid, s.state,
			    ms);
		return sv_free(&s), unlock_conf(lock), 0;
	}
	if (s.left)
		orphaned(&s);
	if (mkdir_p(p.state, 0755) < 0)
		die_sys(EXIT_FAIL, "make run dir", msg_esc(p.state));
	if ((logfd = open(p.log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			  0640)) < 0)
		die_sys(EXIT_FAIL, "open log", msg_esc(p.log));
	if (pipe2(r, O_CLOEXEC) < 0)
		die_sys(EXIT_FAIL, "make ready pipe", NULL);
	/* its own messages go to the log too, so that a failure can be quoted */
	pid = launch("container-supervise", "--ready-fd=3", logfd, r[1]);
	close(r[1]);
	close(logfd);
	pf.fd = r[0];
	while (poll(&pf, 1, (int)(end - now_ms() > 0 ? end - now_ms() : 0)) < 0 && errno == EINTR)
		;
	if (!pf.revents || read(r[0], &c, 1) != 1) {
		/* ours first: its status may not name it yet, or still name an earlier one */
		kill(pid, SIGKILL);
		sv_free(&s);
		sv_this(&s);
		kill_all(&s);
		st = wait_child(pid);
		if (pf.revents)
			snprintf(why, sizeof(why), "container-supervise exited with status %d before READY=1",
				 st);
		else
			snprintf(why, sizeof(why), "timed out after %d ms waiting for READY=1", ms);
		tail = log_tail();
		die(EXIT_FAIL, "%s%s%s (log: %s)", why, *tail ? ": " : "", tail, msg_esc(p.log));
	}
	close(r[0]);
	sv_free(&s);
	unlock_conf(lock);
	return 0;
}

static int stop(int force)
{
	int lock = lock_conf(), rc = 0;
	struct sv s;

	sv_this(&s);
	if (s.left && !force)
		orphaned(&s);
	if (*s.state && !force && sv_kill(&s, SIGTERM) < 0)
		force = 1;
	if ((*s.state || s.left) &&
	    (force || !sv_gone(&s, o.timeout_ms >= 0 ? o.timeout_ms : STOP_TIMEOUT_MS))) {
		sv_free(&s);
		sv_this(&s);
		rc = kill_all(&s);
	}
	sv_free(&s);
	unlock_conf(lock);
	return rc;
}

static const char *d_status(void)
{
	static char st[16];
	struct sv s;

	sv_this(&s);
	snprintf(st, sizeof(st), "%s", sv_status(&s));
	sv_free(&s);
	return st;
}

static void d_statuses(const struct strv *names, const char **st)
{
	for (size_t i = 0; i < names->n; i++) {
		char *key = container_key(names->v[i]), *dir = xasprintf("%s/%s", run_dir(), key);
		struct sv s;

		sv_read(&s, dir);
		st[i] = sv_status(&s);
		sv_free(&s);
		free(dir);
		free(key);
	}
}

static int d_stop(void)
{
	return stop(0);
}

static int d_terminate(void)
{
	return stop(1);
}

/* The supervisor's leader, if it is alive and in the container's cgroup. */
static pid_t d_leader(int must)
{
	char path[32], *cg, *want;
	pid_t l = 0;
	struct sv s;

	sv_this(&s);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)s.leader);
	want = xasprintf("/ncbox/%s/", strrchr(p.state, '/') + 1);
	if (*s.state && s.leader > 0 && (cg = read_file(path, 1 << 16, NULL))) {
		if (strstr(cg, want))
			l = s.leader;
		free(cg);
	}
	free(want);
	sv_free(&s);
	if (!l && must)
		die(EXIT_FAIL, "unable to get container's main PID (it is not running)");
	return l;
}

static int d_login(void)
{
	char *cmd[] = { "login", NULL };

	/* login starts the login shell itself, once it knows the user */
	return enter_run(d_leader(1), cmd, 1);
}

/* What the unit's reload does: switch-to-configuration test in the container. */
static void d_reload(const struct conf *c)
{
	const char *sp = conf_file_get(c, "SYSTEM_PATH");
	char *stc =
	    xasprintf("%s/bin/switch-to-configuration", sp && *sp ? sp : "/nix/var/nix/profiles/system");
	char *cmd[] = { stc, "test", NULL };
	int rc = enter_run(d_leader(1), cmd, 0);

	if (rc)
		die(EXIT_FAIL, "failed to reload container (switch-to-configuration exited with status %d)",
		    rc);
	free(stc);
}

const struct backend nc_direct = {
	.status = d_status,
	.statuses = d_statuses,
	.start = d_start,
	.stop = d_stop,
	.terminate = d_terminate,
	.login = d_login,
	.leader = d_leader,
	.reload = d_reload,
};
