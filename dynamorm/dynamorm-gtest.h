/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-gtest.h: fixture functions for GTest suites of applications
 * that use Dynamorm. Header-only (nothing here is in libdynamorm-1 or its
 * GIR); include it after <dynamorm.h> in test programs:
 *
 *   #include <dynamorm.h>
 *   #include <dynamorm-gtest.h>
 *
 *   static DynamormTestConfig seeded = { .faults = NULL };
 *
 *   static void
 *   test_lookup (DynamormTestFixture *f, gconstpointer data)
 *   {
 *     ... app_lookup_user (f->session, "u1") ...
 *     g_assert_cmpuint (dynamorm_request_spy_count (f->spy, "GetItem"), ==, 1);
 *     dynamorm_test_assert_no_scan (f);
 *   }
 *
 *   int
 *   main (int argc, char **argv)
 *   {
 *     g_test_init (&argc, &argv, NULL);
 *     seeded.fixture = dynamorm_fixture_new ();
 *     dynamorm_fixture_add_model (seeded.fixture, APP_TYPE_USER, NULL);
 *     dynamorm_fixture_add_items_from_file (seeded.fixture, "users", file, NULL, NULL);
 *     g_test_add ("/app/lookup", DynamormTestFixture, &seeded,
 *                 dynamorm_test_fixture_setup, test_lookup, dynamorm_test_fixture_teardown);
 *     return g_test_run ();
 *   }
 *
 * Every test gets a fresh session (f->session) whose calls go through a
 * request spy (f->spy). The backend is memory:// unless the environment
 * variable DYNAMORM_TEST_URI names another one (DynamoDB Local,
 * dynamorm-server): then every test gets its own table prefix and the
 * fixture's tables are deleted in the teardown. On memory:// the fixture is
 * loaded once per program into a backend of its own, and every test
 * restores its snapshot there: only what the previous test changed is put
 * back. Tests of one fixture share that backend, so they run one at a time
 * (as GTest runs them). A config with faults on another backend marks the
 * test skipped (g_test_skip); GTest still calls the test function, so such
 * a test begins with `if (!f->memory) return;`. */
#pragma once

#include <dynamorm.h>

G_BEGIN_DECLS

/* What a test starts from; pass it as the test data of g_test_add(). */
typedef struct {
  DynamormFixture *fixture;   /* tables and items to seed, or NULL */
  const char *faults;         /* memory:// faults from the start, or NULL */
} DynamormTestConfig;

typedef struct {
  DynamormSession *session;   /* the session under test */
  DynamormRequestSpy *spy;    /* every call of session */
  DynamormBackend *backend;   /* the backend behind the spy */
  gboolean memory;            /* a memory:// backend (faults, snapshots) */
} DynamormTestFixture;

static inline const char *
dynamorm_test_uri (void)
{
  const char *uri = g_getenv ("DYNAMORM_TEST_URI");

  return uri != NULL && *uri != '\0' ? uri : "memory://";
}

/* The fixture loaded once into a memory:// backend of its own, and a
 * snapshot of it, kept on the DynamormFixture. Every test restores the
 * snapshot into that backend, which only puts back what the previous test
 * changed. */
static inline DynamormSnapshot *
dynamorm_test_fixture_snapshot (DynamormFixture *fixture)
{
  DynamormSnapshot *snapshot = g_object_get_data (G_OBJECT (fixture), "dynamorm-test-snapshot");
  g_autoptr(DynamormSession) template = NULL;
  g_autoptr(GError) error = NULL;

  if (snapshot != NULL)
    return snapshot;
  template = dynamorm_session_new ("memory://", &error);
  g_assert_no_error (error);
  if (!dynamorm_fixture_load (fixture, template, NULL, &error))
    g_error ("The test fixture cannot be loaded: %s", error->message);
  snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (template), NULL, &error);
  g_assert_no_error (error);
  g_object_set_data_full (G_OBJECT (fixture), "dynamorm-test-snapshot", snapshot, g_object_unref);
  return snapshot;
}

static inline void
dynamorm_test_fixture_setup (DynamormTestFixture *f,
                             gconstpointer        data)
{
  const DynamormTestConfig *config = data;
  static guint32 run;
  static guint serial;
  g_autoptr(GError) error = NULL;

  f->memory = g_str_has_prefix (dynamorm_test_uri (), "memory:");
  if (f->memory && config != NULL && config->fixture != NULL)
    {
      /* the fixture's own backend, reset */
      DynamormSnapshot *snapshot = dynamorm_test_fixture_snapshot (config->fixture);

      f->backend = g_object_ref (dynamorm_snapshot_get_backend (snapshot));
      if (!dynamorm_snapshot_restore (snapshot, NULL, NULL, &error) ||
          !dynamorm_backend_set_faults (f->backend, NULL, NULL, &error))
        g_error ("The test fixture cannot be restored: %s", error->message);
    }
  else
    {
      g_autoptr(DynamormSession) plain = dynamorm_session_new (dynamorm_test_uri (), &error);

      if (plain == NULL)
        g_error ("No session on %s: %s", dynamorm_test_uri (), error->message);
      f->backend = g_object_ref (dynamorm_session_get_backend (plain));
    }
  f->spy = dynamorm_request_spy_new (f->backend);
  f->session = dynamorm_session_new_for_backend (DYNAMORM_BACKEND (f->spy));
  if (!f->memory)
    {
      g_autofree char *prefix = NULL;

      if (run == 0)
        run = g_random_int_range (1, G_MAXINT32);
      prefix = g_strdup_printf ("t%u-%u-", run, ++serial);
      dynamorm_session_set_table_prefix (f->session, prefix);
    }
  if (config != NULL && config->fixture != NULL && !f->memory &&
      !dynamorm_fixture_load (config->fixture, f->session, NULL, &error))
    g_error ("The test fixture cannot be loaded: %s", error->message);
  if (config != NULL && config->faults != NULL && !f->memory)
    g_test_skip ("Faults need a memory:// backend");
  else if (config != NULL && config->faults != NULL &&
           !dynamorm_backend_set_faults (f->backend, config->faults, NULL, &error))
    g_error ("The faults cannot be set: %s", error->message);
  dynamorm_request_spy_clear (f->spy);
}

static inline void
dynamorm_test_fixture_teardown (DynamormTestFixture *f,
                                gconstpointer        data)
{
  const DynamormTestConfig *config = data;
  g_autoptr(GError) error = NULL;

  if (config != NULL && config->fixture != NULL && !f->memory &&
      !dynamorm_fixture_unload (config->fixture, f->session, NULL, &error))
    g_warning ("The test fixture's tables were not all deleted: %s", error->message);
  g_clear_object (&f->session);
  g_clear_object (&f->spy);
  g_clear_object (&f->backend);
}

/* Fails the test when the code under test scanned a table. */
#define dynamorm_test_assert_no_scan(f) \
  G_STMT_START { \
    g_autoptr(GError) dynamorm_test_scan_error = NULL; \
    if (!dynamorm_request_spy_check_no_scan ((f)->spy, &dynamorm_test_scan_error)) \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                           dynamorm_test_scan_error->message); \
  } G_STMT_END

G_END_DECLS
