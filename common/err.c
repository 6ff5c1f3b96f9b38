/* Error helpers: "APPLET: STEP: OBJECT: REASON", one line, written to stderr in one
 * write so that lines of parallel processes never interleave. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ncbox.h"

const char *applet = "ncbox";

static void vsay(const char *fmt, va_list ap)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s: ", applet);

	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(line)) {
		int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);

		n += m < 0 ? 0 : m;
	}
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fflush(stdout);
	if (write(2, line, (size_t)n) < 0)
		return; /* nowhere left to report it */
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(code);
}

void warn_err(const char *step, const char *obj, int err, const char *detail)
{
	int has_detail = detail && *detail;

	say("%s%s%s%s%s%s%s%s", step, obj ? ": " : "", obj ? obj : "",
	    err ? ": " : "", err ? strerror(err) : "",
	    has_detail ? (err ? " (" : ": ") : "", has_detail ? detail : "",
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
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	say("%s (try '%s --help')", what, applet);
	exit(EXIT_USAGE);
}

const char *msg_esc(const char *s)
{
	static char bufs[4][200];
	static int next;
	char *b = bufs[next++ % 4];
	size_t o = 0;

	for (; *s && o < sizeof(bufs[0]) - 8; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02x", ch);
		else
			b[o++] = (char)ch;
	}
	if (*s)
		memcpy(b + o, "...", 4);
	else
		b[o] = 0;
	return b;
}

noreturn void not_built(void)
{
	die(EXIT_FAIL, "not built yet in ncbox %s (its issue brings it)", NCBOX_VERSION);
}
