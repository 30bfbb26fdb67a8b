// SPDX-License-Identifier: LGPL-2.1-or-later
//
// JavaScript idioms for Dynamorm in GJS. Import it once instead of (or
// besides) gi://Dynamorm:
//
//     import Dynamorm from './dynamorm.js';   // or its installed path
//
// It returns the gi://Dynamorm namespace, completed in place (so every
// module of the program sees the same idioms); the C library stays the one
// engine, this only translates:
//
// * every `*_async` method returns a promise when called without a
//   callback, and trailing arguments that may be null (cancellables,
//   options, a sort key) may be left out;
// * `Dynamorm.defineModel({...})`: a model class from a property table,
//   with key and index roles, on top of GObject.registerClass;
// * conditions built as in ElectroDB: `Order.attr.total.gt(10)`,
//   `.and()`, `.or()`, `.not()`, or `query.where(({total, status}, {gt, eq,
//   and}) => and(gt(total, 10), eq(status, 'open')))`;
// * `session.query(Order)`, `for (const item of query)`, `for await (const
//   item of query)`, `for await (const page of query.pages(size))`;
// * `await session.transaction(async tx => {...})`: commits after the
//   function, writes nothing if it throws;
// * `session.getOrNull(Type, pk, sk)`.

import GIRepository from 'gi://GIRepository?version=2.0';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Dynamorm from 'gi://Dynamorm?version=1.0';

const NAMESPACE = 'Dynamorm';
const repo = GIRepository.Repository.get_default();

// ---------------------------------------------------------------------------
// Optional trailing arguments and promises

// The arguments JavaScript passes, in order: no out arguments, array
// lengths, user data or destroy notifiers.
function jsArguments(callable) {
    const n = GIRepository.callable_info_get_n_args(callable);
    const hidden = new Set();
    const args = [];
    for (let i = 0; i < n; i++) {
        const arg = GIRepository.callable_info_get_arg(callable, i);
        args.push(arg);
        if (GIRepository.arg_info_get_direction(arg) === GIRepository.Direction.OUT)
            hidden.add(i);
        const type = GIRepository.arg_info_get_type(arg);
        const length = GIRepository.type_info_get_array_length(type);
        if (length >= 0)
            hidden.add(length);
        const closure = GIRepository.arg_info_get_closure(arg);
        if (closure >= 0 && closure !== i)
            hidden.add(closure);
        const destroy = GIRepository.arg_info_get_destroy(arg);
        if (destroy >= 0 && destroy !== i)
            hidden.add(destroy);
    }
    return args.filter((_, i) => !hidden.has(i)).map(arg => ({
        name: arg.get_name(),
        optional: GIRepository.arg_info_may_be_null(arg) || arg.get_name() === 'cancellable',
    }));
}

// Fills the trailing arguments that may be null, up to `end`.
function padded(args, spec, end) {
    if (args.length >= end)
        return args;
    const out = [...args];
    for (let i = args.length; i < end; i++) {
        if (!spec[i].optional)
            return args;  // let GJS say which argument is missing
        out.push(null);
    }
    return out;
}

function withOptionalArguments(original, spec) {
    return function (...args) {
        return original.apply(this, padded(args, spec, spec.length));
    };
}

function awaitable(original, spec, finishName) {
    const callbackIndex = spec.findIndex(a => a.name === 'callback');
    return function (...args) {
        if (typeof args[callbackIndex] === 'function')
            return original.apply(this, padded(args, spec, callbackIndex));
        const inArgs = padded(args.slice(0, callbackIndex), spec, callbackIndex);
        return new Promise((resolve, reject) => {
            original.call(this, ...inArgs, (source, result) => {
                try {
                    resolve(source[finishName](result));
                } catch (e) {
                    reject(e);
                }
            });
        });
    };
}

function completeMethods(info, target, isStatic) {
    const isObject = info.get_type() === GIRepository.InfoType.OBJECT;
    const n = isObject ? GIRepository.object_info_get_n_methods(info)
        : GIRepository.struct_info_get_n_methods(info);
    for (let i = 0; i < n; i++) {
        const method = isObject ? GIRepository.object_info_get_method(info, i)
            : GIRepository.struct_info_get_method(info, i);
        const name = method.get_name();
        const flags = GIRepository.function_info_get_flags(method);
        const isMethod = (flags & GIRepository.FunctionInfoFlags.IS_METHOD) !== 0;
        if (isMethod === isStatic)
            continue;
        const owner = isStatic ? target : target.prototype;
        const original = owner[name];
        if (typeof original !== 'function' || original.__dynamormWrapped)
            continue;
        const spec = jsArguments(method);
        let wrapped;
        const finishName = name.endsWith('_async') ? `${name.slice(0, -6)}_finish` : null;
        if (finishName && typeof owner[finishName] === 'function' &&
            spec.some(a => a.name === 'callback'))
            wrapped = awaitable(original, spec, finishName);
        else if (spec.some(a => a.optional))
            wrapped = withOptionalArguments(original, spec);
        else
            continue;
        wrapped.__dynamormWrapped = true;
        owner[name] = wrapped;
    }
}

for (let i = 0; i < repo.get_n_infos(NAMESPACE); i++) {
    const info = repo.get_info(NAMESPACE, i);
    const type = info.get_type();
    if (type !== GIRepository.InfoType.OBJECT && type !== GIRepository.InfoType.STRUCT)
        continue;
    const target = Dynamorm[info.get_name()];
    if (typeof target !== 'function' || !target.prototype)
        continue;
    completeMethods(info, target, false);
    completeMethods(info, target, true);
}

// ---------------------------------------------------------------------------
// Errors
//
// A failure still throws the GLib.Error GJS makes (so e.matches() and
// `catch (e) { if (e instanceof GLib.Error) ... }` keep working); each
// code also gets a class that `instanceof` recognises it by:
// `e instanceof Dynamorm.ConditionFailedError`, and
// `e instanceof Dynamorm.DynamormError` for any code of the domain.
// `new Dynamorm.NotFoundError('...')` makes such a GLib.Error (for test
// doubles that throw one).

const ERROR_DOMAIN = Dynamorm.error_quark();

function isDynamormError(e) {
    return e instanceof GLib.Error && e.domain === ERROR_DOMAIN;
}

class DynamormError {
    constructor(message = '', code = Dynamorm.Error.FAILED) {
        return new GLib.Error(ERROR_DOMAIN, code, message);
    }

    static [Symbol.hasInstance](e) {
        return isDynamormError(e);
    }
}
DynamormError.code = Dynamorm.Error.FAILED;

// CONDITION_FAILED -> ConditionFailedError
function errorClassName(codeName) {
    return `${codeName.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase())}Error`;
}

function errorClass(codeName, code) {
    const name = errorClassName(codeName);
    // (An object literal names the class.)
    const cls = {
        [name]: class extends DynamormError {
            constructor(message = '') {
                return new GLib.Error(ERROR_DOMAIN, code, message);
            }

            static [Symbol.hasInstance](e) {
                return isDynamormError(e) && e.code === code;
            }
        },
    }[name];
    cls.code = code;
    return cls;
}

Dynamorm.DynamormError = DynamormError;
for (const [codeName, code] of Object.entries(Dynamorm.Error)) {
    if (codeName !== codeName.toUpperCase() || typeof code !== 'number' ||
        code === Dynamorm.Error.FAILED)
        continue;
    Dynamorm[errorClassName(codeName)] = errorClass(codeName, code);
}

// The class of an error's code: Dynamorm.errorClass(e) ===
// Dynamorm.NotFoundError (DynamormError for FAILED, null outside the domain).
Dynamorm.errorClass = function (e) {
    if (!isDynamormError(e))
        return null;
    for (const [codeName, code] of Object.entries(Dynamorm.Error)) {
        if (code === e.code && codeName === codeName.toUpperCase() && code !== Dynamorm.Error.FAILED)
            return Dynamorm[errorClassName(codeName)];
    }
    return DynamormError;
};

// Write options from what the caller gave: WriteOptions, a Condition or
// nothing (a fresh WriteOptions, so a refusal can carry the stored item).
function writeOptions(options) {
    if (options instanceof Dynamorm.WriteOptions)
        return options;
    const result = Dynamorm.WriteOptions.new();
    if (options instanceof Dynamorm.Condition)
        result.add_condition(options);
    else if (options !== null && options !== undefined)
        throw new TypeError('the options of a write are a Dynamorm.WriteOptions or a Dynamorm.Condition');
    return result;
}

// put_full/update_full/delete_full (and _async): the options may be a
// condition; a refusal carries the stored item as e.current.
function withCurrent(name, optionsIndex) {
    const proto = Dynamorm.Session.prototype;
    const sync = proto[name];
    const async = proto[`${name}_async`];
    const attach = (e, options) => {
        if (e instanceof Dynamorm.ConditionFailedError)
            e.current = options.get_current();
        return e;
    };
    proto[name] = function (...args) {
        const options = args[optionsIndex] = writeOptions(args[optionsIndex]);
        try {
            return sync.apply(this, args);
        } catch (e) {
            throw attach(e, options);
        }
    };
    proto[`${name}_async`] = function (...args) {
        if (args.some(a => typeof a === 'function'))
            return async.apply(this, args);
        const options = args[optionsIndex] = writeOptions(args[optionsIndex]);
        return async.apply(this, args).catch(e => {
            throw attach(e, options);
        });
    };
}
withCurrent('put_full', 1);
withCurrent('update_full', 2);
withCurrent('delete_full', 1);

// A refused commit carries its per-action failures as e.failures.
function failuresOf(tx) {
    return [...tx.get_failures() ?? []];
}
{
    const proto = Dynamorm.Transaction.prototype;
    const commit = proto.commit;
    const commitAsync = proto.commit_async;
    proto.commit = function (...args) {
        try {
            return commit.apply(this, args);
        } catch (e) {
            if (e instanceof GLib.Error)
                e.failures = failuresOf(this);
            throw e;
        }
    };
    proto.commit_async = function (...args) {
        if (args.some(a => typeof a === 'function'))
            return commitAsync.apply(this, args);
        return commitAsync.apply(this, args).catch(e => {
            if (e instanceof GLib.Error)
                e.failures = failuresOf(this);
            throw e;
        });
    };
}

// ---------------------------------------------------------------------------
// Conditions

const Op = Dynamorm.Operator;

// What each condition built here is made of, so that where() can hand the
// comparisons ANDed at its top to where_values (the schema then picks the
// key condition; DynamoDB refuses keys in a filter).
const leaves = new WeakMap();
const conjunctions = new WeakMap();

function leaf(property, op, values) {
    const condition = Dynamorm.Condition.new(property, op, values);
    leaves.set(condition, {property, op, values});
    return condition;
}

function andParts(condition) {
    const parts = conjunctions.get(condition);
    return parts ? [...andParts(parts[0]), ...andParts(parts[1])] : [condition];
}

class AttributeRef {
    constructor(property) {
        this.property = property;
    }

    eq(value) { return leaf(this.property, Op.EQ, [value]); }
    ne(value) { return leaf(this.property, Op.NE, [value]); }
    lt(value) { return leaf(this.property, Op.LT, [value]); }
    lte(value) { return leaf(this.property, Op.LE, [value]); }
    gt(value) { return leaf(this.property, Op.GT, [value]); }
    gte(value) { return leaf(this.property, Op.GE, [value]); }
    between(low, high) { return leaf(this.property, Op.BETWEEN, [low, high]); }
    isIn(...values) { return leaf(this.property, Op.IN, values.length === 1 && Array.isArray(values[0]) ? values[0] : values); }
    beginsWith(prefix) { return leaf(this.property, Op.BEGINS_WITH, [prefix]); }
    contains(value) { return leaf(this.property, Op.CONTAINS, [value]); }
    exists() { return leaf(this.property, Op.EXISTS, null); }
    notExists() { return leaf(this.property, Op.NOT_EXISTS, null); }
}

// The composed key attributes of the models declared by defineModel, by
// GType name.
const composedAttributes = new Map();

// The properties of a model type, each an AttributeRef, and its composed
// key attributes (as named in keys).
function attributesOf(gtype) {
    const refs = {};
    for (const pspec of GObject.Object.list_properties.call(gtype))
        refs[pspec.get_name().replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = new AttributeRef(pspec.get_name());
    for (const attribute of composedAttributes.get(GObject.type_name(gtype)) ?? [])
        refs[attribute] ??= new AttributeRef(attribute);
    return new Proxy(refs, {
        get(target, name) {
            if (typeof name === 'string' && !(name in target)) {
                throw new TypeError(`${GObject.type_name(gtype)} has no property "${name}"; ` +
                    `its properties are ${Object.keys(target).join(', ')}`);
            }
            return target[name];
        },
    });
}

// The operations of a where() callback.
const operations = {
    eq: (a, v) => a.eq(v),
    ne: (a, v) => a.ne(v),
    lt: (a, v) => a.lt(v),
    lte: (a, v) => a.lte(v),
    gt: (a, v) => a.gt(v),
    gte: (a, v) => a.gte(v),
    between: (a, low, high) => a.between(low, high),
    isIn: (a, ...values) => a.isIn(...values),
    beginsWith: (a, prefix) => a.beginsWith(prefix),
    contains: (a, v) => a.contains(v),
    exists: a => a.exists(),
    notExists: a => a.notExists(),
    and: (...conditions) => conditions.reduce((l, r) => l.and(r)),
    or: (...conditions) => conditions.reduce((l, r) => l.or(r)),
    not: condition => condition.not(),
};

Object.assign(Dynamorm.Condition.prototype, {
    and(other) {
        const condition = Dynamorm.Condition.new_and(this, other);
        conjunctions.set(condition, [this, other]);
        return condition;
    },
    or(other) {
        return Dynamorm.Condition.new_or(this, other);
    },
    not() {
        return Dynamorm.Condition.new_not(this);
    },
});

// query.where(condition, ...), or where((attributes, operations) =>
// condition), as ElectroDB's where() reads.
Dynamorm.Query.prototype.where = function (...conditions) {
    for (let condition of conditions) {
        if (typeof condition === 'function')
            condition = condition(attributesOf(this.get_model_type()), operations);
        if (!(condition instanceof Dynamorm.Condition)) {
            throw new TypeError('query.where() takes a Dynamorm.Condition, such as ' +
                'Order.attr.total.gt(10), or a function (attributes, operations) => condition');
        }
        for (const part of andParts(condition)) {
            const comparison = leaves.get(part);
            if (comparison)
                this.where_values(comparison.property, comparison.op, comparison.values);
            else
                this.filter(part);
        }
    }
    return this;
};

// ---------------------------------------------------------------------------
// Queries: iteration

const DEFAULT_PAGE_SIZE = 100;

Dynamorm.Query.prototype.pages = function (size = DEFAULT_PAGE_SIZE, cursor = null) {
    const query = this;
    return {
        *[Symbol.iterator]() {
            let next = cursor;
            do {
                const [items, after] = query.page(size, next, null);
                yield {items: [...listItems(items)], cursor: after};
                next = after;
            } while (next);
        },
        async *[Symbol.asyncIterator]() {
            let next = cursor;
            do {
                const [items, after] = await query.page_async(size, next, null);
                yield {items: [...listItems(items)], cursor: after};
                next = after;
            } while (next);
        },
    };
};

function* listItems(list) {
    for (let i = 0; i < list.get_n_items(); i++)
        yield list.get_item(i);
}

Dynamorm.Query.prototype[Symbol.iterator] = function* () {
    for (const page of this.pages())
        yield* page.items;
};

Dynamorm.Query.prototype[Symbol.asyncIterator] = async function* () {
    for await (const page of this.pages())
        yield* page.items;
};

// ---------------------------------------------------------------------------
// Sessions

Object.assign(Dynamorm.Session.prototype, {
    query(modelClass) {
        return Dynamorm.Query.new(this, gtypeOf(modelClass));
    },

    // A query of the collection `name`: items of `first` and the other
    // member models, each read back as its own type.
    collection(name, first, ...members) {
        const query = Dynamorm.Query.new_collection(this, name, gtypeOf(first));
        for (const member of members)
            query.add_member(gtypeOf(member));
        return query;
    },

    getOrNull(modelClass, partitionKey, sortKey = null) {
        try {
            return this.get(gtypeOf(modelClass), partitionKey, sortKey, null);
        } catch (e) {
            if (e instanceof GLib.Error && e.matches(Dynamorm.Error, Dynamorm.Error.NOT_FOUND))
                return null;
            throw e;
        }
    },

    // Runs `build(tx)` (which may be async), then commits; if it throws,
    // nothing is written and the error propagates.
    async transaction(build) {
        const tx = Dynamorm.Transaction.new(this);
        await build(tx);
        if (tx.get_n_actions() > 0)
            await tx.commit_async(null);
        return tx;
    },
});

function gtypeOf(modelClass) {
    return modelClass && modelClass.$gtype ? modelClass.$gtype : modelClass;
}

// ---------------------------------------------------------------------------
// Models

const RW = GObject.ParamFlags.READWRITE;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

function paramSpec(name, type) {
    switch (type) {
    case 'string':
    case 'set':
    case 'list':
        if (type === 'string')
            return GObject.ParamSpec.string(name, name, name, RW, null);
        return GObject.ParamSpec.boxed(name, name, name, RW, GObject.type_from_name('GStrv'));
    case 'int':
    case 'int64':
        return GObject.ParamSpec.int64(name, name, name, RW, -INT64_MAX, INT64_MAX, 0);
    case 'double':
    case 'number':
        return GObject.ParamSpec.double(name, name, name, RW, -Number.MAX_VALUE, Number.MAX_VALUE, 0);
    case 'boolean':
        return GObject.ParamSpec.boolean(name, name, name, RW, false);
    case 'datetime':
        return GObject.ParamSpec.boxed(name, name, name, RW, GLib.DateTime.$gtype);
    case 'bytes':
        return GObject.ParamSpec.boxed(name, name, name, RW, GLib.Bytes.$gtype);
    default:
        throw new TypeError(`Dynamorm.defineModel: property "${name}" has the type "${type}"; ` +
            'the types are string, int (64-bit), double, boolean, set, list, datetime and bytes');
    }
}

function tagsOf(name, spec) {
    const tags = [];
    if (spec.key) {
        if (spec.key !== 'pk' && spec.key !== 'sk')
            throw new TypeError(`Dynamorm.defineModel: property "${name}" has key "${spec.key}"; a key is "pk" or "sk"`);
        tags.push(spec.key);
    }
    // 'NAME', ['NAME', 'sk'], or a list of those.
    // The part: 'pk', 'sk', or 'pk2'..'pk4', 'sk2'..'sk4' (multi-attribute keys).
    const isPart = part => typeof part === 'string' && /^[ps]k[1-4]?$/.test(part);
    const isPair = index => Array.isArray(index) && index.length === 2 &&
        typeof index[0] === 'string' && isPart(index[1]);
    const indexes = spec.index === undefined ? [] : isPair(spec.index) ? [spec.index] : [].concat(spec.index);
    for (const index of indexes) {
        const [indexName, part] = Array.isArray(index) ? index : [index, 'pk'];
        tags.push(`index:${indexName}`, part);
    }
    if (spec.lsi)
        tags.push(`lsi:${spec.lsi}`);
    if (spec.attribute)
        tags.push(`attr:${spec.attribute}`);
    if (spec.type === 'set')
        tags.push('set');
    for (const flag of ['omitempty', 'json', 'binary', 'number', 'unixtime', 'version', 'ttl', 'created_at', 'updated_at', 'encrypted']) {
        if (spec[flag] || spec[flag.replace('_a', 'A')])
            tags.push(flag);
    }
    if (spec.tags)
        tags.push(spec.tags);
    return tags.length ? `${name}=${tags.join(',')}` : null;
}

// `customerId` -> `customer-id`
const kebab = name => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);

// A key template's text with JavaScript property names: {customerId:pad=4}
// -> {customer-id:pad=4} ({{ and }} are literal braces).
function templateText(text) {
    return text.replace(/\{\{|\}\}|\{([^}:]*)/g, (match, name) =>
        name === undefined ? match : `{${kebab(name)}`);
}

const KEY_TEMPLATE_ROLES = new Set(['key', 'index', 'template']);

// keys: {pk: {key: 'pk', template: 'CUSTOMER#{customerId}'}, gsi1pk:
// {index: 'gsi1', template: 'ORDER#{orderId}'}, ...}: composed attributes,
// named as stored.
function keyTemplateTags(keys) {
    const tags = [];
    for (const [attribute, given] of Object.entries(keys ?? {})) {
        const spec = typeof given === 'string' ? {template: given} : given;
        const unknown = Object.keys(spec).filter(role => !KEY_TEMPLATE_ROLES.has(role));
        if (unknown.length > 0 || typeof spec.template !== 'string') {
            throw new TypeError(`Dynamorm.defineModel: keys.${attribute} is {key or index, template}, ` +
                `such as {key: 'pk', template: 'CUSTOMER#{customerId}'}` +
                (unknown.length ? `; it has ${unknown.join(', ')}` : '; it has no template'));
        }
        if (!spec.key && spec.index === undefined) {
            throw new TypeError(`Dynamorm.defineModel: keys.${attribute} says neither which key it is ` +
                "(key: 'pk' or 'sk') nor which index (index: 'gsi1' or ['gsi1', 'sk'])");
        }
        const roles = tagsOf(attribute, {key: spec.key, index: spec.index});
        tags.push(`${roles},template:${templateText(spec.template)}`);
    }
    return tags;
}

// entity, entityAttribute, collections and indexConditions -> the @ options.
function modelOptionTags({entity, entityAttribute, collections, indexConditions}) {
    const tags = [];
    if (entity !== undefined)
        tags.push(`@entity=${entity}`);
    if (entityAttribute !== undefined)
        tags.push(`@entity-attribute=${entityAttribute === null ? '-' : entityAttribute}`);
    for (const collection of [].concat(collections ?? [])) {
        let name = collection, index = null;
        if (Array.isArray(collection))
            [name, index = null] = collection;
        else if (typeof collection === 'object')
            ({name, index = null} = collection);
        if (typeof name !== 'string') {
            throw new TypeError('Dynamorm.defineModel: a collection is a name, [name, index] ' +
                "or {name, index}, such as 'customer-history' or {name: 'order-details', index: 'gsi1'}");
        }
        tags.push(index ? `@collection=${name},index:${index}` : `@collection=${name}`);
    }
    for (const [index, terms] of Object.entries(indexConditions ?? {})) {
        // Property names of the terms (status, !archivedAt, kind=a|b) as declared.
        const text = String(terms).split('&').map(term =>
            term.replace(/^(\s*!?)([A-Za-z0-9_-]+)/, (_, pre, name) => pre + kebab(name))).join('&');
        tags.push(`@index-condition=${index}:${text}`);
    }
    return tags;
}

// The model keeps the values of its properties in C
// (Dynamorm.Model.type_store_properties), behind these accessors instead of
// the JavaScript fields registerClass would make: decoding an item sets
// them without a call into JavaScript per property. String lists and sets
// stay in JavaScript (GJS cannot pass an array as a GValue).
function storedAccessors(proto, gname, valueType) {
    const names = new Set([gname, gname.replace(/-/g, '_'),
        gname.replace(/-([a-z])/g, (_, c) => c.toUpperCase())]);
    if ([...names].some(name => Object.getOwnPropertyDescriptor(proto, name)))
        return false;  // the class body has its own accessors
    const descriptor = {
        get() {
            return this.get_value(gname);
        },
        set(value) {
            if (value === null || value === undefined) {
                const empty = new GObject.Value();
                empty.init(valueType);
                this.set_property(gname, empty);
            } else {
                this.set_property(gname, value);
            }
        },
        configurable: true,
    };
    for (const name of names)
        Object.defineProperty(proto, name, descriptor);
    return true;
}

const MODEL_OPTIONS = new Set(['name', 'table', 'properties', 'keys', 'entity', 'entityAttribute',
    'collections', 'indexConditions']);

// Defines a model class: defineModel({name: 'User', table: 'users',
// properties: {id: {type: 'string', key: 'pk'}, email: {type: 'string',
// index: 'by-email'}, visits: 'int'}}), optionally with a class body to
// extend (class extends Dynamorm.Model {...}). Single-table models add
// keys (key templates), entity, entityAttribute, collections and
// indexConditions (see docs/single-table.md).
Dynamorm.defineModel = function (options, klass = null) {
    const {name, table = null, properties} = options;
    if (!name)
        throw new TypeError('Dynamorm.defineModel: give the model a name (its GType name), such as {name: "User", ...}');
    const unknown = Object.keys(options).filter(option => !MODEL_OPTIONS.has(option));
    if (unknown.length > 0) {
        throw new TypeError(`Dynamorm.defineModel: unknown option ${unknown.join(', ')}; ` +
            `the options are ${[...MODEL_OPTIONS].join(', ')}`);
    }
    const Properties = {};
    const tags = [];
    for (const [property, given] of Object.entries(properties ?? {})) {
        const spec = typeof given === 'string' ? {type: given} : given;
        const gname = kebab(property);
        Properties[gname] = paramSpec(gname, spec.type ?? 'string');
        const tag = tagsOf(gname, spec);
        if (tag)
            tags.push(tag);
    }
    tags.push(...keyTemplateTags(options.keys), ...modelOptionTags(options));
    const base = klass ?? class extends Dynamorm.Model {};
    const stored = Object.entries(Properties).filter(([gname, pspec]) =>
        pspec.value_type !== GObject.type_from_name('GStrv') &&
        storedAccessors(base.prototype, gname, pspec.value_type)).map(([gname]) => gname);
    const registered = GObject.registerClass({GTypeName: name, Properties}, base);
    if (stored.length > 0)
        Dynamorm.Model.type_store_properties(registered.$gtype, stored);
    Dynamorm.Model.type_declare(registered.$gtype, table, tags);
    const gtype = registered.$gtype;
    composedAttributes.set(GObject.type_name(gtype), Object.keys(options.keys ?? {}));
    Object.defineProperty(registered, 'attr', {get: () => attributesOf(gtype)});
    return registered;
};

// Conditions on any model class, declared with defineModel or not:
// Dynamorm.attributes(Order).total.gt(10).
Dynamorm.attributes = modelClass => attributesOf(gtypeOf(modelClass));

export default Dynamorm;
