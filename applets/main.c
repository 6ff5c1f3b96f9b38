/* The multicall entry point: argv[0]'s basename picks the applet, or `ncbox APPLET`.
 * --help, --version, --list and --install are handled here, once, for every applet. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "../common/ncbox.h"
#include "applets.h"

static const struct applet {
	const char *name;
	int (*main)(int, char **);
	const char *usage;
} applets[] = {
#define X(name, id) { name, id##_main, id##_usage },
	APPLETS(X)
#undef X
};
#define N_APPLETS (sizeof(applets) / sizeof(applets[0]))

/* clang-format off */
static const char ncbox_usage[] =
	"Usage: ncbox APPLET [ARGS...]\n"
	"       APPLET [ARGS...]            (through a symlink named after the applet)\n"
	"       ncbox --list | --install DIR | --help | --version\n"
	"\n"
	"One static binary that replaces the scripts of the NixOS containers module.\n"
	"\n"
	"  --list         print the applets, one per line\n"
	"  --install DIR  make a symlink DIR/APPLET to this binary for every applet\n"
	"                 (an existing symlink is replaced, any other file is left alone)\n"
	"  --help         this text; APPLET --help prints the applet's\n"
	"  --version      print the version\n"
	"\n"
	"Exit codes: 0 ok, 1 failure, 2 usage, 3 bad configuration, 4 missing capability,\n"
	"5 no such container, 6 container exists (nixos-container), 126 program not\n"
	"executable, 127 unknown applet or program not found.\n";
/* clang-format on */

static const struct applet *find_applet(const char *name)
{
	for (size_t i = 0; i < N_APPLETS; i++)
		if (!strcmp(applets[i].name, name))
			return &applets[i];
	return NULL;
}

static int list_applets(void)
{
	for (size_t i = 0; i < N_APPLETS; i++)
		printf("%s\n", applets[i].name);
	return 0;
}

static int install_links(const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc = 0;

	struct stat st;

	if (n < 0)
		die_sys(EXIT_FAIL, "find this binary", "/proc/self/exe");
	self[n] = 0;
	if (stat(dir, &st) < 0)
		die_sys(EXIT_FAIL, "install", dir);
	if (!S_ISDIR(st.st_mode))
		die_err(EXIT_FAIL, "install", dir, ENOTDIR, NULL);
	for (size_t i = 0; i < N_APPLETS; i++) {
		char *link = xasprintf("%s/%s", dir, applets[i].name);
		char old[PATH_MAX];

		/* Replace only our own kind of file: a symlink, or nothing. */
		if (readlink(link, old, sizeof(old)) < 0 && errno != ENOENT) {
			warn_err("install", link, errno == EINVAL ? EEXIST : errno,
				 errno == EINVAL ? "not a symlink, left alone" : NULL);
			rc = EXIT_FAIL;
		} else if (symlink_atomic(self, link) < 0) {
			warn_sys("install: make symlink", link);
			rc = EXIT_FAIL;
		}
		free(link);
	}
	return rc;
}

static int run_applet(const struct applet *a, int argc, char **argv)
{
	applet = a->name;
	argv[0] = (char *)a->name;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fputs(a->usage, stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("%s (ncbox) %s\n", a->name, NCBOX_VERSION);
		return 0;
	}
	return a->main(argc, argv);
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const struct applet *a;

	base = base ? base + 1 : argc > 0 ? argv[0] : "ncbox";
	if ((a = find_applet(base)))
		return run_applet(a, argc, argv);
	if (strncmp(base, "ncbox", 5)) {
		warn_msg("unknown applet '%s' (ncbox --list shows them)", base);
		return EXIT_NOTFOUND;
	}

	if (argc < 2) {
		fputs(ncbox_usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help")) {
		fputs(ncbox_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ncbox %s\n", NCBOX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--list"))
		return list_applets();
	if (!strcmp(argv[1], "--install")) {
		if (argc != 3)
			die_usage("--install takes one directory");
		return install_links(argv[2]);
	}
	if (argv[1][0] == '-')
		die_usage("unknown option '%s'", argv[1]);
	if (!(a = find_applet(argv[1]))) {
		warn_msg("unknown applet '%s' (ncbox --list shows them)", argv[1]);
		return EXIT_NOTFOUND;
	}
	return run_applet(a, argc - 1, argv + 1);
}
