/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-persist.c: the data directory (see ddb-persist.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ddb-error.h"
#include "ddb-json.h"
#include "ddb-persist.h"
#include "dynamorm-http-crc32.h"

/* 2: a log is allocated ahead in LOG_CHUNK steps and written through a
 * shared mapping; zeros after its records are not records. 1 (read, and
 * upgraded when opened): logs are exactly their records. */
#define FORMAT_VERSION 2
#define FORMAT_TEXT "dynamorm-server data %d\n"
#define RECORD_MAGIC 0x314c5244u   /* "DRL1" */
#define HEADER_SIZE 12
#define LOG_CHUNK (4 * 1024 * 1024)

struct _DdbPersist {
  DdbEngine *engine;
  char *dir;
  DdbFsyncMode mode;
  int lock_fd;
  int format;           /* the directory's, as found */
  GMutex lock;          /* log_*, dirty, failure */
  int log_fd;
  guint log_gen;
  guint8 *log_map;      /* the log's first log_mapped bytes, mapped shared */
  gsize log_mapped;     /* allocated on disk, a multiple of LOG_CHUNK */
  guint64 log_size;     /* bytes of records */
  gboolean dirty;
  char *failure;        /* set once a write failed: later writes are refused */
};

static gboolean
persist_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
persist_error (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (DDB_ERROR, DDB_ERROR_INTERNAL, format, args));
  va_end (args);
  return FALSE;
}

static char *
log_path (DdbPersist *p, guint gen)
{
  g_autofree char *name = g_strdup_printf ("log.%08u", gen);
  return g_build_filename (p->dir, name, NULL);
}

/* ---- Records ---- */

static guint32
get_u32 (const guint8 *p)
{
  guint32 le;
  memcpy (&le, p, 4);
  return GUINT32_FROM_LE (le);
}

/* The payload is {"time": ms, "op": name, "request": {...}}, the request
 * as the plain JSON text it was read from (text, len), which reads back as
 * the same tree, or else printed by ddb_json_print() (what
 * ddb_json_to_string() writes, control characters escaped, so it always
 * reads back) straight into the record. */
static GByteArray *
record_encode (const char *op, JsonObject *request, const char *text, gsize text_len, gint64 time_ms)
{
  GString *out = g_string_sized_new (text != NULL ? text_len + 64 : 256);
  char number[24];
  gsize len;

  g_string_set_size (out, HEADER_SIZE);
  g_string_append (out, "{\"time\":");
  g_string_append_len (out, number, g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, time_ms));
  g_string_append (out, ",\"op\":");
  ddb_json_print_string (out, op, -1);
  g_string_append (out, ",\"request\":");
  if (text != NULL)
    g_string_append_len (out, text, text_len);
  else
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (node, request);
      ddb_json_print (out, node, NULL, NULL);
    }
  g_string_append_c (out, '}');
  {
    guint32 header[3] = {
      GUINT32_TO_LE (RECORD_MAGIC),
      GUINT32_TO_LE (out->len - HEADER_SIZE),
      GUINT32_TO_LE (dynamorm_http_crc32 ((const guint8 *) out->str + HEADER_SIZE, out->len - HEADER_SIZE)),
    };
    memcpy (out->str, header, HEADER_SIZE);
  }
  len = out->len;
  return g_byte_array_new_take ((guint8 *) g_string_free (out, FALSE), len);
}

typedef enum {
  RECORD_OK,
  RECORD_END,        /* no more bytes; in a log, only zeros (allocated ahead) */
  RECORD_TORN,       /* a crash while appending: runs past the end; in a log
                      * also one without its magic yet (stored last) and one
                      * that does not read back with only zeros after it */
  RECORD_BAD,        /* complete but wrong */
} RecordStatus;

typedef struct {
  gint64 time_ms;
  char *op;
  JsonObject *request;
} Record;

static void
record_clear (Record *r)
{
  g_clear_pointer (&r->op, g_free);
  g_clear_pointer (&r->request, json_object_unref);
}

static gboolean
all_zero (const guint8 *p, gsize n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

/* The record at *offset (advanced past it when OK). in_log: data is a log,
 * whose zeros after the records are space allocated ahead. */
static RecordStatus
record_read (const guint8 *data, gsize size, gsize *offset, gboolean in_log, Record *r)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const guint8 *p = data + *offset;
  gsize left = size - *offset;
  guint32 len;
  JsonNode *root;
  JsonObject *body;

  if (left == 0 || (in_log && all_zero (p, left)))
    return RECORD_END;
  if (left < HEADER_SIZE || (in_log && get_u32 (p) == 0))
    return RECORD_TORN;
  if (get_u32 (p) != RECORD_MAGIC)
    return RECORD_BAD;
  len = get_u32 (p + 4);
  if (len > left - HEADER_SIZE)
    return RECORD_TORN;
  if (dynamorm_http_crc32 (p + HEADER_SIZE, len) != get_u32 (p + 8) ||
      !json_parser_load_from_data (parser, (const char *) p + HEADER_SIZE, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      /* A power failure can lose the end of a record that was not flushed
       * yet while its page of the allocated tail reads back as zeros. */
      gsize rest = left - HEADER_SIZE - len;
      return in_log && rest > 0 && all_zero (p + HEADER_SIZE + len, rest) ? RECORD_TORN : RECORD_BAD;
    }
  body = json_node_get_object (root);
  if (json_object_get_string_member_with_default (body, "op", NULL) == NULL ||
      !json_object_has_member (body, "request") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (body, "request")))
    return RECORD_BAD;
  r->time_ms = json_object_get_int_member_with_default (body, "time", 0);
  r->op = g_strdup (json_object_get_string_member (body, "op"));
  r->request = json_object_ref (json_object_get_object_member (body, "request"));
  *offset += HEADER_SIZE + len;
  return RECORD_OK;
}

/* ---- Replay ---- */

static gint64
replay_clock (gpointer data)
{
  return *(gint64 *) data;
}

/* Runs a logged request again at its time; it must succeed as it did. */
static gboolean
replay (DdbEngine *engine, Record *r, gint64 *clock_ms, GError **error)
{
  g_autoptr(JsonNode) request = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) response = NULL;
  guint status = 0;

  *clock_ms = r->time_ms;
  json_node_set_object (request, r->request);
  response = ddb_engine_handle (engine, r->op, request, &status);
  if (status != 200)
    {
      g_autofree char *text = json_to_string (response, FALSE);
      return persist_error (error, "%s failed on replay: %s", r->op, text);
    }
  return TRUE;
}

/* Replays the records of path. The first record of a snapshot names the
 * first log (*first_log); torn_ok allows a torn last record, which is cut
 * off the file. */
static gboolean
replay_file (DdbPersist *p, const char *path, gboolean snapshot, gboolean torn_ok, guint *first_log, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize size = 0, offset = 0;
  gint64 clock_ms = 0;
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &data, &size, &local))
    return persist_error (error, "Cannot read %s: %s", path, local->message);
  ddb_engine_set_clock (p->engine, replay_clock, &clock_ms);
  /* A snapshot's items are state, not changes: loading them writes no
   * stream record (the streams come back from its DynamormStreams record).
   * A log's requests were changes: replayed in order from the restored
   * sequence counter, they write the same records again. */
  ddb_engine_set_replaying (p->engine, snapshot);
  for (guint n = 0; ok; n++)
    {
      Record r = { 0 };
      gsize at = offset;
      RecordStatus status = record_read ((const guint8 *) data, size, &offset, !snapshot, &r);

      if (status == RECORD_END)
        break;
      if (status == RECORD_TORN && torn_ok)
        {
          g_warning ("%s: dropping a torn last record at byte %" G_GSIZE_FORMAT " (a crash while writing it)", path, at);
          ok = truncate (path, at) == 0 || persist_error (error, "Cannot truncate %s: %s", path, g_strerror (errno));
          break;
        }
      if (status != RECORD_OK)
        ok = persist_error (error, "%s is damaged at byte %" G_GSIZE_FORMAT ": the data directory cannot be read back. "
                            "Nothing was changed; restore it from a backup or move it away", path, at);
      else if (snapshot && n == 0)
        {
          if (!g_str_equal (r.op, "DynamormSnapshot"))
            ok = persist_error (error, "%s is damaged: it does not start with its header", path);
          else
            *first_log = json_object_get_int_member_with_default (r.request, "FirstLog", 1);
        }
      else if (snapshot && g_str_equal (r.op, "DynamormTokens"))
        {
          JsonNode *tokens = json_object_get_member (r.request, "Tokens");
          if (tokens == NULL || !JSON_NODE_HOLDS_ARRAY (tokens) ||
              !ddb_engine_import_tokens (p->engine, json_node_get_array (tokens)))
            ok = persist_error (error, "%s is damaged at byte %" G_GSIZE_FORMAT ": malformed idempotency tokens. Nothing was changed",
                                path, at);
        }
      else if (snapshot && g_str_equal (r.op, "DynamormStreams"))
        {
          if (!ddb_engine_import_streams (p->engine, r.request))
            ok = persist_error (error, "%s is damaged at byte %" G_GSIZE_FORMAT ": malformed stream state. Nothing was changed",
                                path, at);
        }
      else if (g_str_equal (r.op, DDB_SWEEP_LOG_OPERATION))
        {
          clock_ms = r.time_ms;
          ddb_engine_sweep_expired (p->engine);
        }
      else if (!replay (p->engine, &r, &clock_ms, &local))
        ok = persist_error (error, "%s is damaged at byte %" G_GSIZE_FORMAT ": %s. Nothing was changed",
                            path, at, local->message);
      record_clear (&r);
    }
  ddb_engine_set_replaying (p->engine, FALSE);
  ddb_engine_set_clock (p->engine, NULL, NULL);
  return ok;
}

static int
compare_gen (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (*(gpointer *) a), y = GPOINTER_TO_UINT (*(gpointer *) b);
  return x < y ? -1 : x > y;
}

/* Generations of the log files, ascending. */
static GPtrArray *
list_logs (const char *dir, GError **error)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, error);
  GPtrArray *gens;
  const char *name;

  if (d == NULL)
    return NULL;
  gens = g_ptr_array_new ();
  while ((name = g_dir_read_name (d)) != NULL)
    {
      guint64 gen;
      if (g_str_has_prefix (name, "log.") &&
          g_ascii_string_to_unsigned (name + 4, 10, 1, G_MAXUINT32 - 1, &gen, NULL))
        g_ptr_array_add (gens, GUINT_TO_POINTER ((guint) gen));
    }
  g_ptr_array_sort (gens, compare_gen);
  return gens;
}

/* ---- The directory ---- */

static gboolean
check_format (DdbPersist *p, gboolean *fresh, GError **error)
{
  g_autofree char *path = g_build_filename (p->dir, "FORMAT", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GDir) d = NULL;
  int version = 0;

  if (g_mkdir_with_parents (p->dir, 0700) != 0)
    return persist_error (error, "Cannot create the data directory %s: %s", p->dir, g_strerror (errno));
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      const char *name;
      if ((d = g_dir_open (p->dir, 0, error)) == NULL)
        return FALSE;
      while ((name = g_dir_read_name (d)) != NULL)
        if (!g_str_equal (name, "LOCK"))
          return persist_error (error, "%s is not empty and is not a dynamorm-server data directory (it has no FORMAT file); "
                                "choose an empty or new directory", p->dir);
      text = g_strdup_printf (FORMAT_TEXT, FORMAT_VERSION);
      p->format = FORMAT_VERSION;
      *fresh = TRUE;
      return g_file_set_contents (path, text, -1, error);
    }
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  if (sscanf (text, "dynamorm-server data %d", &version) != 1 || version < 1)
    return persist_error (error, "%s is not a dynamorm-server format file; the directory is refused and left as it is", path);
  if (version > FORMAT_VERSION)
    return persist_error (error, "%s was written by a newer dynamorm-server (data format %d; this one reads format %d): "
                          "use that version, or another directory", p->dir, version, FORMAT_VERSION);
  p->format = version;
  *fresh = FALSE;
  return TRUE;
}

/* After an older format was read back, before the first log of this
 * format: a crash from then on may leave a tail that format did not have. */
static gboolean
upgrade_format (DdbPersist *p, GError **error)
{
  g_autofree char *path = g_build_filename (p->dir, "FORMAT", NULL);
  g_autofree char *text = g_strdup_printf (FORMAT_TEXT, FORMAT_VERSION);

  if (p->format >= FORMAT_VERSION)
    return TRUE;
  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  p->format = FORMAT_VERSION;
  return TRUE;
}

static gboolean
take_lock (DdbPersist *p, GError **error)
{
  g_autofree char *path = g_build_filename (p->dir, "LOCK", NULL);

  p->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (p->lock_fd < 0)
    return persist_error (error, "Cannot open %s: %s", path, g_strerror (errno));
  if (flock (p->lock_fd, LOCK_EX | LOCK_NB) != 0)
    return persist_error (error, "The data directory %s is in use by another process", p->dir);
  return TRUE;
}

/* Replays the snapshot, then every log from the one it names. */
static gboolean
load (DdbPersist *p, guint *last_gen, GError **error)
{
  g_autofree char *snapshot = g_build_filename (p->dir, "snapshot", NULL);
  g_autoptr(GPtrArray) gens = NULL;
  guint first_log = 1;

  if (g_file_test (snapshot, G_FILE_TEST_EXISTS) &&
      !replay_file (p, snapshot, TRUE, FALSE, &first_log, error))
    return FALSE;
  if ((gens = list_logs (p->dir, error)) == NULL)
    return FALSE;
  *last_gen = first_log - 1;
  for (guint i = 0; i < gens->len; i++)
    {
      guint gen = GPOINTER_TO_UINT (gens->pdata[i]);
      g_autofree char *path = NULL;
      if (gen < first_log)
        continue;
      path = log_path (p, gen);
      if (!replay_file (p, path, FALSE, i == gens->len - 1, NULL, error))
        return FALSE;
      *last_gen = gen;
    }
  return TRUE;
}

/* ---- Writing ---- */

static gboolean
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

/* Room for need more bytes of records in the mapping: the file grows by
 * whole chunks, allocated on disk first (a full disk is an error here, not
 * a SIGBUS at a store), then mapped again. Under p->lock. */
static gboolean
log_reserve (DdbPersist *p, gsize need)
{
  gsize size;
  void *map;
  int err;

  if (p->log_size + need <= p->log_mapped)
    return TRUE;
  size = (p->log_size + need + LOG_CHUNK - 1) / LOG_CHUNK * LOG_CHUNK;
  if ((err = posix_fallocate (p->log_fd, 0, size)) != 0)
    {
      errno = err;
      return FALSE;
    }
  map = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p->log_fd, 0);
  if (map == MAP_FAILED)
    return FALSE;
  if (p->log_map != NULL)
    munmap (p->log_map, p->log_mapped);
  p->log_map = map;
  p->log_mapped = size;
  return TRUE;
}

/* A store to a shared mapping is in the kernel's page cache at once: an
 * acknowledged record survives SIGKILL of the process with no system call.
 * The magic goes last, so a record cut short by a crash has none and
 * recovery stops there. */
static void
log_store (DdbPersist *p, const guint8 *record, gsize len)
{
  guint8 *at = p->log_map + p->log_size;

  memcpy (at + 4, record + 4, len - 4);
  atomic_signal_fence (memory_order_release);
  memcpy (at, record, 4);
}

/* Reserves, stores, and with --fsync always flushes; FALSE with errno. */
static gboolean
log_append (DdbPersist *p, const guint8 *record, gsize len)
{
  if (!log_reserve (p, len))
    return FALSE;
  log_store (p, record, len);
  if (p->mode == DDB_FSYNC_ALWAYS && fdatasync (p->log_fd) != 0)
    return FALSE;
  p->log_size += len;
  p->dirty = p->mode == DDB_FSYNC_INTERVAL;
  return TRUE;
}

static gboolean
append_record (DdbPersist *p, const char *op, JsonObject *request, const char *text, gsize text_len,
               gint64 time_ms, GError **error)
{
  g_autoptr(GByteArray) record = record_encode (op, request, text, text_len, time_ms);
  gboolean ok = TRUE;

  g_mutex_lock (&p->lock);
  /* After a failure the change is in memory only: every later write is
   * refused. */
  if (p->failure == NULL && !log_append (p, record->data, record->len))
    p->failure = g_strdup_printf ("The data directory %s cannot be written (%s): the server keeps answering reads, "
                                  "but refuses writes until it is restarted", p->dir, g_strerror (errno));
  if (p->failure != NULL)
    ok = persist_error (error, "%s", p->failure);
  g_mutex_unlock (&p->lock);
  return ok;
}

static gboolean
commit (const char *operation, JsonObject *request, const char *request_text, gsize request_len,
        gint64 time_ms, gpointer user_data, GError **error)
{
  return append_record (user_data, operation, request, request_text, request_len, time_ms, error);
}

gboolean
ddb_persist_sync (DdbPersist *p, GError **error)
{
  gboolean ok = TRUE;

  int fd = -1;

  /* Flush a duplicate outside the lock: appends go on meanwhile, and a
   * compaction may close the log's own descriptor. */
  g_mutex_lock (&p->lock);
  if (p->dirty && p->log_fd >= 0)
    {
      fd = dup (p->log_fd);
      p->dirty = FALSE;
    }
  g_mutex_unlock (&p->lock);
  if (fd >= 0)
    {
      ok = fdatasync (fd) == 0 || persist_error (error, "Cannot flush the log of %s: %s", p->dir, g_strerror (errno));
      close (fd);
    }
  return ok;
}

guint64
ddb_persist_log_size (DdbPersist *p)
{
  guint64 size;

  g_mutex_lock (&p->lock);
  size = p->log_size;
  g_mutex_unlock (&p->lock);
  return size;
}

/* ---- Snapshots: the state as requests ---- */

static JsonObject *
call (DdbEngine *engine, const char *op, JsonObject *request, GError **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) response = NULL;
  guint status = 0;

  json_node_set_object (node, request);
  response = ddb_engine_handle (engine, op, node, &status);
  if (status != 200)
    {
      g_autofree char *text = json_to_string (response, FALSE);
      persist_error (error, "%s failed while writing a snapshot: %s", op, text);
      return NULL;
    }
  return json_object_ref (json_node_get_object (response));
}

static void
copy_member (JsonObject *from, JsonObject *to, const char *member)
{
  JsonNode *n = json_object_get_member (from, member);

  if (n != NULL)
    json_object_set_member (to, member, json_node_copy (n));
}

static JsonArray *
index_specs (JsonArray *described, gboolean provisioned)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; i < json_array_get_length (described); i++)
    {
      JsonObject *d = json_array_get_object_element (described, i);
      JsonObject *spec = json_object_new ();
      copy_member (d, spec, "IndexName");
      copy_member (d, spec, "KeySchema");
      copy_member (d, spec, "Projection");
      if (provisioned && json_object_has_member (d, "ProvisionedThroughput"))
        {
          JsonObject *pt = json_object_get_object_member (d, "ProvisionedThroughput");
          JsonObject *copy = json_object_new ();
          copy_member (pt, copy, "ReadCapacityUnits");
          copy_member (pt, copy, "WriteCapacityUnits");
          json_object_set_object_member (spec, "ProvisionedThroughput", copy);
        }
      json_array_add_object_element (out, spec);
    }
  return out;
}

/* The CreateTable request of a DescribeTable answer. */
static JsonObject *
create_request_of (JsonObject *d)
{
  JsonObject *req = json_object_new ();
  JsonObject *bms = json_object_get_object_member (d, "BillingModeSummary");
  const char *billing = bms ? json_object_get_string_member_with_default (bms, "BillingMode", "PROVISIONED") : "PROVISIONED";
  gboolean provisioned = g_str_equal (billing, "PROVISIONED");

  copy_member (d, req, "TableName");
  copy_member (d, req, "AttributeDefinitions");
  copy_member (d, req, "KeySchema");
  copy_member (d, req, "StreamSpecification");
  json_object_set_string_member (req, "BillingMode", billing);
  if (provisioned)
    {
      JsonObject *pt = json_object_get_object_member (d, "ProvisionedThroughput");
      JsonObject *copy = json_object_new ();
      copy_member (pt, copy, "ReadCapacityUnits");
      copy_member (pt, copy, "WriteCapacityUnits");
      json_object_set_object_member (req, "ProvisionedThroughput", copy);
    }
  if (json_object_has_member (d, "LocalSecondaryIndexes"))
    json_object_set_array_member (req, "LocalSecondaryIndexes",
                                  index_specs (json_object_get_array_member (d, "LocalSecondaryIndexes"), FALSE));
  if (json_object_has_member (d, "GlobalSecondaryIndexes"))
    json_object_set_array_member (req, "GlobalSecondaryIndexes",
                                  index_specs (json_object_get_array_member (d, "GlobalSecondaryIndexes"), provisioned));
  return req;
}

static gboolean
snapshot_write (int fd, const char *op, JsonObject *request, gint64 time_ms)
{
  g_autoptr(GByteArray) record = record_encode (op, request, NULL, 0, time_ms);
  return write_all (fd, record->data, record->len);
}

/* The time to live of table, as an UpdateTimeToLive request (or NULL). */
static JsonObject *
ttl_request (DdbEngine *engine, const char *table, GError **error)
{
  g_autoptr(JsonObject) req = json_object_new ();
  g_autoptr(JsonObject) resp = NULL;
  JsonObject *desc, *out, *spec;

  json_object_set_string_member (req, "TableName", table);
  if ((resp = call (engine, "DescribeTimeToLive", req, error)) == NULL)
    return NULL;
  desc = json_object_get_object_member (resp, "TimeToLiveDescription");
  if (!g_str_equal (json_object_get_string_member_with_default (desc, "TimeToLiveStatus", ""), "ENABLED"))
    return json_object_new ();   /* empty: nothing to write */
  out = json_object_new ();
  spec = json_object_new ();
  json_object_set_string_member (spec, "AttributeName", json_object_get_string_member (desc, "AttributeName"));
  json_object_set_boolean_member (spec, "Enabled", TRUE);
  json_object_set_string_member (out, "TableName", table);
  json_object_set_object_member (out, "TimeToLiveSpecification", spec);
  return out;
}

/* The table's tags, as a TagResource request. */
static gboolean
snapshot_tags (DdbPersist *p, int fd, const char *table, gint64 now_ms, GError **error)
{
  g_autoptr(JsonObject) req = json_object_new ();
  g_autoptr(JsonObject) listed = NULL;
  g_autofree char *arn = g_strconcat ("arn:aws:dynamodb:ddblocal:000000000000:table/", table, NULL);
  JsonArray *tags;

  json_object_set_string_member (req, "ResourceArn", arn);
  if ((listed = call (p->engine, "ListTagsOfResource", req, error)) == NULL)
    return FALSE;
  tags = json_object_get_array_member (listed, "Tags");
  if (tags == NULL || json_array_get_length (tags) == 0)
    return TRUE;
  json_object_set_array_member (req, "Tags", json_array_ref (tags));
  return snapshot_write (fd, "TagResource", req, now_ms) ||
         persist_error (error, "Cannot write the snapshot of %s: %s", p->dir, g_strerror (errno));
}

static gboolean
snapshot_table (DdbPersist *p, int fd, const char *name, gint64 now_ms, GError **error)
{
  g_autoptr(JsonObject) req = json_object_new ();
  g_autoptr(JsonObject) described = NULL, create = NULL, ttl = NULL;
  g_autoptr(JsonObject) start = NULL;
  JsonObject *d;
  gint64 created_ms;

  json_object_set_string_member (req, "TableName", name);
  if ((described = call (p->engine, "DescribeTable", req, error)) == NULL)
    return FALSE;
  d = json_object_get_object_member (described, "Table");
  created_ms = (gint64) (json_object_get_double_member_with_default (d, "CreationDateTime", now_ms / 1000.0) * 1000.0 + 0.5);
  create = create_request_of (d);
  if (!snapshot_write (fd, "CreateTable", create, created_ms))
    return persist_error (error, "Cannot write the snapshot of %s: %s", p->dir, g_strerror (errno));
  if ((ttl = ttl_request (p->engine, name, error)) == NULL)
    return FALSE;
  if (json_object_get_size (ttl) > 0 && !snapshot_write (fd, "UpdateTimeToLive", ttl, now_ms))
    return persist_error (error, "Cannot write the snapshot of %s: %s", p->dir, g_strerror (errno));
  if (!snapshot_tags (p, fd, name, now_ms, error))
    return FALSE;
  do
    {
      g_autoptr(JsonObject) scan = json_object_new ();
      g_autoptr(JsonObject) page = NULL;
      JsonArray *items;

      json_object_set_string_member (scan, "TableName", name);
      if (start != NULL)
        json_object_set_object_member (scan, "ExclusiveStartKey", g_steal_pointer (&start));
      if ((page = call (p->engine, "Scan", scan, error)) == NULL)
        return FALSE;
      items = json_object_get_array_member (page, "Items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          g_autoptr(JsonObject) put = json_object_new ();
          json_object_set_string_member (put, "TableName", name);
          json_object_set_object_member (put, "Item", json_object_ref (json_array_get_object_element (items, i)));
          if (!snapshot_write (fd, "PutItem", put, now_ms))
            return persist_error (error, "Cannot write the snapshot of %s: %s", p->dir, g_strerror (errno));
        }
      if (json_object_has_member (page, "LastEvaluatedKey"))
        start = json_object_ref (json_object_get_object_member (page, "LastEvaluatedKey"));
    }
  while (start != NULL);
  return TRUE;
}

/* snapshot.tmp with every table, then renamed over snapshot. */
static gboolean
write_snapshot (DdbPersist *p, guint first_log, GError **error)
{
  g_autofree char *tmp = g_build_filename (p->dir, "snapshot.tmp", NULL);
  g_autofree char *path = g_build_filename (p->dir, "snapshot", NULL);
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *start_name = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  gboolean ok = TRUE, more = TRUE;
  int fd;

  fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return persist_error (error, "Cannot write %s: %s", tmp, g_strerror (errno));
  json_object_set_int_member (header, "Format", FORMAT_VERSION);
  json_object_set_int_member (header, "FirstLog", first_log);
  ok = snapshot_write (fd, "DynamormSnapshot", header, now_ms) ||
       persist_error (error, "Cannot write %s: %s", tmp, g_strerror (errno));
  while (ok && more)
    {
      g_autoptr(JsonObject) list_req = json_object_new ();
      g_autoptr(JsonObject) list = NULL;
      JsonArray *names;
      if (start_name != NULL)
        json_object_set_string_member (list_req, "ExclusiveStartTableName", start_name);
      if ((list = call (p->engine, "ListTables", list_req, error)) == NULL)
        {
          ok = FALSE;
          break;
        }
      names = json_object_get_array_member (list, "TableNames");
      for (guint i = 0; ok && i < json_array_get_length (names); i++)
        ok = snapshot_table (p, fd, json_array_get_string_element (names, i), now_ms, error);
      more = json_object_has_member (list, "LastEvaluatedTableName");
      g_free (start_name);
      start_name = g_strdup (json_object_get_string_member_with_default (list, "LastEvaluatedTableName", NULL));
    }
  /* The idempotency tokens of recent TransactWriteItems, so a retry after
   * a restart is still answered once. */
  if (ok)
    {
      g_autoptr(JsonObject) tokens = json_object_new ();
      json_object_set_array_member (tokens, "Tokens", ddb_engine_export_tokens (p->engine, now_ms));
      ok = snapshot_write (fd, "DynamormTokens", tokens, now_ms) ||
           persist_error (error, "Cannot write %s: %s", tmp, g_strerror (errno));
    }
  /* The streams with their records and the sequence counter, last: it
   * replaces the streams that loading the tables above opens. */
  if (ok)
    {
      g_autoptr(JsonObject) streams = ddb_engine_export_streams (p->engine, now_ms);
      ok = snapshot_write (fd, "DynamormStreams", streams, now_ms) ||
           persist_error (error, "Cannot write %s: %s", tmp, g_strerror (errno));
    }
  if (ok && fsync (fd) != 0)
    ok = persist_error (error, "Cannot flush %s: %s", tmp, g_strerror (errno));
  close (fd);
  if (ok && g_rename (tmp, path) != 0)
    ok = persist_error (error, "Cannot rename %s: %s", tmp, g_strerror (errno));
  if (!ok)
    g_unlink (tmp);
  return ok;
}

static gboolean
sync_dir (DdbPersist *p)
{
  int fd = g_open (p->dir, O_RDONLY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* Ends the current log: cut to its records, flushed. Under p->lock. */
static void
close_log (DdbPersist *p)
{
  if (p->log_fd < 0)
    return;
  if (p->log_map != NULL)
    munmap (p->log_map, p->log_mapped);
  p->log_map = NULL;
  p->log_mapped = 0;
  if (ftruncate (p->log_fd, p->log_size) != 0)
    g_warning ("Cannot cut log %u of %s to its records: %s", p->log_gen, p->dir, g_strerror (errno));
  fdatasync (p->log_fd);
  close (p->log_fd);
  p->log_fd = -1;
}

/* Starts log gen (new, empty) as the one appended to. */
static gboolean
open_log (DdbPersist *p, guint gen, GError **error)
{
  g_autofree char *path = log_path (p, gen);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  gboolean ok;

  if (fd < 0)
    return persist_error (error, "Cannot open %s: %s", path, g_strerror (errno));
  g_mutex_lock (&p->lock);
  close_log (p);
  p->log_fd = fd;
  p->log_gen = gen;
  p->log_size = 0;
  p->dirty = FALSE;
  /* The first chunk now: a disk that is full, or a file system that cannot
   * map files for writing, is refused at start with its reason. */
  ok = log_reserve (p, 1) || persist_error (error, "Cannot allocate and map %s: %s", path, g_strerror (errno));
  g_mutex_unlock (&p->lock);
  return ok;
}

static void
remove_logs_before (DdbPersist *p, guint gen)
{
  g_autoptr(GPtrArray) gens = list_logs (p->dir, NULL);

  for (guint i = 0; gens && i < gens->len; i++)
    if (GPOINTER_TO_UINT (gens->pdata[i]) < gen)
      {
        g_autofree char *path = log_path (p, GPOINTER_TO_UINT (gens->pdata[i]));
        g_unlink (path);
      }
}

/* New log first, then the snapshot that names it, then the old logs go:
 * a crash at any point leaves a snapshot and logs that replay to the same
 * state. */
gboolean
ddb_persist_compact (DdbPersist *p, GError **error)
{
  guint gen = p->log_gen + 1;

  if (!open_log (p, gen, error) || !write_snapshot (p, gen, error))
    return FALSE;
  sync_dir (p);
  remove_logs_before (p, gen);
  return TRUE;
}

DdbPersist *
ddb_persist_open (DdbEngine *engine, const char *dir, DdbFsyncMode mode, GError **error)
{
  DdbPersist *p = g_new0 (DdbPersist, 1);
  gboolean fresh = FALSE;
  guint last_gen = 0;

  g_return_val_if_fail (engine != NULL && dir != NULL, NULL);

  p->engine = ddb_engine_ref (engine);
  p->dir = g_strdup (dir);
  p->mode = mode;
  p->lock_fd = p->log_fd = -1;
  g_mutex_init (&p->lock);
  if (!check_format (p, &fresh, error) || !take_lock (p, error) ||
      (!fresh && !load (p, &last_gen, error)))
    {
      ddb_persist_close (p);
      return NULL;
    }
  p->log_gen = last_gen;
  if (!upgrade_format (p, error) || !ddb_persist_compact (p, error))
    {
      ddb_persist_close (p);
      return NULL;
    }
  ddb_engine_set_commit_func (engine, commit, p);
  return p;
}

void
ddb_persist_close (DdbPersist *p)
{
  if (p == NULL)
    return;
  if (p->engine != NULL)
    {
      ddb_engine_set_commit_func (p->engine, NULL, NULL);
      ddb_engine_unref (p->engine);
    }
  close_log (p);
  if (p->lock_fd >= 0)
    close (p->lock_fd);
  g_mutex_clear (&p->lock);
  g_free (p->failure);
  g_free (p->dir);
  g_free (p);
}
