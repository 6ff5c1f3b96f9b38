/* systemd detection, program lookup, this binary. */
#ifndef PROC_H
#define PROC_H

/* Whether systemd is PID 1 here, as sd_booted() tells: /run/systemd/system is a directory.
 * NCBOX_SD_BOOTED=0 or 1 overrides it. */
int sd_booted(void);

/* NAME searched in PATH as execvp does (a NAME with a '/' is taken as it is): the path of
 * an executable regular file (malloc'd), or NULL with errno (ENOENT, EACCES). */
char *find_program(const char *name);

/* The path of this binary, from /proc/self/exe (malloc'd), or NULL with errno. */
char *self_exe(void);

#endif
