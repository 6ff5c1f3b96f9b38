/* What a container's config means: its name, its network keys, its extra veths.
 * Everything is parsed and checked before any applet changes anything. */
#ifndef CONTAINER_H
#define CONTAINER_H

#include "conf.h"
#include "net.h"

#define NAME_MAX_LEN 64 /* a machine name is a host name: nspawn and machined allow 64 */
#define IFNAME_MAX_LEN 15

/* A container name: [A-Za-z0-9_-], not starting with '-', 1..NAME_MAX_LEN bytes.
 * 0, or -1 with *WHY set. */
int name_check(const char *name, const char **why);
/* What systemd-nspawn refuses in -M beyond name_check(): a machine name is a host name,
 * so no '_' and no '-' at the end. 0, or -1 with *WHY set. */
int machine_name_check(const char *name, const char **why);
/* An interface name as the kernel takes it: 1..15 bytes, no '/', ':' or blank, not . or ..
 * 0, or -1 with *WHY set. */
int ifname_check(const char *name, const char **why);

/* The NAME operand, else $INSTANCE (set by the container@ unit); dies on a bad one.
 * ARGS are the operands left after options. */
const char *container_name(int nargs, char **args);

static inline int addr_set(const struct ipaddr *a)
{
	return a->family != 0;
}

struct veth {
	char *name;
	char *host_bridge;			    /* NULL when none */
	struct ipaddr host4, host6, local4, local6; /* as in netconf; family 0 when unset */
};

struct netconf {
	char *ve, *vb;		 /* "ve-NAME" and "vb-NAME" (altnames when NAME is long) */
	const char *host_bridge; /* HOST_BRIDGE, NULL when unset or empty */
	/* HOST_ADDRESS, LOCAL_ADDRESS (4: either family, as the module writes them) and the
	 * IPv6-only HOST_ADDRESS6, LOCAL_ADDRESS6; each usable (addr_usable) or unset */
	struct ipaddr host4, host6, local4, local6;
	int has_mac;
	unsigned char mac[6]; /* LOCAL_MAC_ADDRESS */
	struct veth *veths;   /* EXTRA_VETHS */
	size_t n_veths;
};

/* Read and check the network keys of C for container NAME; dies with EXIT_CONFIG naming
 * the key, the value and what is wrong. An IPv6 HOST_ADDRESS with HOST_ADDRESS6 set is
 * refused: two IPv6 default routes, of which `ip` refuses the second. */
void netconf_load(struct netconf *nc, const struct conf *c, const char *name);
void netconf_free(struct netconf *nc);
/* Any of HOST_ADDRESS(6), LOCAL_ADDRESS(6) set (the scripts' any_address). */
int netconf_any_address(const struct netconf *nc);

/* The host applets' command line, `APPLET [NAME]`: no options, NAME or $INSTANCE. Loads
 * NAME's config into C and its network keys into NC; dies on anything wrong. */
const char *container_load(int argc, char **argv, struct conf *c, struct netconf *nc);

/* Add address A to IDX (ROUTE 0), or a route to A through IDX (ROUTE 1), as `ip addr add`
 * and `ip route add` do; already there is fine. 0, or -1 with errno set and the step,
 * "add address A" or "add route A", in STEP. An unset A is nothing to do. */
int net_add(struct nl *nl, int idx, const struct ipaddr *a, int route, char *step, size_t len);

/* Parse an EXTRA_VETHS value: entries NAME[,key=value...] separated by blanks, keys
 * hostBridge, hostAddress, hostAddress6, localAddress, localAddress6. 0, or -1 with a
 * message in ERR naming the entry and what is wrong. */
int veths_parse(const char *s, struct veth **out, size_t *n, char *err, size_t errlen);
void veths_free(struct veth *v, size_t n);

/* Parse a HOST_PORT or --port value: entries [tcp:|udp:]HOSTPORT[:CONTAINERPORT] separated
 * by commas, as nspawn's --port takes them (ports 1-65535 in decimal, no leading zero, no
 * protocol and host port twice). Each entry is appended to OUT as given; an empty S has
 * none. 0, or -1 with a message in ERR naming the entry, OUT as it was. */
int ports_parse(const char *s, struct strv *out, char *err, size_t errlen);

#endif
