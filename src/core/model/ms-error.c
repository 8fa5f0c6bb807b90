/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-error"

#include "config.h"

#include "ms-error.h"

G_DEFINE_QUARK (ms-error-quark, ms_error)
