/* Addresses and netlink. netlink.c is the only file that includes libmnl. */
#ifndef NET_H
#define NET_H

#include <stddef.h>

struct ipaddr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
	int prefix; /* -1 when none was given */
};

/* Parse "ADDR" or "ADDR/PREFIX". FAMILY is AF_INET, AF_INET6 or AF_UNSPEC (either).
 * Returns 0, or -1 with *WHY a short static message such as "not an IPv4 address" or
 * "prefix length must be 0-32". Only dotted quads and RFC 4291 text are accepted. */
int addr_parse(const char *s, int family, struct ipaddr *a, const char **why);
/* The prefix length in use: the one given, else 32 or 128 (a host), as `ip` does. */
int addr_prefix(const struct ipaddr *a);
/* "ADDR/PREFIX" (or "ADDR" when no prefix was given) into BUF. */
const char *addr_format(const struct ipaddr *a, char *buf, size_t len);
/* 0, or -1 with *WHY when A makes no sense as a container's host or local address:
 * unspecified, a /0 prefix, 255.255.255.255, multicast or loopback. */
int addr_usable(const struct ipaddr *a, const char **why);
/* "aa:bb:cc:dd:ee:ff" (case-insensitive); a multicast or all-zero MAC is refused. */
int mac_parse(const char *s, unsigned char mac[6], const char **why);

/* One netlink socket per run. Every change asks for an ACK with extended ack on.
 * Each call returns >= 0, or -1 with errno set and nl_why() holding why: the kernel's
 * extended-ack message for that request, or ours when we found the fault ourselves (a
 * name too long, a reply without the link); "" when neither said more than errno. */
struct nl;
struct nl *nl_open(void);
void nl_close(struct nl *nl);
const char *nl_why(const struct nl *nl);
/* A socket that hears the kernel's link notifications (RTNLGRP_LINK), to wait until a link
 * appears: for nl_wait_events() only, never for requests. NULL with errno. */
struct nl *nl_open_link_events(void);
/* Wait up to TIMEOUT_MS for notifications and drop them: 1 when some came (or the socket
 * overran: look again), 0 on timeout, -1 with errno; 2 as soon as FD (-1: none; a pidfd,
 * say) is readable. */
int nl_wait_events(struct nl *nl, int timeout_ms, int fd);

/* The ifindex of NAME, looked up by name or altname (names over 15 bytes can only be
 * altnames, which nspawn uses for long ve-NAME). -1 with ENODEV when there is none. */
int nl_link_index(struct nl *nl, const char *name);
/* The same, and the link's kind (IFLA_INFO_KIND: "veth", "bridge", ...; "" when it has
 * none, as lo and physical devices) into KIND (LEN bytes). */
int nl_link_kind(struct nl *nl, const char *name, char *kind, size_t len);
int nl_link_up(struct nl *nl, int ifindex);
int nl_link_rename(struct nl *nl, int ifindex, const char *newname);
int nl_link_set_mac(struct nl *nl, int ifindex, const unsigned char mac[6]);
int nl_link_set_master(struct nl *nl, int ifindex, int master_ifindex);
int nl_link_del(struct nl *nl, int ifindex);
/* As `ip addr add A dev IFINDEX`: EEXIST when it is there already. */
int nl_addr_add(struct nl *nl, int ifindex, const struct ipaddr *a);
/* As `ip route add DST dev IFINDEX` (a prefix in DST is kept): EEXIST when present. */
int nl_route_add(struct nl *nl, int ifindex, const struct ipaddr *dst);
/* As `ip route add default via GW` (IFINDEX 0), or `... via GW dev IFINDEX`. */
int nl_route_add_default(struct nl *nl, const struct ipaddr *gw, int ifindex);

#endif
