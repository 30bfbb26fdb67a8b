/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GTest helper (dynamorm-gtest.h) as docs/testing.md shows it: a seeded
 * fixture restored for every test, the spy, and faults from the config. */
#include <dynamorm.h>
#include <dynamorm-gtest.h>

#include "test-models.h"

static DynamormTestConfig seeded;
static DynamormTestConfig throttled = { .faults = "throttle-next:1@GetItem" };

static char *
user_name (DynamormSession *session, const char *id, GError **error)
{
  g_autoptr(DynamormModel) user = test_user_get (session, id, error);
  char *name = NULL;

  if (user != NULL)
    g_object_get (user, "name", &name, NULL);
  return name;
}

/* Changes the seeded data: the next test must not see it. */
static void
test_rename (DynamormTestFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DynamormModel) user = test_user_get (f->session, "u1", &error);

  g_assert_no_error (error);
  g_object_set (user, "name", "Renamed", NULL);
  g_assert_true (dynamorm_session_put (f->session, user, NULL, &error));
  g_assert_cmpuint (dynamorm_request_spy_count (f->spy, "PutItem"), ==, 1);
}

static void
test_seeded_again (DynamormTestFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = user_name (f->session, "u1", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "Ada");
  g_assert_cmpuint (dynamorm_request_spy_count (f->spy, NULL), ==, 1);
  dynamorm_test_assert_no_scan (f);
}

static void
test_throttled (DynamormTestFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autoptr(DynamormSession) plain = NULL;

  if (!f->memory)
    return;   /* skipped by the setup */
  dynamorm_session_create_table (f->session, TEST_TYPE_USER, NULL, &error);
  g_assert_no_error (error);
  name = user_name (f->session, "u1", &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_THROTTLED);
  g_clear_error (&error);
  name = user_name (f->session, "u1", &error);
  g_assert_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  /* `--backend local`: the same tests against DynamoDB Local, the way an
   * application's CI would run them (DYNAMORM_TEST_URI). */
  test_parse_backend_arg (&argc, argv);
  if (g_str_equal (test_backend_name, "local"))
    g_setenv ("DYNAMORM_TEST_URI", g_getenv ("DYNAMORM_LOCAL_URI"), TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  path = g_build_filename (g_get_tmp_dir (), "users.json", NULL);
  g_file_set_contents (path, "{\"Item\":{\"id\":{\"S\":\"u1\"},\"name\":{\"S\":\"Ada\"}}}\n", -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);
  seeded.fixture = dynamorm_fixture_new ();
  g_assert_true (dynamorm_fixture_add_model (seeded.fixture, TEST_TYPE_USER, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (seeded.fixture, "users", file, NULL, &error));

  g_test_add ("/dynamorm/gtest-helper/rename", DynamormTestFixture, &seeded,
              dynamorm_test_fixture_setup, test_rename, dynamorm_test_fixture_teardown);
  g_test_add ("/dynamorm/gtest-helper/seeded-again", DynamormTestFixture, &seeded,
              dynamorm_test_fixture_setup, test_seeded_again, dynamorm_test_fixture_teardown);
  g_test_add ("/dynamorm/gtest-helper/throttled", DynamormTestFixture, &throttled,
              dynamorm_test_fixture_setup, test_throttled, dynamorm_test_fixture_teardown);
  {
    int status = g_test_run ();
    g_object_unref (seeded.fixture);
    return status;
  }
}
