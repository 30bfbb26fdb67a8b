// SPDX-License-Identifier: LGPL-2.1-or-later
package main

import "errors"

func asInUse[T error](err error, target *T) bool { return errors.As(err, target) }
