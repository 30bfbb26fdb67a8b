# SPDX-License-Identifier: LGPL-2.1-or-later
"""The dynamorm pytest plugin: registered as a pytest11 entry point by the
build tree's dist-info (as by an installed copy), and used by the tests in
pytest_cases/, run here with pytest. Skipped (77) without pytest. With
`--local`, the same tests run against DynamoDB Local (DYNAMORM_LOCAL_URI,
skipped when unset) through DYNAMORM_TEST_URI, as an application's CI would
run them."""

import os
import sys

try:
    import pytest
except ImportError:
    print('pytest is not installed: skipped')
    sys.exit(77)

from importlib.metadata import entry_points  # noqa: E402

if '--local' in sys.argv:
    if not os.environ.get('DYNAMORM_LOCAL_URI'):
        print('DYNAMORM_LOCAL_URI is not set: DynamoDB Local is not running: skipped')
        sys.exit(77)
    os.environ['DYNAMORM_TEST_URI'] = os.environ['DYNAMORM_LOCAL_URI']

here = os.path.dirname(os.path.abspath(__file__))
names = [e.value for e in entry_points(group='pytest11') if e.name == 'dynamorm']
if names != ['dynamorm_pytest']:
    sys.exit('the pytest11 entry point "dynamorm" is not registered: %r' % names)

result = pytest.main(['-q', '-p', 'no:cacheprovider', '-W', 'error::pytest.PytestUnknownMarkWarning',
                      os.path.join(here, 'pytest_cases')])
# every case must have run and passed
sys.exit(int(result))
