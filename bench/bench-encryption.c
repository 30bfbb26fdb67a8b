/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-encryption: issue 13's speed target on memory://, from one thread.
 *
 *   put + get of N items (default 1,000) with two encrypted properties,
 *   against the same items unencrypted:
 *     - local key provider, data-key cache on     (goal: under 2x unencrypted)
 *     - KMS (moto) through the cache, when DYNAMORM_MOTO_URL and
 *       DYNAMORM_BENCH_KMS_KEY are set (scripts/bench-encryption.sh sets both)
 *     - KMS without the cache, on N/10 items, for contrast
 *   Prints items/s and the key-provider calls made (every cache miss is one
 *   GenerateDataKey or Decrypt). Asserts nothing.
 *
 * Usage: bench-encryption [N] [ROUNDS] [ONLY]
 *   N and ROUNDS default to 1000 and 5 (the best round counts); ONLY runs
 *   just the measures whose label contains it ("unencrypted", "local key,
 *   cache", ...), for profiling one of them.
 * The unencrypted model takes the memory backend's direct path; run with
 * DYNAMORM_DEBUG=no-direct to compare with the JSON path both share. */
#include <dynamorm.h>
#include <stdlib.h>
#include <string.h>

static GType plain_type, secret_type;
static const char *only;   /* run only the measures whose label holds this */

static void
patient_class_init (gpointer klass, gpointer data)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  const char *names[] = { "id", "name", "ssn", "notes", "city" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_object_class_install_property (oc, i + 1, g_param_spec_string (names[i], NULL, NULL, NULL,
                                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (oc, 6, g_param_spec_int ("age", NULL, NULL, 0, 200, 0,
                                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

/* Plain GObject storage in qdata is enough for a benchmark's 6 values. */
static void
patient_get (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GValue *stored = g_object_get_qdata (object, g_quark_from_static_string (pspec->name));

  if (stored != NULL)
    g_value_copy (stored, value);
}

static void
free_value (gpointer data)
{
  g_value_unset (data);
  g_free (data);
}

static void
patient_set (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GValue *stored = g_new0 (GValue, 1);

  g_value_init (stored, G_VALUE_TYPE (value));
  g_value_copy (value, stored);
  g_object_set_qdata_full (object, g_quark_from_static_string (pspec->name), stored, free_value);
}

static void
patient_class_init_full (gpointer klass, gpointer data)
{
  G_OBJECT_CLASS (klass)->get_property = patient_get;
  G_OBJECT_CLASS (klass)->set_property = patient_set;
  patient_class_init (klass, data);
}

static GType
define (const char *name, const char *table, const char * const *tags)
{
  GTypeInfo info = { .class_size = sizeof (DynamormModelClass), .class_init = patient_class_init_full,
                     .instance_size = sizeof (DynamormModel) };
  GType type = g_type_register_static (DYNAMORM_TYPE_MODEL, name, &info, 0);
  g_autoptr(GError) error = NULL;

  if (!dynamorm_model_type_declare (type, table, tags, &error))
    g_error ("%s", error->message);
  return type;
}

/* Not inlined, so that callgrind can count each loop on its own:
 *   valgrind --tool=callgrind --toggle-collect=put_all --toggle-collect=get_all ... */
static G_GNUC_NO_INLINE void
put_all (DynamormSession *session, GType type, guint n)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%06u", i);
      g_autofree char *ssn = g_strdup_printf ("%03u-%02u-%04u", i % 1000, i % 100, i);
      g_autoptr(DynamormModel) m = g_object_new (type, "id", id, "name", "Ada Lovelace", "ssn", ssn,
                                                 "notes", "allergic to penicillin; follow-up in May",
                                                 "city", "London", "age", 36, NULL);

      if (!dynamorm_session_put (session, m, NULL, &error))
        g_error ("put: %s", error->message);
    }
}

static G_GNUC_NO_INLINE void
get_all (DynamormSession *session, GType type, guint n)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%06u", i);
      g_auto(GValue) pk = G_VALUE_INIT;
      g_autoptr(DynamormModel) m = NULL;

      g_value_init (&pk, G_TYPE_STRING);
      g_value_set_string (&pk, id);
      m = dynamorm_session_get (session, type, &pk, NULL, NULL, &error);
      if (m == NULL)
        g_error ("get: %s", error->message);
    }
}

static double
run_round (DynamormSession *session, GType type, guint n)
{
  g_autoptr(GTimer) timer = g_timer_new ();

  put_all (session, type, n);
  get_all (session, type, n);
  return g_timer_elapsed (timer, NULL);
}

/* Best of rounds; each round is a fresh table. */
static double
measure (const char *label, const char *uri, DynamormKeyProvider *provider, gboolean cache,
         GType type, guint n, guint rounds, double baseline)
{
  g_autoptr(GError) error = NULL;
  double best = G_MAXDOUBLE;
  guint64 calls = 0;

  if (only != NULL && strstr (label, only) == NULL)
    return 0;

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(DynamormSession) session = dynamorm_session_new (uri, &error);
      DynamormDataKeyCache *key_cache;
      double t;

      if (session == NULL)
        g_error ("%s", error->message);
      if (provider != NULL)
        dynamorm_session_set_key_provider (session, provider);
      if (!cache)
        dynamorm_session_set_data_key_cache (session, NULL);
      if (!dynamorm_session_create_table (session, type, NULL, &error))
        g_error ("%s", error->message);
      t = run_round (session, type, n);
      key_cache = dynamorm_session_get_data_key_cache (session);
      if (t < best)
        {
          best = t;
          calls = key_cache ? dynamorm_data_key_cache_get_misses (key_cache) : 2 * 2 * (guint64) n;
        }
    }
  g_print ("%-34s %6u items  %9.0f items/s (put+get)  %7.2f ms", label, n, n / best, best * 1000);
  if (provider != NULL)
    g_print ("  key-provider calls: %" G_GUINT64_FORMAT, calls);
  if (baseline > 0)
    g_print ("  %.2fx the unencrypted time%s", best / baseline,
             cache ? " (goal: under 2x)" : "");
  g_print ("\n");
  return best;
}

/* What one KMS call costs, best of rounds: each KMS run with the cache
 * makes one (its first put), which is part of its time. */
static void
kms_call_time (DynamormKeyProvider *kms, guint rounds)
{
  double best = G_MAXDOUBLE;

  if (only != NULL && strstr ("2 encrypted, KMS (moto), cache", only) == NULL)
    return;
  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(GBytes) plaintext = NULL, wrapped = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GTimer) timer = g_timer_new ();

      if (!dynamorm_key_provider_generate_data_key (kms, &plaintext, &wrapped, NULL, &error))
        g_error ("GenerateDataKey: %s", error->message);
      best = MIN (best, g_timer_elapsed (timer, NULL));
    }
  g_print ("one KMS GenerateDataKey call on moto: %.2f ms (each KMS run makes at least one)\n", best * 1000);
}

int
main (int argc, char **argv)
{
  static const char *plain_tags[] = { "id=pk", NULL };
  static const char *secret_tags[] = { "id=pk", "ssn=encrypted", "notes=encrypted", NULL };
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  guint rounds = argc > 2 ? (guint) atoi (argv[2]) : 5;
  const char *moto = g_getenv ("DYNAMORM_MOTO_URL");
  const char *kms_key = g_getenv ("DYNAMORM_BENCH_KMS_KEY");
  g_autoptr(GError) error = NULL;
  guint8 master[32];
  g_autoptr(GBytes) master_bytes = NULL;
  g_autoptr(DynamormLocalKeyProvider) local = NULL;
  double plain;

  only = argc > 3 ? argv[3] : NULL;
  for (guint i = 0; i < sizeof master; i++)
    master[i] = (guint8) g_random_int ();
  master_bytes = g_bytes_new (master, sizeof master);
  local = dynamorm_local_key_provider_new (master_bytes, &error);
  g_assert_no_error (error);
  plain_type = define ("BenchPlainPatient", "patients_plain", plain_tags);
  secret_type = define ("BenchSecretPatient", "patients_secret", secret_tags);

  plain = measure ("unencrypted", "memory://", NULL, TRUE, plain_type, n, rounds, 0);
  measure ("2 encrypted, local key, cache", "memory://", DYNAMORM_KEY_PROVIDER (local), TRUE,
           secret_type, n, rounds, plain);
  measure ("2 encrypted, local key, no cache", "memory://", DYNAMORM_KEY_PROVIDER (local), FALSE,
           secret_type, n, rounds, plain);

  if (moto != NULL && *moto != '\0' && kms_key != NULL && *kms_key != '\0')
    {
      g_autoptr(DynamormKeyProvider) kms = NULL;
      g_autoptr(DynamormCredentials) creds = dynamorm_credentials_new ("AKIDBENCH", "bench-secret", NULL, NULL);
      double plain_small;

      kms = dynamorm_key_provider_new_kms (kms_key, "us-east-1", creds, moto, &error);
      g_assert_no_error (error);
      kms_call_time (kms, rounds);
      measure ("2 encrypted, KMS (moto), cache", "memory://", kms, TRUE, secret_type, n, rounds, plain);
      plain_small = measure ("unencrypted", "memory://", NULL, TRUE, plain_type, n / 10, rounds, 0);
      measure ("2 encrypted, KMS (moto), no cache", "memory://", kms, FALSE, secret_type, n / 10, 1, plain_small);
    }
  else
    g_print ("KMS runs skipped: set DYNAMORM_MOTO_URL and DYNAMORM_BENCH_KMS_KEY (scripts/bench-encryption.sh)\n");
  return 0;
}
