#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the formatting of the C lines a change touches, as GLib's CI does.

Usage: scripts/check-format.py [--base REV] [--all] [PATH...]

The lines added or changed since REV (default: where this branch left
main, or HEAD on main; uncommitted changes count) in *.c and *.h files are
run through clang-format-diff with the project's .clang-format (GNU style
as GLib writes it). Older lines are never reflowed. Line breaks and
alignment (parameter names, trailing comments, declarations lined up with
spaces, several case labels on one line) are the writer's choice: what is
checked is the indentation of each changed block and the spacing between
its tokens (a space before each parenthesis, around operators, and so on). Exits 0 when clean, 1 with the diffs to apply, 77 (skipped)
when clang-format is not installed. --all checks every line of the files.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

SOURCES = ['*.c', '*.h']


def git(*args):
    return subprocess.run(['git', *args], capture_output=True, text=True, check=True).stdout


def default_base():
    try:
        head = git('rev-parse', 'HEAD').strip()
        base = git('merge-base', 'HEAD', 'main').strip()
        return base if base != head else 'HEAD'
    except subprocess.CalledProcessError:
        return 'HEAD'


def find_tool():
    for name in ('clang-format-diff', 'clang-format-diff-14', 'clang-format-diff-15', 'clang-format-diff-16'):
        path = shutil.which(name)
        if path:
            return path
    return None


# Spellings clang-format cannot be told about: the gettext and g_auto
# macros and defined() take no space before their parenthesis here, and
# qualifiers after a pointer star are written "* const".
NO_SPACE_BEFORE_PAREN = re.compile(r'\b(_|N_|C_|NC_|g_autoptr|g_auto|g_autolist|g_autoslist|g_autoqueue|defined|__attribute__|visibility) \(')


def words(lines):
    """The hunk as one string of tokens: line breaks, alignment and the
    spellings above do not count."""
    text = ' '.join(line.rstrip().rstrip('\\') for line in lines)
    text = NO_SPACE_BEFORE_PAREN.sub(r'\1(', text)
    text = re.sub(r'\*\s*const\b', '*const', text)
    text = re.sub(r'^#\s+', '#', text)
    text = re.sub(r' #\s+', ' #', text)
    return re.sub(r'\s+', ' ', text).strip()


STRUCTURE = re.compile(r'^\s*(}(?=\s*(?:$|else\b|while\b))|case\b|default\b|if\b|else\b|for\b|while\b|do\b|switch\b|return\b|goto\b)')


def structure(lines):
    """The indentation of the lines that carry GNU style's shape: closing
    braces, labels and statements (continuation lines are free, and so is
    the brace after a struct or enum: both spellings are in use)."""
    return {(len(line) - len(line.lstrip(' \t')), STRUCTURE.match(line).group(1))
            for line in lines if STRUCTURE.match(line) and not line.rstrip().endswith('\\')}


def differs(removed, added):
    """Only what is not the writer's choice: the tokens and their spacing,
    and the indentation of braces and statements."""
    return words(removed) != words(added) or structure(removed) != structure(added)


def hunks(text):
    """Yields (header, removed, added) for each hunk of a unified diff."""
    header, removed, added, name = None, [], [], None
    for line in text.splitlines():
        if line.startswith('--- '):
            continue
        if line.startswith('+++ '):
            name = line[4:].split('\t')[0]
            continue
        if line.startswith('@@'):
            if header is not None:
                yield header, removed, added
            header, removed, added = f'{name} {line}', [], []
        elif line.startswith('-'):
            removed.append(line[1:])
        elif line.startswith('+'):
            added.append(line[1:])
    if header is not None:
        yield header, removed, added


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--base', help='the revision the change starts from')
    parser.add_argument('--all', action='store_true', help='check every line, not only changed ones')
    parser.add_argument('paths', nargs='*', help='limit the check to these paths')
    args = parser.parse_args()

    os.chdir(git('rev-parse', '--show-toplevel').strip())
    tool = find_tool()
    if tool is None:
        print('check-format: clang-format is not installed (Debian: clang-format); skipped')
        return 77
    if args.all:
        base = git('hash-object', '-t', 'tree', '/dev/null').strip()
    else:
        base = args.base or default_base()
    paths = args.paths or SOURCES
    diff = git('diff', '-U0', '--no-color', '--no-ext-diff', base, '--', *paths)
    result = subprocess.run([tool, '-p1', '-style', 'file'], input=diff, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stderr)
        return 2
    bad = [(h, r, a) for h, r, a in hunks(result.stdout) if differs(r, a)]
    if not bad:
        print(f'check-format: the changed lines since {base[:12]} are formatted')
        return 0
    for header, removed, added in bad:
        print(header)
        for line in removed:
            print('-' + line)
        for line in added:
            print('+' + line)
    print(f'check-format: {len(bad)} place(s) differ from .clang-format; '
          f'apply the + lines above (or run: git diff -U0 {base[:12]} | {os.path.basename(tool)} -p1 -i)',
          file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
