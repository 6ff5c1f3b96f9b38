/* nixos-container's command line, parsed and checked without exiting, so that the applet
 * and tests/fuzz/fuzz_nc_args.c run the same code. Each step returns 0, or an exit code
 * (EXIT_USAGE, EXIT_CONFIG) with the message in ERR; the applet dies with it. */
#ifndef NCARGS_H
#define NCARGS_H

#include <stddef.h>

#include "ncbox.h"

enum nc_cmd {
	NC_LIST, NC_CREATE, NC_DESTROY, NC_START, NC_STOP, NC_RESTART, NC_TERMINATE, NC_STATUS,
	NC_UPDATE, NC_LOGIN, NC_ROOT_LOGIN, NC_RUN, NC_SHOW_IP, NC_SHOW_HOST_KEY, NC_N_CMDS
};
extern const char *const nc_cmds[NC_N_CMDS];

struct nc_args {
	enum nc_cmd cmd_id;
	const char *cmd, *name; /* the command's name; NAME once nc_args_operands() took it */
	int help, ensure_unique, auto_start, host_network, json, timeout_ms; /* -1: no --timeout */
	const char *bridge, *port, *system_path, *nixos_path, *config, *config_file;
	const char *host_address, *local_address, *flake, *signal;
	struct strv nix, nix2; /* pass-through flags (copies); two-value ones go last */
	struct strv args;      /* operands, pointers into argv: the command, NAME, run's COMMAND */
};

/* Options anywhere before `--` (--opt V, --opt=V, -opt, abbreviated while unambiguous),
 * then the command. --help stops there: A->help set, 0. A is cleared first. */
int nc_args_parse(struct nc_args *a, int argc, char **argv, char *err, size_t errlen);
/* The operands the command takes, and NAME (name_check()): then A->name is set. */
int nc_args_operands(struct nc_args *a, char *err, size_t errlen);
/* create's checks of what was given, all before anything is made (addresses in use are
 * the applet's, which knows the confs). */
int nc_create_check(const struct nc_args *a, char *err, size_t errlen);
/* The conf create writes; HOST and LOCAL are ignored with --use-host-network. */
char *nc_conf_text(const struct nc_args *a, const char *host, const char *local);
/* V as an env file keeps it: bare when plain, else double-quoted (malloc'd). */
char *env_value(const char *v);
void nc_args_free(struct nc_args *a);

#endif
