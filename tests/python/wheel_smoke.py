#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small program run by scripts/check-wheel.sh in a fresh virtualenv where
Dynamorm was installed with pip: no GI_TYPELIB_PATH, LD_LIBRARY_PATH or
DYNAMORM_BACKEND_PATH, and PyGObject from PyPI."""

import os
import sys

import gi
gi.require_version('Dynamorm', '1.0')
from gi.repository import GLib  # noqa: E402,F401  (gi used before Dynamorm)
from gi.repository import Dynamorm  # noqa: E402
import gi.overrides.Dynamorm as override  # noqa: E402


class Note(Dynamorm.Model, table='notes'):
    id = Dynamorm.Attribute(str, key='pk')
    text = Dynamorm.Attribute(str)
    stars: int = 0


def main():
    for variable in ('GI_TYPELIB_PATH', 'LD_LIBRARY_PATH'):
        value = os.environ.get(variable, '')
        if value and sys.prefix not in value:
            sys.exit('%s is set from outside (%s): the check would prove nothing' % (variable, value))
    # Everything comes from the virtualenv.
    typelib = gi.Repository.get_default().get_typelib_path('Dynamorm')
    for path in (typelib, override.__file__, gi.__file__):
        if not os.path.realpath(path).startswith(os.path.realpath(sys.prefix)):
            sys.exit('%s is not from the virtualenv %s' % (path, sys.prefix))

    session = Dynamorm.Session.new('memory://')
    session.create_table(Note)
    session.put(Note(id='n1', text='hello', stars=3))
    assert session.get(Note, 'n1').stars == 3
    assert [n.text for n in session.query(Note).where(Note.id == 'n1')] == ['hello']
    try:
        session.get(Note, 'missing')
    except Dynamorm.NotFound:
        pass
    else:
        sys.exit('get of a missing item did not raise Dynamorm.NotFound')
    print('ok: PyGObject %s, typelib %s' % (gi.__version__, typelib))


if __name__ == '__main__':
    main()
