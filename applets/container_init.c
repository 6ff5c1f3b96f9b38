/* container-init: PID 1 inside the container; replaces the module's containerInit.
 * Configures eth0 and the extra veths from the environment nspawn set, then chainloads
 * stage 2, so that stage 2 (and systemd after it) is PID 1.
 *
 * The stop signal. nspawn stops a container with SIGRTMIN+3 to its PID 1, and PID 1 of a
 * PID namespace only receives signals it has a handler for, or has blocked. So:
 *  1. first thing, a handler for it exits 0 at once: a stop during setup ends the container;
 *  2. before the exec, it is blocked: a blocked signal is never discarded, and it stays
 *     pending across exec. If it is pending already, we exit 0 rather than start stage 2;
 *  3. stage 2 starts with it blocked and pending if it came after step 2; systemd blocks it
 *     anyway and reads it from its signalfd, so that stop is not lost.
 * The number is glibc's SIGRTMIN+3, 37, which systemd and nspawn use: musl's SIGRTMIN is 35,
 * so SIGRTMIN+3 in this musl build would be 38, the wrong signal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/container.h"

#define SIG_CONTAINER_STOP 37 /* glibc's SIGRTMIN+3 */

/* clang-format off */
const char container_init_usage[] =
	"Usage: container-init STAGE2 [ARGS...]\n"
	"\n"
	"PID 1 of a NixOS container (systemd-nspawn runs it). Configures the network from the\n"
	"environment, then execs STAGE2 with ARGS, so that STAGE2 becomes PID 1.\n"
	"\n"
	"When any of HOST_ADDRESS, HOST_ADDRESS6, LOCAL_ADDRESS, LOCAL_ADDRESS6, HOST_BRIDGE\n"
	"or LOCAL_MAC_ADDRESS is set: rename host0 to eth0, set LOCAL_MAC_ADDRESS on it, set it\n"
	"up, add LOCAL_ADDRESS and LOCAL_ADDRESS6 (a prefix length is kept), a route to\n"
	"HOST_ADDRESS(6) through eth0 and a default route via it. For each veth in EXTRA_VETHS\n"
	"(NAME[,localAddress=A][,localAddress6=A][,hostAddress=A][,hostAddress6=A]...): set it\n"
	"up, add its local addresses and routes to its host addresses. The keys without 6 take\n"
	"either family; an IPv6 HOST_ADDRESS with HOST_ADDRESS6, and unspecified, /0,\n"
	"broadcast, multicast or loopback addresses are bad config.\n"
	"\n"
	"Stop signal: SIGRTMIN+3 (37, as systemd numbers it) during setup exits 0 at once; one\n"
	"that comes later stays blocked and pending across the exec, for systemd's signalfd.\n"
	"Stage 2 gets the descriptors, environment and signal mask nspawn gave, plus signal 37\n"
	"blocked.\n"
	"\n"
	"A failed network step is reported with the kernel's message and stage 2 still starts,\n"
	"so that a container with a broken network can be entered and mended. A bad value in\n"
	"the config changes nothing and exits 3. Not PID 1: a warning, then the same work.\n"
	"\n"
	"Exit (only when stage 2 does not start): 0 stopped during setup, 2 usage, 3 bad\n"
	"config, 126 STAGE2 not executable, 127 STAGE2 not found.\n";
/* clang-format on */

static struct nl *nl;
static int failures;

static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

/* Report a failed step on the console and go on. */
static void step_failed(const char *step, const char *ifname)
{
	warn_err(step, ifname, errno, nl_why(nl));
	failures++;
}

static void step_addr(int idx, const char *ifname, const struct ipaddr *a, int route)
{
	char step[96];

	if (net_add(nl, idx, a, route, step, sizeof(step)) < 0)
		step_failed(step, ifname);
}

/* The default route via the host. HOST_ADDRESS6=fc00::1/64 means the host fc00::1 on a
 * /64: the gateway is the address alone (the script's `ip route add default via A/64`
 * fails, and with it the whole container). */
static void step_default(int idx, const struct ipaddr *host)
{
	struct ipaddr gw = *host;
	char buf[64], step[96];

	gw.prefix = -1;
	if (!addr_set(&gw) || nl_route_add_default(nl, &gw, idx) == 0 || errno == EEXIST)
		return;
	snprintf(step, sizeof(step), "add default route via %s", addr_format(&gw, buf, sizeof(buf)));
	step_failed(step, "eth0");
}

static void setup_eth0(const struct netconf *nc)
{
	int idx = nl_link_index(nl, "host0");

	if (idx < 0) {
		/* Already renamed (a restart in the same namespace) is fine. */
		if (errno != ENODEV || (idx = nl_link_index(nl, "eth0")) < 0)
			return step_failed("find interface", "host0");
	} else if (nl_link_rename(nl, idx, "eth0") < 0) {
		return step_failed("rename to eth0", "host0");
	}
	if (nc->has_mac && nl_link_set_mac(nl, idx, nc->mac) < 0)
		step_failed("set MAC address", "eth0");
	if (nl_link_up(nl, idx) < 0)
		return step_failed("set up", "eth0");
	step_addr(idx, "eth0", &nc->local4, 0);
	step_addr(idx, "eth0", &nc->local6, 0);
	step_addr(idx, "eth0", &nc->host4, 1);
	step_default(idx, &nc->host4);
	step_addr(idx, "eth0", &nc->host6, 1);
	step_default(idx, &nc->host6);
}

static void setup_veth(const struct veth *v)
{
	int idx = nl_link_index(nl, v->name);

	if (idx < 0)
		return step_failed("find interface", v->name);
	if (nl_link_up(nl, idx) < 0)
		return step_failed("set up", v->name);
	step_addr(idx, v->name, &v->local4, 0);
	step_addr(idx, v->name, &v->local6, 0);
	step_addr(idx, v->name, &v->host4, 1);
	step_addr(idx, v->name, &v->host6, 1);
}

/* A test hook: NCBOX_INIT_TEST_DELAY_MS holds setup open that long, so that the tests can
 * stop a real nspawn container while container-init is still in it. */
static void test_delay(void)
{
	const char *ms = getenv("NCBOX_INIT_TEST_DELAY_MS");
	long v = ms ? strtol(ms, NULL, 10) : 0;
	struct timespec ts = { v / 1000, (v % 1000) * 1000000 };

	if (v > 0 && v <= 60000)
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
}

int container_init_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct conf c = { 0 };
	struct netconf nc;
	sigset_t stop, pending;

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_CONTAINER_STOP, &sa, NULL);
	if (argc < 2)
		die_usage("no STAGE2 given");
	if (argv[1][0] == '-' && strcmp(argv[1], "--"))
		die_usage("unknown option '%s'", msg_esc(argv[1]));
	if (!strcmp(argv[1], "--") && argc-- < 3)
		die_usage("no STAGE2 given");
	if (!strcmp(argv[1], "--"))
		argv++;
	if (getpid() != 1)
		warn_msg("not PID 1 (PID %d): going on as a plain process", (int)getpid());
	test_delay();

	/* Only the environment: nspawn --setenv put the config there. */
	netconf_load(&nc, &c, "container");
	if (netconf_any_address(&nc) || nc.host_bridge || nc.has_mac || nc.n_veths) {
		if (!(nl = nl_open())) {
			warn_sys("open netlink socket", NULL);
			failures++;
		} else {
			if (netconf_any_address(&nc) || nc.host_bridge || nc.has_mac)
				setup_eth0(&nc);
			for (size_t i = 0; i < nc.n_veths; i++)
				setup_veth(&nc.veths[i]);
			nl_close(nl);
		}
	}
	if (failures)
		warn_msg("%d network step%s failed; starting %s all the same", failures,
			 failures > 1 ? "s" : "", argv[1]);
	netconf_free(&nc);

	sigemptyset(&stop);
	sigaddset(&stop, SIG_CONTAINER_STOP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (sigpending(&pending) == 0 && sigismember(&pending, SIG_CONTAINER_STOP))
		return 0;
	execv(argv[1], argv + 1);
	die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec stage 2", argv[1]);
}
