/* store_sqlite.c: the embedded SQLite backend of the store (see store.h).
 *
 * One database file, DIR/orgpulse.db, in WAL mode with synchronous=FULL: a committed batch is in the WAL and
 * fsynced before store_events_append returns, so it survives kill -9 and power loss. One connection, guarded by a
 * mutex: the engine serializes writers anyway and key look-ups are cached above this layer.
 * The schema is versioned with PRAGMA user_version; `migrations` lists every step, applied in order at open.
 *
 * Idempotency ids are checked against an in-memory set rather than a unique SQL index: random ids make a B-tree
 * index dirty one page per insert, which capped ingestion far below the target. The set holds the 64-bit hash of
 * (project, id) of every stored id, 8 bytes each at a load of at most 3/4 (about 11 bytes per id); two ids are taken
 * as the same when their hashes are equal. The chance that a store of n ids holds one false duplicate is about
 * n^2 / 2^65: 3e-8 at a million ids, 3e-5 at 32 million, the odds a random UUID scheme lives with too.
 * The set is filled by the first full scan (the server's rebuild) or, for an import, on the first append.
 * Only one process appends to a data directory (the lock file in cli.c).
 *
 * Events name users, orgs and teams by number (user_num...), and `entities` maps the numbers to the ids clients
 * use: rows are a third smaller than with UUID strings, and the index rebuild finds entities by number instead of
 * hashing strings. The numbers are assigned here, per project and kind, from an in-memory map loaded on first use. */
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

typedef struct id_set {
    uint64_t *slots; /* 0 = empty */
    size_t cap, count;
    int loaded;    /* holds every stored id */
    int64_t upto;  /* when not loaded but slots is set: holds the ids of the events with seq <= upto (a saved state) */
} id_set;

/* The ids of one project's entities of one kind: id -> number (map) and number -> id (names). */
typedef struct entity_map {
    strmap numbers;
    char **names;
    size_t count, cap;
} entity_map;

typedef struct project_entities {
    int64_t project_id;
    entity_map kinds[3];
} project_entities;

typedef struct sqlite_store {
    store base;
    sqlite3 *db;
    pthread_mutex_t lock;
    sqlite3_stmt *insert_event;
    sqlite3_stmt *insert_entity;
    id_set ids;
    project_entities *entities;
    size_t nentities;
    int entities_loaded;
} sqlite_store;

static const char *const migrations[] = {
    /* 1: projects, keys and the event log */
    "CREATE TABLE projects(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id),"
    " name TEXT NOT NULL, scopes TEXT NOT NULL, org_id TEXT, secret_hash BLOB NOT NULL,"
    " created_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER);"
    "CREATE INDEX api_keys_project ON api_keys(project_id);"
    "CREATE TABLE entities(project_id INTEGER NOT NULL, kind INTEGER NOT NULL, num INTEGER NOT NULL,"
    " ext_id TEXT NOT NULL, PRIMARY KEY(project_id, kind, num)) WITHOUT ROWID;"
    "CREATE TABLE events(seq INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " received_at INTEGER NOT NULL, type INTEGER NOT NULL, event_id TEXT, user_num INTEGER, org_num INTEGER,"
    " team_num INTEGER, body TEXT);",
    /* 2: batch exports (definitions, runs, backfills as JSON documents) */
    "CREATE TABLE export_records(kind INTEGER NOT NULL, id TEXT NOT NULL, project_id INTEGER NOT NULL,"
    " parent_id TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(kind, id));"
    "CREATE INDEX export_records_created ON export_records(kind, created_at, id);",
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

static void bind_num_or_null(sqlite3_stmt *st, int i, int64_t n) {
    if (n >= 0)
        sqlite3_bind_int64(st, i, n);
    else
        sqlite3_bind_null(st, i);
}

static int64_t column_num_or_none(sqlite3_stmt *st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
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

/* Positions by multiply-shift, so the capacity need not be a power of two and can grow by half. */
static size_t id_set_home(uint64_t hash, size_t cap) { return (size_t)(((unsigned __int128)hash * cap) >> 64); }

static void id_set_place(uint64_t *slots, size_t cap, uint64_t hash) {
    size_t i = id_set_home(hash, cap);
    while (slots[i]) i = i + 1 == cap ? 0 : i + 1;
    slots[i] = hash;
}

static void id_set_reserve(id_set *set, size_t n) {
    if (n * 4 <= set->cap * 3) return;
    size_t ncap = set->cap ? set->cap + set->cap / 2 : 1 << 16;
    while (n * 4 > ncap * 3) ncap += ncap / 2;
    uint64_t *ns = xcalloc_table(ncap * sizeof *ns);
    for (size_t i = 0; i < set->cap; i++)
        if (set->slots[i]) id_set_place(ns, ncap, set->slots[i]);
    xfree_table(set->slots, set->cap * sizeof *set->slots);
    set->slots = ns, set->cap = ncap;
}

/* Add hashes known to be new (a full scan of stored ids), prefetching their home slots a batch ahead: at tens of
 * millions of ids every insert is a cache miss, and overlapping them is most of the load time. */
static void id_set_add_many(id_set *set, const uint64_t *hashes, size_t n) {
    id_set_reserve(set, set->count + n);
    for (size_t i = 0; i < n; i++) __builtin_prefetch(&set->slots[id_set_home(hashes[i], set->cap)], 1);
    for (size_t i = 0; i < n; i++) id_set_place(set->slots, set->cap, hashes[i]);
    set->count += n;
}

/* Add a hash; returns 0 when it was already there. */
static int id_set_add(id_set *set, uint64_t hash) {
    id_set_reserve(set, set->count + 1);
    size_t i = id_set_home(hash, set->cap);
    for (; set->slots[i]; i = i + 1 == set->cap ? 0 : i + 1)
        if (set->slots[i] == hash) return 0;
    set->slots[i] = hash;
    set->count++;
    return 1;
}

static void id_set_free(id_set *set) {
    xfree_table(set->slots, set->cap * sizeof *set->slots);
    memset(set, 0, sizeof *set);
}

/* The largest seq: an upper bound of the ids stored, to size the id set once (pages of a large calloc that stay
 * empty cost no memory). */
static int64_t max_seq(sqlite_store *s) {
    sqlite3_stmt *st;
    int64_t n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT max(seq) FROM events", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return n;
}

static int id_set_load(sqlite_store *s) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT project_id, event_id FROM events WHERE event_id IS NOT NULL", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "load ids");
    id_set_free(&s->ids);
    id_set_reserve(&s->ids, (size_t)max_seq(s));
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        id_set_add(&s->ids, id_hash(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return fail(s, "load ids");
    s->ids.loaded = 1;
    return STORE_OK;
}

/* The id set saved beside an index snapshot: a header, then the slots as they are in memory. */
#define ID_STATE_MAGIC 0x31534449504f4cULL /* "LOPIDS1" */

typedef struct id_state_header {
    uint64_t magic;
    int64_t upto; /* 0 with magic 0: no state */
    uint64_t cap, count;
} id_state_header;

static int sq_state_save(store *base, FILE *f) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    id_state_header h = {0};
    if (s->ids.loaded && s->ids.cap) h = (id_state_header){ID_STATE_MAGIC, max_seq(s), s->ids.cap, s->ids.count};
    int ok = fwrite(&h, sizeof h, 1, f) == 1 && (!h.magic || fwrite(s->ids.slots, sizeof *s->ids.slots, h.cap, f) == h.cap);
    pthread_mutex_unlock(&s->lock);
    return ok ? STORE_OK : STORE_EIO;
}

static int sq_state_load(store *base, FILE *f, int64_t upto_seq) {
    sqlite_store *s = (sqlite_store *)base;
    id_state_header h;
    if (fread(&h, sizeof h, 1, f) != 1) return STORE_EINVAL;
    if (!h.magic) return STORE_OK; /* nothing saved: the id set loads on the first append */
    if (h.magic != ID_STATE_MAGIC || h.upto != upto_seq || h.cap < h.count || h.cap > ((size_t)1 << 36) ||
        h.count * 4 > h.cap * 3)
        return STORE_EINVAL;
    pthread_mutex_lock(&s->lock);
    id_set_free(&s->ids);
    uint64_t *slots = xcalloc_table(h.cap * sizeof *slots);
    int rc = STORE_OK;
    if (fread(slots, sizeof *slots, h.cap, f) != h.cap) {
        xfree_table(slots, h.cap * sizeof *slots);
        rc = STORE_EINVAL;
    } else {
        s->ids = (id_set){.slots = slots, .cap = h.cap, .count = h.count, .loaded = 0, .upto = upto_seq};
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- entity numbers ---- */

static void entities_free(sqlite_store *s) {
    for (size_t i = 0; i < s->nentities; i++) {
        for (int k = 0; k < 3; k++) {
            entity_map *m = &s->entities[i].kinds[k];
            for (size_t n = 0; n < m->count; n++) free(m->names[n]);
            free(m->names);
            strmap_free(&m->numbers);
        }
    }
    free(s->entities);
    s->entities = NULL, s->nentities = 0, s->entities_loaded = 0;
}

static entity_map *entity_map_of(sqlite_store *s, int64_t project_id, int kind) {
    for (size_t i = 0; i < s->nentities; i++)
        if (s->entities[i].project_id == project_id) return &s->entities[i].kinds[kind];
    s->entities = xrealloc(s->entities, (s->nentities + 1) * sizeof *s->entities);
    project_entities *pe = &s->entities[s->nentities++];
    memset(pe, 0, sizeof *pe);
    pe->project_id = project_id;
    return &pe->kinds[kind];
}

/* Remember number `num` for `ext_id` (numbers arrive in order: num == count). */
static void entity_map_put(entity_map *m, const char *ext_id) {
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->names = xrealloc(m->names, m->cap * sizeof *m->names);
    }
    char *name = xstrdup(ext_id);
    m->names[m->count] = name;
    strmap_put(&m->numbers, name, strlen(name), (uint32_t)m->count);
    m->count++;
}

static int entities_load(sqlite_store *s) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT project_id, kind, num, ext_id FROM entities ORDER BY project_id, kind, num",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "load entities");
    entities_free(s);
    int step, rc = STORE_OK;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int kind = sqlite3_column_int(st, 1);
        if (kind < 0 || kind > 2) continue;
        entity_map *m = entity_map_of(s, sqlite3_column_int64(st, 0), kind);
        if ((size_t)sqlite3_column_int64(st, 2) != m->count) {
            log_error("sqlite: entity numbers are not dense (project %lld kind %d)",
                      (long long)sqlite3_column_int64(st, 0), kind);
            rc = STORE_EIO;
            break;
        }
        entity_map_put(m, (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    if (rc == STORE_OK && step != SQLITE_DONE) rc = fail(s, "load entities");
    if (rc == STORE_OK) s->entities_loaded = 1;
    else entities_free(s);
    return rc;
}

/* The number of ext_id (whose strmap_hash is `hash`), assigning the next one (and storing it, inside the caller's
 * transaction) when new. */
static int entity_number(sqlite_store *s, int64_t project_id, int kind, const char *ext_id, uint64_t hash,
                         int64_t *out) {
    if (!ext_id) {
        *out = -1;
        return STORE_OK;
    }
    entity_map *m = entity_map_of(s, project_id, kind);
    uint32_t num;
    size_t len = strlen(ext_id);
    if (strmap_get_hashed(&m->numbers, ext_id, len, hash, &num) == 0) {
        *out = num;
        return STORE_OK;
    }
    sqlite3_stmt *st = s->insert_entity;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_int(st, 2, kind);
    sqlite3_bind_int64(st, 3, (int64_t)m->count);
    sqlite3_bind_text(st, 4, ext_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE) return fail(s, "insert entity");
    *out = (int64_t)m->count;
    entity_map_put(m, ext_id);
    return STORE_OK;
}

static const char *entity_name(sqlite_store *s, int64_t project_id, int kind, int64_t num) {
    if (num < 0) return NULL;
    entity_map *m = entity_map_of(s, project_id, kind);
    return (size_t)num < m->count ? m->names[num] : NULL;
}

static void sq_close(store *base) {
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_finalize(s->insert_event);
    sqlite3_finalize(s->insert_entity);
    id_set_free(&s->ids);
    entities_free(s);
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

/* Hashes of one event's id and entity ids, computed a few events ahead of use so their slots can be prefetched:
 * at millions of ids each look-up is otherwise a cache miss in turn. */
typedef struct event_hashes {
    uint64_t id, user, org, team;
} event_hashes;

#define APPEND_LOOKAHEAD 16

static uint64_t hash_or_zero(const char *s) { return s ? strmap_hash(s, strlen(s)) : 0; }

static void hash_and_prefetch(sqlite_store *s, const store_event *e, event_hashes *h) {
    h->id = e->id ? id_hash(e->project_id, e->id) : 0;
    h->user = hash_or_zero(e->user_id);
    h->org = hash_or_zero(e->org_id);
    h->team = hash_or_zero(e->team_id);
    if (h->id && s->ids.cap) __builtin_prefetch(&s->ids.slots[id_set_home(h->id, s->ids.cap)]);
    if (h->user) strmap_prefetch(&entity_map_of(s, e->project_id, STORE_KIND_USER)->numbers, h->user);
    if (h->org) strmap_prefetch(&entity_map_of(s, e->project_id, STORE_KIND_ORG)->numbers, h->org);
}

static int sq_events_append(store *base, store_event *evs, size_t n, unsigned char *dup) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    int rc = s->ids.loaded ? STORE_OK : id_set_load(s);
    if (rc == STORE_OK && !s->entities_loaded) rc = entities_load(s);
    if (rc == STORE_OK) rc = exec_sql(s, "BEGIN IMMEDIATE");
    if (rc == STORE_OK) id_set_reserve(&s->ids, s->ids.count + n); /* no growth (and moved slots) mid-batch */
    event_hashes ring[APPEND_LOOKAHEAD];
    for (size_t i = 0; rc == STORE_OK && i < n && i < APPEND_LOOKAHEAD; i++) hash_and_prefetch(s, &evs[i], &ring[i]);
    sqlite3_stmt *st = s->insert_event;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        store_event *e = &evs[i];
        event_hashes h = ring[i % APPEND_LOOKAHEAD];
        if (i + APPEND_LOOKAHEAD < n) hash_and_prefetch(s, &evs[i + APPEND_LOOKAHEAD], &ring[i % APPEND_LOOKAHEAD]);
        if (e->id && !id_set_add(&s->ids, h.id)) {
            dup[i] = 1;
            e->seq = 0;
            continue;
        }
        if ((rc = entity_number(s, e->project_id, STORE_KIND_USER, e->user_id, h.user, &e->user_num)) != STORE_OK ||
            (rc = entity_number(s, e->project_id, STORE_KIND_ORG, e->org_id, h.org, &e->org_num)) != STORE_OK ||
            (rc = entity_number(s, e->project_id, STORE_KIND_TEAM, e->team_id, h.team, &e->team_num)) != STORE_OK)
            break;
        sqlite3_bind_int64(st, 1, e->project_id);
        sqlite3_bind_int64(st, 2, e->ts_ms);
        sqlite3_bind_int64(st, 3, e->received_ms);
        sqlite3_bind_int(st, 4, e->type);
        bind_text_or_null(st, 5, e->id);
        bind_num_or_null(st, 6, e->user_num);
        bind_num_or_null(st, 7, e->org_num);
        bind_num_or_null(st, 8, e->team_num);
        bind_text_or_null(st, 9, e->body);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = fail(s, "insert event");
        } else {
            dup[i] = 0;
            e->seq = sqlite3_last_insert_rowid(s->db);
        }
        sqlite3_reset(st);
    }
    if (rc == STORE_OK) rc = exec_sql(s, "COMMIT");
    if (rc != STORE_OK) {
        exec_sql(s, "ROLLBACK");
        id_set_free(&s->ids); /* it may hold ids of the rolled-back rows: reload on the next append */
        entities_free(s);     /* likewise numbers */
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* An events row (seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num, body) with its
 * entity ids; the strings live until the next step. */
static void read_event_row(sqlite_store *s, sqlite3_stmt *st, store_event *e) {
    *e = (store_event){
        .seq = sqlite3_column_int64(st, 0),
        .project_id = sqlite3_column_int64(st, 1),
        .ts_ms = sqlite3_column_int64(st, 2),
        .received_ms = sqlite3_column_int64(st, 3),
        .type = sqlite3_column_int(st, 4),
        .id = column_text_or_null(st, 5),
        .user_num = column_num_or_none(st, 6),
        .org_num = column_num_or_none(st, 7),
        .team_num = column_num_or_none(st, 8),
        .body = column_text_or_null(st, 9),
    };
    e->user_id = entity_name(s, e->project_id, STORE_KIND_USER, e->user_num);
    e->org_id = entity_name(s, e->project_id, STORE_KIND_ORG, e->org_num);
    e->team_id = entity_name(s, e->project_id, STORE_KIND_TEAM, e->team_num);
}

static int sq_events_scan(store *base, int64_t after_seq, store_event_fn fn, void *ctx) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = s->entities_loaded ? STORE_OK : entities_load(s);
    if (rc != STORE_OK) {
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num, body"
                           " FROM events WHERE seq > ? ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "events_scan");
    } else {
        sqlite3_bind_int64(st, 1, after_seq);
        /* A scan from the start loads the id set for free; so does a scan of the tail after a restored state. */
        int partial = !s->ids.loaded && s->ids.slots && s->ids.upto == after_seq;
        int fill_ids = !s->ids.loaded && (after_seq == 0 || partial);
        uint64_t pending[64];
        size_t npending = 0;
        if (fill_ids) {
            if (!partial) id_set_free(&s->ids);
            id_set_reserve(&s->ids, (size_t)max_seq(s));
        }
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            store_event e;
            read_event_row(s, st, &e);
            if (fill_ids && e.id) {
                pending[npending++] = id_hash(e.project_id, e.id);
                if (npending == 64) id_set_add_many(&s->ids, pending, npending), npending = 0;
            }
            if ((rc = fn(ctx, &e)) != 0) break;
        }
        if (fill_ids && npending) id_set_add_many(&s->ids, pending, npending);
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

/* ---- batch exports ---- */

static int sq_export_put(store *base, const store_export_rec *r) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO export_records(kind, id, project_id, parent_id, created_at, doc)"
                           " VALUES(?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "export_put");
    } else {
        sqlite3_bind_int(st, 1, r->kind);
        sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, r->project_id);
        sqlite3_bind_text(st, 4, r->parent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, r->created_ms);
        sqlite3_bind_text(st, 6, r->doc, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = fail(s, "export_put");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sq_export_list(store *base, int kind, store_export_fn fn, void *ctx) {
    sqlite_store *s = (sqlite_store *)base;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, project_id, parent_id, created_at, doc FROM export_records WHERE kind=?"
                           " ORDER BY created_at, id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "export_list");
    } else {
        sqlite3_bind_int(st, 1, kind);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            store_export_rec r = {
                .kind = kind,
                .id = (const char *)sqlite3_column_text(st, 0),
                .project_id = sqlite3_column_int64(st, 1),
                .parent_id = (const char *)sqlite3_column_text(st, 2),
                .created_ms = sqlite3_column_int64(st, 3),
                .doc = (const char *)sqlite3_column_text(st, 4),
            };
            if ((rc = fn(ctx, &r)) != 0) break;
        }
        if (rc == STORE_OK && step != SQLITE_DONE) rc = fail(s, "export_list");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Reading a window of received time. Events are appended in received order: the server stamps received_at under
 * the ingest lock (engine/ingest.c), so received_at does not decrease along seq, except across a step of the system
 * clock. The window is therefore found by binary search on the rowid B-tree (seq) instead of a secondary index on
 * received_at, which would cost every append a second B-tree write (measured: about a third of offline import
 * throughput). The seq range is widened by RECEIVED_SLACK_MS on both sides and the rows are filtered exactly by
 * received_at, so clock steps smaller than that cannot move an event into the wrong window.
 * Rows are read EXPORT_PAGE at a time under the store lock, so a large window never holds up appends for long. */
#define EXPORT_PAGE 2000
#define RECEIVED_SLACK_MS 60000

/* The first seq whose received_at >= t (max seq + 1 when none), by binary search over seq (seqs may have gaps). */
static int seq_received_lower_bound(sqlite_store *s, int64_t t, int64_t *out) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "export_events");
    int64_t lo = 0, hi = max_seq(s) + 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, mid);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW && sqlite3_column_int64(st, 1) < t) {
            lo = sqlite3_column_int64(st, 0) + 1;
        } else if (step == SQLITE_ROW || step == SQLITE_DONE) {
            hi = mid;
        } else {
            sqlite3_finalize(st);
            return fail(s, "export_events");
        }
    }
    sqlite3_finalize(st);
    *out = lo;
    return STORE_OK;
}

static int sq_export_events(store *base, int64_t project_id, int by, int64_t from_ms, int64_t to_ms,
                            store_event_fn fn, void *ctx) {
    sqlite_store *s = (sqlite_store *)base;
    const char *sql = by == STORE_BY_RECEIVED
        ? "SELECT seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num, body FROM events"
          " WHERE seq>?4 AND seq<?6 AND project_id=?1 AND received_at>=?2 AND received_at<?3 ORDER BY seq LIMIT ?5"
        : "SELECT seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num, body FROM events"
          " WHERE seq>?4 AND seq<?6 AND project_id=?1 AND ts>=?2 AND ts<?3 ORDER BY seq LIMIT ?5";
    int64_t after = 0, upto = INT64_MAX;
    if (by == STORE_BY_RECEIVED) {
        pthread_mutex_lock(&s->lock);
        int rc = seq_received_lower_bound(s, from_ms - RECEIVED_SLACK_MS, &after);
        if (rc == STORE_OK) rc = seq_received_lower_bound(s, to_ms + RECEIVED_SLACK_MS, &upto);
        pthread_mutex_unlock(&s->lock);
        if (rc != STORE_OK) return rc;
        after--; /* the scan takes seq > after */
    }
    for (;;) {
        pthread_mutex_lock(&s->lock);
        sqlite3_stmt *st;
        int rc = s->entities_loaded ? STORE_OK : entities_load(s);
        int rows = 0;
        if (rc != STORE_OK) {
        } else if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
            rc = fail(s, "export_events");
        } else {
            sqlite3_bind_int64(st, 1, project_id);
            sqlite3_bind_int64(st, 2, from_ms);
            sqlite3_bind_int64(st, 3, to_ms);
            sqlite3_bind_int64(st, 4, after);
            sqlite3_bind_int(st, 5, EXPORT_PAGE);
            sqlite3_bind_int64(st, 6, upto);
            int step;
            while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                store_event e;
                read_event_row(s, st, &e);
                after = e.seq;
                rows++;
                if ((rc = fn(ctx, &e)) != 0) break;
            }
            if (rc == STORE_OK && step != SQLITE_DONE) rc = fail(s, "export_events");
            sqlite3_finalize(st);
        }
        pthread_mutex_unlock(&s->lock);
        if (rc != STORE_OK || rows < EXPORT_PAGE) return rc;
    }
}

static const store_backend sqlite_backend = {
    .name = "sqlite",
    .close = sq_close,
    .project_ensure = sq_project_ensure,
    .project_find = sq_project_find,
    .project_list = sq_project_list,
    .events_append = sq_events_append,
    .events_scan = sq_events_scan,
    .state_save = sq_state_save,
    .state_load = sq_state_load,
    .key_insert = sq_key_insert,
    .key_get = sq_key_get,
    .key_list = sq_key_list,
    .key_revoke = sq_key_revoke,
    .key_touch = sq_key_touch,
    .export_put = sq_export_put,
    .export_list = sq_export_list,
    .export_events = sq_export_events,
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
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return STORE_EIO;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (exec_sql(s, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
                    " PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=10000;") ||
        migrate(s) ||
        sqlite3_prepare_v3(s->db,
                           "INSERT INTO events(project_id, ts, received_at, type, event_id, user_num, org_num,"
                           " team_num, body) VALUES(?,?,?,?,?,?,?,?,?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->insert_event, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, "INSERT INTO entities(project_id, kind, num, ext_id) VALUES(?,?,?,?)", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->insert_entity, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot prepare %s: %s", path, sqlite3_errmsg(s->db));
        sq_close(&s->base);
        return STORE_EIO;
    }
    *out = &s->base;
    return STORE_OK;
}
