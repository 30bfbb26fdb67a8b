/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ddb-persist.h: an engine kept in a data directory.
 *
 * Every committed write request is appended to a log (the engine's commit
 * function, ddb-engine.h) with the engine time it ran at; at open the
 * snapshot and then the logs are replayed, in order, at those times, which
 * rebuilds the same tables and items. A transaction is one request, so one
 * record: it is replayed whole or not at all. Compaction writes the whole
 * state as a snapshot of requests (CreateTable, UpdateTimeToLive, PutItem)
 * and starts a new log.
 *
 * Layout of DIR:
 *   FORMAT          "dynamorm-server data N\n" (this code writes N = 2 and
 *                   reads 1 and 2; a format 1 directory says 2 once opened)
 *   LOCK            held (flock) while a process has the directory open
 *   snapshot        records; the first names the first log to replay
 *   log.00000001 …  records, then (format 2) zeros
 * A record is: u32 magic "DRL1", u32 payload length, u32 CRC-32 of the
 * payload, payload (JSON {"time": ms, "op": name, "request": {...}}), all
 * little-endian. A log is allocated on disk ahead, in 4 MiB chunks, and
 * written through a shared mapping: a record stored there is in the
 * kernel's page cache, so it survives SIGKILL of the process (not a power
 * failure: that is what the fsync policies are for) with no system call per
 * write. The magic of a record is stored last. A log ends at its first zero
 * magic; a clean close cuts it to its records. Only the last record of the
 * last log may be torn (a crash while appending: it runs past the end, has
 * no magic, or does not read back and only zeros follow it): it is dropped.
 * Anything else that does not read back (a damaged snapshot, a bad record
 * in the middle, a request that fails on replay, a newer format) refuses
 * the directory with a message saying where, and changes nothing. */
#pragma once

#include "ddb-engine.h"

G_BEGIN_DECLS

typedef enum {
  DDB_FSYNC_ALWAYS,      /* fdatasync before answering each write */
  DDB_FSYNC_INTERVAL,    /* at most every interval_ms (ddb_persist_sync) */
  DDB_FSYNC_NEVER,       /* leave it to the kernel */
} DdbFsyncMode;

typedef struct _DdbPersist DdbPersist;

/* Loads dir (created when missing) into engine, which must be empty and
 * stays empty on failure, then logs every commit of engine there. */
DdbPersist *ddb_persist_open (DdbEngine *engine, const char *dir, DdbFsyncMode mode, GError **error);
/* Flushes the log to disk if writes are pending (the INTERVAL mode's
 * timer calls this). Thread-safe. */
gboolean ddb_persist_sync (DdbPersist *persist, GError **error);
/* Writes a snapshot and starts a new log. Call it where no request runs
 * (it reads the engine through its API). */
gboolean ddb_persist_compact (DdbPersist *persist, GError **error);
/* Bytes in the current log (to decide when to compact). */
guint64 ddb_persist_log_size (DdbPersist *persist);
/* Syncs, detaches from the engine, unlocks the directory. */
void ddb_persist_close (DdbPersist *persist);

G_END_DECLS
