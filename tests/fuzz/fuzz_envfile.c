/* envfile_parse() on arbitrary bytes. Invariants: the same answer with any ERRLEN, and the
 * message fits it and is terminal-safe; on failure the conf is unchanged; on success every
 * key is an env name, every value valid UTF-8 (control characters kept, as systemd
 * v248+ keeps them), no key twice, the pairs merged into what the conf held as the README
 * says (first place, last value), and written back as KEY="VALUE" they parse to the same
 * pairs; where envfile_scan() answers, it gives what the parser gives. */
#include "conf.h"
#include "fuzz.h"

#define WHERE "fuzz\xe2\x82\xac\x01.env"	 /* a euro sign and a control character */
#define WHERE_SHOWN "fuzz\xe2\x82\xac\\x01.env:" /* as messages show it */

static int name_valid(const char *k)
{
	if (!*k || (*k >= '0' && *k <= '9'))
		return 0;
	for (; *k; k++)
		if (!(*k == '_' || (*k >= '0' && *k <= '9') || (*k >= 'a' && *k <= 'z') ||
		      (*k >= 'A' && *k <= 'Z')))
			return 0;
	return 1;
}

static const char *find(const struct conf *c, const char *k)
{
	for (size_t i = 0; i < c->keys.n; i++)
		if (!strcmp(c->keys.v[i], k))
			return c->vals.v[i];
	return NULL;
}

static void strv_copy(struct strv *to, const struct strv *from)
{
	for (size_t i = 0; i < from->n; i++)
		strv_push(to, xstrdup(from->v[i]));
}

static int strv_eq(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n || (a->n && (a->v[a->n] || b->v[b->n])))
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

/* What the conf holds before: two keys, one of which the input may repeat, and a warning. */
static void prefill(struct conf *c)
{
	static const char pre[] = "PRE=kept\nA=old\n1X=bad\n";
	char err[256];

	CHECK(!envfile_parse(c, WHERE, pre, sizeof(pre) - 1, err, sizeof(err)), "prefill: %s", err);
	CHECK(c->keys.n == 2 && c->warnings.n == 1, "prefill gave %zu keys", c->keys.n);
}

/* KEY="VALUE" lines with " \ ` $ escaped: what the parse gave, as an env file again. */
static char *serialize(const struct conf *c, size_t *len)
{
	size_t cap = 1, n = 0;
	char *out;

	for (size_t i = 0; i < c->keys.n; i++)
		cap += strlen(c->keys.v[i]) + 2 * strlen(c->vals.v[i]) + 4;
	out = xmalloc(cap);
	for (size_t i = 0; i < c->keys.n; i++) {
		n += (size_t)sprintf(out + n, "%s=\"", c->keys.v[i]);
		for (const char *v = c->vals.v[i]; *v; v++) {
			if (strchr("\"\\`$", *v))
				out[n++] = '\\';
			out[n++] = *v;
		}
		out[n++] = '"';
		out[n++] = '\n';
	}
	*len = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf fresh = { 0 }, c = { 0 }, before = { 0 }, again = { 0 };
	size_t small = size % 48, n;
	char err[512], *tiny = malloc(small ? small : 1), *text;
	int r1, r2;

	/* 1. A fresh conf, a message buffer of 0..47 bytes (ASan sees a write past it). */
	r1 = envfile_parse(&fresh, WHERE, (const char *)data, size, tiny, small);
	if (r1 < 0 && small) {
		CHECK(memchr(tiny, 0, small), "message not terminated in %zu bytes", small);
		CHECK(msg_safe(tiny), "cut message not terminal-safe: %s", tiny);
	}
	free(tiny);

	/* 1b. envfile_scan(), the fast way for simple text: where it answers, the parser
	 * answers the same, with no warning. */
	{
		static const char *const keys[] = { "A", "B", "HOST_ADDRESS", "LOCAL_ADDRESS", "X_1" };
		const char *vals[5];
		size_t vlen[5];

		if (envfile_scan((const char *)data, size, keys, 5, vals, vlen) == 0) {
			CHECK(r1 == 0 && fresh.warnings.n == 0,
			      "scan took what the parser refuses or warns of");
			for (size_t k = 0; k < 5; k++) {
				const char *v = find(&fresh, keys[k]);

				CHECK(!v == !vals[k] &&
					  (!v || (strlen(v) == vlen[k] && !memcmp(v, vals[k], vlen[k]))),
				      "scan and parse differ on %s", keys[k]);
			}
		}
	}

	/* 2. A conf with something in it, a full message buffer. */
	prefill(&c);
	strv_copy(&before.keys, &c.keys);
	strv_copy(&before.vals, &c.vals);
	strv_copy(&before.warnings, &c.warnings);
	err[0] = 0;
	r2 = envfile_parse(&c, WHERE, (const char *)data, size, err, sizeof(err));
	CHECK(r1 == r2, "rc %d with a small buffer, %d with a large one", r1, r2);
	if (r2 < 0) {
		CHECK(r2 == -1, "rc %d", r2);
		CHECK(*err && msg_safe(err), "message empty or not terminal-safe: %s", err);
		CHECK(!strncmp(err, WHERE_SHOWN, sizeof(WHERE_SHOWN) - 1),
		      "message does not name the file: %s", err);
		CHECK(strv_eq(&c.keys, &before.keys) && strv_eq(&c.vals, &before.vals) &&
			  strv_eq(&c.warnings, &before.warnings),
		      "a failed parse changed the conf");
		CHECK(fresh.keys.n == 0 && fresh.warnings.n == 0, "a failed parse filled a fresh conf");
		goto out;
	}

	/* Each pair is valid, and no key comes twice. */
	CHECK(fresh.keys.n == fresh.vals.n && c.keys.n == c.vals.n, "keys and values differ in number");
	for (size_t i = 0; i < fresh.keys.n; i++) {
		const char *k = fresh.keys.v[i], *v = fresh.vals.v[i];

		CHECK(name_valid(k), "invalid key '%s'", k);
		CHECK(utf8_valid(v, strlen(v)), "value of %s is not UTF-8", k);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(fresh.keys.v[j], k), "key %s twice", k);
	}
	for (size_t i = 0; i < fresh.warnings.n; i++)
		CHECK(msg_safe(fresh.warnings.v[i]), "warning not terminal-safe: %s", fresh.warnings.v[i]);

	/* The merge: the old keys in their places, with the file's value when it has one; then
	 * the file's other keys in its order; the warnings appended. */
	n = before.keys.n;
	for (size_t i = 0; i < n; i++) {
		const char *v = find(&fresh, before.keys.v[i]);

		CHECK(!strcmp(c.keys.v[i], before.keys.v[i]), "old key %zu moved", i);
		CHECK(!strcmp(c.vals.v[i], v ? v : before.vals.v[i]), "old key %s has the wrong value",
		      before.keys.v[i]);
	}
	for (size_t i = 0; i < fresh.keys.n; i++) {
		if (find(&before, fresh.keys.v[i]))
			continue;
		CHECK(n < c.keys.n && !strcmp(c.keys.v[n], fresh.keys.v[i]) &&
			  !strcmp(c.vals.v[n], fresh.vals.v[i]),
		      "new key %s not in its place", fresh.keys.v[i]);
		n++;
	}
	CHECK(n == c.keys.n && !c.keys.v[n] && !c.vals.v[n], "%zu keys after the merge, want %zu", c.keys.n,
	      n);
	CHECK(c.warnings.n == before.warnings.n + fresh.warnings.n, "warnings lost in the merge");

	/* Round trip: written back with double quotes, the pairs parse to themselves. */
	text = serialize(&fresh, &n);
	CHECK(!envfile_parse(&again, WHERE, text, n, err, sizeof(err)), "written back, refused: %s", err);
	CHECK(!again.warnings.n, "written back, warned: %s", again.warnings.v[0]);
	CHECK(strv_eq(&again.keys, &fresh.keys) && strv_eq(&again.vals, &fresh.vals),
	      "written back, parsed to other pairs");
	free(text);
out:
	conf_free(&fresh);
	conf_free(&c);
	conf_free(&before);
	conf_free(&again);
	return 0;
}
