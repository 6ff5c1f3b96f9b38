/* Processes: identity, cgroups, entering namespaces. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "ncbox.h"
#include "task.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Field 22 of /proc/PID/stat, the start time; 0 when there is no such process, or (LIVE)
 * when it has exited and waits to be reaped. */
static unsigned long long stat_start(pid_t pid, int live)
{
	char path[32], *s, *p;
	unsigned long long t = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(s = read_file(path, 4096, NULL)))
		return 0;
	/* the command name may hold anything, ')' too: fields start after the last ')' */
	if ((p = strrchr(s, ')')) && !(live && (p[2] == 'Z' || p[2] == 'X'))) {
		for (int i = 0; i < 20 && p; i++)
			p = strchr(p + 1, ' ');
		if (p)
			t = strtoull(p + 1, NULL, 10);
	}
	free(s);
	return t;
}

unsigned long long proc_start_time(pid_t pid)
{
	return stat_start(pid, 0);
}

int proc_same(pid_t pid, unsigned long long start)
{
	return start && stat_start(pid, 1) == start;
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wait_gone(pid_t pid, unsigned long long start, int ms)
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

/* The cgroup file systems mounted here; a cgroup2 one gets "" as its super options. */
static size_t cg_mounts(struct mountent **out)
{
	struct mountent *m;
	size_t n = mounts_read(&m), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(m[i].fstype, "cgroup2"))
			m[i].super[0] = 0;
		else if (strcmp(m[i].fstype, "cgroup")) {
			free(m[i].dir);
			free(m[i].root);
			free(m[i].fstype);
			free(m[i].super);
			continue;
		}
		m[k++] = m[i];
	}
	*out = m;
	return k;
}

/* Whether the v1 super options OPTS hold every controller of the comma list WANT. */
static int opts_have(const char *opts, const char *want)
{
	const char *w = want;

	while (*w) {
		size_t wl = strcspn(w, ",");
		const char *o = opts;
		int found = 0;

		while (*o && !found) {
			size_t ol = strcspn(o, ",");

			found = ol == wl && !strncmp(o, w, wl);
			o += ol + (o[ol] == ',');
		}
		if (!found)
			return 0;
		w += wl + (w[wl] == ',');
	}
	return 1;
}

/* The directory of cgroup PATH of the hierarchy CTRL ("" for cgroup2), or NULL. */
static char *cg_dir(struct mountent *m, size_t n, const char *ctrl, const char *path)
{
	for (size_t i = 0; i < n; i++) {
		size_t rl = strlen(m[i].root);

		if (*ctrl ? !*m[i].super || !opts_have(m[i].super, ctrl) : *m[i].super != 0)
			continue;
		if (!strcmp(m[i].root, "/"))
			rl = 0;
		else if (strncmp(path, m[i].root, rl) || (path[rl] && path[rl] != '/'))
			continue;
		return xasprintf("%s%s", m[i].dir, path + rl);
	}
	return NULL;
}

void cg_roots(char **v2, char **v1)
{
	struct mountent *m;
	size_t n = cg_mounts(&m);

	*v2 = cg_dir(m, n, "", "/");
	*v1 = cg_dir(m, n, "name=systemd", "/");
	/* "/sys/fs/cgroup/" + "/": drop the slash a root of "/" leaves */
	for (char **p = v2; p; p = p == v2 ? v1 : NULL)
		if (*p && strlen(*p) > 1 && (*p)[strlen(*p) - 1] == '/')
			(*p)[strlen(*p) - 1] = 0;
	mounts_free(m, n);
}

/* Call FN on DIR and each cgroup below it, children first. */
static int cg_walk(const char *dir, int (*fn)(const char *dir, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = xasprintf("%s/%s", dir, de->d_name);

		rc |= cg_walk(sub, fn, arg);
		free(sub);
	}
	closedir(d);
	return rc | fn(dir, arg);
}

/* SIGKILL the processes listed in DIR/cgroup.procs; *ARG counts them. */
static int kill_procs(const char *dir, void *arg)
{
	char *path = xasprintf("%s/cgroup.procs", dir), *s = read_file(path, 16 << 20, NULL), *p, *end;

	free(path);
	if (!s)
		return errno == ENOENT ? 0 : -1;
	for (p = s; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
			++*(int *)arg;
		while (*end == '\n')
			end++;
	}
	free(s);
	return 0;
}

int cg_kill(const char *dir)
{
	char *path = xasprintf("%s/cgroup.kill", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC), n;

	free(path);
	if (fd >= 0) {
		int r = write(fd, "1", 1) == 1 ? 0 : -1;

		close(fd);
		if (r == 0)
			return 0;
	}
	/* no cgroup.kill (v1, or before Linux 5.14): one by one, until no new one shows up */
	for (int round = 0; round < 100; round++) {
		n = 0;
		if (cg_walk(dir, kill_procs, &n) < 0)
			return -1;
		if (!n)
			return 0;
		usleep(10000);
	}
	errno = EBUSY;
	return -1;
}

static int count_procs(const char *dir, void *arg)
{
	char *path = xasprintf("%s/cgroup.procs", dir), *s = read_file(path, 16 << 20, NULL);

	free(path);
	if (s && *s)
		++*(int *)arg;
	free(s);
	return 0;
}

int cg_populated(const char *dir)
{
	int n = 0;

	cg_walk(dir, count_procs, &n);
	return n > 0;
}

static int rmdir_one(const char *dir, void *arg)
{
	(void)arg;
	return rmdir(dir) < 0 && errno != ENOENT ? -1 : 0;
}

int cg_remove(const char *dir)
{
	return cg_walk(dir, rmdir_one, NULL);
}

/* Parse /proc/PID/cgroup: lines "ID:CONTROLLERS:PATH". */
struct cgline {
	char *id, *ctrl, *path;
};

static size_t cg_lines(const char *file, char **buf, struct cgline **out)
{
	struct cgline *l = NULL;
	size_t n = 0;
	char *line, *save = NULL;

	*out = NULL;
	if (!(*buf = read_file(file, 1 << 20, NULL)))
		return 0;
	for (line = strtok_r(*buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c1 = *c2 = 0;
		l = xrealloc(l, (n + 1) * sizeof(*l));
		l[n++] = (struct cgline){ line, c1 + 1, c2 + 1 };
	}
	*out = l;
	return n;
}

int cg_open_procs_of(pid_t pid, int *fds, int max, char **where)
{
	char file[40], *tbuf, *sbuf;
	struct cgline *t, *s;
	struct mountent *m;
	size_t nt, ns, nm;
	int count = 0, e = 0;

	*where = NULL;
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	nt = cg_lines(file, &tbuf, &t);
	if (!tbuf) {
		*where = xstrdup(file);
		return -1;
	}
	ns = cg_lines("/proc/self/cgroup", &sbuf, &s);
	nm = cg_mounts(&m);
	for (size_t i = 0; i < nt && !e; i++) {
		char *dir, *path;
		int same = 0, fd;

		for (size_t j = 0; j < ns && !same; j++)
			same = !strcmp(s[j].id, t[i].id) && !strcmp(s[j].path, t[i].path);
		/* the same cgroup, or a hierarchy not mounted here (nothing to join) */
		if (same || !(dir = cg_dir(m, nm, t[i].ctrl, t[i].path)))
			continue;
		path = xasprintf("%s/cgroup.procs", dir);
		free(dir);
		if (count == max)
			e = E2BIG;
		else if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			e = errno;
		else
			fds[count++] = fd;
		if (e)
			*where = path;
		else
			free(path);
	}
	free(tbuf);
	free(sbuf);
	free(t);
	free(s);
	mounts_free(m, nm);
	if (!e)
		return count;
	while (count)
		close(fds[--count]);
	errno = e;
	return -1;
}

/* In the order nsenter enters them: the user namespace first, which gives the rights for
 * the others when the container has its own; mnt last but for the chroot. pid and time
 * apply to children only. */
static const struct {
	const char *name;
	int type;
} ns_kinds[NS_COUNT] = {
	{ "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },   { "net", CLONE_NEWNET },	  { "pid", CLONE_NEWPID },
	{ "time", CLONE_NEWTIME }, { "mnt", CLONE_NEWNS },
};

int ns_open(pid_t pid, struct ns_set *s, const char **where)
{
	static char path[64];

	for (int i = 0; i < NS_COUNT; i++)
		s->fd[i] = s->own[i] = -1;
	s->root = -1;
	for (int i = 0; i < NS_COUNT; i++) {
		struct stat mine, theirs;
		char own[32];

		snprintf(own, sizeof(own), "/proc/self/ns/%s", ns_kinds[i].name);
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_kinds[i].name);
		if (stat(path, &theirs) < 0) {
			/* a kernel without this kind of namespace */
			if (errno == ENOENT && stat(own, &mine) < 0)
				continue;
			goto fail;
		}
		if (stat(own, &mine) == 0 && mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino)
			continue;
		if ((s->fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			goto fail;
		if ((ns_kinds[i].type == CLONE_NEWPID || ns_kinds[i].type == CLONE_NEWTIME) &&
		    (s->own[i] = open(own, O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(path, sizeof(path), "%s", own);
			goto fail;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if ((s->root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	return 0;
fail:
	*where = path;
	ns_close(s);
	return -1;
}

static int enter(const int *fd, int i, const char **where)
{
	if (fd[i] < 0 || setns(fd[i], ns_kinds[i].type) == 0)
		return 0;
	*where = ns_kinds[i].name;
	return -1;
}

int ns_enter_for_children(struct ns_set *s, int back, const char **where)
{
	for (int i = 0; i < NS_COUNT; i++)
		if ((ns_kinds[i].type == CLONE_NEWPID || ns_kinds[i].type == CLONE_NEWTIME) &&
		    enter(back ? s->own : s->fd, i, where) < 0)
			return -1;
	return 0;
}

int ns_enter(struct ns_set *s, const char **where)
{
	for (int i = 0; i < NS_COUNT; i++) {
		if (ns_kinds[i].type == CLONE_NEWPID || ns_kinds[i].type == CLONE_NEWTIME)
			continue;
		if (enter(s->fd, i, where) < 0)
			return -1;
		/* be the namespace's root, as nsenter does: our IDs may not be mapped in it */
		if (ns_kinds[i].type == CLONE_NEWUSER && s->fd[i] >= 0 &&
		    (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
			*where = "user (become root)";
			return -1;
		}
	}
	if (fchdir(s->root) < 0 || chroot(".") < 0) {
		*where = "root";
		return -1;
	}
	return 0;
}

void ns_close(struct ns_set *s)
{
	for (int i = 0; i < NS_COUNT; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]), s->fd[i] = -1;
		if (s->own[i] >= 0)
			close(s->own[i]), s->own[i] = -1;
	}
	if (s->root >= 0)
		close(s->root), s->root = -1;
}

/* nspawn's kill signal, from its command line (the last --kill-signal=), as glibc numbers it. */
int proc_kill_signal(pid_t pid)
{
	static const char names[][5] = { "HUP", "INT",	"QUIT", "",	"", "", "",    "",
					 "",	"USR1", "",	"USR2", "", "", "TERM" };
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
		for (int i = 0; i < 15; i++)
			if (*names[i] && !strcmp(v, names[i]))
				sig = i + 1;
	}
	free(buf);
	return sig;
}

int proc_takes_signal(pid_t pid, int sig)
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

int proc_is_self(pid_t pid)
{
	char path[32];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}
