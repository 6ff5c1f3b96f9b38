/* container-poststart: the host side of a container's network once nspawn has made its
 * veths; replaces the module's postStartScript. Idempotent: what is there already is fine. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/caps.h"
#include "../common/container.h"

const char container_poststart_usage[] =
	"Usage: container-poststart [NAME]\n"
	"\n"
	"Run once the container is up (ExecStartPost of container@NAME). NAME defaults to\n"
	"$INSTANCE. Config: NAME.conf in the config dir, then the environment on top.\n"
	"\n"
	"  - If an address is set and HOST_BRIDGE is not: set ve-NAME up, put HOST_ADDRESS and\n"
	"    HOST_ADDRESS6 on it, and route LOCAL_ADDRESS and LOCAL_ADDRESS6 through it.\n"
	"    ve-NAME is found by its altname when nspawn had to shorten it (NAME over 11 chars).\n"
	"  - For each veth in EXTRA_VETHS (NAME[,hostBridge=BR][,hostAddress=A][,hostAddress6=A]\n"
	"    [,localAddress=A][,localAddress6=A] ...): with hostBridge, enslave it to BR and set\n"
	"    it up; otherwise set it up, add its host addresses and route its local addresses.\n"
	"An address or route that is already there is not an error, so running it twice, or\n"
	"after a crash, converges. All of the config is checked before anything changes.\n"
	"\n"
	"Exit: 0 done, 1 a step failed (the interface, step and kernel message are named),\n"
	"2 usage, 3 bad config, 4 CAP_NET_ADMIN missing.\n";

static struct nl *nl;

static noreturn void fail(const char *step, const char *ifname)
{
	die_err(EXIT_FAIL, step, ifname, errno, nl_ext_ack(nl));
}

static int find(const char *ifname)
{
	int idx = nl_link_index(nl, ifname);

	if (idx < 0)
		die_err(EXIT_FAIL, "find interface", ifname, errno,
			errno == ENODEV && !*nl_ext_ack(nl) ? "did the container exit at once?" : nl_ext_ack(nl));
	return idx;
}

static void up(int idx, const char *ifname)
{
	if (nl_link_up(nl, idx) < 0)
		fail("set up", ifname);
}

/* Put A on the interface (ROUTE 0), or route A through it (ROUTE 1). */
static void add(int idx, const char *ifname, const struct ipaddr *a, int route)
{
	char step[96];

	if (net_add(nl, idx, a, route, step, sizeof(step)) < 0)
		fail(step, ifname);
}

int container_poststart_main(int argc, char **argv)
{
	static const int need[] = { CAP_NET_ADMIN };
	struct conf c = { 0 };
	struct netconf nc;

	container_load(argc, argv, &c, &nc);

	int main_veth = netconf_any_address(&nc) && !nc.host_bridge;

	if (!main_veth && !nc.n_veths)
		goto out;
	caps_require(need, 1, "configure interfaces");
	if (!(nl = nl_open()))
		die_sys(EXIT_FAIL, "open netlink socket", NULL);
	if (main_veth) {
		int idx = find(nc.ve);

		up(idx, nc.ve);
		add(idx, nc.ve, &nc.host4, 0);
		add(idx, nc.ve, &nc.host6, 0);
		add(idx, nc.ve, &nc.local4, 1);
		add(idx, nc.ve, &nc.local6, 1);
	}
	for (size_t i = 0; i < nc.n_veths; i++) {
		const struct veth *v = &nc.veths[i];
		int idx = find(v->name);

		if (v->host_bridge) {
			if (nl_link_set_master(nl, idx, find(v->host_bridge)) < 0) {
				char step[64];

				snprintf(step, sizeof(step), "enslave to bridge %s", v->host_bridge);
				fail(step, v->name);
			}
			up(idx, v->name);
			continue;
		}
		up(idx, v->name);
		add(idx, v->name, &v->host4, 0);
		add(idx, v->name, &v->host6, 0);
		add(idx, v->name, &v->local4, 1);
		add(idx, v->name, &v->local6, 1);
	}
	nl_close(nl);
out:
	netconf_free(&nc);
	conf_free(&c);
	return 0;
}
