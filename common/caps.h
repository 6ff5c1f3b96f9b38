/* Capabilities. caps.c is the only file that includes libcap. */
#ifndef CAPS_H
#define CAPS_H

#include <stddef.h>

/* "CAP_NET_ADMIN" or "cap_net_admin" (any case) to its number; -1 when unknown. */
int caps_from_name(const char *name);
/* The canonical upper-case name, "CAP_NET_ADMIN", into BUF. */
const char *caps_name(int cap, char *buf, size_t len);
/* Die with EXIT_PERM naming the first of CAPS (N of them) the process lacks in its
 * effective set, and the STEP that needs it. */
void caps_require(const int *caps, size_t n, const char *step);

#endif
