/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MS_TYPE_CERTIFICATE_INFO (ms_certificate_info_get_type ())

/**
 * MsCertificateInfo:
 * @subject: the subject's distinguished name
 * @issuer: the issuer's distinguished name
 * @names: (array zero-terminated=1): the subject alternative names (DNS names and IP
 *   addresses)
 * @not_before: (nullable): start of validity
 * @not_after: (nullable): end of validity
 * @sha256: the SHA-256 fingerprint of the DER certificate, as "sha256:" and 64 lower-case hex
 *   digits (the form a pin takes)
 * @errors: what validation found wrong with it for the host it was presented for
 *
 * What a person needs to decide whether to trust a server's certificate.
 */
typedef struct
{
  char                *subject;
  char                *issuer;
  GStrv                names;
  GDateTime           *not_before;
  GDateTime           *not_after;
  char                *sha256;
  GTlsCertificateFlags errors;
} MsCertificateInfo;

GType              ms_certificate_info_get_type (void) G_GNUC_CONST;
MsCertificateInfo *ms_certificate_info_new (GTlsCertificate     *certificate,
                                            GTlsCertificateFlags errors);
MsCertificateInfo *ms_certificate_info_copy (const MsCertificateInfo *self);
void               ms_certificate_info_free (MsCertificateInfo *self);
char              *ms_certificate_fingerprint (GTlsCertificate *certificate);
GStrv              ms_certificate_flags_to_strv (GTlsCertificateFlags errors);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsCertificateInfo, ms_certificate_info_free)

G_END_DECLS
