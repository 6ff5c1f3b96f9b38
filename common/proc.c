/* Running programs: spawn, wait, capture, the exit status; program lookup, this binary,
 * systemd detection. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ncbox.h"
#include "proc.h"

int sd_booted(void)
{
	const char *o = getenv("NCBOX_SD_BOOTED");
	struct stat st;

	if (o && (!strcmp(o, "0") || !strcmp(o, "1")))
		return *o == '1';
	return lstat("/run/systemd/system/", &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0 when P is an executable regular file; else -1 with errno. */
static int executable(const char *p)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || access(p, X_OK) < 0)
		return errno = EACCES, -1;
	return 0;
}

char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	int err = ENOENT;

	if (!*name)
		return errno = ENOENT, NULL;
	if (strchr(name, '/'))
		return executable(name) < 0 ? NULL : xstrdup(name);
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* an empty entry is the current directory, as for execvp */
		char *cand =
		    end == p ? xasprintf("./%s", name) : xasprintf("%.*s/%s", (int)(end - p), p, name);

		if (executable(cand) == 0)
			return cand;
		if (errno == EACCES)
			err = EACCES;
		free(cand);
		if (!*end)
			break;
	}
	errno = err;
	return NULL;
}

char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = 0;
	return xstrdup(buf);
}

int exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t spawn(char *const argv[], int out, int quiet)
{
	pid_t parent = getpid(), pid;
	int ep[2], err = 0, self = quiet & SPAWN_SELF;

	quiet &= ~SPAWN_SELF;

	if (pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		int null = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;

		/* a child never outlives us: killed, we take nix-env and the rest with us */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(EXIT_FAIL);
		if ((out >= 0 && dup2(out, 1) < 0) || (quiet == 1 && dup2(null, 1) < 0) ||
		    (quiet && dup2(null, 2) < 0))
			_exit(EXIT_FAIL);
		if (self)
			execv("/proc/self/exe", argv);
		else
			execvp(argv[0], argv);
		err = errno;
		if (write(ep[1], &err, sizeof(err)) < 0)
			_exit(EXIT_NOEXEC);
		_exit(EXIT_NOTFOUND);
	}
	close(ep[1]);
	if (pid > 0 && read(ep[0], &err, sizeof(err)) == sizeof(err)) {
		waitpid(pid, NULL, 0);
		pid = -1;
		errno = err;
	}
	close(ep[0]);
	return pid;
}

int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return exit_status(status);
}

int run_wait(char *const argv[], int quiet)
{
	pid_t pid = spawn(argv, -1, quiet);

	return pid < 0 ? -1 : wait_child(pid);
}

int run_capture(char *const argv[], char **out, int quiet)
{
	size_t len = 0, cap = 256;
	int p[2];
	pid_t pid;

	*out = xmalloc(cap);
	**out = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = spawn(argv, p[1], quiet ? 2 : 0);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap)
			*out = xrealloc(*out, cap *= 2);
		n = read(p[0], *out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(*out)[len] = 0;
	close(p[0]);
	return wait_child(pid);
}

static void close_span(unsigned int a, unsigned int b)
{
	if (a <= b && syscall(SYS_close_range, a, b, 0) < 0)
		for (; a <= b && a < 65536; a++) /* a kernel before 5.9 */
			close((int)a);
}

void close_from(int from, int keep)
{
	if (keep >= from) {
		if (keep > from)
			close_span((unsigned int)from, (unsigned int)keep - 1);
		from = keep + 1;
	}
	close_span((unsigned int)from, ~0U);
}
