/* container-poststart: the host side of a container's network once nspawn has made its
 * veths; replaces the module's postStartScript. Idempotent: what is there already is fine. */
#include <linux/capability.h>

#include "../common/caps.h"
#include "../common/hostnet.h"

/* clang-format off */
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
/* clang-format on */

int container_poststart_main(int argc, char **argv)
{
	static const int need[] = { CAP_NET_ADMIN };
	struct conf c = { 0 };
	struct netconf nc;
	struct nl *nl;
	int rc = 0;

	container_load(argc, argv, &c, &nc);
	if (hostnet_links(&nc, NULL, 0)) {
		caps_require(need, 1, "configure interfaces");
		if (!(nl = nl_open()))
			die_sys(EXIT_FAIL, "open netlink socket", NULL);
		rc = hostnet_up(nl, &nc) < 0 ? EXIT_FAIL : 0;
		nl_close(nl);
	}
	netconf_free(&nc);
	conf_free(&c);
	return rc;
}
