/* sigwait: a stand-in for systemd as stage 2, for the container-init stop tests.
 *   sigwait [-d DELAY_MS] OUTFILE
 * Sleeps DELAY_MS first (the window after container-init's exec, before systemd reads its
 * signals), then does what systemd does: blocks SIGRTMIN+3 as glibc numbers it (37),
 * reads it from a signalfd, writes "got 37" (and its PID) to OUTFILE and exits 0. It also
 * writes, at start, "blocked" or "unblocked" for 37 in the mask it inherited. Once its
 * signalfd is set up it sends READY=1 to $NOTIFY_SOCKET, when set, as systemd does. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SIG_STOP 37

/* sd_notify("READY=1"), without libsystemd: a datagram to $NOTIFY_SOCKET ('@' is abstract). */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (!path || !*path || (n = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
		close(fd);
	}
}

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
	notify_ready();
	if (fd < 0 || read(fd, &si, sizeof(si)) != sizeof(si))
		return 1;
	fprintf(f, "got %u\n", si.ssi_signo);
	fclose(f);
	return 0;
}
