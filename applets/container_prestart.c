/* container-prestart: the host side of the network before a container starts; replaces
 * the module's preStartScript. Clears what a previous run may have left behind. */
#include <stdlib.h>
#include <linux/capability.h>
#include <sys/stat.h>

#include "../common/caps.h"
#include "../common/hostnet.h"
#include "../common/proc.h"

/* clang-format off */
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
	"Only veths are deleted: a link of another kind (a host bridge) is reported and left\n"
	"alone. A link that is not there is fine; any other failure is reported, and the rest\n"
	"is still tried.\n"
	"\n"
	"Exit: 0 done, 1 a step failed, 2 usage, 3 bad config, 4 CAP_NET_ADMIN missing.\n";
/* clang-format on */

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
	if (hostnet_main_veth(&nc) || nc.n_veths) {
		caps_require(need, 1, "delete interfaces");
		if (!(nl = nl_open()))
			die_sys(EXIT_FAIL, "open netlink socket", NULL);
		rc = hostnet_clear(nl, &nc);
		nl_close(nl);
	}
	netconf_free(&nc);
	conf_free(&c);
	return rc ? EXIT_FAIL : 0;
}
