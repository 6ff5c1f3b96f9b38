/* container-poststart: not built yet; its issue brings it. */
#include "../common/ncbox.h"

const char container_poststart_usage[] =
	"Usage: container-poststart [ARGS...]\n"
	"\n"
	"Not built yet in this version of ncbox: it says so and exits 1.\n";

int container_poststart_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	not_built();
}
