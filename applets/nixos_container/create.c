/* nixos-container create: the name, the addresses (the first free pair, or the given ones
 * checked against every conf), the conf written last. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "nc.h"

/* The IPv4 ranges the confs use: [lo, hi], with the conf's name. */
struct used {
	uint32_t lo, hi;
	const char *conf;
};
static struct used *used;
static size_t n_used;

static void use(const struct ipaddr *a, const char *conf)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const unsigned char *b = a->bytes;
	int prefix = a->prefix;
	uint32_t v, mask;

	if (a->family == AF_INET6) {
		if (memcmp(b, mapped, 12))
			return;
		b += 12;
		prefix = prefix < 0 ? -1 : prefix < 96 ? 0 : prefix - 96;
	} else if (a->family != AF_INET) {
		return;
	}
	v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	mask = prefix < 0 || prefix >= 32 ? 0xffffffffu : prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
	/* doubled at each power of two: a realloc per address copied them a thousand times */
	if (!(n_used & (n_used - 1)))
		used = xrealloc(used, (n_used ? 2 * n_used : 1) * sizeof(*used));
	used[n_used++] = (struct used){ v & mask, v | ~mask, conf };
}

static void use_value(const char *val, const char *conf)
{
	struct ipaddr a;
	const char *why;

	if (val && *val && addr_parse(val, AF_UNSPEC, &a, &why) == 0)
		use(&a, conf);
}

/* Every address in every conf. One buffer and openat() for all, and no parser for what
 * create writes: with a thousand confs this is most of create's time. */
static struct strv confs;

static void read_used(void)
{
	static const char *const keys[] = { "HOST_ADDRESS", "LOCAL_ADDRESS", "HOST_ADDRESS6",
					    "LOCAL_ADDRESS6", "EXTRA_VETHS" };
	int dfd = open(config_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	static struct confbuf b; /* reachable when a check exits */
	const char *v[5];
	char err[512];

	conf_names(&confs);
	for (size_t i = 0; i < confs.n; i++) {
		const char *name = confs.v[i];
		struct veth *vv;
		size_t nv;

		/* one bad conf must not stop every create: what can be read of it counts */
		if (read_conf(dfd, name, keys, 5, v, &b, err, sizeof(err)) < 0)
			warn_msg("%s (its addresses that can be read count as used)", err);
		for (size_t k = 0; k < 4; k++)
			use_value(v[k], name);
		if (v[4] && veths_parse(v[4], &vv, &nv, err, sizeof(err)) == 0) {
			for (size_t k = 0; k < nv; k++) {
				use(&vv[k].host4, name);
				use(&vv[k].local4, name);
				use(&vv[k].host6, name);
				use(&vv[k].local6, name);
			}
			veths_free(vv, nv);
		}
	}
	free(b.buf);
	conf_free(&b.c);
	b.buf = NULL;
	if (dfd >= 0)
		close(dfd);
}

/* The conf that uses an address in [LO, HI], or NULL. */
static const char *user_of(uint32_t lo, uint32_t hi)
{
	for (size_t i = 0; i < n_used; i++)
		if (used[i].lo <= hi && lo <= used[i].hi)
			return used[i].conf;
	return NULL;
}

/* The user's --host-address/--local-address value VAL checked, as an IPv4 address: one
 * that makes sense, and whose subnet (with a prefix) no conf uses either. */
static uint32_t check_given(const char *opt, const char *val)
{
	struct ipaddr a;
	const char *why, *by;
	uint32_t v, mask;

	if (addr_parse(val, AF_INET, &a, &why) < 0 || addr_usable(&a, &why) < 0)
		die_usage("--%s '%s': %s", opt, msg_esc(val), why);
	v = (uint32_t)a.bytes[0] << 24 | (uint32_t)a.bytes[1] << 16 | (uint32_t)a.bytes[2] << 8 | a.bytes[3];
	mask = a.prefix < 0 || a.prefix >= 32 ? 0xffffffffu : 0xffffffffu << (32 - a.prefix);
	if ((by = user_of(v & mask, v | ~mask)))
		die(EXIT_FAIL, "address %s is in use by container '%s'", msg_esc(val), msg_esc(by));
	return v;
}

/* Out of addresses: say which confs took them (the first three). */
static noreturn void out_of_addresses(void)
{
	char list[600] = "";
	size_t len = 0;
	int n = 0;

	for (uint32_t h = 0x0ae90101u; h < 0x0ae9ff01u; h += 256) {
		const char *u = user_of(h, h + 1);
		char q[200];

		snprintf(q, sizeof(q), "'%s'", msg_esc(u));
		if (strstr(list, q))
			continue;
		if (n++ == 3) {
			snprintf(list + len, sizeof(list) - len, " and more");
			break;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", n > 1 ? ", " : "", q);
	}
	die(EXIT_FAIL, "out of IP addresses (in use by %s)", list);
}

static int kernel_has_altnames(void)
{
	struct utsname u;
	char *end;
	long maj, min;

	if (uname(&u) < 0)
		return 0;
	maj = strtol(u.release, &end, 10);
	min = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
	return maj > 5 || (maj == 5 && min >= 8);
}

static void check_name_for_create(const char *name)
{
	const char *why;

	if (machine_name_check(name, &why) < 0)
		die(EXIT_CONFIG, "container name '%s': %s", msg_esc(name), why);
	if (strlen(name) > 11 && !kernel_has_altnames())
		die(EXIT_CONFIG,
		    "container name '%s' is too long (over 11 characters needs interface altnames, "
		    "Linux 5.8 or later)",
		    msg_esc(name));
}

int cmd_create(void)
{
	static char *name, *conf; /* reachable when a check below exits */
	char *sys = NULL, why[1024], host[64] = "", local[64] = "";
	int lock, nr = 0;
	struct stat st;

	name = xstrdup(o.name);

	/* everything given is checked before anything is made */
	if (nc_create_check(&o, why, sizeof(why)))
		die_usage("%s", why);
	if (o.system_path && stat(o.system_path, &st) < 0)
		die_sys(EXIT_FAIL, "system path", msg_esc(o.system_path));
	if (o.config_file && stat(o.config_file, &st) < 0)
		die_sys(EXIT_FAIL, "config file", msg_esc(o.config_file));

	if (mkdir_p(config_dir(), 0755) < 0)
		die_sys(EXIT_FAIL, "make config dir", msg_esc(config_dir()));
	if (mkdir_p(state_dir(), 0700) < 0)
		die_sys(EXIT_FAIL, "make state dir", msg_esc(state_dir()));
	lock = create_lock();
	journals(use_value);
	for (;;) {
		ct_paths_set(&p, name);
		if (!o.ensure_unique || (!exists(p.conf) && !exists(p.root) && !exists(p.journal)))
			break;
		free(name);
		name = xasprintf("%s-%d", o.name, nr++);
		if (strlen(name) > NAME_MAX_LEN)
			die(EXIT_CONFIG, "no unique name left below %d bytes", NAME_MAX_LEN);
	}
	set_name(name);
	if (exists(p.conf) || exists(p.journal))
		die(EXIT_EXISTS, "container '%s' already exists", name);
	check_name_for_create(name);

	if (!o.host_network) {
		read_used();
		if (o.host_address) {
			if (check_given("host-address", o.host_address) ==
			    check_given("local-address", o.local_address))
				die_usage("--host-address and --local-address are the same address");
			snprintf(host, sizeof(host), "%s", o.host_address);
			snprintf(local, sizeof(local), "%s", o.local_address);
		} else {
			for (int n = 1; n < 255 && !*host; n++) {
				uint32_t h = 0x0ae90001u | (uint32_t)n << 8;

				if (!user_of(h, h) && !user_of(h + 1, h + 1)) {
					snprintf(host, sizeof(host), "10.233.%d.1", n);
					snprintf(local, sizeof(local), "10.233.%d.2", n);
				}
			}
			if (!*host)
				out_of_addresses();
		}
	}
	conf = nc_conf_text(&o, host, local);
	journal_begin(conf);
	close(lock);
	if (*host)
		fprintf(stderr, "host IP is %s, container IP is %s\n", host, local);
	else
		fprintf(stderr, "using host network\n");

	/* the per-container directory is 0700: host users must not reach into the guest's; it
	 * is shared, and stays */
	{
		char *per = xasprintf("%s/profiles/per-container", nix_state_dir());

		if (mkdir_p(per, 0700) < 0)
			create_failed("make %s: %s", msg_esc(per), strerror(errno));
		free(per);
	}
	mkdir_made(p.profile, 0755);
	if (profile_linked())
		create_failed("make %s: not a directory of its own (a symlink is not followed)",
			      msg_esc(p.profile));
	if (o.flake && build_flake(o.flake, &sys, why, sizeof(why)))
		create_failed("%s", why);
	if (sys || o.system_path) {
		int rc = set_system(sys ? sys : o.system_path);

		if (rc)
			create_failed("failed to set initial container configuration (%s)",
				      rc < 0 ? nofollow_strerror(errno) : "nix-env failed");
	} else {
		char why[512];

		if (!exists(p.root)) {
			will_make(p.root);
			if (mkdir(p.root, 0755) < 0)
				create_failed("make %s: %s", msg_esc(p.root), strerror(errno));
		}
		if (write_nixos_config(2) < 0)
			create_failed("write %s: %s", msg_esc(p.nixos_config), nofollow_strerror(errno));
		if (build_nixos(why, sizeof(why), 0))
			create_failed("failed to build initial container configuration (%s)", why);
	}
	/* the commit: the conf, then no journal */
	if (write_atomic(p.conf, conf, strlen(conf), 0644, 1) < 0)
		create_failed("write %s: %s", msg_esc(p.conf), strerror(errno));
	journal_end();
	free(conf);
	free(sys);
	if (o.ensure_unique)
		printf("%s\n", name);
	return 0;
}
