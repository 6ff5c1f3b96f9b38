/* split_words(): blanks, quotes, escapes, joins, no expansion, errors. */
#include <stdlib.h>

#include "conf.h"
#include "unit.h"

/* S splits into exactly WANT (NULL-terminated), appended after one word already there. */
static int splits(const char *s, const char *const *want)
{
	struct strv out = { 0 };
	const char *why = NULL;
	size_t i;
	int good;

	strv_push(&out, xstrdup("first"));
	good = !split_words(s, &out, &why) && !why;
	for (i = 0; good && want[i]; i++)
		good = i + 1 < out.n && !strcmp(out.v[i + 1], want[i]);
	good = good && out.n == i + 1 && !out.v[out.n] && !strcmp(out.v[0], "first");
	if (!good) {
		printf("  split of [%s] gave %zu words:", s, out.n - 1);
		for (i = 1; i < out.n; i++)
			printf(" [%s]", out.v[i]);
		printf("\n");
	}
	strv_free(&out);
	return good;
}

/* S is refused with WHY, and OUT keeps what it had. */
static int refused(const char *s, const char *want_why)
{
	struct strv out = { 0 };
	const char *why = NULL;
	int good;

	strv_push(&out, xstrdup("kept"));
	good = split_words(s, &out, &why) == -1 && streq_null(why, want_why) && out.n == 1 &&
	       !strcmp(out.v[0], "kept") && !out.v[1];
	strv_free(&out);
	return good;
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

int main(void)
{
	struct strv out = { 0 };
	const char *why = NULL;

	UNIT("words");
	ok(splits("a b  c", W("a", "b", "c")), "spaces separate words, runs count once");
	ok(splits("\ta\tb\nc\n", W("a", "b", "c")), "tabs and newlines separate words");
	ok(splits("  a  ", W("a")), "leading and trailing blanks make no word");
	ok(splits("", NONE), "empty input gives no word");
	ok(splits(" \t\n ", NONE), "only blanks give no word");
	ok(splits("'a b'", W("a b")), "single quotes keep blanks");
	ok(splits("'a\\b\"c$d'", W("a\\b\"c$d")),
	   "single quotes keep backslash, double quote, dollar literally");
	ok(splits("'a\nb'", W("a\nb")), "single quotes keep a newline");
	ok(splits("\"a b\"", W("a b")), "double quotes keep blanks");
	ok(splits("\"it's\"", W("it's")), "a single quote inside double quotes is literal");
	ok(splits("\"\\$\\`\\\"\\\\\"", W("$`\"\\")),
	   "in double quotes a backslash escapes $ ` \" and backslash");
	ok(splits("\"\\n\\a\\'\"", W("\\n\\a\\'")), "in double quotes a backslash before another char stays");
	ok(splits("\"a\\\nb\"", W("ab")), "in double quotes backslash-newline is removed");
	ok(splits("\"a\nb\"", W("a\nb")), "double quotes keep a plain newline");
	ok(splits("a\\ b", W("a b")), "outside quotes a backslash escapes a blank");
	ok(splits("\\'\\\"\\\\\\n", W("'\"\\n")), "outside quotes a backslash escapes any char");
	ok(splits("a\\\nb c", W("ab", "c")), "outside quotes backslash-newline is removed");
	ok(splits("a \\\n b", W("a", "b")), "a lone backslash-newline between blanks makes no word");
	ok(splits("a'b c'\"d e\"f", W("ab cd ef")), "adjacent quoted and unquoted parts join");
	ok(splits("'' \"\" x", W("", "", "x")), "'' and \"\" alone give empty words");
	ok(splits("a''b", W("ab")), "an empty quote inside a word adds nothing");
	ok(splits("--bind='/a b:/c d' --x", W("--bind=/a b:/c d", "--x")),
	   "a bind path with a space stays one word");
	ok(splits("$HOME ${X} `id` $(id)", W("$HOME", "${X}", "`id`", "$(id)")),
	   "no variable or command expansion");
	ok(splits("* ?.c [ab] ~ ~/x {a,b}", W("*", "?.c", "[ab]", "~", "~/x", "{a,b}")),
	   "no glob, tilde or brace expansion");
	ok(splits("a;b|c&d>e", W("a;b|c&d>e")), "shell operators are plain characters");
	ok(splits("é 'ü x'", W("é", "ü x")), "UTF-8 passes through");
	ok(refused("a 'b", "unterminated single quote"), "unterminated single quote refused, OUT unchanged");
	ok(refused("a \"b", "unterminated double quote"), "unterminated double quote refused, OUT unchanged");
	ok(refused("a \"b\\\"", "unterminated double quote"), "escaped closing quote leaves it unterminated");
	ok(refused("a \"b\\", "unterminated double quote"), "backslash at the end inside double quotes");
	ok(refused("a b\\", "backslash at end of input"), "backslash at end of input refused, OUT unchanged");
	ok(split_words("x 'y", &out, &why) == -1 && out.n == 0 && !out.v,
	   "a refused split leaves an empty OUT untouched");
	ok(split_words("x 'y", &out, NULL) == -1, "WHY may be NULL");
	strv_free(&out);
	return unit_done();
}
