/* Shared by the libFuzzer targets: a broken invariant aborts with one line saying which,
 * so that libFuzzer keeps the input as a crash. Include it once per target. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                                                               \
	do {                                                                                           \
		if (!(cond)) {                                                                         \
			fprintf(stderr, "invariant broken at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                                  \
			fputc('\n', stderr);                                                           \
			abort();                                                                       \
		}                                                                                      \
	} while (0)

/* A NUL-terminated heap copy of DATA: what the C-string APIs get, so that ASan sees a read
 * past the terminator. */
static inline char *cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* Valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF), written
 * apart from common/err.c's utf8_seq() so that it checks it rather than repeats it. */
static inline int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned int c = s[i], need, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		if (n - i <= need)
			return 0;
		for (unsigned int k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* A C0 control character or DEL, other than those in ALLOW. */
static inline int has_cc(const char *s, const char *allow)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 || *s == 0x7f) && !strchr(allow, *s))
			return 1;
	return 0;
}

/* A message fit for a terminal: valid UTF-8 with no control character at all (C0, DEL, C1),
 * as escape() promises. */
static inline int msg_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!utf8_valid(s, strlen(s)) || has_cc(s, ""))
		return 0;
	for (; *p; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			return 0;
	return 1;
}

#endif
