# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override for Dynamorm: makes the C library read like Python.

The C library stays the one engine: everything here translates Python
idioms into the calls of ``gi.repository.Dynamorm`` and back. What it adds:

* Models declared with typed attributes::

      class User(Dynamorm.Model):
          __dynamorm_table__ = "users"

          id = Dynamorm.Attribute(str, key="pk")
          email = Dynamorm.Attribute(str, index="by-email")
          visits = Dynamorm.Attribute(int)            # 64-bit
          tags = Dynamorm.Attribute(set)              # a string set

  or with ``typing.Annotated`` hints (``id: Annotated[str,
  Dynamorm.Attribute(key="pk")]``, ``name: str``). Strings default to
  ``None``, so an unset index key is simply absent. The older
  ``__dynamorm_tags__ = {"id": "pk"}`` form with ``GObject.Property``
  keeps working. Assigning a value the property cannot hold (NaN, an
  integer out of range, ...) raises ``Dynamorm.InvalidValue`` (also a
  ``ValueError``) at once.

* Conditions from attribute expressions: ``User.email == "x"``,
  ``Order.total > 10``, ``Order.status.is_in("a", "b")``,
  ``User.name.begins_with("A")``, combined with ``&``, ``|`` and ``~``; they
  are ``Dynamorm.Condition`` values, as built in C.
  ``session.query(Order).where(Order.customer == "c1", Order.total > 10)``.

* Every trailing argument that may be ``None`` (cancellables, options, a
  sort key) may be left out; a page is a ``Dynamorm.Page`` with ``.items``
  and ``.cursor``; ``put_full``/``update_full`` return the stored model or
  raise; Python lists, tuples and sets are taken wherever a string list is.

* ``for item in query``, ``for page in query.pages(size)``, ``async for``
  on both; ``with session.transaction() as tx:`` (and ``async with``)
  commits on exit and writes nothing if the block raises; likewise
  ``session.batch_write()``.

* Exceptions: every ``Dynamorm.Error`` code raises its own subclass of
  ``GLib.Error`` (``Dynamorm.ConditionFailed``, ``NotFound``,
  ``TransactionCancelled``, ...; the base is ``Dynamorm.DynamormError``), so
  code that catches ``GLib.Error`` keeps working. ``ConditionFailed`` carries
  the stored model as ``.current`` where DynamoDB returned it; a failed
  commit carries ``.failures``.

* Every ``*_async`` method called without a callback returns an
  ``asyncio.Future``; ``Dynamorm.run_async(coro)`` runs a coroutine on a
  loop that iterates the GLib main context.
"""

import asyncio
import datetime
import functools
import itertools
import math
import sys
import typing

from gi.repository import GLib, GObject, Gio

from .. import _gi
from ..module import get_introspection_module
from ..overrides import override

Dynamorm = get_introspection_module('Dynamorm')

__all__ = []

_DOMAIN = GLib.quark_to_string(Dynamorm.error_quark())


def _export(obj, name=None):
    name = name or obj.__name__
    globals()[name] = obj
    __all__.append(name)
    return obj


# ---------------------------------------------------------------------------
# Exceptions

class DynamormError(GLib.Error):
    """The base of Dynamorm's exceptions: a ``GLib.Error`` in the
    ``DynamormError`` domain, so ``except GLib.Error`` and
    ``e.matches(Dynamorm.error_quark(), code)`` keep working."""

    code_value = Dynamorm.Error.FAILED

    def __init__(self, message='', domain=_DOMAIN, code=None):
        super().__init__(message, domain, self.code_value if code is None else int(code))

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (type(self), (self.message, self.domain, self.code))


_export(DynamormError)

# The class name of each code (the Python name of the code otherwise).
_ERROR_NAMES = {
    'VALIDATION': 'ValidationError',
    'NETWORK': 'NetworkError',
    'CREDENTIALS': 'CredentialsError',
}
# Codes whose exception is also a standard Python exception.
_ERROR_EXTRA_BASES = {
    'INVALID_VALUE': (ValueError,),
    'INVALID_ARGUMENT': (ValueError,),
}
_ERROR_CLASSES = {}


def _error_class_name(nick):
    upper = nick.upper().replace('-', '_')
    return _ERROR_NAMES.get(upper) or ''.join(p.capitalize() for p in upper.split('_'))


def _define_error_classes():
    for value in sorted(Dynamorm.Error.__enum_values__.values(), key=int):
        if value == Dynamorm.Error.FAILED:
            _ERROR_CLASSES[int(value)] = DynamormError
            continue
        upper = value.value_nick.upper().replace('-', '_')
        name = _error_class_name(value.value_nick)
        bases = (DynamormError,) + _ERROR_EXTRA_BASES.get(upper, ())
        cls = type(name, bases, {
            'code_value': value,
            '__module__': __name__,
            '__doc__': 'Raised for ``Dynamorm.Error.%s``.' % upper,
        })
        _ERROR_CLASSES[int(value)] = cls
        _export(cls, name)


_define_error_classes()


def _as_dynamorm_error(error):
    """A GLib.Error of the Dynamorm domain as the subclass of its code."""
    if isinstance(error, DynamormError) or not isinstance(error, GLib.Error):
        return error
    if error.domain != _DOMAIN:
        return error
    cls = _ERROR_CLASSES.get(error.code, DynamormError)
    typed = cls(error.message, error.domain, error.code)
    typed.__traceback__ = error.__traceback__
    return typed


def _raise_typed(error, **attributes):
    typed = _as_dynamorm_error(error)
    for name, value in attributes.items():
        setattr(typed, name, value)
    if typed is error:
        raise error
    raise typed from None


# ---------------------------------------------------------------------------
# Python values to the GValues and string lists the C API takes

def _is_string_collection(value):
    return (isinstance(value, (list, tuple, set, frozenset))
            and all(isinstance(v, str) for v in value))


def _string_list(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return list(value)


def _datetime_to_glib(value):
    if value.tzinfo is None:
        raise InvalidValue('the datetime %r has no time zone, so the instant it '
                           'names is unknown; give it one, such as '
                           'datetime.timezone.utc' % (value,))
    return GLib.DateTime.new_from_unix_utc(0).add_seconds(value.timestamp())


def _datetime_from_glib(value):
    return datetime.datetime.fromtimestamp(value.to_unix(), datetime.timezone.utc).replace(
        microsecond=value.get_microsecond())


def _to_gvalue(value):
    """A Python value for a ``GValue`` argument."""
    if _is_string_collection(value):
        return GObject.Value(GObject.TYPE_STRV, _string_list(value))
    if isinstance(value, datetime.datetime):
        return GObject.Value(GLib.DateTime, _datetime_to_glib(value))
    if isinstance(value, bytes):
        return GObject.Value(GLib.Bytes, GLib.Bytes.new(value))
    return value


def _to_gvalue_list(values):
    if values is None:
        return None
    if isinstance(values, (str, bytes)) or not hasattr(values, '__iter__'):
        values = [values]
    values = list(values)
    if any(v is None for v in values):
        # (PyGObject 3.42 crashes on None in a GValue array.)
        raise InvalidArgument('a value to compare with is None: to test whether the attribute '
                              'is missing, use .not_exists() (Operator.NOT_EXISTS, no values)')
    return [_to_gvalue(v) for v in values]


def _arg_converter(arg):
    """A function that converts a Python argument for ``arg``, or None."""
    type_info = arg.get_type()
    tag = type_info.get_tag()
    if tag == _gi.TypeTag.ARRAY:
        element = type_info.get_param_type(0)
        if element.get_tag() == _gi.TypeTag.UTF8:
            return lambda v: v if v is None or isinstance(v, (list, str)) else _string_list(v)
        if element.get_tag() == _gi.TypeTag.INTERFACE:
            iface = element.get_interface()
            if (iface.get_namespace(), iface.get_name()) == ('GObject', 'Value'):
                return _to_gvalue_list
        return None
    if tag == _gi.TypeTag.INTERFACE:
        iface = type_info.get_interface()
        if (iface.get_namespace(), iface.get_name()) == ('GObject', 'Value'):
            return _to_gvalue
    return None


# ---------------------------------------------------------------------------
# Wrapping the introspected methods

def _python_arguments(info):
    """The arguments PyGObject takes, in order: the C arguments without array
    lengths, destroy notifiers and out arguments, so that ``batch_get_async
    (type, keys, n_keys, options, cancellable, callback, user_data)`` is
    ``batch_get_async(type, keys, options, cancellable, callback,
    user_data)``, as in Python."""
    args = info.get_arguments()
    hidden = set()
    for i, arg in enumerate(args):
        if arg.get_direction() == _gi.Direction.OUT:
            hidden.add(i)
        length = arg.get_type().get_array_length()
        if length >= 0:
            hidden.add(length)
        destroy = arg.get_destroy()
        if destroy >= 0 and destroy != i:
            hidden.add(destroy)
    return [a for i, a in enumerate(args) if i not in hidden]


class _Signature:
    """How to complete and convert the arguments of one method: trailing
    arguments that may be None can be left out, string lists and GValues
    take Python collections."""

    def __init__(self, info):
        self.args = _python_arguments(info)
        self.names = [a.get_name() for a in self.args]
        self.optional = [a.may_be_null() or a.get_name() in ('cancellable', 'user_data')
                         for a in self.args]
        self.converters = [_arg_converter(a) for a in self.args]

    def complete(self, args, kwargs, stop=None):
        args = list(args)
        end = len(self.names) if stop is None else stop
        for i, convert in enumerate(self.converters[:len(args)]):
            if convert is not None:
                args[i] = convert(args[i])
        for i in range(len(args), end):
            name = self.names[i]
            if name in kwargs:
                if self.converters[i] is not None:
                    kwargs[name] = self.converters[i](kwargs[name])
            elif self.optional[i]:
                kwargs[name] = None
        return args, kwargs


def _wrap_method(method, info):
    signature = _Signature(info)

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        if info.is_method():
            self, rest = args[0], args[1:]
            rest, kwargs = signature.complete(rest, kwargs)
            args = (self,) + tuple(rest)
        else:
            args, kwargs = signature.complete(args, kwargs)
        try:
            return method(*args, **kwargs)
        except GLib.Error as e:
            _raise_typed(e)

    return wrapper


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def _awaitable(method, info, finish_name, convert=None, on_error=None):
    """``method`` (an ``*_async``) that, called without a callback, returns an
    asyncio.Future of ``convert(finish(result))``."""
    signature = _Signature(info)
    cb_index = signature.names.index('callback')
    cancellable_index = signature.names.index('cancellable') if 'cancellable' in signature.names else None

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if (len(args) > cb_index and args[cb_index] is not None) or \
           kwargs.get('callback') is not None:
            args, kwargs = signature.complete(args, kwargs, stop=cb_index)
            return method(self, *args, **kwargs)

        args = list(args[:cb_index])
        kwargs.pop('callback', None)
        kwargs.pop('user_data', None)
        args, kwargs = signature.complete(args, kwargs, stop=cb_index)

        cancellable = None
        if cancellable_index is not None:
            if len(args) > cancellable_index:
                cancellable = args[cancellable_index]
            else:
                cancellable = kwargs.get('cancellable')
            if cancellable is None:
                cancellable = Gio.Cancellable()
                if len(args) > cancellable_index:
                    args[cancellable_index] = cancellable
                else:
                    kwargs['cancellable'] = cancellable

        loop = _running_loop()
        future = loop.create_future()
        finish = getattr(self, finish_name)

        def on_ready(source, result, *unused):
            if future.cancelled():
                try:
                    finish(result)
                except GLib.Error:
                    pass
                return
            try:
                value = finish(result)
                if convert is not None:
                    value = convert(self, value, args, kwargs)
            except GLib.Error as e:
                try:
                    attributes = on_error(self, e, args, kwargs) if on_error else {}
                    _raise_typed(e, **attributes)
                except BaseException as typed:
                    future.set_exception(typed)
            except BaseException as e:
                future.set_exception(e)
            else:
                future.set_result(value)

        def on_done(fut):
            if fut.cancelled() and cancellable is not None:
                cancellable.cancel()

        future.add_done_callback(on_done)
        method(self, *args, callback=on_ready, **kwargs)
        return future

    wrapper.__doc__ = ((method.__doc__ or '') +
                       '\n\nWithout a callback, returns an asyncio.Future of '
                       'the result of %s().' % finish_name)
    return wrapper


def _wrapped_members(base):
    """Wrappers of every method of the introspected class ``base``."""
    members = {}
    for info in base.__info__.get_methods():
        name = info.get_name()
        if name in ('ref', 'unref', 'free'):
            continue
        method = getattr(base, name, None)
        if method is None:
            continue
        finish_name = name[:-len('_async')] + '_finish' if name.endswith('_async') else None
        if (finish_name and hasattr(base, finish_name) and
                'callback' in [a.get_name() for a in info.get_arguments()]):
            members[name] = _awaitable(method, info, finish_name)
        elif info.is_method():
            members[name] = _wrap_method(method, info)
        else:
            members[name] = staticmethod(_wrap_method(method, info))
    return members


def _override_class(name, extra=None, metaclass=None):
    """The override class of ``Dynamorm.<name>``: its introspected methods
    wrapped, plus ``extra`` (a class whose own members are copied)."""
    base = getattr(Dynamorm, name)
    members = _wrapped_members(base)
    members['__module__'] = __name__
    if extra is not None:
        for klass in reversed(extra.__mro__[:-1]):   # mixins first, without object
            for key, value in klass.__dict__.items():
                if key not in ('__dict__', '__weakref__', '__module__', '__doc__'):
                    members[key] = value
    members.setdefault('__doc__', base.__doc__)
    cls = (metaclass or type(base))(name, (base,), members)
    return cls


def _original(name, method):
    """The wrapped introspected ``Dynamorm.<name>.<method>``."""
    base = getattr(Dynamorm, name)
    return _wrapped_members(base)[method]


# Module-level functions that can fail.
for _info in _gi.Repository.get_default().get_infos('Dynamorm'):
    if isinstance(_info, _gi.FunctionInfo) and _info.can_throw_gerror():
        _export(_wrap_method(getattr(Dynamorm, _info.get_name()), _info), _info.get_name())
del _info


# ---------------------------------------------------------------------------
# Conditions

_Operator = Dynamorm.Operator


class _Condition:
    """Members of the ``Dynamorm.Condition`` override: ``&``, ``|``, ``~``."""

    def __and__(self, other):
        result = Condition.new_and(self, _as_condition(other))
        result._dynamorm_and = (self, _as_condition(other))
        return result

    def __or__(self, other):
        return Condition.new_or(self, _as_condition(other))

    def __invert__(self):
        return Condition.new_not(self)

    def __bool__(self):
        raise TypeError('a Dynamorm condition has no truth value: combine '
                        'conditions with &, | and ~ (not "and", "or", "not"), '
                        'and write a range as two comparisons joined by & or '
                        'as .between(low, high)')

    def __repr__(self):
        leaf = getattr(self, '_dynamorm_leaf', None)
        if leaf is not None:
            return '<Dynamorm.Condition %s %s %r>' % (leaf[0], leaf[1].value_nick, leaf[2])
        return '<Dynamorm.Condition>'


def _as_condition(value):
    if isinstance(value, Dynamorm.Condition):
        return value
    raise TypeError('expected a Dynamorm.Condition (such as User.email == "x"), '
                    'not %r' % (value,))


def _leaf(property_name, op, values):
    condition = Condition.new(property_name, op, values)
    condition._dynamorm_leaf = (property_name, op, values)
    return condition


def _and_parts(condition):
    """The conditions ANDed in ``condition`` (itself if it is no AND)."""
    parts = getattr(condition, '_dynamorm_and', None)
    if parts is None:
        return [condition]
    return _and_parts(parts[0]) + _and_parts(parts[1])


Condition = _export(override(_override_class('Condition', _Condition)), 'Condition')


class _Expressions:
    """Comparisons on a model property that build ``Dynamorm.Condition``s:
    shared by ``Dynamorm.Attribute`` and the properties of models declared
    with ``GObject.Property``."""

    def _property_name(self):
        name = self.name
        if not name:
            raise TypeError('this attribute belongs to no model class yet: '
                            'build conditions from the class, as User.email == "x"')
        return name.replace('_', '-')

    def _values(self, *values):
        if any(v is None for v in values):
            raise InvalidArgument('%s: a value to compare with is None: to test whether the '
                                  'attribute is missing, use == None or .not_exists()'
                                  % self._property_name())
        return [self._condition_value(v) for v in values]

    def _condition_value(self, value):
        converted = _to_gvalue(value)
        if isinstance(converted, (GObject.Value, str, bool, int, float)) or converted is None:
            return converted
        return GObject.Value(self.type, converted)

    def __eq__(self, other):
        if other is None:       # "is unset": the attribute is absent
            return self.not_exists()
        return _leaf(self._property_name(), _Operator.EQ, self._values(other))

    def __ne__(self, other):
        if other is None:
            return self.exists()
        return _leaf(self._property_name(), _Operator.NE, self._values(other))

    def __lt__(self, other):
        return _leaf(self._property_name(), _Operator.LT, self._values(other))

    def __le__(self, other):
        return _leaf(self._property_name(), _Operator.LE, self._values(other))

    def __gt__(self, other):
        return _leaf(self._property_name(), _Operator.GT, self._values(other))

    def __ge__(self, other):
        return _leaf(self._property_name(), _Operator.GE, self._values(other))

    __hash__ = object.__hash__

    def between(self, low, high):
        """``low <= self <= high``."""
        return _leaf(self._property_name(), _Operator.BETWEEN, self._values(low, high))

    def is_in(self, *values):
        """Equal to one of ``values`` (given one by one or as one iterable)."""
        if len(values) == 1 and not isinstance(values[0], (str, bytes)) and \
           hasattr(values[0], '__iter__'):
            values = tuple(values[0])
        return _leaf(self._property_name(), _Operator.IN, self._values(*values))

    def begins_with(self, prefix):
        return _leaf(self._property_name(), _Operator.BEGINS_WITH, self._values(prefix))

    def contains(self, value):
        """A substring of a string, or an element of a list or set."""
        return _leaf(self._property_name(), _Operator.CONTAINS, [_to_gvalue(value)])

    def exists(self):
        return _leaf(self._property_name(), _Operator.EXISTS, None)

    def not_exists(self):
        return _leaf(self._property_name(), _Operator.NOT_EXISTS, None)


# ---------------------------------------------------------------------------
# Typed attributes

_UNSET = object()
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1
_FLOAT_MAX = 3.4028234663852886e38

_FLAG_TAGS = ('omitempty', 'json', 'binary', 'number', 'unixtime', 'version',
              'ttl', 'created_at', 'updated_at', 'encrypted')


def _strip_optional(hint):
    """``Optional[X]`` / ``X | None`` -> X."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if args and type(None) in args and (origin is typing.Union or
                                        type(hint).__name__ == 'UnionType'):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def _property_type(hint):
    """(GType or Python type for GObject.Property, extra tags, python kind)
    for an attribute's declared type."""
    hint = _strip_optional(hint)
    origin = typing.get_origin(hint) or hint
    args = typing.get_args(hint)
    if origin in (list, set, frozenset, tuple, typing.List, typing.Set):
        if args and not all(a is str or a is Ellipsis for a in args):
            raise TypeError('%r: string lists and sets are the collections a '
                            'Dynamorm attribute holds; declare list[str] or set[str], '
                            'or use a GLib.Variant or Json.Node attribute for '
                            'other values' % (hint,))
        if origin in (set, frozenset, typing.Set):
            return GObject.TYPE_STRV, ['set'], 'set'
        return GObject.TYPE_STRV, [], 'list'
    if hint is str:
        return str, [], 'str'
    if hint is bool:
        return bool, [], 'bool'
    if hint is int:
        return GObject.TYPE_INT64, [], 'int'
    if hint is float:
        return GObject.TYPE_DOUBLE, [], 'float'
    if hint is bytes:
        return GLib.Bytes, [], 'bytes'
    if hint is datetime.datetime:
        return GLib.DateTime, [], 'datetime'
    return hint, [], None


class Attribute(_Expressions, GObject.Property):
    """A model property with its DynamoDB role declared on it.

    ``type`` is a Python type (``str``, ``int`` (64-bit), ``float``, ``bool``,
    ``bytes``, ``datetime.datetime``, ``list``/``list[str]``,
    ``set``/``set[str]`` for a string set), a GType, or a model class for a
    nested model; with ``typing.Annotated`` hints it comes from the hint.
    Roles: ``key="pk"`` or ``"sk"``; ``index="NAME"`` (partition key of the
    global secondary index NAME), ``index=("NAME", "sk")``, or a list of
    those; ``lsi="NAME"``; ``attribute="stored-name"``; the flags
    ``omitempty``, ``json``, ``binary``, ``number``, ``unixtime``,
    ``version``, ``ttl``, ``created_at``, ``updated_at``, ``encrypted``;
    ``of=Model`` (the
    element type of a list of models); ``stored=False``; ``tags="..."``
    for anything else, in the C tag syntax.
    """

    def __init__(self, type=None, default=_UNSET, *, key=None, index=None, lsi=None,
                 attribute=None, of=None, stored=True, tags=None, nick='', blurb='',
                 minimum=None, maximum=None, **flags):
        unknown = set(flags) - set(_FLAG_TAGS)
        if unknown:
            raise TypeError('Dynamorm.Attribute() got unknown roles %s; the roles are '
                            'key, index, lsi, attribute, of, stored, tags and the flags %s'
                            % (', '.join(sorted(unknown)), ', '.join(_FLAG_TAGS)))
        if key not in (None, 'pk', 'sk'):
            raise TypeError('Dynamorm.Attribute(key=%r): a key is "pk" (partition '
                            'key) or "sk" (sort key)' % (key,))
        self._dynamorm_options = dict(default=default, nick=nick, blurb=blurb,
                                      minimum=minimum, maximum=maximum)
        self._dynamorm_roles = dict(key=key, index=index, lsi=lsi, attribute=attribute,
                                    of=of, stored=stored, tags=tags, flags=flags)
        self._dynamorm_kind = None
        self._dynamorm_ready = False
        if type is not None:
            self._dynamorm_set_type(type)
        else:
            # Filled in from the annotation by the model's metaclass.
            self.name = None

    def _dynamorm_set_type(self, hint):
        gtype, extra_tags, kind = _property_type(hint)
        self._dynamorm_kind = kind
        self._dynamorm_extra_tags = extra_tags
        options = dict(self._dynamorm_options)
        default = options.pop('default')
        if default is _UNSET:
            default = {'str': None, 'int': 0, 'float': 0.0, 'bool': False}.get(kind)
        elif kind in ('list', 'set') and default is not None:
            default = _string_list(default)
        if kind == 'int':
            options['minimum'] = _INT64_MIN if options['minimum'] is None else options['minimum']
            options['maximum'] = _INT64_MAX if options['maximum'] is None else options['maximum']
        options = {k: v for k, v in options.items() if v is not None}
        GObject.Property.__init__(self, type=gtype, default=default, **options)
        if default is None:
            # PyGObject turns a None default of a string into ''; an unset
            # string must stay unset (NULL), so that it is not stored.
            self.default = None
        self._dynamorm_ready = True

    def _dynamorm_tags(self):
        roles = self._dynamorm_roles
        try:
            roles_text = _role_tags(roles['key'], roles['index'])
        except TypeError as e:
            raise TypeError('Dynamorm.Attribute(%s)' % e) from None
        tags = [roles_text] if roles_text else []
        if roles['lsi']:
            tags.append('lsi:%s' % roles['lsi'])
        if roles['attribute']:
            tags.append('attr:%s' % roles['attribute'])
        if roles['of'] is not None:
            of = roles['of']
            of_name = of if isinstance(of, str) else GObject.type_name(of.__gtype__)
            tags.append('of:%s' % of_name)
        if not roles['stored']:
            tags.append('-')
        tags += [flag for flag in _FLAG_TAGS if roles['flags'].get(flag)]
        tags += self._dynamorm_extra_tags
        if roles['tags']:
            tags.append(roles['tags'])
        return ','.join(tags)

    # Python values in, Python values out.

    def __get__(self, instance, klass=None):
        if instance is None:
            return self
        # The model keeps the value (Model.type_store_properties).
        return _from_property_value(self._dynamorm_kind, _get_property(instance, self.name))

    def __set__(self, instance, value):
        super().__set__(instance, _to_property_value(self, self._dynamorm_kind, value, instance))


# PyGObject reads a property of a Python-declared type from Python
# (do_get_property); the value is in C (Model.type_store_properties).
_get_property = Dynamorm.Model.get_value


def _owner_name(prop, instance):
    return '%s.%s' % (type(instance).__name__, (prop.name or '?').replace('-', '_'))


def _refuse_nul(value, owner):
    """GObject strings end at the first U+0000: PyGObject would silently keep
    only what comes before it. Refuse such values instead of losing data."""
    if isinstance(value, str):
        if '\x00' in value:
            raise InvalidValue('%s cannot hold a string with the character U+0000 (NUL, at '
                               'position %d): GObject strings end there, so the rest would be '
                               'lost; remove it, or store the data as bytes'
                               % (owner, value.index('\x00')))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for element in value:
            _refuse_nul(element, owner)
    elif isinstance(value, dict):
        for key, element in value.items():
            _refuse_nul(key, owner)
            _refuse_nul(element, owner)


def _to_property_value(prop, kind, value, instance):
    """Checks and converts ``value`` for ``prop``; refuses what the property
    cannot hold instead of letting GObject store 0 with a warning."""
    if value is None:
        return None
    _refuse_nul(value, _owner_name(prop, instance))
    gtype = prop.type
    if isinstance(value, float) and gtype in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
        if not math.isfinite(value):
            raise InvalidValue('%s cannot be %r: DynamoDB stores only finite numbers; '
                               'assign a finite float'
                               % (_owner_name(prop, instance), value))
        if gtype == GObject.TYPE_FLOAT and abs(value) > _FLOAT_MAX:
            raise InvalidValue('%s cannot hold %r: it is a 32-bit float; declare it '
                               'as Dynamorm.Attribute(float), a 64-bit double'
                               % (_owner_name(prop, instance), value))
    if isinstance(value, int) and not isinstance(value, bool) and gtype in _INT_RANGES:
        low, high = prop.minimum, prop.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvalidValue('%s cannot hold %d: it takes %d to %d; declare it as '
                               'Dynamorm.Attribute(int) (64-bit) or with a wider range'
                               % (_owner_name(prop, instance), value, low, high))
    if kind in ('list', 'set') or gtype == GObject.TYPE_STRV:
        if isinstance(value, str):
            raise InvalidValue('%s takes a list or set of strings, not the string %r; '
                               'wrap it: [%r]' % (_owner_name(prop, instance), value, value))
        return _string_list(value)
    if isinstance(value, datetime.datetime):
        return _datetime_to_glib(value)
    if isinstance(value, (bytes, bytearray)) and gtype == GLib.Bytes.__gtype__:
        return GLib.Bytes.new(bytes(value))
    return value


def _from_property_value(kind, value):
    if value is None:
        return None
    if kind == 'set':
        return set(value)
    if kind == 'list':
        return list(value)
    if kind == 'datetime':
        return _datetime_from_glib(value)
    if kind == 'bytes':
        return bytes(value.get_data() or b'')
    return value


_INT_RANGES = (GObject.TYPE_INT, GObject.TYPE_UINT, GObject.TYPE_LONG, GObject.TYPE_ULONG,
               GObject.TYPE_INT64, GObject.TYPE_UINT64, GObject.TYPE_CHAR, GObject.TYPE_UCHAR)

_export(Attribute)


class _PropertyExpressions(_Expressions):
    """Stands in the class of a model declared with ``GObject.Property`` for
    that property: conditions from ``Model.prop == value``, and values
    checked on assignment."""

    def __init__(self, prop):
        self._prop = prop
        self.name = prop.name
        self.type = prop.type
        self.minimum = getattr(prop, 'minimum', None)
        self.maximum = getattr(prop, 'maximum', None)

    def __get__(self, instance, klass=None):
        if instance is None:
            return self
        return self._prop.__get__(instance, klass)

    def __set__(self, instance, value):
        self._prop.__set__(instance, _to_property_value(self, None, value, instance))

    def __getattr__(self, name):
        return getattr(self._prop, name)


# ---------------------------------------------------------------------------
# Key templates (single-table design)

class Template(_Expressions):
    """A composed key attribute of a single-table model: its value is made
    from the model's properties by a key template (see Single-table design)::

        class Order(Dynamorm.Model, table="shop", entity="order",
                    collections=["customer-history", ("order-details", "gsi1")]):
            pk = Dynamorm.Template("CUSTOMER#{customer_id}", key="pk")
            sk = Dynamorm.Template("ORDER#{placed:date}#{order_id}", key="sk")
            gsi1pk = Dynamorm.Template("ORDER#{order_id}", index="gsi1")
            gsi1sk = Dynamorm.Template("ORDER", index=("gsi1", "sk"))
            customer_id = Dynamorm.Attribute(str)
            ...

    The class attribute's name is the stored attribute's name (or give
    ``attribute="NAME"``); ``key`` and ``index`` are as for
    :class:`Attribute`. Read on a model, it is the composed value (None
    while a property it needs is unset); it cannot be assigned. On the
    class, it builds conditions (``Order.pk == "CUSTOMER#c1"``).
    """

    type = str

    def __init__(self, template, *, key=None, index=None, attribute=None):
        if not isinstance(template, str):
            raise TypeError('Dynamorm.Template(%r): the template is a string such as '
                            '"CUSTOMER#{customer_id}"' % (template,))
        if key not in (None, 'pk', 'sk'):
            raise TypeError('Dynamorm.Template(key=%r): a key is "pk" (partition '
                            'key) or "sk" (sort key)' % (key,))
        if key is None and index is None:
            raise TypeError('Dynamorm.Template(%r) says neither which key it is (key="pk" '
                            'or "sk") nor which index (index="gsi1" or ("gsi1", "sk"))'
                            % (template,))
        self.template = template
        self.key = key
        self.index = index
        self.name = attribute

    def __set_name__(self, owner, name):
        if self.name is None:
            self.name = name

    def _property_name(self):
        return self.name

    def _dynamorm_tags(self):
        return '%s,template:%s' % (_role_tags(self.key, self.index), self.template)

    def __get__(self, instance, klass=None):
        if instance is None:
            return self
        try:
            item = instance.to_item()
        except GLib.Error:
            return None
        value = item.get_object().get_member(self.name) if item is not None else None
        if value is None:
            return None
        return value.get_object().get_string_member('S')

    def __set__(self, instance, value):
        raise AttributeError('%s.%s is composed from its template %r: set the properties '
                             'it names instead' % (type(instance).__name__, self.name,
                                                   self.template))

    def __repr__(self):
        return '<Dynamorm.Template %s=%r>' % (self.name, self.template)


_export(Template)


# "pk", "sk", and the parts of a multi-attribute index key.
_INDEX_PARTS = ('pk', 'sk') + tuple('%s%d' % (r, n) for r in ('pk', 'sk') for n in range(1, 5))


def _role_tags(key, index):
    """The tags of ``key="pk"`` and ``index=...`` (a name, (name, part), or a
    list of those)."""
    tags = [key] if key else []
    if index is not None:
        for entry in ([index] if isinstance(index, (str, tuple)) else index):
            name, part = (entry, 'pk') if isinstance(entry, str) else entry
            if part not in _INDEX_PARTS:
                raise TypeError('index=(%r, %r): the part of an index key is "pk" or "sk", or '
                                '"pk2".."pk4", "sk2".."sk4" for a multi-attribute key'
                                % (name, part))
            tags += ['index:%s' % name, part]
    return ','.join(tags)


# The class options of a model, as class keywords (class Order(Dynamorm.Model,
# entity="order")) or attributes (__dynamorm_entity__ = "order").
_CLASS_OPTIONS = ('table', 'entity', 'entity_attribute', 'collections', 'index_conditions')


def _option_tags(cls_name, namespace):
    """The @ options of a model class body."""
    tags = []
    entity = namespace.get('__dynamorm_entity__')
    if entity is not None:
        tags.append('@entity=%s' % entity)
    if '__dynamorm_entity_attribute__' in namespace:
        attribute = namespace['__dynamorm_entity_attribute__']
        tags.append('@entity-attribute=%s' % ('-' if attribute is None else attribute))
    # A list of names and (name, index) pairs, or one name.
    collections = namespace.get('__dynamorm_collections__') or ()
    if isinstance(collections, str):
        collections = [collections]
    for collection in collections:
        if isinstance(collection, str):
            tags.append('@collection=%s' % collection)
        elif isinstance(collection, tuple) and len(collection) == 2:
            tags.append('@collection=%s,index:%s' % collection)
        else:
            raise TypeError('%s: a collection is a name or a (name, index) pair, such as '
                            '"customer-history" or ("order-details", "gsi1"), not %r'
                            % (cls_name, collection))
    conditions = namespace.get('__dynamorm_index_conditions__') or {}
    if not isinstance(conditions, dict):
        raise TypeError('%s: index_conditions is a dict of index name to terms, such as '
                        '{"gsi2": "status!=archived"}, not %r' % (cls_name, conditions))
    for index, terms in conditions.items():
        tags.append('@index-condition=%s:%s' % (index, terms))
    return tags


# ---------------------------------------------------------------------------
# Models

def _tag_strings(cls, tags):
    """{"id": "pk", ...} (or ["id=pk", ...]) -> ["id=pk", ...]"""
    if tags is None:
        return []
    if isinstance(tags, dict):
        result = []
        for prop, tag in tags.items():
            if not isinstance(prop, str) or not isinstance(tag, str):
                raise TypeError('%s.__dynamorm_tags__: property names and tags '
                                'must be strings, not %r: %r'
                                % (cls.__name__, prop, tag))
            # Model options (@entity) and composed key attributes (pk=...,template:...)
            # are not properties: their names are kept as written.
            if not (prop.startswith('@') or 'template:' in tag):
                prop = prop.replace('_', '-')
            result.append('%s=%s' % (prop, tag))
        return result
    if isinstance(tags, (list, tuple)) and all(isinstance(t, str) for t in tags):
        return list(tags)
    raise TypeError('%s.__dynamorm_tags__ must be a dict of property name to '
                    'tags, such as {"id": "pk"}, not %r' % (cls.__name__, tags))


def _is_override_module(module):
    return module.startswith('gi.overrides.') or module.startswith('gi.repository.')


def _annotation_attributes(name, namespace):
    """Attributes for the annotated names of a model class body."""
    module = sys.modules.get(namespace.get('__module__', ''))
    for attr, hint in list(namespace.get('__annotations__', {}).items()):
        if attr.startswith('_'):
            continue
        if isinstance(hint, str):
            hint = eval(hint, dict(vars(module)) if module else {}, dict(namespace))
        if typing.get_origin(hint) is typing.ClassVar:
            continue
        value = namespace.get(attr, _UNSET)
        if isinstance(value, (Template, GObject.Property)) and not isinstance(value, Attribute):
            continue
        attribute = None
        base = hint
        if typing.get_origin(hint) is typing.Annotated:
            base = typing.get_args(hint)[0]
            attribute = next((m for m in hint.__metadata__ if isinstance(m, Attribute)), None)
        if isinstance(value, Attribute):
            attribute = value
        elif value is not _UNSET and attribute is None:
            attribute = Attribute(default=value)
        elif value is not _UNSET:
            attribute._dynamorm_options['default'] = value
        if attribute is None:
            attribute = Attribute()
        if not attribute._dynamorm_ready:
            attribute._dynamorm_set_type(base)
        namespace[attr] = attribute
    for attr, value in namespace.items():
        if isinstance(value, Attribute) and not value._dynamorm_ready:
            raise TypeError('%s.%s: give the attribute a type, as Dynamorm.Attribute(str, ...), '
                            'or annotate it: %s: Annotated[str, Dynamorm.Attribute(...)]'
                            % (name, attr, attr))


def _type_name_taken(type_name):
    try:
        return GObject.type_from_name(type_name) != GObject.TYPE_INVALID
    except RuntimeError:
        return False


def _default_type_name(name, namespace):
    if '__gtype_name__' in namespace:
        return namespace['__gtype_name__']
    module = namespace.get('__module__', '')
    return ('%s+%s' % (module, name)).replace('.', '+') if module else name


def _unique_type_name(name, namespace):
    """Lets a model class be defined again with the same name (a reloaded
    module, a notebook cell run twice): the new class gets the next free
    GType name and keeps the first one's table. Returns the GType of the
    first class, or None."""
    type_name = _default_type_name(name, namespace)
    if not _type_name_taken(type_name):
        return None
    first = GObject.type_from_name(type_name)
    for n in itertools.count(2):
        candidate = '%s_%d' % (type_name, n)
        if not _type_name_taken(candidate):
            namespace['__gtype_name__'] = candidate
            return first


class _ModelMeta(type(GObject.Object)):
    """Declares a model's schema once PyGObject has registered its GType."""

    def __new__(mcs, name, bases, namespace, **kwargs):
        namespace = dict(namespace)
        for option in _CLASS_OPTIONS:
            if option in kwargs:
                namespace['__dynamorm_%s__' % option] = kwargs.pop(option)
        if kwargs:
            raise TypeError('%s: unknown class options %s; the options are %s'
                            % (name, ', '.join(sorted(kwargs)), ', '.join(_CLASS_OPTIONS)))
        if not _is_override_module(namespace.get('__module__', '')):
            _annotation_attributes(name, namespace)
            first = _unique_type_name(name, namespace)
            if first is not None and '__dynamorm_table__' not in namespace:
                try:
                    namespace['__dynamorm_table__'] = Dynamorm.Model.type_get_table_name(first)
                except GLib.Error:
                    pass
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    def __init__(cls, name, bases, dict_, **kwargs):
        super().__init__(name, bases, dict_)
        if _is_override_module(cls.__module__):
            return
        # __new__ completed the class body: read it from the class.
        dict_ = dict(cls.__dict__)

        # GObject reads the properties with the stored values, not the
        # Python forms __get__ gives (a set for a string set, ...).
        getter = cls.__dict__.get('do_get_property')
        if getter is not None and getter.__name__ == 'obj_get_property':
            cls.do_get_property = _do_get_property

        # The model keeps the values of its attributes in C: decoding an
        # item sets them without a call into Python per property.
        stored = [v.name for v in dict_.values() if isinstance(v, Attribute)]
        if stored:
            Model.type_store_properties(cls.__gtype__, stored)

        # Conditions from the GObject.Property attributes of older models.
        for attr, value in list(dict_.items()):
            if isinstance(value, GObject.Property) and not isinstance(value, Attribute):
                setattr(cls, attr, _PropertyExpressions(value))

        attribute_tags = ['%s=%s' % (v.name.replace('_', '-'), v._dynamorm_tags())
                          for v in dict_.values()
                          if isinstance(v, Attribute) and v._dynamorm_tags()]
        attribute_tags += ['%s=%s' % (v.name, v._dynamorm_tags())
                           for v in dict_.values() if isinstance(v, Template)]
        attribute_tags += _option_tags(name, dict_)
        # Models that declare nothing of their own inherit their parent's
        # declaration.
        if '__dynamorm_table__' not in dict_ and '__dynamorm_tags__' not in dict_ \
           and not attribute_tags:
            return

        table = dict_.get('__dynamorm_table__')
        if table is not None and not isinstance(table, str):
            raise TypeError('%s.__dynamorm_table__ must be a string, not %r'
                            % (name, table))
        tags = _inherited_tags(cls) + _tag_strings(cls, dict_.get('__dynamorm_tags__')) \
            + attribute_tags
        if table is None:
            table = _inherited_table(cls)
        cls.__dynamorm_declared_tags__ = tags
        model_type_declare(cls.__gtype__, table, tags)


def _do_get_property(self, pspec):
    descriptor = getattr(type(self), pspec.name.replace('-', '_'), None)
    if isinstance(descriptor, Attribute):
        return _get_property(self, pspec.name)
    if isinstance(descriptor, _PropertyExpressions):
        descriptor = descriptor._prop
    if isinstance(descriptor, GObject.Property):
        return descriptor.fget(self)
    return None


def _inherited_tags(cls):
    for base in cls.__mro__[1:]:
        tags = base.__dict__.get('__dynamorm_declared_tags__')
        if tags is not None:
            return list(tags)
    return []


def _inherited_table(cls):
    for base in cls.__mro__[1:]:
        if '__dynamorm_declared_tags__' in base.__dict__:
            return Dynamorm.Model.type_get_table_name(base.__gtype__)
    return None


class _CheckedProps:
    """``obj.props`` of a model: PyGObject's own props object, whose
    assignments first go through the same NUL check as attribute assignment
    (PyGObject's props setter goes straight to C and would keep only what
    comes before a U+0000). Reading, iteration and ``dir()`` are PyGObject's."""

    __slots__ = ('_dynamorm_props', '_dynamorm_instance')

    def __init__(self, props, instance):
        object.__setattr__(self, '_dynamorm_props', props)
        object.__setattr__(self, '_dynamorm_instance', instance)

    def __getattr__(self, name):
        return getattr(self._dynamorm_props, name)

    def __setattr__(self, name, value):
        _refuse_nul(value, '%s.%s' % (type(self._dynamorm_instance).__name__, name.replace('-', '_')))
        setattr(self._dynamorm_props, name, value)

    def __delattr__(self, name):
        delattr(self._dynamorm_props, name)

    def __dir__(self):
        return dir(self._dynamorm_props)

    def __iter__(self):
        return iter(self._dynamorm_props)

    def __len__(self):
        return len(self._dynamorm_props)

    def __repr__(self):
        return repr(self._dynamorm_props)


class _PropsDescriptor:
    """Stands in for PyGObject's ``props`` descriptor on model classes: the
    class-level ``Model.props`` (the param specs) is unchanged; an
    instance's is wrapped in _CheckedProps."""

    def __init__(self, inner):
        self._inner = inner

    def __get__(self, instance, klass=None):
        props = self._inner.__get__(instance, klass)
        if instance is None:
            return props
        return _CheckedProps(props, instance)


class _Model:
    props = _PropsDescriptor(next(klass.__dict__['props'] for klass in GObject.Object.__mro__
                                  if 'props' in klass.__dict__))

    def __init__(self, **kwargs):
        super(Model, self).__init__()
        for name, value in kwargs.items():
            self._dynamorm_assign(name, value)

    def _dynamorm_assign(self, name, value):
        descriptor = getattr(type(self), name, None)
        if isinstance(descriptor, (Attribute, _PropertyExpressions)):
            descriptor.__set__(self, value)
            return
        if self.find_property(name.replace('_', '-')) is None:
            raise TypeError('%s has no property %r; its properties are %s'
                            % (type(self).__name__, name,
                               ', '.join(p.name for p in self.list_properties())))
        self.set_property(name, value)

    def set_property(self, name, value):
        _refuse_nul(value, '%s.%s' % (type(self).__name__, name.replace('-', '_')))
        super(Model, self).set_property(name, value)

    def __repr__(self):
        values = []
        for pspec in self.list_properties():
            try:
                value = getattr(self, pspec.name.replace('-', '_'))
            except Exception:
                continue
            if value is not None:
                values.append('%s=%r' % (pspec.name.replace('-', '_'), value))
        return '%s(%s)' % (type(self).__name__, ', '.join(values))


Model = _export(override(_override_class('Model', _Model, metaclass=_ModelMeta)), 'Model')


def model_type_declare(model_type, table_name, tags):
    """Alias of :func:`Dynamorm.Model.type_declare`."""
    return Model.type_declare(model_type, table_name, tags)


_export(model_type_declare)


# ---------------------------------------------------------------------------
# Write options from conditions

def _write_options(options):
    """A WriteOptions for ``options``: one, a condition, or None."""
    if options is None:
        return WriteOptions.new()
    if isinstance(options, Dynamorm.Condition):
        result = WriteOptions.new()
        result.add_condition(options)
        return result
    return options


WriteOptions = _export(override(_override_class('WriteOptions')), 'WriteOptions')


# ---------------------------------------------------------------------------
# Queries

class Page:
    """One page of results: ``items`` (a list of models) and ``cursor`` (the
    text to resume after it, None after the last page)."""

    __slots__ = ('items', 'cursor')

    def __init__(self, items, cursor):
        self.items = list(items)
        self.cursor = cursor

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]

    def __repr__(self):
        return '<Dynamorm.Page of %d, cursor %r>' % (len(self.items), self.cursor)


_export(Page)


class _Pages:
    """``query.pages(size)``: iterable with ``for`` and ``async for``."""

    def __init__(self, query, size, cursor, cancellable):
        self.query, self.size, self.cursor, self.cancellable = query, size, cursor, cancellable

    def __iter__(self):
        cursor = self.cursor
        while True:
            page = self.query.page(self.size, cursor, self.cancellable)
            yield page
            cursor = page.cursor
            if cursor is None:
                return

    async def __aiter__(self):
        cursor = self.cursor
        while True:
            page = await self.query.page_async(self.size, cursor, self.cancellable)
            yield page
            cursor = page.cursor
            if cursor is None:
                return


_DEFAULT_PAGE_SIZE = 100


def _page_of(query, result, args, kwargs):
    items, cursor = result
    return Page(items, cursor)


class _Query:
    def where(self, *conditions):
        """Adds conditions (``Order.customer == "c1"``, ...), ANDed; the
        schema decides which become the key condition and which filter."""
        for condition in conditions:
            for part in _and_parts(_as_condition(condition)):
                leaf = getattr(part, '_dynamorm_leaf', None)
                if leaf is not None:
                    self.where_values(*leaf)
                else:
                    self.filter(part)
        return self

    def page(self, page_size=_DEFAULT_PAGE_SIZE, cursor=None, cancellable=None):
        """One page of at most ``page_size`` results after ``cursor``: a
        :class:`Dynamorm.Page`."""
        return Page(*_QUERY_PAGE(self, page_size, cursor, cancellable))

    def pages(self, size=_DEFAULT_PAGE_SIZE, cursor=None, cancellable=None):
        """The pages of the results, for ``for`` and ``async for``."""
        return _Pages(self, size, cursor, cancellable)

    def __iter__(self):
        for page in self.pages():
            yield from page.items

    async def __aiter__(self):
        async for page in self.pages():
            for item in page.items:
                yield item


_QUERY_PAGE = _original('Query', 'page')
Query = _export(override(_override_class('Query', _Query)), 'Query')
Query.page_async = _awaitable(Dynamorm.Query.page_async,
                              Dynamorm.Query.__info__.find_method('page_async'),
                              'page_finish', convert=_page_of)


# ---------------------------------------------------------------------------
# Sessions

def _current_on_error(self, error, args, kwargs, options_index):
    options = args[options_index] if len(args) > options_index else kwargs.get('options')
    return {'current': options.get_current() if options is not None else None}


def _with_options(args, kwargs, index):
    args = list(args)
    if len(args) > index:
        args[index] = _write_options(args[index])
    else:
        kwargs['options'] = _write_options(kwargs.get('options'))
    return args, kwargs


class _Session:
    def query(self, model_type):
        """A new query on ``model_type``: ``session.query(Order).where(...)``."""
        return Query.new(self, model_type)

    def collection(self, name, first, *members):
        """A query of the collection ``name``: items of ``first`` and of the
        other ``members``, each read back as its own model type:
        ``session.collection("history", Customer, Order).where(...)``."""
        query = Query.new_collection(self, name, first)
        for member in members:
            query.add_member(member)
        return query

    def transaction(self):
        """A new transaction; as a context manager, it commits on exit."""
        return Transaction.new(self)

    def batch_write(self, *args, **kwargs):
        """A new batch write; as a context manager, it runs on exit."""
        if args or kwargs:
            return _SESSION_BATCH_WRITE(self, *args, **kwargs)
        return BatchWrite.new(self)

    def get_or_none(self, model_type, partition_key, sort_key=None, cancellable=None):
        """Like ``get``, but returns None when there is no such item."""
        try:
            return self.get(model_type, partition_key, sort_key, cancellable)
        except NotFound:
            return None

    def put_full(self, model, options=None, cancellable=None):
        """Writes ``model`` if ``options`` (a WriteOptions or a condition)
        hold and returns it; raises ConditionFailed with ``.current``, the
        stored model, otherwise."""
        options = _write_options(options)
        try:
            _SESSION_PUT_FULL(self, model, options, cancellable)
        except ConditionFailed as e:
            e.current = options.get_current()
            raise
        return model

    def update_full(self, model, update=None, options=None, cancellable=None):
        """Applies ``update`` if ``options`` (a WriteOptions or a condition)
        hold and returns the model, refreshed from the stored item; raises
        ConditionFailed with ``.current`` otherwise."""
        options = _write_options(options)
        try:
            _SESSION_UPDATE_FULL(self, model, update, options, cancellable)
        except ConditionFailed as e:
            e.current = options.get_current()
            raise
        return model

    def delete_full(self, model, options=None, cancellable=None):
        """Deletes ``model`` if ``options`` (a WriteOptions or a condition)
        hold; raises ConditionFailed with ``.current`` otherwise."""
        options = _write_options(options)
        try:
            _SESSION_DELETE_FULL(self, model, options, cancellable)
        except ConditionFailed as e:
            e.current = options.get_current()
            raise


_SESSION_PUT_FULL = _original('Session', 'put_full')
_SESSION_UPDATE_FULL = _original('Session', 'update_full')
_SESSION_DELETE_FULL = _original('Session', 'delete_full')
_SESSION_BATCH_WRITE = _original('Session', 'batch_write')
Session = _export(override(_override_class('Session', _Session)), 'Session')


def _full_async(name, options_index, result):
    """``put_full_async`` and co.: awaitable, the options may be a condition,
    the result is the model, a ConditionFailed carries ``.current``."""
    info = Dynamorm.Session.__info__.find_method(name + '_async')
    awaitable = _awaitable(
        getattr(Dynamorm.Session, name + '_async'), info, name + '_finish',
        convert=lambda self, value, args, kwargs: result(args),
        on_error=lambda self, e, args, kwargs: _current_on_error(self, e, args, kwargs,
                                                                 options_index))
    callback_index = options_index + 2

    @functools.wraps(awaitable)
    def wrapper(self, *args, **kwargs):
        if kwargs.get('callback') is not None or \
           (len(args) > callback_index and args[callback_index] is not None):
            return awaitable(self, *args, **kwargs)
        args, kwargs = _with_options(args, kwargs, options_index)
        return awaitable(self, *args, **kwargs)

    return wrapper


Session.put_full_async = _full_async('put_full', 1, lambda args: args[0])
Session.update_full_async = _full_async('update_full', 2, lambda args: args[0])
Session.delete_full_async = _full_async('delete_full', 1, lambda args: None)


# ---------------------------------------------------------------------------
# Transactions and batches

class _RunOnExit:
    """``with`` and ``async with``: run what was collected when the block
    ends, nothing if it raised."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self._dynamorm_pending():
            self._dynamorm_run()
        return False

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if exc_type is None and self._dynamorm_pending():
            await self._dynamorm_run_async()
        return False


class _Transaction(_RunOnExit):
    def put(self, model, condition=None):
        self.add_put(model, condition)
        return self

    def create(self, model, condition=None):
        """Puts ``model`` if no item has its key."""
        self.add_create(model, condition)
        return self

    def update(self, model, changes=None, condition=None):
        """Writes ``changes`` (a Dynamorm.Update, or property names; every
        property when None) to the item of ``model``."""
        if isinstance(changes, Dynamorm.Update):
            self.add_update_with(model, changes, condition)
        else:
            self.add_update(model, changes, condition)
        return self

    def delete(self, model, condition=None):
        self.add_delete(model, condition)
        return self

    def check(self, model, condition):
        """Makes the transaction depend on ``condition`` holding for the item
        of ``model``, without writing it."""
        self.add_condition_check(model, condition)
        return self

    def commit(self, cancellable=None):
        """Commits; a refusal raises with ``.failures``, the actions that
        failed."""
        try:
            return _TRANSACTION_COMMIT(self, cancellable)
        except GLib.Error as e:
            _raise_typed(e, **_transaction_failures(self, e, (), {}))

    def _dynamorm_pending(self):
        return self.get_n_actions() > 0

    def _dynamorm_run(self):
        self.commit()

    def _dynamorm_run_async(self):
        return self.commit_async()


def _transaction_failures(tx, error, args, kwargs):
    try:
        return {'failures': list(tx.get_failures())}
    except GLib.Error:
        return {'failures': []}


_TRANSACTION_COMMIT = _original('Transaction', 'commit')
Transaction = _export(override(_override_class('Transaction', _Transaction)), 'Transaction')
Transaction.commit_async = _awaitable(Dynamorm.Transaction.commit_async,
                                      Dynamorm.Transaction.__info__.find_method('commit_async'),
                                      'commit_finish', on_error=_transaction_failures)


class _BatchWrite(_RunOnExit):
    def put(self, model):
        self.add_put(model)
        return self

    def delete(self, model):
        self.add_delete(model)
        return self

    def _dynamorm_pending(self):
        return self.get_n_items() > 0

    def _dynamorm_run(self):
        self.execute()

    def _dynamorm_run_async(self):
        return self.execute_async()


BatchWrite = _export(override(_override_class('BatchWrite', _BatchWrite)), 'BatchWrite')


# Every other class: introspected methods with optional trailing arguments,
# Python collections and typed exceptions.
for _name in ('BatchGet', 'BatchOptions', 'Table', 'TableOptions', 'DataMigration',
              'Update', 'Backend', 'Key', 'StreamRecord', 'RetryPolicy', 'Credentials',
              'TransactionFailure'):
    if hasattr(Dynamorm, _name):
        _export(override(_override_class(_name)), _name)
del _name


# ---------------------------------------------------------------------------
# Running coroutines

def run_async(coro, context=None, interval=0.005):
    """Runs ``coro`` to completion and returns its result (or raises).

    A new asyncio event loop runs the coroutine while a companion task
    iterates ``context`` (the GLib default main context unless given), where
    the ``*_async`` operations of Dynamorm complete. ``interval`` is how long,
    in seconds, the companion waits when GLib had nothing to dispatch.

    Example::

        async def main():
            await session.put_async(user)
            return await session.get_async(User, "u1")

        user = Dynamorm.run_async(main())
    """
    if context is None:
        context = GLib.MainContext.default()

    async def pump():
        while True:
            dispatched = False
            while context.pending():
                context.iteration(False)
                dispatched = True
            await asyncio.sleep(0 if dispatched else interval)

    async def main():
        pumper = asyncio.ensure_future(pump())
        try:
            return await coro
        finally:
            pumper.cancel()
            try:
                await pumper
            except asyncio.CancelledError:
                pass

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


_export(run_async)
