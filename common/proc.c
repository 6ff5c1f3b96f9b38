/* systemd detection, program lookup, this binary. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ncbox.h"
#include "proc.h"

int sd_booted(void)
{
	const char *o = getenv("NCBOX_SD_BOOTED");
	struct stat st;

	if (o && (!strcmp(o, "0") || !strcmp(o, "1")))
		return *o == '1';
	return lstat("/run/systemd/system/", &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0 when P is an executable regular file; else -1 with errno. */
static int executable(const char *p)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || access(p, X_OK) < 0)
		return errno = EACCES, -1;
	return 0;
}

char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	int err = ENOENT;

	if (!*name)
		return errno = ENOENT, NULL;
	if (strchr(name, '/'))
		return executable(name) < 0 ? NULL : xstrdup(name);
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* an empty entry is the current directory, as for execvp */
		char *cand = end == p ? xasprintf("./%s", name) : xasprintf("%.*s/%s", (int)(end - p), p, name);

		if (executable(cand) == 0)
			return cand;
		if (errno == EACCES)
			err = EACCES;
		free(cand);
		if (!*end)
			break;
	}
	errno = err;
	return NULL;
}

char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = 0;
	return xstrdup(buf);
}
