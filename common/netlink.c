/* rtnetlink requests, as the `ip` commands of the containers scripts send them.
 * The only file that includes libmnl. Every request asks for an ACK, carries its own
 * sequence number, and keeps the kernel's extended-ack message for the error text. */
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net.h"

/* Replies here are one link message (stats skipped) and an ACK: well under 8 KiB. */
#define NL_BUFSIZE 8192

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char why[256]; /* the kernel's extended-ack message, or our own reason */
	alignas(NLMSG_ALIGNTO) char buf[NL_BUFSIZE];
};

/* What one request's callbacks fill in. */
struct reply {
	struct nl *nl;
	int ifindex;
	char *kind; /* IFLA_INFO_KIND of a link reply, when not NULL */
	size_t kindlen;
};

/* Fail with errno ERR and our own reason as nl_why(). */
__attribute__((format(printf, 3, 4))) static int nl_fail_why(struct nl *nl, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->why, sizeof(nl->why), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

struct nl *nl_open(void)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int one = 1, err;

	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		goto fail;
	/* Best effort: kernels before 4.12 lack them, and the ACK still carries errno. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return nl;
fail:
	err = errno;
	nl_close(nl);
	errno = err;
	return NULL;
}

struct nl *nl_open_link_events(void)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (nl->sock && mnl_socket_bind(nl->sock, RTMGRP_LINK, MNL_SOCKET_AUTOPID) == 0)
		return nl;
	err = errno;
	nl_close(nl);
	errno = err;
	return NULL;
}

int nl_wait_events(struct nl *nl, int timeout_ms, int fd)
{
	struct pollfd p[2] = { { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN },
			       { .fd = fd, .events = POLLIN } };
	int r = poll(p, 2, timeout_ms), got = 0;

	if (r <= 0)
		return r < 0 && errno != EINTR ? -1 : 0;
	if (p[1].revents)
		return 2;
	/* Only that something happened matters: the caller looks the links up again. */
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));

		if (n > 0 || (n < 0 && (errno == ENOBUFS || errno == ENOSPC || errno == EINTR))) {
			got = 1;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -1;
		return got;
	}
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

const char *nl_why(const struct nl *nl)
{
	return nl ? nl->why : "";
}

/* The ACK (error 0) or the error, with NLMSGERR_ATTR_MSG kept, as iproute2's
 * mnlu_cb_error reads it. */
static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct reply *r = data;
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK the request comes back before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len >= sizeof(err->msg))
		off += err->msg.nlmsg_len - sizeof(err->msg);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off <= mnl_nlmsg_get_payload_len(nlh)) {
		mnl_attr_for_each(attr, nlh, off)
		{
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(r->nl->why, sizeof(r->nl->why), "%s", mnl_attr_get_str(attr));
		}
	}
	if (!err->error)
		return MNL_CB_STOP;
	errno = err->error < 0 ? -err->error : EPROTO;
	return MNL_CB_ERROR;
}

/* Only RTM_GETLINK gets a reply besides the ACK. */
static int cb_data(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct reply *r = data;

	const struct nlattr *a, *k;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	r->ifindex = ifi->ifi_index;
	if (r->kind)
		mnl_attr_for_each(a, nlh, sizeof(*ifi))
		{
			if (mnl_attr_get_type(a) != IFLA_LINKINFO ||
			    mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				continue;
			mnl_attr_for_each_nested(k, a)
			{
				if (mnl_attr_get_type(k) == IFLA_INFO_KIND &&
				    mnl_attr_validate(k, MNL_TYPE_STRING) == 0)
					snprintf(
					    r->kind, r->kindlen, "%.*s",
					    (int)strnlen(mnl_attr_get_str(k), mnl_attr_get_payload_len(k)),
					    mnl_attr_get_str(k));
			}
		}
	return MNL_CB_OK;
}

/* Send NLH and read until its ACK into R (may be NULL). Returns -1 with errno, else the
 * ifindex of a link reply (0 when there was none). */
static int nl_talk_r(struct nl *nl, struct nlmsghdr *nlh, struct reply *rp)
{
	static mnl_cb_t ctl[NLMSG_ERROR + 1] = { [NLMSG_ERROR] = cb_error };
	struct reply r = rp ? *rp : (struct reply){ 0 };
	unsigned int seq = ++nl->seq;
	ssize_t n;
	int ret;

	r.nl = nl;
	nl->why[0] = 0;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EPROTO;
			return -1;
		}
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, cb_data, &r, ctl, MNL_ARRAY_SIZE(ctl));
		if (ret < 0)
			return -1;
		if (ret == MNL_CB_STOP)
			return r.ifindex;
	}
}

static int nl_talk(struct nl *nl, struct nlmsghdr *nlh)
{
	return nl_talk_r(nl, nlh, NULL);
}

static struct nlmsghdr *req_start(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return nlh;
}

static struct nlmsghdr *link_req(struct nl *nl, uint16_t type, int ifindex, struct ifinfomsg **ifip)
{
	struct nlmsghdr *nlh = req_start(nl, type, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifip)
		*ifip = ifi;
	return nlh;
}

int nl_link_kind(struct nl *nl, const char *name, char *kind, size_t kindlen)
{
	size_t len = name ? strlen(name) : 0;
	struct reply r = { .kind = kind, .kindlen = kindlen };
	struct nlmsghdr *nlh;
	int ifindex;

	if (kind && kindlen)
		*kind = 0;
	if (!len)
		return nl_fail_why(nl, EINVAL, "empty interface name");
	if (len >= ALTIFNAMSIZ)
		return nl_fail_why(nl, EINVAL, "interface name longer than %d bytes", ALTIFNAMSIZ - 1);
	nlh = link_req(nl, RTM_GETLINK, 0, NULL);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	/* Since 5.5 the kernel looks either attribute up among names and altnames;
	 * IFLA_IFNAME is limited to IFNAMSIZ - 1 bytes. */
	mnl_attr_put_strz(nlh, len < IFNAMSIZ ? IFLA_IFNAME : IFLA_ALT_IFNAME, name);
	ifindex = nl_talk_r(nl, nlh, &r);
	if (ifindex < 0 && errno == ENODEV && len >= IFNAMSIZ && !nl->why[0])
		return nl_fail_why(nl, ENODEV,
				   "no interface has the altname %s "
				   "(names over %d bytes exist only as altnames)",
				   name, IFNAMSIZ - 1);
	if (!ifindex)
		return nl_fail_why(nl, ENODEV, "no link in the kernel's reply");
	return ifindex;
}

int nl_link_index(struct nl *nl, const char *name)
{
	return nl_link_kind(nl, name, NULL, 0);
}

int nl_link_up(struct nl *nl, int ifindex)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, ifindex, &ifi);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}

int nl_link_rename(struct nl *nl, int ifindex, const char *newname)
{
	size_t len = newname ? strlen(newname) : 0;
	struct nlmsghdr *nlh;

	if (!len)
		return nl_fail_why(nl, EINVAL, "empty interface name");
	if (len >= IFNAMSIZ)
		return nl_fail_why(nl, EINVAL, "interface name %s is longer than %d bytes", newname,
				   IFNAMSIZ - 1);
	nlh = link_req(nl, RTM_NEWLINK, ifindex, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}

int nl_link_set_mac(struct nl *nl, int ifindex, const unsigned char mac[6])
{
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, ifindex, NULL);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}

int nl_link_set_master(struct nl *nl, int ifindex, int master_ifindex)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, ifindex, NULL);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_ifindex);
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}

int nl_link_del(struct nl *nl, int ifindex)
{
	return nl_talk(nl, link_req(nl, RTM_DELLINK, ifindex, NULL)) < 0 ? -1 : 0;
}

/* The byte length of A's address, or -1 with errno. */
static int addr_len(struct nl *nl, const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return 4;
	if (a->family == AF_INET6)
		return 16;
	return nl_fail_why(nl, EAFNOSUPPORT, "not an IPv4 or IPv6 address");
}

int nl_addr_add(struct nl *nl, int ifindex, const struct ipaddr *a)
{
	int alen = addr_len(nl, a);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (alen < 0)
		return -1;
	nlh = req_start(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = (unsigned char)addr_prefix(a);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	/* As `ip` sends it for both families: IFA_ADDRESS equal to IFA_LOCAL, no peer. */
	mnl_attr_put(nlh, IFA_LOCAL, (size_t)alen, a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, (size_t)alen, a->bytes);
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}

static struct nlmsghdr *route_req(struct nl *nl, int family, int dst_len, unsigned char scope)
{
	struct nlmsghdr *nlh = req_start(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = scope;
	rtm->rtm_type = RTN_UNICAST;
	return nlh;
}

int nl_route_add(struct nl *nl, int ifindex, const struct ipaddr *dst)
{
	int alen = addr_len(nl, dst);
	struct nlmsghdr *nlh;

	if (alen < 0)
		return -1;
	/* `ip` gives a gatewayless IPv4 route link scope; IPv6 routes have no scope. */
	nlh = route_req(nl, dst->family, addr_prefix(dst),
			dst->family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
	mnl_attr_put(nlh, RTA_DST, (size_t)alen, dst->bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}

int nl_route_add_default(struct nl *nl, const struct ipaddr *gw, int ifindex)
{
	int alen = addr_len(nl, gw);
	struct nlmsghdr *nlh;

	if (alen < 0)
		return -1;
	/* `ip route add default via 10.0.0.1/24` is refused too */
	if (gw->prefix >= 0)
		return nl_fail_why(nl, EINVAL, "a gateway takes no prefix length");
	nlh = route_req(nl, gw->family, 0, RT_SCOPE_UNIVERSE);
	mnl_attr_put(nlh, RTA_GATEWAY, (size_t)alen, gw->bytes);
	if (ifindex > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_talk(nl, nlh) < 0 ? -1 : 0;
}
