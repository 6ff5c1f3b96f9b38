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
	"The Perl nixos-container's commands, flags, files and messages. Options go anywhere\n"
	"before `--`, as --opt V or --opt=V, abbreviated while unambiguous. NAME: letters,\n"
	"digits, '_', '-', not starting with '-', at most 64 bytes. umask 022, NIXOS_CONFIG=\"\".\n"
	"\n"
	"Files: CONF_DIR/NAME.conf (NCBOX_CONFIG_DIR, else /etc/nixos-containers, else\n"
	"/etc/containers when only it exists; made 0755); the root STATE_DIR/NAME\n"
	"(NCBOX_STATE_DIR, else /var/lib/nixos-containers or /var/lib/containers; made 0700);\n"
	"the profile NIX/profiles/per-container/NAME/system and NIX/gcroots/per-container/NAME\n"
	"(NIX: NCBOX_NIX_STATE_DIR, else /nix/var/nix); without systemd container-supervise's\n"
	"RUN_DIR/NAME.HASH/ (NCBOX_RUN_DIR, else /run/containers with the old state dir, else\n"
	"/run/nixos-containers). A systemd host has /run/systemd/system (NCBOX_SD_BOOTED=0|1).\n"
	"\n"
	"list     The NAMEs of *.conf, sorted (podman's libpod, containers, registries skipped\n"
	"         in a dir named containers). --json: [{name, status, ip, host_ip,\n"
	"         private_network, auto_start, declarative}], error: a bad conf's.\n"
	"create   Under the flock /run/lock/nixos-container: refuse an existing NAME (with\n"
	"         --ensure-unique-name take the first free of NAME, NAME-0, NAME-1... and print\n"
	"         it); take 10.233.N.1 and .2 (N 1-254), the first pair no conf uses: every\n"
	"         HOST_/LOCAL_ADDRESS(6) and EXTRA_VETHS address, a prefix counting its whole\n"
	"         subnet, IPv4-mapped IPv6 too (a bad conf: what can be read, and a warning);\n"
	"         else `out of IP addresses (in use by CONFS)`. Given addresses: their subnet\n"
	"         checked the same way; unspecified, /0, broadcast, multicast, loopback refused.\n"
	"         The conf: PRIVATE_NETWORK=1, HOST_ADDRESS,\n"
	"         LOCAL_ADDRESS, HOST_BRIDGE, HOST_PORT ([tcp:|udp:]HOST[:CONT],...), AUTO_START,\n"
	"         FLAKE; --use-host-network: PRIVATE_NETWORK=0, no address. It waits in the\n"
	"         journal CONF_DIR/.NAME.creating (flock held; it names what create makes\n"
	"         before it is made) and is written last (fsync, link): killed at any point,\n"
	"         create leaves a whole container, or a journal the next create or destroy\n"
	"         rolls back. Say `host IP is X, container IP is Y`. Then the system:\n"
	"         --system-path: `nix-env -p PROFILE --set P`, or without nix-env the\n"
	"         same links (system -> system-N-link -> P); --flake: `nix build` of\n"
	"         REF#nixosConfigurations.\"ATTR\".config.system.build.toplevel (ATTR: container),\n"
	"         then nix-env --set; else write ROOT/etc/nixos/configuration.nix (--config S\n"
	"         in it, or imports = [ --config-file ]) and `nix-env -p PROFILE -I\n"
	"         nixos-config=FILE -f NIXOS --set -A system` (NIXOS: --nixos-path, else\n"
	"         <nixpkgs/nixos>). A failure removes all that create made, nothing else.\n"
	"         Names over 11 characters need interface altnames (Linux 5.8+; nspawn hashes\n"
	"         ve-NAME then); '_' and a trailing '-' are refused (nspawn takes neither).\n"
	"destroy  Refuse a declarative container (conf not writable); terminate it if it\n"
	"         runs; remove profile, GC roots, root (mounts below detached first, immutable\n"
	"         flags cleared, no other file system entered), runtime files, conf.\n"
	"start    systemd: `systemctl start container@NAME`. Else `container-supervise NAME`\n"
	"         detached (own session, no fd of ours; PATH, NCBOX_*, SYSTEMD_*, INSTANCE);\n"
	"         returns at READY=1. Failed or --timeout (60 s): all killed and removed.\n"
	"stop     systemd: `systemctl stop container@NAME`. Else SIGTERM to the supervisor,\n"
	"         wait until it exits; after --timeout (90 s) as terminate.\n"
	"restart  stop, then start.\n"
	"terminate  systemd: the leader from `machinectl show NAME -p Leader`, `machinectl\n"
	"         terminate NAME`, then wait until the leader is gone. Else SIGKILL to the\n"
	"         supervisor and the cgroup; then cgroup, veths, ephemeral root removed.\n"
	"status   up, down, or starting while it starts (systemd: ActiveState activating;\n"
	"         else the status of a supervisor that holds its lock); orphaned: processes\n"
	"         left in its cgroup, no supervisor (start, stop and destroy refuse,\n"
	"         terminate kills them); missing conf: gone. --json: {name, status, leader}.\n"
	"update   Rebuild from --config, --config-file, --flake, --system-path or the conf's\n"
	"         FLAKE, as create; if it runs, `reloading container...` and `systemctl reload`,\n"
	"         or without systemd SYSTEM_PATH/bin/switch-to-configuration test in it.\n"
	"login    systemd: `machinectl login -- NAME`; else the container's `login`.\n"
	"root-login  root's login shell in the container, as run starts commands.\n"
	"run      Join the namespaces of the container's init that differ (setns: user,\n"
	"         cgroup, ipc, uts, net, pid, time, mnt, root) and its cgroup (so it cannot\n"
	"         hold teardown up); as `su root -l`: only HOME SHELL USER LOGNAME PATH TERM,\n"
	"         the home dir, root's shell from /etc/passwd (else /bin/sh) as a login shell\n"
	"         running `exec \"$@\"` with COMMAND ARGS as its arguments (never parsed);\n"
	"         with no shell, COMMAND from PATH. Leader: machinectl, else the supervisor's.\n"
	"show-ip  LOCAL_ADDRESS, else LOCAL_ADDRESS6, without prefix.\n"
	"show-host-key  ROOT/etc/ssh/ssh_host_ed25519_key.pub, else the ecdsa one, resolved\n"
	"         inside ROOT as the container would (a symlink never leads to the host's).\n"
	"\n"
	"Passed to nix-env and nix build: --log-format X, --option N V, --impure,\n"
	"--update-input X, --override-input I R, --commit-lock-file, --no-registries,\n"
	"--no-update-lock-file, --no-write-lock-file, --no-allow-dirty, --recreate-lock-file.\n"
	"--signal is ignored, as by the Perl tool.\n"
	"\n"
	"Errors: one line, `nixos-container: COMMAND: NAME: what failed`. Exit: 0 ok, 1 failed,\n"
	"2 usage, 3 bad conf or name, 5 no such container (status prints gone too), 6 create:\n"
	"exists; run: COMMAND's status, 128+signal, 126/127 not executable/found.\n";

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

/* LOCAL_ADDRESS, else LOCAL_ADDRESS6 (with HOST: the HOST_ ones), bare, into BUF. */
static const char *conf_ip(const struct conf *c, int host, char *buf, size_t len)
{
	const char *ip = bare_addr(conf_file_get(c, host ? "HOST_ADDRESS" : "LOCAL_ADDRESS"), AF_UNSPEC, buf, len);

	return ip ? ip : bare_addr(conf_file_get(c, host ? "HOST_ADDRESS6" : "LOCAL_ADDRESS6"), AF_INET6, buf, len);
}

static int cmd_list(void)
{
	static struct conf *parsed; /* kept to the end: freeing each would hand memory back and forth */
	static struct confbuf b;
	struct strv names = { 0 };
	const char **st = NULL;
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
	parsed = xmalloc((names.n + 1) * sizeof(*parsed));
	memset(parsed, 0, (names.n + 1) * sizeof(*parsed));
	for (size_t i = 0; i < names.n; i++) {
		struct conf *c = &parsed[i];
		const char *pn, *as;
		char ip[64], hip[64], conf[4096], err[512];
		int bad = read_conf(dfd, names.v[i], c, &b, err, sizeof(err)) < 0;

		/* a bad conf is marked, and the others are listed all the same */
		if (bad)
			warn_msg("%s", err);
		snprintf(conf, sizeof(conf), "%s/%s.conf", config_dir(), names.v[i]);
		pn = conf_file_get(c, "PRIVATE_NETWORK");
		as = conf_file_get(c, "AUTO_START");
		printf("%s{\"name\":", i ? "," : "");
		print_json_str(names.v[i]);
		printf(",\"status\":\"%s\",", st[i]);
		print_json_opt("ip", conf_ip(c, 0, ip, sizeof(ip)), 0);
		print_json_opt("host_ip", conf_ip(c, 1, hip, sizeof(hip)), 0);
		printf("\"private_network\":%s,\"auto_start\":%s,\"declarative\":%s",
		       pn && !strcmp(pn, "1") ? "true" : "false", as && !strcmp(as, "1") ? "true" : "false",
		       access(conf, W_OK) < 0 ? "true" : "false");
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
	if (present > 0 && access(p.conf, W_OK) < 0)
		die(EXIT_FAIL, "cannot destroy declarative container (remove it from your configuration.nix instead)");
	st = be->status();
	if (!strcmp(st, "orphaned"))
		die(EXIT_FAIL, "processes are left in its cgroup with no supervisor (terminate kills them)");
	if (strcmp(st, "down") && be->terminate())
		die(EXIT_FAIL, "failed to terminate container");
	/* a conf that leads nowhere starts nothing: no lock to take on it */
	if (present > 0)
		lock = lock_conf();
	destroy_journal();
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		char *failed;

		if (remove_tree(gone[i], &failed) < 0)
			die(EXIT_FAIL, "remove %s: %s", msg_esc(failed ? failed : gone[i]), strerror(errno));
	}
	if (unlink(p.conf) < 0)
		die_sys(EXIT_FAIL, "remove", msg_esc(p.conf));
	if (lock >= 0)
		close(lock);
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
	ip = conf_ip(&c, 0, buf, sizeof(buf));
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
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int root = open(p.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = -1;
	char *fn = NULL, *key, proc[32];
	size_t len;

	for (int i = 0; i < 2 && fd < 0; i++) {
		char rel[48];

		snprintf(rel, sizeof(rel), "etc/ssh/ssh_host_%s_key.pub", keys[i]);
		free(fn);
		fn = xasprintf("%s/%s", p.root, rel);
		if (root >= 0)
			fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fd < 0 || !(key = read_file(proc, 1 << 20, &len)))
		die_sys(EXIT_FAIL, "read host key", msg_esc(fn));
	fwrite(key, 1, len, stdout);
	free(key);
	free(fn);
	close(fd);
	if (root >= 0)
		close(root);
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
	if (nc_args_parse(&o, argc, argv, err, sizeof(err)))
		die_usage("%s", err);
	if (o.help) {
		fputs(nixos_container_usage, stdout);
		exit(0);
	}
	be = sd_booted() ? &nc_systemd : &nc_direct;
	/* as the Perl tool, on every run; only create needs them, and says so */
	mkdir_p(config_dir(), 0755, NULL);
	mkdir_p(state_dir(), 0700, NULL);
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
