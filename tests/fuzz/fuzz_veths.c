/* veths_parse() (EXTRA_VETHS) and name_check() on arbitrary text (a NUL-terminated copy).
 * Invariants: the same answer with any ERRLEN; on failure OUT and N are untouched and the
 * message names the entry and is terminal-safe; on success one veth per blank-separated
 * entry, named as the entry before its first comma, every name and bridge passes
 * ifname_check(), no name twice, each address of the family its key says (either, for
 * hostAddress and localAddress). name_check() agrees with the README's rule written out
 * again here. */
#include <sys/socket.h>

#include "container.h"
#include "fuzz.h"

static int name_rule(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64 || s[0] == '-')
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return -1;
	return 0;
}

static void fam(const struct ipaddr *a, int family, const char *what)
{
	int ok = family == AF_UNSPEC ? a->family == AF_INET || a->family == AF_INET6 : a->family == family;

	CHECK(a->family == 0 || (ok && a->prefix >= -1), "%s: family %d", what, a->family);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = cstr(data, size), err[512], *small;
	struct veth *v = (struct veth *)&err, *v2 = NULL;
	size_t n = 12345, n2 = 0, entries = 0, errlen = size % 64, len;
	const char *why = NULL, *p;
	int r, r2;

	CHECK(name_check(s, &why) == name_rule(s), "name_check('%s') disagrees with the rule", s);

	small = malloc(errlen ? errlen : 1);
	r2 = veths_parse(s, &v2, &n2, small, errlen);
	if (r2 < 0 && errlen)
		CHECK(memchr(small, 0, errlen), "message not terminated in %zu bytes", errlen);
	free(small);
	veths_free(v2, r2 < 0 ? 0 : n2);

	err[0] = 0;
	r = veths_parse(s, &v, &n, err, sizeof(err));
	CHECK(r == r2, "rc %d with a small buffer, %d with a large one", r2, r);
	if (r < 0) {
		CHECK(r == -1, "rc %d", r);
		CHECK(v == (struct veth *)&err && n == 12345, "a refused list was written out");
		CHECK(!strncmp(err, "entry '", 7) && msg_safe(err), "message: %s", err);
		free(s);
		return 0;
	}
	for (p = s; *p; p += len) {
		len = strcspn(p, " \t\n");
		if (!len) {
			len = 1;
			continue;
		}
		CHECK(entries < n, "more entries than veths");
		CHECK(strlen(v[entries].name) == strcspn(p, ", \t\n") &&
			  !strncmp(v[entries].name, p, strlen(v[entries].name)),
		      "veth %zu is named '%s'", entries, v[entries].name);
		entries++;
	}
	CHECK(entries == n, "%zu veths from %zu entries", n, entries);
	for (size_t i = 0; i < n; i++) {
		CHECK(!ifname_check(v[i].name, &why), "veth name '%s': %s", v[i].name, why);
		CHECK(!v[i].host_bridge || !ifname_check(v[i].host_bridge, &why), "bridge '%s'",
		      v[i].host_bridge);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(v[i].name, v[j].name), "veth '%s' twice", v[i].name);
		fam(&v[i].host4, AF_UNSPEC, "hostAddress");
		fam(&v[i].local4, AF_UNSPEC, "localAddress");
		fam(&v[i].host6, AF_INET6, "hostAddress6");
		fam(&v[i].local6, AF_INET6, "localAddress6");
	}
	veths_free(v, n);
	free(s);
	return 0;
}
