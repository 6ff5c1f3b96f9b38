/* nixos-container, one file per concern, in layers (each uses only those below it):
 *   main.c                      the command table and the thin commands
 *   create.c, nix.c, enter.c    create and its addresses; Nix; entering a container
 *   systemd.c, direct.c         the backends: with systemd as PID 1, and without it
 *   journal.c                   what create makes, named before it is made
 *   nc.c, args.c                the command line, the container's paths, the backend chosen
 * A backend is reached only through `be`, so no concern calls into one by name. */
#ifndef NC_H
#define NC_H

#include <sys/types.h>

#include "../../common/container.h"
#include "args.h"

#define STOP_TIMEOUT_MS 90000

/* ---- nc.c ---- */
extern struct nc_args o;  /* the command line */
extern struct ct_paths p; /* NAME's paths */

/* What differs with systemd as PID 1 and without it, for container NAME (o.name). */
struct backend {
	const char *(*status)(void); /* "up", "down", "starting" or (direct) "orphaned" */
	/* those of the containers NAMES, for list --json, into ST */
	void (*statuses)(const struct strv *names, const char **st);
	int (*start)(void), (*stop)(void), (*terminate)(void), (*login)(void);
	pid_t (*leader)(int must);	      /* its init's PID; 0 when not running, unless MUST (dies) */
	void (*reload)(const struct conf *c); /* after update, in a running container */
	void (*forget)(void);		      /* destroy: what the init system holds for NAME (may be NULL) */
};
extern const struct backend *be;

/* NAME becomes o.name: its paths and the messages' context. */
void set_name(const char *name);
int exists(const char *path);
/* Whether the profile dir is not a directory of its own (errno ELOOP for a symlink,
 * ENOTDIR for anything else). */
int profile_linked(void);
/* Whether NAME.conf is there: 1, 0 when not, -1 for a symlink that leads nowhere; dies
 * when it cannot tell. */
int conf_present(void);
/* Dies unless NAME.conf is there. */
void need_conf(void);
/* NAME.conf held locked (start, stop, destroy one at a time): its fd; dies when it is
 * gone, or went away meanwhile. */
int lock_conf(void);
/* Undo one lock_conf(): the lock goes with the last. */
void unlock_conf(int fd);
/* Whether NAME is declarative: its conf is in the Nix store (through /etc/static). LINK:
 * whether NAME.conf is a symlink, -1 when not known. */
int conf_declarative(const char *name, int link);
/* NAME.conf in the config dir (its fd DFD), read into B: the values of KEYS (N, at most 8)
 * into VALS, NULL when unset, valid until the next call with B. 0 (nothing when it went
 * away), or -1 with what is wrong in ERR: VALS then hold what the lines of it that are env
 * file lines set. */
struct confbuf {
	char *buf;
	size_t cap;
	struct conf c;
	int link; /* NAME.conf was a symlink */
};
int read_conf(int dfd, const char *name, const char *const *keys, size_t n, const char **vals,
	      struct confbuf *b, char *err, size_t errlen);
/* The container names in the config dir, sorted. */
void conf_names(struct strv *out);

/* ---- journal.c: create's journal, CONF_DIR/.NAME.creating ---- */
/* The create lock, /run/lock/nixos-container, held: its fd. */
int create_lock(void);
/* The journals in the config dir: a live one's HOST_/LOCAL_ADDRESS go to USE (its name
 * kept to the end); a dead one is rolled back. Under the create lock. */
void journals(void (*use)(const char *val, const char *name));
/* destroy: a dead create of NAME rolled back. */
void destroy_journal(void);
/* Start NAME's journal holding CONF, flock'd; dies when it cannot. */
void journal_begin(const char *conf);
/* PATH is about to be made: named in the journal first. */
void will_make(const char *path);
/* mkdir -p DIR, the topmost directory it makes named first. */
void mkdir_made(const char *dir, mode_t mode);
/* Remove what create made, then die with the message. */
noreturn void create_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The conf was written: the journal goes. */
void journal_end(void);

/* ---- nix.c ---- */
/* nix build of FLAKE's system into *PATH (malloc'd): 0, else a message in WHY. */
int build_flake(const char *flake, char **path, char *why, size_t len);
/* The profile's system set to PATH: 0, nix-env's status, or -1 with errno. */
int set_system(const char *path);
/* ROOT/etc/nixos/configuration.nix written (MAKE: directories made, 2: into the journal). */
int write_nixos_config(int make);
/* The system built from a copy of ROOT/etc/nixos/configuration.nix into the profile, in
 * Nix's restricted mode: 0, else the reason in WHY; with CHECK, 2 when the configuration
 * does not set boot.isNspawnContainer on nixpkgs 25.11 or newer. */
int build_nixos(char *why, size_t len, int check);
int cmd_update(void);

/* ---- create.c ---- */
int cmd_create(void);

/* ---- enter.c ---- */
/* Run CMD (NULL: a login shell) in the container whose init is LEADER, as root logs in
 * (NOSHELL: COMMAND from PATH); its exit status. */
int enter_run(pid_t leader, char **cmd, int noshell);

/* ---- the backends ---- */
extern const struct backend nc_systemd, nc_direct;

#endif
