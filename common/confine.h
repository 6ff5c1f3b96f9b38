/* Confining a process that enters a container to what the container's init may do. */
#ifndef CONFINE_H
#define CONFINE_H

#include <stdint.h>
#include <sys/types.h>

struct confine_filter {
	struct sock_filter *insn;
	unsigned short len;
};

struct confine {
	uint64_t caps[5]; /* enum caps_set order: bounding, effective, permitted, inheritable, ambient */
	int nnp;
	int nfilters;
	struct confine_filter *filters; /* [0] the oldest, as the kernel numbers them */
};

/* Read the privileges of PID (a container's init): its capability sets, no_new_privs
 * (/proc/PID/status) and seccomp filters (ptrace: PID is stopped for a
 * moment). Call on the host, before entering anything: reading filters needs CAP_SYS_ADMIN
 * and no seccomp filter of our own. 0, or -1 with errno and what failed in *WHERE (static). */
int confine_read(pid_t pid, struct confine *c, const char **where);

/* Give this process no privilege C lacks: no supplementary groups, no_new_privs, its
 * seccomp filters in the init's order, then the exact capability sets. Call in
 * the container, as its root, right before exec; on failure do not exec. 0, or -1 with
 * errno and what failed in *WHERE. */
int confine_apply(const struct confine *c, const char **where);

#endif
