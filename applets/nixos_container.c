/* nixos-container: not built yet; its issue brings it. */
#include "../common/ncbox.h"

const char nixos_container_usage[] =
	"Usage: nixos-container [ARGS...]\n"
	"\n"
	"Not built yet in this version of ncbox: it says so and exits 1.\n";

int nixos_container_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	not_built();
}
