/* Confining a process that enters a container to what the container's init may do: its
 * capability sets, no_new_privs and seccomp filters, copied from the init itself,
 * so that whatever nspawn (or the admin's flags) gave it, the copy is exact. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "confine.h"
#include "fsutil.h"
#include "ncbox.h"

/* libc's <sys/ptrace.h> clashes with <linux/ptrace.h>; the call is all we need */
static long ptrace_(long req, pid_t pid, unsigned long addr, void *data)
{
	return syscall(SYS_ptrace, req, (long)pid, addr, data);
}

/* The number after "KEY:" in a /proc/PID/status text, in BASE, into *OUT; -1 when KEY
 * is missing. */
static int num(char *st, const char *key, int base, uint64_t *out)
{
	size_t n = strlen(key);

	for (char *l = st; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, n) && l[n] == ':')
			return *out = strtoull(l + n + 1, NULL, base), 0;
	return -1;
}

/* Copy PID's seccomp filters into C, every one until the kernel says there is no more.
 * PID must be in a ptrace-stop for the kernel to hand them out: seize it, interrupt it,
 * read, detach (passing on a signal it stopped for). */
static int read_filters(pid_t pid, struct confine *c)
{
	int status, sig = 0, r = -1, e;
	long n;

	if (ptrace_(PTRACE_SEIZE, pid, 0, NULL) < 0)
		return -1;
	if (ptrace_(PTRACE_INTERRUPT, pid, 0, NULL) < 0 || waitpid(pid, &status, __WALL) < 0)
		goto out;
	if (!WIFSTOPPED(status)) {
		errno = ESRCH;
		return -1;
	}
	if (status >> 16 == 0)
		sig = WSTOPSIG(status);
	for (;; c->nfilters++) {
		struct sock_filter *insn = xmalloc(BPF_MAXINSNS * sizeof(*insn));

		c->filters = xrealloc(c->filters, (size_t)(c->nfilters + 1) * sizeof(*c->filters));
		c->filters[c->nfilters] = (struct confine_filter){ insn, 0 };
		if ((n = ptrace_(PTRACE_SECCOMP_GET_FILTER, pid, (unsigned long)c->nfilters, insn)) <= 0 ||
		    n > BPF_MAXINSNS)
			break;
		c->filters[c->nfilters].len = (unsigned short)n;
	}
	/* the end of the list, after one filter at least (the init is in filter mode) */
	if (n < 0 && errno == ENOENT && c->nfilters)
		r = 0;
	else if (n >= 0)
		errno = EPROTO;
out:
	e = errno;
	ptrace_(PTRACE_DETACH, pid, 0, (void *)(long)sig);
	errno = e;
	return r;
}

int confine_read(pid_t pid, struct confine *c, const char **where)
{
	static const char *const capkeys[CAPS_N] = { "CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb" };
	static char path[112];
	uint64_t mode, nnp;
	char *st;
	int r = -1;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	*where = path;
	if (!(st = read_file(path, 1 << 20, NULL)))
		return -1;
	errno = EPROTO;
	for (int i = 0; i < CAPS_N; i++)
		if (num(st, capkeys[i], 16, &c->caps[i]) < 0)
			goto out;
	if (num(st, "NoNewPrivs", 10, &nnp) < 0 || num(st, "Seccomp", 10, &mode) < 0)
		goto out;
	c->nnp = nnp == 1;
	/* strict mode (1) cannot be copied onto a process that is to exec */
	if (mode != 0 && mode != 2)
		goto out;
	r = 0;
	if (mode == 2) {
		r = read_filters(pid, c);
		/* the kernel hands filters only to a tracer without one, and with C/R built in */
		snprintf(path, sizeof(path), "seccomp filters of PID %d%s", (int)pid,
			 errno == EACCES   ? " (ncbox is under a filter itself)"
			 : errno == EINVAL ? " (no CONFIG_CHECKPOINT_RESTORE)"
					   : "");
	}
out:
	free(st);
	return r;
}

/* C's filters in the init's order: PTRACE_SECCOMP_GET_FILTER numbers them from the
 * oldest, and the newest filter's verdict wins among equally strict ones. */
static int install_filters(const struct confine *c, const char **where)
{
	*where = "seccomp filter";
	for (int i = 0; i < c->nfilters; i++) {
		struct sock_fprog prog = { c->filters[i].len, c->filters[i].insn };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return -1;
	}
	return 0;
}

int confine_apply(const struct confine *c, const char **where)
{
	/* installing a filter takes no_new_privs or CAP_SYS_ADMIN: when the init has neither,
	 * the filters go first, and must then let capset and prctl through */
	int early = !c->nnp && !(c->caps[CAPS_EFF] >> CAP_SYS_ADMIN & 1);

	/* none: fewer than the init may have, never more (its are in its user namespace's IDs) */
	*where = "groups";
	if (setgroups(0, NULL) < 0)
		return -1;
	*where = "no_new_privs";
	if (c->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	if ((early && install_filters(c, where) < 0) || caps_set_exact(c->caps, where) < 0)
		return -1;
	return early ? 0 : install_filters(c, where);
}
