/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-certificate-info"

#include "config.h"

#include "ms-certificate-info.h"

G_DEFINE_BOXED_TYPE (MsCertificateInfo, ms_certificate_info, ms_certificate_info_copy,
                     ms_certificate_info_free)

/**
 * ms_certificate_fingerprint:
 * @certificate: a certificate
 *
 * Returns: (transfer full): "sha256:" and the lower-case hex SHA-256 of its DER encoding
 */
char *
ms_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  g_autofree char *hex = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_strconcat ("sha256:", hex, NULL);
}

/**
 * ms_certificate_flags_to_strv:
 * @errors: validation errors
 *
 * Returns: (transfer full): stable names for the flags set: "unknown-ca", "bad-identity",
 *   "not-activated", "expired", "revoked", "insecure", "generic-error"
 */
GStrv
ms_certificate_flags_to_strv (GTlsCertificateFlags errors)
{
  static const struct
  {
    GTlsCertificateFlags flag;
    const char          *name;
  } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
  };
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (errors & names[i].flag)
      g_strv_builder_add (builder, names[i].name);

  return g_strv_builder_end (builder);
}

/**
 * ms_certificate_info_new:
 * @certificate: the server's certificate
 * @errors: what validation found
 *
 * Returns: (transfer full): the facts about @certificate
 */
MsCertificateInfo *
ms_certificate_info_new (GTlsCertificate     *certificate,
                         GTlsCertificateFlags errors)
{
  MsCertificateInfo *self;
  g_autoptr (GPtrArray) dns_names = NULL;
  g_autoptr (GPtrArray) addresses = NULL;
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_new0 (MsCertificateInfo, 1);
  self->subject = g_tls_certificate_get_subject_name (certificate);
  self->issuer = g_tls_certificate_get_issuer_name (certificate);
  self->not_before = g_tls_certificate_get_not_valid_before (certificate);
  self->not_after = g_tls_certificate_get_not_valid_after (certificate);
  self->sha256 = ms_certificate_fingerprint (certificate);
  self->errors = errors;

  dns_names = g_tls_certificate_get_dns_names (certificate);
  for (guint i = 0; dns_names != NULL && i < dns_names->len; i++)
    {
      GBytes *name = g_ptr_array_index (dns_names, i);
      gsize size;
      const char *data = g_bytes_get_data (name, &size);
      g_autofree char *text = g_utf8_make_valid (data, (gssize) size);

      g_strv_builder_add (names, text);
    }

  addresses = g_tls_certificate_get_ip_addresses (certificate);
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      g_autofree char *text = g_inet_address_to_string (g_ptr_array_index (addresses, i));

      g_strv_builder_add (names, text);
    }

  self->names = g_strv_builder_end (names);
  return self;
}

MsCertificateInfo *
ms_certificate_info_copy (const MsCertificateInfo *self)
{
  MsCertificateInfo *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (MsCertificateInfo, 1);
  copy->subject = g_strdup (self->subject);
  copy->issuer = g_strdup (self->issuer);
  copy->names = g_strdupv (self->names);
  copy->not_before = self->not_before ? g_date_time_ref (self->not_before) : NULL;
  copy->not_after = self->not_after ? g_date_time_ref (self->not_after) : NULL;
  copy->sha256 = g_strdup (self->sha256);
  copy->errors = self->errors;
  return copy;
}

void
ms_certificate_info_free (MsCertificateInfo *self)
{
  if (self == NULL)
    return;

  g_free (self->subject);
  g_free (self->issuer);
  g_strfreev (self->names);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_free (self->sha256);
  g_free (self);
}
