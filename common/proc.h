/* Running programs (spawn, wait, capture, the exit status), program lookup, this binary,
 * systemd detection. */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

/* Whether systemd is PID 1 here, as sd_booted() tells: /run/systemd/system is a directory.
 * NCBOX_SD_BOOTED=0 or 1 overrides it. */
int sd_booted(void);

/* NAME searched in PATH as execvp does (a NAME with a '/' is taken as it is): the path of
 * an executable regular file (malloc'd), or NULL with errno (ENOENT, EACCES). */
char *find_program(const char *name);

/* The path of this binary, from /proc/self/exe (malloc'd), or NULL with errno. */
char *self_exe(void);

/* The exit code of a wait status: the code, or 128+signal as a shell reports it. */
int exit_status(int status);
/* Start ARGV (searched in PATH, no shell) with stdout on OUT (-1: ours), QUIET 1: stdout
 * and stderr to /dev/null, 2: stderr only; with SPAWN_SELF added, this very binary runs
 * applet ARGV[0] (not whatever PATH holds). It gets SIGKILL if we die first. Its PID, or
 * -1 with errno when it could not start. */
#define SPAWN_SELF 4
pid_t spawn(char *const argv[], int out, int quiet);
/* Wait for child PID: its exit code, 128+signal, or -1 with errno. */
int wait_child(pid_t pid);
/* spawn() and wait_child(). */
int run_wait(char *const argv[], int quiet);
/* Run ARGV (searched in PATH, no shell) with its stdout captured into *OUT (NUL-terminated,
 * malloc'd, also on failure), stderr passed on, or to /dev/null with QUIET. The exit code,
 * 128+signal, or -1 with errno when it could not start. */
int run_capture(char *const argv[], char **out, int quiet);

/* Close every descriptor from FROM up but KEEP (-1: none), with close_range. */
void close_from(int from, int keep);

#endif
