/* create's journal: what create makes, named before it is made, rolled back by the next
 * create or destroy when create died. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "nc.h"

#define LOCK_PATH "/run/lock/nixos-container"

/* What create made, to be removed again when it fails, newest last; and its journal,
 * CONF_DIR/.NAME.creating: created and locked (flock) under the create lock, it holds the
 * conf to be (so that its addresses count for other creates) and, before each is made, a
 * MADE_N line naming what create makes. The conf is written last, then the journal goes:
 * a create killed at any point leaves either a whole container, or a journal nobody holds
 * that the next create or destroy finds and rolls back. */
static struct strv made;
static int journal = -1;

static int put(int fd, const char *s)
{
	for (size_t len = strlen(s); len;) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			s += n, len -= (size_t)n;
	}
	return 0;
}

static void remove_made(const struct strv *m)
{
	for (size_t i = m->n; i-- > 0;) {
		char *failed;

		if (remove_tree(m->v[i], &failed) < 0) {
			warn_msg("clean up: remove %s: %s", msg_esc(failed ? failed : m->v[i]),
				 strerror(errno));
			free(failed);
		}
	}
}

noreturn void create_failed(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vmsgf(what, sizeof(what), fmt, ap);
	va_end(ap);
	remove_made(&made);
	unlink(p.journal);
	die(EXIT_FAIL, "%s", what);
}

/* PATH is about to be made: into the journal first, so that a kill right after leaves no
 * trace the journal does not name. */
void will_make(const char *path)
{
	char *v = env_value(path), *line = xasprintf("MADE_%zu=%s\n", made.n, v);

	strv_push(&made, xstrdup(path));
	if (put(journal, line) < 0)
		create_failed("write %s: %s", msg_esc(p.journal), strerror(errno));
	free(line);
	free(v);
}

/* mkdir -p DIR, the topmost directory it makes recorded first. */
void mkdir_made(const char *dir, mode_t mode)
{
	char *top = NULL, *d = xstrdup(dir), *slash;

	while (!exists(d)) {
		free(top);
		top = xstrdup(d);
		if (!(slash = strrchr(d, '/')) || slash == d)
			break;
		*slash = 0;
	}
	free(d);
	if (top)
		will_make(top);
	free(top);
	if (mkdir_p(dir, mode) < 0)
		create_failed("make %s: %s", msg_esc(dir), strerror(errno));
}

/* Under the create lock, the journals in the config dir: one a create holds is a create
 * under way (its name is taken, its addresses are in use); one nobody holds is a create
 * that died, rolled back here: what its MADE_N lines name goes (only ever below that
 * container's own root or profile), unless its conf was written (it finished). */
void journals(void (*use)(const char *val, const char *name))
{
	static struct strv live; /* names, kept: used[] points to them */
	const char *dir = config_dir();
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct conf c = { 0 };
		struct strv m = { 0 };
		struct ct_paths q = { 0 };
		char buf[65536], err[256], *name;
		ssize_t len = 0;
		int fd;

		if (de->d_name[0] != '.' || n <= 10 || strcmp(de->d_name + n - 9, ".creating"))
			continue;
		name = xstrndup(de->d_name + 1, n - 10);
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (fd >= 0 && (len = read(fd, buf, sizeof(buf) - 1)) < 0)
			len = 0;
		envfile_parse(&c, de->d_name, buf, (size_t)len, err, sizeof(err));
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
			static const char *keys[] = { "HOST_ADDRESS", "LOCAL_ADDRESS" };

			for (size_t k = 0; use && k < 2; k++)
				use(conf_file_get(&c, keys[k]), name);
			strv_push(&live, name);
		} else {
			const char *why;

			ct_paths_set(&q, name);
			for (size_t i = 0; name_check(name, &why) == 0 && !exists(q.conf); i++) {
				char key[32];
				const char *v;

				snprintf(key, sizeof(key), "MADE_%zu", i);
				if (!(v = conf_file_get(&c, key)))
					break;
				if ((path_under(v, q.root) || path_under(v, q.profile)) && !strstr(v, "/.."))
					strv_push(&m, xstrdup(v));
			}
			remove_made(&m);
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				warn_msg("remove %s/%s: %s", msg_esc(dir), msg_esc(de->d_name),
					 strerror(errno));
			strv_free(&m);
			ct_paths_free(&q);
			free(name);
		}
		if (fd >= 0)
			close(fd);
		conf_free(&c);
	}
	if (d)
		closedir(d);
}

/* The create lock, /run/lock/nixos-container, held. */
int create_lock(void)
{
	int lock;

	if (mkdir_p("/run/lock", 0755) < 0 ||
	    (lock = open(LOCK_PATH, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		die_sys(EXIT_FAIL, "open lock", msg_esc(LOCK_PATH));
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			die_sys(EXIT_FAIL, "lock", msg_esc(LOCK_PATH));
	return lock;
}

/* destroy: a create of NAME that died left its journal; rolled back now. */
void destroy_journal(void)
{
	if (exists(p.journal)) {
		int lock = create_lock();

		journals(NULL);
		close(lock);
	}
}

void journal_begin(const char *conf)
{
	if ((journal = open(p.journal, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_APPEND,
			    0600)) < 0 ||
	    flock(journal, LOCK_EX) < 0 || put(journal, conf) < 0) {
		int e = errno;

		if (journal >= 0)
			unlink(p.journal);
		errno = e;
		die_sys(EXIT_FAIL, "write", msg_esc(p.conf));
	}
}

void journal_end(void)
{
	unlink(p.journal);
	close(journal);
}
