/* ports_parse() (HOST_PORT, nixos-container --port) on arbitrary text (a NUL-terminated
 * copy). Invariants: the same answer with any ERRLEN; on failure OUT keeps what it held and
 * the message names an entry and is terminal-safe; the answer agrees with the rule written
 * out again here (comma-separated [tcp:|udp:]HOST[:CONTAINER], ports 1-65535, no protocol
 * and host port twice); on success the entries are the input's, in order, and nspawn, which
 * reads a port with strtoul(base 0), reads the same numbers. */
#include "container.h"
#include "fuzz.h"

/* One port: decimal, 1-65535, no leading zero; its value or 0. */
static long rule_port(const char *p, const char *end)
{
	long v = 0;

	if (p == end || end - p > 5 || *p == '0')
		return 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v <= 65535 ? v : 0;
}

/* nspawn's parse_ip_port(): safe_atou16 with base 0, then not 0. */
static long nspawn_port(const char *p, const char *end)
{
	char buf[16], *e;
	unsigned long v;

	if (end - p >= (long)sizeof(buf) || p == end)
		return -1;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = 0;
	if (buf[0] == ' ' || buf[0] == '-' || buf[0] == '+')
		return -1;
	v = strtoul(buf, &e, 0);
	return *e || !v || v > 65535 ? -1 : (long)v;
}

/* Entry [P, END): its protocol and host port as one number, 0 when invalid. */
static long rule_entry(const char *p, const char *end, int check_nspawn)
{
	int udp = end - p >= 4 && !memcmp(p, "udp:", 4);
	const char *colon;
	long host, cont;

	if (udp || (end - p >= 4 && !memcmp(p, "tcp:", 4)))
		p += 4;
	colon = memchr(p, ':', (size_t)(end - p));
	host = rule_port(p, colon ? colon : end);
	cont = colon ? rule_port(colon + 1, end) : host;
	if (!host || !cont)
		return 0;
	if (check_nspawn) {
		CHECK(nspawn_port(p, colon ? colon : end) == host,
		      "nspawn reads host port %.*s as %ld, we as %ld", (int)((colon ? colon : end) - p), p,
		      nspawn_port(p, colon ? colon : end), host);
		if (colon)
			CHECK(nspawn_port(colon + 1, end) == cont,
			      "nspawn reads container port %.*s otherwise", (int)(end - colon - 1),
			      colon + 1);
	}
	return udp << 16 | host;
}

/* 0 when S is a valid list by the rule. */
static int rule(const char *s)
{
	long keys[4096];
	size_t n = 0;

	if (!*s)
		return 0;
	for (const char *p = s;; p++) {
		const char *end = p + strcspn(p, ",");
		long k = rule_entry(p, end, 0);

		if (!k || n == 4096)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (keys[i] == k)
				return -1;
		keys[n++] = k;
		if (!*end)
			return 0;
		p = end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = cstr(data, size), err[512], *small;
	struct strv out = { 0 }, o2 = { 0 };
	size_t errlen = size % 64, k = 1;
	const char *p;
	int r, r2;

	small = malloc(errlen ? errlen : 1);
	r2 = ports_parse(s, &o2, small, errlen);
	if (r2 < 0 && errlen)
		CHECK(memchr(small, 0, errlen), "message not terminated in %zu bytes", errlen);
	free(small);
	strv_free(&o2);

	strv_push(&out, xstrdup("before"));
	r = ports_parse(s, &out, err, sizeof(err));
	CHECK(r == r2, "rc %d with a small buffer, %d with a large one", r2, r);
	CHECK(r == rule(s), "ports_parse says %d, the rule %d", r, rule(s));
	CHECK(out.n >= 1 && !strcmp(out.v[0], "before") && !out.v[out.n], "OUT lost what it held");
	if (r < 0) {
		CHECK(r == -1 && out.n == 1, "a refused list was written out (rc %d, %zu entries)", r, out.n);
		CHECK(!strncmp(err, "entry '", 7) && msg_safe(err), "message: %s", err);
		goto done;
	}
	for (p = s; *s; p++, k++) {
		size_t len = strcspn(p, ",");

		CHECK(k < out.n, "fewer entries than commas say");
		CHECK(strlen(out.v[k]) == len && !memcmp(out.v[k], p, len), "entry %zu is '%s'", k, out.v[k]);
		rule_entry(p, p + len, 1);
		p += len;
		if (!*p)
			break;
	}
	CHECK(out.n == (*s ? k + 1 : 1), "%zu entries from the input, %zu parsed", k, out.n - 1);
done:
	strv_free(&out);
	free(s);
	return 0;
}
