/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-schema-single-table.c: the single-table part of a model's
 * schema. Composed key attributes ("pk=pk,template:CUSTOMER#{customer-id}"),
 * the entity name and its attribute ("@entity=order",
 * "@entity-attribute=NAME" or "-"), and collections
 * ("@collection=NAME" or "@collection=NAME,index:INDEX"). */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "dynamorm-single-table-private.h"

static const char template_tag[] = "template:";

static void
collection_decl_free (DynamormCollectionDecl *decl)
{
  g_free (decl->name);
  g_free (decl->index_name);
  g_free (decl);
}

void
_dynamorm_field_free (DynamormField *field)
{
  g_param_spec_unref (field->pspec);
  g_free (field->attribute);
  g_clear_pointer (&field->key_template, _dynamorm_key_template_free);
  g_free (field);
}

void
_dynamorm_schema_clear_single_table (DynamormSchema *schema)
{
  g_clear_pointer (&schema->composed, g_ptr_array_unref);
  g_clear_pointer (&schema->collections, g_ptr_array_unref);
  g_clear_pointer (&schema->sparse, g_ptr_array_unref);
  g_clear_pointer (&schema->entity_name, g_free);
  g_clear_pointer (&schema->entity_attribute, g_free);
}

gboolean
_dynamorm_schema_is_single_table_entry (const char *entry)
{
  const char *eq = strchr (entry, '=');

  while (g_ascii_isspace (*entry))
    entry++;
  return *entry == '@' || (eq != NULL && strstr (eq, template_tag) != NULL);
}

gboolean
_dynamorm_schema_is_single_table (const DynamormSchema *schema)
{
  return schema->entity_attribute != NULL || (schema->composed && schema->composed->len > 0);
}

/* The element of array (which may be NULL) whose string member at
 * name_offset is name, or NULL. */
static gpointer
find_named (GPtrArray *array, gsize name_offset, const char *name)
{
  for (guint i = 0; array != NULL && i < array->len; i++)
    {
      gpointer element = g_ptr_array_index (array, i);

      if (g_str_equal (G_STRUCT_MEMBER (const char *, element, name_offset), name))
        return element;
    }
  return NULL;
}

const DynamormField *
_dynamorm_schema_lookup_composed (const DynamormSchema *schema,
                                  const char           *attribute)
{
  return find_named (schema->composed, G_STRUCT_OFFSET (DynamormField, attribute), attribute);
}

const DynamormCollectionDecl *
_dynamorm_schema_find_collection (const DynamormSchema *schema,
                                  const char           *name)
{
  return find_named (schema->collections, G_STRUCT_OFFSET (DynamormCollectionDecl, name), name);
}

DynamormIndex *
_dynamorm_schema_find_index (const DynamormSchema *schema,
                             const char           *name)
{
  return find_named (schema->indexes, G_STRUCT_OFFSET (DynamormIndex, name), name);
}

const DynamormField *
_dynamorm_collection_partition_key (const DynamormSchema         *schema,
                                    const DynamormCollectionDecl *decl)
{
  DynamormIndex *index;

  if (decl->index_name == NULL)
    return schema->partition_key;
  index = _dynamorm_schema_find_index (schema, decl->index_name);
  if (index == NULL)
    return NULL;
  return index->local ? schema->partition_key : index->partition_key;
}

/* ---- Composed attributes ---- */

/* A GParamSpec name for messages and GValues: "gsi1.pk" -> "gsi1-pk". */
static char *
pspec_name_for (const char *attribute)
{
  GString *s = g_string_new (NULL);

  if (!g_ascii_isalpha (*attribute))
    g_string_append (s, "key-");
  for (const char *p = attribute; *p; p++)
    g_string_append_c (s, g_ascii_isalnum (*p) || *p == '-' || *p == '_' ? *p : '-');
  return g_string_free (s, FALSE);
}

static DynamormField *
composed_field_new (const char *attribute, DynamormKeyTemplate *tmpl)
{
  DynamormField *field = g_new0 (DynamormField, 1);
  g_autofree char *name = pspec_name_for (attribute);

  field->pspec = g_param_spec_ref_sink (g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READWRITE));
  field->index = G_MAXUINT;
  field->attribute = g_strdup (attribute);
  field->kind = FIELD_STRING;
  field->key_type = 'S';
  field->classified = TRUE;
  field->key_template = tmpl;
  return field;
}

static gboolean
set_slot (DynamormField **slot, DynamormField *field, const char *role, GType type, GError **error)
{
  if (*slot != NULL && *slot != field)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s has two %s, “%s” and “%s”: declare only one of them"),
                   g_type_name (type), role, (*slot)->attribute, field->attribute);
      return FALSE;
    }
  *slot = field;
  return TRUE;
}

static DynamormIndex *
get_index (DynamormSchema *schema, const char *name, gboolean local, GError **error)
{
  DynamormIndex *index = _dynamorm_schema_find_index (schema, name);

  if (index == NULL)
    {
      index = g_new0 (DynamormIndex, 1);
      index->name = g_strdup (name);
      index->local = local;
      g_ptr_array_add (schema->indexes, index);
    }
  else if (index->local != local)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s declares “%s” both as a global (index:) and a local (lsi:) index"),
                   g_type_name (schema->type), name);
      return NULL;
    }
  return index;
}

/* One role tag of a composed attribute: pk, sk, index:NAME[:pk|:sk], lsi:NAME. */
static gboolean
apply_role (DynamormSchema *schema, DynamormField *field, const char *tag,
            DynamormIndex **pending, GError **error)
{
  GType type = schema->type;
  DynamormIndex *bind = *pending;

  *pending = NULL;
  if (g_str_equal (tag, "pk") || g_str_equal (tag, "sk"))
    {
      gboolean is_pk = tag[0] == 'p';

      if (bind != NULL)
        return set_slot (is_pk ? &bind->partition_key : &bind->sort_key, field,
                         is_pk ? _("partition keys for an index") : _("sort keys for an index"), type, error);
      return set_slot (is_pk ? &schema->partition_key : &schema->sort_key, field,
                       is_pk ? _("partition keys (pk)") : _("sort keys (sk)"), type, error);
    }
  if (g_str_has_prefix (tag, "index:") || g_str_has_prefix (tag, "lsi:"))
    {
      gboolean local = tag[0] == 'l';
      const char *name = strchr (tag, ':') + 1;
      const char *role = strchr (name, ':');
      g_autofree char *index_name = role ? g_strndup (name, role - name) : g_strdup (name);
      DynamormIndex *index;

      if (*index_name == '\0' || (index = get_index (schema, index_name, local, error)) == NULL)
        {
          if (*index_name == '\0')
            g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                         _("Composed attribute “%s” of %s: tag “%s” needs an index name"),
                         field->attribute, g_type_name (type), tag);
          return FALSE;
        }
      if (local)
        return set_slot (&index->sort_key, field, _("sort keys for an index"), type, error);
      if (role == NULL)
        {
          *pending = index;
          return TRUE;
        }
      if (g_str_equal (role, ":pk") || g_str_equal (role, ":sk"))
        return set_slot (role[1] == 'p' ? &index->partition_key : &index->sort_key, field,
                         role[1] == 'p' ? _("partition keys for an index") : _("sort keys for an index"),
                         type, error);
    }
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
               _("Composed attribute “%s” of %s has the tag “%s”, which does not fit a key template. "
                 "A template is a key: tag it pk, sk, index:NAME,pk, index:NAME,sk or lsi:NAME, "
                 "followed by template:TEXT"),
               field->attribute, g_type_name (type), tag);
  return FALSE;
}

static gboolean
apply_roles (DynamormSchema *schema, DynamormField *field, const char *roles, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (roles, ",", -1);
  DynamormIndex *pending = NULL;
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *tag = g_strstrip (parts[i]);

      if (*tag == '\0')
        continue;
      n++;
      if (!apply_role (schema, field, tag, &pending, error))
        return FALSE;
    }
  if (pending != NULL || n == 0)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("Composed attribute “%s” of %s needs to say which key it is: write pk, sk, "
                     "index:NAME,pk, index:NAME,sk or lsi:NAME before template:, as in "
                     "“%s=index:by-status,pk,template:STATUS#{status}”"),
                   field->attribute, g_type_name (schema->type), field->attribute);
      return FALSE;
    }
  return TRUE;
}

static gboolean
attribute_taken (DynamormSchema *schema, const char *attribute, GError **error)
{
  DynamormField *other = g_hash_table_lookup (schema->by_attribute, attribute);

  if (other == NULL && _dynamorm_schema_lookup_composed (schema, attribute) == NULL &&
      g_strcmp0 (schema->entity_attribute, attribute) != 0)
    return FALSE;
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
               _("%s stores two things in the attribute “%s”%s%s: rename one of them"),
               g_type_name (schema->type), attribute, other ? _(", property ") : "",
               other ? other->pspec->name : "");
  return TRUE;
}

static gboolean
add_composed (DynamormSchema *schema, GObjectClass *klass, const char *attribute,
              const char *tags, GError **error)
{
  const char *at = strstr (tags, template_tag);
  g_autofree char *roles = g_strndup (tags, at - tags);
  g_autofree char *canonical = g_strdelimit (g_strdup (attribute), "_", '-');
  DynamormKeyTemplate *tmpl;
  DynamormField *field;

  if (g_object_class_find_property (klass, canonical) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("“%s” is a property of %s, but a key template composes an attribute of its own: "
                     "name the composed attribute differently (such as “pk”), or drop the template"),
                   attribute, g_type_name (schema->type));
      return FALSE;
    }
  if (*attribute == '\0' || attribute_taken (schema, attribute, error))
    {
      if (*attribute == '\0')
        g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                     _("A key template of %s has no attribute name: write “pk=pk,template:…”"),
                     g_type_name (schema->type));
      return FALSE;
    }
  if ((tmpl = _dynamorm_key_template_parse (at + strlen (template_tag), error)) == NULL)
    return FALSE;
  field = composed_field_new (attribute, tmpl);
  g_ptr_array_add (schema->composed, field);
  return _dynamorm_key_template_bind (tmpl, schema->by_property, schema->type, attribute, error) &&
         apply_roles (schema, field, roles, error);
}

/* ---- Model options ---- */

static gboolean
valid_name (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return FALSE;
  return TRUE;
}

static gboolean
add_collection (DynamormSchema *schema, const char *value, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", 2);
  DynamormCollectionDecl *decl;
  char *name = g_strstrip (parts[0]);
  char *index = parts[1] ? g_strstrip (parts[1]) : NULL;

  if (!valid_name (name) || (index != NULL && (!g_str_has_prefix (index, "index:") || index[6] == '\0')))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s: “@collection=%s” is not a collection declaration: write “@collection=NAME” "
                     "for a collection on the table's partition key, or “@collection=NAME,index:INDEX” "
                     "for one on an index"),
                   g_type_name (schema->type), value);
      return FALSE;
    }
  if (_dynamorm_schema_find_collection (schema, name) != NULL)
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s declares the collection “%s” twice: keep one declaration"),
                   g_type_name (schema->type), name);
      return FALSE;
    }
  decl = g_new0 (DynamormCollectionDecl, 1);
  decl->name = g_strdup (name);
  decl->index_name = index ? g_strdup (index + 6) : NULL;
  g_ptr_array_add (schema->collections, decl);
  return TRUE;
}

typedef struct {
  gboolean entity_declared;
  gboolean attribute_off;
  char *attribute;
  GPtrArray *sparse;    /* of char*: @index-condition values */
} Options;

static gboolean
apply_option (DynamormSchema *schema, Options *opts, const char *option, const char *value,
              GError **error)
{
  if (g_str_equal (option, "@entity") && valid_name (value))
    {
      g_free (schema->entity_name);
      schema->entity_name = g_strdup (value);
      opts->entity_declared = TRUE;
      return TRUE;
    }
  if (g_str_equal (option, "@entity-attribute") && valid_name (value))
    {
      opts->attribute_off = g_str_equal (value, "-");
      g_free (opts->attribute);
      opts->attribute = opts->attribute_off ? NULL : g_strdup (value);
      return TRUE;
    }
  if (g_str_equal (option, "@collection"))
    {
      opts->entity_declared = TRUE;
      return add_collection (schema, value, error);
    }
  if (g_str_equal (option, "@index-condition"))
    {
      /* Checked once the composed keys are known. */
      g_ptr_array_add (opts->sparse, g_strdup (value));
      return TRUE;
    }
  g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
               _("%s: “%s=%s” is not a model option. Model options are @entity=NAME, "
                 "@entity-attribute=NAME (or - for none), @collection=NAME[,index:INDEX] and "
                 "@index-condition=INDEX:TERMS"),
               g_type_name (schema->type), option, value);
  return FALSE;
}

static gboolean
check_collections (DynamormSchema *schema, GError **error)
{
  for (guint i = 0; i < schema->collections->len; i++)
    {
      DynamormCollectionDecl *decl = g_ptr_array_index (schema->collections, i);

      if (decl->index_name != NULL && _dynamorm_schema_find_index (schema, decl->index_name) == NULL)
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("%s puts the collection “%s” on index “%s”, which it does not declare: "
                         "declare the index, or name one of its indexes"),
                       g_type_name (schema->type), decl->name, decl->index_name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean add_sparse_condition (DynamormSchema *schema, const char *value, GError **error);

gboolean
_dynamorm_schema_compile_single_table (DynamormSchema  *schema,
                                       GPtrArray       *entries,
                                       GObjectClass    *klass,
                                       GError         **error)
{
  Options opts = { FALSE, FALSE, NULL, g_ptr_array_new_with_free_func (g_free) };
  gboolean ok = TRUE;

  schema->composed = g_ptr_array_new_with_free_func ((GDestroyNotify) _dynamorm_field_free);
  schema->sparse = g_ptr_array_new_with_free_func ((GDestroyNotify) _dynamorm_sparse_condition_free);
  schema->collections = g_ptr_array_new_with_free_func ((GDestroyNotify) collection_decl_free);
  schema->entity_name = g_strdup (g_type_name (schema->type));

  for (guint i = 0; ok && entries != NULL && i < entries->len; i++)
    {
      const char *entry = g_ptr_array_index (entries, i);
      const char *eq = strchr (entry, '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (eq == NULL || !_dynamorm_schema_is_single_table_entry (entry))
        continue;
      name = g_strstrip (g_strndup (entry, eq - entry));
      value = g_strstrip (g_strdup (eq + 1));
      if (name[0] == '@')
        ok = apply_option (schema, &opts, name, value, error);
      else
        ok = add_composed (schema, klass, name, value, error);
    }

  if (ok && (schema->composed->len > 0 || opts.entity_declared || opts.attribute != NULL) &&
      !opts.attribute_off)
    {
      const char *attribute = opts.attribute ? opts.attribute : DYNAMORM_DEFAULT_ENTITY_ATTRIBUTE;

      ok = !attribute_taken (schema, attribute, error);
      if (ok)
        schema->entity_attribute = g_strdup (attribute);
    }
  if (ok)
    ok = check_collections (schema, error);
  for (guint i = 0; ok && i < opts.sparse->len; i++)
    ok = add_sparse_condition (schema, opts.sparse->pdata[i], error);
  g_free (opts.attribute);
  g_ptr_array_unref (opts.sparse);
  return ok;
}

/* ---- Models sharing a table ---- */

static GHashTable *shared;   /* GType -> const DynamormSchema*, under the schema lock */

/* Whether two keys (partition key, optional sort key; plain properties
 * or templates) could be the same for items of two models. */
static gboolean
keys_may_overlap (const DynamormField *apk, const DynamormField *ask,
                  const DynamormField *bpk, const DynamormField *bsk)
{
  if (!_dynamorm_key_template_may_overlap (apk->key_template, bpk->key_template))
    return FALSE;
  if (ask == NULL || bsk == NULL)
    return TRUE;
  return _dynamorm_key_template_may_overlap (ask->key_template, bsk->key_template);
}

static const char *
key_text (const DynamormField *field)
{
  if (field == NULL)
    return "";
  return field->key_template != NULL ? field->key_template->text : field->pspec->name;
}

static const DynamormIndex *
find_global_index (const DynamormSchema *schema, const char *name)
{
  for (guint i = 0; i < schema->indexes->len; i++)
    {
      const DynamormIndex *index = g_ptr_array_index (schema->indexes, i);
      if (!index->local && g_str_equal (index->name, name))
        return index;
    }
  return NULL;
}

/* A global index both models write, with composed keys that could be the
 * same: without an entity attribute on both, reads of the index could not
 * tell their items apart. */
static gboolean
check_index_pair (const DynamormSchema *schema, const DynamormSchema *other, GError **error)
{
  if (schema->entity_attribute != NULL && other->entity_attribute != NULL)
    return TRUE;
  for (guint i = 0; i < schema->indexes->len; i++)
    {
      const DynamormIndex *a = g_ptr_array_index (schema->indexes, i);
      const DynamormIndex *b = a->local ? NULL : find_global_index (other, a->name);

      if (b == NULL || (a->partition_key->key_template == NULL && b->partition_key->key_template == NULL))
        continue;
      if (keys_may_overlap (a->partition_key, a->sort_key, b->partition_key, b->sort_key))
        {
          g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                       _("%s (%s%s%s) and %s (%s%s%s) share the index “%s” of the table “%s”, their index "
                         "keys could be the same, and without an entity attribute on both a read of the "
                         "index could not tell their items apart: start their “%s” key templates with "
                         "distinct literals, or keep the entity attribute (drop @entity-attribute=-)"),
                       g_type_name (other->type), key_text (b->partition_key), b->sort_key ? ", " : "",
                       key_text (b->sort_key), g_type_name (schema->type), key_text (a->partition_key),
                       a->sort_key ? ", " : "", key_text (a->sort_key), a->name, schema->table_name, a->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_pair (const DynamormSchema *schema, const DynamormSchema *other, GError **error)
{
  if (schema->entity_attribute != NULL && other->entity_attribute != NULL &&
      g_str_equal (schema->entity_name, other->entity_name))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s and %s share the table “%s” and the entity name “%s”, so their items could "
                     "not be told apart: give one of them another name with @entity=NAME"),
                   g_type_name (other->type), g_type_name (schema->type), schema->table_name,
                   schema->entity_name);
      return FALSE;
    }
  if (schema->partition_key->key_template == NULL || other->partition_key->key_template == NULL)
    return check_index_pair (schema, other, error);
  if (keys_may_overlap (schema->partition_key, schema->sort_key, other->partition_key, other->sort_key))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s (%s%s%s) and %s (%s%s%s) share the table “%s”, and their key templates could "
                     "compose the same key for different items: start their sort key templates (or "
                     "partition key templates) with distinct literals, such as “ORDER#” and “PAYMENT#”"),
                   g_type_name (other->type), other->partition_key->key_template->text,
                   other->sort_key ? ", " : "",
                   other->sort_key && other->sort_key->key_template ? other->sort_key->key_template->text : "",
                   g_type_name (schema->type), schema->partition_key->key_template->text,
                   schema->sort_key ? ", " : "",
                   schema->sort_key && schema->sort_key->key_template ? schema->sort_key->key_template->text : "",
                   schema->table_name);
      return FALSE;
    }
  return check_index_pair (schema, other, error);
}

gboolean
_dynamorm_schema_register_shared (const DynamormSchema  *schema,
                                  GError               **error)
{
  GHashTableIter iter;
  gpointer value;

  if (schema->nested || schema->partition_key == NULL || !_dynamorm_schema_is_single_table (schema))
    return TRUE;
  if (shared == NULL)
    shared = g_hash_table_new (NULL, NULL);

  g_hash_table_iter_init (&iter, shared);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const DynamormSchema *other = value;

      if (other->type == schema->type || !g_str_equal (other->table_name, schema->table_name))
        continue;
      if (g_type_is_a (schema->type, other->type) || g_type_is_a (other->type, schema->type))
        continue;   /* a subclass stores the same items as its parent */
      if (!check_pair (schema, other, error))
        return FALSE;
    }
  g_hash_table_insert (shared, GSIZE_TO_POINTER (schema->type), (gpointer) schema);
  return TRUE;
}

/* ---- Sparse index conditions: "@index-condition=INDEX:TERM&TERM..." ----
 * TERM: "prop" (set: not empty, zero or false), "!prop" (not set),
 * "prop=v1|v2" (one of), "prop!=v1|v2" (none of); values are the stored
 * text (a string, an enum's nick, a number, true or false). */

static void
sparse_term_free (DynamormSparseTerm *term)
{
  g_strfreev (term->values);
  g_free (term);
}

void
_dynamorm_sparse_condition_free (DynamormSparseCondition *cond)
{
  g_free (cond->index_name);
  g_free (cond->text);
  g_ptr_array_unref (cond->terms);
  g_free (cond);
}

static DynamormSparseTerm *
parse_sparse_term (DynamormSchema *schema, const char *text, const char *whole, GError **error)
{
  DynamormSparseTerm *term = g_new0 (DynamormSparseTerm, 1);
  const char *op = strpbrk (text, "!=");
  g_autofree char *property = NULL;

  if (text[0] == '!')
    {
      term->kind = SPARSE_UNSET;
      property = g_strdup (text + 1);
    }
  else if (op == NULL)
    {
      term->kind = SPARSE_SET;
      property = g_strdup (text);
    }
  else
    {
      gboolean negate = op[0] == '!';

      if (negate && op[1] != '=')
        op = NULL;
      if (op != NULL)
        {
          term->kind = negate ? SPARSE_NONE_OF : SPARSE_ONE_OF;
          property = g_strstrip (g_strndup (text, op - text));
          term->values = g_strsplit (op + (negate ? 2 : 1), "|", -1);
        }
    }
  if (property != NULL)
    {
      /* In place: property is the canonical name afterwards. */
      g_strdelimit (g_strstrip (property), "_", '-');
      term->field = g_hash_table_lookup (schema->by_property, property);
    }
  if (term->field == NULL || !_dynamorm_field_is_scalar (term->field))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s: the index condition “%s” has the term “%s”, which does not name a stored "
                     "scalar property. Write terms such as status=open|paid, status!=closed, "
                     "shipped or !shipped, joined by &"),
                   g_type_name (schema->type), whole, text);
      sparse_term_free (term);
      return NULL;
    }
  return term;
}

static gboolean
add_sparse_condition (DynamormSchema *schema, const char *value, GError **error)
{
  const char *colon = strchr (value, ':');
  g_autofree char *index_name = colon ? g_strstrip (g_strndup (value, colon - value)) : NULL;
  g_auto(GStrv) terms = NULL;
  DynamormIndex *index = index_name ? _dynamorm_schema_find_index (schema, index_name) : NULL;
  DynamormSparseCondition *cond;

  if (index == NULL || index->local || index->partition_key == NULL ||
      index->partition_key->key_template == NULL ||
      (index->sort_key != NULL && index->sort_key->key_template == NULL))
    {
      g_set_error (error, DYNAMORM_ERROR, DYNAMORM_ERROR_INVALID_MODEL,
                   _("%s: “@index-condition=%s” must name a global secondary index of the model whose keys "
                     "are key templates (Dynamorm removes them when the condition does not hold, which "
                     "would lose a property's own value), as in “@index-condition=gsi1:status=open”"),
                   g_type_name (schema->type), value);
      return FALSE;
    }
  cond = g_new0 (DynamormSparseCondition, 1);
  cond->index_name = g_strdup (index_name);
  cond->text = g_strdup (value);
  cond->keys[0] = index->partition_key;
  cond->keys[1] = index->sort_key;
  cond->terms = g_ptr_array_new_with_free_func ((GDestroyNotify) sparse_term_free);
  g_ptr_array_add (schema->sparse, cond);
  terms = g_strsplit (colon + 1, "&", -1);
  for (guint i = 0; terms[i] != NULL; i++)
    {
      DynamormSparseTerm *term = parse_sparse_term (schema, g_strstrip (terms[i]), value, error);

      if (term == NULL)
        return FALSE;
      g_ptr_array_add (cond->terms, term);
    }
  return TRUE;
}

const DynamormSparseCondition *
_dynamorm_schema_sparse_condition_for (const DynamormSchema *schema, const DynamormField *key)
{
  for (guint i = 0; schema->sparse != NULL && i < schema->sparse->len; i++)
    {
      const DynamormSparseCondition *cond = g_ptr_array_index (schema->sparse, i);

      if (cond->keys[0] == key || cond->keys[1] == key)
        return cond;
    }
  return NULL;
}

gboolean
_dynamorm_sparse_condition_uses (const DynamormSparseCondition *cond, const DynamormField *field)
{
  for (guint i = 0; i < cond->terms->len; i++)
    if (((DynamormSparseTerm *) g_ptr_array_index (cond->terms, i))->field == field)
      return TRUE;
  return FALSE;
}

static gboolean
term_holds (const DynamormSparseTerm *term, const GValue *value)
{
  DynamormField plain = *term->field;
  DynamormScalar scalar;
  g_autofree char *text = NULL;
  gboolean set;

  plain.flags &= ~FIELD_FLAG_OMITEMPTY;
  set = !_dynamorm_field_is_empty (term->field, value);
  if (term->kind == SPARSE_SET || term->kind == SPARSE_UNSET)
    return set == (term->kind == SPARSE_SET);
  if (!set || !_dynamorm_field_encode_scalar (&plain, value, &scalar, NULL))
    return term->kind == SPARSE_NONE_OF;
  if (scalar.type == DDB_TYPE_BOOL)
    text = g_strdup (scalar.boolean ? "true" : "false");
  else if (scalar.type != DDB_TYPE_INVALID)
    text = g_strndup (scalar.text, scalar.len);
  _dynamorm_scalar_clear (&scalar);
  if (text == NULL)
    return term->kind == SPARSE_NONE_OF;
  return g_strv_contains ((const char * const *) term->values, text) == (term->kind == SPARSE_ONE_OF);
}

gboolean
_dynamorm_sparse_condition_holds (const DynamormSparseCondition *cond, DynamormModel *model,
                                  GHashTable *given)
{
  for (guint i = 0; i < cond->terms->len; i++)
    {
      const DynamormSparseTerm *term = g_ptr_array_index (cond->terms, i);
      const GValue *value = given ? g_hash_table_lookup (given, term->field) : NULL;
      g_auto(GValue) from_model = G_VALUE_INIT;
      g_auto(GValue) converted = G_VALUE_INIT;
      GType want = G_PARAM_SPEC_VALUE_TYPE (term->field->pspec);

      if (value == NULL || value == DYNAMORM_UPDATE_FROM_MODEL || value == DYNAMORM_UPDATE_UNRENDERABLE)
        {
          _dynamorm_model_get_field (model, term->field, &from_model);
          value = &from_model;
        }
      else if (G_VALUE_TYPE (value) != want)
        {
          g_value_init (&converted, want);
          if (!g_value_transform (value, &converted))
            return FALSE;
          value = &converted;
        }
      if (!term_holds (term, value))
        return FALSE;
    }
  return TRUE;
}
