#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Report pairs of files in dynamorm/ that call or include each other.

HACKING.md: "Arrows point down only. A lower file never calls an upper one."
A file here is a unit: dynamorm-NAME.c with its dynamorm-NAME.h and
dynamorm-NAME-private.h.  Unit A depends on unit B when one of A's files

  - names a non-static function that B's .c defines (a call, or the
    function passed as a callback or a source tag), or
  - includes B's private header (B's public header is part of the API
    every file sees through dynamorm.h, so it is no arrow), or
  - has a header that declares one of B's private (_dynamorm_) functions:
    whoever includes that header for A reaches into B (the session's crypto
    getter declared in dynamorm-crypto-private.h is crypto -> session).
    Public functions may be declared where the API reads best
    (dynamorm_session_create_table is in dynamorm-session.h, defined in
    dynamorm-table.c), so their prototypes make no arrow.

Every pair of units that depend on each other both ways is printed with
the names that make each arrow; the exit status is 1 when there is one,
0 when the arrows point one way.

Usage: scripts/check-cycles.py [DIR]     (DIR defaults to dynamorm/)
"""

import os
import re
import sys

DEFINITION = re.compile(r'^(_?dynamorm_\w+)\s*\(', re.M)
IDENTIFIER = re.compile(r'\b_?dynamorm_\w+\b')
PRIVATE_INCLUDE = re.compile(r'^#include\s+"(dynamorm-[\w-]+)-private\.h"', re.M)
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.S)
# A prototype (return type, name, parameters, attributes, ';'): it names a
# function without calling it, so the header that holds it makes no arrow.
PROTOTYPE = re.compile(r'^[\w \t*]*?\b_?dynamorm_\w+\s*\([^;{}]*\)[\w \t\n()]*;', re.M)


def unit_of(filename):
    """dynamorm-table-private.h, dynamorm-table.h, dynamorm-table.c -> dynamorm-table"""
    stem = filename.rsplit('.', 1)[0]
    return stem[:-len('-private')] if stem.endswith('-private') else stem


def strip_comments_and_strings(text):
    return COMMENT_OR_STRING.sub(lambda m: '""' if m.group(0).startswith('"') else ' ', text)


def is_static(text, position):
    """The return type stands on the line(s) above the name, GNU style."""
    before = text[:position].rstrip('\n').rsplit('\n', 2)[-2:]
    return any(line.startswith(('static', 'G_GNUC_UNUSED static')) for line in before)


def read_sources(folder):
    sources = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(('.c', '.h')):
            with open(os.path.join(folder, name), encoding='utf-8') as f:
                sources[name] = strip_comments_and_strings(f.read())
    return sources


def definitions(sources):
    """function name -> unit whose .c defines it (not static)"""
    owner = {}
    for name, text in sources.items():
        if not name.endswith('.c'):
            continue
        for match in DEFINITION.finditer(text):
            line_end = text.find('\n', match.start())
            line = text[match.start():line_end if line_end >= 0 else None]
            if line.rstrip().endswith(';') or is_static(text, match.start()):
                continue
            owner.setdefault(match.group(1), unit_of(name))
    return owner


def dependencies(sources, owner):
    """(unit, unit it depends on) -> sorted reasons"""
    units_with_code = {unit_of(n) for n in sources if n.endswith('.c')}
    arrows = {}
    for name, text in sources.items():
        here = unit_of(name)
        if name.endswith('.h'):
            for prototype in PROTOTYPE.finditer(text):
                declared = IDENTIFIER.search(prototype.group(0)).group(0)
                there = owner.get(declared)
                if declared.startswith('_') and there is not None and there != here:
                    arrows.setdefault((here, there), set()).add(f'{name} declares {declared}')
            text = PROTOTYPE.sub('', text)
        for identifier in set(IDENTIFIER.findall(text)):
            there = owner.get(identifier)
            if there is not None and there != here:
                arrows.setdefault((here, there), set()).add(f'{name} calls {identifier}')
        for included in PRIVATE_INCLUDE.findall(text):
            if included != here and included in units_with_code:
                arrows.setdefault((here, included), set()).add(f'{name} includes {included}-private.h')
    return arrows


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'dynamorm')
    sources = read_sources(folder)
    arrows = dependencies(sources, definitions(sources))
    cycles = sorted((a, b) for (a, b) in arrows if a < b and (b, a) in arrows)
    for a, b in cycles:
        print(f'cycle: {a} <-> {b}')
        for reason in sorted(arrows[(a, b)])[:5] + sorted(arrows[(b, a)])[:5]:
            print(f'  {reason}')
    if cycles:
        print(f'{len(cycles)} pair(s) of files depend on each other both ways; '
              'move the shared part down into a -private.h or register a function table '
              '(HACKING.md, "The layers")')
        return 1
    print(f'no cycles among {len(sources)} files')
    return 0


if __name__ == '__main__':
    sys.exit(main())
