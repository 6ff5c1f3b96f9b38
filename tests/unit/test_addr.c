/* Unit tests of common/addr.c: addr_parse, addr_prefix, addr_format, mac_parse. */
#include <sys/socket.h>

#include "net.h"
#include "unit.h"

static const char *fam_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "any";
}

/* S parses under FAMILY and prints back as WANT (NULL: as S itself). */
static void good(const char *s, int family, const char *want)
{
	struct ipaddr a;
	const char *why = "(unset)";
	char buf[64];
	int r = addr_parse(s, family, &a, &why);

	want = want ? want : s;
	ok(r == 0 && streq_null(addr_format(&a, buf, sizeof(buf)), want), "%s '%s' parses as %s (got %d, %s)",
	   fam_name(family), s, want, r, r ? why : buf);
}

static void bad(const char *s, int family, const char *want_why)
{
	struct ipaddr a;
	const char *why = NULL;
	int r = addr_parse(s, family, &a, &why);

	ok(r == -1 && streq_null(why, want_why), "%s '%s' refused: %s (got %d, %s)", fam_name(family),
	   s ? s : "(null)", want_why, r, why ? why : "(null)");
}

/* S parses; addr_usable gives WANT_WHY (NULL: usable). */
static void usable(const char *s, const char *want_why)
{
	struct ipaddr a;
	const char *why = NULL;
	int r = addr_parse(s, AF_UNSPEC, &a, NULL) ? -2 : addr_usable(&a, &why);

	ok(r == (want_why ? -1 : 0) && streq_null(why, want_why), "usable '%s': %s (got %d, %s)", s,
	   want_why ? want_why : "yes", r, why ? why : "yes");
}

static void mac_good(const char *s, const unsigned char *want)
{
	unsigned char m[6] = { 0 };
	const char *why = NULL;
	int r = mac_parse(s, m, &why);

	ok(r == 0 && !memcmp(m, want, 6), "MAC '%s' parses (got %d, %s)", s, r, why ? why : "ok");
}

static void mac_bad(const char *s, const char *want_why)
{
	unsigned char m[6] = { 1, 2, 3, 4, 5, 6 };
	const unsigned char untouched[6] = { 1, 2, 3, 4, 5, 6 };
	const char *why = NULL;
	int r = mac_parse(s, m, &why);

	ok(r == -1 && streq_null(why, want_why) && !memcmp(m, untouched, 6),
	   "MAC '%s' refused: %s (got %d, %s)", s, want_why, r, why ? why : "(null)");
}

int main(void)
{
	static const char *v4bad = "not an IPv4 address", *v6bad = "not an IPv6 address",
			  *anybad = "not an IP address", *p32 = "prefix length must be 0-32",
			  *p128 = "prefix length must be 0-128";
	struct ipaddr a;
	char buf[64], tiny[4];

	UNIT("addr");

	good("10.0.0.1", AF_INET, NULL);
	good("10.0.0.1/24", AF_INET, NULL);
	good("0.0.0.0/0", AF_UNSPEC, NULL);
	good("255.255.255.255/32", AF_UNSPEC, NULL);
	good("fd00::1", AF_INET6, NULL);
	good("fd00::1/64", AF_UNSPEC, NULL);
	good("::/0", AF_INET6, NULL);
	good("::1/128", AF_INET6, NULL);
	good("FD00:0:0:0:0:0:0:1", AF_INET6, "fd00::1");
	good("::ffff:10.0.0.1", AF_INET6, NULL);
	good("fe80::1/0", AF_UNSPEC, NULL);

	bad(NULL, AF_UNSPEC, "empty address");
	bad("", AF_UNSPEC, "empty address");
	bad("", AF_INET, "empty address");
	bad("/24", AF_UNSPEC, "empty address");
	bad("1.2.3.4/33", AF_INET, p32);
	bad("1.2.3.4/33", AF_UNSPEC, p32);
	bad("::1/129", AF_INET6, p128);
	bad("::1/129", AF_UNSPEC, p128);
	bad("1.2.3.4/", AF_INET, p32);
	bad("::1/", AF_INET6, p128);
	bad("1.2.3.4/+24", AF_INET, p32);
	bad("1.2.3.4/-1", AF_INET, p32);
	bad("1.2.3.4/ 24", AF_INET, p32);
	bad("1.2.3.4/24 ", AF_INET, p32);
	bad("1.2.3.4/0x10", AF_INET, p32);
	bad("1.2.3.4/0024", AF_INET, p32);
	bad("1.2.3.4/024", AF_INET, p32);
	bad("1.2.3.4/00", AF_INET, p32);
	bad("::1/08", AF_INET6, p128);
	bad("::1/1280", AF_INET6, p128);
	bad("1.2.3.4/24/1", AF_INET, p32);
	bad("1.2.3", AF_INET, v4bad);
	bad("1.2.3", AF_UNSPEC, anybad);
	bad("1.2.3.4.5", AF_INET, v4bad);
	bad("1.2.3.4.", AF_INET, v4bad);
	bad(".1.2.3.4", AF_INET, v4bad);
	bad("1..3.4", AF_INET, v4bad);
	bad("256.1.1.1", AF_INET, v4bad);
	bad("1.2.3.1000", AF_INET, v4bad);
	bad(" 1.2.3.4", AF_INET, v4bad);
	bad("1.2.3.4 ", AF_INET, v4bad);
	bad("+1.2.3.4", AF_INET, v4bad);
	bad("1.+2.3.4", AF_INET, v4bad);
	bad("010.0.0.1", AF_INET, v4bad);
	bad("10.0.0.01", AF_INET, v4bad);
	bad("0x10.0.0.1", AF_INET, v4bad);
	bad("10", AF_INET, v4bad);
	bad("1.2.3.4", AF_INET6, v6bad);
	bad("1.2.3.4/24", AF_INET6, v6bad);
	bad("::1", AF_INET, v4bad);
	bad("fd00::1/64", AF_INET, v4bad);
	bad("fe80::1%eth0", AF_INET6, v6bad);
	bad("fe80::1%eth0", AF_UNSPEC, anybad);
	bad(":::1", AF_INET6, v6bad);
	bad("1:2:3:4:5:6:7:8:9", AF_INET6, v6bad);
	bad(" ::1", AF_INET6, v6bad);
	bad("::1 ", AF_INET6, v6bad);
	bad("fd00::g", AF_UNSPEC, anybad);
	bad("0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1", AF_INET6, v6bad);
	bad("localhost", AF_UNSPEC, anybad);

	ok(addr_parse("10.1.2.3/8", AF_INET, &a, NULL) == 0 && a.family == AF_INET && a.prefix == 8 &&
	       a.bytes[0] == 10 && a.bytes[3] == 3,
	   "fields of 10.1.2.3/8");
	ok(addr_parse("1.2.3.4x", AF_INET, &a, NULL) == -1, "a NULL why is allowed");
	ok(addr_parse("10.0.0.1", AF_INET, &a, NULL) == 0 && a.prefix == -1 && addr_prefix(&a) == 32,
	   "bare IPv4: no prefix, addr_prefix 32");
	ok(addr_parse("fd00::1", AF_INET6, &a, NULL) == 0 && a.prefix == -1 && addr_prefix(&a) == 128,
	   "bare IPv6: no prefix, addr_prefix 128");
	ok(addr_parse("10.0.0.1/24", AF_INET, &a, NULL) == 0 && addr_prefix(&a) == 24,
	   "IPv4 /24: addr_prefix 24");
	ok(addr_parse("10.0.0.1/0", AF_INET, &a, NULL) == 0 && addr_prefix(&a) == 0,
	   "IPv4 /0: addr_prefix 0");
	ok(addr_parse("fd00::/48", AF_INET6, &a, NULL) == 0 && addr_prefix(&a) == 48,
	   "IPv6 /48: addr_prefix 48");
	ok(addr_parse("fd00::1/64", AF_INET6, &a, NULL) == 0 &&
	       !strcmp(addr_format(&a, tiny, sizeof(tiny)), "fd0"),
	   "addr_format truncates safely");
	ok(addr_parse("fd00::1/64", AF_INET6, &a, NULL) == 0 &&
	       addr_parse(addr_format(&a, buf, sizeof(buf)), AF_INET6, &a, NULL) == 0 &&
	       !strcmp(addr_format(&a, buf, sizeof(buf)), "fd00::1/64"),
	   "format, parse, format");

	UNIT("usable");
	usable("10.233.1.2", NULL);
	usable("10.233.1.2/24", NULL);
	usable("1.0.0.0/8", NULL);
	usable("223.255.255.254", NULL);
	usable("240.0.0.1", NULL);
	usable("128.0.0.1", NULL);
	usable("255.255.255.254", NULL);
	usable("fd75:74:136::2", NULL);
	usable("fe80::1/64", NULL);
	usable("::2", NULL);
	usable("fe00::1", NULL);
	usable("0.0.0.0", "unspecified address");
	usable("0.0.0.0/32", "unspecified address");
	usable("0.0.0.0/0", "a /0 prefix covers every address");
	usable("10.0.0.1/0", "a /0 prefix covers every address");
	usable("fd00::1/0", "a /0 prefix covers every address");
	usable("255.255.255.255", "broadcast address");
	usable("224.0.0.1", "multicast address");
	usable("239.255.255.255", "multicast address");
	usable("127.0.0.1", "loopback address");
	usable("127.255.0.9/8", "loopback address");
	usable("::", "unspecified address");
	usable("::/128", "unspecified address");
	usable("ff02::1", "multicast address");
	usable("ff00::", "multicast address");
	usable("::1", "loopback address");

	UNIT("mac");
	mac_good("02:00:00:00:00:01", (const unsigned char *)"\x02\x00\x00\x00\x00\x01");
	mac_good("aa:BB:cc:DD:ee:FF", (const unsigned char *)"\xaa\xbb\xcc\xdd\xee\xff");
	mac_good("0e:1f:2a:3b:4c:5d", (const unsigned char *)"\x0e\x1f\x2a\x3b\x4c\x5d");
	mac_bad("", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02:00:00:00:00", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02:00:00:00:00:01:02", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02:00:00:00:00:1", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("2:00:00:00:00:01", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02-00-00-00-00-01", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("020000000001", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02:00:00:00:00:0g", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02:00:00:00:00:01 ", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad(" 02:00:00:00:00:01", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02:00:00:00:00:01:", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("02::00:00:00:00:01", "not a MAC address (aa:bb:cc:dd:ee:ff)");
	mac_bad("01:00:5e:00:00:01", "multicast MAC address");
	mac_bad("ff:ff:ff:ff:ff:ff", "multicast MAC address");
	mac_bad("00:00:00:00:00:00", "all-zero MAC address");

	return unit_done();
}
