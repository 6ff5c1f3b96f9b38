/* ncbox: what every applet and common module shares. */
#ifndef NCBOX_H
#define NCBOX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#define NCBOX_VERSION "0.1.0"

/* Exit codes, named once here and listed in the README. */
enum {
	EXIT_FAIL = 1,	      /* a step failed (the kernel or libc said no) */
	EXIT_USAGE = 2,	      /* bad command line */
	EXIT_CONFIG = 3,      /* bad configuration: env file, key, value, name */
	EXIT_PERM = 4,	      /* a capability the applet needs is missing */
	EXIT_NOCONTAINER = 5, /* nixos-container: no such container (no NAME.conf) */
	EXIT_EXISTS = 6,      /* nixos-container create: the container exists already */
	EXIT_NOEXEC = 126,    /* a program to chainload could not be executed */
	EXIT_NOTFOUND = 127,  /* unknown applet, or a program to run is missing */
};

/* err.c: every message is "APPLET: STEP: OBJECT: REASON". */
extern const char *applet;
/* A context the messages below put after the applet's name ("COMMAND: NAME"), until it is
 * set again; "" for none. A usage error goes without it. */
void err_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* STEP failed on OBJECT (may be NULL) because of errno ERR; DETAIL, if not NULL
 * or empty, is the kernel's extended-ack message or another precise reason. */
void warn_err(const char *step, const char *obj, int err, const char *detail);
noreturn void die_err(int code, const char *step, const char *obj, int err, const char *detail);
/* The same with the current errno. */
void warn_sys(const char *step, const char *obj);
noreturn void die_sys(int code, const char *step, const char *obj);
/* Usage error: one line naming the problem and pointing to --help; exit EXIT_USAGE. */
noreturn void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The length of the UTF-8 sequence at P (LEFT bytes), 0 if invalid. As systemd's
 * utf8_encoded_valid_unichar(): overlong forms, surrogates and noncharacters are invalid. */
size_t utf8_seq(const unsigned char *p, size_t left);
/* S (N bytes) made safe for a terminal, in a new string: control characters (C0, DEL, C1)
 * and invalid UTF-8 as \xNN, cut after MAX bytes with "...". */
char *escape(const char *s, size_t n, size_t max);
/* The same for a one-line message, cut at 160 bytes, in a static buffer: the results of
 * four calls stay valid at a time. */
const char *msg_esc(const char *s);
/* snprintf() into ERR (ERRLEN bytes), but a cut never leaves half a UTF-8 sequence at the
 * end: a message of escaped values stays as safe once it is cut. */
void msgf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vmsgf(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* util.c: memory that dies rather than fails, and string vectors. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct strv {
	char **v; /* NULL-terminated once it holds anything */
	size_t n, cap;
};
void strv_push(struct strv *sv, char *s); /* takes ownership */
void strv_pushf(struct strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_free(struct strv *sv);
void strv_sort(struct strv *sv); /* by strcmp */

#endif
