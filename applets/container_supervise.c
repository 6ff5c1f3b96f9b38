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
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/conf.h"
#include "../common/container.h"
#include "../common/fsutil.h"
#include "../common/hostnet.h"
#include "../common/task.h"
#include "../common/proc.h"
#include "applets.h"

/* clang-format off */
const char container_supervise_usage[] =
	"Usage: container-supervise [--ready-fd=FD] [--stop-timeout=SEC] [--log-max=KIB] [NAME]\n"
	"\n"
	"Run container NAME (default $INSTANCE) in the foreground, nspawn as our child: prestart,\n"
	"container-start, the host network on nspawn's leader PID, up on READY=1; after nspawn\n"
	"exits the cgroup is killed, veths and an ephemeral root removed. Reboot: started again.\n"
	"SIGTERM: stopped. Files: RUN_DIR/NAME.HASH/{status,lock,log,log.1}; see README.\n"
	"\n"
	"  --ready-fd=FD        a newline to FD once up\n"
	"  --stop-timeout=SEC   SIGKILL this long after SIGTERM (default 90)\n"
	"  --log-max=KIB        console log cap (default 1024)\n"
	"\n"
	"Exit: 0 stopped or poweroff, 1 a step failed, 2 usage, 3 bad name or config, else nspawn's.\n";
/* clang-format on */

#define START_BURST 5
#define START_WINDOW_MS 10000
#define CATCH_WAIT_MS 2000 /* longest a stop waits for the init to take its signal */
#define KILL_WAIT_MS 5000

static struct sv {
	const char *name;
	struct conf c;
	struct netconf nc;
	char *dir, *status, *log, *root, *notify, *sd_notify;
	char *cg[2]; /* where nspawn runs: cgroup2, v1 name=systemd (NULL: not mounted) */
	int unit, ready_fd, sfd, nsock, pipe, logfd, out;
	int logstd; /* bit FD: our stdout (1), stderr (2) is the log, moved along when it rotates */
	long long stop_ms, log_half, logsize;
	pid_t child, leader;
	int ready, stopping, forwarded, killed, killsig, exit;
	long long stop_at, leader_at;
	unsigned long long leader_start; /* with the PID, names the leader even once PIDs wrap */
} sv = { .ready_fd = -1, .logfd = -1, .pipe = -1, .out = -1, .stop_ms = 90000, .log_half = 512 << 10 };

/* The status file, replaced in one rename; not fsync'd (volatile state, and on a /run on
 * disk each fsync took 4-8 ms of a start). */
static void status_write(const char *state)
{
	char *t = xasprintf("STATE=%s\nPID=%d\nNSPAWN_PID=%d\nLEADER_PID=%d\nEXIT=%d\n", state, (int)getpid(),
			    (int)sv.child, (int)sv.leader, sv.exit);
	char *tmp = xasprintf("%s.new", sv.status);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, t, strlen(t));

	if ((fd >= 0 && close(fd) < 0) || n != (ssize_t)strlen(t) || rename(tmp, sv.status) < 0)
		warn_sys("write status", sv.status);
	free(tmp);
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
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		warn_sys("notify systemd", sv.sd_notify);
	close(fd);
}

static sigset_t mask;

/* In a forked child: the signals as they were, no descriptor above 2 (the caller's
 * included: a lock it holds must not live as long as the container). */
static void child_setup(void)
{
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	close_from(3, -1);
}

/* Run APPLET NAME from this binary and wait: its exit code, 128+signal, or -1. */
static int run_step(const char *applet_name)
{
	char *argv[] = { (char *)applet_name, (char *)sv.name, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null < 0 || dup2(null, 0) < 0)
			_exit(EXIT_FAIL);
		child_setup();
		execv("/proc/self/exe", argv);
		_exit(EXIT_NOEXEC);
	}
	return pid < 0 ? -1 : wait_child(pid);
}

/* The host side of the network (UP: container-poststart's work, else the veths removed),
 * in this process; 0, or -1 after reporting a failure. */
static int hostnet(int up)
{
	struct nl *nl;
	int rc;

	if (!(up ? hostnet_links(&sv.nc, NULL, 0) : hostnet_main_veth(&sv.nc) || sv.nc.n_veths))
		return 0;
	if (!(nl = nl_open())) {
		warn_sys("open netlink socket", NULL);
		return -1;
	}
	rc = up ? hostnet_up(nl, &sv.nc) : hostnet_clear(nl, &sv.nc);
	nl_close(nl);
	return rc;
}

/* The console: 1 read, 0 at its end, -1 nothing now. Into the log (renamed to log.1 at half the cap), and to
 * stdout when a collector reads it there; a stdout that does not keep up loses lines, never stalls us. */
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
		sv.logfd =
		    open(sv.log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
		sv.logsize = 0;
		for (int fd = 1; fd < 3; fd++)
			if (sv.logfd >= 0 && (sv.logstd >> fd & 1))
				dup2(sv.logfd, fd);
	}
	if (sv.logfd >= 0 && write(sv.logfd, buf, (size_t)n) == n)
		sv.logsize += n;
	if (sv.out >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) && write(sv.out, buf, (size_t)n) < 0)
		sv.out = -1;
	return 1;
}

/* A stop asked for: pass it on once it can take effect. */
static void stop_try(void)
{
	if (!sv.stopping || sv.forwarded || !sv.child)
		return;
	if (!sv.leader) {
		/* still container-start: it has nothing running yet, and dies of SIGTERM */
		if (proc_is_self(sv.child)) {
			if (kill(sv.child, SIGTERM) == 0)
				sv.forwarded = 2; /* again once nspawn names a leader: it may have exec'd */
		} else if (now_ms() - sv.stop_at >= CATCH_WAIT_MS) {
			/* nspawn, and still no leader: it takes a SIGTERM before it has one too */
			kill(sv.child, SIGTERM);
			sv.forwarded = 1;
		}
		return;
	}
	if (!sv.killsig)
		sv.killsig = proc_kill_signal(sv.child);
	if (sv.ready || now_ms() - sv.leader_at >= CATCH_WAIT_MS ||
	    proc_takes_signal(sv.leader, sv.killsig)) {
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

/* Take the signals that wait in the signalfd: SIGTERM or SIGINT begins a stop. Also before
 * a fork, so that a stop during prestart or a reboot's cleanup is not missed. */
static void sig_drain(void)
{
	struct signalfd_siginfo si;

	while (read(sv.sfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop_begin();
}

/* The stop timeout passed: kill the container, then nspawn if it does not go. */
static void stop_kill(void)
{
	char *pl = sv.cg[0] ? xasprintf("%s/payload", sv.cg[0]) : NULL;

	warn_msg("stop: %s: still running after %lld ms: killed", sv.name, sv.stop_ms);
	if (!(pl && cg_populated(pl) && cg_kill(pl) == 0) && sv.leader &&
	    proc_same(sv.leader, sv.leader_start))
		kill(sv.leader, SIGKILL);
	free(pl);
}

/* The container's PID 1 says it runs, or nspawn names it: only nspawn's word counts. */
static void read_notify(void)
{
	char buf[4096], ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
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
			sv.leader_start = proc_start_time(sv.leader);
			sv.forwarded &= 1;
			if (hostnet(1)) {
				warn_msg("%s: the host side of the network failed: stopping", sv.name);
				sv.exit = EXIT_FAIL;
				stop_begin();
			}
		} else if (!strncmp(l, "READY=1", 7) && !sv.ready && sv.leader) {
			sv.ready = 1;
			/* after a stop began it is not up: --ready-fd closed without the newline */
			if (sv.ready_fd >= 0) {
				if (!sv.stopping && write(sv.ready_fd, "\n", 1) < 0)
					warn_sys("notify", "--ready-fd");
				close(sv.ready_fd);
				sv.ready_fd = -1;
			}
			if (!sv.stopping) {
				status_write("up");
				sd_say("READY=1\nSTATUS=Container running.");
			}
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
		if (cg_remove(sv.cg[i]) < 0)
			warn_sys("remove cgroup", sv.cg[i]);
		parent = xstrdup(sv.cg[i]);
		*strrchr(parent, '/') = 0;
		if (!sv.unit)
			rmdir(parent); /* ncbox/, once no other container is in it */
		free(parent);
	}
}

static void teardown(void)
{
	char *failed = NULL;

	cg_clean();
	hostnet(0);
	if (remove_tree(sv.root, &failed) < 0)
		warn_sys("remove ephemeral root", failed ? failed : sv.root);
	free(failed);
}

/* One run of the container: its nspawn's exit code (128+signal), or -1 when it did not start. */
static int run_once(int again)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int p[2], cgfd[2] = { -1, -1 }, status = 0;
	pid_t pid;

	sv.child = sv.leader = 0;
	sv.ready = sv.forwarded = sv.killed = sv.killsig = sv.exit = 0;
	status_write("starting");
	for (int i = 0; i < 2; i++)
		if (sv.cg[i] && cg_populated(sv.cg[i]))
			warn_msg("%s: processes left from before in %s: killed", sv.name, sv.cg[i]);
	cg_clean();
	/* a stale machined registration too: keep container-prestart's one home for it; it
	 * checks the config too, before we read it again (as container-start does) */
	if ((status = run_step("container-prestart")))
		return status == EXIT_CONFIG ? EXIT_CONFIG : EXIT_FAIL;
	if (again) {
		netconf_free(&sv.nc);
		conf_free(&sv.c);
		conf_load(&sv.c, sv.name);
		netconf_load(&sv.nc, &sv.c, sv.name);
	}
	sv.nsock = p[0] = p[1] = pid = -1;
	for (int i = 0; i < 2; i++) {
		char *procs;

		if (!sv.cg[i])
			continue;
		if (mkdir_p(sv.cg[i], 0755) < 0) {
			warn_sys("make cgroup", sv.cg[i]);
			goto out;
		}
		procs = xasprintf("%s/cgroup.procs", sv.cg[i]);
		if ((cgfd[i] = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
			warn_sys("open", procs);
		free(procs);
		if (cgfd[i] < 0)
			goto out;
	}
	/* an abstract name the kernel picks (autobind): none that another process could
	 * take first */
	if ((sv.nsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(sv.nsock, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0 ||
	    bind(sv.nsock, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ||
	    getsockname(sv.nsock, (struct sockaddr *)&sa, &(socklen_t){ sizeof(sa) }) < 0) {
		warn_sys("make notify socket", NULL);
		goto out;
	}
	free(sv.notify);
	sv.notify =
	    xasprintf("@%.*s", (int)strnlen(sa.sun_path + 1, sizeof(sa.sun_path) - 1), sa.sun_path + 1);
	if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		warn_sys("make log pipe", NULL);
		goto out;
	}
	sig_drain();
	if (sv.stopping) /* stopped during prestart */
		goto out;
	if ((pid = fork()) == 0) {
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
		child_setup();
		setenv("NOTIFY_SOCKET", sv.notify, 1);
		setenv("RUNTIME_DIRECTORY", sv.root, 1);
		execv("/proc/self/exe", argv);
		_exit(EXIT_NOEXEC);
	}
	if (pid < 0)
		warn_sys("start", "container-start");
out: /* a step failed or a stop came: down again, cleaned up */
	for (int i = 0; i < 2; i++)
		if (cgfd[i] >= 0)
			close(cgfd[i]);
	if (p[1] >= 0)
		close(p[1]);
	sv.pipe = p[0];
	if (pid < 0) {
		if (sv.nsock >= 0)
			close(sv.nsock);
		if (sv.pipe >= 0)
			close(sv.pipe);
		sv.pipe = -1;
		teardown();
		return -1;
	}
	sv.child = pid;
	status_write("starting");
	for (;;) {
		struct pollfd f[3] = { { sv.sfd, POLLIN, 0 },
				       { sv.nsock, POLLIN, 0 },
				       { sv.pipe, POLLIN, 0 } };
		long long t = -1, now = now_ms();

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
		if (poll(f, sv.pipe >= 0 ? 3 : 2, (int)(t < 0 ? -1 : t)) < 0) {
			if (errno == EINTR)
				continue;
			/* nothing to watch it with: it goes, and the cleanup runs */
			warn_sys("poll", NULL);
			sv.exit = EXIT_FAIL;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (f[1].revents & POLLIN)
			read_notify();
		if (sv.pipe >= 0 && f[2].revents && !log_data()) {
			close(sv.pipe);
			sv.pipe = -1;
		}
		if (f[0].revents & POLLIN)
			sig_drain();
		stop_try();
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	sv.forwarded = 1; /* reaped: a stop from now on has nothing to go to */
	close(sv.nsock);
	teardown();
	/* the container may have held the pipe too: read the rest once it is gone */
	while (sv.pipe >= 0 && log_data() > 0)
		;
	if (sv.pipe >= 0)
		close(sv.pipe), sv.pipe = -1;
	return exit_status(status);
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

/* The cgroups nspawn starts in: ncbox/KEY in each hierarchy, or under systemd the unit's
 * container/, while we go to its supervise/: nspawn makes supervisor/ and payload/ below
 * its own cgroup, and cgroup v2 allows no process beside subcgroups that have controllers. */
static void cgroups(const char *key)
{
	char *root[2], *self = sv.unit ? read_file("/proc/self/cgroup", 4096, NULL) : NULL;

	cg_roots(&root[0], &root[1]);
	for (int i = 0; i < 2; i++) {
		const char *l = self ? strstr(self, i ? ":name=systemd:/" : "0::/") : NULL;
		char *unit, *f, *c;
		int fd;

		if (!root[i] || (sv.unit && !l))
			continue;
		if (!sv.unit) {
			sv.cg[i] = xasprintf("%s/ncbox/%s", root[i], key);
			continue;
		}
		l = strchr(l, '/');
		unit = xasprintf("%s%.*s", root[i], (int)strcspn(l, "\n"), l);
		sv.cg[i] = xasprintf("%s/container", unit);
		f = xasprintf("%s/supervise", unit);
		mkdir(f, 0755);
		free(f);
		f = xasprintf("%s/supervise/cgroup.procs", unit);
		if ((fd = open(f, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "0", 1) != 1)
			warn_sys("join cgroup", f);
		if (fd >= 0)
			close(fd);
		free(f);
		/* what systemd delegated, on to container/, for nspawn to pass on: "+a +b" */
		f = xasprintf("%s/cgroup.controllers", unit);
		if ((c = read_file(f, 4096, NULL)) && *c) {
			char *w = xmalloc(2 * strlen(c) + 2), *o = w;

			for (char *p = c; *p && *p != '\n'; p++)
				o += sprintf(o, p == c || p[-1] == ' ' ? "+%c" : "%c", *p);
			*o = 0;
			free(f);
			f = xasprintf("%s/cgroup.subtree_control", unit);
			if ((fd = open(f, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, w, strlen(w)) < 0)
				warn_sys("enable controllers", f);
			if (fd >= 0)
				close(fd);
			free(w);
		}
		free(f);
		free(c);
		free(unit);
	}
	free(root[0]);
	free(root[1]);
	free(self);
}

int container_supervise_main(int argc, char **argv)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE };
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
		die_usage("--ready-fd=%d: not an open descriptor", sv.ready_fd);
	/* nothing of the caller's but --ready-fd lives on with us (a lock it holds) */
	close_from(3, sv.ready_fd);
	if (!sv.log_half)
		die_usage("--log-max: 0 keeps no log");
	conf_load(&sv.c, sv.name);
	netconf_load(&sv.nc, &sv.c, sv.name);
	key = container_key(sv.name);
	sv.dir = xasprintf("%s/%s", run_dir(), key);
	sv.status = xasprintf("%s/status", sv.dir);
	sv.log = xasprintf("%s/log", sv.dir);
	sv.root = xasprintf("%s/root", sv.dir);
	if (mkdir_p(sv.dir, 0755) < 0)
		die_sys(EXIT_FAIL, "make run dir", sv.dir);
	{
		char *l = xasprintf("%s/lock", sv.dir);

		if ((lock = open(l, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
			die_sys(EXIT_FAIL, "open", l);
		/* a reader's probe (nixos-container status) holds it shared for a moment */
		for (int i = 0; flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK && i < 20; i++)
			usleep(1000);
		if (flock(lock, LOCK_EX | LOCK_NB) < 0)
			die_err(EXIT_FAIL, "lock", l, errno,
				errno == EWOULDBLOCK ? "another supervisor runs it" : NULL);
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
		struct stat st, l;

		if (fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			sv.out = 1;
		/* nixos-container gives us the log as stderr: kept from its first line on */
		for (int fd = 1; fd < 3; fd++)
			if (fstat(fd, &st) == 0 && stat(sv.log, &l) == 0 && st.st_dev == l.st_dev &&
			    st.st_ino == l.st_ino) {
				sv.logstd |= 1 << fd;
				sv.logsize = st.st_size;
				if (sv.logfd < 0)
					sv.logfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			}
	}
	/* default first: a signal the caller ignored (a script's `&` ignores SIGINT) would
	 * never reach the signalfd */
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
		signal(sigs[i], SIG_DFL);
		sigaddset(&mask, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((sv.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		die_sys(EXIT_FAIL, "signalfd", NULL);
	for (;;) {
		long long t = now_ms();

		if (n >= START_BURST && t - starts[n % START_BURST] < START_WINDOW_MS) {
			warn_msg("%s: %d starts within %d s: given up", sv.name, START_BURST,
				 START_WINDOW_MS / 1000);
			rc = EXIT_FAIL;
			break;
		}
		starts[n++ % START_BURST] = t;
		rc = run_once(n > 1);
		sig_drain(); /* a stop during the cleanup: no restart */
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
