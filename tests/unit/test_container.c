/* Container names, interface names and EXTRA_VETHS. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "container.h"
#include "unit.h"

static int veths(const char *s, struct veth **v, size_t *n, char *err)
{
	return veths_parse(s, v, n, err, 256);
}

static int utf8_ok(const char *s)
{
	size_t l;

	for (; *s; s += l)
		if (!(l = utf8_seq((const unsigned char *)s, strlen(s))))
			return 0;
	return 1;
}

static void bad_veths(const char *s, const char *want)
{
	struct veth *v = NULL;
	size_t n = 0;
	char err[256] = "";

	ok(veths(s, &v, &n, err) < 0 && strstr(err, want), "EXTRA_VETHS '%s' refused: %s", s, err);
}

int main(void)
{
	const char *why;
	struct veth *v = NULL;
	size_t n = 0;
	char err[256] = "", buf[80];

	UNIT("container");
	ok(name_check("web", &why) == 0, "a plain name is valid");
	ok(name_check("my_web-2", &why) == 0, "'_' and '-' are valid");
	ok(name_check("averyveryverylongname", &why) == 0, "a name over 11 characters is valid");
	ok(name_check("", &why) < 0 && strstr(why, "empty"), "the empty name is refused");
	ok(name_check("-web", &why) < 0 && strstr(why, "'-'"), "a leading '-' is refused");
	ok(name_check("a/b", &why) < 0, "'/' is refused");
	ok(name_check("..", &why) < 0, "'..' is refused");
	ok(name_check("a b", &why) < 0, "a space is refused");
	ok(name_check("a\nb", &why) < 0, "a newline is refused");
	ok(name_check("caf\xc3\xa9", &why) < 0, "non-ASCII is refused");
	ok(name_check("a.b", &why) < 0, "'.' is refused, as upstream does");
	memset(buf, 'a', 65);
	buf[65] = 0;
	ok(name_check(buf, &why) < 0 && strstr(why, "64"), "65 bytes are refused");
	buf[64] = 0;
	ok(name_check(buf, &why) == 0, "64 bytes are valid");

	ok(ifname_check("eth0", &why) == 0, "eth0 is an interface name");
	ok(ifname_check("abcdefghijklmno", &why) == 0, "15 bytes are fine");
	ok(ifname_check("abcdefghijklmnop", &why) < 0 && strstr(why, "15"), "16 bytes are refused");
	ok(ifname_check("a:b", &why) < 0, "':' is refused");
	ok(ifname_check(".", &why) < 0 && ifname_check("..", &why) < 0, "'.' and '..' are refused");
	ok(ifname_check("", &why) < 0, "empty is refused");

	ok(veths("", &v, &n, err) == 0 && n == 0, "empty EXTRA_VETHS is no veth");
	veths_free(v, n);
	ok(veths("  vx1\tvx2\n", &v, &n, err) == 0 && n == 2 && !strcmp(v[0].name, "vx1") &&
	       !strcmp(v[1].name, "vx2") && !v[0].host_bridge && !addr_set(&v[0].host4),
	   "blanks separate bare names");
	veths_free(v, n);
	ok(veths(
	       "vx1,hostBridge=br0 vx2,hostAddress=10.0.0.1,hostAddress6=fc00::1/64,localAddress=10.0.0.2/24,"
	       "localAddress6=fc00::2",
	       &v, &n, err) == 0 &&
	       n == 2,
	   "every key parses: %s", err);
	if (n == 2) {
		ok(!strcmp(v[0].host_bridge, "br0"), "hostBridge is kept");
		ok(v[1].host4.family == AF_INET && v[1].host4.prefix == -1, "hostAddress is IPv4, no prefix");
		ok(v[1].host6.family == AF_INET6 && v[1].host6.prefix == 64, "hostAddress6 keeps /64");
		ok(v[1].local4.prefix == 24, "localAddress keeps /24");
		ok(v[1].local6.family == AF_INET6, "localAddress6 is IPv6");
	}
	veths_free(v, n);
	ok(veths("vx,hostAddress=,hostBridge=", &v, &n, err) == 0 && n == 1 && !addr_set(&v[0].host4) &&
	       !v[0].host_bridge,
	   "empty values are unset, as in the scripts");
	veths_free(v, n);
	ok(veths("vx,", &v, &n, err) < 0 && strstr(err, "empty field"), "a trailing comma is an empty field");
	bad_veths("vx,hostAdress=1.2.3.4", "unknown key 'hostAdress'");
	bad_veths("vx,HostBridge=br0", "unknown key 'HostBridge'");
	bad_veths("vx,hostBridge", "field without '='");
	ok(veths("vx,hostAddress=fc00::1,localAddress=fc00::2/64", &v, &n, err) == 0 && n == 1 &&
	       v[0].host4.family == AF_INET6 && v[0].local4.family == AF_INET6 && v[0].local4.prefix == 64,
	   "hostAddress and localAddress take IPv6 too, as the module's scripts hand them to ip");
	veths_free(v, n);
	bad_veths("vx,hostAddress=1.2.3", "hostAddress '1.2.3': not an IP address");
	bad_veths("vx,hostAddress6=10.0.0.1", "not an IPv6 address");
	bad_veths("vx,localAddress=10.0.0.1/33", "prefix length");
	bad_veths("vx,hostBridge=a/b", "hostBridge 'a/b'");
	bad_veths("vx vx", "given twice");
	bad_veths(",hostBridge=br0", "empty interface name");
	bad_veths("aaaaaaaaaaaaaaaa", "longer than 15");
	bad_veths("vx,hostBridge=\x01", "\\x01");

	/* Cut to fit, a message never ends in half a UTF-8 sequence (fuzz_veths found one). */
	{
		char entry[300] = "vx,hostBridge=", cut[600];
		size_t len, bad = 0;

		for (len = strlen(entry); len + 2 < sizeof(entry); len += 2)
			memcpy(entry + len, "\xc3\xa9", 2);
		entry[len] = 0;
		for (size_t l = 1; l <= sizeof(cut); l++) {
			memset(cut, 'x', sizeof(cut));
			if (veths_parse(entry, &v, &n, cut, l) != -1 || !memchr(cut, 0, l) || !utf8_ok(cut))
				bad = l;
		}
		ok(!bad, "a message with non-ASCII cut to any length stays valid UTF-8 (bad at %zu)", bad);
	}
	{
		/* HOST_PORT and --port: what nspawn's --port takes, and nothing it reads otherwise */
		static const char *const good[] = {
			"", "80", "tcp:8080:80", "udp:53:5353", "65535", "80,udp:80,tcp:81:80"
		};
		static const char *const bad[][2] = {
			{ "tcp:0:80", "ports must be 1-65535" },
			{ "udp:53:65536", "ports must be 1-65535" },
			{ "sctp:80", "protocol must be tcp or udp" },
			{ "tcp:80,", "entry '': empty entry" },
			{ "tcp:010", "leading zero" },
			{ "080", "leading zero" },
			{ "80,tcp:80:81", "given twice" },
			{ "80, 81", "entry ' 81'" },
			{ "+80", "ports must be" },
			{ "80:", "ports must be" },
			{ "0x50", "ports must be" },
			{ "tcp:1:2:3", "ports must be" },
		};
		struct strv ports = { 0 };

		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			ok(ports_parse(good[i], &ports, err, sizeof(err)) == 0, "HOST_PORT '%s' is valid",
			   good[i]);
			strv_free(&ports);
		}
		ok(ports_parse("tcp:8080:80,udp:53", &ports, err, sizeof(err)) == 0 && ports.n == 2 &&
		       !strcmp(ports.v[0], "tcp:8080:80") && !strcmp(ports.v[1], "udp:53"),
		   "HOST_PORT entries are kept as given, in order");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ok(ports_parse(bad[i][0], &ports, err, sizeof(err)) < 0 && strstr(err, bad[i][1]) &&
			       ports.n == 2,
			   "HOST_PORT '%s' refused, the list unchanged: %s", bad[i][0], err);
		strv_free(&ports);
	}
	return unit_done();
}
