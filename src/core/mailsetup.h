/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-types.h"

#include "ms-account-store.h"
#include "ms-account.h"
#include "ms-address.h"
#include "ms-diagnosis.h"
#include "ms-enum-types.h"
#include "ms-error.h"
#include "ms-hostname.h"
#include "ms-server-config.h"
#include "ms-certificate-info.h"
#include "ms-check-result.h"
#include "ms-credentials.h"
#include "ms-prober.h"
#include "ms-session.h"
#include "ms-sasl.h"
#include "ms-transcript.h"
#include "ms-export-report.h"
