/* Allocation that dies instead of failing, and string vectors. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ncbox.h"

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_sys(EXIT_FAIL, "allocate memory", NULL);
	return p;
}

void *xmalloc(size_t n)
{
	return xrealloc(NULL, n);
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		die_sys(EXIT_FAIL, "allocate memory", NULL);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void strv_push(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strv_pushf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_push(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

pid_t spawn(char *const argv[], int out, int quiet)
{
	pid_t parent = getpid(), pid;
	int ep[2], err = 0;

	if (pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		int null = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;

		/* a child never outlives us: killed, we take nix-env and the rest with us */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(EXIT_FAIL);
		if ((out >= 0 && dup2(out, 1) < 0) || (quiet == 1 && dup2(null, 1) < 0) || (quiet && dup2(null, 2) < 0))
			_exit(EXIT_FAIL);
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
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_wait(char *const argv[], int quiet)
{
	pid_t pid = spawn(argv, -1, quiet);

	return pid < 0 ? -1 : wait_child(pid);
}
