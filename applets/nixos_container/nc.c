/* nixos-container: the command line, the container's paths, the backend chosen once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

	return lstat(p.profile, &st) == 0 && !S_ISDIR(st.st_mode) &&
	       (errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR);
}

int conf_present(void)
{
	struct stat st;

	if (stat(p.conf, &st) == 0)
		return 1;
	if (errno != ENOENT)
		die_sys(EXIT_FAIL, "read", msg_esc(p.conf));
	return lstat(p.conf, &st) == 0 ? -1 : 0;
}

/* Hold the container's conf locked (start, stop, destroy one at a time); dies when the
 * conf went away meanwhile. */
static int held = -1, depth; /* the lock taken, and how often (destroy stops under it) */

int lock_conf(void)
{
	int fd;
	struct stat a, b;

	if (held >= 0)
		return depth++, held;
	fd = open(p.conf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

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
	depth = 1;
	return held = fd;
}

void unlock_conf(int fd)
{
	if (fd == held && --depth > 0)
		return;
	if (fd == held)
		held = -1;
	close(fd);
}

void need_conf(void)
{
	int r = conf_present();

	if (r < 0)
		die(EXIT_CONFIG, "%s: symlink that leads nowhere (destroy removes it)", msg_esc(p.conf));
	if (!r)
		die(EXIT_NOCONTAINER, "container '%s' does not exist", o.name);
}

static int is_podman_conf(const char *dir, const char *stem)
{
	const char *base = strrchr(dir, '/');

	return !strcmp(base ? base + 1 : dir, "containers") &&
	       (!strcmp(stem, "libpod") || !strcmp(stem, "containers") || !strcmp(stem, "registries"));
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
	strv_sort(out);
}

int read_conf(int dfd, const char *name, const char *const *keys, size_t n, const char **vals,
	      struct confbuf *b, char *err, size_t errlen)
{
	char file[256], path[4096]; /* a d_name and ".conf" */
	size_t len = 0, vlen[8];
	struct stat st;
	ssize_t r = 0;
	int fd, rc = 0;

	conf_free(&b->c);
	for (size_t k = 0; k < n; k++)
		vals[k] = NULL;
	snprintf(file, sizeof(file), "%s.conf", name);
	/* first without following: whether it is a symlink comes for free */
	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if ((b->link = fd < 0 && errno == ELOOP))
		fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/%s", config_dir(), file);
		if (errno != ENOENT)
			return msgf(err, errlen, "read %s: %s", msg_esc(path), strerror(errno)), -1;
		if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return msgf(err, errlen, "%s: symlink that leads nowhere", msg_esc(path)), -1;
		return 0; /* gone meanwhile */
	}
	/* a short read of a regular file is its end */
	for (;;) {
		if (len == b->cap)
			b->buf = xrealloc(b->buf, b->cap = b->cap ? b->cap * 2 : 65536);
		if ((r = read(fd, b->buf + len, b->cap - len)) < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len < b->cap || len > CONF_MAX_SIZE)
			break;
	}
	close(fd);
	if (r < 0) {
		snprintf(path, sizeof(path), "%s/%s", config_dir(), file);
		return msgf(err, errlen, "read %s: %s", msg_esc(path), strerror(errno)), -1;
	}
	/* what create writes needs no parser: a thousand confs are read in a blink */
	if (envfile_scan(b->buf, len, keys, n, vals, vlen) == 0) {
		for (size_t k = 0; k < n; k++)
			if (vals[k])
				b->buf[vals[k] - b->buf + vlen[k]] = 0;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", config_dir(), file);
	if (envfile_parse(&b->c, path, b->buf, len, err, errlen) < 0) {
		/* the lines that are env file lines still count */
		for (size_t i = 0, e; i < len; i = e + 1) {
			char skip[8];

			for (e = i; e < len && b->buf[e] != '\n'; e++)
				;
			envfile_parse(&b->c, path, b->buf + i, e - i, skip, sizeof(skip));
		}
		rc = -1;
	}
	for (size_t k = 0; k < n; k++)
		vals[k] = conf_file_get(&b->c, keys[k]);
	return rc;
}

static int in_store(const char *path)
{
	char *real = realpath(path, NULL);
	int r = real && !strncmp(real, "/nix/store/", 11);

	free(real);
	return r;
}

int conf_declarative(const char *name, int link)
{
	static int dir_in_store = -1;
	char *path = xasprintf("%s/%s.conf", config_dir(), name);
	struct stat st;
	int r;

	/* a file that is no symlink is where the dir is */
	if (link < 0)
		link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
	if (link)
		r = in_store(path);
	else
		r = dir_in_store < 0 ? (dir_in_store = in_store(config_dir())) : dir_in_store;
	free(path);
	return r;
}
