/* nixos-container and Nix: the per-container profile, flakes, configuration.nix, update.
 * Nix runs by argv: nix-env, nix build. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../../common/proc.h"
#include "../../common/task.h"
#include "nc.h"

/* Append copies of the strings, up to a NULL, to A. */
static void push_all(struct strv *a, ...)
{
	const char *arg;
	va_list ap;

	va_start(ap, a);
	while ((arg = va_arg(ap, const char *)))
		strv_push(a, xstrdup(arg));
	va_end(ap);
}

static void nix_argv_add_flags(struct strv *a)
{
	for (size_t i = 0; i < o.nix.n; i++)
		strv_push(a, xstrdup(o.nix.v[i]));
	for (size_t i = 0; i < o.nix2.n; i++)
		strv_push(a, xstrdup(o.nix2.v[i]));
}

/* Run a Nix command: its exit code; -1 with errno when it could not start. */
static int nix_run(struct strv *a)
{
	int rc = run_wait(a->v, 0);

	strv_free(a);
	return rc;
}

/* The profile links nix-env makes, for a host without nix-env: system-N-link -> PATH with
 * N one more than the newest, then system -> system-N-link. */
static int profile_links(const char *path)
{
	DIR *d = opendir(p.profile);
	struct dirent *de;
	long gen = 0;
	char *link;
	int rc;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long g;

		if (strncmp(de->d_name, "system-", 7))
			continue;
		g = strtol(de->d_name + 7, &end, 10);
		/* the dir is the container's too: a name it planted must not make gen + 1 overflow */
		if (end != de->d_name + 7 && !strcmp(end, "-link") && g > gen && g < INT_MAX)
			gen = g;
	}
	closedir(d);
	link = xasprintf("%s-%ld-link", p.system, gen + 1);
	rc = symlink_atomic(path, link);
	if (rc == 0)
		rc = symlink_atomic(strrchr(link, '/') + 1, p.system);
	free(link);
	return rc;
}

/* nix-env -p PROFILE/system --set PATH; the links ourselves where there is no nix-env. */
int set_system(const char *path)
{
	struct strv a = { 0 };
	char *prog = find_program("nix-env");

	if (!prog)
		return profile_links(path) < 0 ? -1 : 0;
	free(prog);
	push_all(&a, "nix-env", "-p", p.system, "--set", path, NULL);
	return nix_run(&a);
}

/* REF#ATTR into REF and ATTR (default "container"), as the Perl tool splits it. */
static void flake_split(const char *flake, char **ref, char **attr)
{
	const char *h = strrchr(flake, '#');

	if (h && h[1] && !strchr(h + 1, '"')) {
		*ref = xstrndup(flake, (size_t)(h - flake));
		*attr = xstrdup(h + 1);
	} else {
		*ref = xstrdup(flake);
		*attr = xstrdup("container");
	}
}

/* nix build of the flake's system into *PATH (malloc'd): 0, else a message in WHY. The
 * result link goes to a directory of our own, not the profile dir: the container can write
 * there and could swap the link before it is read. */
int build_flake(const char *flake, char **path, char *why, size_t len)
{
	char dir[] = "/tmp/nixos-container.XXXXXX", *ref, *attr, *out;
	struct strv a = { 0 };
	int rc;

	if (!mkdtemp(dir)) {
		snprintf(why, len, "failed to build container from flake '%s' (make %s: %s)", msg_esc(flake),
			 dir, strerror(errno));
		return -1;
	}
	out = xasprintf("%s/result", dir);
	flake_split(flake, &ref, &attr);
	push_all(&a, "nix", "build", "-o", out, NULL);
	nix_argv_add_flags(&a);
	push_all(&a, "--", NULL);
	strv_pushf(&a, "%s#nixosConfigurations.\"%s\".config.system.build.toplevel", ref, attr);
	rc = nix_run(&a);
	if (rc < 0)
		snprintf(why, len, "failed to build container from flake '%s' (run nix: %s)", msg_esc(flake),
			 strerror(errno));
	else if (rc)
		snprintf(why, len,
			 "failed to build container from flake '%s' (nix build exited with status %d)",
			 msg_esc(flake), rc);
	else if (!(*path = realpath(out, NULL)))
		snprintf(why, len, "failed to build container from flake '%s' (no result: %s)",
			 msg_esc(flake), strerror(errno)),
		    rc = -1;
	unlink(out);
	rmdir(dir);
	free(out);
	free(ref);
	free(attr);
	return rc;
}

/* ROOT/etc/nixos, opened without following a symlink: the container owns what is in its
 * root, and a link it planted there must not turn our write (or nix-env's read) onto the
 * host. MAKE: missing directories are made, and with MAKE 2 named to create's journal
 * first. -1 with errno (ELOOP, ENOTDIR: a symlink). */
static int nixos_dir(int make)
{
	int fd = open(p.root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), nfd, e;
	struct stat st;

	for (int i = 0; fd >= 0 && i < 2; i++) {
		const char *part = i ? "nixos" : "etc";

		nfd = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && make) {
			if (make > 1) {
				char *path = xasprintf("%s/etc%s", p.root, i ? "/nixos" : "");

				will_make(path);
				free(path);
			}
			if (mkdirat(fd, part, 0755) == 0 || errno == EEXIST)
				nfd = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		e = errno;
		/* O_DIRECTORY says ENOTDIR for a symlink: it is refused as a symlink */
		if (nfd < 0 && e == ENOTDIR && fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			e = ELOOP;
		close(fd);
		fd = nfd;
		errno = e;
	}
	return fd;
}

#define NSPAWN_UNSET "on 25.11 and newer, containers require boot.isNspawnContainer=true. "

/* Ask the nixpkgs of --nixos-path (else <nixpkgs/nixos>) whether it is 25.11 or newer, as
 * the newest Perl tool asks its own, and with FILE (a copy of the container's, evaluated
 * with RESTRICT_ARGS) whether that configuration sets boot.isNspawnContainer: 'o'
 * older, 'n' newer, 's' set, 'u' unset; 0 when it cannot be asked (no nix-instantiate, no
 * such nixpkgs): the build then says what is wrong. */
static int nixpkgs_ask(const char *file, const struct strv *restrict_args)
{
	static const char expr[] =
	    "{ nixos ? null, file ? null }: let n = if nixos == null then <nixpkgs/nixos> else /. + nixos; "
	    "lib = import (n + \"/../lib\"); in if !(lib.versionAtLeast lib.version \"25.11pre-git\") then "
	    "\"o\" "
	    "else if file == null then \"n\" else if (import n { configuration = /. + file; })"
	    ".config.boot.isNspawnContainer or false then \"s\" else \"u\"";
	struct strv a = { 0 };
	char *abs = NULL, *out;
	int rc, r = 0;

	if (o.nixos_path && !(abs = realpath(o.nixos_path, NULL)))
		return 0;
	push_all(&a, "nix-instantiate", "--eval", "-E", expr, NULL);
	if (abs)
		push_all(&a, "--argstr", "nixos", abs, NULL);
	if (file)
		push_all(&a, "--argstr", "file", file, NULL);
	for (size_t i = 0; restrict_args && i < restrict_args->n; i++)
		strv_push(&a, xstrdup(restrict_args->v[i]));
	rc = run_capture(a.v, &out, 1);
	if (rc == 0 && out[0] == '"' && strchr("onsu", out[1]) && out[1] && out[2] == '"')
		r = out[1];
	strv_free(&a);
	free(abs);
	free(out);
	return r;
}

/* A flake's configuration on nixpkgs 25.11 or newer must set boot.isNspawnContainer. */
static void check_flake(const char *flake)
{
	char *ref, *attr, *out;
	struct strv a = { 0 };
	int rc;

	flake_split(flake, &ref, &attr);
	push_all(&a, "nix", "eval", "--raw", NULL);
	nix_argv_add_flags(&a);
	push_all(&a, "--apply",
		 "c: if !(c.pkgs.lib.versionAtLeast c.pkgs.lib.version \"25.11pre-git\") || "
		 "(c.config.boot.isNspawnContainer or false) then \"ok\" else \"unset\"",
		 "--", NULL);
	strv_pushf(&a, "%s#nixosConfigurations.\"%s\"", ref, attr);
	rc = run_capture(a.v, &out, 1);
	if (rc == 0 && !strcmp(out, "unset"))
		die(EXIT_FAIL, NSPAWN_UNSET "Please set this in %s", msg_esc(flake));
	strv_free(&a);
	free(out);
	free(ref);
	free(attr);
}

/* ROOT/etc/nixos/configuration.nix, as the Perl tool writes it (MAKE: as nixos_dir()):
 * boot.isNspawnContainer on nixpkgs 25.11 and newer, boot.isContainer before. */
int write_nixos_config(int make)
{
	char *extra = xstrdup(""), *text, path[48];
	struct stat st;
	int rc, dfd, e;

	if (o.config && *o.config) {
		free(extra);
		extra = xstrdup(o.config);
	} else if (o.config_file && *o.config_file) {
		char *abs = realpath(o.config_file, NULL);

		if (!abs)
			die_sys(EXIT_FAIL, "resolve --config-file", msg_esc(o.config_file));
		free(extra);
		if (strspn(abs, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/") ==
		    strlen(abs)) {
			extra = xasprintf("imports = [ %s ];", abs);
		} else {
			/* a path literal cannot hold this one: a string appended to / can */
			struct strv q = { 0 };
			char *e = env_value(abs);

			if (*e != '"')
				strv_pushf(&q, "\"%s\"", e);
			else
				strv_push(&q, xstrdup(e));
			extra = xasprintf("imports = [ (/. + %s) ];", q.v[0]);
			strv_free(&q);
			free(e);
		}
		free(abs);
	}
	text = xasprintf("{ config, lib, pkgs, ... }:\n\n"
			 "{ boot.%s = true;\n"
			 "  networking.hostName = lib.mkDefault \"%s\";\n"
			 "  networking.useDHCP = false;\n"
			 "  %s\n"
			 "}\n",
			 nixpkgs_ask(NULL, NULL) == 'n' ? "isNspawnContainer" : "isContainer", o.name, extra);
	if ((dfd = nixos_dir(make)) >= 0 && make > 1 &&
	    fstatat(dfd, "configuration.nix", &st, AT_SYMLINK_NOFOLLOW) < 0)
		will_make(p.nixos_config);
	/* through the directory opened: no symlink on the way is followed */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/configuration.nix", dfd);
	rc = dfd < 0 || write_atomic(path, text, strlen(text), 0644, 0) < 0 ? -1 : 0;
	e = errno;
	if (dfd >= 0)
		close(dfd);
	free(extra);
	free(text);
	errno = e;
	return rc;
}

/* -I DIR, DIR resolved: in restricted mode Nix allows the closure of a store path given,
 * not the store path behind a link to it. */
static void allow(struct strv *a, const char *prefix, const char *dir)
{
	char *r = dir ? realpath(dir, NULL) : NULL;

	if (r) {
		strv_push(a, xstrdup("-I"));
		strv_pushf(a, "%s%s", prefix, r);
	}
	free(r);
}

/* configuration.nix is the container's: a copy of it is evaluated in Nix's restricted
 * mode, with only nixpkgs (where <nixpkgs> is for us), --nixos-path's tree, an admin's
 * --config-file and the copy visible, so that it cannot read host files. */
int build_nixos(char *why, size_t len, int check)
{
	char dir[] = "/tmp/nixos-container.XXXXXX", *text = NULL, *copy = NULL, *out = NULL;
	char *find[] = { "nix-instantiate", "--find-file", "nixpkgs", NULL };
	struct strv r = { 0 }, a = { 0 };
	int dfd = nixos_dir(0), rc = -1;
	size_t n;

	if (dfd >= 0)
		text = read_regular_at(dfd, "configuration.nix", 1 << 20, &n), close(dfd);
	if (!text) {
		snprintf(why, len, "%s: %s", msg_esc(p.nixos_config),
			 errno == EINVAL ? "not a regular file" : nofollow_strerror(errno));
		return -1;
	}
	if (!mkdtemp(dir) ||
	    write_atomic(copy = xasprintf("%s/configuration.nix", dir), text, n, 0600, 1) < 0) {
		snprintf(why, len, "copy %s: %s", msg_esc(p.nixos_config), strerror(errno));
		goto out;
	}
	push_all(&r, "--option", "restrict-eval", "true", "--option", "nix-path", "", NULL);
	if (run_capture(find, &out, 1) == 0) {
		out[strcspn(out, "\n")] = 0;
		allow(&r, "nixpkgs=", out);
	}
	if (o.nixos_path) {
		char *up = xasprintf("%s/..", o.nixos_path);

		allow(&r, "", up);
		free(up);
	}
	if (o.config_file && *o.config_file)
		allow(&r, "", o.config_file);
	strv_push(&r, xstrdup("-I"));
	strv_pushf(&r, "nixos-config=%s", copy);
	setenv("NIX_PATH", "", 1); /* an empty search path, as nix-path, in any Nix */
	if (check && nixpkgs_ask(copy, &r) == 'u') {
		rc = 2;
		goto out;
	}
	push_all(&a, "nix-env", "-p", p.system, NULL);
	for (size_t i = 0; i < r.n; i++)
		strv_push(&a, xstrdup(r.v[i]));
	push_all(&a, "-f", o.nixos_path ? o.nixos_path : "<nixpkgs/nixos>", "--set", "-A", "system", NULL);
	nix_argv_add_flags(&a);
	if ((rc = nix_run(&a)))
		snprintf(why, len, "%s", rc < 0 ? strerror(errno) : "nix-env failed");
out:
	if (copy)
		unlink(copy);
	rmdir(dir);
	strv_free(&r);
	free(copy);
	free(text);
	free(out);
	return rc;
}

int cmd_update(void)
{
	struct conf c = { 0 };
	char *sys = NULL, *flake = NULL, why[512];
	int rc;

	if (nc_system_check(&o, why, sizeof(why)))
		die_usage("%s", why);
	conf_load(&c, o.name);
	if (o.flake)
		flake = xstrdup(o.flake);
	else if (!o.config && !o.config_file && !o.system_path && conf_file_get(&c, "FLAKE") &&
		 *conf_file_get(&c, "FLAKE"))
		flake = xstrdup(conf_file_get(&c, "FLAKE"));
	if (profile_linked() || mkdir_p(p.profile, 0755) < 0)
		die(EXIT_FAIL, "make: %s: %s", msg_esc(p.profile), nofollow_strerror(errno));
	if (flake || o.system_path) {
		if (flake)
			check_flake(flake);
		if (flake && build_flake(flake, &sys, why, sizeof(why)))
			die(EXIT_FAIL, "%s", why);
		if ((rc = set_system(sys ? sys : o.system_path)))
			die(EXIT_FAIL, "failed to set container configuration (%s)",
			    rc < 0 ? nofollow_strerror(errno) : "nix-env failed");
	} else {
		if ((o.config && *o.config) || (o.config_file && *o.config_file))
			if (write_nixos_config(1) < 0)
				die(EXIT_FAIL, "write: %s: %s", msg_esc(p.nixos_config),
				    nofollow_strerror(errno));
		if ((rc = build_nixos(why, sizeof(why), 1)) == 2)
			die(EXIT_FAIL,
			    NSPAWN_UNSET "Refresh your configuration (or check the 25.11 release notes on "
					 "how to correctly do that)");
		if (rc)
			die(EXIT_FAIL, "failed to build container configuration (%s)", why);
	}
	if (!strcmp(be->status(), "up")) {
		fprintf(stderr, "reloading container...\n");
		be->reload(&c);
	}
	free(sys);
	free(flake);
	conf_free(&c);
	return 0;
}
