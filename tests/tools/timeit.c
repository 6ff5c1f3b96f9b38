/* timeit: whole-process timings for `make bench`.
 *   timeit [-n RUNS] [-R] -- CMD [ARGS...] [-- CMD2 [ARGS...] ...]
 * Runs the commands in turn, interleaved (A B A B ...) so that drift hits all alike, and
 * prints one line per command: "median_us p10_us p90_us peak_rss_kib failures".
 * Output of the commands goes to /dev/null. Peak RSS comes from a separate traced run:
 * the kernel's ru_maxrss reads near 0 for tiny processes (its RSS counters are
 * per-CPU and read approximately), so the tracer stops the child at exit and reads
 * VmHWM from /proc, which sums them. -R skips that pass (and prints 0). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Peak RSS in KiB of one run of CMD, read at its exit stop. */
static long peak_rss(char **cmd, int devnull)
{
	char path[64], line[256];
	long kib = -1;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		dup2(devnull, 1);
		dup2(devnull, 2);
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
	ptrace(PTRACE_CONT, pid, 0, 0);
	while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
			if ((f = fopen(path, "r"))) {
				while (fgets(line, sizeof(line), f))
					if (!strncmp(line, "VmHWM:", 6))
						kib = atol(line + 6);
				fclose(f);
			}
			ptrace(PTRACE_CONT, pid, 0, 0);
			continue;
		}
		/* Pass on real signals; swallow the exec trap. */
		ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status));
	}
	return kib;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int runs = 100, ncmd = 0, i, want_rss = 1;
	char **cmds[16];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-R"))
			want_rss = 0;
		else if (!strcmp(argv[i], "--"))
			break;
	}
	for (; i < argc && ncmd < 16; i++) {
		if (!strcmp(argv[i], "--")) {
			argv[i] = NULL;
			if (i + 1 < argc)
				cmds[ncmd++] = &argv[i + 1];
		}
	}
	if (!ncmd || runs < 1) {
		fprintf(stderr, "usage: timeit [-n RUNS] -- CMD [ARGS...] [-- CMD2 ...]\n");
		return 2;
	}
	long *us = calloc((size_t)(ncmd * runs), sizeof(long));
	long rss[16] = { 0 };
	int fails[16] = { 0 };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int r = 0; r < runs; r++) {
		for (int c = 0; c < ncmd; c++) {
			struct timespec t0, t1;
			struct rusage ru;
			int status;
			pid_t pid;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			pid = fork();
			if (pid == 0) {
				dup2(devnull, 1);
				dup2(devnull, 2);
				execvp(cmds[c][0], cmds[c]);
				_exit(127);
			}
			wait4(pid, &status, 0, &ru);
			(void)ru;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			us[c * runs + r] =
			    (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				fails[c]++;
		}
	}
	for (int c = 0; c < ncmd && want_rss; c++)
		for (int k = 0; k < 3; k++) {
			long kib = peak_rss(cmds[c], devnull);

			if (kib > rss[c])
				rss[c] = kib;
		}
	for (int c = 0; c < ncmd; c++) {
		long *v = us + c * runs;

		qsort(v, (size_t)runs, sizeof(long), cmp_long);
		printf("%ld %ld %ld %ld %d\n", v[runs / 2], v[runs / 10], v[runs * 9 / 10], rss[c], fails[c]);
	}
	free(us);
	return 0;
}
