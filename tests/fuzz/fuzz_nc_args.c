/* nixos-container's command line (applets/nixos_container/args.c, with the applet's
 * command table) on arbitrary argument vectors: the input split at NUL bytes, after
 * argv[0]. Invariants: the same answer twice; a refusal is exit 2 or 3 with one
 * terminal-safe line; an accepted line names a known command, its values point into argv,
 * --timeout is 0-86400 s, the pass-through flags come with their values, the operands are
 * the non-options in order (--X only after --), NAME passes name_check(); and for create,
 * what nc_create_check() lets through makes a conf that reads back (envfile_parse) as
 * exactly the values given, with a HOST_PORT that container-start takes (ports_parse) and
 * a HOST_BRIDGE that is an interface name. */
#include <sys/socket.h>

#include "container.h"
#include "fuzz.h"
#include "../../applets/nixos_container/args.h"

#define MAX_ARGS 48

/* P is one of ARGV's strings, or points just past the '=' of one. */
static int in_argv(const char *p, char **argv, int argc)
{
	for (int i = 1; i < argc; i++)
		if (p == argv[i] || (p > argv[i] && p <= argv[i] + strlen(argv[i]) && p[-1] == '='))
			return 1;
	return 0;
}

static const char *get(const struct conf *c, const char *k)
{
	const char *v = conf_file_get(c, k);

	CHECK(v, "the conf has no %s", k);
	return v;
}

/* The conf create would write for A reads back as A's values. */
static void check_conf(const struct nc_args *a)
{
	const char *host = "10.233.1.1", *local = "10.233.1.2", *why;
	struct ipaddr h, l;
	struct conf c = { 0 };
	struct strv ports = { 0 };
	char err[512], *text;

	/* given addresses are the applet's to check (addresses in use): only good ones get here */
	if (a->host_address && addr_parse(a->host_address, AF_INET, &h, &why) == 0 &&
	    addr_parse(a->local_address, AF_INET, &l, &why) == 0)
		host = a->host_address, local = a->local_address;
	text = nc_conf_text(a, host, local);
	CHECK(envfile_parse(&c, "conf", text, strlen(text), err, sizeof(err)) == 0,
	      "create writes a conf "
	      "nothing reads: %s",
	      err);
	CHECK(c.warnings.n == 0, "reading the conf warns: %s", c.warnings.v[0]);
	CHECK(!strcmp(get(&c, "PRIVATE_NETWORK"), a->host_network ? "0" : "1"), "PRIVATE_NETWORK");
	CHECK(!strcmp(get(&c, "AUTO_START"), a->auto_start ? "1" : "0"), "AUTO_START");
	if (a->flake)
		CHECK(!strcmp(get(&c, "FLAKE"), a->flake), "FLAKE reads back as '%s', given '%s'",
		      get(&c, "FLAKE"), a->flake);
	else
		CHECK(!conf_file_get(&c, "FLAKE"), "FLAKE without --flake");
	if (!a->host_network) {
		CHECK(!strcmp(get(&c, "HOST_ADDRESS"), host) && !strcmp(get(&c, "LOCAL_ADDRESS"), local),
		      "addresses");
		CHECK(!strcmp(get(&c, "HOST_BRIDGE"), a->bridge ? a->bridge : ""),
		      "HOST_BRIDGE reads back as '%s', "
		      "given '%s'",
		      get(&c, "HOST_BRIDGE"), a->bridge);
		CHECK(!strcmp(get(&c, "HOST_PORT"), a->port ? a->port : ""), "HOST_PORT reads back as '%s'",
		      get(&c, "HOST_PORT"));
		CHECK(!ports_parse(get(&c, "HOST_PORT"), &ports, err, sizeof(err)),
		      "container-start refuses "
		      "the HOST_PORT create wrote: %s",
		      err);
		CHECK(!*get(&c, "HOST_BRIDGE") || !ifname_check(get(&c, "HOST_BRIDGE"), &why),
		      "HOST_BRIDGE: %s", why);
	} else {
		CHECK(!conf_file_get(&c, "HOST_ADDRESS") && !conf_file_get(&c, "HOST_PORT"),
		      "host network with addresses");
	}
	strv_free(&ports);
	conf_free(&c);
	free(text);
}

static void check_accepted(const struct nc_args *a, char **argv, int argc)
{
	const char *const strs[] = { a->bridge, a->port,	a->system_path,	 a->nixos_path,
				     a->config, a->config_file, a->host_address, a->local_address,
				     a->flake,	a->signal };
	const struct strv *nix[] = { &a->nix, &a->nix2 };
	int next = 1;

	CHECK(a->cmd >= nc_cmds && a->cmd->name && a->cmd->fn, "command");
	CHECK(a->args.n >= 1 && !strcmp(a->args.v[0], a->cmd->name) && !a->args.v[a->args.n], "operands");
	CHECK(a->timeout_ms >= -1 && a->timeout_ms <= 86400999, "timeout %d ms", a->timeout_ms);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		CHECK(!strs[i] || in_argv(strs[i], argv, argc), "value %zu is not from argv", i);
	/* the operands are argv's strings, in order, each either after `--` or not an option */
	for (size_t i = 0; i < a->args.n; i++) {
		int j = next;

		while (j < argc && argv[j] != a->args.v[i])
			j++;
		CHECK(j < argc, "operand %zu '%s' is not from argv, after the one before", i, a->args.v[i]);
		/* a -x that no option begins with is an operand too (a NAME, refused later) */
		if (a->args.v[i][0] == '-' && a->args.v[i][1] == '-') {
			int dd = 0;

			for (int k = 1; k < j; k++)
				dd |= !strcmp(argv[k], "--");
			CHECK(dd, "operand '%s' looks like an option and no -- came before it", a->args.v[i]);
		}
		next = j + 1;
	}
	/* pass-through flags: --NAME, then its values, none of them an option name */
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < nix[k]->n;) {
			const char *f = nix[k]->v[i];
			size_t vals = k ? 2 : (!strcmp(f, "--log-format") || !strcmp(f, "--update-input"));

			CHECK(!strncmp(f, "--", 2) && f[2], "pass-through flag '%s'", f);
			CHECK(k == 0 || !strcmp(f, "--option") || !strcmp(f, "--override-input"),
			      "'%s' in the 2-value list", f);
			CHECK(i + vals < nix[k]->n, "flag '%s' without its values", f);
			i += 1 + vals;
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], err[1024], err2[1024], cerr[1024];
	struct nc_args a, b;
	int argc = 1, r, r2, count_ok, list, run;
	const char *why;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = 0;
	argv[0] = "nixos-container";
	for (char *p = buf; argc <= MAX_ARGS && p <= buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	err[0] = err2[0] = 0;
	r = nc_args_parse(&a, nc_cmds, argc, argv, err, sizeof(err));
	r2 = nc_args_parse(&b, nc_cmds, argc, argv, err2, sizeof(err2));
	CHECK(r == r2 && !strcmp(err, err2), "two parses differ: %d '%s', %d '%s'", r, err, r2, err2);
	nc_args_free(&b);
	if (r) {
		CHECK(r == EXIT_USAGE && *err && msg_safe(err), "refusal %d: %s", r, err);
		goto done;
	}
	if (a.help)
		goto done;
	check_accepted(&a, argv, argc);
	list = !strcmp(a.cmd->name, "list"), run = !strcmp(a.cmd->name, "run");
	count_ok = list ? a.args.n == 1 : run ? a.args.n >= 3 : a.args.n == 2;
	err[0] = 0;
	r = nc_args_operands(&a, err, sizeof(err));
	if (r) {
		CHECK((r == EXIT_USAGE || r == EXIT_CONFIG) && *err && msg_safe(err), "refusal %d: %s", r,
		      err);
		CHECK(r == (!count_ok				? EXIT_USAGE
			    : name_check(a.args.v[1], &why) < 0 ? EXIT_CONFIG
								: 0),
		      "exit %d for %zu operands: %s", r, a.args.n, err);
		CHECK(!a.name, "NAME set on a refusal");
		goto done;
	}
	if (list) {
		CHECK(a.args.n == 1 && !a.name, "list with operands");
		goto done;
	}
	CHECK(a.name == a.args.v[1] && !name_check(a.name, &why), "NAME '%s'", a.name);
	CHECK(run ? a.args.n >= 3 : a.args.n == 2, "%zu operands for %s", a.args.n, a.cmd->name);
	if (strcmp(a.cmd->name, "create"))
		goto done;
	cerr[0] = 0;
	r = nc_create_check(&a, cerr, sizeof(cerr));
	if (r) {
		CHECK(r == EXIT_USAGE && *cerr && msg_safe(cerr), "create refusal %d: %s", r, cerr);
		goto done;
	}
	check_conf(&a);
done:
	nc_args_free(&a);
	free(buf);
	return 0;
}
