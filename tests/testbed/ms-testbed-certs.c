/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The test-bed's throwaway CA and the server certificate variants, made with the openssl
 * command. `openssl ca` rather than `openssl x509 -req`: OpenSSL 3.0 can set arbitrary validity
 * periods (expired, not yet valid) only through its -startdate and -enddate. */
#define G_LOG_DOMAIN "ms-testbed"

#include "config.h"

#include "ms-testbed-private.h"

typedef enum
{
  VALIDITY_CURRENT,
  VALIDITY_PAST,
  VALIDITY_FUTURE,
} Validity;

static const struct
{
  const char *name;
  const char *subject;
  const char *extensions;
  gboolean self_signed;
  Validity validity;
} cert_info[MS_TESTBED_N_CERTS] = {
  [MS_TESTBED_CERT_VALID] = { "valid", "/CN=localhost", "ext_valid", FALSE, VALIDITY_CURRENT },
  [MS_TESTBED_CERT_SELF_SIGNED] = { "self-signed", "/CN=localhost", "ext_self_signed", TRUE,
                                    VALIDITY_CURRENT },
  [MS_TESTBED_CERT_WRONG_HOST] = { "wrong-host", "/CN=wrong.example.test", "ext_wrong_host",
                                   FALSE, VALIDITY_CURRENT },
  [MS_TESTBED_CERT_EXPIRED] = { "expired", "/CN=localhost", "ext_valid", FALSE, VALIDITY_PAST },
  [MS_TESTBED_CERT_NOT_YET_VALID] = { "not-yet-valid", "/CN=localhost", "ext_valid", FALSE,
                                      VALIDITY_FUTURE },
};

static char *
format_date (GDateTime *date)
{
  return g_date_time_format (date, "%Y%m%d%H%M%SZ");
}

static gboolean
sign_certificate (const char *config,
                  const char *csr,
                  const char *out,
                  const char *self_signing_key,
                  const char *extensions,
                  const char *start,
                  const char *end,
                  GError    **error)
{
  const char *argv[] = {
    "openssl", "ca", "-config", config, "-batch", "-notext", "-in", csr, "-out", out,
    "-startdate", start, "-enddate", end, "-extensions", extensions,
    /* optional -selfsign -keyfile KEY */
    NULL, NULL, NULL, NULL
  };

  if (self_signing_key != NULL)
    {
      argv[G_N_ELEMENTS (argv) - 4] = "-selfsign";
      argv[G_N_ELEMENTS (argv) - 3] = "-keyfile";
      argv[G_N_ELEMENTS (argv) - 2] = self_signing_key;
    }

  return _ms_testbed_run_command (argv, error);
}

static gboolean
make_key_and_request (const char *config,
                      const char *key,
                      const char *csr,
                      const char *subject,
                      GError    **error)
{
  /* EC P-256: generated in milliseconds, unlike RSA. openssl creates the key file 0600. */
  const char *argv[] = {
    "openssl", "req", "-new", "-config", config, "-newkey", "ec", "-pkeyopt",
    "ec_paramgen_curve:P-256", "-noenc", "-keyout", key, "-out", csr, "-subj", subject, NULL
  };

  return _ms_testbed_run_command (argv, error);
}

gboolean
_ms_testbed_make_certificates (MsTestbed  *self,
                               GHashTable *variables,
                               GError    **error)
{
  g_autofree char *tls_dir = g_build_filename (self->dir, "tls", NULL);
  g_autofree char *ca_dir = g_build_filename (tls_dir, "ca", NULL);
  g_autofree char *issued_dir = g_build_filename (ca_dir, "issued", NULL);
  g_autofree char *index = g_build_filename (ca_dir, "index.txt", NULL);
  g_autofree char *serial = g_build_filename (ca_dir, "serial", NULL);
  g_autofree char *config = g_build_filename (tls_dir, "openssl.cnf", NULL);
  g_autofree char *ca_key = g_build_filename (tls_dir, "ca.key", NULL);
  g_autofree char *ca_csr = g_build_filename (tls_dir, "ca.csr", NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) yesterday = g_date_time_add_days (now, -1);
  g_autoptr (GDateTime) in_5_years = g_date_time_add_years (now, 5);
  g_autoptr (GDateTime) in_10_years = g_date_time_add_years (now, 10);
  g_autoptr (GDateTime) in_20_years = g_date_time_add_years (now, 20);
  g_autofree char *yesterday_str = format_date (yesterday);
  g_autofree char *in_5_years_str = format_date (in_5_years);
  g_autofree char *in_10_years_str = format_date (in_10_years);
  g_autofree char *in_20_years_str = format_date (in_20_years);
  const char *starts[] = {
    [VALIDITY_CURRENT] = yesterday_str,
    [VALIDITY_PAST] = "20200101000000Z",
    [VALIDITY_FUTURE] = in_5_years_str,
  };
  const char *ends[] = {
    [VALIDITY_CURRENT] = in_5_years_str,
    [VALIDITY_PAST] = "20210101000000Z",
    [VALIDITY_FUTURE] = in_10_years_str,
  };

  if (!_ms_testbed_make_dir (tls_dir, 0755, error) ||
      !_ms_testbed_make_dir (issued_dir, 0700, error) ||
      !g_file_set_contents (index, "", 0, error) ||
      !g_file_set_contents (serial, "01\n", -1, error) ||
      !_ms_testbed_write_from_template ("openssl.cnf.in", config, variables, error))
    return FALSE;

  /* The CA's validity spans all the variants', the expired one's too. */
  self->ca_file = g_build_filename (tls_dir, "ca.pem", NULL);
  if (!make_key_and_request (config, ca_key, ca_csr, "/O=Mail Setup tests/CN=Mail Setup test CA",
                             error) ||
      !sign_certificate (config, ca_csr, self->ca_file, ca_key, "ext_ca", "20000101000000Z",
                         in_20_years_str, error))
    return FALSE;

  for (guint i = 0; i < MS_TESTBED_N_CERTS; i++)
    {
      g_autofree char *key_name = g_strconcat (cert_info[i].name, ".key", NULL);
      g_autofree char *csr_name = g_strconcat (cert_info[i].name, ".csr", NULL);
      g_autofree char *cert_name = g_strconcat (cert_info[i].name, ".pem", NULL);
      g_autofree char *csr = g_build_filename (tls_dir, csr_name, NULL);

      self->key_files[i] = g_build_filename (tls_dir, key_name, NULL);
      self->cert_files[i] = g_build_filename (tls_dir, cert_name, NULL);

      if (!make_key_and_request (config, self->key_files[i], csr, cert_info[i].subject, error) ||
          !sign_certificate (config, csr, self->cert_files[i],
                             cert_info[i].self_signed ? self->key_files[i] : NULL,
                             cert_info[i].extensions, starts[cert_info[i].validity],
                             ends[cert_info[i].validity], error))
        return FALSE;
    }

  return TRUE;
}

