/* container-supervise: a container's whole life in one foreground process, the parent of
 * the nspawn it watches (as s6-supervise and runsv are): prestart, container-start and
 * nspawn as its child, the host side of the network, readiness, stop, restart on reboot,
 * the console log, and the cleanup after nspawn exits, whatever the reason. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/conf.h"
#include "../common/container.h"
#include "../common/fsutil.h"
#include "../common/task.h"
#include "applets.h"

const char container_supervise_usage[] =
	"Usage: container-supervise [--ready-fd=FD] [--stop-timeout=SEC] [--log-max=KIB] [NAME]\n"
	"\n"
	"Run container NAME (default $INSTANCE) in the foreground until it stops: container-\n"
	"prestart, then container-start (which execs systemd-nspawn) as this process's child;\n"
	"on nspawn's X_NSPAWN_LEADER_PID the host side of the network (container-poststart);\n"
	"on the container's READY=1 the state `up`. Only nspawn's own notifications count.\n"
	"When nspawn exits, for whatever reason: what is left in the cgroup is killed, the veths\n"
	"removed (container-prestart), an ephemeral root removed, the state set `down`.\n"
	"\n"
	"  --ready-fd=FD     write a newline to FD and close it once the container is up (s6's\n"
	"                    notification-fd); closed without one when the start fails\n"
	"  --stop-timeout=SEC  SIGKILL the container this long after a stop (default 90)\n"
	"  --log-max=KIB     console log cap (default 1024): RUN_DIR/KEY/log, renamed to log.1\n"
	"                    at half the cap, so that the newest output is kept\n"
	"\n"
	"KEY is NAME.HASH, HASH 8 hex digits of the config dir's real path: the cgroup ncbox/KEY\n"
	"(nspawn and the container; this process stays outside) and RUN_DIR/KEY/: status\n"
	"(STATE=starting|up|stopping|down, PID, NSPAWN_PID, LEADER_PID, EXIT; only this process\n"
	"writes it), lock (flock'd by this process while it lives: a status nobody holds the\n"
	"lock of is stale), log, log.1, root (an ephemeral root, via $RUNTIME_DIRECTORY).\n"
	"The console also goes to stdout when that is a pipe or socket (runit's log, journald).\n"
	"\n"
	"SIGTERM, SIGINT: stop: SIGTERM to nspawn (which passes its kill signal, SIGRTMIN+3, to\n"
	"the container's init) once the init has that signal caught or blocked, so that a stop\n"
	"right after a start is not lost (READY=1 or 2 s end the wait); SIGKILL to the\n"
	"container's cgroup after the stop timeout. nspawn exit 133 (reboot) starts it again,\n"
	"at most 5 starts in 10 s; exit 0 (poweroff) ends it.\n"
	"Under systemd ($NOTIFY_SOCKET set: a Type=notify unit): nspawn runs in the unit's cgroup,\n"
	"this process moves to its supervisor/ subcgroup; READY=1, STATUS= and STOPPING=1 go to\n"
	"systemd. Descriptors above 2 never reach nspawn or the helpers.\n"
	"\n"
	"Exit: 0 stopped (a stop, or poweroff), 1 a step failed or the start limit was hit,\n"
	"2 usage, 3 bad name, else nspawn's (or container-start's) exit code, 128+signal.\n";

#define START_BURST 5
#define START_WINDOW_MS 10000
#define CATCH_WAIT_MS 2000 /* longest a stop waits for the init to take its signal */
#define KILL_WAIT_MS 5000

static struct sv {
	const char *name;
	char *dir, *status, *log, *root, *notify, *sd_notify;
	char *cg[2]; /* our own cgroups (v2, v1); under systemd cg[0] is the unit's payload/ */
	int unit, ready_fd, sfd, nsock, pipe, logfd, out;
	long long stop_ms, log_half, logsize;
	pid_t child, leader;
	int ready, stopping, forwarded, killed, killsig, exit;
	long long stop_at, leader_at;
} sv = { .ready_fd = -1, .logfd = -1, .pipe = -1, .out = -1, .stop_ms = 90000, .log_half = 512 << 10 };

static void status_write(const char *state)
{
	char *t = xasprintf("STATE=%s\nPID=%d\nNSPAWN_PID=%d\nLEADER_PID=%d\nEXIT=%d\n", state, (int)getpid(),
			    (int)sv.child, (int)sv.leader, sv.exit);

	if (write_atomic(sv.status, t, strlen(t), 0644, 0) < 0)
		warn_sys("write status", sv.status);
	free(t);
}

/* A datagram to systemd's NOTIFY_SOCKET, when we run under it. */
static void sd_say(const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (!sv.sd_notify || (n = strlen(sv.sd_notify)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sv.sd_notify, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		warn_sys("notify systemd", sv.sd_notify);
	close(fd);
}

static sigset_t mask;

/* In a forked child: the signals as they were, no descriptor above 2 but KEEP. */
static void child_setup(int keep)
{
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	if (keep > 2 && syscall(436 /* close_range */, 3, keep - 1, 0) == 0 &&
	    syscall(436, keep + 1, ~0U, 0) == 0)
		return;
	if (keep <= 2 && syscall(436, 3, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < 65536; fd++)
		if (fd != keep)
			close(fd);
}

/* Run APPLET NAME from this binary and wait: its exit code, 128+signal, or -1. */
static int run_step(const char *applet_name)
{
	char *argv[] = { (char *)applet_name, (char *)sv.name, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_setup(-1);
		execv("/proc/self/exe", argv);
		_exit(EXIT_NOEXEC);
	}
	return pid < 0 ? -1 : wait_child(pid);
}

static void step(const char *applet_name)
{
	int rc = run_step(applet_name);

	if (rc)
		warn_msg("%s %s: exited %d", applet_name, sv.name, rc);
}

/* The console: 1 read, 0 at its end, -1 nothing now. Into the log (renamed to log.1 at half the cap), and to stdout when a
 * collector reads it there; a stdout that does not keep up loses lines, never stalls us. */
static int log_data(void)
{
	char buf[4096];
	ssize_t n = read(sv.pipe, buf, sizeof(buf));
	struct pollfd p = { sv.out, POLLOUT, 0 };

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? -1 : 0;
	if (sv.logfd >= 0 && sv.logsize + n > sv.log_half) {
		char *old = xasprintf("%s.1", sv.log);

		close(sv.logfd);
		rename(sv.log, old);
		free(old);
		sv.logfd = -1;
	}
	if (sv.logfd < 0) {
		sv.logfd = open(sv.log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
		sv.logsize = 0;
	}
	if (sv.logfd >= 0 && write(sv.logfd, buf, (size_t)n) == n)
		sv.logsize += n;
	if (sv.out >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) && write(sv.out, buf, (size_t)n) < 0)
		sv.out = -1;
	return 1;
}

/* nspawn's kill signal, from its command line (the last --kill-signal=), as glibc numbers it. */
static int kill_signal(pid_t pid)
{
	static const struct {
		char name[6];
		int sig;
	} names[] = { { "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "USR1", 10 }, { "USR2", 12 }, { "TERM", 15 }, { "PWR", 30 } };
	char path[32], *buf, *v = NULL;
	size_t len;
	int sig = 37;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!(buf = read_file(path, 1 << 20, &len)))
		return sig;
	for (char *a = buf; a < buf + len; a += strlen(a) + 1)
		if (!strncmp(a, "--kill-signal=", 14))
			v = a + 14;
	if (v) {
		v += strncmp(v, "SIG", 3) ? 0 : 3;
		if (!strncmp(v, "RTMIN", 5))
			sig = 34 + (v[5] == '+' ? atoi(v + 6) : 0);
		else if (*v >= '1' && *v <= '9')
			sig = atoi(v);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(v, names[i].name))
				sig = names[i].sig;
	}
	free(buf);
	return sig;
}

/* Whether PID has SIG caught or blocked: only then does PID 1 of a PID namespace keep it. */
static int takes_signal(pid_t pid, int sig)
{
	char path[32], *s, *l;
	unsigned long long m = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(s = read_file(path, 1 << 16, NULL)))
		return 1; /* gone: nothing to wait for */
	if ((l = strstr(s, "\nSigBlk:")))
		m |= strtoull(l + 8, NULL, 16);
	if ((l = strstr(s, "\nSigCgt:")))
		m |= strtoull(l + 8, NULL, 16);
	free(s);
	return m >> (sig - 1) & 1;
}

static int same_exe(pid_t pid)
{
	char path[32];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* A stop asked for: pass it on once it can take effect. */
static void stop_try(void)
{
	if (!sv.stopping || sv.forwarded || !sv.child)
		return;
	if (!sv.leader) {
		/* still container-start: it has nothing running yet, and dies of SIGTERM */
		if (same_exe(sv.child) && kill(sv.child, SIGTERM) == 0)
			sv.forwarded = 2; /* again once nspawn names a leader: it may have exec'd */
		return;
	}
	if (!sv.killsig)
		sv.killsig = kill_signal(sv.child);
	if (sv.ready || now_ms() - sv.leader_at >= CATCH_WAIT_MS || takes_signal(sv.leader, sv.killsig)) {
		kill(sv.child, SIGTERM);
		sv.forwarded = 1;
	}
}

static void stop_begin(void)
{
	if (sv.stopping)
		return;
	sv.stopping = 1;
	sv.stop_at = now_ms();
	status_write("stopping");
	sd_say("STOPPING=1");
	stop_try();
}

/* The stop timeout passed: kill the container, then nspawn if it does not go. */
static void stop_kill(void)
{
	char *payload = sv.unit ? NULL : sv.cg[0] ? xasprintf("%s/payload", sv.cg[0]) : NULL;
	const char *pl = sv.unit ? sv.cg[0] : payload;

	warn_msg("stop: %s: still running after %lld ms: killed", sv.name, sv.stop_ms);
	if (!(pl && cg_populated(pl) && cg_kill(pl) == 0) && sv.leader)
		kill(sv.leader, SIGKILL);
	free(payload);
}

/* The container's PID 1 says it runs, or nspawn names it: only nspawn's word counts. */
static void read_notify(void)
{
	char buf[4096], ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(sv.nsock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	pid_t sender = 0;

	if (n <= 0)
		return;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
			sender = ((struct ucred *)CMSG_DATA(cm))->pid;
		else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			for (int *fd = (int *)CMSG_DATA(cm); (char *)fd < (char *)cm + cm->cmsg_len; fd++)
				close(*fd);
	if (sender != sv.child)
		return;
	buf[n] = 0;
	for (char *l = buf, *e; *l; l = e + !!*e) {
		e = l + strcspn(l, "\n");
		if (!strncmp(l, "X_NSPAWN_LEADER_PID=", 20) && !sv.leader) {
			sv.leader = (pid_t)strtol(l + 20, NULL, 10);
			sv.leader_at = now_ms();
			sv.forwarded &= 1;
			if (run_step("container-poststart")) {
				warn_msg("container-poststart %s failed: stopping", sv.name);
				sv.exit = EXIT_FAIL;
				stop_begin();
			}
		} else if (!strncmp(l, "READY=1", 7) && !sv.ready && sv.leader) {
			sv.ready = 1;
			if (!sv.stopping)
				status_write("up");
			if (sv.ready_fd >= 0) {
				if (write(sv.ready_fd, "\n", 1) < 0)
					warn_sys("notify", "--ready-fd");
				close(sv.ready_fd);
				sv.ready_fd = -1;
			}
			sd_say("READY=1\nSTATUS=Container running.");
		} else if (!strncmp(l, "STATUS=", 7)) {
			char c = *e;

			*e = 0;
			sd_say(l);
			*e = c;
		}
	}
}

/* Kill what is left in our cgroups and remove them. */
static void cg_clean(void)
{
	for (int i = 0; i < 2; i++) {
		long long end = now_ms() + KILL_WAIT_MS;
		char *parent;

		if (!sv.cg[i])
			continue;
		while (cg_populated(sv.cg[i]) && now_ms() < end) {
			cg_kill(sv.cg[i]);
			usleep(5000);
		}
		if (sv.unit)
			continue;
		if (cg_remove(sv.cg[i]) < 0)
			warn_sys("remove cgroup", sv.cg[i]);
		parent = xstrdup(sv.cg[i]);
		*strrchr(parent, '/') = 0;
		rmdir(parent); /* ncbox/, once no other container is in it */
		free(parent);
	}
}

static void teardown(void)
{
	char *failed = NULL;

	cg_clean();
	step("container-prestart");
	if (remove_tree(sv.root, &failed) < 0)
		warn_sys("remove ephemeral root", failed ? failed : sv.root);
	free(failed);
}

/* One run of the container: its nspawn's exit code (128+signal), or -1 when it did not start. */
static int run_once(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int p[2], cgfd[2] = { -1, -1 }, status;
	pid_t pid;

	sv.child = sv.leader = 0;
	sv.ready = sv.forwarded = sv.killed = sv.killsig = sv.exit = 0;
	status_write("starting");
	for (int i = 0; i < 2; i++)
		if (sv.cg[i] && cg_populated(sv.cg[i]))
			warn_msg("%s: processes left from before in %s: killed", sv.name, sv.cg[i]);
	cg_clean();
	if (run_step("container-prestart"))
		return EXIT_FAIL;
	for (int i = 0; i < 2 && !sv.unit; i++) {
		char *procs;

		if (!sv.cg[i])
			continue;
		if (mkdir_p(sv.cg[i], 0755, NULL) < 0)
			die_sys(EXIT_FAIL, "make cgroup", sv.cg[i]);
		procs = xasprintf("%s/cgroup.procs", sv.cg[i]);
		if ((cgfd[i] = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
			die_sys(EXIT_FAIL, "open", procs);
		free(procs);
	}
	memcpy(sa.sun_path + 1, sv.notify + 1, strlen(sv.notify) - 1);
	if ((sv.nsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(sv.nsock, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0 ||
	    bind(sv.nsock, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sv.notify))) < 0)
		die_sys(EXIT_FAIL, "make notify socket", sv.notify);
	if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
		die_sys(EXIT_FAIL, "make log pipe", NULL);
	if (sv.stopping) /* stopped during prestart */
		pid = -1, errno = ECANCELED;
	else if ((pid = fork()) == 0) {
		char *argv[] = { "container-start", (char *)sv.name, NULL };
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setsid();
		for (int i = 0; i < 2; i++)
			if (cgfd[i] >= 0 && write(cgfd[i], "0", 1) != 1) {
				warn_sys("join cgroup", sv.cg[i]);
				_exit(EXIT_FAIL);
			}
		if (dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(EXIT_FAIL);
		child_setup(-1);
		setenv("NOTIFY_SOCKET", sv.notify, 1);
		setenv("RUNTIME_DIRECTORY", sv.root, 1);
		execv("/proc/self/exe", argv);
		_exit(EXIT_NOEXEC);
	}
	for (int i = 0; i < 2; i++)
		if (cgfd[i] >= 0)
			close(cgfd[i]);
	close(p[1]);
	sv.pipe = p[0];
	if (pid < 0) {
		if (errno != ECANCELED)
			warn_sys("start", "container-start");
		close(sv.nsock);
		close(sv.pipe);
		teardown();
		return -1;
	}
	sv.child = pid;
	status_write("starting");
	for (;;) {
		struct pollfd f[3] = { { sv.sfd, POLLIN, 0 }, { sv.nsock, POLLIN, 0 }, { sv.pipe, POLLIN, 0 } };
		long long t = -1, now = now_ms();
		struct signalfd_siginfo si;

		/* the stop timeout: the container killed; KILL_WAIT_MS later, nspawn too */
		if (sv.stopping && sv.killed < 2) {
			long long due = sv.stop_at + sv.stop_ms + (sv.killed ? KILL_WAIT_MS : 0);

			if (now >= due) {
				if (sv.killed++)
					for (int i = 0; i < 2; i++)
						kill(pid, SIGKILL), sv.cg[i] && cg_kill(sv.cg[i]);
				else
					stop_kill();
				due += KILL_WAIT_MS;
			}
			t = sv.killed < 2 ? due - now : -1;
			if (!sv.forwarded && (t < 0 || t > 10))
				t = 10;
		}
		if (poll(f, sv.pipe >= 0 ? 3 : 2, (int)(t < 0 ? -1 : t)) < 0 && errno != EINTR)
			die_sys(EXIT_FAIL, "poll", NULL);
		if (f[1].revents & POLLIN)
			read_notify();
		if (sv.pipe >= 0 && f[2].revents && !log_data()) {
			close(sv.pipe);
			sv.pipe = -1;
		}
		if ((f[0].revents & POLLIN) && read(sv.sfd, &si, sizeof(si)) == sizeof(si) &&
		    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT))
			stop_begin();
		stop_try();
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	close(sv.nsock);
	teardown();
	/* the container may have held the pipe too: read the rest once it is gone */
	while (sv.pipe >= 0 && log_data() > 0)
		;
	if (sv.pipe >= 0)
		close(sv.pipe), sv.pipe = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static long long number(const char *opt, const char *v, long long max)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || n > max)
		die_usage("%s: '%s' is not a number up to %lld", opt, msg_esc(v), max);
	return n;
}

/* Our cgroups: ncbox/KEY in each hierarchy; under systemd, the unit's payload/, and we go
 * to its supervisor/ (cgroup v2 allows no process beside the subcgroups nspawn makes). */
static void cgroups(const char *key)
{
	char *v2, *v1, *self;

	cg_roots(&v2, &v1);
	if (!sv.unit) {
		sv.cg[0] = v2 ? xasprintf("%s/ncbox/%s", v2, key) : NULL;
		sv.cg[1] = v1 ? xasprintf("%s/ncbox/%s", v1, key) : NULL;
	} else if (v2 && (self = read_file("/proc/self/cgroup", 4096, NULL)) && !strncmp(self, "0::/", 4) &&
		   !strchr(self, '\n')[1]) {
		char *dir;

		*strchr(self, '\n') = 0;
		dir = xasprintf("%s%s/supervisor", v2, self + 3);
		sv.cg[0] = xasprintf("%s%s/payload", v2, self + 3);
		if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
			char *procs = xasprintf("%s/cgroup.procs", dir);
			int fd = open(procs, O_WRONLY | O_CLOEXEC);

			if (fd < 0 || write(fd, "0", 1) != 1)
				warn_sys("join cgroup", procs);
			if (fd >= 0)
				close(fd);
			free(procs);
		}
		free(dir);
		free(self);
	}
	free(v2);
	free(v1);
}

int container_supervise_main(int argc, char **argv)
{
	long long starts[START_BURST] = { 0 };
	char *ops[2], *key;
	int nops = 0, lock, rc, n = 0;
	const char *why, *e;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--ready-fd=", 11))
			sv.ready_fd = (int)number("--ready-fd", argv[i] + 11, 1 << 20);
		else if (!strncmp(argv[i], "--stop-timeout=", 15))
			sv.stop_ms = number("--stop-timeout", argv[i] + 15, 1 << 20) * 1000;
		else if (!strncmp(argv[i], "--log-max=", 10))
			sv.log_half = number("--log-max", argv[i] + 10, 1 << 22) << 9;
		else if (argv[i][0] == '-')
			die_usage("unknown option '%s'", msg_esc(argv[i]));
		else if (nops < 2)
			ops[nops++] = argv[i];
	}
	sv.name = container_name(nops, ops);
	if (machine_name_check(sv.name, &why) < 0)
		die(EXIT_CONFIG, "container name '%s': %s", msg_esc(sv.name), why);
	if (sv.ready_fd >= 0 && fcntl(sv.ready_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_sys(EXIT_USAGE, "use --ready-fd", argv[0]);
	if (!sv.log_half)
		die_usage("--log-max: 0 keeps no log");
	key = container_key(sv.name);
	sv.dir = xasprintf("%s/%s", run_dir(), key);
	sv.status = xasprintf("%s/status", sv.dir);
	sv.log = xasprintf("%s/log", sv.dir);
	sv.root = xasprintf("%s/root", sv.dir);
	sv.notify = xasprintf("@ncbox/%s/%d", key, (int)getpid());
	if (mkdir_p(sv.dir, 0755, NULL) < 0)
		die_sys(EXIT_FAIL, "make run dir", sv.dir);
	{
		char *l = xasprintf("%s/lock", sv.dir);

		if ((lock = open(l, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
			die_sys(EXIT_FAIL, "open", l);
		/* a reader's probe (nixos-container status) holds it shared for a moment */
		for (int i = 0; flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK && i < 20; i++)
			usleep(1000);
		if (flock(lock, LOCK_EX | LOCK_NB) < 0)
			die_err(EXIT_FAIL, "lock", l, errno, errno == EWOULDBLOCK ? "another supervisor runs it" : NULL);
		free(l);
	}
	if ((e = getenv("NOTIFY_SOCKET")) && *e) {
		sv.unit = 1;
		sv.sd_notify = xstrdup(e);
	}
	unsetenv("NOTIFY_SOCKET");
	setenv("INSTANCE", sv.name, 1);
	cgroups(key);
	{
		struct stat st;

		if (fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			sv.out = 1;
	}
	sigemptyset(&mask);
	for (int s = 1; s < 32; s++)
		if (s == SIGTERM || s == SIGINT || s == SIGHUP || s == SIGCHLD || s == SIGPIPE)
			sigaddset(&mask, s);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((sv.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		die_sys(EXIT_FAIL, "signalfd", NULL);
	for (;;) {
		long long t = now_ms();

		if (n >= START_BURST && t - starts[n % START_BURST] < START_WINDOW_MS) {
			warn_msg("%s: %d starts within %d s: given up", sv.name, START_BURST, START_WINDOW_MS / 1000);
			rc = EXIT_FAIL;
			break;
		}
		starts[n++ % START_BURST] = t;
		rc = run_once();
		if (rc < 0)
			rc = sv.stopping ? 0 : EXIT_FAIL;
		else if (sv.exit || sv.stopping)
			rc = sv.exit;
		if (rc != 133 || sv.stopping)
			break;
		sd_say("STATUS=Rebooting.");
	}
	sv.exit = rc;
	status_write("down");
	free(key);
	return rc;
}
