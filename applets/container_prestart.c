/* container-prestart: not built yet; its issue brings it. */
#include "../common/ncbox.h"

const char container_prestart_usage[] =
	"Usage: container-prestart [ARGS...]\n"
	"\n"
	"Not built yet in this version of ncbox: it says so and exits 1.\n";

int container_prestart_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	not_built();
}
