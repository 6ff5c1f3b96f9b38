/* IP address and MAC parsing: plain C, no netlink, so that it can be fuzzed alone. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

/* Exactly four decimal parts 0-255. Stricter than inet_aton and than `ip`, which read
 * "010" as octal 8, "0x10" as hex and "10.1" as 10.0.0.1: a leading zero is refused
 * rather than guessed at, so "010.0.0.1" never silently means 8.0.0.1. */
static int parse_v4(const char *s, unsigned char out[4])
{
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int n = 0;
		int digits = 0;

		if (i > 0 && *s++ != '.')
			return -1;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			n = n * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || n > 255)
			return -1;
		if (digits > 1 && s[-digits] == '0')
			return -1;
		out[i] = (unsigned char)n;
	}
	return *s ? -1 : 0;
}

/* Up to three decimal digits, no sign, space or leading zero: strtol would take
 * " +24", and `ip` reads "/024" as octal 20. */
static int parse_prefix(const char *s, int max)
{
	int n = 0, digits = 0;

	if (s[0] == '0' && s[1])
		return -1;
	for (; *s; s++, digits++) {
		if (*s < '0' || *s > '9' || digits == 3)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return digits && n <= max ? n : -1;
}

int addr_parse(const char *s, int family, struct ipaddr *a, const char **why)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash;
	size_t len;
	int v6;

	memset(a, 0, sizeof(*a));
	a->prefix = -1;
	if (!s)
		return fail(why, "empty address");
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (!len)
		return fail(why, "empty address");
	v6 = memchr(s, ':', len) != NULL;
	if ((family == AF_INET && v6) || (family == AF_INET6 && !v6) || len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (v6 ? inet_pton(AF_INET6, buf, a->bytes) != 1 : parse_v4(buf, a->bytes) < 0)
		goto bad;
	a->family = v6 ? AF_INET6 : AF_INET;
	if (slash) {
		a->prefix = parse_prefix(slash + 1, v6 ? 128 : 32);
		if (a->prefix < 0)
			return fail(why, v6 ? "prefix length must be 0-128" : "prefix length must be 0-32");
	}
	return 0;
bad:
	memset(a, 0, sizeof(*a));
	a->prefix = -1;
	return fail(why, family == AF_INET    ? "not an IPv4 address"
			 : family == AF_INET6 ? "not an IPv6 address"
					      : "not an IP address");
}

int addr_prefix(const struct ipaddr *a)
{
	if (a->prefix >= 0)
		return a->prefix;
	return a->family == AF_INET ? 32 : 128;
}

const char *addr_format(const struct ipaddr *a, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (!len)
		return buf;
	if (!inet_ntop(a->family, a->bytes, text, sizeof(text)))
		text[0] = 0;
	if (a->prefix >= 0)
		snprintf(buf, len, "%s/%d", text, a->prefix);
	else
		snprintf(buf, len, "%s", text);
	return buf;
}

/* For a container's host or local address: what `ip` takes but no link can use. */
int addr_usable(const struct ipaddr *a, const char **why)
{
	const unsigned char *b = a->bytes;
	static const unsigned char zero[16], one[16] = { [15] = 1 };

	if (a->prefix == 0)
		return fail(why, "a /0 prefix covers every address");
	if (a->family == AF_INET) {
		if (!(b[0] | b[1] | b[2] | b[3]))
			return fail(why, "unspecified address");
		if ((b[0] & b[1] & b[2] & b[3]) == 255)
			return fail(why, "broadcast address");
		if ((b[0] & 0xf0) == 224)
			return fail(why, "multicast address");
		if (b[0] == 127)
			return fail(why, "loopback address");
		return 0;
	}
	if (!memcmp(b, zero, 16))
		return fail(why, "unspecified address");
	if (b[0] == 0xff)
		return fail(why, "multicast address");
	if (!memcmp(b, one, 16))
		return fail(why, "loopback address");
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *s, unsigned char mac[6], const char **why)
{
	unsigned char m[6];
	int i, hi, lo;

	if (!s)
		return fail(why, "not a MAC address (aa:bb:cc:dd:ee:ff)");
	for (i = 0; i < 6; i++, s += 3) {
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
			return fail(why, "not a MAC address (aa:bb:cc:dd:ee:ff)");
		m[i] = (unsigned char)(hi << 4 | lo);
	}
	/* the kernel refuses these for a unicast device: say why before asking */
	if (m[0] & 1)
		return fail(why, "multicast MAC address");
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return fail(why, "all-zero MAC address");
	memcpy(mac, m, 6);
	return 0;
}
