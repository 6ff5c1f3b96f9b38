/* The host side of a container's network, for container-prestart, container-poststart,
 * container-start's early helper and a supervisor. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostnet.h"

size_t hostnet_links(const struct netconf *nc, const char **names, size_t max)
{
	size_t n = 0;

	if (netconf_any_address(nc) && !nc->host_bridge && n++ < max)
		names[0] = nc->ve;
	for (size_t i = 0; i < nc->n_veths; i++, n++)
		if (n < max)
			names[n] = nc->veths[i].name;
	return n;
}

static int fail(struct nl *nl, const char *step, const char *ifname)
{
	warn_err(step, ifname, errno, nl_why(nl));
	return -1;
}

static int find(struct nl *nl, const char *ifname)
{
	int idx = nl_link_index(nl, ifname);

	if (idx < 0)
		warn_err("find interface", ifname, errno,
			 errno == ENODEV && !*nl_why(nl) ? "did the container exit at once?" : nl_why(nl));
	return idx;
}

/* Set IFNAME up with its host addresses and routes to its local ones. */
static int configure(struct nl *nl, const char *ifname, const struct ipaddr *a[4])
{
	int idx = find(nl, ifname);
	char step[96];

	if (idx < 0)
		return -1;
	if (nl_link_up(nl, idx) < 0)
		return fail(nl, "set up", ifname);
	for (int i = 0; i < 4; i++)
		if (net_add(nl, idx, a[i], i >= 2, step, sizeof(step)) < 0)
			return fail(nl, step, ifname);
	return 0;
}

int hostnet_up(struct nl *nl, const struct netconf *nc)
{
	if (netconf_any_address(nc) && !nc->host_bridge &&
	    configure(nl, nc->ve,
		      (const struct ipaddr *[4]){ &nc->host4, &nc->host6, &nc->local4, &nc->local6 }) < 0)
		return -1;
	for (size_t i = 0; i < nc->n_veths; i++) {
		const struct veth *v = &nc->veths[i];
		int idx, br;

		if (!v->host_bridge) {
			if (configure(nl, v->name,
				      (const struct ipaddr *[4]){ &v->host4, &v->host6, &v->local4,
								  &v->local6 }) < 0)
				return -1;
			continue;
		}
		if ((idx = find(nl, v->name)) < 0 || (br = find(nl, v->host_bridge)) < 0)
			return -1;
		if (nl_link_set_master(nl, idx, br) < 0) {
			char step[64];

			snprintf(step, sizeof(step), "enslave to bridge %s", v->host_bridge);
			return fail(nl, step, v->name);
		}
		if (nl_link_up(nl, idx) < 0)
			return fail(nl, "set up", v->name);
	}
	return 0;
}

int hostnet_main_veth(const struct netconf *nc)
{
	return netconf_any_address(nc) || nc->host_bridge || nc->has_mac;
}

/* Delete IFNAME if it exists and is a veth, as nspawn makes them: a link of another kind
 * is not ours (a host bridge named in EXTRA_VETHS). 0, or -1 after reporting. */
static int del_link(struct nl *nl, const char *ifname)
{
	char kind[32], why[64];
	int idx = nl_link_kind(nl, ifname, kind, sizeof(kind));

	if (idx < 0 && errno == ENODEV)
		return 0;
	if (idx >= 0 && strcmp(kind, "veth")) {
		snprintf(why, sizeof(why), "a %s link, not a veth: left alone", *kind ? kind : "device");
		warn_err("delete interface", ifname, 0, why);
		return -1;
	}
	if (idx >= 0 && (nl_link_del(nl, idx) == 0 || errno == ENODEV))
		return 0;
	return fail(nl, idx < 0 ? "find interface" : "delete interface", ifname);
}

int hostnet_clear(struct nl *nl, const struct netconf *nc)
{
	int rc = 0;

	if (hostnet_main_veth(nc)) {
		rc |= del_link(nl, nc->ve);
		rc |= del_link(nl, nc->vb);
	}
	for (size_t i = 0; i < nc->n_veths; i++)
		rc |= del_link(nl, nc->veths[i].name);
	return rc;
}
