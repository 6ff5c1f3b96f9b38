/* Env files as systemd's EnvironmentFile= reads them, a container's config,
 * the config and state dirs, and the shell-like word splitter. */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>

#include "ncbox.h"

#define CONF_MAX_SIZE (1024 * 1024) /* a larger env file is refused */

struct conf {
	char *path;	  /* the file read, or NULL */
	struct strv keys; /* valid assignments, in file order; a repeated key keeps its last value */
	struct strv vals;
	struct strv warnings; /* "FILE:LINE: invalid key 'K', ignored" and the like */
};

/* Parse env-file text BUF of LEN bytes (it may hold NULs) as systemd does. WHERE names the
 * input in messages. Valid assignments go into C; an invalid key or value is recorded in
 * C->warnings and skipped. Returns 0, or -1 for text that is not an env file at all (a NUL
 * byte, invalid UTF-8, a line with no '=', an unterminated quote, over CONF_MAX_SIZE), with
 * "WHERE:LINE: what is wrong" in ERR (ERRLEN bytes). */
int envfile_parse(struct conf *c, const char *where, const char *buf, size_t len, char *err, size_t errlen);

/* The fast way for text whose every line is blank, a comment, or KEY=VALUE with a plain
 * value (printable ASCII, no blank, quote or backslash), as create writes them: there
 * envfile_parse() would find just that. VALS[i] (VLEN[i] bytes, into BUF) gets the last
 * value of KEYS[i] (N keys), NULL when unset. 0, or -1 when a line is not that simple:
 * then envfile_parse() is the one to read it. */
int envfile_scan(const char *buf, size_t len, const char *const *keys, size_t n, const char **vals,
		 size_t *vlen);

/* Read and parse PATH: warnings are printed, an error is printed as one line. Returns 0,
 * or -1 (errno ENOENT when the file does not exist; nothing printed then). */
int envfile_load(struct conf *c, const char *path);

/* The value of KEY: the process environment first, then the file; NULL when neither has it. */
const char *conf_get(const struct conf *c, const char *key);
/* The file's value only. */
const char *conf_file_get(const struct conf *c, const char *key);
void conf_free(struct conf *c);

/* NCBOX_CONFIG_DIR, else make's CONFDIR (/etc/nixos-containers). */
const char *config_dir(void);
/* NCBOX_STATE_DIR, else make's STATEDIR (/var/lib/nixos-containers). */
const char *state_dir(void);

/* NCBOX_RUN_DIR, else /run/containers beside the old /var/lib/containers state dir, else
 * /run/nixos-containers: ephemeral roots, nixos-container's state and logs. */
const char *run_dir(void);
/* NAME.HASH (malloc'd), HASH 8 hex digits of the config dir's real path: what keys a
 * container's cgroup and run files, so that two config dirs never touch each other's. */
char *container_key(const char *name);
/* NCBOX_NIX_STATE_DIR, else /nix/var/nix: per-container profiles and GC roots. */
const char *nix_state_dir(void);

/* Where a container's things are, each made from its NAME and the dirs above (malloc'd). */
struct ct_paths {
	char *conf, *journal;	/* CONF_DIR/NAME.conf; .NAME.creating: a create under way or dead */
	char *root, *run_root;	/* STATE_DIR/NAME; RUN_DIR/NAME, an ephemeral container's */
	char *profile, *system; /* NIX/profiles/per-container/NAME, and its system link */
	char *gcroots;		/* NIX/gcroots/per-container/NAME */
	char *state, *log;	/* RUN_DIR/KEY/ and its log: container-supervise's (container_key) */
	char *nixos_config;	/* ROOT/etc/nixos/configuration.nix */
};
/* P for NAME; what P held before is freed. */
void ct_paths_set(struct ct_paths *p, const char *name);
void ct_paths_free(struct ct_paths *p);

/* A container's config: config_dir()/NAME.conf (a missing file is an empty config), then
 * the environment on top (conf_get). Dies with EXIT_CONFIG on a broken file, or on a
 * symlink that leads outside /nix/store and the config dir. */
void conf_load(struct conf *c, const char *name);

/* Split S into words as a shell would, with no expansion of any kind: blanks separate words,
 * '...' and "..." quote, a backslash escapes the next character (in double quotes only
 * $ ` " \ and newline). Words are appended to OUT. Returns 0, or -1 with *WHY set to a
 * static message ("unterminated single quote", ...); OUT is then unchanged. */
int split_words(const char *s, struct strv *out, const char **why);

#endif
