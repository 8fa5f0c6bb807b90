/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ms-testbed.h"

G_BEGIN_DECLS

void test_testbed_stop (MsTestbed *testbed);

G_END_DECLS
