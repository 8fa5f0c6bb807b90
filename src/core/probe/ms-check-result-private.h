/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-check-result.h"

G_BEGIN_DECLS

struct _MsCheckResult
{
  GObject            parent_instance;

  MsServerConfig    *server;
  MsDiagnosis        diagnosis;
  char              *server_text;
  GStrv              capabilities;
  GStrv              auth_mechanisms;
  char              *auth_used;
  char              *username_used;
  char              *tls_version;
  char              *tls_cipher;
  MsCertificateInfo *certificate;
  gint64             phase_ms[MS_CHECK_N_PHASES];
  gint64             elapsed_ms;
  GStrv              transcript;
};

MsCheckResult *_ms_check_result_new (MsServerConfig *server);
void           _ms_check_result_set_diagnosis (MsCheckResult *self,
                                               MsDiagnosis    diagnosis);

G_END_DECLS
