/* Capabilities through libcap: the only file that includes it. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>

#include "caps.h"
#include "ncbox.h"

int caps_from_name(const char *name)
{
	char low[64];
	cap_value_t v;
	size_t i;

	/* libcap also takes numbers and "all"; nspawn gets names only, so we do too. */
	if (strncasecmp(name, "cap_", 4) || strlen(name) >= sizeof(low))
		return -1;
	for (i = 0; name[i]; i++) {
		if (!isalpha((unsigned char)name[i]) && name[i] != '_')
			return -1;
		low[i] = (char)tolower((unsigned char)name[i]);
	}
	low[i] = 0;
	if (cap_from_name(low, &v) < 0)
		return -1;
	return (int)v;
}

const char *caps_name(int cap, char *buf, size_t len)
{
	char *n = cap_to_name((cap_value_t)cap);
	size_t i;

	if (!n || len == 0)
		return "CAP_?";
	for (i = 0; n[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)n[i]);
	buf[i] = 0;
	cap_free(n);
	return buf;
}

void caps_require(const int *caps, size_t n, const char *step)
{
	cap_t cur = cap_get_proc();
	char name[64];

	if (!cur)
		die_sys(EXIT_FAIL, "read own capabilities", step);
	for (size_t i = 0; i < n; i++) {
		cap_flag_value_t have = CAP_CLEAR;

		if (cap_get_flag(cur, (cap_value_t)caps[i], CAP_EFFECTIVE, &have) < 0 || have != CAP_SET) {
			cap_free(cur);
			die_err(EXIT_PERM, step, caps_name(caps[i], name, sizeof(name)), EPERM,
				"capability missing from the effective set; run as root");
		}
	}
	cap_free(cur);
}

/* Set flag F of C to mask M, for the kernel's capabilities 0..MAX-1. */
static int flag_set(cap_t c, cap_flag_t f, uint64_t m, cap_value_t max)
{
	for (cap_value_t v = 0; v < max; v++)
		if (cap_set_flag(c, f, 1, &v, m >> v & 1 ? CAP_SET : CAP_CLEAR) < 0)
			return -1;
	return 0;
}

int caps_set_exact(const uint64_t s[CAPS_N], const char **where)
{
	cap_value_t max = cap_max_bits() < 64 ? cap_max_bits() : 64, v;
	cap_t c = cap_get_proc();
	int r = -1, e;

	*where = "inheritable set";
	if (!c)
		return -1;
	/* inheritable first, while the bounding set still holds every bit it may want */
	if (flag_set(c, CAP_INHERITABLE, s[CAPS_INH], max) < 0 || cap_set_proc(c) < 0)
		goto out;
	*where = "bounding set";
	for (v = 0; v < max; v++)
		if (!(s[CAPS_BND] >> v & 1) && cap_drop_bound(v) < 0)
			goto out;
	*where = "ambient set";
	if (cap_reset_ambient() < 0)
		goto out;
	for (v = 0; v < max; v++)
		if (s[CAPS_AMB] >> v & 1 && cap_set_ambient(v, CAP_SET) < 0)
			goto out;
	*where = "effective and permitted sets";
	if (flag_set(c, CAP_EFFECTIVE, s[CAPS_EFF], max) < 0 ||
	    flag_set(c, CAP_PERMITTED, s[CAPS_PRM], max) < 0 || cap_set_proc(c) < 0)
		goto out;
	r = 0;
out:
	e = errno;
	cap_free(c);
	errno = e;
	return r;
}
