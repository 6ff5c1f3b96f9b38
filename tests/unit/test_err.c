/* Unit tests of common/err.c: an error line and a message cut never split UTF-8. */
#include <stdlib.h>
#include <unistd.h>

#include "ncbox.h"
#include "unit.h"

static int utf8_ok(const char *s, size_t n)
{
	size_t l;

	for (size_t i = 0; i < n; i += l)
		if (!(l = utf8_seq((const unsigned char *)s + i, n - i)))
			return 0;
	return 1;
}

int main(void)
{
	char big[3001], buf[4096], small[8];
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n;

	UNIT("err");
	for (n = 0; n + 2 < sizeof(big); n += 2)
		memcpy(big + n, "\xc3\xa9", 2); /* é */
	big[n] = 0;
	applet = "t";
	dup2(fileno(f), 2);
	warn_msg("%s", big);
	dup2(saved, 2);
	rewind(f);
	n = fread(buf, 1, sizeof(buf), f);
	ok(n > 2000 && n <= 2048 && buf[n - 1] == '\n' && !memchr(buf, '\n', n - 1),
	   "a long error line is one line of at most 2048 bytes (%zu)", n);
	ok(utf8_ok(buf, n), "and is cut between UTF-8 sequences");

	msgf(small, sizeof(small), "ab%s", "\xc3\xa9\xc3\xa9\xc3\xa9");
	ok(!strcmp(small, "ab\xc3\xa9\xc3\xa9"), "msgf cuts before a sequence that does not fit (%s)", small);
	msgf(small, sizeof(small), "abc%s", "\xe2\x82\xac\xe2\x82\xac");
	ok(!strcmp(small, "abc\xe2\x82\xac"), "msgf keeps a whole 3-byte sequence (%s)", small);
	msgf(small, sizeof(small), "%s", "abcdefghij");
	ok(!strcmp(small, "abcdefg"), "msgf cuts ASCII at the buffer's end");
	fclose(f);
	return unit_done();
}
