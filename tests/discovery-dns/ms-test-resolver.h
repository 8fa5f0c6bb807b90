/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MS_TYPE_TEST_RESOLVER (ms_test_resolver_get_type ())

G_DECLARE_FINAL_TYPE (MsTestResolver, ms_test_resolver, MS, TEST_RESOLVER, GResolver)

MsTestResolver *ms_test_resolver_new (void);

void            ms_test_resolver_add_srv (MsTestResolver *self,
                                          const char     *name,
                                          guint16         priority,
                                          guint16         weight,
                                          guint16         port,
                                          const char     *target);
void            ms_test_resolver_add_mx (MsTestResolver *self,
                                         const char     *name,
                                         guint16         preference,
                                         const char     *host);
void            ms_test_resolver_add_address (MsTestResolver *self,
                                              const char     *name,
                                              const char     *address);
void            ms_test_resolver_set_delay (MsTestResolver *self,
                                            const char     *name,
                                            guint           milliseconds);
void            ms_test_resolver_set_failure (MsTestResolver *self,
                                              const char     *name,
                                              GResolverError  code);
void            ms_test_resolver_set_verbatim (MsTestResolver *self,
                                               gboolean        verbatim);
guint           ms_test_resolver_get_n_queries (MsTestResolver *self,
                                                const char     *name);

G_END_DECLS
