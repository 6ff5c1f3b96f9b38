/* A container start, planned in full before anything is made, and the systemd-nspawn
 * command line it gives. container-start fills the plan from the config and the disk;
 * build_argv() reads nothing else, so it is tested without root, store or nspawn. */
#ifndef NSPAWN_H
#define NSPAWN_H

#include "container.h"

#define INIT_BIND "/run/ncbox/container-init"

struct start {
	const char *name;
	struct conf c; /* the config the plan came from: build_argv() never reads it */
	struct netconf nc;
	int dry_run, early_net, booted;
	int private_network, ephemeral, copy_resolv, idmap, x86;
	const char *private_users, *netns_path, *system_path;
	struct strv ports, caps, tmpfs, ifaces, macvlans, extra;
	struct strv setenv; /* KEY=VALUE for container-init, in order */
	char *root, *run_dir;
	char *store, *db, *daemon_socket; /* host sources of the /nix binds; NULL: no bind */
	char *profiles, *gcroots;	  /* the per-container dirs; NULL: no Nix here */
	int flake_pending;
	char *nspawn, *stage2;
	struct strv init;  /* the command nspawn runs, stage 2 excluded */
	char *init_bind;   /* this binary, when it is bound into the container */
	struct strv creds; /* --load-credential=ID:PATH arguments */
};

/* nspawn's command line for S, the program first, appended to A (see container-start
 * --help for the order). Reads S only: no config, environment or disk. */
void build_argv(const struct start *s, struct strv *a);

#endif
