/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-provider-database"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-provider-database.h"

#include "ms-hostname.h"

/**
 * MsProviderDatabase:
 *
 * The provider files (Mozilla autoconfig 1.1 plus our hints) by mail domain: the shipped
 * ones, then site-local directories whose files take precedence for the domains they name,
 * like Thunderbird's local `isp` folder.
 */
struct _MsProviderDatabase
{
  GObject     parent_instance;

  /* ASCII lower-case domain → MsAutoconfig */
  GHashTable *by_domain;
  GPtrArray  *providers;
};

G_DEFINE_FINAL_TYPE (MsProviderDatabase, ms_provider_database, G_TYPE_OBJECT)

static void
ms_provider_database_finalize (GObject *object)
{
  MsProviderDatabase *self = MS_PROVIDER_DATABASE (object);

  g_clear_pointer (&self->by_domain, g_hash_table_unref);
  g_clear_pointer (&self->providers, g_ptr_array_unref);

  G_OBJECT_CLASS (ms_provider_database_parent_class)->finalize (object);
}

static void
ms_provider_database_class_init (MsProviderDatabaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_provider_database_finalize;
}

static void
ms_provider_database_init (MsProviderDatabase *self)
{
  self->by_domain = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->providers = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * ms_provider_database_new:
 *
 * Returns: (transfer full): an empty database
 */
MsProviderDatabase *
ms_provider_database_new (void)
{
  return g_object_new (MS_TYPE_PROVIDER_DATABASE, NULL);
}

/**
 * ms_provider_database_get_default_directory:
 *
 * Returns: where the shipped provider files are: `$MAIL_SETUP_PROVIDERS_DIR` when set (the
 *   tests), the installed data directory, or — not installed yet — the source tree's
 */
const char *
ms_provider_database_get_default_directory (void)
{
  const char *dir = g_getenv ("MAIL_SETUP_PROVIDERS_DIR");

  if (dir != NULL && *dir != '\0')
    return dir;
  if (g_file_test (PKGDATADIR "/providers", G_FILE_TEST_IS_DIR))
    return PKGDATADIR "/providers";
  return SOURCE_PROVIDERS_DIR;
}

/**
 * ms_provider_database_new_default:
 *
 * Returns: (transfer full): the shipped provider database, or %NULL if it cannot be read
 */
MsProviderDatabase *
ms_provider_database_new_default (GError **error)
{
  g_autoptr (MsProviderDatabase) self = ms_provider_database_new ();
  g_autoptr (GFile) dir = g_file_new_for_path (ms_provider_database_get_default_directory ());

  if (!ms_provider_database_add_directory (self, dir, error))
    return NULL;

  return g_steal_pointer (&self);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/**
 * ms_provider_database_add_directory:
 * @directory: a directory of `*.xml` provider files
 *
 * Reads every `*.xml` file of @directory; for each domain they name, they replace what the
 * database had. Nothing is added unless every file is valid, so a broken site-local file is
 * reported instead of silently half-applied.
 *
 * Returns: whether the directory was read; the error names the file and what is wrong
 */
gboolean
ms_provider_database_add_directory (MsProviderDatabase *self,
                                    GFile              *directory,
                                    GError            **error)
{
  g_autoptr (GFileEnumerator) enumerator = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) loaded = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (MS_IS_PROVIDER_DATABASE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (directory), FALSE);

  path = g_file_get_path (directory);
  enumerator = g_file_enumerate_children (directory,
                                          G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                          G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                          G_FILE_QUERY_INFO_NONE,
                                          NULL,
                                          &local_error);
  if (enumerator == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot read the provider directory %s: %s"), path, local_error->message);
      return FALSE;
    }

  for (;;)
    {
      GFileInfo *info = NULL;

      if (!g_file_enumerator_iterate (enumerator, &info, NULL, NULL, &local_error))
        {
          g_set_error (error, local_error->domain, local_error->code,
                       _("Cannot read the provider directory %s: %s"), path,
                       local_error->message);
          return FALSE;
        }
      if (info == NULL)
        break;
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY ||
          !g_str_has_suffix (g_file_info_get_name (info), ".xml"))
        continue;
      g_ptr_array_add (names, g_strdup (g_file_info_get_name (info)));
    }

  /* Files in name order, so two files claiming one domain resolve the same way everywhere. */
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (GFile) file = g_file_get_child (directory, g_ptr_array_index (names, i));
      g_autoptr (MsAutoconfig) autoconfig = NULL;
      g_autofree char *file_path = g_file_get_path (file);

      autoconfig = ms_autoconfig_new_from_file (file, NULL, &local_error);
      if (autoconfig == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code, "%s: %s", file_path,
                       local_error->message);
          return FALSE;
        }
      g_ptr_array_add (loaded, g_steal_pointer (&autoconfig));
    }

  for (guint i = 0; i < loaded->len; i++)
    {
      MsAutoconfig *autoconfig = g_ptr_array_index (loaded, i);
      const char *const *domains = ms_autoconfig_get_domains (autoconfig);

      g_ptr_array_add (self->providers, g_object_ref (autoconfig));
      for (guint j = 0; domains != NULL && domains[j] != NULL; j++)
        g_hash_table_replace (self->by_domain, g_strdup (domains[j]), g_object_ref (autoconfig));
    }

  return TRUE;
}

/**
 * ms_provider_database_lookup:
 * @domain: a mail domain, in any case, ASCII or Unicode
 *
 * Returns: (nullable) (transfer none): the provider file for @domain
 */
MsAutoconfig *
ms_provider_database_lookup (MsProviderDatabase *self,
                             const char         *domain)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (MS_IS_PROVIDER_DATABASE (self), NULL);
  g_return_val_if_fail (domain != NULL, NULL);

  normalized = ms_hostname_normalize (domain, MS_HOSTNAME_MAIL_DOMAIN, NULL);
  if (normalized == NULL)
    return NULL;

  return g_hash_table_lookup (self->by_domain, normalized);
}

guint
ms_provider_database_get_n_providers (MsProviderDatabase *self)
{
  g_return_val_if_fail (MS_IS_PROVIDER_DATABASE (self), 0);

  return self->providers->len;
}
