/* sigwait: a stand-in for systemd as stage 2, for the container-init stop tests.
 *   sigwait [-d DELAY_MS] OUTFILE
 * Sleeps DELAY_MS first (the window after container-init's exec, before systemd reads its
 * signals), then does what systemd does: blocks SIGRTMIN+3 as glibc numbers it (37),
 * reads it from a signalfd, writes "got 37" (and its PID) to OUTFILE and exits 0. It also
 * writes, at start, "blocked" or "unblocked" for 37 in the mask it inherited. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define SIG_STOP 37

int main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	struct timespec ts;
	sigset_t set, old;
	long delay = 0;
	FILE *f;
	int fd;

	if (argc > 2 && !strcmp(argv[1], "-d")) {
		delay = atol(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2)
		return 2;
	sigprocmask(SIG_BLOCK, NULL, &old);
	if (!(f = fopen(argv[1], "w")))
		return 1;
	fprintf(f, "pid %d %s\n", (int)getpid(), sigismember(&old, SIG_STOP) ? "blocked" : "unblocked");
	fflush(f);
	ts.tv_sec = delay / 1000;
	ts.tv_nsec = delay % 1000 * 1000000;
	nanosleep(&ts, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIG_STOP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0 || read(fd, &si, sizeof(si)) != sizeof(si))
		return 1;
	fprintf(f, "got %u\n", si.ssi_signo);
	fclose(f);
	return 0;
}
