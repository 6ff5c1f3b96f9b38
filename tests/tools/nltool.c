/* nltool: drive every nl_* call from the command line, for tests/netlink.test.
 *   nltool CMD ARGS [-- CMD ARGS]...   (all commands over one netlink socket)
 * NAME is a name or altname, or @IFINDEX to pass an index unchecked.
 * Commands: index NAME | up NAME | rename NAME NEW | mac NAME MAC | master NAME MASTER
 *           | del NAME | addr NAME ADDR | route NAME DST | default GW [NAME]
 * A failure prints "nltool: STEP: OBJECT: strerror (kernel message)" and exits 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ncbox.h"
#include "net.h"

static struct nl *nl;

static void check(int ret, const char *step, const char *obj)
{
	if (ret < 0) {
		int err = errno;

		/* the message must be read before nl_close frees it */
		warn_err(step, obj, err, nl_why(nl));
		nl_close(nl);
		exit(EXIT_FAIL);
	}
}

/* NAME, or "@IFINDEX" to skip the lookup and hand the kernel that index as is. */
static int index_of(const char *name)
{
	int ifindex;

	if (name[0] == '@')
		return atoi(name + 1);
	ifindex = nl_link_index(nl, name);

	check(ifindex, "look up link", name);
	return ifindex;
}

static void parse_addr(const char *s, struct ipaddr *a)
{
	const char *why;

	if (addr_parse(s, AF_UNSPEC, a, &why) < 0) {
		nl_close(nl);
		die_usage("%s: %s", s, why);
	}
}

/* Run the command in ARGV[0..ARGC); ARGC counts its words. */
static void run(int argc, char **argv)
{
	const char *cmd = argv[0], *why;
	unsigned char mac[6];
	struct ipaddr a;
	int want = -1;

	if (!strcmp(cmd, "index") || !strcmp(cmd, "up") || !strcmp(cmd, "del"))
		want = 2;
	else if (!strcmp(cmd, "rename") || !strcmp(cmd, "mac") || !strcmp(cmd, "master") ||
		 !strcmp(cmd, "addr") || !strcmp(cmd, "route"))
		want = 3;
	else if (!strcmp(cmd, "default"))
		want = argc == 3 ? 3 : 2;
	if (want < 0 || argc != want) {
		nl_close(nl);
		die_usage("%s: unknown command or wrong number of arguments", cmd);
	}

	if (!strcmp(cmd, "index")) {
		printf("%d\n", index_of(argv[1]));
	} else if (!strcmp(cmd, "up")) {
		check(nl_link_up(nl, index_of(argv[1])), "set link up", argv[1]);
	} else if (!strcmp(cmd, "rename")) {
		check(nl_link_rename(nl, index_of(argv[1]), argv[2]), "rename link", argv[1]);
	} else if (!strcmp(cmd, "mac")) {
		if (mac_parse(argv[2], mac, &why) < 0) {
			nl_close(nl);
			die_usage("%s: %s", argv[2], why);
		}
		check(nl_link_set_mac(nl, index_of(argv[1]), mac), "set MAC address", argv[1]);
	} else if (!strcmp(cmd, "master")) {
		int master = index_of(argv[2]);

		check(nl_link_set_master(nl, index_of(argv[1]), master), "set master", argv[1]);
	} else if (!strcmp(cmd, "del")) {
		check(nl_link_del(nl, index_of(argv[1])), "delete link", argv[1]);
	} else if (!strcmp(cmd, "addr")) {
		parse_addr(argv[2], &a);
		check(nl_addr_add(nl, index_of(argv[1]), &a), "add address", argv[2]);
	} else if (!strcmp(cmd, "route")) {
		parse_addr(argv[2], &a);
		check(nl_route_add(nl, index_of(argv[1]), &a), "add route", argv[2]);
	} else {
		parse_addr(argv[1], &a);
		check(nl_route_add_default(nl, &a, argc == 3 ? index_of(argv[2]) : 0), "add default route",
		      argv[1]);
	}
}

int main(int argc, char **argv)
{
	int i, start = 1;

	applet = "nltool";
	if (argc < 2)
		die_usage("no command");
	nl = nl_open();
	if (!nl)
		die_sys(EXIT_FAIL, "open netlink socket", NULL);
	for (i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "--"))
			continue;
		if (i == start) {
			nl_close(nl);
			die_usage("empty command");
		}
		run(i - start, argv + start);
		start = i + 1;
	}
	nl_close(nl);
	return 0;
}
