/* Entering a container: setns into its init's namespaces and cgroup, then root's login
 * as `su root -l` gives it. Never a shell of the host. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/confine.h"
#include "../../common/fsutil.h"
#include "../../common/proc.h"
#include "../../common/task.h"
#include "nc.h"

#define LOGIN_PATH                                                                    \
	"/run/wrappers/bin:/root/.nix-profile/bin:/nix/var/nix/profiles/default/bin:" \
	"/run/current-system/sw/bin:/nix/var/nix/profiles/system/sw/bin:"             \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* root's home and shell from the container's /etc/passwd. */
static void root_account(char **home, char **shell)
{
	char *pw = read_file("/etc/passwd", 4 << 20, NULL), *l;

	*home = xstrdup("/root");
	*shell = xstrdup("/bin/sh");
	for (l = pw; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *f[7], *q = l;
		int i;

		if (strncmp(l, "root:", 5))
			continue;
		l[strcspn(l, "\n")] = 0;
		for (i = 0; i < 7 && q; i++) {
			f[i] = q;
			if ((q = strchr(q, ':')))
				*q++ = 0;
		}
		if (i == 7 && *f[5])
			free(*home), *home = xstrdup(f[5]);
		if (i == 7 && *f[6])
			free(*shell), *shell = xstrdup(f[6]);
		break;
	}
	free(pw);
}

/* What the container's init may do: nothing run in the container gets more. */
static struct confine init_priv;

/* In the container: become root as `su root -l` would, then run CMD (NULL: the login
 * shell) through root's login shell, or with NOSHELL straight from PATH, with no
 * privilege the init lacks. Never returns. */
static noreturn void exec_login(char **cmd, int noshell)
{
	extern char **environ;
	const char *term = getenv("TERM");
	/* static: a failed exec ends in _exit, and what it allocated must still be reachable */
	static char *home, *shell, **argv;
	static struct strv env;
	const char *where;
	char *base;
	size_t n = 0;

	/* confined first: what follows reads and runs what the container chose */
	if (confine_apply(&init_priv, &where) < 0) {
		warn_msg("take on the privileges of the container's init: %s: %s", where, strerror(errno));
		_exit(EXIT_FAIL);
	}
	root_account(&home, &shell);
	strv_pushf(&env, "HOME=%s", home);
	strv_pushf(&env, "SHELL=%s", shell);
	strv_push(&env, xstrdup("USER=root"));
	strv_push(&env, xstrdup("LOGNAME=root"));
	strv_push(&env, xstrdup("PATH=" LOGIN_PATH));
	if (term)
		strv_pushf(&env, "TERM=%s", term);
	environ = env.v;
	if (chdir(home) < 0 && chdir("/") < 0)
		warn_msg("cd %s: %s", msg_esc(home), strerror(errno));
	while (cmd && cmd[n])
		n++;
	argv = xmalloc((n + 5) * sizeof(*argv));
	base = strrchr(shell, '/');
	if (!noshell && access(shell, X_OK) == 0) {
		/* a login shell ("-sh") reads the profile; "$@" is COMMAND and ARGS, unparsed */
		argv[0] = xasprintf("-%s", base ? base + 1 : shell);
		if (cmd) {
			argv[1] = "-c";
			argv[2] = "exec \"$@\"";
			argv[3] = cmd[0];
			memcpy(argv + 4, cmd, (n + 1) * sizeof(*argv));
		} else {
			argv[1] = NULL;
		}
		execv(shell, argv);
		warn_msg("run %s: %s", msg_esc(shell), strerror(errno));
		_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	if (!cmd) {
		warn_msg("no login shell in the container: %s: %s", msg_esc(shell), strerror(errno));
		_exit(EXIT_NOTFOUND);
	}
	execvp(cmd[0], cmd);
	warn_msg("run %s: %s", msg_esc(cmd[0]), strerror(errno));
	_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

static pid_t run_child;

static void forward(int sig)
{
	if (run_child > 0)
		kill(run_child, sig);
}

int enter_run(pid_t leader, char **cmd, int noshell)
{
	unsigned long long t = proc_start_time(leader);
	int cgfd[16], ncg, status;
	struct ns_set ns;
	const char *where;
	char *cgwhere;
	sigset_t block, old;

	if (ns_open(leader, &ns, &where) < 0)
		die_sys(EXIT_FAIL, "open namespaces of the container's init", msg_esc(where));
	if ((ncg = cg_open_procs_of(leader, cgfd, 16, &cgwhere)) < 0)
		die_sys(EXIT_FAIL, "open the container's cgroup", msg_esc(cgwhere ? cgwhere : "cgroup"));
	if (confine_read(leader, &init_priv, &where) < 0)
		die_sys(EXIT_FAIL, "read the privileges of the container's init", where);
	/* the files opened are the container's only if its init is still the same process */
	if (!proc_same(leader, t))
		die(EXIT_FAIL, "unable to get container's main PID (its init (PID %d) exited)", (int)leader);
	if (ns_enter_for_children(&ns, 0, &where) < 0)
		die(EXIT_FAIL, "enter %s namespace: %s", where, strerror(errno));
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if ((run_child = fork()) < 0)
		die_sys(EXIT_FAIL, "fork", NULL);
	if (run_child == 0) {
		/* not dumpable until the exec: a process in the container cannot ptrace us while
		 * we still hold the host's privileges */
		prctl(PR_SET_DUMPABLE, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* first the cgroup, while the host's view still holds: then the namespaces */
		for (int i = 0; i < ncg; i++)
			if (write(cgfd[i], "0", 1) != 1) {
				warn_msg("join the container's cgroup: %s", strerror(errno));
				_exit(EXIT_FAIL);
			}
		if (ns_enter(&ns, &where) < 0) {
			warn_msg("enter %s namespace: %s", where, strerror(errno));
			_exit(EXIT_FAIL);
		}
		exec_login(cmd, noshell);
	}
	/* back to our own PID namespace: nothing else of ours is to live in the container's */
	if (ns_enter_for_children(&ns, 1, &where) < 0)
		warn_msg("leave %s namespace: %s", where, strerror(errno));
	for (int i = 0; i < ncg; i++)
		close(cgfd[i]);
	ns_close(&ns);
	/* ^C and ^\ are for the command; a TERM or HUP to us is passed on to it */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(run_child, &status, 0) < 0)
		if (errno != EINTR)
			die_sys(EXIT_FAIL, "wait for the command", NULL);
	return exit_status(status);
}
