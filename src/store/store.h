/* store.h: the interface of orgpulse's durable store. Everything above this layer (engine, api, cli) calls
 * these functions only; a backend (store_sqlite.c today, PostgreSQL next) implements `store_backend`,
 * the way SQLite's core reaches the OS only through its VFS wrappers.
 *
 * What is stored: projects, API keys (secret hashes only), and the raw event log, which is the source of truth:
 * the in-memory index is rebuilt from it at start, and exports read it. Every function returns 0 on success
 * and a negative STORE_E* code on failure; results come back through out-parameters. */
#ifndef ORGPULSE_STORE_STORE_H
#define ORGPULSE_STORE_STORE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

enum {
    STORE_OK = 0,
    STORE_ENOTFOUND = -1,
    STORE_EIO = -2,     /* the backend failed; details went to the log */
    STORE_EEXISTS = -3, /* a unique value is taken */
    STORE_EINVAL = -4,
};

/* One event of the log. On append, seq and the *_num fields are filled in by the store.
 * The store numbers the users, orgs and teams that events name in their columns: per project and kind, 0, 1, 2...
 * in order of first appearance. A number is stable for the life of the store; the index uses it to find an entity
 * without hashing its id. */
#define STORE_KIND_USER 0
#define STORE_KIND_ORG 1
#define STORE_KIND_TEAM 2

typedef struct store_event {
    int64_t seq;
    int64_t project_id;
    int64_t ts_ms;       /* event time */
    int64_t received_ms; /* when the store accepted it */
    int type;            /* event_type */
    const char *id;      /* idempotency key or NULL */
    const char *user_id; /* NULL when absent */
    const char *org_id;
    const char *team_id;
    const char *body; /* the members that are not columns, as a JSON object text, or NULL */
    int64_t user_num; /* the store's number for user_id; -1 when absent or not numbered yet (before append) */
    int64_t org_num;
    int64_t team_num;
} store_event;

#define STORE_KEY_ID_LEN 16 /* hex characters of a key's public id */
#define STORE_KEY_HASH_LEN 32

/* An API key as stored: never the secret, only its hash. Strings are owned by the struct (store_key_clear). */
typedef struct store_key {
    char id[STORE_KEY_ID_LEN + 1];
    int64_t project_id;
    char *name;
    char *scopes; /* comma-separated */
    char *org_id; /* NULL unless org-scoped */
    unsigned char hash[STORE_KEY_HASH_LEN];
    int64_t created_ms;
    int64_t last_used_ms; /* 0 = never */
    int64_t revoked_ms;   /* 0 = active */
} store_key;

void store_key_clear(store_key *k);

typedef struct store store;
struct store_export_rec;

/* Callbacks return 0 to go on, non-zero to stop (the scan then returns that value). */
typedef int (*store_event_fn)(void *ctx, const store_event *ev);
typedef int (*store_key_fn)(void *ctx, const store_key *key);
typedef int (*store_project_fn)(void *ctx, int64_t id, const char *name);

/* The methods a backend implements. */
typedef struct store_backend {
    const char *name;
    void (*close)(store *s);
    int (*project_ensure)(store *s, const char *name, int64_t *out_id);
    int (*project_find)(store *s, const char *name, int64_t *out_id);
    int (*project_list)(store *s, store_project_fn fn, void *ctx);
    int (*events_append)(store *s, store_event *evs, size_t n, unsigned char *out_duplicate);
    int (*events_scan)(store *s, int64_t after_seq, store_event_fn fn, void *ctx);
    int (*state_save)(store *s, FILE *f); /* optional */
    int (*state_load)(store *s, FILE *f, int64_t upto_seq);
    int (*key_insert)(store *s, const store_key *k);
    int (*key_get)(store *s, const char *id, store_key *out);
    int (*key_list)(store *s, int64_t project_id, store_key_fn fn, void *ctx);
    int (*key_revoke)(store *s, const char *id, int64_t now_ms);
    int (*key_touch)(store *s, const char *id, int64_t now_ms);
    /* batch exports (see the section below) */
    int (*export_put)(store *s, const struct store_export_rec *r);
    int (*export_list)(store *s, int kind, int (*fn)(void *ctx, const struct store_export_rec *r), void *ctx);
    int (*export_events)(store *s, int64_t project_id, int by, int64_t from_ms, int64_t to_ms, store_event_fn fn,
                         void *ctx);
} store_backend;

struct store {
    const store_backend *backend;
};

/* Open the store at `location`: a directory (SQLite database DIR/orgpulse.db, created with its schema when
 * missing). `err` receives a message on failure. */
int store_open(const char *location, store **out, char *err, size_t errlen);
void store_close(store *s);

/* Projects. */
int store_project_ensure(store *s, const char *name, int64_t *out_id);
int store_project_find(store *s, const char *name, int64_t *out_id);
int store_project_list(store *s, store_project_fn fn, void *ctx);

/* Append a batch atomically and durably: when it returns 0, every new event is on disk. An event whose
 * (project, id) is already stored, or repeats an earlier id of the batch, is skipped: out_duplicate[i] = 1.
 * All events of one call belong to evs[0].project_id. */
int store_events_append(store *s, store_event *evs, size_t n, unsigned char *out_duplicate);
/* Every stored event with seq > after_seq, in seq order, all projects. */
int store_events_scan(store *s, int64_t after_seq, store_event_fn fn, void *ctx);

/* The backend's in-memory state that a full scan of the log builds (SQLite: the idempotency-id set), saved with an
 * index snapshot so that a start from the snapshot scans only the log's tail. state_save writes it as of now (no
 * append may run meanwhile); state_load reads what state_save wrote when the log ended at upto_seq, and the next
 * store_events_scan(s, upto_seq, ...) to the end completes it. STORE_EINVAL: the saved state is unusable (nothing
 * changed). Backends without such state write and read nothing. */
int store_state_save(store *s, FILE *f);
int store_state_load(store *s, FILE *f, int64_t upto_seq);
/* API keys. */
int store_key_insert(store *s, const store_key *k);
int store_key_get(store *s, const char *id, store_key *out);
/* project_id < 0 lists every project's keys. */
int store_key_list(store *s, int64_t project_id, store_key_fn fn, void *ctx);
int store_key_revoke(store *s, const char *id, int64_t now_ms);
int store_key_touch(store *s, const char *id, int64_t now_ms);

/* ---- batch exports (src/export) ----
 * Export definitions, their runs and their backfills are kept as JSON documents (the export engine owns their
 * content); the store keeps them durably, keyed by id, with the columns it can filter on. A put replaces the whole
 * record; it is durable when it returns 0. */
enum { STORE_EXPORT_DEF = 0, STORE_EXPORT_RUN = 1, STORE_EXPORT_BACKFILL = 2 };

typedef struct store_export_rec {
    int kind;           /* STORE_EXPORT_* */
    const char *id;     /* unique within the kind */
    int64_t project_id;
    const char *parent_id; /* a definition: its org id; a run or a backfill: its export's id */
    int64_t created_ms;
    const char *doc; /* the JSON document */
} store_export_rec;
typedef int (*store_export_fn)(void *ctx, const store_export_rec *r);

/* Insert or replace one record. */
int store_export_put(store *s, const store_export_rec *r);
/* Every record of a kind, all projects, by created_ms then id. */
int store_export_list(store *s, int kind, store_export_fn fn, void *ctx);
/* A project's events in [from_ms, to_ms) by received time (STORE_BY_RECEIVED: an index serves it) or by event time
 * (STORE_BY_TIMESTAMP: for backfills, a scan of the project's events), in seq order. */
#define STORE_BY_RECEIVED 0
#define STORE_BY_TIMESTAMP 1
int store_export_events(store *s, int64_t project_id, int by, int64_t from_ms, int64_t to_ms, store_event_fn fn,
                        void *ctx);

/* Backend constructors. */
int store_sqlite_open(const char *dir, store **out, char *err, size_t errlen);

#endif
