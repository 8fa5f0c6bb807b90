/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-autoconfig"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-autoconfig-private.h"

#include <string.h>

#include "ms-hostname.h"

/* Mozilla autoconfig (clientConfig 1.1) as Thunderbird's readFromXML reads it, with GMarkup:
 * the one XML parser of untrusted input in Mail Setup. What comes from the network never
 * reaches GMarkup unchecked: its size, encoding and shape are bounded first or while parsing,
 * a DOCTYPE (the only way to define entities) is refused outright, and every value is checked
 * before it becomes a server. A server the file describes wrongly is skipped, as Thunderbird
 * skips it; the file fails only when no usable incoming or outgoing server remains. */

typedef enum
{
  ELEMENT_IGNORED,
  ELEMENT_CLIENT_CONFIG,
  ELEMENT_EMAIL_PROVIDER,
  ELEMENT_DOMAIN,
  ELEMENT_DISPLAY_NAME,
  ELEMENT_DISPLAY_SHORT_NAME,
  ELEMENT_INCOMING_SERVER,
  ELEMENT_OUTGOING_SERVER,
  ELEMENT_HOSTNAME,
  ELEMENT_PORT,
  ELEMENT_SOCKET_TYPE,
  ELEMENT_USERNAME,
  ELEMENT_AUTHENTICATION,
  ELEMENT_DOCUMENTATION,
  ELEMENT_DESCR,
  ELEMENT_ENABLE,
  ELEMENT_INSTRUCTION,
  ELEMENT_APP_PASSWORD,
  ELEMENT_ENABLE_IMAP,
  ELEMENT_OAUTH2_ONLY,
  ELEMENT_NOTE,
} ElementKind;

typedef struct
{
  ElementKind kind;
  char       *name;       /* as written, for messages */
  GPtrArray  *namespaces; /* prefix, URI, prefix, URI… declared on this element, or NULL */
  GString    *text;       /* the collected text of a value element, or NULL */
  char       *lang;
} Frame;

typedef struct
{
  MsAutoconfig              *result;
  Frame                      frames[MS_AUTOCONFIG_MAX_DEPTH];
  guint                      n_frames;
  guint                      n_elements;
  gboolean                   seen_root;
  gboolean                   seen_provider;
  gboolean                   seen_enable;
  MsAutoconfigServerBuilder *server;        /* the server being read */
  MsAutoconfigLink          *documentation; /* the <documentation> being read */
  GPtrArray                 *domains;
  char                      *domain_problem;   /* why the first bad <domain> was skipped */
  char                      *incoming_problem; /* why the first bad incoming server was */
  char                      *outgoing_problem;
} ParseState;

static const char *const bidi_controls = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                         "\u2066\u2067\u2068\u2069";

static void
frame_clear (Frame *frame)
{
  g_clear_pointer (&frame->name, g_free);
  g_clear_pointer (&frame->namespaces, g_ptr_array_unref);
  if (frame->text != NULL)
    g_string_free (g_steal_pointer (&frame->text), TRUE);
  g_clear_pointer (&frame->lang, g_free);
}

static void
parse_state_clear (ParseState *state)
{
  while (state->n_frames > 0)
    frame_clear (&state->frames[--state->n_frames]);
  g_clear_pointer (&state->server, _ms_autoconfig_server_builder_free);
  g_clear_pointer (&state->documentation, _ms_autoconfig_link_free);
  g_clear_pointer (&state->domains, g_ptr_array_unref);
  g_clear_pointer (&state->domain_problem, g_free);
  g_clear_pointer (&state->incoming_problem, g_free);
  g_clear_pointer (&state->outgoing_problem, g_free);
  g_clear_object (&state->result);
}

static gboolean
set_invalid (GError    **error,
             const char *message)
{
  g_set_error_literal (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG, message);
  return FALSE;
}

/* White space collapsed, control and bidirectional-override characters dropped: a label is
 * shown to the user and must not be able to disguise itself. */
static char *
sanitize_label (const char *text)
{
  GString *label = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = label->len > 0;
          continue;
        }
      if (g_unichar_iscntrl (c))
        continue;
      if (c >= 0x80)
        {
          char encoded[8] = { 0 };

          g_unichar_to_utf8 (c, encoded);
          if (strstr (bidi_controls, encoded) != NULL)
            continue;
        }
      if (space)
        g_string_append_c (label, ' ');
      space = FALSE;
      g_string_append_unichar (label, c);
    }

  if (label->len == 0)
    {
      g_string_free (label, TRUE);
      return NULL;
    }
  return g_string_free (label, FALSE);
}

/* Only web pages: a file must not make the user open file:, javascript: or a custom scheme. */
static char *
sanitize_url (const char *text)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree char *trimmed = NULL;
  const char *scheme;

  if (text == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (text));
  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    return NULL;
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;

  return g_steal_pointer (&trimmed);
}

static const char *
find_attribute (const char **names,
                const char **values,
                const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return values[i];
  return NULL;
}

static void
add_local_text (GPtrArray  *texts,
                const char *lang,
                const char *text)
{
  g_autofree char *label = sanitize_label (text);
  MsAutoconfigText *local;

  if (label == NULL)
    return;

  local = g_new0 (MsAutoconfigText, 1);
  local->lang = lang != NULL && *lang != '\0' ? g_strdup (lang) : NULL;
  local->text = g_steal_pointer (&label);
  g_ptr_array_add (texts, local);
}

/* Resolves PREFIX in PREFIX:NAME through the xmlns:PREFIX declarations of the open elements,
 * innermost first. Unprefixed names are autoconfig's (the format has no namespace). */
static gboolean
resolve_name (ParseState  *state,
              GPtrArray   *declared,
              const char  *name,
              const char **out_namespace,
              const char **out_local_name,
              GError     **error)
{
  const char *colon = strchr (name, ':');
  g_autofree char *prefix = NULL;

  *out_namespace = NULL;
  *out_local_name = name;
  if (colon == NULL)
    return TRUE;

  prefix = g_strndup (name, (gsize) (colon - name));
  *out_local_name = colon + 1;

  for (guint i = 0; declared != NULL && i < declared->len; i += 2)
    if (strcmp (g_ptr_array_index (declared, i), prefix) == 0)
      {
        *out_namespace = g_ptr_array_index (declared, i + 1);
        return TRUE;
      }

  for (guint f = state->n_frames; f > 0; f--)
    {
      GPtrArray *namespaces = state->frames[f - 1].namespaces;

      for (guint i = 0; namespaces != NULL && i < namespaces->len; i += 2)
        if (strcmp (g_ptr_array_index (namespaces, i), prefix) == 0)
          {
            *out_namespace = g_ptr_array_index (namespaces, i + 1);
            return TRUE;
          }
    }

  if (strcmp (prefix, "xml") == 0)
    {
      *out_namespace = "http://www.w3.org/XML/1998/namespace";
      return TRUE;
    }

  {
    g_autofree char *quoted = _ms_autoconfig_quote (name);

    g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                 _("The element <%s> uses a namespace prefix that is not declared"), quoted);
  }
  return FALSE;
}

static gboolean
check_attributes (const char  *element_name,
                  const char **names,
                  const char **values,
                  GPtrArray  **out_namespaces,
                  GError     **error)
{
  g_autoptr (GPtrArray) namespaces = NULL;
  guint n = g_strv_length ((char **) names);

  if (n > MS_AUTOCONFIG_MAX_ATTRIBUTES)
    {
      g_autofree char *quoted = _ms_autoconfig_quote (element_name);

      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                   _("The element <%s> has more than %d attributes"), quoted,
                   MS_AUTOCONFIG_MAX_ATTRIBUTES);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      for (guint j = 0; j < i; j++)
        if (strcmp (names[i], names[j]) == 0)
          {
            g_autofree char *quoted_element = _ms_autoconfig_quote (element_name);
            g_autofree char *quoted_name = _ms_autoconfig_quote (names[i]);

            g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                         _("The element <%s> has the attribute “%s” twice"), quoted_element,
                         quoted_name);
            return FALSE;
          }

      if (g_str_has_prefix (names[i], "xmlns:"))
        {
          if (namespaces == NULL)
            namespaces = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (namespaces, g_strdup (names[i] + strlen ("xmlns:")));
          g_ptr_array_add (namespaces, g_strdup (values[i]));
        }
    }

  *out_namespaces = g_steal_pointer (&namespaces);
  return TRUE;
}

static gboolean
is_value_kind (ElementKind kind)
{
  switch (kind)
    {
    case ELEMENT_DOMAIN:
    case ELEMENT_DISPLAY_NAME:
    case ELEMENT_DISPLAY_SHORT_NAME:
    case ELEMENT_HOSTNAME:
    case ELEMENT_PORT:
    case ELEMENT_SOCKET_TYPE:
    case ELEMENT_USERNAME:
    case ELEMENT_AUTHENTICATION:
    case ELEMENT_DESCR:
    case ELEMENT_INSTRUCTION:
    case ELEMENT_NOTE:
      return TRUE;
    case ELEMENT_IGNORED:
    case ELEMENT_CLIENT_CONFIG:
    case ELEMENT_EMAIL_PROVIDER:
    case ELEMENT_INCOMING_SERVER:
    case ELEMENT_OUTGOING_SERVER:
    case ELEMENT_DOCUMENTATION:
    case ELEMENT_ENABLE:
    case ELEMENT_APP_PASSWORD:
    case ELEMENT_ENABLE_IMAP:
    case ELEMENT_OAUTH2_ONLY:
      return FALSE;
    default:
      g_assert_not_reached ();
    }
}

static ElementKind
hint_kind (ParseState  *state,
           const char  *name,
           const char **names,
           const char **values)
{
  MsAutoconfig *self = state->result;

  if (strcmp (name, "appPassword") == 0)
    {
      self->app_password_required = TRUE;
      if (self->app_password_url == NULL)
        self->app_password_url = sanitize_url (find_attribute (names, values, "url"));
      return ELEMENT_APP_PASSWORD;
    }
  if (strcmp (name, "enableImap") == 0)
    {
      self->enable_imap_required = TRUE;
      if (self->enable_imap_url == NULL)
        self->enable_imap_url = sanitize_url (find_attribute (names, values, "url"));
      return ELEMENT_ENABLE_IMAP;
    }
  if (strcmp (name, "oauth2Only") == 0)
    {
      self->oauth2_only = TRUE;
      return ELEMENT_OAUTH2_ONLY;
    }
  if (strcmp (name, "note") == 0)
    return ELEMENT_NOTE;

  return ELEMENT_IGNORED;
}

static ElementKind
provider_child_kind (ParseState  *state,
                     const char  *name,
                     const char **names,
                     const char **values)
{
  const char *type = find_attribute (names, values, "type");

  if (strcmp (name, "domain") == 0)
    return ELEMENT_DOMAIN;
  if (strcmp (name, "displayName") == 0)
    return ELEMENT_DISPLAY_NAME;
  if (strcmp (name, "displayShortName") == 0)
    return ELEMENT_DISPLAY_SHORT_NAME;

  /* Exchange, EWS, NNTP and JMAP servers are not Mail Setup's: skipped like unknown ones. */
  if (strcmp (name, "incomingServer") == 0 && g_strcmp0 (type, "imap") == 0)
    {
      state->server = _ms_autoconfig_server_builder_new (MS_PROTOCOL_IMAP);
      return ELEMENT_INCOMING_SERVER;
    }
  if (strcmp (name, "incomingServer") == 0 && g_strcmp0 (type, "pop3") == 0)
    {
      state->server = _ms_autoconfig_server_builder_new (MS_PROTOCOL_POP3);
      return ELEMENT_INCOMING_SERVER;
    }
  if (strcmp (name, "outgoingServer") == 0 && g_strcmp0 (type, "smtp") == 0)
    {
      state->server = _ms_autoconfig_server_builder_new (MS_PROTOCOL_SMTP);
      return ELEMENT_OUTGOING_SERVER;
    }

  return ELEMENT_IGNORED;
}

/* What an element is, from its parent and its name. Thunderbird reads <enable> and
 * <documentation> inside <emailProvider>; some ISPDB files put them next to it, which is
 * harmless, so both places count. */
static ElementKind
child_kind (ParseState  *state,
            ElementKind  parent,
            const char  *namespace_uri,
            const char  *name,
            const char **names,
            const char **values)
{
  gboolean provider_level = parent == ELEMENT_CLIENT_CONFIG || parent == ELEMENT_EMAIL_PROVIDER;

  if (namespace_uri != NULL)
    {
      if (provider_level && strcmp (namespace_uri, MS_AUTOCONFIG_NAMESPACE) == 0)
        return hint_kind (state, name, names, values);
      return ELEMENT_IGNORED;
    }

  if (provider_level && strcmp (name, "documentation") == 0)
    {
      state->documentation = g_new0 (MsAutoconfigLink, 1);
      state->documentation->url = sanitize_url (find_attribute (names, values, "url"));
      state->documentation->descriptions =
        g_ptr_array_new_with_free_func ((GDestroyNotify) _ms_autoconfig_text_free);
      return ELEMENT_DOCUMENTATION;
    }
  if (provider_level && strcmp (name, "enable") == 0 && !state->seen_enable)
    {
      state->seen_enable = TRUE;
      state->result->enable_url = sanitize_url (find_attribute (names, values, "visiturl"));
      return ELEMENT_ENABLE;
    }

  switch (parent)
    {
    case ELEMENT_CLIENT_CONFIG:
      if (strcmp (name, "emailProvider") == 0 && !state->seen_provider)
        {
          const char *id = find_attribute (names, values, "id");

          state->seen_provider = TRUE;
          state->result->id = id != NULL ? g_strstrip (g_strdup (id)) : NULL;
          return ELEMENT_EMAIL_PROVIDER;
        }
      return ELEMENT_IGNORED;
    case ELEMENT_EMAIL_PROVIDER:
      return provider_child_kind (state, name, names, values);
    case ELEMENT_INCOMING_SERVER:
    case ELEMENT_OUTGOING_SERVER:
      if (strcmp (name, "hostname") == 0)
        return ELEMENT_HOSTNAME;
      if (strcmp (name, "port") == 0)
        return ELEMENT_PORT;
      if (strcmp (name, "socketType") == 0)
        return ELEMENT_SOCKET_TYPE;
      if (strcmp (name, "username") == 0)
        return ELEMENT_USERNAME;
      if (strcmp (name, "authentication") == 0)
        return ELEMENT_AUTHENTICATION;
      return ELEMENT_IGNORED;
    case ELEMENT_DOCUMENTATION:
      return strcmp (name, "descr") == 0 ? ELEMENT_DESCR : ELEMENT_IGNORED;
    case ELEMENT_ENABLE:
      return strcmp (name, "instruction") == 0 ? ELEMENT_INSTRUCTION : ELEMENT_IGNORED;
    case ELEMENT_IGNORED:
    case ELEMENT_DOMAIN:
    case ELEMENT_DISPLAY_NAME:
    case ELEMENT_DISPLAY_SHORT_NAME:
    case ELEMENT_HOSTNAME:
    case ELEMENT_PORT:
    case ELEMENT_SOCKET_TYPE:
    case ELEMENT_USERNAME:
    case ELEMENT_AUTHENTICATION:
    case ELEMENT_DESCR:
    case ELEMENT_INSTRUCTION:
    case ELEMENT_APP_PASSWORD:
    case ELEMENT_ENABLE_IMAP:
    case ELEMENT_OAUTH2_ONLY:
    case ELEMENT_NOTE:
      return ELEMENT_IGNORED;
    default:
      g_assert_not_reached ();
    }
}

static void
start_element (GMarkupParseContext *context,
               const char          *element_name,
               const char         **attribute_names,
               const char         **attribute_values,
               gpointer             user_data,
               GError             **error)
{
  ParseState *state = user_data;
  g_autoptr (GPtrArray) namespaces = NULL;
  const char *namespace_uri;
  const char *name;
  ElementKind kind;
  Frame *frame;

  if (++state->n_elements > MS_AUTOCONFIG_MAX_ELEMENTS)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                   _("The mail configuration has more than %d elements"),
                   MS_AUTOCONFIG_MAX_ELEMENTS);
      return;
    }
  if (state->n_frames >= MS_AUTOCONFIG_MAX_DEPTH)
    {
      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                   _("The mail configuration nests elements more than %d deep"),
                   MS_AUTOCONFIG_MAX_DEPTH);
      return;
    }
  if (!check_attributes (element_name, attribute_names, attribute_values, &namespaces,
                         error))
    return;
  if (!resolve_name (state, namespaces, element_name, &namespace_uri, &name, error))
    return;

  if (state->n_frames == 0)
    {
      g_autofree char *quoted = _ms_autoconfig_quote (element_name);

      /* GMarkup accepts a second top-level element; XML does not. */
      if (state->seen_root)
        {
          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       _("The mail configuration has a second top-level element <%s>"), quoted);
          return;
        }
      state->seen_root = TRUE;

      if (namespace_uri != NULL || strcmp (name, "clientConfig") != 0)
        {
          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       _("This is not a mail configuration (Mozilla autoconfig) file: it "
                         "starts with <%s> instead of <clientConfig>"),
                       quoted);
          return;
        }
      kind = ELEMENT_CLIENT_CONFIG;
    }
  else
    kind = child_kind (state, state->frames[state->n_frames - 1].kind, namespace_uri, name,
                       attribute_names, attribute_values);

  frame = &state->frames[state->n_frames++];
  frame->kind = kind;
  frame->name = g_strdup (element_name);
  frame->namespaces = g_steal_pointer (&namespaces);
  if (is_value_kind (kind))
    {
      const char *lang = find_attribute (attribute_names, attribute_values, "lang");

      if (lang == NULL)
        lang = find_attribute (attribute_names, attribute_values, "xml:lang");
      frame->text = g_string_new (NULL);
      frame->lang = lang != NULL ? g_strstrip (g_strdup (lang)) : NULL;
    }
}

static void
set_server_value (ParseState *state,
                  guint       index,
                  const char *element_name,
                  const char *value)
{
  MsAutoconfigServerBuilder *server = state->server;

  g_assert (server != NULL);

  if (server->values[index] != NULL)
    {
      if (server->duplicate == NULL)
        server->duplicate = g_strdup (element_name);
      return;
    }
  server->values[index] = g_strdup (value);
}

static void
add_domain (ParseState *state,
            const char *value)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *domain = ms_hostname_normalize (value, MS_HOSTNAME_MAIL_DOMAIN, &local_error);

  if (domain == NULL)
    {
      if (state->domain_problem == NULL)
        state->domain_problem = g_strdup (local_error->message);
      return;
    }

  if (state->domains == NULL)
    state->domains = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < state->domains->len; i++)
    if (strcmp (g_ptr_array_index (state->domains, i), domain) == 0)
      return;
  g_ptr_array_add (state->domains, g_steal_pointer (&domain));
}

static void
finish_server (ParseState *state,
               ElementKind kind)
{
  g_autoptr (MsAutoconfigServerBuilder) builder = g_steal_pointer (&state->server);
  g_autofree char *problem = NULL;
  MsAutoconfigServer *server;
  char **first_problem;

  g_assert (builder != NULL);

  server = _ms_autoconfig_server_builder_finish (builder, &problem);
  if (server != NULL)
    {
      g_ptr_array_add (kind == ELEMENT_INCOMING_SERVER ? state->result->incoming
                                                       : state->result->outgoing,
                       server);
      return;
    }

  first_problem = kind == ELEMENT_INCOMING_SERVER ? &state->incoming_problem
                                                  : &state->outgoing_problem;
  if (*first_problem != NULL)
    return;

  /* GMarkup's position at a start tag is already past it: name the server by its host. */
  if (builder->values[MS_AUTOCONFIG_SERVER_HOSTNAME] != NULL && *builder->values[MS_AUTOCONFIG_SERVER_HOSTNAME] != '\0')
    {
      g_autofree char *quoted = _ms_autoconfig_quote (builder->values[MS_AUTOCONFIG_SERVER_HOSTNAME]);

      /* Translators: the first %s is a host name, the second says why the server is unusable */
      *first_problem = g_strdup_printf (_("the server “%s” is unusable: %s"), quoted, problem);
    }
  else
    *first_problem = g_strdup_printf (_("a server is unusable: %s"), problem);
}

static void
end_element (GMarkupParseContext *context,
             const char          *element_name,
             gpointer             user_data,
             GError             **error)
{
  ParseState *state = user_data;
  MsAutoconfig *self = state->result;
  Frame *frame;
  g_autofree char *value = NULL;

  g_assert (state->n_frames > 0);
  frame = &state->frames[state->n_frames - 1];

  if (frame->text != NULL)
    value = g_strstrip (g_string_free (g_steal_pointer (&frame->text), FALSE));

  switch (frame->kind)
    {
    case ELEMENT_DOMAIN:
      add_domain (state, value);
      break;
    case ELEMENT_DISPLAY_NAME:
      if (self->display_name == NULL)
        self->display_name = sanitize_label (value);
      break;
    case ELEMENT_DISPLAY_SHORT_NAME:
      if (self->display_short_name == NULL)
        self->display_short_name = sanitize_label (value);
      break;
    case ELEMENT_INCOMING_SERVER:
    case ELEMENT_OUTGOING_SERVER:
      finish_server (state, frame->kind);
      break;
    case ELEMENT_HOSTNAME:
      set_server_value (state, MS_AUTOCONFIG_SERVER_HOSTNAME, element_name, value);
      break;
    case ELEMENT_PORT:
      set_server_value (state, MS_AUTOCONFIG_SERVER_PORT, element_name, value);
      break;
    case ELEMENT_SOCKET_TYPE:
      set_server_value (state, MS_AUTOCONFIG_SERVER_SOCKET_TYPE, element_name, value);
      break;
    case ELEMENT_USERNAME:
      set_server_value (state, MS_AUTOCONFIG_SERVER_USERNAME, element_name, value);
      break;
    case ELEMENT_AUTHENTICATION:
      {
        MsAutoconfigAuth auth;

        /* Thunderbird skips what it does not know and takes the first it supports. */
        if (ms_autoconfig_auth_from_string (value, &auth))
          g_array_append_val (state->server->auth, auth);
      }
      break;
    case ELEMENT_DOCUMENTATION:
      {
        MsAutoconfigLink *documentation = g_steal_pointer (&state->documentation);

        if (documentation->url != NULL)
          g_ptr_array_add (self->documentation, documentation);
        else
          _ms_autoconfig_link_free (documentation);
      }
      break;
    case ELEMENT_DESCR:
      add_local_text (state->documentation->descriptions, frame->lang, value);
      break;
    case ELEMENT_INSTRUCTION:
      add_local_text (self->enable_instructions, frame->lang, value);
      break;
    case ELEMENT_NOTE:
      add_local_text (self->notes, frame->lang, value);
      break;
    case ELEMENT_IGNORED:
    case ELEMENT_CLIENT_CONFIG:
    case ELEMENT_EMAIL_PROVIDER:
    case ELEMENT_ENABLE:
    case ELEMENT_APP_PASSWORD:
    case ELEMENT_ENABLE_IMAP:
    case ELEMENT_OAUTH2_ONLY:
      break;
    default:
      g_assert_not_reached ();
    }

  frame_clear (frame);
  state->n_frames--;
}

static void
text (GMarkupParseContext *context,
      const char          *text,
      gsize                text_len,
      gpointer             user_data,
      GError             **error)
{
  ParseState *state = user_data;
  Frame *frame;

  if (state->n_frames == 0)
    return;

  frame = &state->frames[state->n_frames - 1];
  if (frame->text == NULL)
    return;

  if (text_len > MS_AUTOCONFIG_MAX_VALUE_LENGTH ||
      frame->text->len + text_len > MS_AUTOCONFIG_MAX_VALUE_LENGTH)
    {
      g_autofree char *quoted = _ms_autoconfig_quote (frame->name);

      g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                   _("The value of <%s> is longer than %d bytes"), quoted,
                   MS_AUTOCONFIG_MAX_VALUE_LENGTH);
      return;
    }

  g_string_append_len (frame->text, text, (gssize) text_len);
}

/* The encoding pseudo-attribute of <?xml … encoding="…"?>, or NULL. */
static char *
find_declared_encoding (const char *declaration,
                        gsize       length)
{
  g_autofree char *copy = g_strndup (declaration, length);
  const char *p = strstr (copy, "encoding");
  char quote;
  const char *end;

  if (p == NULL)
    return NULL;

  p += strlen ("encoding");
  while (g_ascii_isspace (*p))
    p++;
  if (*p++ != '=')
    return NULL;
  while (g_ascii_isspace (*p))
    p++;
  quote = *p++;
  if (quote != '"' && quote != '\'')
    return NULL;
  end = strchr (p, quote);
  if (end == NULL)
    return NULL;

  return g_strndup (p, (gsize) (end - p));
}

static void
passthrough (GMarkupParseContext *context,
             const char          *passthrough_text,
             gsize                text_len,
             gpointer             user_data,
             GError             **error)
{
  /* A DOCTYPE is the only place entities can be defined ("billion laughs", external
   * entities). GMarkup would not expand them, but no autoconfig file has one: refuse it. */
  if (text_len >= 2 && strncmp (passthrough_text, "<!", 2) == 0 &&
      (text_len < 4 || strncmp (passthrough_text, "<!--", 4) != 0))
    {
      set_invalid (error, _("The mail configuration contains a document type or entity "
                            "declaration (<!DOCTYPE …>), which mail configuration files never "
                            "have; it is refused for safety"));
      return;
    }

  if (text_len > 6 && strncmp (passthrough_text, "<?xml", 5) == 0 &&
      g_ascii_isspace (passthrough_text[5]))
    {
      g_autofree char *encoding = find_declared_encoding (passthrough_text, text_len);

      if (encoding != NULL && g_ascii_strcasecmp (encoding, "UTF-8") != 0 &&
          g_ascii_strcasecmp (encoding, "UTF8") != 0 &&
          g_ascii_strcasecmp (encoding, "US-ASCII") != 0 &&
          g_ascii_strcasecmp (encoding, "ASCII") != 0)
        {
          g_autofree char *quoted = _ms_autoconfig_quote (encoding);

          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       _("The mail configuration is written in the encoding “%s”; only UTF-8 "
                         "is supported"),
                       quoted);
        }
    }
}

static const GMarkupParser parser = {
  start_element,
  end_element,
  text,
  passthrough,
  NULL,
};

static gboolean
check_encoding (const char **data,
                gsize       *size,
                GError     **error)
{
  /* The XML encoding autodetection signatures of UTF-16 and UTF-32. */
  if (*size >= 2 && (((guchar) (*data)[0] == 0xff && (guchar) (*data)[1] == 0xfe) ||
                     ((guchar) (*data)[0] == 0xfe && (guchar) (*data)[1] == 0xff) ||
                     (*data)[0] == '\0' || (*data)[1] == '\0'))
    return set_invalid (error, _("The mail configuration is written in UTF-16 or UTF-32; "
                                 "only UTF-8 is supported"));

  /* GMarkup takes a byte order mark for text before the first element. */
  if (*size >= 3 && memcmp (*data, "\xef\xbb\xbf", 3) == 0)
    {
      *data += 3;
      *size -= 3;
    }

  /* Also catches NUL bytes, which GMarkup would let through in text. */
  if (!g_utf8_validate_len (*data, *size, NULL))
    return set_invalid (error, _("The mail configuration is not valid UTF-8 text"));

  return TRUE;
}

static gboolean
is_blank (const char *data,
          gsize       size)
{
  for (gsize i = 0; i < size; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

static gboolean
finish_document (ParseState *state,
                 GError    **error)
{
  MsAutoconfig *self = state->result;

  if (!state->seen_provider)
    return set_invalid (error, _("The mail configuration has no <emailProvider>"));

  if (self->id == NULL || *self->id == '\0')
    return set_invalid (error, _("The <emailProvider> of the mail configuration has no id"));

  if (state->domains == NULL || state->domains->len == 0)
    {
      if (state->domain_problem != NULL)
        {
          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       _("The mail configuration names no valid <domain>: %s"),
                       state->domain_problem);
          return FALSE;
        }
      return set_invalid (error, _("The mail configuration names no <domain>"));
    }

  if (self->incoming->len == 0)
    {
      if (state->incoming_problem != NULL)
        {
          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       _("The mail configuration has no usable incoming (IMAP or POP3) server: "
                         "%s"),
                       state->incoming_problem);
          return FALSE;
        }
      return set_invalid (error, _("The mail configuration has no incoming (IMAP or POP3) "
                                   "server"));
    }

  if (self->outgoing->len == 0)
    {
      if (state->outgoing_problem != NULL)
        {
          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       _("The mail configuration has no usable outgoing (SMTP) server: %s"),
                       state->outgoing_problem);
          return FALSE;
        }
      return set_invalid (error, _("The mail configuration has no outgoing (SMTP) server"));
    }

  g_ptr_array_add (state->domains, NULL);
  self->domains = (char **) g_ptr_array_free (g_steal_pointer (&state->domains), FALSE);

  if (self->display_name == NULL)
    self->display_name = g_strdup (self->id);
  if (self->display_short_name == NULL)
    self->display_short_name = g_strdup (self->display_name);

  /* Mail Setup checks a password when the file offers a way to log in with one; OAuth2 when
   * that is all there is, or when our provider data says the provider allows nothing else. */
  for (guint list = 0; list < 2; list++)
    {
      GPtrArray *servers = list == 0 ? self->incoming : self->outgoing;

      for (guint i = 0; i < servers->len; i++)
        {
          MsAutoconfigServer *server = g_ptr_array_index (servers, i);
          MsAuthMechanism mechanism = MS_AUTH_MECHANISM_AUTOMATIC;
          gboolean found = FALSE;
          guint n_auth;
          const MsAutoconfigAuth *auth = ms_autoconfig_server_get_auth (server, &n_auth);

          for (guint j = 0; j < n_auth && !found; j++)
            found = auth[j] != MS_AUTOCONFIG_AUTH_OAUTH2 &&
                    ms_autoconfig_auth_to_mechanism (auth[j], &mechanism);
          if (self->oauth2_only ||
              (!found && ms_autoconfig_server_offers (server, MS_AUTOCONFIG_AUTH_OAUTH2)))
            mechanism = MS_AUTH_MECHANISM_OAUTH2;

          ms_server_config_set_auth_mechanism (ms_autoconfig_server_get_template (server),
                                               mechanism);
        }
    }

  return TRUE;
}

/* Parses at most MS_AUTOCONFIG_MAX_SIZE bytes (the caller checked the size). */
MsAutoconfig *
_ms_autoconfig_parse (const char *data,
                      gsize       size,
                      GError    **error)
{
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GError) local_error = NULL;
  ParseState state = { 0 };

  g_assert (size <= MS_AUTOCONFIG_MAX_SIZE);

  if (!check_encoding (&data, &size, error))
    return NULL;
  if (is_blank (data, size))
    {
      set_invalid (error, _("The mail configuration is empty"));
      return NULL;
    }

  state.result = g_object_new (MS_TYPE_AUTOCONFIG, NULL);
  context = g_markup_parse_context_new (&parser,
                                        G_MARKUP_TREAT_CDATA_AS_TEXT |
                                          G_MARKUP_PREFIX_ERROR_POSITION,
                                        &state, NULL);

  if (!g_markup_parse_context_parse (context, data, (gssize) size, &local_error) ||
      !g_markup_parse_context_end_parse (context, &local_error) ||
      !finish_document (&state, &local_error))
    {
      parse_state_clear (&state);
      if (local_error->domain == G_MARKUP_ERROR)
        {
          /* GLib quotes a lone byte of a multi-byte character in some of its messages (an
           * invalid name character): never pass invalid UTF-8 on. */
          g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

          g_set_error (error, MS_ERROR, MS_ERROR_INVALID_AUTOCONFIG,
                       /* Translators: %s is GLib's description of the XML error, with its line */
                       _("The mail configuration is not well-formed XML: %s"), message);
        }
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  {
    MsAutoconfig *result = g_steal_pointer (&state.result);

    parse_state_clear (&state);
    return result;
  }
}
