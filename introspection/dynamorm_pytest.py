# SPDX-License-Identifier: LGPL-2.1-or-later
"""pytest plugin for testing applications that use Dynamorm.

Installed with Dynamorm's Python override and registered as the ``pytest11``
entry point ``dynamorm``, so pytest loads it by itself (``-p no:dynamorm``
turns it off).

Fixtures:

``dynamorm_session``
    A fresh ``Dynamorm.Session`` per test, on ``memory://`` unless
    ``--dynamorm-uri`` (or the ``dynamorm_uri`` ini option, or the
    ``DYNAMORM_TEST_URI`` environment variable) names another backend, such
    as DynamoDB Local (``local://127.0.0.1:8000``) or dynamorm-server. On
    other backends every test gets its own table prefix, and the seeded
    tables are deleted after the test. Every call goes through a
    ``Dynamorm.RequestSpy``.

``dynamorm_spy``
    The ``Dynamorm.RequestSpy`` in front of ``dynamorm_session``:
    ``dynamorm_spy.count("Query")``, ``dynamorm_spy.dup_last_key_condition()``,
    ``dynamorm_spy.check_no_scan()`` (raises when a Scan happened).

``dynamorm_faults``
    A function that sets the faults of ``dynamorm_session`` during a test:
    ``dynamorm_faults("throttle-next:2@PutItem")``; ``dynamorm_faults("")``
    turns them off. Memory backend only.

Markers:

``@pytest.mark.dynamorm_seed(tables=None, items=None, models=())``
    Seeds ``dynamorm_session``: ``tables`` is a CreateTable-shaped JSON file,
    ``items`` maps table names to item files (DynamoDB JSON lines as
    DynamoDB's export to S3 writes them, or a JSON array), ``models`` lists
    ``Dynamorm.Model`` classes whose tables to create. Relative paths are
    relative to the test file. On ``memory://`` the fixture is loaded once
    per test session; each test restores its ``Dynamorm.Snapshot``, which
    puts back only what the previous test changed.

``@pytest.mark.dynamorm_faults("throttle:0.2,seed:7")``
    Faults of ``dynamorm_session`` from the start of the test (after
    seeding). Skips the test on backends other than ``memory://``.
"""

import itertools
import os

import pytest

import gi

gi.require_version('Dynamorm', '1.0')
gi.require_version('Gio', '2.0')

from gi.repository import Dynamorm, Gio  # noqa: E402

_DEFAULT_URI = 'memory://'
_prefix_numbers = itertools.count(1)


def pytest_addoption(parser):
    group = parser.getgroup('dynamorm')
    group.addoption('--dynamorm-uri', dest='dynamorm_uri', default=None,
                    help='backend URI of the dynamorm_session fixture '
                         '(default: $DYNAMORM_TEST_URI, else memory://)')
    parser.addini('dynamorm_uri', 'backend URI of the dynamorm_session fixture', default=None)


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'dynamorm_seed(tables=None, items=None, models=()): seed dynamorm_session '
        'from a CreateTable JSON file, item files and models')
    config.addinivalue_line(
        'markers', 'dynamorm_faults(faults): fault list of dynamorm_session (memory:// only), '
        'such as "throttle:0.2,seed:7"')


def _uri(config):
    return (config.getoption('dynamorm_uri') or config.getini('dynamorm_uri')
            or os.environ.get('DYNAMORM_TEST_URI') or _DEFAULT_URI)


def _is_memory(uri):
    return uri.startswith('memory:')


def _build_fixture(request, marker):
    """A Dynamorm.Fixture from a dynamorm_seed marker."""
    base = os.path.dirname(str(request.node.fspath))
    tables = marker.kwargs.get('tables', marker.args[0] if marker.args else None)
    items = marker.kwargs.get('items') or {}
    models = marker.kwargs.get('models') or ()

    def file_of(path):
        return Gio.File.new_for_path(os.path.join(base, os.fspath(path)))

    fixture = Dynamorm.Fixture.new()
    for model in models:
        fixture.add_model(model.__gtype__)
    if tables is not None:
        fixture.add_tables_from_file(file_of(tables), None)
    for table, path in items.items():
        fixture.add_items_from_file(table, file_of(path), None)
    return fixture


def _seed_key(request, marker):
    return (os.path.dirname(str(request.node.fspath)), repr(marker.args),
            repr(sorted((k, repr(v)) for k, v in marker.kwargs.items())))


@pytest.fixture(scope='session')
def _dynamorm_seeded_backends():
    """Per distinct dynamorm_seed marker: a memory:// backend loaded once
    and its snapshot. Each test restores the snapshot into that backend,
    which only puts back what the previous test changed."""
    seeded = {}
    yield seeded
    seeded.clear()


def _seeded_memory_backend(request, seeded, marker):
    key = _seed_key(request, marker)
    if key not in seeded:
        template = Dynamorm.Session.new('memory://')
        _build_fixture(request, marker).load(template, None)
        seeded[key] = (template.get_backend(), Dynamorm.Snapshot.new(template.get_backend(), None))
    backend, snapshot = seeded[key]
    snapshot.restore(backend, None)
    backend.set_faults('', None)
    return backend


class _Context:
    def __init__(self, session, spy, fixture):
        self.session, self.spy, self.fixture = session, spy, fixture


@pytest.fixture
def _dynamorm_context(request, _dynamorm_seeded_backends):
    uri = _uri(request.config)
    seed = request.node.get_closest_marker('dynamorm_seed')
    faults = request.node.get_closest_marker('dynamorm_faults')
    fixture = None

    if faults is not None and not _is_memory(uri):
        pytest.skip('dynamorm_faults needs a memory:// backend, not %s' % uri)
    if seed is not None and _is_memory(uri):
        backend = _seeded_memory_backend(request, _dynamorm_seeded_backends, seed)
    else:
        backend = Dynamorm.Session.new(uri).get_backend()
    spy = Dynamorm.RequestSpy.new(backend)
    session = Dynamorm.Session.new_for_backend(spy)
    if not _is_memory(uri):
        session.set_table_prefix('t%d-%d-' % (os.getpid(), next(_prefix_numbers)))
    if seed is not None and not _is_memory(uri):
        fixture = _build_fixture(request, seed)
        fixture.load(session, None)
    if faults is not None:
        spy.set_faults(faults.args[0] if faults.args else faults.kwargs['faults'], None)
    spy.clear()
    yield _Context(session, spy, fixture)
    if fixture is not None:
        fixture.unload(session, None)


@pytest.fixture
def dynamorm_session(_dynamorm_context):
    """A fresh session per test, seeded and faulted by the markers."""
    return _dynamorm_context.session


@pytest.fixture
def dynamorm_spy(_dynamorm_context):
    """The request spy in front of dynamorm_session's backend."""
    return _dynamorm_context.spy


@pytest.fixture
def dynamorm_faults(request, dynamorm_spy):
    """Sets the faults of dynamorm_session: dynamorm_faults("throttle-next:1").
    Skips the test on backends other than memory://."""
    uri = _uri(request.config)
    if not _is_memory(uri):
        pytest.skip('dynamorm_faults needs a memory:// backend, not %s' % uri)

    def set_faults(faults):
        dynamorm_spy.set_faults(faults, None)
    return set_faults
