/* Capability names through libcap. */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "ncbox.h"
#include "unit.h"

/* In a child, drop CAP CAP from the effective set (raw capset: libcap stays in caps.c),
 * then call caps_require (not CAP_SYS_PTRACE: LeakSanitizer needs it at exit); return its exit code and
 * stderr in MSG. */
static int require_without(int cap, char *msg, size_t len)
{
	int fd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(fd) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		int want[] = { CAP_CHOWN, cap };

		close(fd[0]);
		dup2(fd[1], 2);
		if (syscall(SYS_capget, &h, d) < 0)
			_exit(99);
		d[cap / 32].effective &= ~(1u << (cap % 32));
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(98);
		caps_require(want, 2, "test step");
		_exit(0);
	}
	close(fd[1]);
	msg[0] = 0;
	for (size_t got = 0; (n = read(fd[0], msg + got, len - 1 - got)) > 0;)
		got += (size_t)n, msg[got] = 0;
	msg[strcspn(msg, "\n")] = 0;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In a child, caps_set_exact(SET), then the capability lines of its /proc/self/status
 * ("CapInh: ...;CapPrm: ...;...") into OUT; the child's exit code (1: caps_set_exact failed). */
static int set_exact(const uint64_t set[CAPS_N], char *out, size_t len)
{
	int fd[2], status;
	ssize_t r;
	pid_t pid;

	if (pipe(fd) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		char st[4096], line[512] = "", *l, *save = NULL;
		const char *where;
		ssize_t n;
		int in;

		close(fd[0]);
		if (caps_set_exact(set, &where) < 0)
			_exit(1);
		in = open("/proc/self/status", O_RDONLY);
		n = in < 0 ? -1 : read(in, st, sizeof(st) - 1);
		st[n > 0 ? n : 0] = 0;
		for (l = strtok_r(st, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (!strncmp(l, "Cap", 3))
				strcat(strcat(line, l), ";");
		if (write(fd[1], line, strlen(line)) < 0)
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	out[0] = 0;
	for (size_t got = 0; (r = read(fd[0], out + got, len - 1 - got)) > 0;)
		got += (size_t)r, out[got] = 0;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	char buf[64];

	UNIT("caps");
	ok(caps_from_name("CAP_NET_ADMIN") == CAP_NET_ADMIN, "CAP_NET_ADMIN is known");
	ok(caps_from_name("cap_net_admin") == CAP_NET_ADMIN, "cap_net_admin is known");
	ok(caps_from_name("Cap_Sys_Admin") == CAP_SYS_ADMIN, "mixed case is known");
	ok(caps_from_name("CAP_CHOWN") == CAP_CHOWN, "capability 0 is known");
	ok(caps_from_name("CAP_NET_ADMINX") == -1, "a near miss is unknown");
	ok(caps_from_name("NET_ADMIN") == -1, "a name without CAP_ is refused");
	ok(caps_from_name("CAP_") == -1, "CAP_ alone is refused");
	ok(caps_from_name("") == -1, "the empty name is refused");
	ok(caps_from_name("cap_12") == -1, "a number is refused");
	ok(caps_from_name("12") == -1, "a bare number is refused");
	ok(caps_from_name("all") == -1, "'all' is refused");
	ok(caps_from_name("CAP_NET ADMIN") == -1, "a space is refused");
	ok(caps_from_name(
	       "CAP_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == -1,
	   "an over-long name is refused");
	ok(!strcmp(caps_name(CAP_NET_ADMIN, buf, sizeof(buf)), "CAP_NET_ADMIN"),
	   "canonical name is upper case");
	ok(!strcmp(caps_name(CAP_SYS_PTRACE, buf, 8), "CAP_SYS"), "a short buffer truncates, terminated");

	if (geteuid() == 0) {
		char msg[256];
		int rc = require_without(CAP_NET_ADMIN, msg, sizeof(msg));

		ok(rc == EXIT_PERM, "a missing capability exits %d (got %d)", EXIT_PERM, rc);
		ok(strstr(msg, "test step: CAP_NET_ADMIN: ") != NULL,
		   "the message names step and capability: %s", msg);
		ok(require_without(CAP_SYS_TIME, msg, sizeof(msg)) == EXIT_PERM &&
		       strstr(msg, "CAP_SYS_TIME"),
		   "the first missing one is named, not an earlier held one");

		/* a container init's sets: every one of them exactly, the ambient one included */
		uint64_t bit = 1, set[CAPS_N];
		char got[512];

		set[CAPS_BND] =
		    bit << CAP_CHOWN | bit << CAP_NET_ADMIN | bit << CAP_SETPCAP | bit << CAP_SYS_ADMIN;
		set[CAPS_EFF] = set[CAPS_PRM] = bit << CAP_CHOWN | bit << CAP_NET_ADMIN;
		set[CAPS_INH] = bit << CAP_NET_ADMIN | bit << CAP_SYS_TIME; /* not in the bounding set */
		set[CAPS_AMB] = bit << CAP_NET_ADMIN;
		ok(set_exact(set, got, sizeof(got)) == 0 &&
		       !strcmp(
			   got,
			   "CapInh:\t0000000002001000;CapPrm:\t0000000000001001;CapEff:\t0000000000001001;"
			   "CapBnd:\t0000000000201101;CapAmb:\t0000000000001000;"),
		   "caps_set_exact: each set exactly as asked: %s", got);
		set[CAPS_AMB] = bit << CAP_CHOWN | bit << CAP_SYS_TIME; /* not permitted: refused */
		ok(set_exact(set, got, sizeof(got)) == 1,
		   "an ambient capability that is not permitted fails");
	} else {
		printf("SKIP: caps: caps_require (needs root to hold capabilities)\n");
	}
	return unit_done();
}
