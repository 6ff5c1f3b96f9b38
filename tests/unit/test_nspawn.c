/* build_argv(): nspawn's command line from a plan alone, in container-start's order. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nspawn.h"
#include "unit.h"

/* The command line of S, one argument per line. */
static char *argv_of(const struct start *s)
{
	struct strv a = { 0 };
	size_t len = 1;
	char *out, *o;

	build_argv(s, &a);
	for (size_t i = 0; i < a.n; i++)
		len += strlen(a.v[i]) + 1;
	o = out = xmalloc(len);
	for (size_t i = 0; i < a.n; i++)
		o += sprintf(o, "%s\n", a.v[i]);
	*o = 0;
	strv_free(&a);
	return out;
}

static void check(const struct start *s, const char *want, const char *what)
{
	char *got = argv_of(s);

	ok(!strcmp(got, want), "%s", what);
	if (strcmp(got, want))
		printf("  got:\n%s  want:\n%s", got, want);
	free(got);
}

static void push(struct strv *v, const char *s)
{
	strv_push(v, xstrdup(s));
}

static void plan_free(struct start *s)
{
	struct strv *l[] = { &s->ports, &s->caps, &s->tmpfs, &s->ifaces, &s->macvlans,
			     &s->extra, &s->init, &s->creds, &s->setenv };

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		strv_free(l[i]);
	veths_free(s->nc.veths, s->nc.n_veths);
}

int main(void)
{
	struct start s = { 0 };
	const char *why;

	UNIT("nspawn");
	/* The smallest plan: no Nix, no network, this binary bound in, on a host without systemd. */
	s.nspawn = "/bin/systemd-nspawn";
	s.name = "web";
	s.root = "/var/lib/nixos-containers/web";
	s.stage2 = "/nix/var/nix/profiles/system/init";
	s.init_bind = "/usr/bin/ncbox";
	push(&s.init, INIT_BIND);
	push(&s.setenv, "PRIVATE_NETWORK=");
	push(&s.setenv, "PATH=/bin");
	setenv("PATH", "/elsewhere", 1); /* the plan's PATH counts, not the environment's */
	check(&s,
	      "/bin/systemd-nspawn\n--keep-unit\n--register=no\n-M\nweb\n-D\n/var/lib/nixos-containers/web\n"
	      "--notify-ready=yes\n--kill-signal=SIGRTMIN+3\n--bind-ro=/usr/bin/ncbox:/run/ncbox/"
	      "container-init\n"
	      "--link-journal=try-guest\n--setenv\nPRIVATE_NETWORK=\n--setenv\nPATH=/bin\n"
	      "/run/ncbox/container-init\n/nix/var/nix/profiles/system/init\n",
	      "the smallest plan, exactly");

	/* Everything at once, in the documented order. */
	s.booted = 1;
	s.private_network = 1;
	s.private_users = "pick";
	s.idmap = 1;
	s.x86 = 1;
	s.ephemeral = 1;
	s.netns_path = "/run/netns/n";
	addr_parse("10.0.0.1", AF_INET, &s.nc.host4, &why);
	s.nc.host_bridge = "br0";
	veths_parse("vx1 vx2,hostBridge=br1", &s.nc.veths, &s.nc.n_veths, (char[64]){ 0 }, 64);
	push(&s.ports, "tcp:80:8080");
	push(&s.ports, "443");
	push(&s.ifaces, "eth1");
	push(&s.macvlans, "eth2");
	s.store = "/nix/store";
	s.db = "/nix/var/nix/db";
	s.daemon_socket = NULL;
	s.profiles = "/nix/var/nix/profiles/per-container/a:b";
	s.gcroots = "/nix/var/nix/gcroots/per-container/a\\b";
	s.init_bind = NULL;
	strv_free(&s.init);
	push(&s.init, "/nix/store/x-ncbox/bin/ncbox");
	push(&s.init, "container-init");
	push(&s.creds, "--load-credential=seed:/run/creds/seed");
	push(&s.caps, "cap_net_admin");
	push(&s.caps, "all");
	push(&s.tmpfs, "/tmp");
	push(&s.extra, "--bind=/a b:/c");
	check(&s,
	      "/bin/systemd-nspawn\n--keep-unit\n-M\nweb\n-D\n/var/lib/nixos-containers/web\n"
	      "--private-network\n--private-users=pick\n--network-veth\n--port=tcp:80:8080\n--port=443\n"
	      "--network-bridge=br0\n--network-namespace-path=/run/netns/n\n"
	      "--network-veth-extra=vx1\n--network-veth-extra=vx2\n--network-interface=eth1\n"
	      "--network-macvlan=eth2\n--personality=x86\n--notify-ready=yes\n--kill-signal=SIGRTMIN+3\n"
	      "--bind-ro=/nix/store:/nix/store:idmap\n--bind-ro=/nix/var/nix/db:/nix/var/nix/db:idmap\n"
	      "--bind=/nix/var/nix/profiles/per-container/a\\:b:/nix/var/nix/profiles:idmap\n"
	      "--bind=/nix/var/nix/gcroots/per-container/a\\\\b:/nix/var/nix/gcroots:idmap\n"
	      "--load-credential=seed:/run/creds/seed\n--setenv\nPRIVATE_NETWORK=\n--setenv\nPATH=/bin\n"
	      "--ephemeral\n--capability=cap_net_admin,all\n--tmpfs=/tmp\n--bind=/a b:/c\n"
	      "/nix/store/x-ncbox/bin/ncbox\ncontainer-init\n/nix/var/nix/profiles/system/init\n",
	      "every option, in order: binds escaped and idmapped, no journal link when ephemeral");

	/* A MAC alone asks for the veth; without idmap an unescaped bind is one path. */
	memset(&s.nc.host4, 0, sizeof(s.nc.host4));
	s.nc.host_bridge = NULL;
	s.nc.has_mac = 1;
	s.idmap = 0;
	s.profiles = s.gcroots = s.db = NULL;
	{
		char *got = argv_of(&s);

		ok(strstr(got, "\n--network-veth\n") && !strstr(got, "--network-bridge"),
		   "LOCAL_MAC_ADDRESS alone: --network-veth");
		ok(strstr(got, "\n--bind-ro=/nix/store\n") != NULL,
		   "the store bound as one path without idmap");
		free(got);
	}
	plan_free(&s);
	return unit_done();
}
