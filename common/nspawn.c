/* The systemd-nspawn command line of a planned container start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nspawn.h"

/* P with ':' and '\' escaped, as nspawn's --bind reads each side. */
static char *bind_esc(const char *p)
{
	char *out = xmalloc(2 * strlen(p) + 1), *o = out;

	for (; *p; p++) {
		if (*p == ':' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = 0;
	return out;
}

static void push_bind(struct strv *a, const char *opt, const char *src, const char *dst, int idmap)
{
	char *es, *ed;

	if (!src)
		return;
	if (!idmap && !strcmp(src, dst) && !strpbrk(src, ":\\")) {
		strv_pushf(a, "%s=%s", opt, src);
		return;
	}
	es = bind_esc(src);
	ed = bind_esc(dst);
	strv_pushf(a, "%s=%s:%s%s", opt, es, ed, idmap ? ":idmap" : "");
	free(es);
	free(ed);
}

static void push_all(struct strv *a, const char *prefix, const struct strv *w)
{
	for (size_t i = 0; i < w->n; i++)
		strv_pushf(a, "%s%s", prefix, w->v[i]);
}

void build_argv(const struct start *s, struct strv *a)
{
	const struct netconf *nc = &s->nc;

	strv_push(a, xstrdup(s->nspawn));
	strv_push(a, xstrdup("--keep-unit"));
	if (!s->booted)
		strv_push(a, xstrdup("--register=no"));
	strv_push(a, xstrdup("-M"));
	strv_push(a, xstrdup(s->name));
	strv_push(a, xstrdup("-D"));
	strv_push(a, xstrdup(s->root));
	if (s->private_network)
		strv_push(a, xstrdup("--private-network"));
	if (s->private_users)
		strv_pushf(a, "--private-users=%s", s->private_users);
	if (netconf_any_address(nc) || nc->has_mac)
		strv_push(a, xstrdup("--network-veth"));
	push_all(a, "--port=", &s->ports);
	if (nc->host_bridge)
		strv_pushf(a, "--network-bridge=%s", nc->host_bridge);
	if (s->netns_path)
		strv_pushf(a, "--network-namespace-path=%s", s->netns_path);
	for (size_t i = 0; i < nc->n_veths; i++)
		strv_pushf(a, "--network-veth-extra=%s", nc->veths[i].name);
	push_all(a, "--network-interface=", &s->ifaces);
	push_all(a, "--network-macvlan=", &s->macvlans);
	if (s->x86)
		strv_push(a, xstrdup("--personality=x86"));
	strv_push(a, xstrdup("--notify-ready=yes"));
	/* a string: nspawn (glibc) reads it as 37, where this musl build's SIGRTMIN+3 is 38 */
	strv_push(a, xstrdup("--kill-signal=SIGRTMIN+3"));
	push_bind(a, "--bind-ro", s->store, "/nix/store", s->idmap);
	push_bind(a, "--bind-ro", s->db, "/nix/var/nix/db", s->idmap);
	push_bind(a, "--bind-ro", s->daemon_socket, "/nix/var/nix/daemon-socket", s->idmap);
	push_bind(a, "--bind", s->profiles, "/nix/var/nix/profiles", s->idmap);
	push_bind(a, "--bind", s->gcroots, "/nix/var/nix/gcroots", s->idmap);
	push_bind(a, "--bind-ro", s->init_bind, INIT_BIND, 0);
	push_all(a, "", &s->creds);
	if (!s->ephemeral)
		strv_push(a, xstrdup("--link-journal=try-guest"));
	for (size_t i = 0; i < s->setenv.n; i++) {
		strv_push(a, xstrdup("--setenv"));
		strv_push(a, xstrdup(s->setenv.v[i]));
	}
	if (s->ephemeral)
		strv_push(a, xstrdup("--ephemeral"));
	if (s->caps.n) {
		size_t len = 0;
		char *j, *o;

		for (size_t i = 0; i < s->caps.n; i++)
			len += strlen(s->caps.v[i]) + 1;
		o = j = xmalloc(len + sizeof("--capability="));
		o = stpcpy(o, "--capability=");
		for (size_t i = 0; i < s->caps.n; i++)
			o += sprintf(o, "%s%s", i ? "," : "", s->caps.v[i]);
		strv_push(a, j);
	}
	push_all(a, "--tmpfs=", &s->tmpfs);
	push_all(a, "", &s->extra);
	push_all(a, "", &s->init);
	strv_push(a, xstrdup(s->stage2));
}
