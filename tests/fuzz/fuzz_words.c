/* split_words() on arbitrary text (a NUL-terminated copy: it reads up to the first NUL).
 * Invariants: on failure OUT is unchanged and WHY says why; on success the words are
 * appended after what OUT held, and joined again with single quotes (' written '\'') they
 * split into the same words: a round trip. */
#include "conf.h"
#include "fuzz.h"

/* 'w1' 'w2' ...: every word single-quoted, a quote inside as '\''. */
static char *join(char **w, size_t n)
{
	size_t cap = 1, len = 0;
	char *out, *o;

	for (size_t i = 0; i < n; i++)
		cap += 4 * strlen(w[i]) + 3;
	o = out = xmalloc(cap);
	for (size_t i = 0; i < n; i++) {
		*o++ = '\'';
		for (const char *p = w[i]; *p; p++) {
			if (*p == '\'')
				o = stpcpy(o, "'\\''");
			else
				*o++ = *p;
		}
		*o++ = '\'';
		*o++ = ' ';
		len = (size_t)(o - out);
	}
	out[len] = 0;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = cstr(data, size), *joined;
	struct strv out = { 0 }, again = { 0 };
	const char *why = NULL;
	size_t nw;

	strv_push(&out, xstrdup("before"));
	if (split_words(s, &out, &why) < 0) {
		CHECK(why && *why, "refused without a reason");
		CHECK(out.n == 1 && !strcmp(out.v[0], "before") && !out.v[1], "a refused split changed OUT");
		goto done;
	}
	CHECK(out.n >= 1 && !strcmp(out.v[0], "before") && !out.v[out.n], "OUT lost what it held");
	nw = out.n - 1;
	CHECK(nw <= size / 2 + 1, "%zu words from %zu bytes", nw, size);
	joined = join(out.v + 1, nw);
	why = NULL;
	CHECK(!split_words(joined, &again, &why), "the joined words are refused: %s", why);
	CHECK(again.n == nw, "the joined words split into %zu words, want %zu", again.n, nw);
	for (size_t i = 0; i < nw; i++)
		CHECK(!strcmp(again.v[i], out.v[i + 1]), "word %zu changed in the round trip", i);
	free(joined);
done:
	strv_free(&out);
	strv_free(&again);
	free(s);
	return 0;
}
