/* seccomp_dump PID: PID's seccomp filters as the kernel hands them to a tracer, oldest
 * first: "INDEX INSNS FLAGS FNV1A-OF-THE-PROGRAM" a line, so that two processes' filters
 * and their order can be compared. Stops PID for a moment (ptrace). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long pt(long req, pid_t pid, unsigned long addr, void *data)
{
	return syscall(SYS_ptrace, req, (long)pid, addr, data);
}

int main(int argc, char **argv)
{
	pid_t pid = argc == 2 ? atoi(argv[1]) : 0;
	int status, rc = 0;

	if (pid <= 0)
		return fprintf(stderr, "usage: seccomp_dump PID\n"), 2;
	if (pt(PTRACE_SEIZE, pid, 0, NULL) < 0 || pt(PTRACE_INTERRUPT, pid, 0, NULL) < 0 ||
	    waitpid(pid, &status, __WALL) < 0)
		return perror("ptrace"), 1;
	for (unsigned long i = 0;; i++) {
		struct seccomp_metadata md = { .filter_off = i };
		long n = pt(PTRACE_SECCOMP_GET_FILTER, pid, i, NULL);
		struct sock_filter *f;
		uint64_t h = 0xcbf29ce484222325ULL;

		if (n < 0) {
			if (errno != ENOENT && errno != EINVAL)
				rc = 1, perror("PTRACE_SECCOMP_GET_FILTER");
			break;
		}
		f = calloc((size_t)n, sizeof(*f));
		pt(PTRACE_SECCOMP_GET_FILTER, pid, i, f);
		pt(PTRACE_SECCOMP_GET_METADATA, pid, sizeof(md), &md);
		for (size_t b = 0; b < (size_t)n * sizeof(*f); b++)
			h = (h ^ ((unsigned char *)f)[b]) * 0x100000001b3ULL;
		printf("%lu %ld %llu %016llx\n", i, n, (unsigned long long)md.flags, (unsigned long long)h);
		free(f);
	}
	pt(PTRACE_DETACH, pid, 0, NULL);
	return rc;
}
