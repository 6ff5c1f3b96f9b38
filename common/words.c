/* Shell-like word splitting with no expansion of any kind. Upstream split list values on
 * blanks alone, so a bind path with a space broke (nixpkgs #198857); quoting fixes that. */
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int split_words(const char *s, struct strv *out, const char **why)
{
	struct strv t = { 0 };
	char *buf = xmalloc(strlen(s) + 1), *w = buf;
	const char *msg;
	int in = 0; /* inside a word: "" alone still makes one */
	char ch;

	for (;;) {
		ch = *s++;
		if (!ch || ch == ' ' || ch == '\t' || ch == '\n') {
			if (in)
				strv_push(&t, xstrndup(buf, w - buf));
			w = buf;
			in = 0;
			if (!ch)
				break;
			continue;
		}
		switch (ch) {
		case '\\':
			ch = *s++;
			if (!ch) {
				msg = "backslash at end of input";
				goto fail;
			}
			if (ch != '\n') { /* backslash-newline vanishes, as in sh */
				*w++ = ch;
				in = 1;
			}
			break;
		case '\'':
			in = 1;
			for (; *s != '\''; *w++ = *s++)
				if (!*s) {
					msg = "unterminated single quote";
					goto fail;
				}
			s++;
			break;
		case '"':
			in = 1;
			while ((ch = *s++) != '"') {
				if (!ch) {
					msg = "unterminated double quote";
					goto fail;
				}
				/* before any other character the backslash stays, as in sh */
				if (ch == '\\' && *s && strchr("$`\"\\\n", *s) && (ch = *s++) == '\n')
					continue;
				*w++ = ch;
			}
			break;
		default:
			*w++ = ch;
			in = 1;
		}
	}
	for (size_t i = 0; i < t.n; i++)
		strv_push(out, t.v[i]);
	free(t.v);
	free(buf);
	return 0;
fail:
	if (why)
		*why = msg;
	strv_free(&t);
	free(buf);
	return -1;
}
