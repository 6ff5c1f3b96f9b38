/* nixos-container's backend with systemd as PID 1: the container@ unit through systemctl,
 * the machine through machinectl, as the Perl tool does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/proc.h"
#include "../../common/task.h"
#include "nc.h"

/* `PROG ARGS...` with its output; dies naming the step when it cannot run. */
static int capture(char **out, char *const argv[])
{
	int rc = run_capture(argv, out, 0);

	if (rc < 0)
		die(EXIT_FAIL, "run %s: %s", argv[0], strerror(errno));
	return rc;
}

/* The value of KEY in "KEY=VALUE" lines of S, or NULL (a pointer into S, cut at the line end). */
static char *show_value(char *s, const char *key)
{
	size_t kl = strlen(key);

	for (char *l = s; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == '=') {
			l[kl + 1 + strcspn(l + kl + 1, "\n")] = 0;
			return l + kl + 1;
		}
	return NULL;
}

static const char *status_of(const char *active)
{
	if (!active)
		return "down";
	if (!strcmp(active, "activating"))
		return "starting";
	return !strcmp(active, "active") || !strcmp(active, "reloading") ? "up" : "down";
}

/* The unit's ActiveState, into BUF. */
static const char *active_state(char *buf, size_t len)
{
	char *unit = xasprintf("container@%s.service", o.name), *out, *v;
	char *argv[] = { "systemctl", "show", "-p", "ActiveState", unit, NULL };

	capture(&out, argv);
	v = show_value(out, "ActiveState");
	snprintf(buf, len, "%s", v ? v : "");
	free(out);
	free(unit);
	return buf;
}

static const char *sd_status(void)
{
	char buf[32];

	return status_of(active_state(buf, sizeof(buf)));
}

/* One systemctl for all of them. */
static void sd_statuses(const struct strv *names, const char **st)
{
	struct strv a = { 0 };
	char *out, *l, *id = NULL;

	if (!names->n)
		return;
	strv_push(&a, xstrdup("systemctl"));
	strv_push(&a, xstrdup("show"));
	strv_push(&a, xstrdup("-p"));
	strv_push(&a, xstrdup("Id,ActiveState"));
	for (size_t i = 0; i < names->n; i++)
		strv_pushf(&a, "container@%s.service", names->v[i]);
	capture(&out, a.v);
	strv_free(&a);
	for (size_t i = 0; i < names->n; i++)
		st[i] = "down";
	for (l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strncmp(l, "Id=", 3))
			id = l + 3;
		else if (!strncmp(l, "ActiveState=", 12) && id)
			for (size_t i = 0; i < names->n; i++) {
				char *u = xasprintf("container@%s.service", names->v[i]);

				if (!strcmp(u, id))
					st[i] = status_of(l + 12);
				free(u);
			}
	}
	free(out);
}

/* `systemctl VERB container@NAME`; dies with WHAT when it fails. */
static void sd_unit(const char *verb, const char *what)
{
	char *unit = xasprintf("container@%s.service", o.name);
	char *argv[] = { "systemctl", (char *)verb, unit, NULL };
	int rc = run_wait(argv, 0);

	if (rc < 0)
		die(EXIT_FAIL, "%s (run systemctl: %s)", what, strerror(errno));
	if (rc)
		die(EXIT_FAIL, "%s (systemctl %s %s exited with status %d)", what, verb, unit, rc);
	free(unit);
}

static pid_t sd_leader(int must)
{
	char *argv[] = { "machinectl", "show", (char *)o.name, "-p", "Leader", NULL }, *out, *v, *end;
	int rc = run_capture(argv, &out, 1);
	long pid = 0;

	if (rc == 0 && (v = show_value(out, "Leader")))
		pid = strtol(v, &end, 10), pid = *end || pid <= 0 ? 0 : pid;
	free(out);
	if (!pid && must) {
		if (rc < 0)
			die(EXIT_FAIL, "unable to get container's main PID (run machinectl: %s)",
			    strerror(errno));
		die(EXIT_FAIL, "unable to get container's main PID (machinectl show %s -p Leader %s %d)",
		    o.name, rc ? "exited with status" : "said no PID, status", rc);
	}
	return (pid_t)pid;
}

static int sd_start(void)
{
	sd_unit("start", "failed to start container");
	return 0;
}

static int sd_stop(void)
{
	sd_unit("stop", "failed to stop container");
	return 0;
}

static int sd_terminate(void)
{
	pid_t leader = sd_leader(1);
	unsigned long long t = proc_start_time(leader);
	char *argv[] = { "machinectl", "terminate", (char *)o.name, NULL };
	int rc = run_wait(argv, 0);

	if (rc)
		die(EXIT_FAIL, "failed to terminate container (machinectl terminate %s %s)", o.name,
		    rc < 0 ? strerror(errno) : "failed");
	long long end = now_ms() + (o.timeout_ms >= 0 ? o.timeout_ms : STOP_TIMEOUT_MS);
	char st[32];

	if (!wait_gone(leader, t, (int)(end - now_ms())))
		die(EXIT_FAIL, "the container's init (PID %d) is still there after machinectl terminate",
		    (int)leader);
	/* the unit is done when nspawn is: then its root is free to go */
	while (now_ms() < end) {
		active_state(st, sizeof(st));
		if (strcmp(st, "active") && strcmp(st, "activating") && strcmp(st, "deactivating") &&
		    strcmp(st, "reloading"))
			break;
		usleep(50000);
	}
	return 0;
}

static int sd_login(void)
{
	char *argv[] = { "machinectl", "login", "--", (char *)o.name, NULL };

	execvp(argv[0], argv);
	die_sys(EXIT_FAIL, "run", "machinectl");
}

static void sd_reload(const struct conf *c)
{
	(void)c;
	sd_unit("reload", "failed to reload container");
}

/* destroy: what the unit world holds for the name goes too. An enabled container@NAME would
 * fail at every boot once its conf is gone; a failed one would stay listed. */
static void sd_forget(void)
{
	char *unit = xasprintf("container@%s.service", o.name), *out;
	char *is[] = { "systemctl", "is-enabled", unit, NULL };
	char *dis[] = { "systemctl", "disable", "--quiet", unit, NULL };
	char *rf[] = { "systemctl", "reset-failed", unit, NULL };
	int rc;

	run_capture(is, &out, 1);
	/* only what enabling made: disable of a linked unit would unlink the template */
	if (!strncmp(out, "enabled", 7) && (rc = run_wait(dis, 0)))
		die(EXIT_FAIL, "failed to disable %s (systemctl disable %s)", unit,
		    rc < 0 ? strerror(errno) : "failed");
	free(out);
	run_wait(rf, 2);
	free(unit);
}

const struct backend nc_systemd = {
	.status = sd_status,
	.statuses = sd_statuses,
	.start = sd_start,
	.stop = sd_stop,
	.terminate = sd_terminate,
	.login = sd_login,
	.leader = sd_leader,
	.reload = sd_reload,
	.forget = sd_forget,
};
