/* container-prestart: the host side of the network before a container starts; replaces
 * the module's preStartScript. Clears what a previous run may have left behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>

#include "../common/caps.h"
#include "../common/container.h"
#include "../common/proc.h"

const char container_prestart_usage[] =
	"Usage: container-prestart [NAME]\n"
	"\n"
	"Run before a container starts (ExecStartPre of container@NAME). NAME defaults to\n"
	"$INSTANCE. Config: NAME.conf in the config dir, then the environment on top.\n"
	"\n"
	"  - If machined has a stale registration of NAME (/run/systemd/machines/NAME exists),\n"
	"    end it with `machinectl terminate NAME`; errors are ignored. No machined, no cost.\n"
	"  - If nspawn will make ve-NAME or vb-NAME (any of HOST_ADDRESS, HOST_ADDRESS6,\n"
	"    LOCAL_ADDRESS, LOCAL_ADDRESS6, LOCAL_MAC_ADDRESS, HOST_BRIDGE is set), delete both,\n"
	"    found by altname when NAME is over 11 characters. (The script looks at the\n"
	"    addresses only, so a stale link of a bridge-only container made nspawn fail.)\n"
	"  - Delete every veth named in EXTRA_VETHS.\n"
	"A link that is not there is fine; any other failure is reported, and the rest is still\n"
	"tried.\n"
	"\n"
	"Exit: 0 done, 1 a step failed, 2 usage, 3 bad config, 4 CAP_NET_ADMIN missing.\n";

static void terminate_stale(const char *name)
{
	char *reg = xasprintf("/run/systemd/machines/%s", name);
	struct stat st;

	if (lstat(reg, &st) == 0) {
		char *argv[] = { "machinectl", "terminate", (char *)name, NULL };

		run_wait(argv, 1);
	}
	free(reg);
}

/* Delete IFNAME if it exists; 0, or -1 after reporting a failure. */
static int del_link(struct nl *nl, const char *ifname)
{
	int idx = nl_link_index(nl, ifname);

	if (idx < 0 && errno == ENODEV)
		return 0;
	if (idx >= 0 && (nl_link_del(nl, idx) == 0 || errno == ENODEV))
		return 0;
	warn_err(idx < 0 ? "find interface" : "delete interface", ifname, errno, nl_ext_ack(nl));
	return -1;
}

int container_prestart_main(int argc, char **argv)
{
	static const int need[] = { CAP_NET_ADMIN };
	struct conf c = { 0 };
	struct netconf nc;
	struct nl *nl;
	const char *name;
	int rc = 0;

	name = container_load(argc, argv, &c, &nc);

	terminate_stale(name);
	int main_veth = netconf_any_address(&nc) || nc.host_bridge || nc.has_mac;

	if (!main_veth && !nc.n_veths)
		goto out;
	caps_require(need, 1, "delete interfaces");
	if (!(nl = nl_open()))
		die_sys(EXIT_FAIL, "open netlink socket", NULL);
	if (main_veth) {
		rc |= del_link(nl, nc.ve);
		rc |= del_link(nl, nc.vb);
	}
	for (size_t i = 0; i < nc.n_veths; i++)
		rc |= del_link(nl, nc.veths[i].name);
	nl_close(nl);
out:
	netconf_free(&nc);
	conf_free(&c);
	return rc ? EXIT_FAIL : 0;
}
