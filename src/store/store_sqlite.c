/* store_sqlite.c: the embedded SQLite backend of the store (see store.h).
 *
 * One database file, DIR/orgpulse.db, in WAL mode with synchronous=FULL: a committed batch is in the WAL and
 * fsynced before store_events_append returns, so it survives kill -9 and power loss. One connection, guarded by a
 * mutex: the engine serializes writers anyway and key look-ups are cached above this layer.
 * The schema is versioned with PRAGMA user_version; `migrations` lists every step, applied in order at open.
 *
 * Idempotency ids are checked against an in-memory set rather than a unique SQL index: random ids make a B-tree
 * index dirty one page per insert, which capped ingestion far below the target. The set holds, per stored id, the
 * 64-bit hash of (project, id) and the row's seq (16 bytes); a hash match is confirmed by reading that row (a rowid
 * look-up), so dedup is exact. The set is filled by the first full scan (the server's rebuild) or, for an import,
 * on the first append. Only one process appends to a data directory (the lock file in cli.c). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

typedef struct id_slot {
    uint64_t hash; /* 0 = empty */
    int64_t seq;
} id_slot;

typedef struct id_set {
    id_slot *slots;
    size_t cap, count; /* cap: a power of two */
    int loaded;
} id_set;

typedef struct sqlite_store {
    store base;
    sqlite3 *db;
    pthread_mutex_t lock;
    sqlite3_stmt *insert_event;
    sqlite3_stmt *event_id_at; /* SELECT project_id, event_id FROM events WHERE seq=? */
    id_set ids;
} sqlite_store;

static const char *const migrations[] = {
    /* 1: projects, keys and the event log */
    "CREATE TABLE projects(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id),"
    " name TEXT NOT NULL, scopes TEXT NOT NULL, org_id TEXT, secret_hash BLOB NOT NULL,"
    " created_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER);"
    "CREATE INDEX api_keys_project ON api_keys(project_id);"
    "CREATE TABLE events(seq INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " received_at INTEGER NOT NULL, type INTEGER NOT NULL, event_id TEXT, user_id TEXT, org_id TEXT,"
    " team_id TEXT, body TEXT);",
};

static int fail(sqlite_store *s, const char *what) {
    log_error("sqlite: %s: %s", what, sqlite3_errmsg(s->db));
    return STORE_EIO;
}

static int exec_sql(sqlite_store *s, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("sqlite: %s", msg ? msg : "exec failed");
        sqlite3_free(msg);
        return STORE_EIO;
    }
    return STORE_OK;
}

static int migrate(sqlite_store *s) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return fail(s, "user_version");
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    int target = (int)(sizeof migrations / sizeof migrations[0]);
    if (version > target) {
        log_error("sqlite: database schema version %d is newer than this orgpulse (%d)", version, target);
        return STORE_EIO;
    }
    for (int v = version; v < target; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", v + 1);
        if (exec_sql(s, "BEGIN IMMEDIATE") || exec_sql(s, migrations[v]) || exec_sql(s, pragma) ||
            exec_sql(s, "COMMIT")) {
            exec_sql(s, "ROLLBACK");
            return STORE_EIO;
        }
    }
    return STORE_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static const char *column_text_or_null(sqlite3_stmt *st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, i);
}

/* ---- the idempotency-id set ---- */

static uint64_t id_hash(int64_t project_id, const char *id) {
    uint64_t h = strmap_hash(id, strlen(id));
    h ^= (uint64_t)project_id * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    return h | 1; /* never 0, which marks an empty slot */
}

static void id_set_place(id_slot *slots, size_t cap, uint64_t hash, int64_t seq) {
    size_t i = hash & (cap - 1);
    while (slots[i].hash) i = (i + 1) & (cap - 1);
    slots[i].hash = hash, slots[i].seq = seq;
}

static void id_set_add(id_set *set, uint64_t hash, int64_t seq) {
    if ((set->count + 1) * 5 > set->cap * 4) {
        size_t ncap = set->cap ? set->cap * 2 : 1 << 16;
        id_slot *ns = xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i].hash) id_set_place(ns, ncap, set->slots[i].hash, set->slots[i].seq);
        free(set->slots);
        set->slots = ns, set->cap = ncap;
    }
    id_set_place(set->slots, set->cap, hash, seq);
    set->count++;
}

static void id_set_free(id_set *set) {
    free(set->slots);
    memset(set, 0, sizeof *set);
}

/* Is (project, id) stored? A hash match is confirmed by reading the row. */
static int id_set_contains(sqlite_store *s, uint64_t hash, int64_t project_id, const char *id) {
    id_set *set = &s->ids;
    if (!set->cap) return 0;
    for (size_t i = hash & (set->cap - 1); set->slots[i].hash; i = (i + 1) & (set->cap - 1)) {
        if (set->slots[i].hash != hash) continue;
        sqlite3_stmt *st = s->event_id_at;
        sqlite3_bind_int64(st, 1, set->slots[i].seq);
        int same = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == project_id &&
                   sqlite3_column_type(st, 1) == SQLITE_TEXT && strcmp((const char *)sqlite3_column_text(st, 1), id) == 0;
        sqlite3_reset(st);
        if (same) return 1;
    }
    return 0;
}

static int id_set_load(sqlite_store *s) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, project_id, event_id FROM events WHERE event_id IS NOT NULL", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "load ids");
    id_set_free(&s->ids);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        id_set_add(&s->ids, id_hash(sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2)),
                   sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return fail(s, "load ids");
    s->ids.loaded = 1;
    return STORE_OK;
}

static void sq_close(store *base) {
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_finalize(s->insert_event);
    sqlite3_finalize(s->event_id_at);
    id_set_free(&s->ids);
    if (s->db && sqlite3_close(s->db) != SQLITE_OK) log_error("sqlite: close: %s", sqlite3_errmsg(s->db));
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int sq_project_find_locked(sqlite_store *s, const char *name, int64_t *out_id) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM projects WHERE name=?", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "project_find");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int result = STORE_ENOTFOUND;
    if (rc == SQLITE_ROW) {
        *out_id = sqlite3_column_int64(st, 0);
        result = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        result = fail(s, "project_find");
    }
    sqlite3_finalize(st);
    return result;
}

static int sq_project_find(store *base, const char *name, int64_t *out_id) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    int rc = sq_project_find_locked(s, name, out_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_project_ensure(store *base, const char *name, int64_t *out_id) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    int rc = sq_project_find_locked(s, name, out_id);
    if (rc == STORE_ENOTFOUND) {
        sqlite3_stmt *st;
        rc = STORE_EIO;
        if (sqlite3_prepare_v2(s->db, "INSERT INTO projects(name, created_at) VALUES(?, ?)", -1, &st, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, time_now_ms());
            if (sqlite3_step(st) == SQLITE_DONE) {
                *out_id = sqlite3_last_insert_rowid(s->db);
                rc = STORE_OK;
            } else {
                fail(s, "project_ensure");
            }
            sqlite3_finalize(st);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_project_list(store *base, store_project_fn fn, void *ctx) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM projects ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "project_list");
    } else {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if ((rc = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1))) != 0) break;
        }
        if (step != SQLITE_ROW && step != SQLITE_DONE) rc = fail(s, "project_list");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_events_append(store *base, store_event *evs, size_t n, unsigned char *dup) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    int rc = s->ids.loaded ? STORE_OK : id_set_load(s);
    if (rc == STORE_OK) rc = exec_sql(s, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = s->insert_event;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        store_event *e = &evs[i];
        uint64_t h = e->id ? id_hash(e->project_id, e->id) : 0;
        if (e->id && id_set_contains(s, h, e->project_id, e->id)) {
            dup[i] = 1;
            e->seq = 0;
            continue;
        }
        sqlite3_bind_int64(st, 1, e->project_id);
        sqlite3_bind_int64(st, 2, e->ts_ms);
        sqlite3_bind_int64(st, 3, e->received_ms);
        sqlite3_bind_int(st, 4, e->type);
        bind_text_or_null(st, 5, e->id);
        bind_text_or_null(st, 6, e->user_id);
        bind_text_or_null(st, 7, e->org_id);
        bind_text_or_null(st, 8, e->team_id);
        bind_text_or_null(st, 9, e->body);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = fail(s, "insert event");
        } else {
            dup[i] = 0;
            e->seq = sqlite3_last_insert_rowid(s->db);
            if (e->id) id_set_add(&s->ids, h, e->seq);
        }
        sqlite3_reset(st);
    }
    if (rc == STORE_OK) rc = exec_sql(s, "COMMIT");
    if (rc != STORE_OK) {
        exec_sql(s, "ROLLBACK");
        id_set_free(&s->ids); /* it may hold ids of the rolled-back rows: reload on the next append */
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_events_scan(store *base, int64_t after_seq, store_event_fn fn, void *ctx) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, project_id, ts, received_at, type, event_id, user_id, org_id, team_id, body"
                           " FROM events WHERE seq > ? ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "events_scan");
    } else {
        sqlite3_bind_int64(st, 1, after_seq);
        int fill_ids = after_seq == 0 && !s->ids.loaded; /* a full scan loads the id set for free */
        if (fill_ids) id_set_free(&s->ids);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            store_event e = {
                .seq = sqlite3_column_int64(st, 0),
                .project_id = sqlite3_column_int64(st, 1),
                .ts_ms = sqlite3_column_int64(st, 2),
                .received_ms = sqlite3_column_int64(st, 3),
                .type = sqlite3_column_int(st, 4),
                .id = column_text_or_null(st, 5),
                .user_id = column_text_or_null(st, 6),
                .org_id = column_text_or_null(st, 7),
                .team_id = column_text_or_null(st, 8),
                .body = column_text_or_null(st, 9),
            };
            if (fill_ids && e.id) id_set_add(&s->ids, id_hash(e.project_id, e.id), e.seq);
            if ((rc = fn(ctx, &e)) != 0) break;
        }
        if (step != SQLITE_ROW && step != SQLITE_DONE) rc = fail(s, "events_scan");
        if (fill_ids && step == SQLITE_DONE && rc == STORE_OK) s->ids.loaded = 1;
        if (fill_ids && !s->ids.loaded) id_set_free(&s->ids);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_key_insert(store *base, const store_key *k) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO api_keys(id, project_id, name, scopes, org_id, secret_hash, created_at)"
                           " VALUES(?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "key_insert");
    } else {
        sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, k->project_id);
        sqlite3_bind_text(st, 3, k->name ? k->name : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, k->scopes, -1, SQLITE_STATIC);
        bind_text_or_null(st, 5, k->org_id);
        sqlite3_bind_blob(st, 6, k->hash, STORE_KEY_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, k->created_ms);
        int step = sqlite3_step(st);
        if (step == SQLITE_CONSTRAINT)
            rc = STORE_EEXISTS;
        else if (step != SQLITE_DONE)
            rc = fail(s, "key_insert");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define KEY_COLUMNS "id, project_id, name, scopes, org_id, secret_hash, created_at, last_used_at, revoked_at"

static void read_key_row(sqlite3_stmt *st, store_key *k) {
    memset(k, 0, sizeof *k);
    snprintf(k->id, sizeof k->id, "%s", (const char *)sqlite3_column_text(st, 0));
    k->project_id = sqlite3_column_int64(st, 1);
    k->name = xstrdup((const char *)sqlite3_column_text(st, 2));
    k->scopes = xstrdup((const char *)sqlite3_column_text(st, 3));
    const char *org = column_text_or_null(st, 4);
    k->org_id = org ? xstrdup(org) : NULL;
    if (sqlite3_column_bytes(st, 5) == STORE_KEY_HASH_LEN) memcpy(k->hash, sqlite3_column_blob(st, 5), STORE_KEY_HASH_LEN);
    k->created_ms = sqlite3_column_int64(st, 6);
    k->last_used_ms = sqlite3_column_int64(st, 7);
    k->revoked_ms = sqlite3_column_int64(st, 8);
}

static int sq_key_get(store *base, const char *id, store_key *out) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_ENOTFOUND;
    if (sqlite3_prepare_v2(s->db, "SELECT " KEY_COLUMNS " FROM api_keys WHERE id=?", -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "key_get");
    } else {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            read_key_row(st, out);
            rc = STORE_OK;
        } else if (step != SQLITE_DONE) {
            rc = fail(s, "key_get");
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_key_list(store *base, int64_t project_id, store_key_fn fn, void *ctx) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT " KEY_COLUMNS " FROM api_keys WHERE ?1 < 0 OR project_id=?1 ORDER BY created_at, id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "key_list");
    } else {
        sqlite3_bind_int64(st, 1, project_id);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            store_key k;
            read_key_row(st, &k);
            rc = fn(ctx, &k);
            store_key_clear(&k);
            if (rc) break;
        }
        if (step != SQLITE_ROW && step != SQLITE_DONE) rc = fail(s, "key_list");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int update_key_time(sqlite_store *s, const char *sql, const char *id, int64_t now_ms) {
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "key update");
    } else {
        sqlite3_bind_int64(st, 1, now_ms);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fail(s, "key update");
        else if (sqlite3_changes(s->db) == 0)
            rc = STORE_ENOTFOUND;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_key_revoke(store *base, const char *id, int64_t now_ms) {
    return update_key_time((sqlite_store *)base,
                           "UPDATE api_keys SET revoked_at=coalesce(revoked_at, ?1) WHERE id=?2", id, now_ms);
}

static int sq_key_touch(store *base, const char *id, int64_t now_ms) {
    return update_key_time((sqlite_store *)base, "UPDATE api_keys SET last_used_at=?1 WHERE id=?2", id, now_ms);
}

static const store_backend sqlite_backend = {
    .name = "sqlite",
    .close = sq_close,
    .project_ensure = sq_project_ensure,
    .project_find = sq_project_find,
    .project_list = sq_project_list,
    .events_append = sq_events_append,
    .events_scan = sq_events_scan,
    .key_insert = sq_key_insert,
    .key_get = sq_key_get,
    .key_list = sq_key_list,
    .key_revoke = sq_key_revoke,
    .key_touch = sq_key_touch,
};

int store_sqlite_open(const char *dir, store **out, char *err, size_t errlen) {
    if (mkdir(dir, 0700) != 0) {
        struct stat stt;
        if (stat(dir, &stt) != 0 || !S_ISDIR(stt.st_mode)) {
            snprintf(err, errlen, "cannot create data directory %s", dir);
            return STORE_EIO;
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/orgpulse.db", dir);
    sqlite_store *s = xcalloc(1, sizeof *s);
    s->base.backend = &sqlite_backend;
    pthread_mutex_init(&s->lock, NULL);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return STORE_EIO;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (exec_sql(s, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144;"
                    " PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824; PRAGMA wal_autocheckpoint=10000;") ||
        migrate(s) ||
        sqlite3_prepare_v3(s->db,
                           "INSERT INTO events(project_id, ts, received_at, type, event_id, user_id, org_id,"
                           " team_id, body) VALUES(?,?,?,?,?,?,?,?,?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->insert_event, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, "SELECT project_id, event_id FROM events WHERE seq=?", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->event_id_at, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot prepare %s: %s", path, sqlite3_errmsg(s->db));
        sq_close(&s->base);
        return STORE_EIO;
    }
    *out = &s->base;
    return STORE_OK;
}
