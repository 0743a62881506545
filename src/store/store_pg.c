/* store_pg.c: the PostgreSQL backend of the store (see store.h), for several orgpulse nodes on one database.
 *
 * Connections. One connection for the store's calls, guarded by a mutex (as store_sqlite.c), and a second one that
 * only LISTENs for the notification each append sends (store_wait_change), so a node's follower wakes within
 * milliseconds of another node's commit. Every statement is parameterized (PQexecParams); event and entity rows go
 * in with COPY ... FROM STDIN, whose data is not SQL.
 *
 * Durability. synchronous_commit=on for the session: COMMIT returns once the commit record is flushed, so an
 * append that returned 0 (and the 200 sent after it) survives a crash of the node or of the database server.
 *
 * Order. Appends of every node take one transaction-scoped advisory lock (APPEND_LOCK) before they draw seq values
 * from events_seq and hold it until their COMMIT is visible, so transactions commit in seq order: a reader that has
 * seen seq N has seen every committed seq below N, and tailing the log with `seq > last seen` never skips a seq
 * that commits late (sequence values drawn by concurrent transactions would otherwise commit out of order). The
 * price: appends are serialized across nodes, as they are in one process on SQLite; reads scale with the nodes.
 * The same lock makes idempotency ids and entity numbers simple: under it a node reads which ids of its batch are
 * stored and the entity numbers other nodes assigned, and the UNIQUE (project_id, event_id) constraint backs the
 * check up in the database.
 *
 * Schema. Every table but projects leads its primary key with project_id, so a Citus cluster can distribute them
 * by project (README "PostgreSQL"): projects is a reference table. Migrations are numbered statements applied in
 * order under a session advisory lock (MIGRATE_LOCK), recorded in orgpulse_schema.
 *
 * Entity numbers (users, orgs, teams per project) live in `entities` and in memory (store_entities.h); rows carry a
 * global eseq so a node reads only the numbers assigned since it last looked.
 *
 * No in-memory state beyond that: state_save/state_load are not provided (the id check is the database's), so an
 * index snapshot on PostgreSQL holds the index alone and a start scans the log after it. */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_entities.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

/* Advisory lock keys: (LOCK_SPACE, n) for orgpulse's own locks, (NAMED_SPACE, hash) for store_lock_try. */
#define LOCK_SPACE "1869770608"  /* 'op' 'lp' */
#define NAMED_SPACE "1869770606" /* 'op' 'ln' */
#define APPEND_LOCK "1"
#define MIGRATE_LOCK "2"
#define NOTIFY_CHANNEL "orgpulse_events"
#define SCAN_FETCH "4096"
#define SCAN_FETCH_ROWS 4096

typedef struct pg_store {
    store base;
    PGconn *db;
    pthread_mutex_t lock;
    PGconn *listener; /* LISTEN connection; NULL until the first store_wait_change, or after it failed */
    char *url;
    store_entities ents;
    int64_t ents_eseq; /* every entity row with eseq <= this is in ents */
} pg_store;

static const char *const migrations[] = {
    /* 1: projects, keys, entity numbers and the event log */
    "CREATE TABLE projects(id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, created_at bigint NOT NULL);"
    "CREATE TABLE api_keys(project_id bigint NOT NULL, id text NOT NULL, name text NOT NULL, scopes text NOT NULL,"
    " org_id text, secret_hash bytea NOT NULL, created_at bigint NOT NULL, last_used_at bigint, revoked_at bigint,"
    " PRIMARY KEY(project_id, id));"
    "CREATE INDEX api_keys_id ON api_keys(id);"
    "CREATE SEQUENCE entities_eseq;"
    "CREATE TABLE entities(project_id bigint NOT NULL, kind smallint NOT NULL, num bigint NOT NULL,"
    " ext_id text NOT NULL, eseq bigint NOT NULL DEFAULT nextval('entities_eseq'),"
    " PRIMARY KEY(project_id, kind, num), UNIQUE(project_id, kind, ext_id));"
    "CREATE INDEX entities_eseq_idx ON entities(eseq);"
    "CREATE SEQUENCE events_seq;"
    "CREATE TABLE events(project_id bigint NOT NULL, seq bigint NOT NULL, ts bigint NOT NULL,"
    " received_at bigint NOT NULL, type smallint NOT NULL, event_id text, user_num bigint, org_num bigint,"
    " team_num bigint, body text, PRIMARY KEY(project_id, seq), UNIQUE(project_id, event_id));"
    "CREATE INDEX events_seq_idx ON events(seq);",
    /* 2: batch exports (definitions, runs, backfills as JSON documents, see store.h), and export_clock, a one-row
     * counter every put bumps in its own transaction, so a node can tell cheaply whether any node changed a record
     * since it last read them (store_export_version). export_clock is a reference table, like projects. */
    "CREATE TABLE export_records(project_id bigint NOT NULL, kind smallint NOT NULL, id text NOT NULL,"
    " parent_id text NOT NULL, created_at bigint NOT NULL, doc text NOT NULL, PRIMARY KEY(project_id, kind, id));"
    "CREATE INDEX export_records_created ON export_records(kind, created_at, id);"
    "CREATE TABLE export_clock(one smallint PRIMARY KEY CHECK (one = 1), changes bigint NOT NULL);"
    "INSERT INTO export_clock VALUES(1, 0);",
};

/* ---- statements ---- */

/* A new connection in place of a dropped one, with the session settings store_pg_open made. */
static void reconnect(pg_store *s) {
    log_error("postgres: connection lost; reconnecting");
    PQreset(s->db);
    if (PQstatus(s->db) != CONNECTION_OK) return;
    PGresult *r = PQexec(s->db, "SET synchronous_commit = on; SET client_min_messages = warning"); /* constants */
    PQclear(r);
}

/* Send one statement with text parameters. A statement sent outside a transaction (alone, or a BEGIN) that finds
 * the connection dropped (the database server restarted) is sent once more on a new connection: it cannot have
 * run. Session state goes with the old connection: store_lock_try's locks are released. */
static PGresult *exec_params(pg_store *s, const char *sql, int nparams, const char *const *params) {
    int idle = PQtransactionStatus(s->db) == PQTRANS_IDLE;
    PGresult *r = PQexecParams(s->db, sql, nparams, NULL, params, NULL, NULL, 0);
    if (idle && PQstatus(s->db) == CONNECTION_BAD) {
        PQclear(r);
        reconnect(s);
        r = PQexecParams(s->db, sql, nparams, NULL, params, NULL, NULL, 0);
    }
    return r;
}

/* Run one statement with text parameters; returns the result when its status is `want`, else logs, clears and
 * returns NULL. */
static PGresult *run(pg_store *s, const char *what, ExecStatusType want, const char *sql, int nparams,
                     const char *const *params) {
    PGresult *r = exec_params(s, sql, nparams, params);
    if (PQresultStatus(r) == want) return r;
    log_error("postgres: %s: %s", what, r ? PQresultErrorMessage(r) : PQerrorMessage(s->db));
    PQclear(r);
    return NULL;
}

static int exec_ok(pg_store *s, const char *what, const char *sql, int nparams, const char *const *params) {
    PGresult *r = run(s, what, PGRES_COMMAND_OK, sql, nparams, params);
    if (!r) return STORE_EIO;
    PQclear(r);
    return STORE_OK;
}

static int tuples_ok(pg_store *s, const char *what, const char *sql, int nparams, const char *const *params,
                     PGresult **out) {
    *out = run(s, what, PGRES_TUPLES_OK, sql, nparams, params);
    return *out ? STORE_OK : STORE_EIO;
}

static void rollback(pg_store *s) {
    PGresult *r = PQexec(s->db, "ROLLBACK");
    PQclear(r);
}

/* After a failure: when the connection itself broke (the server restarted), reconnect for the next call. */
static void recover(pg_store *s) {
    if (PQstatus(s->db) == CONNECTION_BAD)
        reconnect(s);
    else if (PQtransactionStatus(s->db) != PQTRANS_IDLE) {
        rollback(s);
    }
}

static int64_t get_i64(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? -1 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static const char *get_text(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

typedef struct num_text {
    char s[24];
} num_text;

static num_text i64_text(int64_t v) {
    num_text t;
    snprintf(t.s, sizeof t.s, "%lld", (long long)v);
    return t;
}

/* ---- COPY ---- */

/* One field of COPY's text format: \N for NULL, else the text with backslash, tab, newline and CR escaped. */
static void copy_field(buf *b, const char *v, int last) {
    if (!v) {
        buf_append(b, "\\N", 2);
    } else {
        for (const char *p = v; *p; p++) {
            switch (*p) {
            case '\\': buf_append(b, "\\\\", 2); break;
            case '\t': buf_append(b, "\\t", 2); break;
            case '\n': buf_append(b, "\\n", 2); break;
            case '\r': buf_append(b, "\\r", 2); break;
            default: buf_append_char(b, *p);
            }
        }
    }
    buf_append_char(b, last ? '\n' : '\t');
}

static void copy_num(buf *b, int64_t v, int last) {
    if (v < 0)
        copy_field(b, NULL, last);
    else
        buf_appendf(b, "%lld%c", (long long)v, last ? '\n' : '\t');
}

static int copy_in(pg_store *s, const char *sql, const buf *rows) {
    PGresult *r = PQexec(s->db, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok) {
        log_error("postgres: %s: %s", sql, PQerrorMessage(s->db));
        return STORE_EIO;
    }
    for (size_t off = 0; ok && off < rows->len; off += 1 << 20) {
        size_t n = rows->len - off < (1u << 20) ? rows->len - off : (1u << 20);
        ok = PQputCopyData(s->db, rows->data + off, (int)n) == 1;
    }
    ok = PQputCopyEnd(s->db, ok ? NULL : "orgpulse: send failed") == 1 && ok;
    while ((r = PQgetResult(s->db)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            log_error("postgres: %s: %s", sql, PQresultErrorMessage(r));
            ok = 0;
        }
        PQclear(r);
    }
    return ok ? STORE_OK : STORE_EIO;
}

/* ---- schema ---- */

static int migrate(pg_store *s) {
    const char *lock[] = {LOCK_SPACE, MIGRATE_LOCK};
    PGresult *r;
    if (tuples_ok(s, "migrate lock", "SELECT pg_advisory_lock($1::int, $2::int)", 2, lock, &r)) return STORE_EIO;
    PQclear(r);
    int rc = exec_ok(s, "migrate", "CREATE TABLE IF NOT EXISTS orgpulse_schema(version int NOT NULL)", 0, NULL);
    int version = 0;
    if (rc == STORE_OK && (rc = tuples_ok(s, "migrate", "SELECT coalesce(max(version), 0) FROM orgpulse_schema", 0,
                                          NULL, &r)) == STORE_OK) {
        version = (int)get_i64(r, 0, 0);
        PQclear(r);
    }
    int target = (int)(sizeof migrations / sizeof migrations[0]);
    if (rc == STORE_OK && version > target) {
        log_error("postgres: database schema version %d is newer than this orgpulse (%d)", version, target);
        rc = STORE_EIO;
    }
    for (int v = version; rc == STORE_OK && v < target; v++) {
        num_text next = i64_text(v + 1);
        const char *p[] = {next.s};
        r = PQexec(s->db, "BEGIN");
        PQclear(r);
        r = PQexec(s->db, migrations[v]); /* constant DDL of several statements: the simple protocol */
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) log_error("postgres: migration %d: %s", v + 1, PQresultErrorMessage(r));
        PQclear(r);
        if (ok && exec_ok(s, "migrate", "INSERT INTO orgpulse_schema(version) VALUES($1::int)", 1, p) == STORE_OK &&
            exec_ok(s, "migrate", "COMMIT", 0, NULL) == STORE_OK)
            continue;
        rollback(s);
        rc = STORE_EIO;
    }
    if (tuples_ok(s, "migrate unlock", "SELECT pg_advisory_unlock($1::int, $2::int)", 2, lock, &r) == STORE_OK)
        PQclear(r);
    return rc;
}

/* ---- entity numbers ---- */

/* Read the entity numbers assigned since the last look (by any node), in the caller's transaction. */
static int entities_refresh(pg_store *s) {
    num_text after = i64_text(s->ents_eseq);
    const char *p[] = {after.s};
    PGresult *r;
    if (tuples_ok(s, "load entities",
                  "SELECT eseq, project_id, kind, num, ext_id FROM entities WHERE eseq > $1::bigint ORDER BY eseq", 1,
                  p, &r))
        return STORE_EIO;
    int rc = STORE_OK, n = PQntuples(r);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        int kind = (int)get_i64(r, i, 2);
        if (kind < 0 || kind > 2) continue;
        store_entity_map *m = store_entities_map(&s->ents, get_i64(r, i, 1), kind);
        int64_t num = get_i64(r, i, 3);
        if ((size_t)num > m->count) {
            log_error("postgres: entity numbers are not dense (project %lld kind %d)", (long long)get_i64(r, i, 1),
                      kind);
            rc = STORE_EIO;
        } else if ((size_t)num == m->count) {
            store_entity_map_put(m, PQgetvalue(r, i, 4));
        } /* else: this node assigned it and knows it already */
        if (rc == STORE_OK) s->ents_eseq = get_i64(r, i, 0);
    }
    PQclear(r);
    return rc;
}

/* The number of ext_id in `m`, assigning the next one (written to `rows` for COPY) when new. */
static int64_t entity_number(store_entity_map *m, int64_t project_id, int kind, const char *ext_id, buf *rows) {
    if (!ext_id) return -1;
    uint32_t num;
    if (strmap_get(&m->numbers, ext_id, strlen(ext_id), &num) == 0) return num;
    int64_t next = (int64_t)m->count;
    copy_num(rows, project_id, 0);
    copy_num(rows, kind, 0);
    copy_num(rows, next, 0);
    copy_field(rows, ext_id, 1);
    store_entity_map_put(m, ext_id);
    return next;
}

/* ---- methods ---- */

static void pg_close(store *base) {
    pg_store *s = (pg_store *)base;
    if (s->db) PQfinish(s->db);
    if (s->listener) PQfinish(s->listener);
    store_entities_free(&s->ents);
    free(s->url);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int project_find_locked(pg_store *s, const char *name, int64_t *out_id) {
    const char *p[] = {name};
    PGresult *r;
    if (tuples_ok(s, "project_find", "SELECT id FROM projects WHERE name = $1", 1, p, &r)) return STORE_EIO;
    int rc = PQntuples(r) == 1 ? STORE_OK : STORE_ENOTFOUND;
    if (rc == STORE_OK) *out_id = get_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_project_find(store *base, const char *name, int64_t *out_id) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    int rc = project_find_locked(s, name, out_id);
    if (rc == STORE_EIO) recover(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_project_ensure(store *base, const char *name, int64_t *out_id) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text now = i64_text(time_now_ms());
    const char *p[] = {name, now.s};
    int rc = exec_ok(s, "project_ensure",
                     "INSERT INTO projects(name, created_at) VALUES($1, $2::bigint) ON CONFLICT (name) DO NOTHING", 2, p);
    if (rc == STORE_OK) rc = project_find_locked(s, name, out_id);
    if (rc == STORE_EIO) recover(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_project_list(store *base, store_project_fn fn, void *ctx) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    PGresult *r;
    int rc = tuples_ok(s, "project_list", "SELECT id, name FROM projects ORDER BY id", 0, NULL, &r);
    if (rc == STORE_OK) {
        for (int i = 0; i < PQntuples(r) && rc == 0; i++) rc = fn(ctx, get_i64(r, i, 0), PQgetvalue(r, i, 1));
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* The batch's ids as a text[] literal: {"a","b"} with " and \ escaped. */
static void id_array(const store_event *evs, size_t n, buf *out) {
    buf_append_char(out, '{');
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!evs[i].id) continue;
        if (!first) buf_append_char(out, ',');
        first = 0;
        buf_append_char(out, '"');
        for (const char *p = evs[i].id; *p; p++) {
            if (*p == '"' || *p == '\\') buf_append_char(out, '\\');
            buf_append_char(out, *p);
        }
        buf_append_char(out, '"');
    }
    buf_append_char(out, '}');
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The body of an append, inside its transaction and under APPEND_LOCK. */
static int append_locked(pg_store *s, store_event *evs, size_t n, unsigned char *dup) {
    int64_t project_id = evs[0].project_id;
    num_text project = i64_text(project_id);
    /* which ids are stored already (by any node) */
    buf ids;
    buf_init(&ids);
    id_array(evs, n, &ids);
    const char *p[] = {project.s, buf_cstr(&ids)};
    PGresult *stored;
    int rc = tuples_ok(s, "find ids", "SELECT event_id FROM events WHERE project_id = $1::bigint AND event_id = ANY($2::text[])",
                       2, p, &stored);
    buf_free(&ids);
    if (rc) return rc;
    strmap taken; /* keys point into `stored` and evs */
    strmap_init(&taken);
    for (int i = 0; i < PQntuples(stored); i++) strmap_put(&taken, PQgetvalue(stored, i, 0), (size_t)PQgetlength(stored, i, 0), 1);
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t seen;
        dup[i] = evs[i].id && strmap_get(&taken, evs[i].id, strlen(evs[i].id), &seen) == 0;
        if (!dup[i] && evs[i].id) strmap_put(&taken, evs[i].id, strlen(evs[i].id), 1);
        if (dup[i]) evs[i].seq = 0;
        fresh += !dup[i];
    }
    strmap_free(&taken);
    PQclear(stored);
    if (fresh == 0) return STORE_OK;

    /* seq values, drawn under the lock: ascending, and committed in this order */
    num_text count = i64_text((int64_t)fresh);
    const char *pc[] = {count.s};
    PGresult *seqs;
    if (tuples_ok(s, "draw seq", "SELECT nextval('events_seq') FROM generate_series(1, $1::int)", 1, pc, &seqs))
        return STORE_EIO;
    int64_t *seq = xmalloc(fresh * sizeof *seq);
    for (size_t i = 0; i < fresh; i++) seq[i] = get_i64(seqs, (int)i, 0);
    PQclear(seqs);
    qsort(seq, fresh, sizeof *seq, cmp_i64);

    buf entity_rows, event_rows;
    buf_init(&entity_rows);
    buf_init(&event_rows);
    store_entity_map *maps[3];
    for (int k = 0; k < 3; k++) maps[k] = store_entities_map(&s->ents, project_id, k);
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        store_event *e = &evs[i];
        if (dup[i]) continue;
        e->seq = seq[next++];
        e->user_num = entity_number(maps[STORE_KIND_USER], project_id, STORE_KIND_USER, e->user_id, &entity_rows);
        e->org_num = entity_number(maps[STORE_KIND_ORG], project_id, STORE_KIND_ORG, e->org_id, &entity_rows);
        e->team_num = entity_number(maps[STORE_KIND_TEAM], project_id, STORE_KIND_TEAM, e->team_id, &entity_rows);
        copy_num(&event_rows, project_id, 0);
        copy_num(&event_rows, e->seq, 0);
        buf_appendf(&event_rows, "%lld\t%lld\t%d\t", (long long)e->ts_ms, (long long)e->received_ms, e->type);
        copy_field(&event_rows, e->id, 0);
        copy_num(&event_rows, e->user_num, 0);
        copy_num(&event_rows, e->org_num, 0);
        copy_num(&event_rows, e->team_num, 0);
        copy_field(&event_rows, e->body, 1);
    }
    free(seq);
    if (entity_rows.len) rc = copy_in(s, "COPY entities(project_id, kind, num, ext_id) FROM STDIN", &entity_rows);
    if (rc == STORE_OK)
        rc = copy_in(s,
                     "COPY events(project_id, seq, ts, received_at, type, event_id, user_num, org_num, team_num, body)"
                     " FROM STDIN",
                     &event_rows);
    buf_free(&entity_rows);
    buf_free(&event_rows);
    return rc;
}

static int pg_events_append(store *base, store_event *evs, size_t n, unsigned char *dup) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    const char *lock[] = {LOCK_SPACE, APPEND_LOCK, NOTIFY_CHANNEL};
    PGresult *r = NULL;
    size_t before[3] = {0, 0, 0};
    int rc = exec_ok(s, "begin", "BEGIN", 0, NULL);
    if (rc == STORE_OK) rc = tuples_ok(s, "append lock", "SELECT pg_advisory_xact_lock($1::int, $2::int)", 2, lock, &r);
    PQclear(r);
    if (rc == STORE_OK) rc = entities_refresh(s);
    for (int k = 0; k < 3; k++) before[k] = store_entities_map(&s->ents, evs[0].project_id, k)->count;
    if (rc == STORE_OK) rc = append_locked(s, evs, n, dup);
    /* the notification is delivered at COMMIT, to the other nodes' listeners */
    if (rc == STORE_OK && (rc = tuples_ok(s, "notify", "SELECT pg_notify($1, '')", 1, lock + 2, &r)) == STORE_OK)
        PQclear(r);
    if (rc == STORE_OK) rc = exec_ok(s, "commit", "COMMIT", 0, NULL);
    if (rc != STORE_OK) {
        recover(s);
        /* forget the numbers of the rolled-back rows; a later refresh reads them again if they did commit */
        for (int k = 0; k < 3; k++) store_entity_map_truncate(store_entities_map(&s->ents, evs[0].project_id, k), before[k]);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}


/* Row i of a result whose columns are seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num,
 * body, as the store_event the index gets (names from the entity maps; strings point into the result). */
static void read_event_row(pg_store *s, PGresult *r, int i, store_event *e) {
    *e = (store_event){
        .seq = get_i64(r, i, 0),
        .project_id = get_i64(r, i, 1),
        .ts_ms = get_i64(r, i, 2),
        .received_ms = get_i64(r, i, 3),
        .type = (int)get_i64(r, i, 4),
        .id = get_text(r, i, 5),
        .user_num = get_i64(r, i, 6),
        .org_num = get_i64(r, i, 7),
        .team_num = get_i64(r, i, 8),
        .body = get_text(r, i, 9),
    };
    e->user_id = store_entities_name(&s->ents, e->project_id, STORE_KIND_USER, e->user_num);
    e->org_id = store_entities_name(&s->ents, e->project_id, STORE_KIND_ORG, e->org_num);
    e->team_id = store_entities_name(&s->ents, e->project_id, STORE_KIND_TEAM, e->team_num);
}

static int pg_events_scan(store *base, int64_t after_seq, store_event_fn fn, void *ctx) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text after = i64_text(after_seq);
    const char *p[] = {after.s};
    /* one snapshot for the entity numbers and the events that use them */
    int rc = exec_ok(s, "scan", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL);
    if (rc == STORE_OK) rc = entities_refresh(s);
    if (rc == STORE_OK)
        rc = exec_ok(s, "scan",
                     "DECLARE orgpulse_scan NO SCROLL CURSOR FOR SELECT seq, project_id, ts, received_at, type, event_id,"
                     " user_num, org_num, team_num, body FROM events WHERE seq > $1::bigint ORDER BY seq",
                     1, p);
    int stop = 0;
    while (rc == STORE_OK && !stop) {
        PGresult *r;
        if ((rc = tuples_ok(s, "scan", "FETCH " SCAN_FETCH " FROM orgpulse_scan", 0, NULL, &r)) != STORE_OK) break;
        int rows = PQntuples(r);
        for (int i = 0; i < rows && !stop; i++) {
            store_event e;
            read_event_row(s, r, i, &e);
            if ((stop = fn(ctx, &e)) != 0) rc = stop;
        }
        PQclear(r);
        if (rows < SCAN_FETCH_ROWS) break; /* the cursor is at its end */
    }
    if (rc == STORE_OK || stop) {
        int end = exec_ok(s, "scan", "COMMIT", 0, NULL); /* closes the cursor */
        if (rc == STORE_OK) rc = end;
    }
    if (rc != STORE_OK && !stop) recover(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define KEY_COLUMNS "id, project_id, name, scopes, org_id, secret_hash, created_at, last_used_at, revoked_at"

static void read_key_row(const PGresult *r, int row, store_key *k) {
    memset(k, 0, sizeof *k);
    snprintf(k->id, sizeof k->id, "%s", PQgetvalue(r, row, 0));
    k->project_id = get_i64(r, row, 1);
    k->name = xstrdup(PQgetvalue(r, row, 2));
    k->scopes = xstrdup(PQgetvalue(r, row, 3));
    const char *org = get_text(r, row, 4);
    k->org_id = org ? xstrdup(org) : NULL;
    size_t len = 0;
    unsigned char *hash = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, 5), &len);
    if (hash && len == STORE_KEY_HASH_LEN) memcpy(k->hash, hash, STORE_KEY_HASH_LEN);
    PQfreemem(hash);
    k->created_ms = get_i64(r, row, 6);
    int64_t used = get_i64(r, row, 7), revoked = get_i64(r, row, 8);
    k->last_used_ms = used < 0 ? 0 : used;
    k->revoked_ms = revoked < 0 ? 0 : revoked;
}

static int pg_key_insert(store *base, const store_key *k) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text project = i64_text(k->project_id), created = i64_text(k->created_ms);
    char hex[2 * STORE_KEY_HASH_LEN + 3] = "\\x";
    for (int i = 0; i < STORE_KEY_HASH_LEN; i++) snprintf(hex + 2 + 2 * i, 3, "%02x", k->hash[i]);
    const char *p[] = {k->id, project.s, k->name ? k->name : "", k->scopes, k->org_id, hex, created.s};
    PGresult *r = exec_params(s,
                              "INSERT INTO api_keys(id, project_id, name, scopes, org_id, secret_hash, created_at)"
                              " VALUES($1, $2::bigint, $3, $4, $5, $6::bytea, $7::bigint)",
                              7, p);
    int rc = STORE_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && strcmp(state, "23505") == 0) {
            rc = STORE_EEXISTS;
        } else {
            log_error("postgres: key_insert: %s", PQresultErrorMessage(r));
            rc = STORE_EIO;
        }
    }
    PQclear(r);
    if (rc == STORE_EIO) recover(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_key_get(store *base, const char *id, store_key *out) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    const char *p[] = {id};
    PGresult *r;
    int rc = tuples_ok(s, "key_get", "SELECT " KEY_COLUMNS " FROM api_keys WHERE id = $1", 1, p, &r);
    if (rc == STORE_OK) {
        if (PQntuples(r) >= 1)
            read_key_row(r, 0, out);
        else
            rc = STORE_ENOTFOUND;
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_key_list(store *base, int64_t project_id, store_key_fn fn, void *ctx) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text project = i64_text(project_id);
    const char *p[] = {project.s};
    PGresult *r;
    int rc = tuples_ok(s, "key_list",
                       "SELECT " KEY_COLUMNS " FROM api_keys WHERE $1::bigint < 0 OR project_id = $1::bigint"
                       " ORDER BY created_at, id",
                       1, p, &r);
    if (rc == STORE_OK) {
        for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
            store_key k;
            read_key_row(r, i, &k);
            rc = fn(ctx, &k);
            store_key_clear(&k);
        }
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int update_key_time(pg_store *s, const char *sql, const char *id, int64_t now_ms) {
    pthread_mutex_lock(&s->lock);
    num_text now = i64_text(now_ms);
    const char *p[] = {now.s, id};
    PGresult *r = run(s, "key update", PGRES_COMMAND_OK, sql, 2, p);
    int rc = STORE_EIO;
    if (r) {
        rc = strcmp(PQcmdTuples(r), "0") == 0 ? STORE_ENOTFOUND : STORE_OK;
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_key_revoke(store *base, const char *id, int64_t now_ms) {
    return update_key_time((pg_store *)base,
                           "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1::bigint) WHERE id = $2", id, now_ms);
}

static int pg_key_touch(store *base, const char *id, int64_t now_ms) {
    return update_key_time((pg_store *)base, "UPDATE api_keys SET last_used_at = $1::bigint WHERE id = $2", id, now_ms);
}

/* ---- named locks ---- */

static num_text lock_key(const char *name) {
    uint64_t h = hash_mix64(strmap_hash(name, strlen(name)));
    return i64_text((int32_t)(uint32_t)h);
}

static int pg_lock_try(store *base, const char *name, int *out_got) {
    pg_store *s = (pg_store *)base;
    *out_got = 0;
    pthread_mutex_lock(&s->lock);
    num_text key = lock_key(name);
    const char *p[] = {NAMED_SPACE, key.s};
    PGresult *r;
    int rc = tuples_ok(s, "lock_try", "SELECT pg_try_advisory_lock($1::int, $2::int)", 2, p, &r);
    if (rc == STORE_OK) {
        *out_got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_unlock(store *base, const char *name) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text key = lock_key(name);
    const char *p[] = {NAMED_SPACE, key.s};
    PGresult *r;
    int rc = tuples_ok(s, "unlock", "SELECT pg_advisory_unlock($1::int, $2::int)", 2, p, &r);
    if (rc == STORE_OK) {
        if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) rc = STORE_ENOTFOUND; /* not held by this process */
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- following other nodes ---- */

static int listener_open(pg_store *s) {
    s->listener = PQconnectdb(s->url);
    PGresult *r = PQstatus(s->listener) == CONNECTION_OK ? PQexec(s->listener, "LISTEN " NOTIFY_CHANNEL) : NULL;
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        log_error("postgres: listener: %s", PQerrorMessage(s->listener));
        PQfinish(s->listener);
        s->listener = NULL;
        return STORE_EIO;
    }
    return STORE_OK;
}

/* Only the follower thread calls this: the listener connection is its own. */
static int pg_wait_change(store *base, int timeout_ms) {
    pg_store *s = (pg_store *)base;
    if (!s->listener && listener_open(s) != STORE_OK) {
        usleep((useconds_t)timeout_ms * 1000);
        return STORE_EIO;
    }
    int got = 0;
    for (int round = 0; round < 2 && !got; round++) {
        if (!PQconsumeInput(s->listener)) break;
        PGnotify *n;
        while ((n = PQnotifies(s->listener)) != NULL) {
            got = 1;
            PQfreemem(n);
        }
        if (got || round == 1) break;
        struct pollfd pfd = {.fd = PQsocket(s->listener), .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0) return STORE_OK; /* timeout: the caller looks anyway */
    }
    if (PQstatus(s->listener) == CONNECTION_BAD) {
        log_error("postgres: listener connection lost");
        PQfinish(s->listener);
        s->listener = NULL;
        return STORE_EIO;
    }
    return STORE_OK;
}

/* ---- batch exports ---- */

static int pg_export_put(store *base, const store_export_rec *r) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text project = i64_text(r->project_id), kind = i64_text(r->kind), created = i64_text(r->created_ms);
    const char *p[] = {project.s, kind.s, r->id, r->parent_id, created.s, r->doc};
    int rc = exec_ok(s, "export_put", "BEGIN", 0, NULL);
    if (rc == STORE_OK)
        rc = exec_ok(s, "export_put",
                     "INSERT INTO export_records(project_id, kind, id, parent_id, created_at, doc)"
                     " VALUES($1::bigint, $2::smallint, $3, $4, $5::bigint, $6)"
                     " ON CONFLICT (project_id, kind, id) DO UPDATE SET parent_id = EXCLUDED.parent_id,"
                     " created_at = EXCLUDED.created_at, doc = EXCLUDED.doc",
                     6, p);
    if (rc == STORE_OK) rc = exec_ok(s, "export_put", "UPDATE export_clock SET changes = changes + 1", 0, NULL);
    if (rc == STORE_OK) rc = exec_ok(s, "export_put", "COMMIT", 0, NULL);
    if (rc != STORE_OK) recover(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_export_list(store *base, int kind, store_export_fn fn, void *ctx) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    num_text k = i64_text(kind);
    const char *p[] = {k.s};
    PGresult *r;
    int rc = tuples_ok(s, "export_list",
                       "SELECT id, project_id, parent_id, created_at, doc FROM export_records WHERE kind = $1::smallint"
                       " ORDER BY created_at, id",
                       1, p, &r);
    if (rc == STORE_OK) {
        for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
            store_export_rec rec = {
                .kind = kind,
                .id = PQgetvalue(r, i, 0),
                .project_id = get_i64(r, i, 1),
                .parent_id = PQgetvalue(r, i, 2),
                .created_ms = get_i64(r, i, 3),
                .doc = PQgetvalue(r, i, 4),
            };
            rc = fn(ctx, &rec);
        }
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int pg_export_version(store *base, int64_t *out) {
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->lock);
    PGresult *r;
    int rc = tuples_ok(s, "export_version", "SELECT changes FROM export_clock", 0, NULL, &r);
    if (rc == STORE_OK) {
        *out = PQntuples(r) == 1 ? get_i64(r, 0, 0) : 0;
        PQclear(r);
    } else {
        recover(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Reading a window of received time: as store_sqlite.c does, by binary search over seq (events_seq_idx) instead of
 * an index on received_at, which would cost every append a third B-tree (the import rate on PostgreSQL is bounded
 * by the appends' index writes). received_at does not decrease along seq except across a clock step or, with
 * several nodes, by the skew between their clocks plus the time an append waits for APPEND_LOCK; the seq range is
 * widened by RECEIVED_SLACK_MS on both sides and rows are filtered exactly by received_at. The rows are then read
 * by the primary key (project_id, seq), EXPORT_PAGE at a time, each page in one snapshot with the entity numbers
 * its events use. */
#define EXPORT_PAGE 2000
#define RECEIVED_SLACK_MS 60000

/* The first seq whose received_at >= t (max seq + 1 when none). */
static int seq_received_lower_bound(pg_store *s, int64_t t, int64_t *out) {
    PGresult *r;
    if (tuples_ok(s, "export_events", "SELECT coalesce(max(seq), 0) FROM events", 0, NULL, &r)) return STORE_EIO;
    int64_t lo = 0, hi = get_i64(r, 0, 0) + 1;
    PQclear(r);
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        num_text m = i64_text(mid);
        const char *p[] = {m.s};
        if (tuples_ok(s, "export_events", "SELECT seq, received_at FROM events WHERE seq >= $1::bigint ORDER BY seq LIMIT 1",
                      1, p, &r))
            return STORE_EIO;
        if (PQntuples(r) == 1 && get_i64(r, 0, 1) < t)
            lo = get_i64(r, 0, 0) + 1;
        else
            hi = mid;
        PQclear(r);
    }
    *out = lo;
    return STORE_OK;
}

static int pg_export_events(store *base, int64_t project_id, int by, int64_t from_ms, int64_t to_ms,
                            store_event_fn fn, void *ctx) {
    pg_store *s = (pg_store *)base;
    const char *sql = by == STORE_BY_RECEIVED
        ? "SELECT seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num, body FROM events"
          " WHERE project_id = $1::bigint AND seq > $4::bigint AND seq < $6::bigint AND received_at >= $2::bigint"
          " AND received_at < $3::bigint ORDER BY seq LIMIT $5::int"
        : "SELECT seq, project_id, ts, received_at, type, event_id, user_num, org_num, team_num, body FROM events"
          " WHERE project_id = $1::bigint AND seq > $4::bigint AND seq < $6::bigint AND ts >= $2::bigint"
          " AND ts < $3::bigint ORDER BY seq LIMIT $5::int";
    int64_t after = 0, upto = INT64_MAX;
    if (by == STORE_BY_RECEIVED) {
        pthread_mutex_lock(&s->lock);
        int rc = seq_received_lower_bound(s, from_ms - RECEIVED_SLACK_MS, &after);
        if (rc == STORE_OK) rc = seq_received_lower_bound(s, to_ms + RECEIVED_SLACK_MS, &upto);
        if (rc != STORE_OK) recover(s);
        pthread_mutex_unlock(&s->lock);
        if (rc != STORE_OK) return rc;
        after--; /* the scan takes seq > after */
    }
    num_text project = i64_text(project_id), from = i64_text(from_ms), to = i64_text(to_ms), page = i64_text(EXPORT_PAGE),
             last = i64_text(upto);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        num_text a = i64_text(after);
        const char *p[] = {project.s, from.s, to.s, a.s, page.s, last.s};
        PGresult *r = NULL;
        int rc = exec_ok(s, "export_events", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL);
        if (rc == STORE_OK) rc = entities_refresh(s);
        if (rc == STORE_OK) rc = tuples_ok(s, "export_events", sql, 6, p, &r);
        if (rc == STORE_OK) rc = exec_ok(s, "export_events", "COMMIT", 0, NULL);
        if (rc != STORE_OK) {
            PQclear(r);
            recover(s);
            pthread_mutex_unlock(&s->lock);
            return rc;
        }
        /* the callbacks run under the store's mutex, as on SQLite: they must not call the store */
        int rows = PQntuples(r);
        for (int i = 0; i < rows && rc == 0; i++) {
            store_event e;
            read_event_row(s, r, i, &e);
            after = e.seq;
            rc = fn(ctx, &e);
        }
        PQclear(r);
        pthread_mutex_unlock(&s->lock);
        if (rc != STORE_OK || rows < EXPORT_PAGE) return rc;
    }
}

static const store_backend pg_backend = {
    .name = "postgres",
    .close = pg_close,
    .project_ensure = pg_project_ensure,
    .project_find = pg_project_find,
    .project_list = pg_project_list,
    .events_append = pg_events_append,
    .events_scan = pg_events_scan,
    .state_save = NULL, /* no in-memory state: ids are checked by the database */
    .state_load = NULL,
    .key_insert = pg_key_insert,
    .key_get = pg_key_get,
    .key_list = pg_key_list,
    .key_revoke = pg_key_revoke,
    .key_touch = pg_key_touch,
    .lock_try = pg_lock_try,
    .unlock = pg_unlock,
    .wait_change = pg_wait_change,
    .export_put = pg_export_put,
    .export_list = pg_export_list,
    .export_events = pg_export_events,
    .export_version = pg_export_version,
};

int store_pg_open(const char *url, store **out, char *err, size_t errlen) {
    pg_store *s = xcalloc(1, sizeof *s);
    s->base.backend = &pg_backend;
    pthread_mutex_init(&s->lock, NULL);
    s->url = xstrdup(url);
    s->db = PQconnectdb(url);
    if (PQstatus(s->db) != CONNECTION_OK) {
        /* libpq's messages name the host and port, never the password */
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(s->db));
        size_t n = strlen(err);
        while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) err[--n] = 0;
        pg_close(&s->base);
        return STORE_EIO;
    }
    if (exec_ok(s, "session", "SET synchronous_commit = on", 0, NULL) != STORE_OK ||
        exec_ok(s, "session", "SET client_min_messages = warning", 0, NULL) != STORE_OK || migrate(s) != STORE_OK) {
        snprintf(err, errlen, "cannot prepare the PostgreSQL database (see the log above)");
        pg_close(&s->base);
        return STORE_EIO;
    }
    *out = &s->base;
    return STORE_OK;
}
