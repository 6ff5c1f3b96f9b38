/* container-netns: named network namespaces for netns containers; replaces the netns@
 * unit's script (ip netns add/del). A namespace is kept alive by a bind mount of its nsfs
 * file on /run/netns/NAME, exactly where `ip netns` looks for it. */

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../common/caps.h"
#include "../common/container.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#define NETNS_DIR "/run/netns"

/* clang-format off */
const char container_netns_usage[] =
	"Usage: container-netns add NAME\n"
	"       container-netns del NAME\n"
	"\n"
	"add: make a persistent network namespace at /run/netns/NAME, as `ip netns add`\n"
	"does (the directory becomes a shared mount so that a del propagates), with lo up. An\n"
	"existing one is kept as it is; a stale file left by a crash gets a new namespace.\n"
	"del: unmount and remove /run/netns/NAME, as `ip netns del`; a missing one is fine.\n"
	"Both are idempotent. NAME follows the container name rules.\n"
	"\n"
	"Exit: 0 done, 1 a step failed (named), 2 usage, 3 bad name, 4 CAP_SYS_ADMIN missing.\n";
/* clang-format on */

static int is_netns_mount(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

/* /run/netns as a shared mount point, as ip does, so unmounts propagate. */
static void shared_dir(void)
{
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		die_sys(EXIT_FAIL, "make directory", NETNS_DIR);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return;
	if (errno != EINVAL)
		die_sys(EXIT_FAIL, "make shared mount", NETNS_DIR);
	if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		die_sys(EXIT_FAIL, "bind mount", NETNS_DIR);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		die_sys(EXIT_FAIL, "make shared mount", NETNS_DIR);
}

static int netns_add(const char *path)
{
	struct nl *nl;
	int fd, idx;

	if (is_netns_mount(path))
		return 0;
	shared_dir();
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		die_sys(EXIT_FAIL, "create", path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		warn_sys("make network namespace", path);
		unlink(path);
		return EXIT_FAIL;
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		warn_sys("bind network namespace", path);
		unlink(path);
		return EXIT_FAIL;
	}
	/* As systemd's PrivateNetwork= (which the netns@ unit used), lo comes up. */
	if (!(nl = nl_open()) || (idx = nl_link_index(nl, "lo")) < 0 || nl_link_up(nl, idx) < 0)
		warn_err("set up", "lo", errno, nl_why(nl));
	nl_close(nl);
	return 0;
}

static int netns_del(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		die_sys(EXIT_FAIL, "unmount", path);
	if (unlink(path) < 0 && errno != ENOENT)
		die_sys(EXIT_FAIL, "remove", path);
	return 0;
}

int container_netns_main(int argc, char **argv)
{
	static const int need[] = { CAP_SYS_ADMIN };
	const char *why;
	char *path;
	int rc;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")))
		die_usage("expected 'add NAME' or 'del NAME'");
	if (name_check(argv[2], &why) < 0)
		die(EXIT_CONFIG, "network namespace name '%s': %s", msg_esc(argv[2]), why);
	caps_require(need, 1, argv[1][0] == 'a' ? "add network namespace" : "delete network namespace");
	path = xasprintf(NETNS_DIR "/%s", argv[2]);
	rc = argv[1][0] == 'a' ? netns_add(path) : netns_del(path);
	free(path);
	return rc;
}
