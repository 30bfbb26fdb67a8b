/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dynamorm-private.h"
#include "dynamorm-data-key-cache-private.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-properties-private.h"

/**
 * DynamormDataKeyCache:
 *
 * Keeps data keys so that a batch of encrypted writes or reads does not
 * make one key-service call per value, as the AWS Encryption SDK's caching
 * materials manager does.
 *
 * A data key made for encryption is reused until it is
 * [property@Dynamorm.DataKeyCache:max-age] seconds old or has encrypted
 * [property@Dynamorm.DataKeyCache:max-uses] values, whichever comes first;
 * then the next write asks the provider for a new one. Unwrapped data keys
 * read from envelopes are kept for the same age. At most
 * [property@Dynamorm.DataKeyCache:max-entries] keys are held; past that the
 * oldest goes. Keys are partitioned by key provider, so sessions may share
 * a cache. Plaintext keys are wiped from memory when they leave the cache.
 *
 * A session has a cache with the default limits (300 seconds, 10,000 uses,
 * 100 entries) unless [method@Dynamorm.Session.set_data_key_cache] gives it
 * another or none. Thread-safe; when several threads miss at once, one asks
 * the provider and the others wait for its key.
 *
 * Since: 0.2
 */
struct _DynamormDataKeyCache
{
  GObject parent_instance;

  guint max_age;
  guint64 max_uses;
  guint max_entries;

  GMutex lock;            /* entries, counters, clock_offset */
  GMutex fill_lock;       /* one provider call at a time */
  GHashTable *entries;    /* Name* -> Entry* */
  guint64 hits;
  guint64 misses;
  GTimeSpan clock_offset;
};

typedef struct {
  DynamormDataKey *key;
  gboolean encrypting;    /* an encryption entry: its uses count */
  gint64 created;
  guint64 uses;
} Entry;

/* An entry's name: 'e' (encryption) or 'd' (decryption), the provider's
 * address, the key id's length and bytes, and for 'd' the wrapped key.
 * Lookups build one on the stack: no allocation, no formatting. Entries
 * keep a copy of just the bytes used. */
#define NAME_MAX_LEN (1 + sizeof (gpointer) + 1 + 255 + DYNAMORM_ENVELOPE_MAX_WRAPPED)

typedef struct {
  guint hash;
  guint len;
  guint8 bytes[NAME_MAX_LEN];
} Name;

enum {
  PROP_0,
  PROP_MAX_AGE,
  PROP_MAX_USES,
  PROP_MAX_ENTRIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static const gsize property_offsets[N_PROPS] = {
  [PROP_MAX_AGE] = G_STRUCT_OFFSET (DynamormDataKeyCache, max_age),
  [PROP_MAX_USES] = G_STRUCT_OFFSET (DynamormDataKeyCache, max_uses),
  [PROP_MAX_ENTRIES] = G_STRUCT_OFFSET (DynamormDataKeyCache, max_entries),
};

G_DEFINE_FINAL_TYPE (DynamormDataKeyCache, dynamorm_data_key_cache, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  g_clear_pointer (&entry->key, _dynamorm_data_key_unref);
  g_free (entry);
}

static guint
name_hash (gconstpointer data)
{
  return ((const Name *) data)->hash;
}

static gboolean
name_equal (gconstpointer a, gconstpointer b)
{
  const Name *x = a, *y = b;

  return x->len == y->len && memcmp (x->bytes, y->bytes, x->len) == 0;
}

/* Fills name; FALSE when the key id is too long to be a key id (the
 * provider refuses it then, or the envelope could not hold it). */
static gboolean
name_set (Name *name, char kind, DynamormKeyProvider *provider, const char *key_id,
          const guint8 *wrapped, gsize wrapped_len)
{
  gsize key_id_len = key_id ? strlen (key_id) : 0;
  guint8 *p = name->bytes;
  guint64 h = 0xcbf29ce484222325u, word;
  guint i;

  if (key_id_len > 255 || wrapped_len > DYNAMORM_ENVELOPE_MAX_WRAPPED)
    return FALSE;
  *p++ = kind;
  memcpy (p, &provider, sizeof provider);
  p += sizeof provider;
  *p++ = (guint8) key_id_len;
  if (key_id_len > 0)
    memcpy (p, key_id, key_id_len);
  p += key_id_len;
  if (wrapped_len > 0)
    memcpy (p, wrapped, wrapped_len);
  name->len = (p - name->bytes) + wrapped_len;
  /* FNV-1a over 8-byte words: wrapped keys are a few hundred bytes. */
  for (i = 0; i + 8 <= name->len; i += 8)
    {
      memcpy (&word, name->bytes + i, 8);
      h = (h ^ word) * 0x100000001b3u;
      h ^= h >> 32;
    }
  for (; i < name->len; i++)
    h = (h ^ name->bytes[i]) * 0x100000001b3u;
  name->hash = (guint) (h ^ (h >> 32));
  return TRUE;
}

static Name *
name_copy (const Name *name)
{
  return g_memdup2 (name, G_STRUCT_OFFSET (Name, bytes) + name->len);
}

static void
dynamorm_data_key_cache_finalize (GObject *object)
{
  DynamormDataKeyCache *self = DYNAMORM_DATA_KEY_CACHE (object);

  g_hash_table_unref (self->entries);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->fill_lock);

  G_OBJECT_CLASS (dynamorm_data_key_cache_parent_class)->finalize (object);
}

static void
dynamorm_data_key_cache_class_init (DynamormDataKeyCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dynamorm_data_key_cache_finalize;

  /**
   * DynamormDataKeyCache:max-age:
   *
   * How many seconds a data key is used and kept, from when the provider
   * made or unwrapped it.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_AGE] =
    g_param_spec_uint ("max-age", NULL, NULL, 1, 24 * 3600, DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_AGE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormDataKeyCache:max-uses:
   *
   * How many values one data key encrypts before a new one is made.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_USES] =
    g_param_spec_uint64 ("max-uses", NULL, NULL, 1, G_MAXUINT32, DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_USES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * DynamormDataKeyCache:max-entries:
   *
   * How many data keys the cache holds at most.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_ENTRIES] =
    g_param_spec_uint ("max-entries", NULL, NULL, 1, 100000, DYNAMORM_DATA_KEY_CACHE_DEFAULT_MAX_ENTRIES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  _dynamorm_install_field_properties (object_class, N_PROPS, properties, property_offsets);
}

static void
dynamorm_data_key_cache_init (DynamormDataKeyCache *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->fill_lock);
  self->entries = g_hash_table_new_full (name_hash, name_equal, g_free, (GDestroyNotify) entry_free);
}

/**
 * dynamorm_data_key_cache_new:
 * @max_age_seconds: how long a data key is used and kept (1 to 86400)
 * @max_uses: how many values one data key encrypts (1 to 2^32 - 1)
 * @max_entries: how many data keys are held (1 to 100000)
 *
 * Creates a data-key cache with these limits.
 *
 * Returns: (transfer full): the cache
 *
 * Since: 0.2
 */
DynamormDataKeyCache *
dynamorm_data_key_cache_new (guint   max_age_seconds,
                             guint64 max_uses,
                             guint   max_entries)
{
  g_return_val_if_fail (max_age_seconds >= 1 && max_age_seconds <= 24 * 3600, NULL);
  g_return_val_if_fail (max_uses >= 1 && max_uses <= G_MAXUINT32, NULL);
  g_return_val_if_fail (max_entries >= 1 && max_entries <= 100000, NULL);

  return g_object_new (DYNAMORM_TYPE_DATA_KEY_CACHE,
                       "max-age", max_age_seconds,
                       "max-uses", max_uses,
                       "max-entries", max_entries,
                       NULL);
}

/**
 * dynamorm_data_key_cache_get_max_age:
 * @self: a #DynamormDataKeyCache
 *
 * Gets how long, in seconds, a data key may be used after the key provider made it.
 *
 * Returns: the age limit, in seconds
 *
 * Since: 0.2
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_data_key_cache_get_max_age,
                        DynamormDataKeyCache, DYNAMORM_IS_DATA_KEY_CACHE, max_age, 0)

/**
 * dynamorm_data_key_cache_get_max_uses:
 * @self: a #DynamormDataKeyCache
 *
 * Gets how many values one cached data key may encrypt before a new one is asked for.
 *
 * Returns: how many values one data key encrypts
 *
 * Since: 0.2
 */
DYNAMORM_DEFINE_GETTER (guint64, dynamorm_data_key_cache_get_max_uses,
                        DynamormDataKeyCache, DYNAMORM_IS_DATA_KEY_CACHE, max_uses, 0)

/**
 * dynamorm_data_key_cache_get_max_entries:
 * @self: a #DynamormDataKeyCache
 *
 * Gets how many data keys the cache holds at most.
 *
 * Returns: how many data keys the cache holds at most
 *
 * Since: 0.2
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_data_key_cache_get_max_entries,
                        DynamormDataKeyCache, DYNAMORM_IS_DATA_KEY_CACHE, max_entries, 0)

/* One of the counters, read under the lock. */
static guint64
read_counter (DynamormDataKeyCache *self, const guint64 *counter)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = *counter;
  g_mutex_unlock (&self->lock);
  return n;
}

/**
 * dynamorm_data_key_cache_get_n_entries:
 * @self: a #DynamormDataKeyCache
 *
 * Gets how many data keys the cache holds now.
 *
 * Returns: how many data keys the cache holds now (expired ones included
 *   until they are next looked up or pushed out)
 *
 * Since: 0.2
 */
guint
dynamorm_data_key_cache_get_n_entries (DynamormDataKeyCache *self)
{
  guint n;

  g_return_val_if_fail (DYNAMORM_IS_DATA_KEY_CACHE (self), 0);
  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->entries);
  g_mutex_unlock (&self->lock);
  return n;
}

/**
 * dynamorm_data_key_cache_get_hits:
 * @self: a #DynamormDataKeyCache
 *
 * Gets how many lookups the cache answered itself.
 *
 * Returns: how many lookups the cache answered without the key provider
 *
 * Since: 0.2
 */
guint64
dynamorm_data_key_cache_get_hits (DynamormDataKeyCache *self)
{
  g_return_val_if_fail (DYNAMORM_IS_DATA_KEY_CACHE (self), 0);
  return read_counter (self, &self->hits);
}

/**
 * dynamorm_data_key_cache_get_misses:
 * @self: a #DynamormDataKeyCache
 *
 * Gets how many lookups had to ask the key provider.
 *
 * Returns: how many lookups went to the key provider
 *
 * Since: 0.2
 */
guint64
dynamorm_data_key_cache_get_misses (DynamormDataKeyCache *self)
{
  g_return_val_if_fail (DYNAMORM_IS_DATA_KEY_CACHE (self), 0);
  return read_counter (self, &self->misses);
}

/**
 * dynamorm_data_key_cache_clear:
 * @self: a #DynamormDataKeyCache
 *
 * Forgets (and wipes) every data key, for example after a master key was
 * rotated or revoked.
 *
 * Since: 0.2
 */
void
dynamorm_data_key_cache_clear (DynamormDataKeyCache *self)
{
  g_return_if_fail (DYNAMORM_IS_DATA_KEY_CACHE (self));
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->entries);
  g_mutex_unlock (&self->lock);
}

void
_dynamorm_data_key_cache_advance_clock (DynamormDataKeyCache *self, GTimeSpan by)
{
  g_mutex_lock (&self->lock);
  self->clock_offset += by;
  g_mutex_unlock (&self->lock);
}

/* Caller holds lock. */
static gint64
now_locked (DynamormDataKeyCache *self)
{
  return g_get_monotonic_time () + self->clock_offset;
}

static gboolean
entry_expired (DynamormDataKeyCache *self, Entry *entry, gint64 now)
{
  return now - entry->created >= (gint64) self->max_age * G_USEC_PER_SEC ||
         (entry->encrypting && entry->uses >= self->max_uses);
}

/* Caller holds lock: makes room for one more entry. */
static void
evict_for_insert (DynamormDataKeyCache *self, gint64 now)
{
  GHashTableIter iter;
  gpointer key, value;
  gconstpointer oldest = NULL;
  gint64 oldest_time = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (entry_expired (self, value, now))
      g_hash_table_iter_remove (&iter);
  if (g_hash_table_size (self->entries) < self->max_entries)
    return;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((Entry *) value)->created < oldest_time)
      oldest = key, oldest_time = ((Entry *) value)->created;
  if (oldest != NULL)
    g_hash_table_remove (self->entries, oldest);
}

/* Caller holds lock: a new entry for key under name. */
static void
insert_locked (DynamormDataKeyCache *self, const Name *name, DynamormDataKey *key,
               gboolean encrypting, guint64 uses)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->key = _dynamorm_data_key_ref (key);
  entry->encrypting = encrypting;
  entry->uses = uses;
  entry->created = now_locked (self);
  g_hash_table_remove (self->entries, name);
  evict_for_insert (self, entry->created);
  g_hash_table_insert (self->entries, name_copy (name), entry);
}

static gboolean
encryption_name (Name *name, DynamormKeyProvider *provider)
{
  return name_set (name, 'e', provider, dynamorm_key_provider_get_key_id (provider), NULL, 0);
}

static gboolean
decryption_name (Name *name, DynamormKeyProvider *provider, const char *key_id,
                 const guint8 *wrapped, gsize wrapped_len)
{
  return name_set (name, 'd', provider, key_id, wrapped, wrapped_len);
}

/* The entry for name while within its limits (an expired one is dropped).
 * Called with the lock held. */
static Entry *
live_entry_locked (DynamormDataKeyCache *self, const Name *name)
{
  Entry *entry = g_hash_table_lookup (self->entries, name);

  if (entry != NULL && entry_expired (self, entry, now_locked (self)))
    {
      g_hash_table_remove (self->entries, name);
      return NULL;
    }
  return entry;
}

/* A key still within its limits; uses is 1 for an encryption key (one more
 * value sealed with it), 0 for a decryption key. */
static DynamormDataKey *
take_key (DynamormDataKeyCache *self, const Name *name, guint uses)
{
  DynamormDataKey *key = NULL;
  Entry *entry;

  g_mutex_lock (&self->lock);
  if ((entry = live_entry_locked (self, name)) != NULL)
    {
      entry->uses += uses;
      self->hits++;
      key = _dynamorm_data_key_ref (entry->key);
    }
  g_mutex_unlock (&self->lock);
  return key;
}

static DynamormDataKey *
generate (DynamormKeyProvider *provider, GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) plaintext = NULL;
  g_autoptr(GBytes) wrapped = NULL;
  const char *key_id = dynamorm_key_provider_get_key_id (provider);

  if (key_id == NULL || *key_id == '\0' || strlen (key_id) > 255 ||
      !g_utf8_validate (key_id, -1, NULL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
                   _("The key provider %s has no usable key id (it must be 1 to 255 bytes of UTF-8): fix the provider"),
                   G_OBJECT_TYPE_NAME (provider));
      return NULL;
    }
  if (!dynamorm_key_provider_generate_data_key (provider, &plaintext, &wrapped, cancellable, error))
    return NULL;
  return _dynamorm_data_key_new (key_id, plaintext, wrapped);
}

/* Makes a new encryption key for name (unless another thread just did,
 * then takes that one), counting uses uses of it. */
static DynamormDataKey *
fill_encryption_key (DynamormDataKeyCache *self,
                     DynamormKeyProvider  *provider,
                     const Name           *name,
                     guint                 uses,
                     GCancellable         *cancellable,
                     GError              **error)
{
  DynamormDataKey *key;

  g_mutex_lock (&self->fill_lock);
  if ((key = take_key (self, name, 1)) != NULL)
    {
      g_mutex_unlock (&self->fill_lock);
      return key;
    }
  key = generate (provider, cancellable, error);
  if (key != NULL)
    {
      Name read_name;

      g_mutex_lock (&self->lock);
      self->misses++;
      insert_locked (self, name, key, TRUE, uses);
      /* Reading back what was just written needs no provider call. */
      if (decryption_name (&read_name, provider, key->key_id, g_bytes_get_data (key->wrapped, NULL),
                           g_bytes_get_size (key->wrapped)))
        insert_locked (self, &read_name, key, FALSE, 0);
      g_mutex_unlock (&self->lock);
    }
  g_mutex_unlock (&self->fill_lock);
  return key;
}

/* The key provider's key id is checked by generate(). */
static gboolean
no_name_error (DynamormKeyProvider *provider, GError **error)
{
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_ENCRYPTION,
               _("The key provider %s has no usable key id (it must be 1 to 255 bytes of UTF-8): fix the provider"),
               G_OBJECT_TYPE_NAME (provider));
  return FALSE;
}

DynamormDataKey *
_dynamorm_data_key_cache_encryption_key (DynamormDataKeyCache *self,
                                         DynamormKeyProvider  *provider,
                                         GCancellable         *cancellable,
                                         GError              **error)
{
  Name name;
  DynamormDataKey *key;

  if (self == NULL)
    return generate (provider, cancellable, error);

  if (!encryption_name (&name, provider))
    {
      no_name_error (provider, error);
      return NULL;
    }
  if ((key = take_key (self, &name, 1)) != NULL)
    return key;
  return fill_encryption_key (self, provider, &name, 1, cancellable, error);
}

gboolean
_dynamorm_data_key_cache_warm (DynamormDataKeyCache *self,
                               DynamormKeyProvider  *provider,
                               guint                 n_uses,
                               GCancellable         *cancellable,
                               GError              **error)
{
  Name name;
  g_autoptr(DynamormDataKey) key = NULL;
  Entry *entry;
  gboolean enough;

  if (!encryption_name (&name, provider))
    return no_name_error (provider, error);
  g_mutex_lock (&self->lock);
  entry = live_entry_locked (self, &name);
  enough = entry != NULL && entry->uses + MIN ((guint64) n_uses, self->max_uses) <= self->max_uses;
  g_mutex_unlock (&self->lock);
  if (enough)
    return TRUE;
  if (entry != NULL)
    {
      /* Too few uses left for the whole call: retire it now. */
      g_mutex_lock (&self->lock);
      g_hash_table_remove (self->entries, &name);
      g_mutex_unlock (&self->lock);
    }
  key = fill_encryption_key (self, provider, &name, 0, cancellable, error);
  return key != NULL;
}

/* Asks the provider to unwrap a data key. */
static DynamormDataKey *
unwrap (DynamormKeyProvider *provider, const char *key_id, const guint8 *wrapped, gsize wrapped_len,
        GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) wrapped_bytes = g_bytes_new (wrapped, wrapped_len);
  g_autoptr(GBytes) plaintext = dynamorm_key_provider_decrypt_data_key (provider, key_id, wrapped_bytes,
                                                                        cancellable, error);

  return plaintext ? _dynamorm_data_key_new (key_id, plaintext, wrapped_bytes) : NULL;
}

DynamormDataKey *
_dynamorm_data_key_cache_decryption_key (DynamormDataKeyCache *self,
                                         DynamormKeyProvider  *provider,
                                         const char           *key_id,
                                         const guint8         *wrapped,
                                         gsize                 wrapped_len,
                                         GCancellable         *cancellable,
                                         GError              **error)
{
  Name name_buf, *name = &name_buf;
  DynamormDataKey *key;

  if (self == NULL || !decryption_name (name, provider, key_id, wrapped, wrapped_len))
    return unwrap (provider, key_id, wrapped, wrapped_len, cancellable, error);
  if ((key = take_key (self, name, 0)) != NULL)
    return key;

  g_mutex_lock (&self->fill_lock);
  if ((key = take_key (self, name, 0)) == NULL)
    {
      key = unwrap (provider, key_id, wrapped, wrapped_len, cancellable, error);
      if (key != NULL)
        {
          g_mutex_lock (&self->lock);
          self->misses++;
          insert_locked (self, name, key, FALSE, 0);
          g_mutex_unlock (&self->lock);
        }
    }
  g_mutex_unlock (&self->fill_lock);
  return key;
}
