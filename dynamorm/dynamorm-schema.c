/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-schema.c: a model type's declared tags, compiled into the schema
 * every request is built from. Declarations are cheap records; compiling
 * checks everything (key types, unknown properties, duplicate keys) once,
 * before the first request, and the result is cached per type. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-single-table-private.h"

typedef struct {
  char *table_name;
  GPtrArray *tags;       /* of char*, "property=tags" in declaration order */
} Declaration;

static GMutex schema_lock;
static GHashTable *declarations;   /* GType -> Declaration* */
static GHashTable *schemas;        /* GType -> DynamormSchema* (require_key) */
static GHashTable *nested_schemas; /* GType -> DynamormSchema* (no key needed) */

static void
declaration_free (Declaration *decl)
{
  g_free (decl->table_name);
  g_ptr_array_unref (decl->tags);
  g_free (decl);
}

/* Validation can rewrite a decoded value only for string pspecs with
 * character sets or NULL folding (numbers and the rest are range-checked
 * when decoded); deprecated properties must warn as GObject does. */
static void
field_prepare_vfuncs (DynamormField *field)
{
  GParamSpec *pspec = field->pspec;
  GParamSpec *redirect = g_param_spec_get_redirect_target (pspec);

  field->owner_class = g_type_class_peek (pspec->owner_type);
  field->vfunc_pspec = redirect ? redirect : pspec;
  field->vfunc_settable = field->owner_class != NULL && !(pspec->flags & G_PARAM_DEPRECATED);
  if (G_IS_PARAM_SPEC_STRING (pspec))
    {
      GParamSpecString *string = G_PARAM_SPEC_STRING (pspec);

      if (string->cset_first || string->cset_nth || string->null_fold_if_empty || string->ensure_non_null)
        field->vfunc_settable = FALSE;
    }
}

static void
index_free (DynamormIndex *index)
{
  g_free (index->name);
  g_free (index);
}

static void
schema_free (DynamormSchema *schema)
{
  g_free (schema->table_name);
  g_ptr_array_unref (schema->fields);
  g_hash_table_unref (schema->by_property);
  g_hash_table_unref (schema->by_attribute);
  g_ptr_array_unref (schema->indexes);
  _dynamorm_schema_clear_single_table (schema);
  g_free (schema);
}

/* Caller holds schema_lock. */
static Declaration *
get_declaration (GType type, gboolean create)
{
  Declaration *decl;

  if (declarations == NULL)
    {
      declarations = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) declaration_free);
      schemas = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) schema_free);
      nested_schemas = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) schema_free);
    }

  decl = g_hash_table_lookup (declarations, GSIZE_TO_POINTER (type));
  if (decl == NULL && create)
    {
      decl = g_new0 (Declaration, 1);
      decl->tags = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (declarations, GSIZE_TO_POINTER (type), decl);
    }
  return decl;
}

/* A declaration changed: forget what was compiled from it. Schemas handed
 * out stay valid (they are only freed at exit), so a declaration after first
 * use is not a use-after-free, merely too late for types already compiled;
 * we keep the old compiled schema alive by leaking it into a graveyard. */
static GPtrArray *graveyard;

/* Compiled schemas are also cached as type qdata, so the common lookup
 * takes neither schema_lock nor a class reference. */
static GQuark
schema_quark (gboolean require_key)
{
  static GQuark quarks[2];

  if (quarks[require_key] == 0)
    quarks[require_key] = g_quark_from_static_string (require_key ? "dynamorm-schema" : "dynamorm-schema-nested");
  return quarks[require_key];
}

/* Each thread also keeps the last schema it was given, per require_key:
 * the common lookup then takes no lock (g_type_get_qdata takes GType's
 * global lock, on which threads calling at once contend). invalidate()
 * moves the generation on, which empties every thread's entry. */
typedef struct {
  GType type;
  gint generation;
  const DynamormSchema *schema;
} LastSchema;

static gint schema_generation;
static _Thread_local LastSchema last_schema[2];

static void
invalidate (GType type)
{
  gpointer schema;

  g_type_set_qdata (type, schema_quark (TRUE), NULL);
  g_type_set_qdata (type, schema_quark (FALSE), NULL);
  g_atomic_int_inc (&schema_generation);

  if (graveyard == NULL)
    graveyard = g_ptr_array_new ();
  if (g_hash_table_steal_extended (schemas, GSIZE_TO_POINTER (type), NULL, &schema))
    g_ptr_array_add (graveyard, schema);
  if (g_hash_table_steal_extended (nested_schemas, GSIZE_TO_POINTER (type), NULL, &schema))
    g_ptr_array_add (graveyard, schema);
}

/**
 * dynamorm_model_class_set_table_name:
 * @klass: a #DynamormModelClass
 * @table_name: the DynamoDB table the model's items live in
 *
 * Sets the table name of a model class, from its `class_init`. Without it
 * the table name is derived from the type name: see
 * [func@Dynamorm.Model.type_get_table_name].
 */
void
dynamorm_model_class_set_table_name (DynamormModelClass *klass,
                                     const char         *table_name)
{
  GType type;
  Declaration *decl;

  g_return_if_fail (DYNAMORM_IS_MODEL_CLASS (klass));
  g_return_if_fail (table_name != NULL);

  type = G_TYPE_FROM_CLASS (klass);
  g_mutex_lock (&schema_lock);
  decl = get_declaration (type, TRUE);
  g_free (decl->table_name);
  decl->table_name = g_strdup (table_name);
  invalidate (type);
  g_mutex_unlock (&schema_lock);
}

/**
 * dynamorm_model_class_tag_property:
 * @klass: a #DynamormModelClass
 * @property_name: the name of a property of the class
 * @tags: comma-separated tags, such as `"pk"` or `"index:by-email,pk"`
 *
 * Declares how a property is stored, from the class's `class_init`, with
 * the tag vocabulary of the Go library DynamORM:
 *
 * - `pk`, `sk`: the table's partition key and sort key;
 * - `index:NAME,pk`, `index:NAME,sk`: a key of the global secondary index
 *   NAME (`index:NAME:pk` means the same); a `pk` or `sk` right after
 *   `index:NAME` belongs to the index;
 * - `lsi:NAME`: the sort key of the local secondary index NAME;
 * - `attr:NAME`: store under the attribute name NAME;
 * - `omitempty`: leave the attribute out when the value is empty (%NULL,
 *   `""`, 0, %FALSE, an empty list);
 * - `set`: store a string list as a string set (SS);
 * - `json`: store the value as JSON text (S);
 * - `binary`: store a string as binary (B);
 * - `number`: store a string holding a decimal number as a Number (N),
 *   exactly, for values beyond 64-bit integers and doubles (38 digits);
 * - `unixtime`: store a #GDateTime as epoch seconds (N);
 * - `encrypted`: store the value encrypted (AES-256-GCM, with the session's
 *   [iface@Dynamorm.KeyProvider]); it cannot be a key or be used in
 *   conditions, filters or queries (see `docs/encryption.md`);
 * - `version`: an integer bumped on every write, for optimistic locking;
 * - `ttl`: the item's expiry time (#GDateTime or epoch seconds, stored as N);
 * - `created_at`, `updated_at`: write timestamps kept by Dynamorm;
 * - `of:TYPE`: the element type of a #GListModel property of models;
 * - `-`: do not store the property.
 *
 * Mistakes (an unknown property, an unknown tag, a key of a type DynamoDB
 * keys cannot hold) are reported as %DYNAMORM_ERROR_INVALID_MODEL by the
 * first operation that uses the model, before any request is sent, and by
 * [func@Dynamorm.Model.type_check].
 */
void
dynamorm_model_class_tag_property (DynamormModelClass *klass,
                                   const char         *property_name,
                                   const char         *tags)
{
  GType type;
  Declaration *decl;

  g_return_if_fail (DYNAMORM_IS_MODEL_CLASS (klass));
  g_return_if_fail (property_name != NULL);
  g_return_if_fail (tags != NULL);

  type = G_TYPE_FROM_CLASS (klass);
  g_mutex_lock (&schema_lock);
  decl = get_declaration (type, TRUE);
  g_ptr_array_add (decl->tags, g_strdup_printf ("%s=%s", property_name, tags));
  invalidate (type);
  g_mutex_unlock (&schema_lock);
}

/**
 * dynamorm_model_type_declare:
 * @model_type: a #DynamormModel subtype
 * @table_name: (nullable): the table name, or %NULL for the default
 * @tags: (array zero-terminated=1) (nullable): property tags as
 *   `"property=tags"` strings, such as `"id=pk"` or
 *   `"customer-id=index:by-customer,pk"`
 * @error: return location for a #GError
 *
 * Declares a model's schema in one call and checks it at once. This is the
 * form for models defined in Python or JavaScript; C models can use it too,
 * or [method@Dynamorm.ModelClass.tag_property] in `class_init`. See
 * [method@Dynamorm.ModelClass.tag_property] for the tags.
 *
 * Returns: %TRUE if the schema is valid
 */
gboolean
dynamorm_model_type_declare (GType               model_type,
                             const char         *table_name,
                             const char * const *tags,
                             GError            **error)
{
  Declaration *decl;

  g_return_val_if_fail (g_type_is_a (model_type, DYNAMORM_TYPE_MODEL), FALSE);

  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    if (strchr (tags[i], '=') == NULL)
      {
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                     _("Tag declaration “%s” for %s has no “=”: write it as “property=tags”, for example “id=pk”"),
                     tags[i], g_type_name (model_type));
        return FALSE;
      }

  g_mutex_lock (&schema_lock);
  decl = get_declaration (model_type, TRUE);
  if (table_name != NULL)
    {
      g_free (decl->table_name);
      decl->table_name = g_strdup (table_name);
    }
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    g_ptr_array_add (decl->tags, g_strdup (tags[i]));
  invalidate (model_type);
  g_mutex_unlock (&schema_lock);

  return dynamorm_model_type_check (model_type, error);
}

/* "DemoPaymentRecord" -> "demo_payment_records" */
static char *
default_table_name (GType type)
{
  const char *name = g_type_name (type);
  GString *s = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    {
      if (g_ascii_isupper (*p))
        {
          gboolean prev_lower = p > name && (g_ascii_islower (p[-1]) || g_ascii_isdigit (p[-1]));
          gboolean next_lower = g_ascii_islower (p[1]);

          if (p > name && (prev_lower || (next_lower && g_ascii_isupper (p[-1]))))
            g_string_append_c (s, '_');
          g_string_append_c (s, g_ascii_tolower (*p));
        }
      else if (g_ascii_isalnum (*p) || *p == '_' || *p == '.' || *p == '-')
        g_string_append_c (s, *p);
      else
        g_string_append_c (s, '_');
    }
  if (s->len == 0 || s->str[s->len - 1] != 's')
    g_string_append_c (s, 's');
  return g_string_free (s, FALSE);
}

static char *
default_attribute_name (const char *property_name)
{
  char *name = g_strdup (property_name);

  g_strdelimit (name, "-", '_');
  return name;
}

static gboolean
is_model_list_type (GType type)
{
  return type == G_TYPE_LIST_MODEL || g_type_is_a (type, G_TYPE_LIST_STORE);
}

/* A kind of field that can be a key, of key attribute type key_type. */
static gboolean
set_kind (DynamormField *field, FieldKind kind, char key_type)
{
  field->kind = kind;
  field->key_type = key_type;
  return TRUE;
}

/* Picks the storage of a property from its value type. */
static gboolean
classify (DynamormField *field, GType model_type, GError **error)
{
  GType vt = G_PARAM_SPEC_VALUE_TYPE (field->pspec);
  GType fundamental = G_TYPE_FUNDAMENTAL (vt);

  if (field->classified)
    return TRUE;
  field->classified = TRUE;

  switch (fundamental)
    {
    case G_TYPE_STRING:
      return set_kind (field, FIELD_STRING, 'S');
    case G_TYPE_CHAR: case G_TYPE_INT: case G_TYPE_LONG: case G_TYPE_INT64:
      return set_kind (field, FIELD_INT, 'N');
    case G_TYPE_UCHAR: case G_TYPE_UINT: case G_TYPE_ULONG: case G_TYPE_UINT64:
      return set_kind (field, FIELD_UINT, 'N');
    case G_TYPE_FLOAT: case G_TYPE_DOUBLE:
      return set_kind (field, FIELD_DOUBLE, 'N');
    case G_TYPE_BOOLEAN:
      field->kind = FIELD_BOOLEAN;
      return TRUE;
    case G_TYPE_ENUM:
      return set_kind (field, FIELD_ENUM, 'S');
    case G_TYPE_FLAGS:
      return set_kind (field, FIELD_FLAGS, 'N');
    case G_TYPE_VARIANT:
      field->kind = FIELD_VARIANT;
      return TRUE;
    default:
      break;
    }

  if (vt == G_TYPE_BYTES)
    field->kind = FIELD_BYTES, field->key_type = 'B';
  else if (vt == G_TYPE_DATE_TIME)
    field->kind = FIELD_DATETIME, field->key_type = 'S';
  else if (vt == G_TYPE_STRV)
    field->kind = FIELD_STRV;
  else if (vt == JSON_TYPE_NODE)
    field->kind = FIELD_JSON_NODE;
  else if (g_type_is_a (vt, DYNAMORM_TYPE_MODEL))
    field->kind = FIELD_MODEL;
  else if (is_model_list_type (vt))
    field->kind = FIELD_MODEL_LIST;
  else
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s has type %s, which Dynamorm cannot store. "
                     "Use a supported type (string, number, boolean, enum, GBytes, GDateTime, "
                     "string list, GVariant, JsonNode, a model or a list of models), "
                     "or tag it “-” to leave it out"),
                   field->pspec->name, g_type_name (model_type), g_type_name (vt));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  DynamormSchema *schema;
  GHashTable *index_by_name;
} CompileState;

static DynamormIndex *
get_index (CompileState *st, const char *name, gboolean local)
{
  DynamormIndex *index = g_hash_table_lookup (st->index_by_name, name);

  if (index == NULL)
    {
      index = g_new0 (DynamormIndex, 1);
      index->name = g_strdup (name);
      index->local = local;
      g_ptr_array_add (st->schema->indexes, index);
      g_hash_table_insert (st->index_by_name, index->name, index);
    }
  return index;
}

static gboolean
set_key (DynamormField **slot, DynamormField *field, const char *what,
         GType type, GError **error)
{
  if (*slot != NULL && *slot != field)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s has two %s properties, “%s” and “%s”: tag only one of them"),
                   g_type_name (type), what, (*slot)->pspec->name, field->pspec->name);
      return FALSE;
    }
  *slot = field;
  return TRUE;
}

/* "pk" or "sk": the table's key, or the key of the index named just
 * before it ("index:NAME,pk"). */
static gboolean
apply_key_tag (CompileState *st, DynamormField *field, const char *tag,
               DynamormIndex *bind, GError **error)
{
  DynamormSchema *schema = st->schema;
  GType type = schema->type;
  gboolean is_pk = tag[0] == 'p';

  if (bind == NULL)
    return set_key (is_pk ? &schema->partition_key : &schema->sort_key, field,
                    is_pk ? "partition key (pk)" : "sort key (sk)", type, error);
  if (bind->local)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: a local secondary index (“lsi:%s”) shares the table's partition key; tag only its sort key"),
                   field->pspec->name, g_type_name (type), bind->name);
      return FALSE;
    }
  return set_key (is_pk ? &bind->partition_key : &bind->sort_key, field,
                  is_pk ? "partition keys for an index" : "sort keys for an index",
                  type, error);
}

static gboolean check_key_field (DynamormField *field, const char *what, GType type, GError **error);

/* "pk1".."pk4", "sk1".."sk4": a part of a multi-attribute index key. */
static gboolean
is_multi_key_role (const char *role)
{
  return (role[0] == 'p' || role[0] == 's') && role[1] == 'k' && role[2] >= '1' && role[2] <= '4' &&
         role[3] == '\0';
}

static gboolean
apply_multi_key_role (DynamormIndex *index, DynamormField *field, const char *role, GType type,
                      GError **error)
{
  gboolean is_pk = role[0] == 'p';
  guint pos = role[2] - '1';

  if (index->local)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: “%s” of the local index “%s”: only global indexes have "
                     "multi-attribute keys"),
                   field->pspec->name, g_type_name (type), role, index->name);
      return FALSE;
    }
  if (pos == 0)
    return set_key (is_pk ? &index->partition_key : &index->sort_key, field,
                    is_pk ? "partition keys for an index" : "sort keys for an index", type, error);
  return set_key (is_pk ? &index->more_pk[pos - 1] : &index->more_sk[pos - 1], field,
                  is_pk ? "partition key parts in one position of an index" : "sort key parts in one position of an index",
                  type, error);
}

guint
_dynamorm_index_n_pk (const DynamormIndex *index)
{
  guint n = 1;

  while (n < 4 && index->more_pk[n - 1] != NULL)
    n++;
  return n;
}

guint
_dynamorm_index_n_sk (const DynamormIndex *index)
{
  guint n = index->sort_key != NULL;

  while (n >= 1 && n < 4 && index->more_sk[n - 1] != NULL)
    n++;
  return n;
}

DynamormField *
_dynamorm_index_pk (const DynamormIndex *index, guint i)
{
  return i == 0 ? index->partition_key : index->more_pk[i - 1];
}

DynamormField *
_dynamorm_index_sk (const DynamormIndex *index, guint i)
{
  return i == 0 ? index->sort_key : index->more_sk[i - 1];
}

/* Parts declared without the ones before them ("pk3" without "pk2"). */
static gboolean
check_multi_key_parts (DynamormIndex *index, GType type, GError **error)
{
  for (guint role = 0; role < 2; role++)
    {
      DynamormField **more = role == 0 ? index->more_pk : index->more_sk;
      DynamormField *first = role == 0 ? index->partition_key : index->sort_key;
      const char *r = role == 0 ? "pk" : "sk";
      for (guint i = 0; i < 3; i++)
        {
          DynamormField *before = i == 0 ? first : more[i - 1];
          if (more[i] != NULL && before == NULL)
            {
              g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                           _("Index “%s” of %s declares “%s%u” (property “%s”) but no “%s%u”: the parts of a "
                             "multi-attribute key are numbered from 1 without gaps, up to 4"),
                           index->name, g_type_name (type), r, i + 2, more[i]->pspec->name, r, i + 1);
              return FALSE;
            }
          if (more[i] != NULL && !check_key_field (more[i], role == 0 ? _("an index partition key")
                                                                      : _("an index sort key"), type, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* The ":pk"/":sk" after a global index's name ("index:NAME:pk"). */
static gboolean
apply_index_role (DynamormIndex *index, DynamormField *field, const char *tag,
                  const char *role, GType type, GError **error)
{
  if (is_multi_key_role (role + 1))
    return apply_multi_key_role (index, field, role + 1, type, error);
  if (g_str_equal (role, ":pk"))
    return set_key (&index->partition_key, field, "partition keys for an index", type, error);
  if (g_str_equal (role, ":sk"))
    return set_key (&index->sort_key, field, "sort keys for an index", type, error);
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
               _("Property “%s” of %s: unknown index role in “%s”; use “index:NAME,pk” or “index:NAME,sk”"),
               field->pspec->name, g_type_name (type), tag);
  return FALSE;
}

/* "index:NAME[:ROLE]" or "lsi:NAME[:sk]". Without a role, the index
 * waits in *pending_index for the "pk" or "sk" tag that follows. */
static gboolean
apply_index_tag (CompileState *st, DynamormField *field, const char *tag,
                 DynamormIndex **pending_index, GError **error)
{
  GType type = st->schema->type;
  gboolean local = tag[0] == 'l';
  const char *name = strchr (tag, ':') + 1;
  const char *role = strchr (name, ':');
  g_autofree char *index_name = role ? g_strndup (name, role - name) : g_strdup (name);
  DynamormIndex *index;

  if (*index_name == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: tag “%s” needs an index name"),
                   field->pspec->name, g_type_name (type), tag);
      return FALSE;
    }
  index = get_index (st, index_name, local);
  if (index->local != local)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s declares “%s” both as a global (index:) and a local (lsi:) index"),
                   g_type_name (type), index_name);
      return FALSE;
    }
  if (local)
    {
      if (role != NULL && !g_str_equal (role, ":sk"))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("Property “%s” of %s: a local secondary index only has a sort key of its own"),
                       field->pspec->name, g_type_name (type));
          return FALSE;
        }
      return set_key (&index->sort_key, field, "sort keys for an index", type, error);
    }
  if (role != NULL)
    return apply_index_role (index, field, tag, role, type, error);
  *pending_index = index;
  return TRUE;
}

/* "attr:NAME": the attribute the property is stored in. */
static gboolean
apply_attr_tag (DynamormField *field, const char *tag, GType type, GError **error)
{
  const char *name = tag + strlen ("attr:");

  if (*name == '\0')
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: “attr:” needs an attribute name"),
                   field->pspec->name, g_type_name (type));
      return FALSE;
    }
  g_free (field->attribute);
  field->attribute = g_strdup (name);
  return TRUE;
}

/* "of:TYPE": the model type of a list of models. */
static gboolean
apply_of_tag (DynamormField *field, const char *tag, GType type, GError **error)
{
  GType element = g_type_from_name (tag + 3);

  if (element == G_TYPE_INVALID || !g_type_is_a (element, DYNAMORM_TYPE_MODEL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: “%s” does not name a registered DynamormModel type"),
                   field->pspec->name, g_type_name (type), tag);
      return FALSE;
    }
  field->element_type = element;
  return TRUE;
}

/* The tags that only set a flag; FALSE when tag is not one of them. */
static gboolean
apply_flag_tag (DynamormField *field, const char *tag, gboolean *skip)
{
  if (g_str_equal (tag, "-"))
    *skip = TRUE;
  else if (g_str_equal (tag, "omitempty"))
    field->flags |= FIELD_FLAG_OMITEMPTY;
  else if (g_str_equal (tag, "set"))
    field->flags |= FIELD_FLAG_SET;
  else if (g_str_equal (tag, "json"))
    field->flags |= FIELD_FLAG_JSON;
  else if (g_str_equal (tag, "unixtime"))
    field->flags |= FIELD_FLAG_EPOCH;
  else if (g_str_equal (tag, "encrypted"))
    field->flags |= FIELD_FLAG_ENCRYPTED;
  else
    return FALSE;
  return TRUE;
}

/* "binary" or "number": a string property stored as B or N. */
static gboolean
apply_string_encoding_tag (DynamormField *field, const char *tag, GType type, GError **error)
{
  if (field->kind != FIELD_STRING)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: the “%s” tag is for string properties"),
                   field->pspec->name, g_type_name (type), tag);
      return FALSE;
    }
  field->kind = tag[0] == 'b' ? FIELD_STRING_BINARY : FIELD_STRING_NUMBER;
  field->key_type = tag[0] == 'b' ? 'B' : 'N';
  return TRUE;
}

static gboolean
apply_version_tag (CompileState *st, DynamormField *field, GError **error)
{
  GType type = st->schema->type;

  if (field->kind != FIELD_INT && field->kind != FIELD_UINT)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: a version property must be an integer"),
                   field->pspec->name, g_type_name (type));
      return FALSE;
    }
  field->flags |= FIELD_FLAG_VERSION;
  return set_key (&st->schema->version, field, "version", type, error);
}

/* "ttl", "created_at" or "updated_at": a time in the item the ORM keeps. */
static gboolean
apply_timestamp_tag (CompileState *st, DynamormField *field, const char *tag, GError **error)
{
  DynamormSchema *schema = st->schema;
  DynamormField **slot;

  if (field->kind != FIELD_DATETIME && field->kind != FIELD_INT && field->kind != FIELD_UINT)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: a “%s” property must be a GDateTime or an integer of epoch seconds"),
                   field->pspec->name, g_type_name (schema->type), tag);
      return FALSE;
    }
  if (tag[0] == 't')
    {
      field->flags |= FIELD_FLAG_TTL | FIELD_FLAG_EPOCH;
      slot = &schema->ttl;
    }
  else if (tag[0] == 'c')
    {
      field->flags |= FIELD_FLAG_CREATED_AT;
      slot = &schema->created_at;
    }
  else
    {
      field->flags |= FIELD_FLAG_UPDATED_AT;
      slot = &schema->updated_at;
    }
  return set_key (slot, field, tag, schema->type, error);
}

/* Applies one tag; bind is the index named by the tag before it. */
static gboolean
apply_tag (CompileState *st, DynamormField *field, const char *tag, DynamormIndex *bind,
           DynamormIndex **pending_index, gboolean *skip, GError **error)
{
  GType type = st->schema->type;

  if (g_str_equal (tag, "pk") || g_str_equal (tag, "sk"))
    return apply_key_tag (st, field, tag, bind, error);
  if (bind != NULL && is_multi_key_role (tag))
    return apply_multi_key_role (bind, field, tag, type, error);
  if (g_str_has_prefix (tag, "index:") || g_str_has_prefix (tag, "lsi:"))
    return apply_index_tag (st, field, tag, pending_index, error);
  if (g_str_has_prefix (tag, "attr:"))
    return apply_attr_tag (field, tag, type, error);
  if (g_str_has_prefix (tag, "of:"))
    return apply_of_tag (field, tag, type, error);
  if (apply_flag_tag (field, tag, skip))
    return TRUE;
  if (g_str_equal (tag, "binary") || g_str_equal (tag, "number"))
    return apply_string_encoding_tag (field, tag, type, error);
  if (g_str_equal (tag, "version"))
    return apply_version_tag (st, field, error);
  if (g_str_equal (tag, "ttl") || g_str_equal (tag, "created_at") || g_str_equal (tag, "updated_at"))
    return apply_timestamp_tag (st, field, tag, error);
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
               _("Property “%s” of %s has the unknown tag “%s”. Known tags: pk, sk, "
                 "index:NAME, lsi:NAME, attr:NAME, omitempty, set, json, binary, number, "
                 "unixtime, encrypted, version, ttl, created_at, updated_at, of:TYPE, -"),
               field->pspec->name, g_type_name (type), tag);
  return FALSE;
}

/* Applies one "tag,tag,..." string to a field. */
static gboolean
apply_tags (CompileState *st, DynamormField *field, const char *tags,
            gboolean *skip, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (tags, ",", -1);
  DynamormIndex *pending_index = NULL;   /* "index:NAME" waiting for pk/sk */

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *tag = g_strstrip (parts[i]);
      DynamormIndex *bind = pending_index;

      pending_index = NULL;
      if (*tag == '\0')
        continue;
      if (!apply_tag (st, field, tag, bind, &pending_index, skip, error))
        return FALSE;
    }

  if (pending_index != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: “index:%s” must be followed by “pk” or “sk”, as in “index:%s,pk”"),
                   field->pspec->name, g_type_name (st->schema->type), pending_index->name, pending_index->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_key_field (DynamormField *field, const char *what, GType type, GError **error)
{
  if (field->flags & FIELD_FLAG_ENCRYPTED)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s is encrypted and cannot be %s: DynamoDB must see key "
                     "values. Remove the “encrypted” tag, or key the item on another property"),
                   field->pspec->name, g_type_name (type), what);
      return FALSE;
    }
  if (field->key_type == 0 || (field->flags & (FIELD_FLAG_JSON | FIELD_FLAG_SET)))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s cannot be %s: its type %s cannot be a DynamoDB key. "
                     "Keys are strings, numbers or binary"),
                   field->pspec->name, g_type_name (type), what,
                   g_type_name (G_PARAM_SPEC_VALUE_TYPE (field->pspec)));
      return FALSE;
    }
  return TRUE;
}

static DynamormSchema *
schema_new (GType type, Declaration *decl, gboolean require_key)
{
  DynamormSchema *schema = g_new0 (DynamormSchema, 1);

  schema->type = type;
  schema->nested = !require_key;
  schema->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) _dynamorm_field_free);
  schema->by_property = g_hash_table_new (g_str_hash, g_str_equal);
  schema->by_attribute = g_hash_table_new (g_str_hash, g_str_equal);
  schema->indexes = g_ptr_array_new_with_free_func ((GDestroyNotify) index_free);
  schema->table_name = decl && decl->table_name ? g_strdup (decl->table_name) : default_table_name (type);
  return schema;
}

/* Every readable, writable property declared by a model type is an
 * attribute unless tagged "-": a field for each, by property name. */
static GHashTable *
collect_fields (GParamSpec **pspecs, guint n_pspecs)
{
  GHashTable *all_fields = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      DynamormField *field;

      if (!g_type_is_a (pspec->owner_type, DYNAMORM_TYPE_MODEL))
        continue;
      if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
        continue;

      field = g_new0 (DynamormField, 1);
      field->pspec = g_param_spec_ref (pspec);
      field->attribute = default_attribute_name (pspec->name);
      g_hash_table_insert (all_fields, (char *) pspec->name, field);
    }
  return all_fields;
}

static void
free_fields (GHashTable *all_fields)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, all_fields);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _dynamorm_field_free (value);
  g_hash_table_remove_all (all_fields);
}

/* The error for a tag entry that names no storable property. */
static void
set_untaggable_error (GObjectClass *klass, const char *property, const char *canonical,
                      const char *entry, GError **error)
{
  GType type = G_OBJECT_CLASS_TYPE (klass);

  if (g_object_class_find_property (klass, canonical) != NULL)
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                 _("Property “%s” of %s cannot be stored: it must be readable and writable, and not construct-only"),
                 property, g_type_name (type));
  else
    g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                 _("%s has no property “%s”, but its schema tags it (“%s”)"),
                 g_type_name (type), property, entry);
}

/* One "property=tags" entry of the declaration; a field tagged "-"
 * leaves all_fields. */
/* Whether the schema points at field (so that it cannot be dropped). */
static gboolean
field_in_use (const DynamormSchema *schema, const DynamormField *field)
{
  if (field == schema->partition_key || field == schema->sort_key || field == schema->version ||
      field == schema->ttl || field == schema->created_at || field == schema->updated_at)
    return TRUE;
  for (guint i = 0; i < schema->indexes->len; i++)
    {
      const DynamormIndex *index = g_ptr_array_index (schema->indexes, i);

      if (field == index->partition_key || field == index->sort_key)
        return TRUE;
    }
  return FALSE;
}

static gboolean
apply_declared_entry (CompileState *st, GObjectClass *klass, GHashTable *all_fields,
                      const char *entry, GError **error)
{
  DynamormSchema *schema = st->schema;
  const char *eq = strchr (entry, '=');
  g_autofree char *property = g_strstrip (g_strndup (entry, eq - entry));
  g_autofree char *canonical = g_strdelimit (g_strdup (property), "_", '-');
  DynamormField *field = g_hash_table_lookup (all_fields, canonical);
  gboolean skip = FALSE;

  if (_dynamorm_schema_is_single_table_entry (entry))
    return TRUE;   /* compiled once the fields are known */
  if (field == NULL)
    {
      set_untaggable_error (klass, property, canonical, entry, error);
      return FALSE;
    }
  if (!classify (field, schema->type, error) || !apply_tags (st, field, eq + 1, &skip, error))
    return FALSE;
  if (!skip)
    return TRUE;
  if (field_in_use (schema, field))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s is a key, an index key or a version, ttl or timestamp "
                     "attribute, and cannot also be tagged “-”"),
                   property, g_type_name (schema->type));
      return FALSE;
    }
  g_hash_table_remove (all_fields, canonical);
  _dynamorm_field_free (field);
  return TRUE;
}

/* Checks what the tags of one field ask of its type, once all are applied. */
static gboolean
check_field (DynamormSchema *schema, DynamormField *field, GError **error)
{
  GType type = schema->type;

  if (field->kind == FIELD_MODEL_LIST && field->element_type == 0)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s is a list of models: tag it with its element type, as in “of:MyItem”"),
                   field->pspec->name, g_type_name (type));
      return FALSE;
    }
  if (field->kind == FIELD_DATETIME && (field->flags & FIELD_FLAG_EPOCH))
    field->key_type = 'N';
  if ((field->flags & FIELD_FLAG_ENCRYPTED) &&
      (field->flags & (FIELD_FLAG_VERSION | FIELD_FLAG_TTL | FIELD_FLAG_CREATED_AT | FIELD_FLAG_UPDATED_AT)))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s cannot be both encrypted and a version, ttl, created_at "
                     "or updated_at property: DynamoDB must read those. Remove one of the tags"),
                   field->pspec->name, g_type_name (type));
      return FALSE;
    }
  if (field->flags & FIELD_FLAG_ENCRYPTED)
    schema->n_encrypted++;
  if ((field->flags & FIELD_FLAG_SET) && field->kind != FIELD_STRV)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: the “set” tag is for string lists (GStrv)"),
                   field->pspec->name, g_type_name (type));
      return FALSE;
    }
  if ((field->flags & FIELD_FLAG_JSON) &&
      field->kind != FIELD_VARIANT && field->kind != FIELD_JSON_NODE && field->kind != FIELD_STRV)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s: the “json” tag is for GVariant, JsonNode and string-list properties"),
                   field->pspec->name, g_type_name (type));
      return FALSE;
    }
  return TRUE;
}

/* Moves a field from all_fields into the schema, in property order. */
static gboolean
add_field (DynamormSchema *schema, GHashTable *all_fields, const char *name, GError **error)
{
  DynamormField *field = g_hash_table_lookup (all_fields, name);
  DynamormField *other;

  if (field == NULL)
    return TRUE;
  g_hash_table_remove (all_fields, name);
  if (!classify (field, schema->type, error))
    {
      _dynamorm_field_free (field);
      return FALSE;
    }
  field->index = schema->fields->len;
  field_prepare_vfuncs (field);
  g_ptr_array_add (schema->fields, field);
  g_hash_table_insert (schema->by_property, (char *) field->pspec->name, field);
  if ((other = g_hash_table_lookup (schema->by_attribute, field->attribute)) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Properties “%s” and “%s” of %s both store to the attribute “%s”: rename one with “attr:NAME”"),
                   other->pspec->name, field->pspec->name, g_type_name (schema->type), field->attribute);
      return FALSE;
    }
  g_hash_table_insert (schema->by_attribute, field->attribute, field);
  return check_field (schema, field, error);
}

static gboolean
check_table_keys (DynamormSchema *schema, gboolean require_key, GError **error)
{
  GType type = schema->type;

  if (require_key && schema->partition_key == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s has no partition key: give one property the tag “pk” (for example "
                     "\"id=pk\" in the model’s tags, or key=\"pk\" on a Python attribute)"),
                   g_type_name (type));
      return FALSE;
    }
  if (schema->partition_key && !check_key_field (schema->partition_key, _("the partition key"), type, error))
    return FALSE;
  if (schema->sort_key && !check_key_field (schema->sort_key, _("the sort key"), type, error))
    return FALSE;
  if (schema->partition_key && schema->partition_key == schema->sort_key)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Property “%s” of %s cannot be both the partition key and the sort key"),
                   schema->partition_key->pspec->name, g_type_name (type));
      return FALSE;
    }
  return TRUE;
}

/* A local index takes the table's partition key; every index needs its keys. */
static gboolean
check_index (DynamormSchema *schema, DynamormIndex *index, GError **error)
{
  GType type = schema->type;

  if (index->local)
    {
      index->partition_key = schema->partition_key;
      if (schema->sort_key == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("%s declares the local secondary index “%s”, but local indexes need a table with a sort key"),
                       g_type_name (type), index->name);
          return FALSE;
        }
    }
  if (index->partition_key == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Index “%s” of %s has no partition key: tag a property “index:%s,pk”"),
                   index->name, g_type_name (type), index->name);
      return FALSE;
    }
  if (index->local && index->sort_key == NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Local index “%s” of %s has no sort key"), index->name, g_type_name (type));
      return FALSE;
    }
  return check_key_field (index->partition_key, _("an index partition key"), type, error) &&
         (index->sort_key == NULL || check_key_field (index->sort_key, _("an index sort key"), type, error)) &&
         check_multi_key_parts (index, type, error);
}

/* The schema of a model type: its fields with their tags applied, in
 * property order, then the table's keys and indexes checked. */
static DynamormSchema *
compile (GType type, Declaration *decl, gboolean require_key, GError **error)
{
  g_autoptr(GTypeClass) klass_ref = g_type_class_ref (type);
  GObjectClass *klass = (GObjectClass *) klass_ref;
  g_autofree GParamSpec **pspecs = NULL;
  g_autoptr(GHashTable) all_fields = NULL;
  g_autoptr(GHashTable) index_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  CompileState st = { schema_new (type, decl, require_key), index_by_name };
  guint n_pspecs;

  pspecs = g_object_class_list_properties (klass, &n_pspecs);
  all_fields = collect_fields (pspecs, n_pspecs);
  for (guint i = 0; decl != NULL && i < decl->tags->len; i++)
    if (!apply_declared_entry (&st, klass, all_fields, g_ptr_array_index (decl->tags, i), error))
      goto fail;
  for (guint i = 0; i < n_pspecs; i++)
    if (!add_field (st.schema, all_fields, pspecs[i]->name, error))
      goto fail;
  if (!_dynamorm_schema_compile_single_table (st.schema, decl ? decl->tags : NULL, klass, error))
    goto fail;
  if (!check_table_keys (st.schema, require_key, error))
    goto fail;
  for (guint i = 0; i < st.schema->indexes->len; i++)
    if (!check_index (st.schema, g_ptr_array_index (st.schema->indexes, i), error))
      goto fail;
  return st.schema;

fail:
  free_fields (all_fields);
  schema_free (st.schema);
  return NULL;
}

/* The nearest declaration on the type or its model ancestors. */
static Declaration *
find_declaration (GType type)
{
  for (GType t = type; t != 0 && t != DYNAMORM_TYPE_MODEL; t = g_type_parent (t))
    {
      Declaration *decl = get_declaration (t, FALSE);

      if (decl != NULL)
        return decl;
    }
  return NULL;
}

const DynamormSchema *
_dynamorm_schema_get (GType      type,
                      gboolean   require_key,
                      GError   **error)
{
  LastSchema *last = &last_schema[require_key != FALSE];
  /* Read before the lookup: an invalidation after it makes the entry old. */
  gint generation = g_atomic_int_get (&schema_generation);
  GHashTable *cache;
  DynamormSchema *schema;

  if (last->type == type && last->generation == generation && type != 0)
    return last->schema;
  if (!g_type_is_a (type, DYNAMORM_TYPE_MODEL) || type == DYNAMORM_TYPE_MODEL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s is not a subclass of DynamormModel"), g_type_name (type));
      return NULL;
    }

  schema = g_type_get_qdata (type, schema_quark (require_key));
  if (schema != NULL)
    {
      last->type = type;
      last->generation = generation;
      last->schema = schema;
      return schema;
    }

  /* Class init may declare tags, and it takes schema_lock: run it first. */
  g_type_class_unref (g_type_class_ref (type));

  g_mutex_lock (&schema_lock);
  get_declaration (type, FALSE);  /* ensures the tables */
  cache = require_key ? schemas : nested_schemas;
  schema = g_hash_table_lookup (cache, GSIZE_TO_POINTER (type));
  if (schema == NULL)
    {
      schema = compile (type, find_declaration (type), require_key, error);
      if (schema != NULL && require_key && !_dynamorm_schema_register_shared (schema, error))
        g_clear_pointer (&schema, schema_free);
      if (schema != NULL)
        g_hash_table_insert (cache, GSIZE_TO_POINTER (type), schema);
    }
  if (schema != NULL)
    g_type_set_qdata (type, schema_quark (require_key), schema);
  g_mutex_unlock (&schema_lock);

  return schema;
}

DynamormField *
_dynamorm_schema_lookup (const DynamormSchema *schema,
                         const char           *property)
{
  DynamormField *field = g_hash_table_lookup (schema->by_property, property);

  if (field == NULL && (strchr (property, '_') != NULL))
    {
      g_autofree char *canonical = g_strdelimit (g_strdup (property), "_", '-');
      field = g_hash_table_lookup (schema->by_property, canonical);
    }
  return field;
}

/**
 * dynamorm_model_type_check:
 * @model_type: a #DynamormModel subtype
 * @error: return location for a #GError
 *
 * Checks a model's schema without sending any request: it has a partition
 * key, every tag names a property, every key has a type DynamoDB keys can
 * hold, and so on. Every operation does the same check first.
 *
 * Returns: %TRUE if the schema is valid
 */
gboolean
dynamorm_model_type_check (GType    model_type,
                           GError **error)
{
  return _dynamorm_schema_get (model_type, TRUE, error) != NULL;
}

/**
 * dynamorm_model_type_get_table_name:
 * @model_type: a #DynamormModel subtype
 *
 * Gets the table name of a model, without any session prefix. Unless set
 * with [method@Dynamorm.ModelClass.set_table_name] or
 * [func@Dynamorm.Model.type_declare], it is the type name in snake case,
 * plural: `DemoUser` is stored in `demo_users`, `Payment` in `payments`.
 *
 * Returns: (transfer full) (nullable): the table name, or %NULL if the
 *   schema is invalid
 */
char *
dynamorm_model_type_get_table_name (GType model_type)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, FALSE, NULL);

  return schema ? g_strdup (schema->table_name) : NULL;
}

/**
 * dynamorm_model_type_get_attribute_name:
 * @model_type: a #DynamormModel subtype
 * @property_name: a property name
 *
 * Gets the attribute name a property is stored under: the property name
 * with `-` turned into `_` (`customer-id` is stored as `customer_id`),
 * unless the property is tagged `attr:NAME`.
 *
 * Returns: (transfer full) (nullable): the attribute name, or %NULL if the
 *   property is not stored
 */
char *
dynamorm_model_type_get_attribute_name (GType       model_type,
                                        const char *property_name)
{
  const DynamormSchema *schema = _dynamorm_schema_get (model_type, FALSE, NULL);
  DynamormField *field;

  if (schema == NULL)
    return NULL;
  field = _dynamorm_schema_lookup (schema, property_name);
  return field ? g_strdup (field->attribute) : NULL;
}
