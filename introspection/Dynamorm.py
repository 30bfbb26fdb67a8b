# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override for Dynamorm.

What it adds to ``gi.repository.Dynamorm``:

* ``Dynamorm.Model`` subclasses declare their schema with class attributes::

      class User(Dynamorm.Model):
          __dynamorm_table__ = "users"
          __dynamorm_tags__ = {"id": "pk", "email": "index:by-email,pk"}

          id = GObject.Property(type=str)
          email = GObject.Property(type=str)

  Once PyGObject has registered the GType, the metaclass calls
  ``Dynamorm.Model.type_declare(cls.__gtype__, table, ["id=pk", ...])``. A
  wrong schema (no partition key, an unknown property, a key of a type
  DynamoDB keys cannot hold, ...) raises the ``GLib.Error``
  (``Dynamorm.Error.INVALID_MODEL``) at class definition. Subclasses inherit
  the schema of their parent unless they declare their own. Property names in
  ``__dynamorm_tags__`` may be written with ``_`` or ``-``.

* Every ``*_async`` method with a ``*_finish`` pair (of ``Dynamorm.Session``,
  ``Query``, ``BatchGet``, ``BatchWrite``, ``Transaction``, ``Table`` and
  ``DataMigration``) called without a callback returns an ``asyncio.Future``
  resolved from the ``*_finish`` function, so that coroutines can
  ``await session.put_async(user, None)`` or ``await query.all_async(None)``.
  Cancelling the future cancels the operation (through the
  ``Gio.Cancellable`` passed in, or one made for the call).

* ``Dynamorm.run_async(coro)`` runs a coroutine to completion on a new
  asyncio event loop while iterating the GLib main context, which is where
  the completions of the ``*_async`` calls are dispatched. PyGObject 3.42 has
  no asyncio integration of its own; use this (or any loop that iterates the
  GLib main context) to run code that awaits Dynamorm calls.

* ``Dynamorm.model_type_declare`` is an alias of
  ``Dynamorm.Model.type_declare``, the name the C documentation uses.
"""

import asyncio
import functools

from gi.repository import GLib, GObject, Gio

from .. import _gi
from ..module import get_introspection_module
from ..overrides import override

Dynamorm = get_introspection_module('Dynamorm')

__all__ = []


# ---------------------------------------------------------------------------
# Models

def _tag_strings(cls, tags):
    """{"id": "pk", ...} (or ["id=pk", ...]) -> ["id=pk", ...]"""
    if tags is None:
        return None
    if isinstance(tags, dict):
        result = []
        for prop, tag in tags.items():
            if not isinstance(prop, str) or not isinstance(tag, str):
                raise TypeError('%s.__dynamorm_tags__: property names and tags '
                                'must be strings, not %r: %r'
                                % (cls.__name__, prop, tag))
            result.append('%s=%s' % (prop.replace('_', '-'), tag))
        return result
    if isinstance(tags, (list, tuple)) and all(isinstance(t, str) for t in tags):
        return list(tags)
    raise TypeError('%s.__dynamorm_tags__ must be a dict of property name to '
                    'tags, such as {"id": "pk"}, not %r' % (cls.__name__, tags))


class _ModelMeta(type(GObject.Object)):
    """Declares a model's schema once PyGObject has registered its GType."""

    def __init__(cls, name, bases, dict_):
        super().__init__(name, bases, dict_)

        # The override class itself, and models that declare nothing of
        # their own (they inherit their parent's declaration).
        if cls.__module__.startswith('gi.overrides.') or cls.__module__.startswith('gi.repository.'):
            return
        if '__dynamorm_table__' not in dict_ and '__dynamorm_tags__' not in dict_:
            return

        table = dict_.get('__dynamorm_table__')
        if table is not None and not isinstance(table, str):
            raise TypeError('%s.__dynamorm_table__ must be a string, not %r'
                            % (name, table))
        tags = _tag_strings(cls, dict_.get('__dynamorm_tags__'))
        Dynamorm.Model.type_declare(cls.__gtype__, table, tags)


class Model(Dynamorm.Model, metaclass=_ModelMeta):
    pass


Model = override(Model)
__all__.append('Model')


def model_type_declare(model_type, table_name, tags):
    """Alias of :func:`Dynamorm.Model.type_declare`."""
    return Dynamorm.Model.type_declare(model_type, table_name, tags)


__all__.append('model_type_declare')


# ---------------------------------------------------------------------------
# Awaitable async methods

def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def _python_arguments(info):
    """The names of the arguments PyGObject takes, in order: the C arguments
    without array lengths, destroy notifiers and out arguments, so that
    ``batch_get_async (type, keys, n_keys, options, cancellable, callback,
    user_data)`` is ``batch_get_async(type, keys, options, cancellable,
    callback, user_data)``, as in Python."""
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
    return [a.get_name() for i, a in enumerate(args) if i not in hidden]


def _make_awaitable(name, method, finish_name):
    in_args = _python_arguments(method)
    cb_index = in_args.index('callback')
    cancellable_index = in_args.index('cancellable') if 'cancellable' in in_args else None

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if (len(args) > cb_index and args[cb_index] is not None) or \
           kwargs.get('callback') is not None:
            return method(self, *args, **kwargs)

        args = list(args[:cb_index])
        kwargs.pop('callback', None)
        kwargs.pop('user_data', None)

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
            except BaseException as e:  # GLib.Error, mostly
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


def _add_awaitables(override_class, base):
    for info in base.__info__.get_methods():
        name = info.get_name()
        if not name.endswith('_async'):
            continue
        finish_name = name[:-len('_async')] + '_finish'
        if not hasattr(base, finish_name):
            continue
        if 'callback' not in [a.get_name() for a in info.get_arguments()]:
            continue
        setattr(override_class, name, _make_awaitable(name, getattr(base, name), finish_name))


# The classes whose *_async methods become awaitable when called without
# a callback.
for _name in ('Session', 'Query', 'BatchGet', 'BatchWrite', 'Transaction', 'Table', 'DataMigration'):
    _base = getattr(Dynamorm, _name)
    _class = type(_name, (_base,), {'__module__': __name__})
    _add_awaitables(_class, _base)
    globals()[_name] = override(_class)
    __all__.append(_name)
del _name, _base, _class


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
            await session.put_async(user, None)
            return await session.get_async(User, "u1", None, None)

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


__all__.append('run_async')
