/* Env files read as systemd's EnvironmentFile= reads them: the state machine of
 * parse_env_file_internal() in systemd's src/basic/env-file.c (v254+). container@.service
 * hands the same file to systemd, so both must see the same values. Where systemd drops
 * text silently (a line with no '=', an unterminated quote) we refuse the file instead:
 * such text is a typo, and a half-read config must not start a container. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#define KEY_SHOW 64 /* bytes of a key a message quotes */

enum {
	PRE_KEY,
	KEY,
	PRE_VALUE,
	VALUE,
	VALUE_ESCAPE,
	SINGLE_QUOTE_VALUE,
	DOUBLE_QUOTE_VALUE,
	DOUBLE_QUOTE_VALUE_ESCAPE,
	COMMENT,
	COMMENT_ESCAPE,
};

/* "WHERE:LINE: ..." (LINE 0: none) into ERR, cut as msgf cuts. */
static int fail(char *err, size_t errlen, const char *where, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *where, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (line)
		msgf(err, errlen, "%s:%u: ", where, line);
	else
		msgf(err, errlen, "%s: ", where);
	n = errlen ? strlen(err) : 0;
	if (n + 1 < errlen) {
		va_start(ap, fmt);
		vmsgf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* systemd's env_name_is_valid(), for the N bytes at K */
static int name_ok(const char *k, size_t n)
{
	if (!n || (*k >= '0' && *k <= '9'))
		return 0;
	for (const char *e = k + n; k < e; k++)
		if (!(*k == '_' || (*k >= '0' && *k <= '9') || ((*k | 0x20) >= 'a' && (*k | 0x20) <= 'z')))
			return 0;
	return 1;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of key K in the open-addressing table TAB (MASK + 1 entries of indices into KEYS). */
static size_t *slot(size_t *tab, size_t mask, const struct strv *keys, const char *k)
{
	size_t h = fnv1a(k);

	for (h &= mask; tab[h] != SIZE_MAX && strcmp(keys->v[tab[h]], k); h = (h + 1) & mask)
		;
	return &tab[h];
}

/* Move T's pairs and warnings into C: a repeated key keeps its first place and takes the
 * last value. The hash keeps a 1 MiB file of distinct keys linear, not minutes long. */
static void merge(struct conf *c, struct conf *t)
{
	size_t mask = 15, i, *s, *tab;

	while (mask < 2 * (c->keys.n + t->keys.n))
		mask = mask * 2 + 1;
	tab = xmalloc((mask + 1) * sizeof(*tab));
	memset(tab, 0xff, (mask + 1) * sizeof(*tab));
	for (i = 0; i < c->keys.n; i++)
		*slot(tab, mask, &c->keys, c->keys.v[i]) = i;
	for (i = 0; i < t->keys.n; i++) {
		s = slot(tab, mask, &c->keys, t->keys.v[i]);
		if (*s == SIZE_MAX) {
			*s = c->keys.n;
			strv_push(&c->keys, t->keys.v[i]);
			strv_push(&c->vals, t->vals.v[i]);
		} else {
			free(t->keys.v[i]);
			free(c->vals.v[*s]);
			c->vals.v[*s] = t->vals.v[i];
		}
	}
	for (i = 0; i < t->warnings.n; i++)
		strv_push(&c->warnings, t->warnings.v[i]);
	free(tab);
	free(t->keys.v);
	free(t->vals.v);
	free(t->warnings.v);
	*t = (struct conf){ 0 };
}

/* Append K and V (NK, NV bytes kept) to C; an invalid key is ignored with a warning, as
 * systemd does. Any value is kept, control characters included: since v248 systemd's
 * env_value_is_valid() asks only for valid UTF-8 (checked for the whole file), and the
 * messages and JSON that show a value escape it. */
static void push(struct conf *c, const char *where, unsigned int line, char *k, size_t nk, char *v, size_t nv)
{
	char *e;

	k[nk] = 0;
	v[nv] = 0;
	if (name_ok(k, nk)) {
		strv_push(&c->keys, xstrdup(k));
		strv_push(&c->vals, xstrdup(v));
		return;
	}
	e = escape(k, nk, KEY_SHOW);
	strv_pushf(&c->warnings, "%s:%u: invalid key '%s', ignored", where, line, e);
	free(e);
}

int envfile_parse(struct conf *c, const char *where, const char *buf, size_t len, char *err, size_t errlen)
{
	struct conf t = { 0 };
	/* kend, vend: the lengths without trailing blanks (systemd's last_*_whitespace) */
	size_t i, l, nk = 0, kend = 0, nv = 0, vend = 0;
	unsigned int line = 1, kline = 1, qline = 1;
	char *w, *key = NULL, *val = NULL, *e, ch;
	int st = PRE_KEY, rc = -1, nl, ws;

	w = escape(where, strlen(where), SIZE_MAX);
	if (len > CONF_MAX_SIZE) {
		fail(err, errlen, w, 0, "larger than %d bytes", CONF_MAX_SIZE);
		goto out;
	}
	/* systemd refuses a file with a NUL or invalid UTF-8 anywhere too */
	for (i = 0; i < len; i += l) {
		if (!buf[i]) {
			fail(err, errlen, w, line, "NUL byte");
			goto out;
		}
		l = utf8_seq((const unsigned char *)buf + i, len - i);
		if (!l) {
			fail(err, errlen, w, line, "invalid UTF-8");
			goto out;
		}
		line += buf[i] == '\n';
	}

	/* neither can outgrow the input */
	key = xmalloc(len + 1);
	val = xmalloc(len + 1);
	line = 1;
	for (i = 0; i < len; i++) {
		ch = buf[i];
		nl = ch == '\n' || ch == '\r';
		ws = nl || ch == ' ' || ch == '\t';
		switch (st) {
		case PRE_KEY:
			if (ch == '#' || ch == ';') {
				st = COMMENT;
			} else if (!ws) {
				st = KEY;
				kline = line;
				key[0] = ch;
				nk = kend = 1;
			}
			break;
		case KEY:
			if (nl)
				goto nokey; /* systemd drops the line */
			if (ch == '=') {
				st = PRE_VALUE;
				nv = vend = 0;
				break;
			}
			key[nk++] = ch;
			if (!ws)
				kend = nk;
			break;
		case PRE_VALUE:
			if (nl) {
				st = PRE_KEY;
				push(&t, w, kline, key, kend, val, vend);
			} else if (ch == '\'' || ch == '"') {
				st = ch == '"' ? DOUBLE_QUOTE_VALUE : SINGLE_QUOTE_VALUE;
				qline = line;
			} else if (ch == '\\') {
				st = VALUE_ESCAPE;
			} else if (!ws) {
				st = VALUE;
				val[nv++] = ch;
				vend = nv;
			}
			break;
		case VALUE:
			if (nl) {
				st = PRE_KEY;
				push(&t, w, kline, key, kend, val, vend);
			} else if (ch == '\\') {
				st = VALUE_ESCAPE;
				vend = nv;
			} else {
				val[nv++] = ch;
				if (!ws)
					vend = nv;
			}
			break;
		case VALUE_ESCAPE:
			st = VALUE;
			if (!nl) /* an escaped newline is eaten: a continuation line */
				val[nv++] = ch;
			vend = nv;
			break;
		case SINGLE_QUOTE_VALUE:
			if (ch == '\'')
				st = PRE_VALUE;
			else
				val[nv++] = ch;
			vend = nv;
			break;
		case DOUBLE_QUOTE_VALUE:
			if (ch == '"')
				st = PRE_VALUE;
			else if (ch == '\\')
				st = DOUBLE_QUOTE_VALUE_ESCAPE;
			else
				val[nv++] = ch;
			vend = nv;
			break;
		case DOUBLE_QUOTE_VALUE_ESCAPE:
			st = DOUBLE_QUOTE_VALUE;
			if (strchr("\"\\`$", ch)) {
				val[nv++] = ch;
			} else if (ch != '\n') { /* the backslash stays, as in sh */
				val[nv++] = '\\';
				val[nv++] = ch;
			}
			vend = nv;
			break;
		case COMMENT:
			if (ch == '\\')
				st = COMMENT_ESCAPE;
			else if (nl)
				st = PRE_KEY;
			break;
		case COMMENT_ESCAPE:
			/* since v254 the line after "#...\" is not part of the comment */
			st = nl ? PRE_KEY : COMMENT;
			break;
		}
		line += ch == '\n';
	}

	switch (st) {
	case KEY:
		goto nokey;
	case PRE_VALUE:
	case VALUE:
	case VALUE_ESCAPE:
		push(&t, w, kline, key, kend, val, vend);
		break;
	case SINGLE_QUOTE_VALUE:
		fail(err, errlen, w, qline, "unterminated single quote");
		goto out;
	case DOUBLE_QUOTE_VALUE:
	case DOUBLE_QUOTE_VALUE_ESCAPE:
		fail(err, errlen, w, qline, "unterminated double quote");
		goto out;
	}

	merge(c, &t);
	rc = 0;
	goto out;

nokey:
	e = escape(key, kend, KEY_SHOW);
	/* "=x": PRE_KEY takes the '=' for the key's first character */
	if (*key == '=')
		fail(err, errlen, w, kline, "empty key in '%s'", e);
	else
		fail(err, errlen, w, kline, "no '=' in '%s'", e);
	free(e);
out:
	conf_free(&t);
	free(key);
	free(val);
	free(w);
	return rc;
}

int envfile_scan(const char *buf, size_t len, const char *const *keys, size_t n, const char **vals,
		 size_t *vlen)
{
	const char *l = buf, *end = buf + len, *eq, *e;
	size_t kl[16];

	if (len > CONF_MAX_SIZE || n > 16)
		return -1;
	for (size_t k = 0; k < n; k++)
		kl[k] = strlen(keys[k]);
	for (size_t k = 0; k < n; k++)
		vals[k] = NULL, vlen[k] = 0;
	for (; l < end; l = e + 1) {
		if (!(e = memchr(l, '\n', (size_t)(end - l))))
			e = end;
		if (e == l)
			continue;
		if (*l == '#' || *l == ';') {
			/* printable ASCII (a NUL or bad UTF-8 anywhere fails the file); a backslash
			 * continues a comment: both are the full parser's */
			for (const char *p = l; p < e; p++)
				if ((*p < ' ' && *p != '\t') || *p > '~' || *p == '\\')
					return -1;
			continue;
		}
		if (!(eq = memchr(l, '=', (size_t)(e - l))) || !name_ok(l, (size_t)(eq - l)))
			return -1;
		/* a plain value: printable ASCII, no blank, quote or backslash */
		for (const char *p = eq + 1; p < e; p++)
			if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\'' || *p == '\\')
				return -1;
		for (size_t k = 0; k < n; k++)
			if (kl[k] == (size_t)(eq - l) && !memcmp(keys[k], l, kl[k]))
				vals[k] = eq + 1, vlen[k] = (size_t)(e - eq - 1);
	}
	return 0;
}

int envfile_load(struct conf *c, const char *path)
{
	size_t old = c->warnings.n, len = 0;
	char err[512], *buf;
	struct stat st;
	ssize_t r;
	int fd, e;

	/* O_NONBLOCK and O_NOCTTY: a FIFO or a tty put there must not hang us or become ours */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		if (e != ENOENT)
			warn_sys("read config", path);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		warn_sys("read config", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		warn_msg("read config: %s: not a regular file", path);
		goto fail;
	}
	/* Sized from fstat, grown if the file grows; one byte more than allowed tells "too
	 * large" from "just fits". */
	size_t cap = st.st_size < CONF_MAX_SIZE ? (size_t)st.st_size + 1 : CONF_MAX_SIZE + 1;

	buf = xmalloc(cap);
	while (len <= CONF_MAX_SIZE) {
		if (len == cap) {
			cap = cap * 2 > CONF_MAX_SIZE + 1 ? CONF_MAX_SIZE + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		if (!(r = read(fd, buf + len, cap - len)))
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			warn_sys("read config", path);
			free(buf);
			goto fail;
		}
		len += r;
	}
	close(fd);
	r = envfile_parse(c, path, buf, len, err, sizeof(err));
	free(buf);
	if (r < 0) {
		warn_msg("read config: %s", err);
		errno = EINVAL;
		return -1;
	}
	for (size_t i = old; i < c->warnings.n; i++)
		warn_msg("%s", c->warnings.v[i]);
	free(c->path);
	c->path = xstrdup(path);
	return 0;
fail:
	close(fd);
	errno = e;
	return -1;
}

const char *conf_file_get(const struct conf *c, const char *key)
{
	for (size_t i = 0; i < c->keys.n; i++)
		if (!strcmp(c->keys.v[i], key))
			return c->vals.v[i];
	return NULL;
}

const char *conf_get(const struct conf *c, const char *key)
{
	const char *v = getenv(key);

	return v ? v : conf_file_get(c, key);
}

void conf_free(struct conf *c)
{
	free(c->path);
	c->path = NULL;
	strv_free(&c->keys);
	strv_free(&c->vals);
	strv_free(&c->warnings);
}

/* Built in by make (CONFDIR, STATEDIR: the same values the units get). Never guessed at
 * run time: /etc/containers and /var/lib/containers are podman's on other hosts. */
#ifndef NCBOX_CONFDIR
#define NCBOX_CONFDIR "/etc/nixos-containers"
#endif
#ifndef NCBOX_STATEDIR
#define NCBOX_STATEDIR "/var/lib/nixos-containers"
#endif

/* ENV when set and not empty, else DFLT. */
static const char *env_or(const char *env, const char *dflt)
{
	const char *s = getenv(env);

	return s && *s ? s : dflt;
}

const char *config_dir(void)
{
	return env_or("NCBOX_CONFIG_DIR", NCBOX_CONFDIR);
}

const char *state_dir(void)
{
	return env_or("NCBOX_STATE_DIR", NCBOX_STATEDIR);
}

const char *run_dir(void)
{
	const char *r = env_or("NCBOX_RUN_DIR", NULL);

	if (r)
		return r;
	return !strcmp(state_dir(), "/var/lib/containers") ? "/run/containers" : "/run/nixos-containers";
}

char *container_key(const char *name)
{
	static uint32_t h; /* the config dir's, once: list --json asks for each container */
	char real[PATH_MAX];

	if (!h)
		h = fnv1a(realpath(config_dir(), real) ? real : config_dir());
	return xasprintf("%s.%08x", name, (unsigned)h);
}

const char *nix_state_dir(void)
{
	return env_or("NCBOX_NIX_STATE_DIR", "/nix/var/nix");
}

void ct_paths_free(struct ct_paths *p)
{
	char **s = (char **)p;

	for (size_t i = 0; i < sizeof(*p) / sizeof(char *); i++)
		free(s[i]);
	memset(p, 0, sizeof(*p));
}

void ct_paths_set(struct ct_paths *p, const char *name)
{
	const char *nix = nix_state_dir();
	char *key;

	ct_paths_free(p);
	p->conf = xasprintf("%s/%s.conf", config_dir(), name);
	p->journal = xasprintf("%s/.%s.creating", config_dir(), name);
	p->root = xasprintf("%s/%s", state_dir(), name);
	p->run_root = xasprintf("%s/%s", run_dir(), name);
	p->profile = xasprintf("%s/profiles/per-container/%s", nix, name);
	p->system = xasprintf("%s/system", p->profile);
	p->gcroots = xasprintf("%s/gcroots/per-container/%s", nix, name);
	key = container_key(name);
	p->state = xasprintf("%s/%s", run_dir(), key);
	p->log = xasprintf("%s/log", p->state);
	free(key);
	p->nixos_config = xasprintf("%s/etc/nixos/configuration.nix", p->root);
}

/* A symlinked NAME.conf is fine where NixOS makes one (through /etc/static into the store)
 * or within the config dir; anywhere else it is refused, so that a planted link cannot
 * make us read, and quote in messages, another file (/etc/shadow). 0, or -1 with WHY. */
static int conf_link_ok(const char *path, const char **why)
{
	char *target, *dir;
	struct stat st;
	int ok;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	if (!(target = realpath(path, NULL)))
		return *why = "symlink that leads nowhere", -1;
	dir = realpath(config_dir(), NULL);
	ok = !strncmp(target, "/nix/store/", 11) ||
	     (dir && !strncmp(target, dir, strlen(dir)) && target[strlen(dir)] == '/');
	free(target);
	free(dir);
	if (!ok)
		return *why = "symlink to a file outside /nix/store and the config dir", -1;
	return 0;
}

void conf_load(struct conf *c, const char *name)
{
	char *path = xasprintf("%s/%s.conf", config_dir(), name);
	const char *why;
	int r;

	if (conf_link_ok(path, &why) < 0) {
		warn_msg("read config: %s: %s", msg_esc(path), why);
		free(path);
		exit(EXIT_CONFIG);
	}
	r = envfile_load(c, path);
	free(path);
	/* envfile_load() has said why */
	if (r < 0 && errno != ENOENT)
		exit(EXIT_CONFIG);
}
