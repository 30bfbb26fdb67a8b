/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Issue 16's speed targets: a fresh memory:// session (microseconds), and
 * restoring a snapshot of a 10,000-item fixture (well under a millisecond
 * per 1,000 items). Also: loading the fixture from its file, and taking the
 * snapshot. Run from the build directory:
 *
 *   DYNAMORM_BACKEND_PATH=backends/memory bench/bench-testing [ITEMS] [ROUNDS]
 */
#include <dynamorm.h>
#include <glib/gstdio.h>

static double
now_us (void)
{
  return (double) g_get_monotonic_time ();
}

static void
bench_fresh_sessions (const char *uri, guint n)
{
  double start = now_us ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DynamormSession) session = dynamorm_session_new (uri, &error);

      g_assert_no_error (error);
    }
  g_print ("fresh session %-28s %8.1f us each (%u sessions)\n", uri, (now_us () - start) / n, n);
}

/* A CreateTable file and an items file of n items of 8 attributes, as
 * DynamoDB's export writes them. */
static DynamormFixture *
make_fixture (const char *dir, guint n)
{
  g_autofree char *tables = g_build_filename (dir, "tables.json", NULL);
  g_autofree char *items = g_build_filename (dir, "items.json", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GFile) tables_file = g_file_new_for_path (tables);
  g_autoptr(GFile) items_file = g_file_new_for_path (items);
  g_autoptr(GError) error = NULL;
  DynamormFixture *fixture = dynamorm_fixture_new ();

  g_file_set_contents (tables,
    "{\"TableName\":\"users\",\"BillingMode\":\"PAY_PER_REQUEST\","
    "\"KeySchema\":[{\"AttributeName\":\"org\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"id\",\"KeyType\":\"RANGE\"}],"
    "\"AttributeDefinitions\":[{\"AttributeName\":\"org\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},{\"AttributeName\":\"email\",\"AttributeType\":\"S\"}],"
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by-email\",\"KeySchema\":[{\"AttributeName\":\"email\",\"KeyType\":\"HASH\"}],"
    "\"Projection\":{\"ProjectionType\":\"ALL\"}}]}", -1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (text,
      "{\"Item\":{\"org\":{\"S\":\"org-%u\"},\"id\":{\"S\":\"user-%06u\"},\"email\":{\"S\":\"u%u@example.com\"},"
      "\"name\":{\"S\":\"User number %u\"},\"age\":{\"N\":\"%u\"},\"active\":{\"BOOL\":%s},"
      "\"tags\":{\"SS\":[\"a\",\"b\"]},\"address\":{\"M\":{\"city\":{\"S\":\"Paris\"},\"zip\":{\"N\":\"75001\"}}}}}\n",
      i % 100, i, i, i, 20 + i % 60, i % 2 ? "true" : "false");
  g_file_set_contents (items, text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_true (dynamorm_fixture_add_tables_from_file (fixture, tables_file, NULL, &error));
  g_assert_true (dynamorm_fixture_add_items_from_file (fixture, "users", items_file, NULL, &error));
  g_assert_no_error (error);
  g_unlink (tables);
  g_unlink (items);
  return fixture;
}

int
main (int argc, char **argv)
{
  guint n_items = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 50;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-testing-XXXXXX", &error);
  g_autoptr(DynamormFixture) fixture = NULL;
  g_autoptr(DynamormSession) session = NULL;
  g_autoptr(DynamormSession) other = NULL;
  g_autoptr(DynamormSnapshot) snapshot = NULL;
  double start, per_restore;

  g_assert_no_error (error);
  /* warm up: the module is loaded once */
  bench_fresh_sessions ("memory://", 100);
  bench_fresh_sessions ("memory://", 10000);
  bench_fresh_sessions ("memory://?ttl_sweep=0", 10000);

  start = now_us ();
  fixture = make_fixture (dir, n_items);
  g_print ("read fixture file            %8.1f ms (%u items)\n", (now_us () - start) / 1000, n_items);
  session = dynamorm_session_new ("memory://", &error);
  start = now_us ();
  g_assert_true (dynamorm_fixture_load (fixture, session, NULL, &error));
  g_assert_no_error (error);
  g_print ("load fixture (BatchWriteItem) %7.1f ms\n", (now_us () - start) / 1000);

  start = now_us ();
  snapshot = dynamorm_snapshot_new (dynamorm_session_get_backend (session), NULL, &error);
  g_assert_no_error (error);
  g_print ("take snapshot                %8.2f ms (%" G_GUINT64_FORMAT " items)\n",
           (now_us () - start) / 1000, dynamorm_snapshot_get_item_count (snapshot));

  /* The first restore into a backend copies every table. */
  other = dynamorm_session_new ("memory://", &error);
  start = now_us ();
  g_assert_true (dynamorm_snapshot_restore (snapshot, dynamorm_session_get_backend (other), NULL, &error));
  per_restore = now_us () - start;
  g_print ("restore, first (copy)        %8.2f ms, %6.1f us per 1,000 items\n",
           per_restore / 1000, per_restore / (n_items / 1000.0));

  /* A test's reset: the test wrote 10 items (and created one), the restore
   * puts them back. */
  per_restore = 0;
  g_assert_true (dynamorm_snapshot_restore (snapshot, NULL, NULL, &error));   /* its first: a copy */
  for (guint i = 0; i < rounds; i++)
    {
      for (guint k = 0; k < 10; k++)
        {
          g_autofree char *json = g_strdup_printf (
            "{\"TableName\":\"users\",\"Item\":{\"org\":{\"S\":\"org-%u\"},\"id\":{\"S\":\"user-%06u\"},"
            "\"email\":{\"S\":\"changed%u@example.com\"}}}", k, k * 100 + k + (k == 9 ? n_items : 0), k);
          g_autoptr(JsonNode) request = json_from_string (json, NULL);
          g_autoptr(JsonNode) response = dynamorm_session_call (other, "PutItem", request, NULL, &error);
          g_assert_no_error (error);
        }
      start = now_us ();
      g_assert_true (dynamorm_snapshot_restore (snapshot, NULL, NULL, &error));
      g_assert_true (dynamorm_snapshot_restore (snapshot, dynamorm_session_get_backend (other), NULL, &error));
      per_restore += now_us () - start;
    }
  per_restore /= rounds * 2;
  g_print ("restore after a test         %8.3f ms each, %6.2f us per 1,000 items (%u rounds, 10 items written)\n",
           per_restore / 1000, per_restore / (n_items / 1000.0), rounds);

  start = now_us ();
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(DynamormSession) fresh = dynamorm_session_new ("memory://", &error);
      g_assert_true (dynamorm_snapshot_restore (snapshot, dynamorm_session_get_backend (fresh), NULL, &error));
    }
  per_restore = (now_us () - start) / rounds;
  g_print ("fresh session + first restore %7.2f ms each, %6.1f us per 1,000 items (%u rounds)\n",
           per_restore / 1000, per_restore / (n_items / 1000.0), rounds);
  g_rmdir (dir);
  return 0;
}
