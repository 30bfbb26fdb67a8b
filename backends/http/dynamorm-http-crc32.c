/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dynamorm-http-crc32.h"

static guint32 crc_table[256];

static void
init_table (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;
          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
          crc_table[n] = c;
        }
      g_once_init_leave (&once, 1);
    }
}

guint32
dynamorm_http_crc32 (const guint8 *data,
                     gsize         len)
{
  guint32 c = 0xFFFFFFFFu;

  init_table ();
  for (gsize i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
