/* Error helpers: "APPLET: STEP: OBJECT: REASON", one line, on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncbox.h"

const char *applet = "ncbox";

static void vsay(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", applet);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
	fflush(stdout);
	fprintf(stderr, "%s: %s", applet, step);
	if (obj)
		fprintf(stderr, ": %s", obj);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	if (detail && *detail)
		fprintf(stderr, err ? " (%s)" : ": %s", detail);
	fputc('\n', stderr);
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
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", applet);
	exit(EXIT_USAGE);
}

noreturn void not_built(void)
{
	die(EXIT_FAIL, "this applet is not built yet in ncbox %s", NCBOX_VERSION);
}
