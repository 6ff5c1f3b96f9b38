/* nixos-container: the command line, the container's paths, the backend chosen once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nc.h"

struct nc_args o = { .timeout_ms = -1 };
struct ct_paths p;
const struct backend *be;

void set_name(const char *name)
{
	o.name = name;
	ct_paths_set(&p, name);
	err_context("%s: %s", o.cmd->name, msg_esc(name));
}

int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The profile dir is a directory of its own, not a symlink: nix-env writes into it, and
 * container-start binds it into the container read-write. */
int profile_linked(void)
{
	struct stat st;

	return lstat(p.profile, &st) == 0 && !S_ISDIR(st.st_mode) && (errno = ELOOP);
}

int conf_present(void)
{
	struct stat st;

	if (stat(p.conf, &st) == 0)
		return 1;
	if (errno != ENOENT)
		die_sys(EXIT_FAIL, "read", msg_esc(p.conf));
	return 0;
}

/* Hold the container's conf locked (start, stop, destroy one at a time); dies when the
 * conf went away meanwhile. */
int lock_conf(void)
{
	int fd = open(p.conf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat a, b;

	if (fd < 0) {
		if (errno == ENOENT)
			die(EXIT_NOCONTAINER, "container '%s' does not exist", o.name);
		die_sys(EXIT_FAIL, "lock", msg_esc(p.conf));
	}
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			die_sys(EXIT_FAIL, "lock", msg_esc(p.conf));
	if (fstat(fd, &a) < 0 || stat(p.conf, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		die(EXIT_NOCONTAINER, "container '%s' does not exist", o.name);
	return fd;
}

static int is_podman_conf(const char *dir, const char *stem)
{
	const char *base = strrchr(dir, '/');

	return !strcmp(base ? base + 1 : dir, "containers") &&
	       (!strcmp(stem, "libpod") || !strcmp(stem, "containers") || !strcmp(stem, "registries"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void conf_names(struct strv *out)
{
	const char *dir = config_dir();
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return;
		die_sys(EXIT_FAIL, "read config dir", msg_esc(dir));
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".conf"))
			continue;
		de->d_name[n - 5] = 0;
		if (!is_podman_conf(dir, de->d_name))
			strv_push(out, xstrdup(de->d_name));
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}
