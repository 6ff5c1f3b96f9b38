/* Atomic writes, mkdir -p, directories made and files opened without following a symlink,
 * and rm -rf that stays on its file system and unmounts first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "ncbox.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

int path_under(const char *p, const char *d)
{
	size_t n = strlen(d);

	return !strncmp(p, d, n) && (!p[n] || p[n] == '/');
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int rc = 0;

	/* the usual case first: the parent is there */
	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST) {
		struct stat st;

		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			return errno = ENOTDIR, -1;
		return 0;
	}
	for (s = p = xstrdup(path);;) {
		while (*s == '/')
			s++;
		s += strcspn(s, "/");
		char c = *s;

		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		} else if (!c) {
			struct stat st;

			if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				rc = -1;
			}
			break;
		}
		*s = c;
	}
	free(p);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir =
	    slash ? (slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path))) : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	free(dir);
	if (fd < 0 || fsync(fd) < 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* A temporary name beside PATH: hidden, and not ending in PATH's suffix. */
static int make_temp(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	*tmp = xasprintf("%.*s.%s.XXXXXX", dirlen, path, path + dirlen);
	return mkostemp(*tmp, O_CLOEXEC);
}

static int rename_noreplace(const char *from, const char *to)
{
	if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link() refuses an existing target too */
	if (link(from, to) < 0)
		return -1;
	unlink(from);
	return 0;
}

int write_atomic(const char *path, const char *data, size_t len, mode_t mode, int noreplace)
{
	const char *slash = strrchr(path, '/');
	char *tmp = NULL,
	     *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	/* a new file without a name, linked in once complete: a kill leaves nothing behind */
	int fd = noreplace ? open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600) : -1, e;
	size_t off = 0;

	free(dir);
	if (fd < 0 && (fd = make_temp(path, &tmp)) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (!tmp) {
		char proc[32];

		/* linkat() refuses an existing PATH, as RENAME_NOREPLACE does */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
			goto fail;
	} else if ((noreplace ? rename_noreplace(tmp, path) : rename(tmp, path)) < 0) {
		goto fail;
	}
	/* written and synced: a late close error changes nothing */
	close(fd);
	free(tmp);
	/* the file is complete either way; a failed directory fsync only weakens durability */
	fsync_dir_of(path);
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}

int symlink_atomic(const char *target, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0, e;

	for (int i = 0; i < 100; i++) {
		char *tmp = xasprintf("%.*s.%s.%d.%d", dirlen, path, path + dirlen, (int)getpid(), i);

		if (symlink(target, tmp) < 0) {
			e = errno;
			free(tmp);
			if (e == EEXIST)
				continue;
			errno = e;
			return -1;
		}
		if (rename(tmp, path) < 0) {
			e = errno;
			unlink(tmp);
			free(tmp);
			errno = e;
			return -1;
		}
		free(tmp);
		return 0;
	}
	errno = EEXIST;
	return -1;
}

/* Clear the immutable and append-only flags of FD; 0 if any was set and is now clear. */
static int clear_flags(int fd)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || !(flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)))
		return -1;
	flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
	return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

struct rm {
	dev_t dev;
	char *failed;
	int err;
	char path[PATH_MAX];
};

static void rm_fail(struct rm *r, int err)
{
	if (!r->failed) {
		r->failed = xstrdup(r->path);
		r->err = err;
	}
}

static void rm_dir_contents(struct rm *r, int dfd);

/* Remove NAME in directory DFD (whose path is r->path); r->path is extended meanwhile. */
static void rm_entry(struct rm *r, int dfd, const char *name, int isdir)
{
	size_t plen = strlen(r->path);

	if (plen + 1 + strlen(name) >= sizeof(r->path)) {
		rm_fail(r, ENAMETOOLONG);
		return;
	}
	r->path[plen] = '/';
	strcpy(r->path + plen + 1, name);
	if (isdir) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;

		if (fd < 0) {
			if (errno != ENOENT)
				rm_fail(r, errno);
			goto out;
		}
		if (fstat(fd, &st) < 0 || st.st_dev != r->dev) {
			/* another file system that could not be unmounted: leave it */
			rm_fail(r, EXDEV);
			close(fd);
			goto out;
		}
		rm_dir_contents(r, fd);
		close(fd);
	}
	for (int tries = 0; unlinkat(dfd, name, isdir ? AT_REMOVEDIR : 0) < 0; tries++) {
		int e = errno, fd, cleared;

		if (e == ENOENT)
			break;
		if (tries || (e != EPERM && e != EACCES)) {
			rm_fail(r, e);
			break;
		}
		/* chattr -i, on the entry and on the directory it is in */
		cleared = clear_flags(dfd) == 0;
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0) {
			cleared |= clear_flags(fd) == 0;
			close(fd);
		}
		if (!cleared) {
			rm_fail(r, e);
			break;
		}
	}
out:
	r->path[plen] = 0;
}

static void rm_dir_contents(struct rm *r, int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		rm_fail(r, errno);
		return;
	}
	while ((de = readdir(d))) {
		int isdir = de->d_type == DT_DIR;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			isdir = S_ISDIR(st.st_mode);
		}
		rm_entry(r, dfd, de->d_name, isdir);
	}
	closedir(d);
}

/* Undo mountinfo's \ooo escapes (of spaces, tabs, newlines, backslashes) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

size_t mounts_read(struct mountent **out)
{
	char *info = read_file("/proc/self/mountinfo", 64 << 20, NULL), *line, *save = NULL;
	struct mountent *m = NULL;
	size_t n = 0;

	for (line = info ? strtok_r(info, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		/* ID PARENT MAJ:MIN ROOT DIR OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		char *f[5], *sep = strstr(line, " - "), *p = line, *fstype, *src, *super;
		int i;

		if (!sep)
			continue;
		*sep = 0;
		for (i = 0; i < 5 && p; i++) {
			f[i] = p;
			if ((p = strchr(p, ' ')))
				*p++ = 0;
		}
		fstype = sep + 3;
		if (i < 5 || !(src = strchr(fstype, ' ')) || !(super = strchr(src + 1, ' ')))
			continue;
		*src = *super++ = 0;
		unescape(f[3]);
		unescape(f[4]);
		m = xrealloc(m, (n + 1) * sizeof(*m));
		m[n++] = (struct mountent){ xstrdup(f[4]), xstrdup(f[3]), xstrdup(fstype), xstrdup(super) };
	}
	free(info);
	*out = m;
	return n;
}

void mounts_free(struct mountent *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].dir);
		free(m[i].root);
		free(m[i].fstype);
		free(m[i].super);
	}
	free(m);
}

/* Mount points at DIR and below it, deepest first. */
static void mounts_below(const char *dir, struct strv *out)
{
	struct mountent *m;
	size_t n = mounts_read(&m), dlen = strlen(dir);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(m[i].dir, dir, dlen) && (m[i].dir[dlen] == '/' || !m[i].dir[dlen]))
			strv_push(out, xstrdup(m[i].dir));
	mounts_free(m, n);
	/* deepest first: a longer path is never the parent of a shorter one */
	for (size_t i = 1; i < out->n; i++)
		for (size_t j = i; j > 0 && strlen(out->v[j]) > strlen(out->v[j - 1]); j--) {
			char *t = out->v[j];

			out->v[j] = out->v[j - 1];
			out->v[j - 1] = t;
		}
}

int remove_tree(const char *path, char **failed)
{
	struct rm r = { 0 };
	struct stat st;
	char *real;
	int fd;

	if (failed)
		*failed = NULL;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		goto fail_top;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == 0 || errno == ENOENT)
			return 0;
		goto fail_top;
	}
	if (strlen(path) >= sizeof(r.path)) {
		errno = ENAMETOOLONG;
		goto fail_top;
	}
	if ((real = realpath(path, NULL))) {
		for (int round = 0; round < 8; round++) {
			struct strv m = { 0 };

			mounts_below(real, &m);
			for (size_t i = 0; i < m.n; i++)
				umount2(m.v[i], MNT_DETACH | UMOUNT_NOFOLLOW);
			round = m.n ? round : 8;
			strv_free(&m);
		}
		free(real);
	}
	strcpy(r.path, path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rm_fail(&r, errno);
	} else {
		fstat(fd, &st);
		r.dev = st.st_dev;
		rm_dir_contents(&r, fd);
		close(fd);
		if (rmdir(path) < 0 && errno != ENOENT)
			rm_fail(&r, errno);
	}
	if (!r.failed)
		return 0;
	if (failed)
		*failed = r.failed;
	else
		free(r.failed);
	errno = r.err;
	return -1;
fail_top:
	if (failed)
		*failed = xstrdup(path);
	return -1;
}

char *read_fd(int fd, size_t max, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf;
	ssize_t n;
	int e;

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				e = EFBIG;
				goto fail;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			goto fail;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
fail:
	close(fd);
	free(buf);
	errno = e;
	return NULL;
}

const char *nofollow_strerror(int err)
{
	return err == ELOOP ? "a symlink, not followed" : strerror(err);
}

/* Open directory REL under directory AT, all of it there already, through no symlink and
 * never above AT (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH). -1 with errno (ELOOP: a symlink
 * was met; ENOSYS: a kernel without openat2). */
static int open_beneath(int at, const char *rel)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };

	return (int)syscall(SYS_openat2, at, rel, &how, sizeof(how));
}

int open_in_root(const char *root, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd, err;

	if (rootfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	err = errno;
	close(rootfd);
	errno = err;
	return fd;
}

/* Die on STEP of BASE/REL (its first N bytes), with ERR or DETAIL. */
static noreturn void die_path(const char *step, const char *base, const char *rel, int n, int err,
			      const char *detail)
{
	char *show = xasprintf("%s%s%.*s", base, *base ? "/" : "", n, rel);
	const char *e = msg_esc(show);

	free(show);
	die_err(EXIT_FAIL, step, e, err, detail);
}

int make_dir(int at, const char *base, const char *rel, mode_t mode, int flags)
{
	int follow = flags & MD_FOLLOW,
	    oflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
	char *p, *c, *next;
	int fd, err, link = 0;
	struct stat st;

	/* A restart finds it all there: one open, no walk. */
	fd = flags & (MD_FOLLOW | MD_FOLLOW_PARENTS) ? openat(at, rel, oflags) : open_beneath(at, rel);
	if (fd >= 0) {
		if (flags & MD_CHMOD && fchmod(fd, mode) < 0)
			die_path("set mode", base, rel, INT_MAX, errno, NULL);
		return fd;
	}
	p = c = xstrdup(rel);
	fd = at == AT_FDCWD ? open(*rel == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC) : dup(at);
	if (fd < 0)
		goto fail;
	for (; c; c = next) {
		int made = 0, nfd, last, lflags;
		mode_t m;

		if ((next = strchr(c, '/')))
			*next++ = 0;
		last = !next || !next[strspn(next, "/")];
		if (!*c)
			continue;
		m = last ? mode : 0755;
		lflags = oflags & ~(flags & MD_FOLLOW_PARENTS && !last ? O_NOFOLLOW : 0);
		nfd = openat(fd, c, lflags);
		if (nfd < 0 && errno == ENOENT) {
			made = mkdirat(fd, c, m) == 0;
			if (!made && errno != EEXIST)
				goto fail;
			nfd = openat(fd, c, lflags);
		}
		if (nfd < 0)
			goto fail;
		close(fd);
		fd = nfd;
		if ((made || (last && flags & MD_CHMOD)) && fchmod(fd, m) < 0)
			goto fail;
		if (last)
			break;
	}
	free(p);
	return fd;
fail:
	err = errno;
	/* O_NOFOLLOW | O_DIRECTORY on a symlink fails with ENOTDIR: look */
	if (!follow && fd >= 0 && (err == ELOOP || err == ENOTDIR))
		link = fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
	{
		int n = (int)(c - p + strlen(c));

		free(p);
		die_path("make directory", base, rel, n, 0, nofollow_strerror(link ? ELOOP : err));
	}
}

void touch_absent(int dir, const char *dirpath, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		die_path("make file", dirpath, name, INT_MAX, errno, NULL);
	if (fd >= 0)
		close(fd);
}

char *read_file(const char *path, size_t max, size_t *lenp)
{
	return read_fd(open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), max, lenp);
}

char *read_regular_at(int dfd, const char *name, size_t max, size_t *lenp)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return errno = EINVAL, NULL;
	}
	return read_fd(fd, max, lenp);
}
