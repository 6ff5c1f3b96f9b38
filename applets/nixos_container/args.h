/* nixos-container's command line, parsed and checked without exiting, so that the applet
 * and tests/fuzz/fuzz_nc_args.c run the same code (and the same command table). Each step returns 0, or an
 * exit code (EXIT_USAGE, EXIT_CONFIG) with the message in ERR; the applet dies with it. */
#ifndef NC_ARGS_H
#define NC_ARGS_H

#include <stddef.h>

#include "../../common/ncbox.h"

/* A command, on one row: its name, how many operands follow it (NAME, run's COMMAND and
 * ARGS; NC_MANY: no limit), its flags, and what runs it. */
struct nc_cmd {
	const char *name;
	unsigned char min, max, flags;
	int (*fn)(void);
};
#define NC_MANY 255
enum { NC_CONF = 1 }; /* NAME.conf must exist */
/* The applet's table, ended by a NULL name (main.c). */
extern const struct nc_cmd nc_cmds[];

struct nc_args {
	const struct nc_cmd *cmd; /* the command's row */
	const char *name;	  /* NAME once nc_args_operands() took it */
	int help, ensure_unique, auto_start, host_network, json, timeout_ms; /* -1: no --timeout */
	const char *bridge, *port, *system_path, *nixos_path, *config, *config_file;
	const char *host_address, *local_address, *flake, *signal;
	struct strv nix, nix2; /* pass-through flags (copies); two-value ones go last */
	struct strv args;      /* operands, pointers into argv: the command, NAME, run's COMMAND */
};

/* Options anywhere before `--` (--opt V, --opt=V, -opt, abbreviated while unambiguous),
 * then the command, a row of CMDS. --help stops there: A->help set, 0. A is cleared
 * first. */
int nc_args_parse(struct nc_args *a, const struct nc_cmd *cmds, int argc, char **argv, char *err,
		  size_t errlen);
/* The operands the command's row allows, and NAME (name_check()): then A->name is set. */
int nc_args_operands(struct nc_args *a, char *err, size_t errlen);
/* What the system comes from (--config, --config-file, --flake, --system-path): the checks
 * create and update share. */
int nc_system_check(const struct nc_args *a, char *err, size_t errlen);
/* create's checks of what was given, all before anything is made (addresses in use are
 * the applet's, which knows the confs). */
int nc_create_check(const struct nc_args *a, char *err, size_t errlen);
/* The conf create writes; HOST and LOCAL are ignored with --use-host-network. */
char *nc_conf_text(const struct nc_args *a, const char *host, const char *local);
/* V as an env file keeps it: bare when plain, else double-quoted (malloc'd). */
char *env_value(const char *v);
void nc_args_free(struct nc_args *a);

#endif
