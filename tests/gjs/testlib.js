// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Shared by the GJS tests: assertions on values and Dynamorm errors, and a
// runner that awaits each test inside a GLib main loop, prints `ok`/`not ok`
// per test, and exits non-zero if any failed.

import GLib from 'gi://GLib';
import Dynamorm from 'gi://Dynamorm?version=1.0';
import System from 'system';

export function fail(message) {
    throw new Error(message);
}

export function assertEqual(actual, expected, what) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        fail(`${what}: expected ${e}, got ${a}`);
}

export function assertTrue(value, what) {
    if (!value)
        fail(`${what}: expected true, got ${value}`);
}

export function codeName(code) {
    for (const [name, value] of Object.entries(Dynamorm.Error)) {
        if (value === code && name === name.toUpperCase())
            return name;
    }
    return String(code);
}

export function assertDynamormError(e, code, what) {
    if (!(e instanceof GLib.Error))
        throw e;
    if (!e.matches(Dynamorm.error_quark(), code)) {
        fail(`${what}: expected Dynamorm.Error.${codeName(code)}, got ` +
             `${GLib.quark_to_string(e.domain)}/${codeName(e.code)}: ${e.message}`);
    }
}

export function assertThrowsDynamorm(fn, code, what) {
    try {
        fn();
    } catch (e) {
        assertDynamormError(e, code, what);
        return e;
    }
    return fail(`${what}: expected Dynamorm.Error.${codeName(code)}, nothing was thrown`);
}

async function runAll(tests) {
    let failed = 0;
    for (const [name, test] of Object.entries(tests)) {
        try {
            await test();
            print(`ok - ${name}`);
        } catch (e) {
            failed++;
            print(`not ok - ${name}: ${e.message}`);
            if (e.stack)
                printerr(e.stack);
        }
    }
    return failed;
}

// Runs every test of `tests` (name -> function, possibly async) in order.
export function runTests(tests) {
    const loop = new GLib.MainLoop(null, false);
    let failures = -1;
    runAll(tests).then(n => {
        failures = n;
    }).catch(e => {
        printerr(`runner failed: ${e}`);
    }).finally(() => loop.quit());
    loop.run();

    if (failures !== 0) {
        printerr(failures < 0 ? 'the runner did not finish' : `${failures} of ${Object.keys(tests).length} tests failed`);
        System.exit(1);
    }
}
