/* Files that must never be seen half-written, directories made and removed with care, and
 * paths opened without following a symlink a container (or a user) planted. */
#ifndef FSUTIL_H
#define FSUTIL_H

#include <sys/types.h>

/* P is D or below it (as strings: no path is resolved). */
int path_under(const char *p, const char *d);

/* mkdir -p PATH, MODE for each directory it makes (umask applies). 0, or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);

/* Write DATA (LEN bytes) to PATH atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. With NOREPLACE an existing PATH is an error (EEXIST) and is left
 * alone. 0, or -1 with errno; on failure nothing of the new file is left behind. */
int write_atomic(const char *path, const char *data, size_t len, mode_t mode, int noreplace);

/* Make PATH a symlink to TARGET, replacing what is there in one rename. */
int symlink_atomic(const char *target, const char *path);

/* rm -rf PATH on its own file system only: every mount at PATH and below is detached first
 * (what a bind mount showed stays where it came from), immutable and append-only flags in
 * the way are cleared,
 * symlinks are removed, never followed. A missing PATH is fine. 0, or -1 with errno and
 * the first path that stayed in *FAILED (malloc'd; may be NULL). */
int remove_tree(const char *path, char **failed);

/* Read all of PATH (at most MAX bytes) into a NUL-terminated buffer; its length in *LEN
 * (may be NULL). NULL with errno on failure (EFBIG when larger than MAX). */
char *read_file(const char *path, size_t max, size_t *len);
/* The same for an open FD, which is closed (a negative FD: NULL, errno as it is). */
char *read_fd(int fd, size_t max, size_t *len);
/* The same for NAME in directory DFD, only a regular file and never through a symlink
 * (ELOOP), so that a FIFO or device planted there cannot hang or flood the reader (EINVAL). */
char *read_regular_at(int dfd, const char *name, size_t max, size_t *len);

/* The mount table, from /proc/self/mountinfo: mount point, root within its file system,
 * file system type and super options, escapes undone. Their count; an unreadable table
 * reads as empty. */
struct mountent {
	char *dir, *root, *fstype, *super;
};
size_t mounts_read(struct mountent **out);
void mounts_free(struct mountent *m, size_t n);

/* The reason to print for ERR from an open that follows no symlink: ELOOP there means one
 * was met and refused, "a symlink, not followed", not a loop; else strerror(ERR). */
const char *nofollow_strerror(int err);

/* Open PATH as a process chrooted into ROOT would: symlinks followed, each resolved inside
 * ROOT, ".." never above it, no /proc magic link (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
 * ROOT itself must not be a symlink. FLAGS as open()'s, O_CLOEXEC added. -1 with
 * errno (ENOSYS or EPERM: openat2 is missing or forbidden here). */
int open_in_root(const char *root, const char *path, int flags);

/* Make directory REL under AT (AT_FDCWD for a plain path), with missing parents (0755) as
 * `mkdir -p` makes them, and return it open (O_DIRECTORY). MODE is set exactly on the
 * directory made, and with MD_CHMOD also on one that was there. No symlink in REL is
 * followed (a symlink a container planted never turns a mkdir or chmod onto the host),
 * unless MD_FOLLOW (all are) or MD_FOLLOW_PARENTS (all but one at REL itself). Dies with
 * EXIT_FAIL naming BASE/REL up to the part that failed (BASE "": REL alone). */
enum { MD_CHMOD = 1, MD_FOLLOW = 2, MD_FOLLOW_PARENTS = 4 };
int make_dir(int at, const char *base, const char *rel, mode_t mode, int flags);

/* An empty file NAME (0644) in directory DIR unless something, even a dangling symlink, is
 * there; nothing is followed. Dies with EXIT_FAIL naming DIRPATH/NAME. */
void touch_absent(int dir, const char *dirpath, const char *name);

#endif
