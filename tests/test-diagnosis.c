/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

/* The nicks are an interface (--json, scripts): exactly the list in DESIGN.md, in order. */
static const char *const expected_nicks[] = {
  "ok",
  "dns-not-found",
  "connection-refused",
  "timeout",
  "network-unreachable",
  "tls-handshake-failed",
  "certificate-untrusted",
  "certificate-hostname-mismatch",
  "certificate-expired",
  "certificate-not-yet-valid",
  "starttls-unavailable",
  "starttls-injection",
  "auth-failed",
  "auth-mechanism-unsupported",
  "app-password-required",
  "login-disabled",
  "server-unavailable",
  "protocol-error",
  "cancelled",
};

static void
test_diagnosis_nicks (void)
{
  GEnumClass *klass = g_type_class_ref (MS_TYPE_DIAGNOSIS);

  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (expected_nicks));

  for (guint i = 0; i < G_N_ELEMENTS (expected_nicks); i++)
    {
      MsDiagnosis parsed;

      g_assert_cmpstr (ms_diagnosis_to_nick ((MsDiagnosis) i), ==, expected_nicks[i]);
      g_assert_true (ms_diagnosis_from_nick (expected_nicks[i], &parsed));
      g_assert_cmpint (parsed, ==, i);
    }

  g_type_class_unref (klass);
}

static void
test_diagnosis_unknown_nick (void)
{
  MsDiagnosis parsed = MS_DIAGNOSIS_TIMEOUT;

  g_assert_false (ms_diagnosis_from_nick ("check-your-settings", &parsed));
  g_assert_cmpint (parsed, ==, MS_DIAGNOSIS_TIMEOUT);
}

static void
test_diagnosis_texts (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (expected_nicks); i++)
    {
      const char *explanation = ms_diagnosis_get_explanation ((MsDiagnosis) i);
      const char *fix = ms_diagnosis_get_fix ((MsDiagnosis) i);

      /* One sentence each, distinct from every other, never the useless "check your settings" */
      g_assert_nonnull (explanation);
      g_assert_nonnull (fix);
      g_assert_cmpuint (strlen (explanation), >, 15);
      g_assert_cmpuint (strlen (fix), >, 10);
      g_assert_true (g_str_has_suffix (explanation, "."));
      g_assert_true (g_str_has_suffix (fix, "."));
      g_assert_null (strstr (explanation, "check your settings"));
      g_assert_null (strstr (fix, "check your settings"));
      g_assert_false (g_hash_table_contains (seen, explanation));
      g_hash_table_add (seen, (gpointer) explanation);
      if (i != MS_DIAGNOSIS_OK)
        {
          g_assert_false (g_hash_table_contains (seen, fix));
          g_hash_table_add (seen, (gpointer) fix);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/diagnosis/nicks", test_diagnosis_nicks);
  g_test_add_func ("/diagnosis/unknown-nick", test_diagnosis_unknown_nick);
  g_test_add_func ("/diagnosis/texts", test_diagnosis_texts);

  return g_test_run ();
}
