/* Files that must never be seen half-written, directories made and removed with care. */
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

/* The mount table, from /proc/self/mountinfo: mount point, root within its file system,
 * file system type and super options, escapes undone. Their count; an unreadable table
 * reads as empty. */
struct mountent {
	char *dir, *root, *fstype, *super;
};
size_t mounts_read(struct mountent **out);
void mounts_free(struct mountent *m, size_t n);

#endif
