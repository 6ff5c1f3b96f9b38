/* Error helpers: "APPLET: STEP: OBJECT: REASON", one line, written to stderr in one
 * write so that lines of parallel processes never interleave. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ncbox.h"

#define MSG_ESC_MAX 160

const char *applet = "ncbox";
static char context[400];

void err_context(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsgf(context, sizeof(context), fmt, ap);
	va_end(ap);
}

/* CTX: the context after the applet's name (a usage error goes without it). */
static void vsay(int ctx, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n = (size_t)snprintf(line, sizeof(line) - 1, "%s: %s%s", applet, ctx ? context : "",
				    ctx && *context ? ": " : "");

	/* room for the newline; a long line is cut as msgf cuts */
	if (n < sizeof(line) - 2)
		vmsgf(line + n, sizeof(line) - 1 - n, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	fflush(stdout);
	if (write(2, line, n) < 0)
		return; /* nowhere left to report it */
}

static void say(int ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(ctx, fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(1, fmt, ap);
	va_end(ap);
}

noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(1, fmt, ap);
	va_end(ap);
	exit(code);
}

void warn_err(const char *step, const char *obj, int err, const char *detail)
{
	int has_detail = detail && *detail;

	warn_msg("%s%s%s%s%s%s%s%s", step, obj ? ": " : "", obj ? obj : "", err ? ": " : "",
		 err ? strerror(err) : "", has_detail ? (err ? " (" : ": ") : "", has_detail ? detail : "",
		 has_detail && err ? ")" : "");
}

noreturn void die_err(int code, const char *step, const char *obj, int err, const char *detail)
{
	warn_err(step, obj, err, detail);
	exit(code);
}

void warn_sys(const char *step, const char *obj)
{
	warn_err(step, obj, errno, NULL);
}

noreturn void die_sys(int code, const char *step, const char *obj)
{
	die_err(code, step, obj, errno, NULL);
}

noreturn void die_usage(const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vmsgf(what, sizeof(what), fmt, ap);
	va_end(ap);
	say(0, "%s (try '%s --help')", what, applet);
	exit(EXIT_USAGE);
}

/* The length of the UTF-8 sequence at P (LEFT bytes), 0 if invalid. As systemd's
 * utf8_encoded_valid_unichar(): overlong forms, surrogates and noncharacters are invalid. */
size_t utf8_seq(const unsigned char *p, size_t left)
{
	static const unsigned int min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned int u;
	size_t n, i;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0)
		n = 2;
	else if ((*p & 0xf0) == 0xe0)
		n = 3;
	else if ((*p & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	u = *p & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		u = u << 6 | (p[i] & 0x3f);
	}
	if (u < min[n] || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff) || (u >= 0xfdd0 && u <= 0xfdef) ||
	    (u & 0xfffe) == 0xfffe)
		return 0;
	return n;
}

char *escape(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(4 * (n < max ? n : max) + 4), *o = out;
	size_t i, j, l;

	for (i = 0; i < n; i += l) {
		l = utf8_seq(p + i, n - i);
		if (i + (l ? l : 1) > max) {
			o = stpcpy(o, "...");
			break;
		}
		if (!l || p[i] < 0x20 || p[i] == 0x7f || (p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			l = l ? l : 1;
			for (j = 0; j < l; j++)
				o += sprintf(o, "\\x%02x", p[i + j]);
		} else {
			memcpy(o, p + i, l);
			o += l;
		}
	}
	*o = 0;
	return out;
}

void vmsgf(char *err, size_t errlen, const char *fmt, va_list ap)
{
	size_t j;
	int n = vsnprintf(err, errlen, fmt, ap);

	if (n < 0 || (size_t)n < errlen || errlen < 2)
		return;
	for (j = errlen - 2; j && (err[j] & 0xc0) == 0x80; j--)
		;
	if (!utf8_seq((const unsigned char *)err + j, errlen - 1 - j))
		err[j] = 0;
}

void msgf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsgf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *msg_esc(const char *s)
{
	static char bufs[4][4 * MSG_ESC_MAX + 4];
	static int next;
	char *b = bufs[next++ % 4], *e = escape(s, strlen(s), MSG_ESC_MAX);

	memcpy(b, e, strlen(e) + 1);
	free(e);
	return b;
}
