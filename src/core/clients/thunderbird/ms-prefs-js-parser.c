/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ms-prefs-js"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ms-prefs-js-private.h"

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

static void
value_clear (MsPrefsJsValue *value)
{
  g_clear_pointer (&value->string, g_free);
  value->type = MS_PREFS_JS_TYPE_NONE;
}

void
_ms_prefs_js_entry_free (MsPrefsJsEntry *entry)
{
  g_free (entry->name);
  value_clear (&entry->user_value);
  value_clear (&entry->default_value);
  g_free (entry);
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

                if (p->i - start == length &&
                    memcmp (p->buf + start, keywords[k].word, length) == 0)
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
  MsPrefsJsParseError error = { line, message };

  p->result->n_errors++;
  if (p->result->errors->len < MS_PREFS_JS_MAX_RECORDED_ERRORS)
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
  MsPrefsJsEntry *pref = g_hash_table_lookup (p->result->prefs, key);
  MsPrefsJsValue *value;

  if (pref == NULL)
    {
      pref = g_new0 (MsPrefsJsEntry, 1);
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

/**
 * _ms_prefs_js_parse:
 * @self: a new, empty result
 * @data: the file's bytes
 * @size: how many
 * @strict: stop at the first malformed statement
 *
 * Fills in @self's prefs, errors and what its end looks like.
 *
 * Returns: %FALSE if @strict stopped at an error (the first one recorded in @self)
 */
gboolean
_ms_prefs_js_parse (MsPrefsJs    *self,
                    const guint8 *data,
                    gsize         size,
                    gboolean      strict)
{
  g_autoptr (GByteArray) scratch = g_byte_array_new ();
  Parser parser = { 0 };

  parser.buf = data;
  parser.len = size;
  parser.line = 1;
  parser.strict = strict;
  parser.result = self;
  parser.scratch = scratch;
  parse (&parser);

  if (parser.stop)
    return FALSE;

  self->stopped_at_nul = parser.i <= parser.len;
  self->ends_cleanly = !parser.dirty_end && !self->stopped_at_nul;
  self->end_line = parser.line;
  return TRUE;
}
