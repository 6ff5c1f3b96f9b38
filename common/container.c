/* Container names and network config: parsed and checked in full before anything changes. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "container.h"

int name_check(const char *name, const char **why)
{
	size_t n = strlen(name);

	if (n == 0)
		return *why = "empty name", -1;
	if (n > NAME_MAX_LEN)
		return *why = "longer than 64 bytes", -1;
	if (name[0] == '-')
		return *why = "starts with '-'", -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-'))
			return *why = "invalid container name (allowed: letters, digits, '_' and '-')", -1;
	}
	return 0;
}

int machine_name_check(const char *name, const char **why)
{
	if (strchr(name, '_'))
		return *why = "systemd-nspawn takes no '_' in a machine name", -1;
	if (*name && name[strlen(name) - 1] == '-')
		return *why = "systemd-nspawn takes no '-' at the end of a machine name", -1;
	return 0;
}

int ifname_check(const char *name, const char **why)
{
	size_t n = strlen(name);

	if (n == 0)
		return *why = "empty interface name", -1;
	if (n > IFNAME_MAX_LEN)
		return *why = "interface name longer than 15 bytes", -1;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return *why = "'.' and '..' are not interface names", -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch <= ' ' || ch == '/' || ch == ':' || ch >= 0x7f)
			return *why = "interface names take no '/', ':', blanks or non-ASCII bytes", -1;
	}
	return 0;
}

const char *container_name(int nargs, char **args)
{
	const char *name, *why;

	if (nargs > 1)
		die_usage("too many operands: '%s'", msg_esc(args[1]));
	name = nargs == 1 ? args[0] : getenv("INSTANCE");
	if (!name)
		die_usage("no container NAME given and INSTANCE is not set");
	if (name_check(name, &why) < 0)
		die(EXIT_CONFIG, "container name '%s': %s", msg_esc(name), why);
	return name;
}

/* Parse VALUE of KEY into A (FAMILY), an address a link can have (addr_usable): an empty
 * value leaves it unset. */
static int addr_field(const char *value, int family, struct ipaddr *a, const char **why)
{
	memset(a, 0, sizeof(*a));
	if (!value || !*value)
		return 0;
	return addr_parse(value, family, a, why) < 0 || addr_usable(a, why) < 0 ? -1 : 0;
}

static const struct veth_key {
	const char *key;
	int family;
	size_t off;
} veth_keys[] = {
	{ "hostAddress", AF_UNSPEC, offsetof(struct veth, host4) },
	{ "hostAddress6", AF_INET6, offsetof(struct veth, host6) },
	{ "localAddress", AF_UNSPEC, offsetof(struct veth, local4) },
	{ "localAddress6", AF_INET6, offsetof(struct veth, local6) },
};

/* One field "key=value" of veth V. */
static int veth_field(struct veth *v, const char *f, size_t len, char *err, size_t errlen)
{
	const char *eq = memchr(f, '=', len), *why;
	size_t klen = eq ? (size_t)(eq - f) : len;
	char *val;

	if (!eq) {
		char *field = xstrndup(f, len);

		msgf(err, errlen, "'%s': field without '='", msg_esc(field));
		free(field);
		return -1;
	}
	val = xstrndup(eq + 1, len - klen - 1);
	if (klen == 10 && !memcmp(f, "hostBridge", 10)) {
		free(v->host_bridge);
		v->host_bridge = NULL;
		if (*val && ifname_check(val, &why) < 0) {
			msgf(err, errlen, "hostBridge '%s': %s", msg_esc(val), why);
			free(val);
			return -1;
		}
		if (*val)
			v->host_bridge = val, val = NULL;
		free(val);
		return 0;
	}
	for (size_t i = 0; i < sizeof(veth_keys) / sizeof(veth_keys[0]); i++) {
		const struct veth_key *k = &veth_keys[i];

		if (strlen(k->key) != klen || memcmp(f, k->key, klen))
			continue;
		if (addr_field(val, k->family, (struct ipaddr *)((char *)v + k->off), &why) < 0) {
			msgf(err, errlen, "%s '%s': %s", k->key, msg_esc(val), why);
			free(val);
			return -1;
		}
		free(val);
		return 0;
	}
	free(val);
	val = xstrndup(f, klen);
	msgf(err, errlen,
	     "unknown key '%s' (known: hostBridge, hostAddress, hostAddress6, "
	     "localAddress, localAddress6)",
	     msg_esc(val));
	free(val);
	return -1;
}

int veths_parse(const char *s, struct veth **out, size_t *n, char *err, size_t errlen)
{
	struct veth *v = NULL;
	size_t nv = 0;
	const char *p = s, *why;

	while (*p) {
		size_t len = strcspn(p, " \t\n");
		const char *end = p + len, *comma;
		char msg[256];
		struct veth *cur;
		const char *keys[5];
		size_t klens[5], nk;

		if (!len) {
			p++;
			continue;
		}
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		cur = memset(&v[nv++], 0, sizeof(*v));
		comma = memchr(p, ',', len);
		cur->name = xstrndup(p, comma ? (size_t)(comma - p) : len);
		if (ifname_check(cur->name, &why) < 0) {
			snprintf(msg, sizeof(msg), "%s", why);
			goto bad;
		}
		for (size_t i = 0; i + 1 < nv; i++)
			if (!strcmp(v[i].name, cur->name)) {
				msgf(msg, sizeof(msg), "veth '%s' given twice", msg_esc(cur->name));
				goto bad;
			}
		for (nk = 0; comma;) {
			const char *f = comma + 1, *next = memchr(f, ',', (size_t)(end - f));
			size_t flen = (size_t)((next ? next : end) - f);
			const char *eq = memchr(f, '=', flen);
			size_t klen = eq ? (size_t)(eq - f) : flen;

			if (!flen) {
				snprintf(msg, sizeof(msg), "empty field");
				goto bad;
			}
			for (size_t i = 0; i < nk; i++)
				if (klens[i] == klen && !memcmp(keys[i], f, klen)) {
					char *k = xstrndup(f, klen);

					msgf(msg, sizeof(msg), "%s given twice", msg_esc(k));
					free(k);
					goto bad;
				}
			/* five known keys: a sixth field repeats one, or veth_field() refuses it */
			if (nk < 5)
				keys[nk] = f, klens[nk++] = klen;
			if (veth_field(cur, f, flen, msg, sizeof(msg)) < 0)
				goto bad;
			comma = next;
		}
		p = end;
		continue;
	bad : {
		char *entry = xstrndup(p, len);

		msgf(err, errlen, "entry '%s': %s", msg_esc(entry), msg);
		free(entry);
	}
		veths_free(v, nv);
		return -1;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* A port of an entry as nspawn reads it (P, N bytes): 1-65535 in decimal. 0 when it is
 * not one, -1 for a leading zero: nspawn reads 010 as octal 8 and refuses 080. */
static long port_val(const char *p, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || i == 5)
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	if (n > 1 && *p == '0')
		return -1;
	return v <= 65535 ? v : 0;
}

/* The protocol and host port of entry E, as one number; 0 when E is no valid entry. */
static long port_key(const char *e, const char **why)
{
	const char *f = e, *colon;
	long host, cont;
	int udp = !strncmp(e, "udp:", 4);

	if (udp || !strncmp(e, "tcp:", 4))
		f += 4;
	else if ((colon = strchr(e, ':')) && strcspn(e, "0123456789") >= (size_t)(colon - e))
		return *why = "protocol must be tcp or udp", 0;
	colon = strchr(f, ':');
	host = port_val(f, colon ? (size_t)(colon - f) : strlen(f));
	cont = colon ? port_val(colon + 1, strlen(colon + 1)) : host;
	if (host < 0 || cont < 0)
		return *why = "a port with a leading zero (nspawn would read it as octal)", 0;
	if (!host || !cont)
		return *why = "ports must be 1-65535 ([tcp:|udp:]HOSTPORT[:CONTAINERPORT])", 0;
	return udp << 16 | host;
}

int ports_parse(const char *s, struct strv *out, char *err, size_t errlen)
{
	size_t n0 = out->n;
	const char *p = s;

	if (!*s)
		return 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *e = xstrndup(p, len);
		const char *why = len ? NULL : "empty entry";
		long key = len ? port_key(e, &why) : 0;

		for (size_t i = n0; key && i < out->n; i++)
			if (port_key(out->v[i], &why) == key)
				why = "its host port is given twice (nspawn refuses that)", key = 0;
		if (!key) {
			msgf(err, errlen, "entry '%s': %s", msg_esc(e), why);
			free(e);
			while (out->n > n0)
				free(out->v[--out->n]);
			if (!n0)
				strv_free(out); /* as it was: nothing allocated */
			else
				out->v[n0] = NULL;
			return -1;
		}
		strv_push(out, e);
		if (!p[len])
			break;
		p += len + 1;
	}
	return 0;
}

void veths_free(struct veth *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].host_bridge);
	}
	free(v);
}

static void addr_key(const struct conf *c, const char *key, int family, struct ipaddr *a)
{
	const char *val = conf_get(c, key), *why;

	if (addr_field(val, family, a, &why) < 0)
		die(EXIT_CONFIG, "%s '%s': %s", key, msg_esc(val), why);
}

void netconf_load(struct netconf *nc, const struct conf *c, const char *name)
{
	const char *v, *why;
	char err[512];

	memset(nc, 0, sizeof(*nc));
	nc->ve = xasprintf("ve-%s", name);
	nc->vb = xasprintf("vb-%s", name);
	v = conf_get(c, "HOST_BRIDGE");
	if (v && *v) {
		if (ifname_check(v, &why) < 0)
			die(EXIT_CONFIG, "HOST_BRIDGE '%s': %s", msg_esc(v), why);
		nc->host_bridge = v;
	}
	/* The module writes hostAddress/localAddress here whatever their family, and its
	 * scripts hand them to `ip`, which takes either. */
	addr_key(c, "HOST_ADDRESS", AF_UNSPEC, &nc->host4);
	addr_key(c, "HOST_ADDRESS6", AF_INET6, &nc->host6);
	addr_key(c, "LOCAL_ADDRESS", AF_UNSPEC, &nc->local4);
	addr_key(c, "LOCAL_ADDRESS6", AF_INET6, &nc->local6);
	/* Each is a default route in the container: `ip` refuses the second one with "File
	 * exists", and the scripts' init stops there; say so before anything changes. */
	if (nc->host4.family == AF_INET6 && addr_set(&nc->host6))
		die(EXIT_CONFIG,
		    "HOST_ADDRESS6 '%s': HOST_ADDRESS is IPv6 too, and a container has "
		    "one IPv6 default route",
		    msg_esc(conf_get(c, "HOST_ADDRESS6")));
	v = conf_get(c, "LOCAL_MAC_ADDRESS");
	if (v && *v) {
		if (mac_parse(v, nc->mac, &why) < 0)
			die(EXIT_CONFIG, "LOCAL_MAC_ADDRESS '%s': %s", msg_esc(v), why);
		nc->has_mac = 1;
	}
	v = conf_get(c, "EXTRA_VETHS");
	if (v && veths_parse(v, &nc->veths, &nc->n_veths, err, sizeof(err)) < 0)
		die(EXIT_CONFIG, "EXTRA_VETHS: %s", err);
}

void netconf_free(struct netconf *nc)
{
	free(nc->ve);
	free(nc->vb);
	veths_free(nc->veths, nc->n_veths);
	memset(nc, 0, sizeof(*nc));
}

int netconf_any_address(const struct netconf *nc)
{
	return addr_set(&nc->host4) || addr_set(&nc->host6) || addr_set(&nc->local4) || addr_set(&nc->local6);
}

const char *container_load(int argc, char **argv, struct conf *c, struct netconf *nc)
{
	const char *name;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			die_usage("unknown option '%s'", msg_esc(argv[i]));
	name = container_name(argc - 1, argv + 1);
	conf_load(c, name);
	netconf_load(nc, c, name);
	return name;
}

int net_add(struct nl *nl, int idx, const struct ipaddr *a, int route, char *step, size_t len)
{
	char buf[64];
	int err;

	if (!addr_set(a) || (route ? nl_route_add(nl, idx, a) : nl_addr_add(nl, idx, a)) == 0 ||
	    errno == EEXIST)
		return 0;
	err = errno;
	snprintf(step, len, "add %s %s", route ? "route" : "address", addr_format(a, buf, sizeof(buf)));
	errno = err;
	return -1;
}
