/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "thunderbird-test-util.h"

/* The prefs.js reader sees what Thunderbird's own parser sees; the writer's lines read back as
 * written. */

static MsPrefsJs *
parse_text (const char *text,
            gsize       length)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, length);

  return tb_test_parse (bytes);
}

#define PARSE(literal) parse_text ((literal), sizeof (literal) - 1)

static void
assert_string (MsPrefsJs  *prefs,
               const char *name,
               const char *expected)
{
  g_assert_cmpint (ms_prefs_js_get_pref_type (prefs, name), ==, MS_PREFS_JS_TYPE_STRING);
  g_assert_cmpstr (ms_prefs_js_get_string (prefs, name), ==, expected);
}

static void
assert_int (MsPrefsJs  *prefs,
            const char *name,
            gint32      expected)
{
  gint32 value = 0;

  g_assert_true (ms_prefs_js_get_int (prefs, name, &value));
  g_assert_cmpint (value, ==, expected);
}

static void
test_values (void)
{
  g_autoptr (MsPrefsJs) prefs =
    PARSE ("user_pref(\"s\", \"text\");\n"
           "user_pref(\"empty\", \"\");\n"
           "user_pref('single', 'it\"s');\n"
           "user_pref(\"i\", 42);\n"
           "user_pref(\"neg\", -17);\n"
           "user_pref(\"plus\", +5);\n"
           "user_pref(\"max\", 2147483647);\n"
           "user_pref(\"min\", -2147483648);\n"
           "user_pref(\"t\", true);\n"
           "user_pref(\"f\", false);\n"
           "\t\v\f user_pref ( \"spaced\" ,\n\n 1 ) ;\n");
  gboolean flag = TRUE;

  assert_string (prefs, "s", "text");
  assert_string (prefs, "empty", "");
  assert_string (prefs, "single", "it\"s");
  assert_int (prefs, "i", 42);
  assert_int (prefs, "neg", -17);
  assert_int (prefs, "plus", 5);
  assert_int (prefs, "max", G_MAXINT32);
  assert_int (prefs, "min", G_MININT32);
  assert_int (prefs, "spaced", 1);
  g_assert_true (ms_prefs_js_get_bool (prefs, "t", &flag));
  g_assert_true (flag);
  g_assert_true (ms_prefs_js_get_bool (prefs, "f", &flag));
  g_assert_false (flag);
  g_assert_cmpuint (ms_prefs_js_get_n_prefs (prefs), ==, 11);
  g_assert_cmpuint (ms_prefs_js_get_n_errors (prefs), ==, 0);

  /* Wrong-type lookups find nothing. */
  g_assert_null (ms_prefs_js_get_string (prefs, "i"));
  g_assert_false (ms_prefs_js_get_int (prefs, "s", NULL));
  g_assert_false (ms_prefs_js_get_bool (prefs, "i", NULL));
  g_assert_cmpint (ms_prefs_js_get_pref_type (prefs, "missing"), ==, MS_PREFS_JS_TYPE_NONE);
}

/* The very first string of a file empty: a name "" and a value "", not missing ones. */
static void
test_empty_strings (void)
{
  g_autoptr (MsPrefsJs) prefs = PARSE ("user_pref(\"\", \"\");\n");
  g_autoptr (MsPrefsJs) value_first = PARSE ("user_pref(\"name\", '');\n");

  g_assert_true (ms_prefs_js_has_pref (prefs, ""));
  assert_string (prefs, "", "");
  assert_string (value_first, "name", "");
}

static void
test_escapes (void)
{
  g_autoptr (MsPrefsJs) prefs =
    PARSE ("user_pref(\"quote\", \"a\\\"b\\'c\");\n"
           "user_pref(\"backslash\", \"a\\\\b\");\n"
           "user_pref(\"newline\", \"a\\nb\\rc\");\n"
           "user_pref(\"hex\", \"\\x41\\x7e\\xff\");\n"
           "user_pref(\"unicode\", \"\\u00e9\\u20AC\");\n"
           "user_pref(\"surrogates\", \"\\ud83d\\udce7\");\n"
           "user_pref(\"raw\", \"line\none\");\n"
           "user_pref(\"raw-crlf\", \"a\r\nb\");\n"
           "user_pref(\"name \\\"quoted\\\"\", 1);\n");

  assert_string (prefs, "quote", "a\"b'c");
  assert_string (prefs, "backslash", "a\\b");
  assert_string (prefs, "newline", "a\nb\rc");
  assert_string (prefs, "hex", "A~\xff");
  assert_string (prefs, "unicode", "\xc3\xa9\xe2\x82\xac");
  assert_string (prefs, "surrogates", "\xf0\x9f\x93\xa7");
  assert_string (prefs, "raw", "line\none");
  assert_string (prefs, "raw-crlf", "a\r\nb");
  assert_int (prefs, "name \"quoted\"", 1);
  g_assert_cmpuint (ms_prefs_js_get_n_errors (prefs), ==, 0);
}

static const struct
{
  const char *input;
  guint       line;
  const char *message_part;
} bad_statements[] = {
  { "user_pref(\"a\", \"\\x00\");", 1, "\\x00" },
  { "user_pref(\"a\", \"\\u0000\");", 1, "\\u0000" },
  { "user_pref(\"a\", \"\\q\");", 1, "escape" },
  { "user_pref(\"a\", \"\\x4\");", 1, "\\x" },
  { "user_pref(\"a\", \"\\ud83d\");", 1, "surrogate" },
  { "user_pref(\"a\", \"\\udce7\");", 1, "surrogate" },
  { "user_pref(\"a\", \"\\ud83d\\u0041\");", 1, "surrogate" },
  { "user_pref(\"a\", 2147483648);", 1, "overflow" },
  { "user_pref(\"a\", -2147483649);", 1, "overflow" },
  { "user_pref(\"a\", 99999999999999999999);", 1, "overflow" },
  { "user_pref(\"a\", 12abc);", 1, "integer" },
  { "user_pref(\"a\", 0x10);", 1, "integer" },
  { "user_pref(\"a\", 1.5);", 1, "character" },
  { "user_pref(\"a\", 1, locked);", 1, "')'" },
  { "user_pref(\"a\" 1);", 1, "','" },
  { "user_pref(a, 1);", 1, "keyword" },
  { "\n\nuser_pref(\"a\", yes);", 3, "keyword" },
  { "user_pref(\"a\", 1)\nuser_pref(\"b\", 2);", 2, "';'" },
  { "\r\n\r\nfoo(\"a\", 1);", 3, "keyword" },
  { "\r\r\r@", 4, "character" },
  { "/ user_pref(\"a\", 1);", 1, "'/'" },
};

static void
test_malformed_is_skipped_with_line (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_statements); i++)
    {
      g_autofree char *text =
        g_strconcat (bad_statements[i].input, "\nuser_pref(\"after\", true);\n", NULL);
      g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
      g_autoptr (MsPrefsJs) prefs = tb_test_parse (bytes);
      g_autoptr (MsPrefsJs) strict = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *expected_start = NULL;
      guint line = 0;

      g_test_message ("input: %s", bad_statements[i].input);
      g_assert_cmpuint (ms_prefs_js_get_n_errors (prefs), >=, 1);
      g_assert_nonnull (strstr (ms_prefs_js_get_error (prefs, 0, &line),
                                bad_statements[i].message_part));
      g_assert_cmpuint (line, ==, bad_statements[i].line);
      g_assert_false (ms_prefs_js_has_pref (prefs, "a"));
      /* Recovery resumes after the next ";", which may be the next statement's. */
      g_assert_cmpint (ms_prefs_js_has_pref (prefs, "after"), ==,
                       strchr (bad_statements[i].input, ';') != NULL);

      strict = ms_prefs_js_new_from_bytes (bytes, MS_PREFS_JS_PARSE_STRICT, &error);
      g_assert_null (strict);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      expected_start = g_strdup_printf ("Line %u: ", bad_statements[i].line);
      g_assert_true (g_str_has_prefix (error->message, expected_start));
    }
}

static void
test_comments (void)
{
  g_autoptr (MsPrefsJs) prefs =
    PARSE ("// user_pref(\"line\", 1);\n"
           "# user_pref(\"hash\", 1);\n"
           "/* user_pref(\"block\", 1);\n user_pref(\"block2\", 1); */\n"
           "user_pref(/* a */ \"kept\" /* b */, // c\n 7 # d\n);\n"
           "user_pref(\"text\", \"/* not a comment */ // nor this # nor this\");\n"
           "/**/ /***/ /* * / */user_pref(\"after\", 1);# end");

  g_assert_false (ms_prefs_js_has_pref (prefs, "line"));
  g_assert_false (ms_prefs_js_has_pref (prefs, "hash"));
  g_assert_false (ms_prefs_js_has_pref (prefs, "block"));
  g_assert_false (ms_prefs_js_has_pref (prefs, "block2"));
  assert_int (prefs, "kept", 7);
  assert_string (prefs, "text", "/* not a comment */ // nor this # nor this");
  assert_int (prefs, "after", 1);
  g_assert_cmpuint (ms_prefs_js_get_n_errors (prefs), ==, 0);
  g_assert_true (ms_prefs_js_check_appendable (prefs, NULL));
}

static void
test_user_value_wins (void)
{
  g_autoptr (MsPrefsJs) prefs =
    PARSE ("user_pref(\"a\", 1);\n"
           "user_pref(\"a\", 2);\n"
           "user_pref(\"b\", 1);\n"
           "pref(\"b\", 5);\n"
           "sticky_pref(\"c\", \"default\");\n"
           "lockPref(\"d\", true);\n"
           "pref(\"e\", 1);\n"
           "user_pref(\"e\", \"now a string\");\n");

  assert_int (prefs, "a", 2);
  assert_int (prefs, "b", 1);
  assert_string (prefs, "c", "default");
  g_assert_true (ms_prefs_js_get_bool (prefs, "d", NULL));
  assert_string (prefs, "e", "now a string");
  g_assert_true (ms_prefs_js_has_user_value (prefs, "b"));
  g_assert_false (ms_prefs_js_has_user_value (prefs, "c"));
  g_assert_false (ms_prefs_js_has_user_value (prefs, "d"));
}

static void
test_latin1 (void)
{
  g_autoptr (MsPrefsJs) prefs = PARSE ("user_pref(\"latin1\", \"j\xf6rg\");\n"
                                       "user_pref(\"utf8\", \"j\xc3\xb6rg\");\n");
  g_autofree char *latin1 = ms_prefs_js_dup_string_utf8 (prefs, "latin1");
  g_autofree char *utf8 = ms_prefs_js_dup_string_utf8 (prefs, "utf8");

  /* The bytes as they are; decoded only to compare. */
  assert_string (prefs, "latin1", "j\xf6rg");
  g_assert_cmpstr (latin1, ==, "j\xc3\xb6rg");
  g_assert_cmpstr (utf8, ==, "j\xc3\xb6rg");
  g_assert_null (ms_prefs_js_dup_string_utf8 (prefs, "missing"));
}

static const struct
{
  const char *tail;
  gboolean    appendable;
} tails[] = {
  { "", TRUE },
  { "user_pref(\"a\", 1);", TRUE },
  { "user_pref(\"a\", 1);\n// a comment without a newline", TRUE },
  { "user_pref(\"a\", 1);\n# a comment without a newline", TRUE },
  { "user_pref(\"a\", 1); /* closed */", TRUE },
  { "garbage;", TRUE },
  { "user_pref(\"a\", 1)", FALSE },
  { "user_pref(\"a\", 1);\nuser_pref(\"b\",", FALSE },
  { "user_pref(\"a\", 1);\n/* unterminated", FALSE },
  { "user_pref(\"a\", \"unterminated);\n", FALSE },
  { "user_pref(\"a\", 1);\ngarbage", FALSE },
  { "user_pref(\"a\", 1);\n/", FALSE },
};

static void
test_appendable (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (tails); i++)
    {
      gsize length = strlen (tails[i].tail);
      g_autoptr (GBytes) bytes = g_bytes_new (tails[i].tail, length);
      g_autoptr (MsPrefsJs) prefs = tb_test_parse (bytes);
      g_autoptr (GError) error = NULL;
      gboolean appendable = ms_prefs_js_check_appendable (prefs, &error);

      g_test_message ("tail %u: %s", i, tails[i].tail);
      g_assert_cmpint (appendable, ==, tails[i].appendable);
      if (appendable)
        {
          /* What we append is then really read. */
          g_autoptr (GBytes) appendix =
            ms_prefs_js_make_appendix (prefs, "user_pref(\"ours\", 1);\n");
          g_autoptr (GByteArray) joined = g_byte_array_new ();
          g_autoptr (GBytes) joined_bytes = NULL;
          g_autoptr (MsPrefsJs) reread = NULL;

          g_byte_array_append (joined, (const guint8 *) tails[i].tail, length);
          g_byte_array_append (joined, g_bytes_get_data (appendix, NULL),
                               g_bytes_get_size (appendix));
          joined_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
          reread = tb_test_parse (joined_bytes);
          assert_int (reread, "ours", 1);
        }
      else
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        }
    }
}

static void
test_nul_ends_the_file (void)
{
  static const char text[] = "user_pref(\"a\", 1);\n\0user_pref(\"b\", 2);\n";
  g_autoptr (MsPrefsJs) prefs = parse_text (text, sizeof text - 1);
  g_autoptr (GError) error = NULL;

  assert_int (prefs, "a", 1);
  g_assert_false (ms_prefs_js_has_pref (prefs, "b"));
  g_assert_false (ms_prefs_js_check_appendable (prefs, &error));
  g_assert_nonnull (strstr (error->message, "NUL"));
}

static void
test_writer_round_trip (void)
{
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MsPrefsJs) prefs = NULL;
  g_auto (GStrv) statements = NULL;
  char every_byte[256];

  for (guint i = 1; i < 256; i++)
    every_byte[i - 1] = (char) i;
  every_byte[255] = '\0';

  ms_prefs_js_append_string (lines, "every byte", every_byte);
  ms_prefs_js_append_string (lines, every_byte, "as a name");
  ms_prefs_js_append_string (lines, "utf8", "Zo\xc3\xab \"Z\" O'Brien\\ \xf0\x9f\x93\xa7");
  ms_prefs_js_append_int (lines, "min", G_MININT32);
  ms_prefs_js_append_int (lines, "max", G_MAXINT32);
  ms_prefs_js_append_bool (lines, "yes", TRUE);
  ms_prefs_js_append_bool (lines, "no", FALSE);

  /* One statement per line, whatever the value holds. */
  statements = g_strsplit (lines->str, "\n", -1);
  g_assert_cmpuint (g_strv_length (statements), ==, 8);
  g_assert_null (strchr (lines->str, '\r'));

  bytes = g_bytes_new (lines->str, lines->len);
  prefs = tb_test_parse (bytes);
  g_assert_cmpuint (ms_prefs_js_get_n_errors (prefs), ==, 0);
  assert_string (prefs, "every byte", every_byte);
  assert_string (prefs, every_byte, "as a name");
  assert_string (prefs, "utf8", "Zo\xc3\xab \"Z\" O'Brien\\ \xf0\x9f\x93\xa7");
  assert_int (prefs, "min", G_MININT32);
  assert_int (prefs, "max", G_MAXINT32);
  g_assert_true (ms_prefs_js_has_user_value (prefs, "yes"));
  g_assert_cmpstr (strstr (lines->str, "user_pref(\"utf8\""), ==,
                   "user_pref(\"utf8\", \"Zo\xc3\xab \\\"Z\\\" O'Brien\\\\ \xf0\x9f\x93\xa7\");\n"
                   "user_pref(\"min\", -2147483648);\n"
                   "user_pref(\"max\", 2147483647);\n"
                   "user_pref(\"yes\", true);\n"
                   "user_pref(\"no\", false);\n");
}

static const struct
{
  const char *original;
  const char *appendix;
} appendixes[] = {
  { "", "user_pref(\"x\", 1);\n" },
  { "a;\n", "user_pref(\"x\", 1);\n" },
  { "a;", "\nuser_pref(\"x\", 1);\n" },
  { "a;\r\n", "user_pref(\"x\", 1);\r\n" },
  { "a;\r\nb;", "\r\nuser_pref(\"x\", 1);\r\n" },
  { "a;\r", "user_pref(\"x\", 1);\n" },
  { "// comment", "\nuser_pref(\"x\", 1);\n" },
};

static void
test_appendix_line_ends (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (appendixes); i++)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (appendixes[i].original,
                                              strlen (appendixes[i].original));
      g_autoptr (MsPrefsJs) prefs = tb_test_parse (bytes);
      g_autoptr (GBytes) appendix = ms_prefs_js_make_appendix (prefs, "user_pref(\"x\", 1);\n");
      g_autofree char *text = g_strndup (g_bytes_get_data (appendix, NULL),
                                         g_bytes_get_size (appendix));

      g_assert_cmpstr (text, ==, appendixes[i].appendix);
    }
}

static void
test_prefix (void)
{
  g_autoptr (MsPrefsJs) prefs = PARSE ("user_pref(\"mail.server.server1.type\", \"imap\");\n"
                                       "user_pref(\"mail.server.server10.type\", \"imap\");\n"
                                       "pref(\"mail.server.server3.x\", 1);\n"
                                       "user_pref(\"mail.server.server4\", 1);\n");

  g_assert_true (ms_prefs_js_has_prefix (prefs, "mail.server.server1."));
  g_assert_true (ms_prefs_js_has_prefix (prefs, "mail.server.server10."));
  g_assert_false (ms_prefs_js_has_prefix (prefs, "mail.server.server2."));
  g_assert_true (ms_prefs_js_has_prefix (prefs, "mail.server.server3."));
  g_assert_false (ms_prefs_js_has_prefix (prefs, "mail.server.server4."));
  g_assert_true (ms_prefs_js_has_prefix (prefs, ""));
  g_assert_false (ms_prefs_js_has_prefix (prefs, "mail.server.server9"));
}

static void
test_too_large (void)
{
  gsize size = MS_PREFS_JS_MAX_SIZE + 1;
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_malloc0 (size), size);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsPrefsJs) prefs = ms_prefs_js_new_from_bytes (bytes, MS_PREFS_JS_PARSE_DEFAULT,
                                                            &error);

  g_assert_null (prefs);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_corpus_parses (void)
{
  g_autofree char *directory = tb_test_data_path (NULL);
  g_auto (GStrv) names = tb_test_list_dir (directory);
  guint parsed = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (MsPrefsJs) prefs = NULL;

      if (!g_str_has_suffix (names[i], ".js") || g_str_equal (names[i], "make-corpus.js"))
        continue;
      path = tb_test_data_path (names[i]);
      bytes = tb_test_read_bytes (path);
      prefs = tb_test_parse (bytes);
      g_test_message ("%s: %u prefs, %u errors", names[i], ms_prefs_js_get_n_prefs (prefs),
                      ms_prefs_js_get_n_errors (prefs));
      /* Only the sample made to be malformed has errors; every sample can be appended to. */
      g_assert_cmpuint (ms_prefs_js_get_n_errors (prefs), ==,
                        g_str_equal (names[i], "malformed.js") ? 5 : 0);
      g_assert_true (ms_prefs_js_check_appendable (prefs, NULL));
      parsed++;
    }
  g_assert_cmpuint (parsed, >=, 10);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/thunderbird/prefs-js/values", test_values);
  g_test_add_func ("/thunderbird/prefs-js/empty-strings", test_empty_strings);
  g_test_add_func ("/thunderbird/prefs-js/escapes", test_escapes);
  g_test_add_func ("/thunderbird/prefs-js/malformed-is-skipped-with-line",
                   test_malformed_is_skipped_with_line);
  g_test_add_func ("/thunderbird/prefs-js/comments", test_comments);
  g_test_add_func ("/thunderbird/prefs-js/user-value-wins", test_user_value_wins);
  g_test_add_func ("/thunderbird/prefs-js/latin1", test_latin1);
  g_test_add_func ("/thunderbird/prefs-js/appendable", test_appendable);
  g_test_add_func ("/thunderbird/prefs-js/nul-ends-the-file", test_nul_ends_the_file);
  g_test_add_func ("/thunderbird/prefs-js/writer-round-trip", test_writer_round_trip);
  g_test_add_func ("/thunderbird/prefs-js/appendix-line-ends", test_appendix_line_ends);
  g_test_add_func ("/thunderbird/prefs-js/prefix", test_prefix);
  g_test_add_func ("/thunderbird/prefs-js/too-large", test_too_large);
  g_test_add_func ("/thunderbird/prefs-js/corpus-parses", test_corpus_parses);

  return g_test_run ();
}
