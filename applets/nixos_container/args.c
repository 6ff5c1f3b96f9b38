/* nixos-container's command line: the Perl tool's options and commands, parsed and checked
 * with every error returned, never exited on (tests/fuzz/fuzz_nc_args.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/container.h"
#include "args.h"

enum { O_FLAG, O_STR, O_NIX0, O_NIX1, O_NIX2, O_HELP, O_TIMEOUT };

#define OFF(f) offsetof(struct nc_args, f)
static const struct opt {
	const char *name;
	unsigned char kind, off;
} opts[] = {
	{ "help", O_HELP, 0 },
	{ "ensure-unique-name", O_FLAG, OFF(ensure_unique) },
	{ "auto-start", O_FLAG, OFF(auto_start) },
	{ "use-host-network", O_FLAG, OFF(host_network) },
	{ "json", O_FLAG, OFF(json) },
	{ "timeout", O_TIMEOUT, 0 },
	{ "bridge", O_STR, OFF(bridge) },
	{ "port", O_STR, OFF(port) },
	{ "system-path", O_STR, OFF(system_path) },
	{ "signal", O_STR, OFF(signal) },
	{ "nixos-path", O_STR, OFF(nixos_path) },
	{ "config", O_STR, OFF(config) },
	{ "config-file", O_STR, OFF(config_file) },
	{ "host-address", O_STR, OFF(host_address) },
	{ "local-address", O_STR, OFF(local_address) },
	{ "flake", O_STR, OFF(flake) },
	{ "log-format", O_NIX1, 0 },
	{ "option", O_NIX2, 0 },
	{ "impure", O_NIX0, 0 },
	{ "update-input", O_NIX1, 0 },
	{ "override-input", O_NIX2, 0 },
	{ "commit-lock-file", O_NIX0, 0 },
	{ "no-registries", O_NIX0, 0 },
	{ "no-update-lock-file", O_NIX0, 0 },
	{ "no-write-lock-file", O_NIX0, 0 },
	{ "no-allow-dirty", O_NIX0, 0 },
	{ "recreate-lock-file", O_NIX0, 0 },
	{ "refresh", O_NIX0, 0 },
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* A usage error: the message into ERR, EXIT_USAGE. */
#define usage(err, errlen, ...) (msgf(err, errlen, __VA_ARGS__), EXIT_USAGE)

/* The option NAME (LEN bytes, after its DASHES dashes) names: exactly, else as the one
 * option it abbreviates. A message names it as given. */
static const struct opt *find_opt(const char *name, size_t len, int dashes, char *err, size_t errlen)
{
	const struct opt *hit = NULL;
	char given[68];

	snprintf(given, sizeof(given), "%.*s", (int)(len < 64 ? len : 64) + dashes, name - dashes);
	for (size_t i = 0; i < N_OPTS; i++) {
		if (strncmp(opts[i].name, name, len))
			continue;
		if (!opts[i].name[len])
			return &opts[i];
		if (hit) {
			msgf(err, errlen, "option '%s' is ambiguous (--%s, --%s, ...)", msg_esc(given),
			     hit->name, opts[i].name);
			return NULL;
		}
		hit = &opts[i];
	}
	if (!hit)
		msgf(err, errlen, "unknown option '%s'", msg_esc(given));
	return hit;
}

/* SECONDS[.FRACTION], 0-86400, to the millisecond; -1 when it is not that. */
static int timeout_ms(const char *v)
{
	long sec = 0, ms = 0, scale = 100;
	const char *p = v;

	for (; *p >= '0' && *p <= '9' && sec <= 86400; p++)
		sec = sec * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	if (*p || sec > 86400 || !strpbrk(v, "0123456789"))
		return -1;
	return (int)(sec * 1000 + ms);
}

int nc_args_parse(struct nc_args *a, const struct nc_cmd *cmds, int argc, char **argv, char *err,
		  size_t errlen)
{
	int dashdash = 0;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = -1;
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i], *name, *eq, *val;
		const struct opt *op;

		if (dashdash || arg[0] != '-' || !arg[1]) {
			strv_push(&a->args, arg);
			continue;
		}
		if (!strcmp(arg, "--")) {
			dashdash = 1;
			continue;
		}
		/* -x that no option begins with is a NAME (name_check refuses it), not the option --x */
		if (arg[1] != '-') {
			char e[16] = "";

			if (!find_opt(arg + 1, strcspn(arg + 1, "="), 1, e, sizeof(e)) &&
			    !strncmp(e, "unknown", 7)) {
				strv_push(&a->args, arg);
				continue;
			}
		}
		name = arg + (arg[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		if (!(op = find_opt(name, eq ? (size_t)(eq - name) : strlen(name), (int)(name - arg), err,
				    errlen)))
			return EXIT_USAGE;
		if (op->kind == O_HELP)
			return a->help = 1, 0;
		if (op->kind == O_FLAG || op->kind == O_NIX0) {
			if (eq)
				return usage(err, errlen, "option '--%s' takes no value", op->name);
			if (op->kind == O_FLAG)
				*(int *)((char *)a + op->off) = 1;
			else
				strv_pushf(&a->nix, "--%s", op->name);
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return usage(err, errlen, "option '--%s' needs a value", op->name);
		switch (op->kind) {
		case O_STR:
			*(const char **)((char *)a + op->off) = val;
			break;
		case O_TIMEOUT:
			if ((a->timeout_ms = timeout_ms(val)) < 0)
				return usage(err, errlen, "--timeout '%s': not a number of seconds (0-86400)",
					     msg_esc(val));
			break;
		case O_NIX1:
			strv_pushf(&a->nix, "--%s", op->name);
			strv_push(&a->nix, xstrdup(val));
			break;
		case O_NIX2:
			if (i + 1 >= argc)
				return usage(err, errlen, "option '--%s' needs two values", op->name);
			strv_pushf(&a->nix2, "--%s", op->name);
			strv_push(&a->nix2, xstrdup(val));
			strv_push(&a->nix2, xstrdup(argv[++i]));
			break;
		}
	}
	if (!a->args.n)
		return usage(err, errlen, "no action specified");
	for (a->cmd = cmds; a->cmd->name && strcmp(a->cmd->name, a->args.v[0]); a->cmd++)
		;
	if (!a->cmd->name)
		return usage(err, errlen, "unknown action '%s'", msg_esc(a->args.v[0]));
	return 0;
}

int nc_args_operands(struct nc_args *a, char *err, size_t errlen)
{
	const struct nc_cmd *c = a->cmd;
	size_t n = a->args.n - 1;
	const char *why;

	if (!c->max)
		return n ? usage(err, errlen, "%s takes no NAME", c->name) : 0;
	if (!n)
		return usage(err, errlen, "no container name specified");
	if (n > c->max)
		return usage(err, errlen, "too many operands: '%s'", msg_esc(a->args.v[c->max + 1]));
	if (n < c->min)
		return usage(err, errlen, "%s needs a COMMAND: nixos-container %s NAME -- COMMAND [ARGS...]",
			     c->name, c->name);
	if (name_check(a->args.v[1], &why) < 0) {
		msgf(err, errlen, "%s: '%s': %s%s", c->name, msg_esc(a->args.v[1]),
		     strncmp(why, "invalid container name", 22) ? "invalid container name: " : "", why);
		return EXIT_CONFIG;
	}
	a->name = a->args.v[1];
	return 0;
}

/* A value written into the conf must read back as it is: no control character (systemd
 * drops the key) and valid UTF-8 as systemd has it (systemd refuses the whole file). */
static const char *value_why(const char *v)
{
	size_t n = strlen(v), l;

	for (const unsigned char *c = (const unsigned char *)v; *c; c += l, n -= l) {
		if (*c < 0x20 || *c == 0x7f)
			return "control characters are not allowed";
		if (!(l = utf8_seq(c, n)))
			return "not valid UTF-8 (or a noncharacter), which no env file can hold";
	}
	return NULL;
}

int nc_system_check(const struct nc_args *a, char *err, size_t errlen)
{
	if (a->config && a->config_file)
		return usage(err, errlen,
			     "--config and --config-file are mutually incompatible. "
			     "Please define one or the other, but not both");
	if (a->system_path && (a->config || a->config_file || a->flake))
		return usage(err, errlen,
			     "--system-path goes with none of --config, --config-file and --flake");
	return 0;
}

int nc_create_check(const struct nc_args *a, char *err, size_t errlen)
{
	struct strv ports = { 0 };
	const char *why;
	char msg[512];

	if (!a->host_address != !a->local_address)
		return usage(err, errlen, "With --host-address set, --local-address is required as well!");
	if (nc_system_check(a, err, errlen))
		return EXIT_USAGE;
	if (a->host_network && (a->host_address || a->bridge || a->port))
		return usage(err, errlen,
			     "--use-host-network goes with none of --host-address, --local-address, "
			     "--bridge and --port");
	if (a->bridge && ifname_check(a->bridge, &why) < 0)
		return usage(err, errlen, "--bridge '%s': %s", msg_esc(a->bridge), why);
	if (a->port && ports_parse(a->port, &ports, msg, sizeof(msg)) < 0)
		return usage(err, errlen, "--port '%s': %s", msg_esc(a->port), msg);
	strv_free(&ports);
	if (a->flake && (why = value_why(a->flake)))
		return usage(err, errlen, "--flake '%s': %s", msg_esc(a->flake), why);
	return 0;
}

char *env_value(const char *v)
{
	size_t n = strlen(v), i;
	char *q, *d;

	if (n &&
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+.,:/@%=#?&~") == n &&
	    v[0] != '#')
		return xstrdup(v);
	q = d = xmalloc(2 * n + 3);
	*d++ = '"';
	for (i = 0; i < n; i++) {
		if (strchr("\"\\`$", v[i]))
			*d++ = '\\';
		*d++ = v[i];
	}
	*d++ = '"';
	*d = 0;
	return q;
}

/* KEY=VALUE\n for a value given on the command line, quoted as needed; nothing for NULL
 * unless EMPTY (then KEY=). */
static void conf_line(struct strv *t, const char *key, const char *v, int empty)
{
	char *e;

	if (!v && !empty)
		return;
	e = v && *v ? env_value(v) : xstrdup("");
	strv_pushf(t, "%s=%s\n", key, e);
	free(e);
}

char *nc_conf_text(const struct nc_args *a, const char *host, const char *local)
{
	struct strv t = { 0 };
	size_t len = 1;
	char *out, *o;

	strv_pushf(&t, "PRIVATE_NETWORK=%d\n", !a->host_network);
	if (!a->host_network) {
		conf_line(&t, "HOST_ADDRESS", host, 1);
		conf_line(&t, "LOCAL_ADDRESS", local, 1);
		conf_line(&t, "HOST_BRIDGE", a->bridge, 1);
		conf_line(&t, "HOST_PORT", a->port, 1);
	}
	strv_pushf(&t, "AUTO_START=%d\n", a->auto_start);
	conf_line(&t, "FLAKE", a->flake, 0);
	for (size_t i = 0; i < t.n; i++)
		len += strlen(t.v[i]);
	o = out = xmalloc(len);
	for (size_t i = 0; i < t.n; i++)
		o = stpcpy(o, t.v[i]);
	strv_free(&t);
	return out;
}

void nc_args_free(struct nc_args *a)
{
	strv_free(&a->nix);
	strv_free(&a->nix2);
	free(a->args.v); /* the operands are argv's */
	memset(a, 0, sizeof(*a));
}
