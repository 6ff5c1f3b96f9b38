/* Env files as systemd reads them: every state-machine rule, each warning and error,
 * envfile_load(), conf_get(), the config and state dirs, conf_load(). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "unit.h"

static char err[512];

static int parse_n(struct conf *c, const char *s, size_t n)
{
	err[0] = 0;
	return envfile_parse(c, "t.env", s, n, err, sizeof(err));
}

static int parse(struct conf *c, const char *s)
{
	return parse_n(c, s, strlen(s));
}

/* S parses with no warning, and KEY has the value WANT (NULL: absent). */
static int gives(const char *s, const char *key, const char *want)
{
	struct conf c = { 0 };
	const char *got;
	int good;

	good = !parse(&c, s) && !c.warnings.n;
	got = conf_file_get(&c, key);
	good = good && streq_null(got, want);
	if (!good)
		printf("  rc/err [%s] warnings %zu, %s is [%s], want [%s]\n", err, c.warnings.n, key,
		       got ? got : "(null)", want ? want : "(null)");
	conf_free(&c);
	return good;
}

/* S parses to exactly the pairs in KV (key, value, ..., NULL), in that order. */
static int gives_all(const char *s, const char *const *kv)
{
	struct conf c = { 0 };
	size_t i;
	int good = !parse(&c, s) && !c.warnings.n;

	for (i = 0; good && kv[2 * i]; i++)
		good = i < c.keys.n && !strcmp(c.keys.v[i], kv[2 * i]) && !strcmp(c.vals.v[i], kv[2 * i + 1]);
	good = good && c.keys.n == i && c.vals.n == i;
	conf_free(&c);
	return good;
}

/* S loads with exactly one warning, which is WANT; OTHER=1 still loads. */
static int warns(const char *s, const char *want)
{
	struct conf c = { 0 };
	int good = !parse(&c, s) && c.warnings.n == 1 && !strcmp(c.warnings.v[0], want) &&
		   streq_null(conf_file_get(&c, "OTHER"), "1") && c.keys.n == 1;

	if (!good)
		printf("  warning [%s], want [%s]\n", c.warnings.n ? c.warnings.v[0] : "(none)", want);
	conf_free(&c);
	return good;
}

/* S (N bytes) is refused with the error WANT. */
static int refused_n(const char *s, size_t n, const char *want)
{
	struct conf c = { 0 };
	int good = parse_n(&c, s, n) == -1 && !strcmp(err, want) && !c.keys.n && !c.warnings.n;

	if (!good)
		printf("  error [%s], want [%s]\n", err, want);
	conf_free(&c);
	return good;
}

static int refused(const char *s, const char *want)
{
	return refused_n(s, strlen(s), want);
}

/* No byte below 0x20, no DEL, no C1 control and no invalid UTF-8 in S. */
static int clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == 0xff || (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return 0;
	return 1;
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_grammar(void)
{
	UNIT("conf grammar");
	ok(gives("# A=1\nB=2\n", "A", NULL) && gives("# A=1\nB=2\n", "B", "2"), "'#' starts a comment");
	ok(gives("; A=1\nB=2\n", "A", NULL) && gives("; A=1\nB=2\n", "B", "2"), "';' starts a comment");
	ok(gives("  \t# A=1\nB=2", "A", NULL), "a comment may follow leading blanks");
	ok(gives("# c \\\nA=1\n", "A", "1"), "a comment ending in a backslash does not continue (v254+)");
	ok(gives("# c \\x\nA=1\n", "A", "1"), "a backslash inside a comment is just part of it");
	ok(gives("A=1 # not a comment\n", "A", "1 # not a comment"), "'#' after a value is part of it");
	ok(gives_all("\n\n  \n\t\nA=1\n\n\nB=2\n\n", KV("A", "1", "B", "2")), "blank lines are skipped");
	ok(gives_all("A=1\r\nB= x \r\n# c\r\nC='y'\r\n", KV("A", "1", "B", "x", "C", "y")),
	   "CRLF line endings");
	ok(gives_all("A=1\rB=2\r", KV("A", "1", "B", "2")), "a lone CR ends a line too");
	ok(gives("  \t A \t =  \t1\n", "A", "1"), "blanks around the key and '=' are dropped");
	ok(gives("A=   x  y \t \n", "A", "x  y"),
	   "leading and trailing blanks of a value are dropped, inner kept");
	ok(gives("A=x \\ \n", "A", "x  "), "an escaped trailing blank is kept");
	ok(gives("A=' x '\n", "A", " x "), "single quotes keep blanks");
	ok(gives("A='x\ny'\n", "A", "x\ny"), "single quotes keep a newline");
	ok(gives("A='a\\b\"c$d`e'\n", "A", "a\\b\"c$d`e"),
	   "single quotes keep backslash, quote, $ and ` literally");
	ok(gives("A=\"x\ny\"\n", "A", "x\ny"), "double quotes keep a newline");
	ok(gives("A=\"a\\\"b\"", "A", "a\"b"), "double quotes: \\\" gives \"");
	ok(gives("A=\"a\\\\b\"", "A", "a\\b"), "double quotes: \\\\ gives \\");
	ok(gives("A=\"a\\`b\"", "A", "a`b"), "double quotes: \\` gives `");
	ok(gives("A=\"a\\$b\"", "A", "a$b"), "double quotes: \\$ gives $");
	ok(gives("A=\"a\\nb\\'c\"", "A", "a\\nb\\'c"),
	   "double quotes: a backslash before another char stays");
	ok(gives("A=\"a\\\nb\"", "A", "ab"), "double quotes: backslash-newline continues the line");
	ok(gives("A=\"it's\"", "A", "it's"), "a single quote inside double quotes is literal");
	ok(gives("A=a\\ b\\\"c\\\\d\\$e\\n\\'", "A", "a b\"c\\d$en'"),
	   "unquoted: a backslash escapes any char");
	ok(gives("A=\\ x\n", "A", " x"), "unquoted: an escaped leading blank is kept");
	ok(gives_all("A=foo\\\nbar\nB=2\n", KV("A", "foobar", "B", "2")),
	   "unquoted: backslash-newline continues");
	ok(gives("A=a  \\\n  b\n", "A", "a    b"), "unquoted: blanks around a continuation are kept");
	ok(gives("A=x\\\r\n", "A", "x"), "unquoted: backslash-CR eats only the CR, as in systemd");
	ok(gives("A=\"x\" y\n", "A", "xy"),
	   "a closing quote returns to PRE_VALUE: blanks skipped, parts join");
	ok(gives("A='a'\"b\"c\n", "A", "abc"), "single, double and bare parts join");
	ok(gives("A='x'   \n", "A", "x"), "blanks after a closing quote are dropped");
	ok(gives("A=\"a \"b  \n", "A", "a b"), "blanks inside quotes stay, after the bare part go");
	ok(gives("A=foo \"bar\"\n", "A", "foo \"bar\""), "a quote inside a bare value is literal");
	ok(gives("A=it's\n", "A", "it's"), "an apostrophe inside a bare value is literal");
	ok(gives("A=a=b==\n", "A", "a=b=="), "'=' inside a value is literal");
	ok(gives_all("A=1\nB=2\nA=3\n", KV("A", "3", "B", "2")),
	   "a repeated key: the last value wins, in place");
	ok(gives("A=\n", "A", ""), "an empty value");
	ok(gives("A=", "A", ""), "an empty value at EOF");
	ok(gives("A=  \t\n", "A", ""), "a value of blanks is empty");
	ok(gives("A=\"\"\n", "A", "") && gives("A=''", "A", ""), "an empty quoted value");
	ok(gives_all("A=\nB=1", KV("A", "", "B", "1")), "an empty value does not swallow the next line");
	ok(gives("A=x  ", "A", "x"), "a value at EOF without a final newline");
	ok(gives("A=x\\", "A", "x"), "a backslash at EOF is dropped");
	ok(gives("A  =  'q'", "A", "q"), "a quoted value at EOF without a final newline");
	ok(gives("A=héllo € 😀\n", "A", "héllo € 😀"), "UTF-8 in a value");
	ok(gives("A=\"a\tb\"\n", "A", "a\tb"), "a tab is allowed in a value");
	ok(gives("", "A", NULL) && gives("\n\n", "A", NULL), "an empty file");
	ok(gives("_a_1=x\n", "_a_1", "x"), "a key may hold letters, digits and '_'");
}

static void test_warnings(void)
{
	struct conf c = { 0 };
	char big[200];

	/* systemd v248 and later (Debian 12 has 252) keep control characters in values */
	UNIT("conf control characters");
	ok(gives("OTHER=1\nA=x\001y\n", "A", "x\001y"), "a control character in a value is kept");
	ok(gives("A=\"x\033[31m\"\nOTHER=1\n", "A", "x\033[31m"), "an ESC in a quoted value is kept");
	ok(gives("A=x\033\n", "A", "x\033"), "an ESC in an unquoted value is kept");
	ok(gives("A=x\177\nOTHER=1\n", "A", "x\177"), "a DEL in a value is kept");
	ok(gives("A='x\r\ny'\nOTHER=1\n", "A", "x\r\ny"), "a CR inside quotes is kept");
	ok(gives("A=x\302\233y\n", "A", "x\302\233y"), "a C1 control character is kept");
	ok(gives("A=x\033\nB=2\n", "B", "2"), "and the keys after it load, with no warning");

	UNIT("conf warnings");
	ok(warns("1A=x\nOTHER=1\n", "t.env:1: invalid key '1A', ignored"), "a key starting with a digit");
	ok(warns("OTHER=1\nA-B=x\n", "t.env:2: invalid key 'A-B', ignored"), "a key with a dash");
	ok(warns("OTHER=1\n\nA B=x\n", "t.env:3: invalid key 'A B', ignored"), "a key with a blank inside");
	ok(warns("==x\nOTHER=1", "t.env:1: invalid key '=', ignored"),
	   "a key of '=' (systemd takes it as the key)");
	ok(warns("A.b=x\nOTHER=1", "t.env:1: invalid key 'A.b', ignored"), "a key with a dot");
	ok(warns("ké=x\nOTHER=1", "t.env:1: invalid key 'ké', ignored"), "a key with a non-ASCII letter");
	ok(warns("OTHER=1\nB-C='x\ny\nz'\n", "t.env:2: invalid key 'B-C', ignored"),
	   "a multi-line value's warning names the line where its key started");
	ok(warns("A\001B=x\nOTHER=1\n", "t.env:1: invalid key 'A\\x01B', ignored"),
	   "a control character in a key is escaped in the warning");
	ok(warns("A\302\233B=x\nOTHER=1\n", "t.env:1: invalid key 'A\\xc2\\x9bB', ignored"),
	   "a C1 control character in a key is escaped in the warning");
	memset(big, 'K', sizeof(big));
	memcpy(big, "1", 1);
	strcpy(big + 150, "=v\nOTHER=1\n");
	ok(!parse(&c, big) && c.warnings.n == 1 && strstr(c.warnings.v[0], "'1KKK") &&
	       strstr(c.warnings.v[0], "...', ignored") && strlen(c.warnings.v[0]) < 100,
	   "a long key is cut with '...' in the warning");
	conf_free(&c);
	ok(!parse(&c, "1=a\n2=b\nOTHER=1\n") && c.warnings.n == 2 && strstr(c.warnings.v[1], "t.env:2:") &&
	       c.keys.n == 1,
	   "each invalid line gives its own warning");
	conf_free(&c);
}

static void test_errors(void)
{
	struct conf c = { 0 };
	char *big;

	UNIT("conf errors");
	ok(refused_n("A=1\nB=x\0y\n", 10, "t.env:2: NUL byte"), "a NUL byte refuses the file");
	ok(refused_n("#\0\n", 3, "t.env:1: NUL byte"), "a NUL byte even in a comment");
	ok(refused("A=1\n\nB=\xff\n", "t.env:3: invalid UTF-8"), "an invalid UTF-8 byte refuses the file");
	ok(refused("# \xc3\n", "t.env:1: invalid UTF-8"), "invalid UTF-8 even in a comment");
	ok(refused("A=\xc0\xaf", "t.env:1: invalid UTF-8"), "an overlong UTF-8 form");
	ok(refused("A=\xed\xa0\x80", "t.env:1: invalid UTF-8"), "a UTF-8 surrogate");
	ok(refused("A=\xe2\x82", "t.env:1: invalid UTF-8"), "a truncated UTF-8 sequence");
	ok(refused("A=\xf4\x90\x80\x80", "t.env:1: invalid UTF-8"), "UTF-8 beyond U+10FFFF");
	ok(refused("A=\xef\xbf\xbf", "t.env:1: invalid UTF-8"), "the noncharacter U+FFFF, as systemd");
	ok(refused("A=1\nFOO\nB=2\n", "t.env:2: no '=' in 'FOO'"), "a line with no '=' refuses the file");
	ok(refused("A=1\n\n  FOO  \r\n", "t.env:3: no '=' in 'FOO'"), "no '=' with blanks and CRLF");
	ok(refused("A=1\nFOO", "t.env:2: no '=' in 'FOO'"), "no '=' at EOF");
	ok(refused("A=1\r\n\r\nB='x\r\ny'\r\nFOO\r\n", "t.env:5: no '=' in 'FOO'"),
	   "line numbers count LF only, so CRLF lines count once");
	ok(refused("# c \\\nFOO\n", "t.env:2: no '=' in 'FOO'"),
	   "the line after a comment's backslash is read");
	ok(refused("=x\n", "t.env:1: empty key in '=x'"),
	   "an empty key: systemd drops '=x' as a line with no '='");
	ok(refused("FOO\033[2J\n", "t.env:1: no '=' in 'FOO\\x1b[2J'"),
	   "a control character in a message is escaped");
	ok(refused("A=1\nB='x\n\ny\n", "t.env:2: unterminated single quote"),
	   "an unterminated single quote names the line it opened on");
	ok(refused("A=1\nB='a'\"x\n", "t.env:2: unterminated double quote"),
	   "an unterminated double quote names the line it opened on");
	ok(refused("\n\nA=\"x\\", "t.env:3: unterminated double quote"),
	   "a backslash at EOF inside double quotes");
	ok(refused("A=\"x\\\"\n", "t.env:1: unterminated double quote"),
	   "an escaped closing quote does not close");

	big = xmalloc(CONF_MAX_SIZE + 1);
	memset(big, '#', CONF_MAX_SIZE + 1);
	ok(refused_n(big, CONF_MAX_SIZE + 1, "t.env: larger than 1048576 bytes"),
	   "a file over CONF_MAX_SIZE");
	ok(!parse_n(&c, big, CONF_MAX_SIZE) && !c.keys.n, "a file of exactly CONF_MAX_SIZE is read");
	/* distinct keys up to the size limit: linear, where a list search took minutes */
	{
		size_t n = 0, i = 0;

		while (n < CONF_MAX_SIZE - 32)
			n += sprintf(big + n, "K%zu=%zu\n", i, i), i++;
		n += sprintf(big + n, "K0=last\n");
		ok(!parse_n(&c, big, n) && c.keys.n == i && streq_null(c.vals.v[0], "last") &&
		       streq_null(conf_file_get(&c, "K80000"), "80000"),
		   "%zu distinct keys, then K0 again", i);
		conf_free(&c);
	}
	free(big);

	ok(!parse(&c, "A=1\nB=2\n1X=w\n"), "a first file fills the conf");
	ok(parse(&c, "A=9\nC=3\n2Y=w\nBAD\n") == -1 && c.keys.n == 2 &&
	       !strcmp(conf_file_get(&c, "A"), "1") && !conf_file_get(&c, "C") && c.warnings.n == 1 &&
	       c.vals.n == 2,
	   "a failed parse leaves an already filled conf unchanged");
	ok(parse(&c, "C='x") == -1 && c.keys.n == 2 && !conf_file_get(&c, "C"),
	   "an unterminated quote leaves the conf unchanged");
	ok(!parse(&c, "A=9\nC=3\n2Y=w\n") && c.keys.n == 3 && !strcmp(c.keys.v[0], "A") &&
	       !strcmp(conf_file_get(&c, "A"), "9") && !strcmp(c.keys.v[2], "C") && c.warnings.n == 2,
	   "a second good file replaces keys in place, appends new ones and warnings");
	conf_free(&c);

	ok(envfile_parse(&c, "t.env", "FOO", 3, err, 20) == -1 && strlen(err) == 19,
	   "an error is cut to ERRLEN");
	ok(envfile_parse(&c, "€€€€€€€", "FOO", 3, err, 7) == -1 && !strcmp(err, "€€"),
	   "a cut error never splits a UTF-8 sequence");
	ok(envfile_parse(&c, "a\nb\xff", "FOO", 3, err, sizeof(err)) == -1 &&
	       !strcmp(err, "a\\x0ab\\xff:1: no '=' in 'FOO'") && clean(err),
	   "WHERE is escaped in messages");
	conf_free(&c);
}

/* Run F with stderr going to a string, which the caller frees. */
static char *captured(int (*f)(struct conf *, const char *), struct conf *c, const char *arg, int *rc, int *e)
{
	char path[] = "/tmp/ncbox-conf-err.XXXXXX", *s;
	int fd = mkstemp(path), saved = dup(2);
	off_t n;

	fflush(stderr);
	dup2(fd, 2);
	*rc = f(c, arg);
	*e = errno;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = lseek(fd, 0, SEEK_END);
	s = xmalloc(n + 1);
	s[pread(fd, s, n, 0) < 0 ? 0 : n] = 0;
	close(fd);
	unlink(path);
	return s;
}

static void write_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, s, n) != (ssize_t)n)
		perror(path);
	close(fd);
}

static void test_load(const char *dir)
{
	struct conf c = { 0 };
	char *p, *q, *msg, *big;
	int rc, e, status;
	pid_t pid;

	UNIT("conf load");
	p = xasprintf("%s/missing.conf", dir);
	msg = captured(envfile_load, &c, p, &rc, &e);
	ok(rc == -1 && e == ENOENT && !*msg && !c.path, "a missing file: -1, ENOENT, nothing printed");
	free(msg);
	free(p);

	msg = captured(envfile_load, &c, dir, &rc, &e);
	ok(rc == -1 && e != ENOENT && strstr(msg, ": not a regular file\n") && !c.path,
	   "a directory is not a regular file");
	free(msg);

	p = xasprintf("%s/good.conf", dir);
	write_file(p, "A=1\n1B=2\nC='x y'\n", 17);
	msg = captured(envfile_load, &c, p, &rc, &e);
	q = xasprintf("%s:2: invalid key '1B', ignored\n", p);
	ok(!rc && c.path && !strcmp(c.path, p) && streq_null(conf_file_get(&c, "C"), "x y") &&
	       strstr(msg, q) && !strchr(strchr(msg, '\n') + 1, '\n'),
	   "a good file loads, sets path, prints its one warning");
	free(msg);
	free(q);

	q = xasprintf("%s/link.conf", dir);
	if (symlink("good.conf", q))
		perror(q);
	conf_free(&c);
	msg = captured(envfile_load, &c, q, &rc, &e);
	ok(!rc && streq_null(conf_file_get(&c, "A"), "1") && !strcmp(c.path, q), "a symlink is followed");
	free(msg);
	unlink(q);
	free(q);
	free(p);

	p = xasprintf("%s/bad.conf", dir);
	write_file(p, "A=2\nFOO\n", 8);
	msg = captured(envfile_load, &c, p, &rc, &e);
	q = xasprintf("read config: %s:2: no '=' in 'FOO'\n", p);
	ok(rc == -1 && e != ENOENT && strstr(msg, q) && !strchr(msg, '\n')[1] &&
	       streq_null(conf_file_get(&c, "A"), "1"),
	   "a broken file: -1, one line printed, conf unchanged");
	free(msg);
	free(q);
	unlink(p);
	free(p);

	p = xasprintf("%s/big.conf", dir);
	big = xmalloc(CONF_MAX_SIZE + 1);
	memset(big, '#', CONF_MAX_SIZE + 1);
	write_file(p, big, CONF_MAX_SIZE + 1);
	msg = captured(envfile_load, &c, p, &rc, &e);
	ok(rc == -1 && strstr(msg, "larger than 1048576 bytes"), "a file over CONF_MAX_SIZE is refused");
	free(msg);
	write_file(p, big, CONF_MAX_SIZE);
	msg = captured(envfile_load, &c, p, &rc, &e);
	ok(!rc && !*msg, "a file of exactly CONF_MAX_SIZE is read");
	free(msg);
	free(big);
	unlink(p);
	free(p);

	UNIT("conf get");
	unsetenv("A");
	ok(streq_null(conf_get(&c, "A"), "1"), "conf_get: the file's value when the environment has none");
	setenv("A", "env", 1);
	ok(streq_null(conf_get(&c, "A"), "env"), "conf_get: the environment wins over the file");
	ok(streq_null(conf_file_get(&c, "A"), "1"), "conf_file_get: the file only");
	setenv("A", "", 1);
	ok(streq_null(conf_get(&c, "A"), ""), "conf_get: an empty environment value still wins");
	unsetenv("A");
	ok(!conf_get(&c, "NCBOX_TEST_NONE") && !conf_file_get(&c, "NCBOX_TEST_NONE"),
	   "absent everywhere: NULL");
	setenv("NCBOX_TEST_ONLY_ENV", "e", 1);
	ok(streq_null(conf_get(&c, "NCBOX_TEST_ONLY_ENV"), "e"), "conf_get: a key only in the environment");
	unsetenv("NCBOX_TEST_ONLY_ENV");
	conf_free(&c);
	ok(!c.path && !c.keys.n && !c.keys.v && !c.warnings.n, "conf_free empties the conf");
	conf_free(&c);

	UNIT("envfile_scan");
	{
		static const char *const keys[] = { "HOST_ADDRESS", "LOCAL_ADDRESS", "FLAKE" };
		const char *v[3];
		size_t vl[3];
		static const char simple[] =
		    "PRIVATE_NETWORK=1\nHOST_ADDRESS=10.1.1.1\n# note\n;x\n\nLOCAL_ADDRESS=\n"
		    "HOST_ADDRESS=10.2.2.2/24";
		static const char *const hard[] = { "A=\"q\"\n", "A=x y\n",	    "A =x\n",
						    "1A=x\n",	 "A=x\\\n",	    "# c\\\nA=1\n",
						    "A=\x1b\n",	 "A=caf\xc3\xa9\n", "no equals\n",
						    "#\x01\n",	 "A=x\r\n" };

		ok(envfile_scan(simple, sizeof(simple) - 1, keys, 3, v, vl) == 0,
		   "what create writes is simple");
		ok(v[0] && vl[0] == 11 && !memcmp(v[0], "10.2.2.2/24", 11), "the last value of a key counts");
		ok(v[1] && vl[1] == 0 && !v[2], "an empty value is there, an unset key is NULL");
		for (size_t i = 0; i < sizeof(hard) / sizeof(hard[0]); i++)
			ok(envfile_scan(hard[i], strlen(hard[i]), keys, 3, v, vl) < 0,
			   "left to the parser: %zu", i);
	}

	UNIT("conf dirs");
	setenv("NCBOX_CONFIG_DIR", "/x/conf", 1);
	setenv("NCBOX_STATE_DIR", "/x/state", 1);
	ok(!strcmp(config_dir(), "/x/conf"), "NCBOX_CONFIG_DIR overrides config_dir()");
	ok(!strcmp(state_dir(), "/x/state"), "NCBOX_STATE_DIR overrides state_dir()");
	{
		/* never guessed from what exists: /etc/containers is podman's */
		const char *wc = "/etc/nixos-containers", *ws = "/var/lib/nixos-containers";

		setenv("NCBOX_CONFIG_DIR", "", 1);
		setenv("NCBOX_STATE_DIR", "", 1);
		ok(!strcmp(config_dir(), wc), "an empty NCBOX_CONFIG_DIR is unset: %s", wc);
		ok(!strcmp(state_dir(), ws), "an empty NCBOX_STATE_DIR is unset: %s", ws);
		unsetenv("NCBOX_CONFIG_DIR");
		unsetenv("NCBOX_STATE_DIR");
		ok(!strcmp(config_dir(), wc), "config_dir() default: %s", wc);
		ok(!strcmp(state_dir(), ws), "state_dir() default: %s", ws);
	}

	UNIT("conf_load");
	setenv("NCBOX_CONFIG_DIR", dir, 1);
	p = xasprintf("%s/web.conf", dir);
	write_file(p, "HOST_ADDRESS=10.0.0.1\n", 22);
	conf_load(&c, "web");
	ok(streq_null(conf_file_get(&c, "HOST_ADDRESS"), "10.0.0.1") && !strcmp(c.path, p),
	   "conf_load reads CONFIG_DIR/NAME.conf");
	conf_free(&c);
	free(p);
	conf_load(&c, "nosuch");
	ok(!c.keys.n && !c.path && !c.warnings.n, "conf_load: a missing NAME.conf is an empty config");
	conf_free(&c);

	p = xasprintf("%s/broken.conf", dir);
	q = xasprintf("%s/stderr", dir);
	write_file(p, "X=1\nY='a\n", 9);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		static struct conf cc;
		int fd = open(q, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		conf_load(&cc, "broken");
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == EXIT_CONFIG,
	   "conf_load: a broken NAME.conf exits with EXIT_CONFIG");
	msg = xmalloc(4096);
	rc = open(q, O_RDONLY);
	e = rc < 0 ? 0 : read(rc, msg, 4095);
	msg[e < 0 ? 0 : e] = 0;
	close(rc);
	free(p);
	p = xasprintf("ncbox: read config: %s/broken.conf:2: unterminated single quote\n", dir);
	ok(!strcmp(msg, p), "conf_load: the reason is printed once, as one line");
	free(msg);
	unlink(q);
	free(q);
	free(p);
	p = xasprintf("%s/broken.conf", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/web.conf", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/good.conf", dir);
	unlink(p);
	free(p);
	unsetenv("NCBOX_CONFIG_DIR");
}

int main(void)
{
	char dir[] = "/tmp/ncbox-conf.XXXXXX";

	test_grammar();
	test_warnings();
	test_errors();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_load(dir);
	if (rmdir(dir))
		perror(dir);
	return unit_done();
}
