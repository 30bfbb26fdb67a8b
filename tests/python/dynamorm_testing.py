# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the Python tests: the typelib versions, and assertions on
Dynamorm errors. The test scripts import it from their own directory."""

import json
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Json', '1.0')
gi.require_version('Dynamorm', '1.0')

from gi.repository import GLib, Json  # noqa: E402
from gi.repository import Dynamorm  # noqa: E402


def error_code_name(code):
    try:
        return Dynamorm.Error(code).value_nick
    except ValueError:
        return str(code)


def json_of(node):
    return json.loads(Json.to_string(node, False))


def json_node(value):
    return Json.from_string(json.dumps(value))


class DynamormTestCase(unittest.TestCase):
    def assertDynamormError(self, error, code):
        self.assertIsInstance(error, GLib.Error)
        self.assertTrue(error.matches(Dynamorm.error_quark(), code),
                        'expected %s/%s, got %s/%s: %s'
                        % (GLib.quark_to_string(Dynamorm.error_quark()),
                           error_code_name(code), error.domain,
                           error_code_name(error.code), error.message))
        # An extended error domain (G_DEFINE_EXTENDED_ERROR): "DynamormError".
        self.assertEqual(error.domain, GLib.quark_to_string(Dynamorm.error_quark()))

    def assertRaisesDynamorm(self, code, func, *args, **kwargs):
        with self.assertRaises(GLib.Error) as cm:
            func(*args, **kwargs)
        self.assertDynamormError(cm.exception, code)
        return cm.exception
