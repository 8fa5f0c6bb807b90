/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mailsetup.h"

typedef struct
{
  const char *input;
  const char *address;       /* NULL: must be rejected */
  const char *domain;
  const char *domain_display;
  const char *message_part;  /* for rejections: a piece of the message the user sees */
} AddressCase;

static const AddressCase cases[] = {
  { "alice@example.com", "alice@example.com", "example.com", "example.com", NULL },
  { "  Alice.Smith@Example.COM \n", "Alice.Smith@example.com", "example.com", "example.com",
    NULL },
  { "user+tag@mail.example.co.uk", "user+tag@mail.example.co.uk", "mail.example.co.uk",
    "mail.example.co.uk", NULL },
  { "jörg@bücher.de", "jörg@xn--bcher-kva.de", "xn--bcher-kva.de", "bücher.de", NULL },
  { "info@例え.jp", "info@xn--r8jz45g.jp", "xn--r8jz45g.jp", "例え.jp", NULL },
  { "\"john doe\"@example.org", "\"john doe\"@example.org", "example.org", "example.org", NULL },
  { "a@example.com.", "a@example.com", "example.com", "example.com", NULL },
  { "", NULL, NULL, NULL, "Enter your e-mail address" },
  { "   ", NULL, NULL, NULL, "Enter your e-mail address" },
  { "alice", NULL, NULL, NULL, "needs an “@”" },
  { "alice@", NULL, NULL, NULL, "domain after the “@” is missing" },
  { "@example.com", NULL, NULL, NULL, "part before the “@” is missing" },
  { "a@b@example.com", NULL, NULL, NULL, "only one “@”" },
  { "alice@localhost", NULL, NULL, NULL, "incomplete" },
  { "alice@192.0.2.1", NULL, NULL, NULL, "not an IP address" },
  { "alice@[192.0.2.1]", NULL, NULL, NULL, "not an IP address" },
  { "al ice@example.com", NULL, NULL, NULL, "cannot contain spaces" },
  { ".alice@example.com", NULL, NULL, NULL, "two dots in a row" },
  { "al..ice@example.com", NULL, NULL, NULL, "two dots in a row" },
  { "alice.@example.com", NULL, NULL, NULL, "two dots in a row" },
  { "ali,ce@example.com", NULL, NULL, NULL, "contains “,”" },
  { "alice@exa mple.com", NULL, NULL, NULL, "space" },
  { "alice@example..com", NULL, NULL, NULL, "empty part between dots" },
  { "alice@-example.com", NULL, NULL, NULL, "start or end with “-”" },
  { "alice@exam_ple.com", NULL, NULL, NULL, "contains “_”" },
  { "alice@example.123", NULL, NULL, NULL, "not a number" },
  { "\"unterminated@example.com", NULL, NULL, NULL, "not closed" },
  { "\"quoted\"example.com", NULL, NULL, NULL, "right after the closing quotation mark" },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com", NULL, NULL,
    NULL, "at most 64" },
  { "a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", NULL, NULL, NULL,
    "at most 63" },
};

static void
test_address_case (gconstpointer data)
{
  const AddressCase *c = data;
  g_autoptr (MsAddress) address = NULL;
  g_autoptr (GError) error = NULL;

  address = ms_address_parse (c->input, &error);

  if (c->address != NULL)
    {
      g_assert_no_error (error);
      g_assert_nonnull (address);
      g_assert_cmpstr (address->address, ==, c->address);
      g_assert_cmpstr (address->domain, ==, c->domain);
      g_assert_cmpstr (address->domain_display, ==, c->domain_display);
      g_assert_true (ms_address_is_valid (c->input));
    }
  else
    {
      g_assert_null (address);
      g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS);
      if (strstr (error->message, c->message_part) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", c->input, error->message, c->message_part);
      g_assert_false (ms_address_is_valid (c->input));
    }
}

static void
test_address_invalid_utf8 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsAddress) address = ms_address_parse ("al\xffice@example.com", &error);

  g_assert_null (address);
  g_assert_error (error, MS_ERROR, MS_ERROR_INVALID_ADDRESS);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_address_copy (void)
{
  g_autoptr (MsAddress) address = ms_address_parse ("jörg@bücher.de", NULL);
  g_autoptr (MsAddress) copy = ms_address_copy (address);

  g_assert_cmpstr (copy->address, ==, address->address);
  g_assert_cmpstr (copy->local_part, ==, "jörg");
  g_assert_cmpstr (copy->domain_display, ==, "bücher.de");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/address/%s/%" G_GSIZE_FORMAT,
                                               cases[i].address ? "valid" : "invalid", i);

      g_test_add_data_func (path, &cases[i], test_address_case);
    }
  g_test_add_func ("/address/invalid-utf8", test_address_invalid_utf8);
  g_test_add_func ("/address/copy", test_address_copy);

  return g_test_run ();
}
