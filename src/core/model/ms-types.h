/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsAccount      MsAccount;
typedef struct _MsAccountStore MsAccountStore;
typedef struct _MsServerConfig MsServerConfig;

G_END_DECLS
