/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-prefs-js"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-prefs-js.h"

#include <gio/gio.h>
#include <string.h>

/* A reader for Thunderbird's prefs.js that sees exactly what Thunderbird sees, and helpers that
 * write lines it reads back. The grammar, the error recovery and the odd corners are those of
 * Mozilla's own parser (modules/libpref/parser/src/lib.rs):
 *
 *   <pref>   = ("user_pref" | "pref" | "sticky_pref" | "lockPref") "(" <string> "," <value> ")" ";"
 *   <value>  = <string> | "true" | "false" | ("+" | "-")? [0-9]+   (a 32-bit signed integer)
 *   <string> = '…' or "…" with the escapes \" \' \\ \n \r \xNN \uNNNN (\x00 and \u0000 refused)
 *   comments: "//" and "#" to the end of the line, and C block comments (not nested);
 *   line ends: \n, \r\n, \r
 *
 * Strings are bytes, not necessarily UTF-8 (Thunderbird writes some char prefs as Latin-1): they
 * are kept as bytes and only decoded, with a Latin-1 fallback, for comparisons.
 *
 * Malformed input: like Thunderbird, the default policy skips a malformed statement up to the
 * next ";" and goes on; every skipped statement is recorded with its line number
 * (ms_prefs_js_get_error()), so the map is what Thunderbird itself would load.
 * MS_PREFS_JS_PARSE_STRICT fails on the first one instead. A NUL byte where a token starts ends
 * the file for Thunderbird; a file that ends inside a statement, string or comment would swallow
 * whatever is appended: ms_prefs_js_check_appendable() says so before anything is written.
 *
 * The reader keeps nothing but the map: writers work on the original bytes and append. */

#define MAX_RECORDED_ERRORS 100

typedef struct
{
  MsPrefsJsType type;
  gint32        number;
  char         *string;
} Value;

typedef struct
{
  char *name;
  Value user_value;
  Value default_value;
} Pref;

typedef struct
{
  guint       line;
  const char *message; /* untranslated, N_() */
} ParseError;

struct _MsPrefsJs
{
  gatomicrefcount ref_count;
  GHashTable     *prefs;        /* name → Pref */
  GPtrArray      *sorted_names; /* lazily, for prefix searches */
  GArray         *errors;       /* ParseError, at most MAX_RECORDED_ERRORS */
  guint           n_errors;
  gboolean        ends_cleanly; /* appended statements will be parsed */
  gboolean        stopped_at_nul;
  guint           end_line;
  guint           incomplete_line; /* where the statement the file ends in starts */
  gboolean        ends_with_newline;
  gboolean        uses_crlf;
};

G_DEFINE_BOXED_TYPE (MsPrefsJs, ms_prefs_js, ms_prefs_js_ref, ms_prefs_js_unref)

static void
value_clear (Value *value)
{
  g_clear_pointer (&value->string, g_free);
  value->type = MS_PREFS_JS_TYPE_NONE;
}

static void
pref_free (Pref *pref)
{
  g_free (pref->name);
  value_clear (&pref->user_value);
  value_clear (&pref->default_value);
  g_free (pref);
}

/* ---- the lexer ------------------------------------------------------------------------------ */

typedef enum
{
  TOKEN_EOF,
  TOKEN_CHAR,
  TOKEN_PREF,
  TOKEN_STICKY_PREF,
  TOKEN_LOCK_PREF,
  TOKEN_USER_PREF,
  TOKEN_TRUE,
  TOKEN_FALSE,
  TOKEN_STICKY,
  TOKEN_LOCKED,
  TOKEN_STRING,
  TOKEN_INT,
  TOKEN_ERROR,
} TokenKind;

typedef struct
{
  TokenKind   kind;
  guint8      c;          /* TOKEN_CHAR */
  guint32     number;     /* TOKEN_INT */
  const char *message;    /* TOKEN_ERROR */
  guint       error_line; /* TOKEN_ERROR: 0 for the current line */
} Token;

typedef enum
{
  CHAR_SINGLE,
  CHAR_SPACE_NL,
  CHAR_KEYWORD,
  CHAR_QUOTE,
  CHAR_SLASH,
  CHAR_DIGIT,
  CHAR_HASH,
  CHAR_CR,
  CHAR_OTHER,
} CharKind;

static const struct
{
  const char *word;
  TokenKind   kind;
} keywords[] = {
  { "pref", TOKEN_PREF },
  { "true", TOKEN_TRUE },
  { "false", TOKEN_FALSE },
  { "user_pref", TOKEN_USER_PREF },
  { "sticky", TOKEN_STICKY },
  { "locked", TOKEN_LOCKED },
  { "sticky_pref", TOKEN_STICKY_PREF },
  { "lockPref", TOKEN_LOCK_PREF },
};

typedef struct
{
  const guint8 *buf;
  gsize         len;
  gsize         i;    /* may reach len + 1: index len is a virtual NUL, the end of the file */
  guint         line;
  gboolean      strict;
  gboolean      stop; /* strict mode hit an error */
  gboolean      dirty_end;
  guint         statement_line;
  MsPrefsJs    *result;
  GByteArray   *scratch;
} Parser;

static CharKind
char_kind (guint8 c)
{
  if (c == 0 || c == '(' || c == ')' || c == '+' || c == ',' || c == '-' || c == ';')
    return CHAR_SINGLE;
  if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == ' ')
    return CHAR_SPACE_NL;
  if (c == '\r')
    return CHAR_CR;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
    return CHAR_KEYWORD;
  if (c == '"' || c == '\'')
    return CHAR_QUOTE;
  if (c == '/')
    return CHAR_SLASH;
  if (c >= '0' && c <= '9')
    return CHAR_DIGIT;
  if (c == '#')
    return CHAR_HASH;
  return CHAR_OTHER;
}

/* A NUL byte reads as the end of the file; like Mozilla's parser, reading it still moves on. */
static guint8
get_char (Parser *p)
{
  if (p->i < p->len)
    return p->buf[p->i++];
  if (p->i == p->len)
    p->i++;
  return 0;
}

static void
unget_char (Parser *p)
{
  g_assert (p->i > 0);
  p->i--;
}

static gboolean
match_char (Parser *p,
            guint8  c)
{
  if (p->i < p->len && p->buf[p->i] == c)
    {
      p->i++;
      return TRUE;
    }
  return FALSE;
}

static Token
error_token (const char *message,
             guint       line)
{
  Token token = { .kind = TOKEN_ERROR, .message = message, .error_line = line };

  return token;
}

static Token
simple_token (TokenKind kind)
{
  Token token = { .kind = kind };

  return token;
}

static void
match_single_line_comment (Parser *p)
{
  for (;;)
    {
      guint8 c = get_char (p);

      if (c == '\n')
        {
          p->line++;
          return;
        }
      if (c == '\r')
        {
          p->line++;
          match_char (p, '\n');
          return;
        }
      if (c == 0)
        return;
    }
}

static gboolean
match_multi_line_comment (Parser *p)
{
  for (;;)
    {
      guint8 c = get_char (p);

      if (c == '*')
        {
          if (match_char (p, '/'))
            return TRUE;
        }
      else if (c == '\n')
        {
          p->line++;
        }
      else if (c == '\r')
        {
          p->line++;
          match_char (p, '\n');
        }
      else if (c == 0)
        {
          return FALSE;
        }
    }
}

static gboolean
match_hex_digits (Parser  *p,
                  guint    n_digits,
                  guint16 *out_value)
{
  guint16 value = 0;

  for (guint n = 0; n < n_digits; n++)
    {
      guint8 c = get_char (p);

      value <<= 4;
      if (c >= '0' && c <= '9')
        value += c - '0';
      else if (c >= 'A' && c <= 'F')
        value += c - 'A' + 10;
      else if (c >= 'a' && c <= 'f')
        value += c - 'a' + 10;
      else
        {
          unget_char (p);
          return FALSE;
        }
    }
  *out_value = value;
  return TRUE;
}

/* Keeps only the first error inside a string literal, at the line where it happened. */
static void
string_error (Parser     *p,
              Token      *token,
              const char *message)
{
  if (token->kind == TOKEN_STRING)
    *token = error_token (message, p->line);
}

static void
append_unichar (GByteArray *out,
                gunichar    c)
{
  char utf8[6];
  int length = g_unichar_to_utf8 (c, utf8);

  g_byte_array_append (out, (const guint8 *) utf8, length);
}

static Token
get_string_token (Parser     *p,
                  guint8      quote,
                  GByteArray *out)
{
  Token token = simple_token (TOKEN_STRING);
  guint start_line = p->line;

  g_byte_array_set_size (out, 0);

  for (;;)
    {
      guint8 c = get_char (p);
      guint8 c2;

      if (c == quote)
        break;

      if (c == '\\')
        {
          guint8 escaped = get_char (p);
          guint16 value;

          switch (escaped)
            {
            case '"':
            case '\'':
            case '\\':
              c2 = escaped;
              break;
            case 'n':
              c2 = '\n';
              break;
            case 'r':
              c2 = '\r';
              break;
            case 'x':
              if (!match_hex_digits (p, 2, &value))
                {
                  string_error (p, &token, N_("malformed \\x escape sequence"));
                  continue;
                }
              if (value == 0)
                {
                  string_error (p, &token, N_("\\x00 is not allowed"));
                  continue;
                }
              c2 = (guint8) value;
              break;
            case 'u':
              if (!match_hex_digits (p, 4, &value))
                {
                  string_error (p, &token, N_("malformed \\u escape sequence"));
                  continue;
                }
              if ((value & 0xfc00) == 0xd800)
                {
                  guint16 low = 0;
                  gboolean have_low = FALSE;

                  if (match_char (p, '\\') && match_char (p, 'u') &&
                      match_hex_digits (p, 4, &low))
                    {
                      if ((low & 0xfc00) != 0xdc00)
                        {
                          string_error (p, &token,
                                        N_("invalid low surrogate after high surrogate"));
                          continue;
                        }
                      have_low = TRUE;
                    }
                  if (!have_low)
                    {
                      string_error (p, &token, N_("expected low surrogate after high surrogate"));
                      continue;
                    }
                  append_unichar (out, 0x10000 + (((gunichar) value - 0xd800) << 10) +
                                         ((gunichar) low - 0xdc00));
                  continue;
                }
              if ((value & 0xfc00) == 0xdc00)
                {
                  string_error (p, &token, N_("expected high surrogate before low surrogate"));
                  continue;
                }
              if (value == 0)
                {
                  string_error (p, &token, N_("\\u0000 is not allowed"));
                  continue;
                }
              append_unichar (out, value);
              continue;
            default:
              /* The newline is counted when the loop reads it again. */
              if (escaped == '\n' || escaped == '\r')
                unget_char (p);
              string_error (p, &token, N_("unexpected escape sequence character after '\\'"));
              continue;
            }
        }
      else if (c == '\n')
        {
          p->line++;
          c2 = c;
        }
      else if (c == '\r')
        {
          p->line++;
          if (match_char (p, '\n'))
            {
              g_byte_array_append (out, (const guint8 *) "\r", 1);
              c2 = '\n';
            }
          else
            {
              c2 = c;
            }
        }
      else if (c == 0)
        {
          if (token.kind == TOKEN_STRING)
            token = error_token (N_("unterminated string literal"), start_line);
          break;
        }
      else
        {
          c2 = c;
        }
      g_byte_array_append (out, &c2, 1);
    }

  return token;
}

static Token
get_token (Parser     *p,
           GByteArray *string_out)
{
  for (;;)
    {
      guint8 c = get_char (p);

      switch (char_kind (c))
        {
        case CHAR_SINGLE:
          if (c == 0)
            return simple_token (TOKEN_EOF);
          else
            {
              Token token = { .kind = TOKEN_CHAR, .c = c };

              return token;
            }
        case CHAR_SPACE_NL:
          if (c == '\n')
            p->line++;
          continue;
        case CHAR_KEYWORD:
          {
            gsize start = p->i - 1;

            while (char_kind (get_char (p)) == CHAR_KEYWORD)
              ;
            unget_char (p);
            for (guint k = 0; k < G_N_ELEMENTS (keywords); k++)
              {
                gsize length = strlen (keywords[k].word);

                if (p->i - start == length && memcmp (p->buf + start, keywords[k].word, length) == 0)
                  return simple_token (keywords[k].kind);
              }
            return error_token (N_("unknown keyword"), 0);
          }
        case CHAR_QUOTE:
          return get_string_token (p, c, string_out != NULL ? string_out : p->scratch);
        case CHAR_SLASH:
          {
            guint start_line = p->line;
            guint8 next = get_char (p);

            if (next == '/')
              {
                match_single_line_comment (p);
              }
            else if (next == '*')
              {
                if (!match_multi_line_comment (p))
                  return error_token (N_("unterminated /* comment"), start_line);
              }
            else
              {
                if (next == '\n' || next == '\r')
                  unget_char (p);
                return error_token (N_("expected '/' or '*' after '/'"), 0);
              }
            continue;
          }
        case CHAR_DIGIT:
          {
            guint64 value = c - '0';
            gboolean overflow = FALSE;

            for (;;)
              {
                guint8 d = get_char (p);
                CharKind kind = char_kind (d);

                if (kind == CHAR_DIGIT)
                  {
                    value = value * 10 + (d - '0');
                    if (value > G_MAXUINT32)
                      {
                        overflow = TRUE;
                        value = 0;
                      }
                  }
                else if (kind == CHAR_KEYWORD)
                  {
                    unget_char (p);
                    return error_token (N_("unexpected character in integer literal"), 0);
                  }
                else
                  {
                    unget_char (p);
                    break;
                  }
              }
            if (overflow)
              return error_token (N_("integer literal overflowed"), 0);
            else
              {
                Token token = { .kind = TOKEN_INT, .number = (guint32) value };

                return token;
              }
          }
        case CHAR_HASH:
          match_single_line_comment (p);
          continue;
        case CHAR_CR:
          match_char (p, '\n');
          p->line++;
          continue;
        case CHAR_OTHER:
        default:
          return error_token (N_("unexpected character"), 0);
        }
    }
}

/* ---- the parser ----------------------------------------------------------------------------- */

static gboolean
is_char (Token  token,
         guint8 c)
{
  return token.kind == TOKEN_CHAR && token.c == c;
}

static void
record_error (Parser     *p,
              guint       line,
              const char *message)
{
  ParseError error = { line, message };

  p->result->n_errors++;
  if (p->result->errors->len < MAX_RECORDED_ERRORS)
    g_array_append_val (p->result->errors, error);
  if (p->strict)
    p->stop = TRUE;
}

/* Thunderbird's panic-mode recovery: skip tokens up to and including the next ";". */
static Token
error_and_recover (Parser     *p,
                   Token       token,
                   const char *message)
{
  if (token.kind == TOKEN_ERROR)
    record_error (p, token.error_line != 0 ? token.error_line : p->line, token.message);
  else
    record_error (p, p->line, message);

  if (p->stop)
    return simple_token (TOKEN_EOF);

  for (;;)
    {
      if (is_char (token, ';'))
        return get_token (p, NULL);
      if (token.kind == TOKEN_EOF)
        {
          p->dirty_end = TRUE;
          p->result->incomplete_line = p->statement_line;
          return token;
        }
      token = get_token (p, NULL);
    }
}

/* g_strndup() of an array that never held a byte (data == NULL) would be NULL, not "". */
static char *
dup_byte_array (GByteArray *array)
{
  char *copy = g_malloc (array->len + 1);

  if (array->len > 0)
    memcpy (copy, array->data, array->len);
  copy[array->len] = '\0';
  return copy;
}

static void
store_pref (Parser        *p,
            GByteArray    *name,
            gboolean       is_user,
            MsPrefsJsType  type,
            gint32         number,
            GByteArray    *string)
{
  g_autofree char *key = dup_byte_array (name);
  Pref *pref = g_hash_table_lookup (p->result->prefs, key);
  Value *value;

  if (pref == NULL)
    {
      pref = g_new0 (Pref, 1);
      pref->name = g_steal_pointer (&key);
      g_hash_table_insert (p->result->prefs, pref->name, pref);
    }

  value = is_user ? &pref->user_value : &pref->default_value;
  value_clear (value);
  value->type = type;
  value->number = number;
  if (type == MS_PREFS_JS_TYPE_STRING)
    value->string = dup_byte_array (string);
}

static void
parse (Parser *p)
{
  g_autoptr (GByteArray) name = g_byte_array_new ();
  g_autoptr (GByteArray) string = g_byte_array_new ();
  Token token = get_token (p, NULL);

  for (;;)
    {
      gboolean is_user;
      MsPrefsJsType type;
      gint32 number = 0;

      /* Tokens end on the line they start on, except strings and comments, whose errors carry
       * their first line. */
      p->statement_line = token.kind == TOKEN_ERROR && token.error_line != 0 ? token.error_line
                                                                            : p->line;
      switch (token.kind)
        {
        case TOKEN_PREF:
        case TOKEN_STICKY_PREF:
        case TOKEN_LOCK_PREF:
          is_user = FALSE;
          break;
        case TOKEN_USER_PREF:
          is_user = TRUE;
          break;
        case TOKEN_EOF:
          return;
        default:
          token = error_and_recover (p, token,
                                     N_("expected pref specifier at start of pref definition"));
          continue;
        }

      token = get_token (p, NULL);
      if (!is_char (token, '('))
        {
          token = error_and_recover (p, token, N_("expected '(' after pref specifier"));
          continue;
        }

      token = get_token (p, name);
      if (token.kind != TOKEN_STRING)
        {
          token = error_and_recover (p, token, N_("expected pref name after '('"));
          continue;
        }

      token = get_token (p, NULL);
      if (!is_char (token, ','))
        {
          token = error_and_recover (p, token, N_("expected ',' after pref name"));
          continue;
        }

      token = get_token (p, string);
      if (token.kind == TOKEN_TRUE || token.kind == TOKEN_FALSE)
        {
          type = MS_PREFS_JS_TYPE_BOOL;
          number = token.kind == TOKEN_TRUE;
        }
      else if (token.kind == TOKEN_STRING)
        {
          type = MS_PREFS_JS_TYPE_STRING;
        }
      else if (token.kind == TOKEN_INT)
        {
          if (token.number > G_MAXINT32)
            {
              token = error_and_recover (p, error_token (N_("integer literal overflowed"), 0),
                                         NULL);
              continue;
            }
          type = MS_PREFS_JS_TYPE_INT;
          number = (gint32) token.number;
        }
      else if (is_char (token, '-') || is_char (token, '+'))
        {
          gboolean negative = is_char (token, '-');

          token = get_token (p, NULL);
          if (token.kind != TOKEN_INT)
            {
              token = error_and_recover (p, token,
                                         negative ? N_("expected integer literal after '-'")
                                                  : N_("expected integer literal after '+'"));
              continue;
            }
          if (token.number > (guint32) G_MAXINT32 + (negative ? 1 : 0))
            {
              token = error_and_recover (p, error_token (N_("integer literal overflowed"), 0),
                                         NULL);
              continue;
            }
          type = MS_PREFS_JS_TYPE_INT;
          number = negative ? (gint32) (-(gint64) token.number) : (gint32) token.number;
        }
      else
        {
          token = error_and_recover (p, token, N_("expected pref value after ','"));
          continue;
        }

      /* prefs.js is a user prefs file: no "sticky"/"locked" attributes here. */
      token = get_token (p, NULL);
      if (!is_char (token, ')'))
        {
          token = error_and_recover (p, token, N_("expected ')' after pref value"));
          continue;
        }

      token = get_token (p, NULL);
      if (!is_char (token, ';'))
        {
          token = error_and_recover (p, token, N_("expected ';' after ')'"));
          continue;
        }

      store_pref (p, name, is_user, type, number, string);
      token = get_token (p, NULL);
    }
}

static void
scan_line_ends (MsPrefsJs    *self,
                const guint8 *data,
                gsize         size)
{
  self->ends_with_newline = size == 0 || data[size - 1] == '\n' || data[size - 1] == '\r';

  for (gsize i = size; i > 0; i--)
    {
      if (data[i - 1] == '\n')
        {
          self->uses_crlf = i >= 2 && data[i - 2] == '\r';
          break;
        }
    }
}

/**
 * ms_prefs_js_new_from_bytes:
 * @contents: the bytes of a prefs.js (or user.js) file
 * @flags: how to treat malformed statements
 * @error: return location for a translated error
 *
 * Parses @contents as Thunderbird does. By default a malformed statement is skipped up to the
 * next `;` and recorded (see ms_prefs_js_get_error()); with %MS_PREFS_JS_PARSE_STRICT the first
 * one fails with %G_IO_ERROR_INVALID_DATA and its line number. Files over
 * %MS_PREFS_JS_MAX_SIZE fail.
 *
 * Returns: (transfer full) (nullable): the prefs, or %NULL with @error set
 */
MsPrefsJs *
ms_prefs_js_new_from_bytes (GBytes             *contents,
                            MsPrefsJsParseFlags flags,
                            GError            **error)
{
  g_autoptr (MsPrefsJs) self = NULL;
  g_autoptr (GByteArray) scratch = g_byte_array_new ();
  gsize size;
  const guint8 *data;
  Parser parser = { 0 };

  g_return_val_if_fail (contents != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (contents, &size);
  if (size > MS_PREFS_JS_MAX_SIZE)
    {
      g_autofree char *limit = g_format_size (MS_PREFS_JS_MAX_SIZE);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The preferences file is larger than %s"), limit);
      return NULL;
    }

  self = g_new0 (MsPrefsJs, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->prefs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) pref_free);
  self->errors = g_array_new (FALSE, FALSE, sizeof (ParseError));

  parser.buf = data;
  parser.len = size;
  parser.line = 1;
  parser.strict = (flags & MS_PREFS_JS_PARSE_STRICT) != 0;
  parser.result = self;
  parser.scratch = scratch;
  parse (&parser);

  if (parser.stop)
    {
      const ParseError *first = &g_array_index (self->errors, ParseError, 0);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Line %u: %s"), first->line,
                   _(first->message));
      return NULL;
    }

  self->stopped_at_nul = parser.i <= parser.len;
  self->ends_cleanly = !parser.dirty_end && !self->stopped_at_nul;
  self->end_line = parser.line;
  scan_line_ends (self, data, size);

  return g_steal_pointer (&self);
}

MsPrefsJs *
ms_prefs_js_ref (MsPrefsJs *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_prefs_js_unref (MsPrefsJs *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_pointer (&self->sorted_names, g_ptr_array_unref);
  g_hash_table_unref (self->prefs);
  g_array_unref (self->errors);
  g_free (self);
}

guint
ms_prefs_js_get_n_prefs (MsPrefsJs *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->prefs);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
get_sorted_names (MsPrefsJs *self)
{
  if (self->sorted_names == NULL)
    {
      GHashTableIter iter;
      gpointer key;

      self->sorted_names = g_ptr_array_sized_new (g_hash_table_size (self->prefs));
      g_hash_table_iter_init (&iter, self->prefs);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (self->sorted_names, key);
      g_ptr_array_sort (self->sorted_names, compare_names);
    }
  return self->sorted_names;
}

/**
 * ms_prefs_js_list_names:
 * @self: parsed prefs
 *
 * Returns: (transfer container) (element-type utf8): every pref name, sorted bytewise; the
 *   strings belong to @self
 */
GPtrArray *
ms_prefs_js_list_names (MsPrefsJs *self)
{
  GPtrArray *sorted;
  GPtrArray *copy;

  g_return_val_if_fail (self != NULL, NULL);

  sorted = get_sorted_names (self);
  copy = g_ptr_array_sized_new (sorted->len);
  for (guint i = 0; i < sorted->len; i++)
    g_ptr_array_add (copy, g_ptr_array_index (sorted, i));
  return copy;
}

gboolean
ms_prefs_js_has_pref (MsPrefsJs  *self,
                      const char *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return g_hash_table_contains (self->prefs, name);
}

/**
 * ms_prefs_js_has_prefix:
 * @self: parsed prefs
 * @prefix: the start of a pref name, e.g. `mail.server.server3.`
 *
 * Returns: whether any pref (user or default value) has a name starting with @prefix
 */
gboolean
ms_prefs_js_has_prefix (MsPrefsJs  *self,
                        const char *prefix)
{
  GPtrArray *names;
  guint low = 0;
  guint high;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (prefix != NULL, FALSE);

  names = get_sorted_names (self);
  high = names->len;
  /* The first name not sorting before the prefix is the only candidate. */
  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (strcmp (g_ptr_array_index (names, middle), prefix) < 0)
        low = middle + 1;
      else
        high = middle;
    }
  return low < names->len && g_str_has_prefix (g_ptr_array_index (names, low), prefix);
}

/* What Thunderbird uses: the user value if there is one, else the default. */
static const Value *
lookup_value (MsPrefsJs  *self,
              const char *name)
{
  const Pref *pref = g_hash_table_lookup (self->prefs, name);

  if (pref == NULL)
    return NULL;
  if (pref->user_value.type != MS_PREFS_JS_TYPE_NONE)
    return &pref->user_value;
  return &pref->default_value;
}

/**
 * ms_prefs_js_has_user_value:
 * @self: parsed prefs
 * @name: a pref name
 *
 * Returns: whether @name was set with `user_pref()`, the only kind Thunderbird writes back
 */
gboolean
ms_prefs_js_has_user_value (MsPrefsJs  *self,
                            const char *name)
{
  const Pref *pref;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  pref = g_hash_table_lookup (self->prefs, name);
  return pref != NULL && pref->user_value.type != MS_PREFS_JS_TYPE_NONE;
}

MsPrefsJsType
ms_prefs_js_get_pref_type (MsPrefsJs  *self,
                           const char *name)
{
  const Value *value;

  g_return_val_if_fail (self != NULL, MS_PREFS_JS_TYPE_NONE);
  g_return_val_if_fail (name != NULL, MS_PREFS_JS_TYPE_NONE);

  value = lookup_value (self, name);
  return value != NULL ? value->type : MS_PREFS_JS_TYPE_NONE;
}

/**
 * ms_prefs_js_get_string:
 * @self: parsed prefs
 * @name: a pref name
 *
 * Returns: (nullable): the value's bytes as Thunderbird stores them (not necessarily UTF-8),
 *   or %NULL when @name is not a char pref
 */
const char *
ms_prefs_js_get_string (MsPrefsJs  *self,
                        const char *name)
{
  const Value *value;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  value = lookup_value (self, name);
  return value != NULL && value->type == MS_PREFS_JS_TYPE_STRING ? value->string : NULL;
}

/**
 * ms_prefs_js_dup_string_utf8:
 * @self: parsed prefs
 * @name: a pref name
 *
 * Returns: (transfer full) (nullable): the value as UTF-8 (bytes that are not UTF-8 are read
 *   as Latin-1, as Thunderbird wrote them), or %NULL when @name is not a char pref
 */
char *
ms_prefs_js_dup_string_utf8 (MsPrefsJs  *self,
                             const char *name)
{
  const char *bytes = ms_prefs_js_get_string (self, name);

  return bytes != NULL ? ms_prefs_js_bytes_to_utf8 (bytes) : NULL;
}

gboolean
ms_prefs_js_get_int (MsPrefsJs  *self,
                     const char *name,
                     gint32     *out_value)
{
  const Value *value;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  value = lookup_value (self, name);
  if (value == NULL || value->type != MS_PREFS_JS_TYPE_INT)
    return FALSE;
  if (out_value != NULL)
    *out_value = value->number;
  return TRUE;
}

gboolean
ms_prefs_js_get_bool (MsPrefsJs  *self,
                      const char *name,
                      gboolean   *out_value)
{
  const Value *value;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  value = lookup_value (self, name);
  if (value == NULL || value->type != MS_PREFS_JS_TYPE_BOOL)
    return FALSE;
  if (out_value != NULL)
    *out_value = value->number != 0;
  return TRUE;
}

/**
 * ms_prefs_js_get_n_errors:
 * @self: parsed prefs
 *
 * Returns: how many malformed statements were skipped (only the first 100 are kept)
 */
guint
ms_prefs_js_get_n_errors (MsPrefsJs *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_errors;
}

/**
 * ms_prefs_js_get_error:
 * @self: parsed prefs
 * @index: which skipped statement, below min (ms_prefs_js_get_n_errors(), 100)
 * @out_line: (out) (optional): its line, counting from 1
 *
 * Returns: a translated description of what was wrong
 */
const char *
ms_prefs_js_get_error (MsPrefsJs *self,
                       guint      index,
                       guint     *out_line)
{
  const ParseError *error;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->errors->len, NULL);

  error = &g_array_index (self->errors, ParseError, index);
  if (out_line != NULL)
    *out_line = error->line;
  return _(error->message);
}

/**
 * ms_prefs_js_check_appendable:
 * @self: parsed prefs
 * @error: return location for a translated error
 *
 * Checks that statements appended to the file will be read by Thunderbird: the file must not
 * end inside a statement, a string or a comment (which would swallow them) and must not hold a
 * NUL byte (after which Thunderbird stops reading).
 *
 * Returns: whether appending is safe
 */
gboolean
ms_prefs_js_check_appendable (MsPrefsJs *self,
                              GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->stopped_at_nul)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The preferences file has a NUL byte on line %u; Thunderbird ignores "
                     "everything after it, so settings added at the end would be lost"),
                   self->end_line);
      return FALSE;
    }
  if (!self->ends_cleanly)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The preferences file ends with an incomplete setting (line %u), which "
                     "would hide settings added after it. Start and quit Thunderbird once so "
                     "that it rewrites the file, then try again."),
                   self->incomplete_line);
      return FALSE;
    }
  return TRUE;
}

static void
append_escaped (GString    *out,
                const char *bytes)
{
  for (const guchar *s = (const guchar *) bytes; *s != '\0'; s++)
    {
      switch (*s)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (*s < 0x20 || *s == 0x7f)
            g_string_append_printf (out, "\\x%02x", *s);
          else
            g_string_append_c (out, (char) *s);
        }
    }
}

static void
append_name (GString    *lines,
             const char *name)
{
  g_string_append (lines, "user_pref(\"");
  append_escaped (lines, name);
  g_string_append (lines, "\", ");
}

/**
 * ms_prefs_js_append_string:
 * @lines: where to add the line
 * @name: the pref name
 * @value: the value's bytes (UTF-8 for anything new; existing bytes are kept as they are)
 *
 * Adds `user_pref("name", "value");` and a newline, escaped so that Thunderbird reads back
 * exactly @name and @value.
 */
void
ms_prefs_js_append_string (GString    *lines,
                           const char *name,
                           const char *value)
{
  g_return_if_fail (lines != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  append_name (lines, name);
  g_string_append_c (lines, '"');
  append_escaped (lines, value);
  g_string_append (lines, "\");\n");
}

void
ms_prefs_js_append_int (GString    *lines,
                        const char *name,
                        gint32      value)
{
  g_return_if_fail (lines != NULL);
  g_return_if_fail (name != NULL);

  append_name (lines, name);
  g_string_append_printf (lines, "%" G_GINT32_FORMAT ");\n", value);
}

void
ms_prefs_js_append_bool (GString    *lines,
                         const char *name,
                         gboolean    value)
{
  g_return_if_fail (lines != NULL);
  g_return_if_fail (name != NULL);

  append_name (lines, name);
  g_string_append (lines, value ? "true);\n" : "false);\n");
}

/**
 * ms_prefs_js_make_appendix:
 * @self: the parsed original file
 * @lines: statements from ms_prefs_js_append_string() and friends, each ending in "\n"
 *
 * Returns: (transfer full): the exact bytes to add after the original ones: a line break first
 *   if the file does not end with one, and @lines with the file's own line ends (CRLF files get
 *   CRLF)
 */
GBytes *
ms_prefs_js_make_appendix (MsPrefsJs  *self,
                           const char *lines)
{
  const char *newline;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (lines != NULL, NULL);

  newline = self->uses_crlf ? "\r\n" : "\n";
  out = g_string_new (NULL);
  if (!self->ends_with_newline)
    g_string_append (out, newline);
  for (const char *s = lines; *s != '\0'; s++)
    {
      if (*s == '\n')
        g_string_append (out, newline);
      else
        g_string_append_c (out, *s);
    }
  return g_string_free_to_bytes (out);
}

/**
 * ms_prefs_js_bytes_to_utf8:
 * @bytes: a char pref's value
 *
 * Returns: (transfer full): @bytes if they are UTF-8, else @bytes read as Latin-1
 */
char *
ms_prefs_js_bytes_to_utf8 (const char *bytes)
{
  GString *out;

  g_return_val_if_fail (bytes != NULL, NULL);

  if (g_utf8_validate (bytes, -1, NULL))
    return g_strdup (bytes);

  out = g_string_new (NULL);
  for (const guchar *s = (const guchar *) bytes; *s != '\0'; s++)
    g_string_append_unichar (out, *s);
  return g_string_free (out, FALSE);
}
