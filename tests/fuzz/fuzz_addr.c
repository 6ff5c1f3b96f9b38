/* addr_parse() under each family, addr_format() and mac_parse() on arbitrary text (a
 * NUL-terminated copy). Invariants: a refused address says why; a parsed
 * one has the family asked for and a prefix in range, its address part is one inet_pton
 * takes too, an IPv4 one prints back as it was written, and what addr_format() prints
 * parses back to the same bytes and prefix; a cut addr_format() stays in its buffer. A MAC
 * is written only when it parses, and prints back as written (case aside). */
#include <arpa/inet.h>
#include <strings.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "net.h"

static void one(const char *s, int family)
{
	struct ipaddr a, b;
	const char *why = NULL, *slash;
	char buf[64], addr[64], *cut;
	unsigned char raw[16];

	memset(&a, 0xa5, sizeof(a));
	if (addr_parse(s, family, &a, &why) < 0) {
		CHECK(why && *why, "refused without a reason");
		return;
	}
	CHECK(a.family == AF_INET || a.family == AF_INET6, "family %d", a.family);
	CHECK(family == AF_UNSPEC || a.family == family, "family %d, asked for %d", a.family, family);
	CHECK(a.prefix >= -1 && a.prefix <= (a.family == AF_INET ? 32 : 128), "prefix %d", a.prefix);
	CHECK(addr_prefix(&a) == (a.prefix >= 0 ? a.prefix : a.family == AF_INET ? 32 : 128), "addr_prefix");
	if (a.family == AF_INET)
		CHECK(!memcmp(a.bytes + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12), "IPv4 bytes past the fourth set");

	/* the address part is one libc takes, to the same bytes */
	slash = strchr(s, '/');
	CHECK((size_t)(slash ? slash - s : (long)strlen(s)) < sizeof(addr), "address part too long");
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash ? slash - s : (long)strlen(s)), s);
	CHECK(inet_pton(a.family, addr, raw) == 1, "inet_pton refuses '%s'", addr);
	CHECK(!memcmp(raw, a.bytes, a.family == AF_INET ? 4 : 16), "inet_pton reads '%s' otherwise", addr);

	addr_format(&a, buf, sizeof(buf));
	if (a.family == AF_INET)
		CHECK(!strcmp(buf, s), "'%s' prints as '%s'", s, buf);
	CHECK(!addr_parse(buf, a.family, &b, &why), "'%s' printed as '%s', which is refused: %s", s, buf,
	      why);
	CHECK(b.family == a.family && b.prefix == a.prefix && !memcmp(a.bytes, b.bytes, 16),
	      "'%s' printed as '%s', which parses otherwise", s, buf);

	/* cut short: every length up to the full one, in a heap buffer of exactly that size */
	for (size_t n = 0; n <= strlen(buf) + 1; n++) {
		cut = malloc(n ? n : 1);
		addr_format(&a, cut, n);
		if (n)
			CHECK(strlen(cut) < n && !strncmp(cut, buf, strlen(cut)), "cut to %zu: '%s'", n, cut);
		free(cut);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = cstr(data, size), shown[18];
	unsigned char mac[6], sentinel[6];
	const char *why = NULL;

	one(s, AF_UNSPEC);
	one(s, AF_INET);
	one(s, AF_INET6);

	memset(mac, 0x5a, sizeof(mac));
	memcpy(sentinel, mac, sizeof(mac));
	if (mac_parse(s, mac, &why) < 0) {
		CHECK(why && *why, "MAC refused without a reason");
		CHECK(!memcmp(mac, sentinel, 6), "a refused MAC was written");
	} else {
		snprintf(shown, sizeof(shown), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
			 mac[3], mac[4], mac[5]);
		CHECK(!strcasecmp(shown, s), "MAC '%s' reads as %s", s, shown);
		CHECK(!(mac[0] & 1), "multicast MAC %s taken", shown);
		CHECK(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5], "all-zero MAC taken");
	}
	free(s);
	return 0;
}
