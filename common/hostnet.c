/* The host side of a container's network, for container-prestart, container-poststart,
 * container-start's early helper and a supervisor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostnet.h"
#include "proc.h"
#include "task.h"

#define EARLY_NET_TIMEOUT_MS 60000

size_t hostnet_links(const struct netconf *nc, const char **names, size_t max)
{
	size_t n = 0;

	if (netconf_any_address(nc) && !nc->host_bridge && n++ < max)
		names[0] = nc->ve;
	for (size_t i = 0; i < nc->n_veths; i++, n++)
		if (n < max)
			names[n] = nc->veths[i].name;
	return n;
}

static int fail(struct nl *nl, const char *step, const char *ifname)
{
	warn_err(step, ifname, errno, nl_why(nl));
	return -1;
}

/* BRIDGE: IFNAME is the host's bridge, not a veth of the container's. */
static int find(struct nl *nl, const char *ifname, int bridge)
{
	int idx = nl_link_index(nl, ifname);

	if (idx < 0)
		warn_err("find interface", ifname, errno,
			 errno != ENODEV || *nl_why(nl) ? nl_why(nl)
			 : bridge			? "no such bridge"
							: "did the container exit at once?");
	return idx;
}

/* Set IFNAME up with its host addresses and routes to its local ones. */
static int configure(struct nl *nl, const char *ifname, const struct ipaddr *a[4])
{
	int idx = find(nl, ifname, 0);
	char step[96];

	if (idx < 0)
		return -1;
	if (nl_link_up(nl, idx) < 0)
		return fail(nl, "set up", ifname);
	for (int i = 0; i < 4; i++)
		if (net_add(nl, idx, a[i], i >= 2, step, sizeof(step)) < 0)
			return fail(nl, step, ifname);
	return 0;
}

int hostnet_up(struct nl *nl, const struct netconf *nc)
{
	if (netconf_any_address(nc) && !nc->host_bridge &&
	    configure(nl, nc->ve,
		      (const struct ipaddr *[4]){ &nc->host4, &nc->host6, &nc->local4, &nc->local6 }) < 0)
		return -1;
	for (size_t i = 0; i < nc->n_veths; i++) {
		const struct veth *v = &nc->veths[i];
		int idx, br;

		if (!v->host_bridge) {
			if (configure(nl, v->name,
				      (const struct ipaddr *[4]){ &v->host4, &v->host6, &v->local4,
								  &v->local6 }) < 0)
				return -1;
			continue;
		}
		if ((idx = find(nl, v->name, 0)) < 0 || (br = find(nl, v->host_bridge, 1)) < 0)
			return -1;
		if (nl_link_set_master(nl, idx, br) < 0) {
			char step[64];

			snprintf(step, sizeof(step), "enslave to bridge %s", v->host_bridge);
			return fail(nl, step, v->name);
		}
		if (nl_link_up(nl, idx) < 0)
			return fail(nl, "set up", v->name);
	}
	return 0;
}

int hostnet_main_veth(const struct netconf *nc)
{
	return netconf_any_address(nc) || nc->host_bridge || nc->has_mac;
}

/* Delete IFNAME if it exists and is a veth, as nspawn makes them: a link of another kind
 * is not ours (a host bridge named in EXTRA_VETHS). 0, or -1 after reporting. */
static int del_link(struct nl *nl, const char *ifname)
{
	char kind[32], why[64];
	int idx = nl_link_kind(nl, ifname, kind, sizeof(kind));

	if (idx < 0 && errno == ENODEV)
		return 0;
	if (idx >= 0 && strcmp(kind, "veth")) {
		snprintf(why, sizeof(why), "a %s link, not a veth: left alone", *kind ? kind : "device");
		warn_err("delete interface", ifname, 0, why);
		return -1;
	}
	if (idx >= 0 && (nl_link_del(nl, idx) == 0 || errno == ENODEV))
		return 0;
	return fail(nl, idx < 0 ? "find interface" : "delete interface", ifname);
}

int hostnet_clear(struct nl *nl, const struct netconf *nc)
{
	int rc = 0;

	if (hostnet_main_veth(nc)) {
		rc |= del_link(nl, nc->ve);
		rc |= del_link(nl, nc->vb);
	}
	for (size_t i = 0; i < nc->n_veths; i++)
		rc |= del_link(nl, nc->veths[i].name);
	return rc;
}

/* Under systemd on cgroup v2, nspawn --keep-unit moves itself into the unit's `supervisor`
 * subcgroup and the container into `payload`, then enables controllers on the unit's
 * cgroup, which the kernel refuses while a process is left in it: put the helper PID where
 * nspawn will be. Best effort. */
static void helper_cgroup(pid_t pid)
{
	char line[4096], more[8], *dir, *procs;
	FILE *f = fopen("/proc/self/cgroup", "re");
	int v2 = 0;

	if (f) {
		/* pure v2: the one line "0::/PATH" */
		v2 = fgets(line, sizeof(line), f) && !strncmp(line, "0::/", 4) &&
		     !fgets(more, sizeof(more), f);
		fclose(f);
	}
	if (!v2)
		return;
	line[strcspn(line, "\n")] = 0;
	dir = xasprintf("/sys/fs/cgroup%s/supervisor", line + 3);
	procs = xasprintf("%s/cgroup.procs", dir);
	if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
		FILE *p = fopen(procs, "we");

		if (p) {
			fprintf(p, "%d\n", (int)pid);
			fclose(p);
		}
	}
	free(dir);
	free(procs);
}

/* The helper: wait until nspawn has made the host-side links, then configure them as
 * container-poststart does. It ends when nspawn (START, a pidfd; -1: none) has exited. */
static noreturn void early_helper(const struct netconf *nc, struct nl *ev, int start)
{
	const char *names[64];
	size_t n = hostnet_links(nc, names, 64);
	long long t0 = now_ms();
	struct nl *nl;
	int rc;

	if (!(nl = nl_open())) {
		warn_sys("early network: open netlink socket", NULL);
		_exit(EXIT_FAIL);
	}
	for (size_t i = 0; i < n && i < 64;) {
		if (nl_link_index(nl, names[i]) >= 0) {
			i++;
			continue;
		}
		if (now_ms() - t0 >= EARLY_NET_TIMEOUT_MS) {
			warn_err("early network: wait for interface", names[i], ETIMEDOUT,
				 "nspawn did not make it; container-poststart will try again");
			_exit(EXIT_FAIL);
		}
		/* a poll as well, in case a notification was lost (an altname added later) */
		if (nl_wait_events(ev, 200, start) == 2)
			_exit(0);
	}
	nl_close(ev);
	rc = hostnet_up(nl, nc);
	nl_close(nl);
	_exit(rc < 0 ? EXIT_FAIL : 0);
}

/* Fork the helper so that it is never nspawn's child: a child of nspawn that exits while
 * nspawn registers with machined makes that call fail (EINTR). An intermediate process
 * forks it and exits before the exec, so the helper is reparented (to PID 1 or a
 * subreaper) and watches nspawn through a pidfd instead. */
void hostnet_early(const struct netconf *nc, int booted)
{
	struct nl *ev;
	int start;
	pid_t pid;

	if (!hostnet_links(nc, NULL, 0))
		return;
	/* subscribed before the fork: no link made after this point goes unheard */
	if (!(ev = nl_open_link_events())) {
		warn_sys("early network: watch links", NULL);
		return;
	}
	/* close-on-exec: only the helper keeps it */
	start = (int)syscall(SYS_pidfd_open, getpid(), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		pid = fork();
		if (pid == 0)
			early_helper(nc, ev, start);
		if (pid < 0)
			warn_sys("early network: start helper", NULL);
		else if (booted)
			helper_cgroup(pid);
		_exit(0);
	}
	if (pid < 0)
		warn_sys("early network: start helper", NULL);
	else
		wait_child(pid);
	if (start >= 0)
		close(start);
	nl_close(ev);
}
