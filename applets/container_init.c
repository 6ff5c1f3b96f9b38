/* container-init: not built yet; its issue brings it. */
#include "../common/ncbox.h"

const char container_init_usage[] =
	"Usage: container-init [ARGS...]\n"
	"\n"
	"Not built yet in this version of ncbox: it says so and exits 1.\n";

int container_init_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	not_built();
}
