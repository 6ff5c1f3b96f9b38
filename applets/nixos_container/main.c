/* nixos-container: the Perl tool's commands, flags, files and messages, on hosts with
 * systemd (through systemctl and machinectl, as upstream) and without it (the applets run
 * as the unit would run them). Containers are entered with setns, never a shell. This file:
 * the command table and the thin commands; the concerns below it are named in nc.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../../common/proc.h"
#include "nc.h"

/* clang-format off */
const char nixos_container_usage[] =
	"Usage: nixos-container list [--json]\n"
	"       nixos-container create NAME [--nixos-path P] [--system-path P] [--config S]\n"
	"           [--config-file P] [--flake REF[#ATTR]] [--ensure-unique-name] [--auto-start]\n"
	"           [--bridge IF] [--port PORTS] [--host-address A --local-address A]\n"
	"           [--use-host-network]\n"
	"       nixos-container destroy|login|root-login|show-ip|show-host-key NAME\n"
	"       nixos-container start|stop|restart|terminate NAME [--timeout SECONDS]\n"
	"       nixos-container status NAME [--json]\n"
	"       nixos-container update NAME [--config S] [--config-file P] [--flake REF[#ATTR]]\n"
	"           [--nixos-path P] [--system-path P]\n"
	"       nixos-container run NAME -- COMMAND [ARGS...]\n"
	"\n"
	"The Perl tool's commands, flags, files and messages (README.md has the details).\n"
	"Options anywhere before `--`, --opt V or --opt=V, abbreviated while unambiguous.\n"
	"NAME: letters, digits, '_', '-' (not first), at most 64 bytes.\n"
	"Files: CONF_DIR/NAME.conf (NCBOX_CONFIG_DIR, else make's CONFDIR:\n"
	"/etc/nixos-containers), root STATE_DIR/NAME (NCBOX_STATE_DIR, else STATEDIR:\n"
	"/var/lib/nixos-containers), NIX/{profiles,gcroots}/per-container/NAME (NIX:\n"
	"NCBOX_NIX_STATE_DIR, else /nix/var/nix), without systemd container-supervise's\n"
	"RUN_DIR/NAME.HASH/ (NCBOX_RUN_DIR, else /run/nixos-containers).\n"
	"systemd: NCBOX_SD_BOOTED=0|1.\n"
	"\n"
	"list     NAMEs of *.conf, sorted. --json: [{name, status, ip, host_ip,\n"
	"         private_network, auto_start, declarative, error (a bad conf)}].\n"
	"create   Under /run/lock/nixos-container, the first 10.233.N.1/.2 no conf uses\n"
	"         (any address key, a prefix for its subnet; a bad conf: what can be read,\n"
	"         warned of); given addresses checked so, and unspecified, /0, broadcast,\n"
	"         multicast, loopback refused. The conf is written last (journal\n"
	"         CONF_DIR/.NAME.creating: a killed create is rolled back). Then the system:\n"
	"         --system-path (nix-env --set, or its links without nix-env); --flake (nix\n"
	"         build REF#nixosConfigurations.\"ATTR\"...toplevel, ATTR: container); else\n"
	"         ROOT/etc/nixos/configuration.nix (boot.isNspawnContainer on nixpkgs 25.11+,\n"
	"         else boot.isContainer) and nix-env -f NIXOS (--nixos-path, <nixpkgs/nixos>).\n"
	"         A failure removes what create made, nothing else.\n"
	"destroy  Refuse a declarative container (conf in the Nix store); terminate it;\n"
	"         systemd: disable container@NAME; remove profile, GC roots, root (mounts on\n"
	"         and below detached, no other file system entered), run files, conf.\n"
	"start    systemd: systemctl start container@NAME. Else container-supervise NAME\n"
	"         detached; returns at READY=1 (--timeout 60; a failure leaves only its log).\n"
	"stop     systemd: systemctl stop. Else SIGTERM to the supervisor, wait until it\n"
	"         exits; after --timeout (90) as terminate.\n"
	"restart  stop, then start.\n"
	"terminate  systemd: machinectl terminate, wait for the leader. Else SIGKILL to\n"
	"         the supervisor and the cgroup, then the cleanup.\n"
	"status   up, down, starting; orphaned: processes left in its cgroup with no\n"
	"         supervisor (start, stop, destroy refuse; terminate kills them); gone (exit 5)\n"
	"         without a conf. --json: {name, status, leader}.\n"
	"update   Rebuild as create (from the conf's FLAKE too; on 25.11+ a config without\n"
	"         boot.isNspawnContainer = true is refused); reload it if it runs.\n"
	"login    systemd: machinectl login; else the container's login.\n"
	"root-login  root's login shell in the container.\n"
	"run      COMMAND in the container's namespaces and cgroup (setns), as `su root -l`\n"
	"         runs `exec \"$@\"` (never parsed). Leader: systemd's machinectl, else the\n"
	"         supervisor's.\n"
	"         It gets the init's capability sets, no_new_privs and seccomp filters.\n"
	"show-ip  LOCAL_ADDRESS, else LOCAL_ADDRESS6, without prefix.\n"
	"show-host-key  ROOT/etc/ssh/ssh_host_{ed25519,ecdsa}_key.pub, resolved inside ROOT,\n"
	"         a regular file only, control characters escaped.\n"
	"\n"
	"Passed to nix: --log-format X, --option N V, --impure, --update-input X,\n"
	"--override-input I R, --commit-lock-file, --no-registries, --no-update-lock-file,\n"
	"--no-write-lock-file, --no-allow-dirty, --recreate-lock-file, --refresh. --signal is\n"
	"ignored. Errors: `nixos-container: COMMAND: NAME: what failed`. Exit: 0 ok, 1 failed,\n"
	"2 usage, 3 bad conf or name, 4 not root, 5 no such container, 6 exists; run:\n"
	"COMMAND's status, 128+signal, 126/127.\n";
/* clang-format on */

static void print_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

static void print_json_opt(const char *key, const char *v, int last)
{
	printf("\"%s\":", key);
	if (v)
		print_json_str(v);
	else
		fputs("null", stdout);
	fputs(last ? "" : ",", stdout);
}

/* An address value without its prefix length, into BUF (NULL when unset or not an address). */
static const char *bare_addr(const char *v, int family, char *buf, size_t len)
{
	struct ipaddr a;
	const char *why;

	if (!v || !*v || addr_parse(v, family, &a, &why) < 0)
		return NULL;
	a.prefix = -1;
	return addr_format(&a, buf, len);
}

/* The first of V4 (either family) and V6 that is an address, bare, into BUF. */
static const char *conf_ip(const char *v4, const char *v6, char *buf, size_t len)
{
	const char *ip = bare_addr(v4, AF_UNSPEC, buf, len);

	return ip ? ip : bare_addr(v6, AF_INET6, buf, len);
}

static int cmd_list(void)
{
	static const char *const keys[] = { "LOCAL_ADDRESS", "LOCAL_ADDRESS6",	"HOST_ADDRESS",
					    "HOST_ADDRESS6", "PRIVATE_NETWORK", "AUTO_START" };
	static struct confbuf b;
	struct strv names = { 0 };
	const char **st = NULL, *v[6];
	int dfd;

	conf_names(&names);
	if (!o.json) {
		for (size_t i = 0; i < names.n; i++)
			printf("%s\n", names.v[i]);
		strv_free(&names);
		return 0;
	}
	st = xmalloc((names.n + 1) * sizeof(*st));
	be->statuses(&names, st);
	dfd = open(config_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	putchar('[');
	for (size_t i = 0; i < names.n; i++) {
		char ip[64], hip[64], err[512];
		int bad = read_conf(dfd, names.v[i], keys, 6, v, &b, err, sizeof(err)) < 0;

		/* a bad conf is marked, and the others are listed all the same */
		if (bad)
			warn_msg("%s", err);
		printf("%s{\"name\":", i ? "," : "");
		print_json_str(names.v[i]);
		printf(",\"status\":\"%s\",", st[i]);
		print_json_opt("ip", conf_ip(v[0], v[1], ip, sizeof(ip)), 0);
		print_json_opt("host_ip", conf_ip(v[2], v[3], hip, sizeof(hip)), 0);
		printf("\"private_network\":%s,\"auto_start\":%s,\"declarative\":%s",
		       v[4] && !strcmp(v[4], "1") ? "true" : "false",
		       v[5] && !strcmp(v[5], "1") ? "true" : "false",
		       conf_declarative(names.v[i], b.link) ? "true" : "false");
		if (bad) {
			fputs(",\"error\":", stdout);
			print_json_str(err);
		}
		putchar('}');
	}
	printf("]\n");
	if (dfd >= 0)
		close(dfd);
	free(b.buf);
	conf_free(&b.c);
	free(st);
	strv_free(&names);
	return 0;
}

static int cmd_status(void)
{
	const char *st;
	pid_t leader = 0;

	if (!conf_present())
		printf(o.json ? "{\"name\":\"%s\",\"status\":\"gone\",\"leader\":null}\n" : "gone\n", o.name);
	need_conf();
	st = be->status();
	if (!o.json) {
		printf("%s\n", st);
		return 0;
	}
	if (!strcmp(st, "up"))
		leader = be->leader(0);
	printf("{\"name\":");
	print_json_str(o.name);
	printf(",\"status\":\"%s\",\"leader\":", st);
	if (leader)
		printf("%d}\n", (int)leader);
	else
		printf("null}\n");
	return 0;
}

static int cmd_start(void)
{
	return be->start();
}

static int cmd_stop(void)
{
	return be->stop();
}

static int cmd_restart(void)
{
	int rc = be->stop();

	return rc ? rc : be->start();
}

static int cmd_terminate(void)
{
	return be->terminate();
}

static int cmd_destroy(void)
{
	const char *gone[] = { p.profile, p.gcroots, p.root, p.state }, *st;
	int lock = -1, present = conf_present();

	if (!present)
		return destroy_journal(), 0;
	if (present > 0 && conf_declarative(o.name, -1))
		die(EXIT_FAIL,
		    "cannot destroy declarative container (remove it from your configuration.nix instead)");
	/* a conf that cannot go: say so before anything else goes */
	if (access(config_dir(), W_OK) < 0)
		die_sys(EXIT_FAIL, "remove", msg_esc(p.conf));
	/* held from here on: no start between the stop and the removal (a conf that leads
	 * nowhere starts nothing: no lock to take on it) */
	if (present > 0)
		lock = lock_conf();
	st = be->status();
	if (!strcmp(st, "orphaned"))
		die(EXIT_FAIL, "processes are left in its cgroup with no supervisor (terminate kills them)");
	if (strcmp(st, "down") && be->terminate())
		die(EXIT_FAIL, "failed to terminate container");
	if (be->forget)
		be->forget();
	destroy_journal();
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		char *failed;

		if (remove_tree(gone[i], &failed) < 0)
			die(EXIT_FAIL, "remove %s: %s", msg_esc(failed ? failed : gone[i]), strerror(errno));
	}
	if (unlink(p.conf) < 0)
		die_sys(EXIT_FAIL, "remove", msg_esc(p.conf));
	if (lock >= 0)
		unlock_conf(lock);
	return 0;
}

static int cmd_login(void)
{
	return be->login();
}

static int cmd_root_login(void)
{
	return enter_run(be->leader(1), NULL, 0);
}

static int cmd_run(void)
{
	return enter_run(be->leader(1), o.args.v + 2, 0);
}

static int cmd_show_ip(void)
{
	struct conf c = { 0 };
	const char *pn, *ip;
	char buf[64];

	conf_load(&c, o.name);
	ip = conf_ip(conf_file_get(&c, "LOCAL_ADDRESS"), conf_file_get(&c, "LOCAL_ADDRESS6"), buf,
		     sizeof(buf));
	pn = conf_file_get(&c, "PRIVATE_NETWORK");
	if (!ip && (!pn || strcmp(pn, "1")))
		die(EXIT_FAIL, "container uses host network, no separate IP address");
	if (!ip)
		die(EXIT_FAIL, "cannot get IP address");
	printf("%s\n", ip);
	conf_free(&c);
	return 0;
}

static int cmd_show_host_key(void)
{
	/* resolved inside the root as the container resolves it: a key that is a symlink to
	 * /etc/shadow reads the container's own shadow, never the host's */
	static const char *const keys[] = { "ed25519", "ecdsa" };
	char *fn = NULL, *key;
	struct stat st;
	size_t len;
	int fd = -1;

	for (int i = 0; i < 2 && fd < 0; i++) {
		free(fn);
		fn = xasprintf("%s/etc/ssh/ssh_host_%s_key.pub", p.root, keys[i]);
		fd = open_in_root(p.root, fn + strlen(p.root), O_RDONLY | O_NOCTTY | O_NONBLOCK);
	}
	/* a FIFO or a device there would hang us, or read as an empty key */
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
		die(EXIT_FAIL, "read host key: %s: not a regular file", msg_esc(fn));
	if (!(key = read_fd(fd, 1 << 20, &len)))
		die_sys(EXIT_FAIL, "read host key", msg_esc(fn));
	/* the container wrote it: its control characters reach no terminal as they are */
	for (char *l = key, *e; l < key + len; l = e + 1) {
		char *x;

		if (!(e = memchr(l, '\n', (size_t)(key + len - l))))
			e = key + len;
		x = escape(l, (size_t)(e - l), len);
		fputs(x, stdout);
		free(x);
		if (e < key + len)
			putchar('\n');
	}
	free(key);
	free(fn);
	return 0;
}

const struct nc_cmd nc_cmds[] = {
	{ "list", 0, 0, 0, cmd_list },
	{ "create", 1, 1, 0, cmd_create },
	{ "destroy", 1, 1, 0, cmd_destroy },
	{ "start", 1, 1, NC_CONF, cmd_start },
	{ "stop", 1, 1, NC_CONF, cmd_stop },
	{ "restart", 1, 1, NC_CONF, cmd_restart },
	{ "terminate", 1, 1, NC_CONF, cmd_terminate },
	{ "status", 1, 1, 0, cmd_status },
	{ "update", 1, 1, NC_CONF, cmd_update },
	{ "login", 1, 1, NC_CONF, cmd_login },
	{ "root-login", 1, 1, NC_CONF, cmd_root_login },
	{ "run", 2, NC_MANY, NC_CONF, cmd_run },
	{ "show-ip", 1, 1, NC_CONF, cmd_show_ip },
	{ "show-host-key", 1, 1, NC_CONF, cmd_show_host_key },
	{ NULL, 0, 0, 0, NULL },
};

int nixos_container_main(int argc, char **argv)
{
	char err[1024];
	int rc;

	umask(022);
	setenv("NIXOS_CONFIG", "", 1);
	if (nc_args_parse(&o, nc_cmds, argc, argv, err, sizeof(err)))
		die_usage("%s", err);
	if (o.help) {
		fputs(nixos_container_usage, stdout);
		exit(0);
	}
	be = sd_booted() ? &nc_systemd : &nc_direct;
	/* as the Perl tool, on every run; only create needs them, and says so */
	mkdir_p(config_dir(), 0755);
	mkdir_p(state_dir(), 0700);
	if ((rc = nc_args_operands(&o, err, sizeof(err))) == EXIT_USAGE)
		die_usage("%s", err);
	if (rc)
		die(rc, "%s", err);
	err_context("%s", o.cmd->name);
	if (o.cmd->max)
		set_name(o.name);
	if (o.cmd->flags & NC_CONF)
		need_conf();
	return o.cmd->fn();
}
