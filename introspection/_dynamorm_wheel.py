# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where a pip-installed Dynamorm keeps its files, set up at start-up.

The wheel (pyproject.toml, meson-python) puts the library in
``site-packages/.dynamorm.mesonpy.libs`` and its typelib and the backend
modules in ``site-packages/_dynamorm``, which neither GObject-Introspection
nor the dynamic loader search. ``dynamorm.pth``
imports this module when Python starts, before anything imports ``gi``
(the typelib search path is read once, when the repository is first used),
so that ``from gi.repository import Dynamorm`` works without environment
variables:

* ``GI_TYPELIB_PATH`` gets the wheel's ``girepository-1.0`` in front;
* ``DYNAMORM_BACKEND_PATH`` names the wheel's backends (unless set);
* the first import of ``gi.repository.Dynamorm`` loads the library from
  the wheel first, so the typelib's ``libdynamorm-1.so.0`` is found by its
  name. Nothing else is loaded at start-up.
"""

import glob
import os
import sys

_SITE = os.path.dirname(os.path.abspath(__file__))
LIBS = os.path.join(_SITE, '.dynamorm.mesonpy.libs')
DATA = os.path.join(_SITE, '_dynamorm')


def _prepend(variable, directory):
    current = os.environ.get(variable)
    os.environ[variable] = directory + (os.pathsep + current if current else '')


class _LoadLibraryFirst:
    """A meta path finder that only loads the library, once, when
    gi.repository.Dynamorm is imported, and lets PyGObject import it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'gi.repository.Dynamorm':
            sys.meta_path.remove(self)
            import ctypes
            for library in sorted(glob.glob(os.path.join(LIBS, 'libdynamorm-*.so.*'))):
                ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
                break
        return None


def setup():
    if not os.path.isdir(DATA):
        return
    _prepend('GI_TYPELIB_PATH', os.path.join(DATA, 'girepository-1.0'))
    os.environ.setdefault('DYNAMORM_BACKEND_PATH', os.path.join(DATA, 'backends'))
    sys.meta_path.insert(0, _LoadLibraryFirst())


setup()
