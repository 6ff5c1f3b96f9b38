/* The host side of a container's network: what the module's preStartScript and
 * postStartScript do to the links nspawn makes. Both take the parsed config and an open
 * netlink socket, report each failure through err.c and return; neither exits, so that a
 * supervisor can go on after one. */
#ifndef HOSTNET_H
#define HOSTNET_H

#include "container.h"

/* The links hostnet_up() configures: ve-NAME when an address is set and HOST_BRIDGE is
 * not, then each EXTRA_VETHS veth. Their count; the first MAX names (pointers into NC) in
 * NAMES, which may be NULL when MAX is 0. */
size_t hostnet_links(const struct netconf *nc, const char **names, size_t max);

/* Set ve-NAME up with HOST_ADDRESS(6), route LOCAL_ADDRESS(6) through it; enslave each
 * extra veth to its hostBridge, or set it up with its host addresses and routes to its
 * local ones. What is there already is fine. 0, or -1 after reporting the first failure
 * (step, link, kernel's message); what was done before it stays, and a rerun converges. */
int hostnet_up(struct nl *nl, const struct netconf *nc);

/* Whether nspawn will make ve-NAME and vb-NAME: any address, HOST_BRIDGE or
 * LOCAL_MAC_ADDRESS. */
int hostnet_main_veth(const struct netconf *nc);

/* Delete what a previous run may have left: ve-NAME and vb-NAME (when hostnet_main_veth())
 * and each EXTRA_VETHS veth. Only veths are deleted: a link of another kind under one of
 * these names is reported and left alone. A link that is not there is fine. 0, or -1
 * after reporting each failure; the rest is still tried. */
int hostnet_clear(struct nl *nl, const struct netconf *nc);

/* container-start --early-network: a helper process, never the caller's child (so never
 * nspawn's once the caller execs it), waits until nspawn has made hostnet_links(), then
 * does hostnet_up(); it ends with the caller's process (nspawn) or after 60 s. BOOTED:
 * under systemd, where the helper joins the unit's supervisor/ cgroup on cgroup v2. */
void hostnet_early(const struct netconf *nc, int booted);

#endif
