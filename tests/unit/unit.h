/* A tiny unit-test harness: each check prints one "PASS: ..." or "FAIL: ..." line,
 * which tests/run counts. Include it once per test program. */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *unit_name = "unit";
static int unit_failures;

#define UNIT(name) (unit_name = (name))

/* ok(COND, "description %s", ...) */
#define ok(cond, ...) unit_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static inline void unit_ok(int good, const char *file, int line,
								 const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s: ", good ? "PASS" : "FAIL", unit_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!good) {
		printf(" (%s:%d)", file, line);
		unit_failures++;
	}
	putchar('\n');
	fflush(stdout);
}

/* String equality where NULL means "absent". */
static inline int streq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static inline int unit_done(void)
{
	return unit_failures ? 1 : 0;
}

#endif
