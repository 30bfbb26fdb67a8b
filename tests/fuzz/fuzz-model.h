/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A model with one property of most storable kinds, for the fuzz targets
 * that decode items into models. */
#pragma once

#include <dynamorm.h>

GType fuzz_model_get_type (void);
/* Registers and declares the model once. */
GType fuzz_model_type (void);
