/* container-netns: not built yet; its issue brings it. */
#include "../common/ncbox.h"

const char container_netns_usage[] =
	"Usage: container-netns [ARGS...]\n"
	"\n"
	"Not built yet in this version of ncbox: it says so and exits 1.\n";

int container_netns_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	not_built();
}
