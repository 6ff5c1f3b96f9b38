/* Capability names through libcap. */
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "ncbox.h"
#include "unit.h"

/* In a child, drop CAP CAP from the effective set (raw capset: libcap stays in caps.c),
 * then call caps_require (not CAP_SYS_PTRACE: LeakSanitizer needs it at exit); return its exit code and stderr in MSG. */
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
	ok(caps_from_name("CAP_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == -1,
	   "an over-long name is refused");
	ok(!strcmp(caps_name(CAP_NET_ADMIN, buf, sizeof(buf)), "CAP_NET_ADMIN"), "canonical name is upper case");
	ok(!strcmp(caps_name(CAP_SYS_PTRACE, buf, 8), "CAP_SYS"), "a short buffer truncates, terminated");

	if (geteuid() == 0) {
		char msg[256];
		int rc = require_without(CAP_NET_ADMIN, msg, sizeof(msg));

		ok(rc == EXIT_PERM, "a missing capability exits %d (got %d)", EXIT_PERM, rc);
		ok(strstr(msg, "test step: CAP_NET_ADMIN: ") != NULL, "the message names step and capability: %s", msg);
		ok(require_without(CAP_SYS_TIME, msg, sizeof(msg)) == EXIT_PERM && strstr(msg, "CAP_SYS_TIME"),
		   "the first missing one is named, not an earlier held one");
	} else {
		printf("SKIP: caps: caps_require (needs root to hold capabilities)\n");
	}
	return unit_done();
}
