/* Capabilities. caps.c is the only file that includes libcap. */
#ifndef CAPS_H
#define CAPS_H

#include <stddef.h>
#include <stdint.h>

/* "CAP_NET_ADMIN" or "cap_net_admin" (any case) to its number; -1 when unknown. */
int caps_from_name(const char *name);
/* The canonical upper-case name, "CAP_NET_ADMIN", into BUF. */
const char *caps_name(int cap, char *buf, size_t len);
/* Die with EXIT_PERM naming the first of CAPS (N of them) the process lacks in its
 * effective set, and the STEP that needs it. */
void caps_require(const int *caps, size_t n, const char *step);

/* A process's capability sets, as masks (bit N: capability N). */
enum caps_set { CAPS_BND, CAPS_EFF, CAPS_PRM, CAPS_INH, CAPS_AMB, CAPS_N };
/* Make this process's sets exactly SET: inheritable, bounding, ambient, then effective and
 * permitted. Needs CAP_SETPCAP. 0, or -1 with errno and the set that failed in *WHERE. */
int caps_set_exact(const uint64_t set[CAPS_N], const char **where);

#endif
