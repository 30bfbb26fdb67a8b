/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-http-crc32.h: the CRC-32 DynamoDB puts in x-amz-crc32. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CRC-32/ISO-HDLC (zlib's crc32), the checksum of the response body bytes. */
guint32 dynamorm_http_crc32 (const guint8 *data,
                             gsize         len);

G_END_DECLS
