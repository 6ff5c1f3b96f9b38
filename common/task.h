/* Processes: identity, cgroups and joining another process's namespaces. */
#ifndef TASK_H
#define TASK_H

#include <sys/types.h>

/* When PID started (field 22 of /proc/PID/stat, clock ticks since boot): with the PID it
 * names one process, even once PIDs wrap. 0 when there is no such process. */
unsigned long long proc_start_time(pid_t pid);

/* Whether PID is still the process that started at START, and has not exited (a zombie
 * waiting for its parent counts as gone). */
int proc_same(pid_t pid, unsigned long long start);

/* The signal nspawn PID stops its container with: its --kill-signal= (as systemd names
 * signals, SIGRTMIN 34), else SIGRTMIN+3, 37. */
int proc_kill_signal(pid_t pid);
/* Whether PID has SIG caught or blocked: only then does PID 1 of a PID namespace keep it
 * (a PID that is gone counts as yes: nothing to wait for). */
int proc_takes_signal(pid_t pid, int sig);
/* Whether PID runs this very binary. */
int proc_is_self(pid_t pid);

/* Wait up to MS for PID (started at START) to be gone: 1 when it is, 0 when not. */
int wait_gone(pid_t pid, unsigned long long start, int ms);
/* CLOCK_MONOTONIC in milliseconds. */
long long now_ms(void);

/* The directories of the cgroup hierarchies a container manager uses: the cgroup2 one and
 * the v1 "name=systemd" one, each NULL when not mounted (malloc'd). */
void cg_roots(char **v2, char **v1);

/* SIGKILL every process in cgroup DIR and below (cgroup.kill where the kernel has it).
 * 0, or -1 with errno. */
int cg_kill(const char *dir);
/* Whether any process is in DIR or below. */
int cg_populated(const char *dir);
/* rmdir DIR and the cgroups below it, deepest first; a missing DIR is fine. */
int cg_remove(const char *dir);

/* Open cgroup.procs, for writing, of each cgroup PID is in and the caller is not (one per
 * hierarchy mounted here): writing "0" to one moves the writer there. Up to MAX fds into
 * FDS; their count, or -1 with errno and the path that failed in *WHERE (malloc'd). */
int cg_open_procs_of(pid_t pid, int *fds, int max, char **where);

/* The namespaces of a process that differ from the caller's, and its root directory. */
#define NS_COUNT 8
struct ns_set {
	int fd[NS_COUNT];  /* in the order they are entered; -1 when shared with the caller */
	int own[NS_COUNT]; /* the caller's own pid and time namespaces, to go back to */
	int root;
};
/* Open them for PID. 0, or -1 with errno and the /proc file in *WHERE (static). */
int ns_open(pid_t pid, struct ns_set *s, const char **where);
/* Enter the PID and time namespaces: they take effect for the children forked after it.
 * BACK: return to the caller's own, once those children are forked. */
int ns_enter_for_children(struct ns_set *s, int back, const char **where);
/* Enter the others (user, cgroup, ipc, uts, net, mnt), then chroot to the process's root;
 * after the user namespace, become its root. Call in a forked child. */
int ns_enter(struct ns_set *s, const char **where);
void ns_close(struct ns_set *s);

#endif
