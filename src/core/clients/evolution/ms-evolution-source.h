/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The biggest `.source` file we read. evolution-source-registry writes a few KiB at most. */
#define MS_EVOLUTION_SOURCE_MAX_SIZE (1024 * 1024)

typedef struct _MsEvolutionSource MsEvolutionSource;

MsEvolutionSource *ms_evolution_source_parse (const char *uid,
                                              const char *data,
                                              gsize       length);
void               ms_evolution_source_free (MsEvolutionSource *self);
const char        *ms_evolution_source_get_uid (MsEvolutionSource *self);
gboolean           ms_evolution_source_has_group (MsEvolutionSource *self,
                                                  const char        *group);
const char        *ms_evolution_source_get (MsEvolutionSource *self,
                                            const char        *group,
                                            const char        *key);

MsEvolutionSource *ms_evolution_source_find_account (GPtrArray  *sources,
                                                     const char *address,
                                                     const char *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsEvolutionSource, ms_evolution_source_free)

G_END_DECLS
