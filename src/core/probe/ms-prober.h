/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ms-check-result.h"
#include "ms-credentials.h"
#include "ms-server-config.h"

G_BEGIN_DECLS

/**
 * MsCheckFlags:
 * @MS_CHECK_FLAGS_NONE: no flags
 * @MS_CHECK_FLAGS_NO_USERNAME_RETRY: after an authentication failure, do not retry with the
 *   other user name form (full address ↔ local part)
 */
typedef enum
{
  MS_CHECK_FLAGS_NONE = 0,
  MS_CHECK_FLAGS_NO_USERNAME_RETRY = 1 << 0,
} MsCheckFlags;

#define MS_PROBER_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define MS_PROBER_DEFAULT_STEP_TIMEOUT_MS    15000
#define MS_PROBER_DEFAULT_TOTAL_TIMEOUT_MS   30000

#define MS_TYPE_PROBER (ms_prober_get_type ())

G_DECLARE_FINAL_TYPE (MsProber, ms_prober, MS, PROBER, GObject)

typedef struct _MsProberHold MsProberHold;

/**
 * MsProberReadyFunc:
 * @prober: the prober
 * @hold: the check, to give to ms_prober_hold_release()
 * @probe: what the check learnt before the login (TLS, certificate, capabilities)
 * @user_data: the data given with the function
 *
 * A held check is ready to log in.
 */
typedef void (*MsProberReadyFunc) (MsProber      *prober,
                                   MsProberHold  *hold,
                                   MsCheckResult *probe,
                                   gpointer       user_data);


MsProber      *ms_prober_new (void);
GTlsDatabase  *ms_prober_get_tls_database (MsProber *self);
void           ms_prober_set_tls_database (MsProber     *self,
                                           GTlsDatabase *database);
guint          ms_prober_get_connect_timeout (MsProber *self);
void           ms_prober_set_connect_timeout (MsProber *self,
                                              guint     milliseconds);
guint          ms_prober_get_step_timeout (MsProber *self);
void           ms_prober_set_step_timeout (MsProber *self,
                                           guint     milliseconds);
guint          ms_prober_get_total_timeout (MsProber *self);
void           ms_prober_set_total_timeout (MsProber *self,
                                            guint     milliseconds);

void           ms_prober_check_async (MsProber           *self,
                                      MsServerConfig     *server,
                                      MsCredentials      *credentials,
                                      MsCheckFlags        flags,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
void           ms_prober_check_held_async (MsProber           *self,
                                           MsServerConfig     *server,
                                           MsCredentials      *credentials,
                                           MsCheckFlags        flags,
                                           MsProberReadyFunc   ready,
                                           gpointer            ready_data,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
void           ms_prober_hold_release (MsProberHold *hold,
                                       gboolean      authenticate);
MsCheckResult *ms_prober_check_finish (MsProber     *self,
                                       GAsyncResult *result,
                                       GError      **error);

G_END_DECLS
