/* dest.c: the export destinations (see export.h) and the validation of their config. Each writes one run so that
 * writing the same run again leaves the destination as if it had been written once:
 *
 *   File      DIR/<run_id>.jsonl|.csv[.zst]: written to DIR/.<run_id>.tmp, fsynced, renamed into place (the
 *             directory fsynced too). A re-run rewrites the same name. Empty windows give an empty file.
 *   Postgres  one transaction: CREATE TABLE IF NOT EXISTS, the rows (COPY FROM STDIN; persons upserted by
 *             user_id), and the run id into <schema>.orgpulse_export_runs; a run id already there means the run was
 *             committed before a crash, and nothing is written again.
 *   HTTP      POST of NDJSON lines in batches of up to 5000 rows with `Authorization: Bearer <token>`,
 *             `Idempotency-Key: <run_id>-<batch>` and `X-Orgpulse-Run-Id`: at-least-once delivery (a run interrupted
 *             after a batch was answered sends it again with the same key, so a receiver that honours the key
 *             sees each batch once). Any answer but 2xx fails the attempt.
 *   NoOp      counts the rows and writes nothing.
 *
 * Error messages never include the destination's password or token. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "export/export.h"
#include "util/buf.h"

#define HTTP_BATCH_ROWS 5000

/* ---- validation ---- */

typedef struct config_key {
    const char *name;
    int required;
    int is_int; /* else a string (booleans not used) */
} config_key;

static const config_key file_keys[] = {{"path", 1, 0}, {"file_format", 0, 0}, {"compression", 0, 0}, {NULL, 0, 0}};
static const config_key pg_keys[] = {{"host", 1, 0},     {"port", 0, 1},       {"database", 1, 0},
                                     {"schema", 0, 0},   {"table_name", 0, 0}, {"user", 1, 0},
                                     {"password", 1, 0}, {"has_self_signed_cert", 0, 0}, {NULL, 0, 0}};
static const config_key http_keys[] = {{"url", 1, 0}, {"token", 1, 0}, {NULL, 0, 0}};
static const config_key noop_keys[] = {{"arg", 0, 0}, {NULL, 0, 0}};

static int verr(export_err *err, const char *code, const char *attr, const char *msg, const char *arg) {
    err->status = 400;
    err->code = code;
    snprintf(err->attr, sizeof err->attr, "%s", attr);
    snprintf(err->detail, sizeof err->detail, msg, arg);
    return -1;
}

static const char *py_type(const json_t *v) {
    return json_is_string(v) ? "str" : json_is_integer(v) ? "int" : json_is_real(v) ? "float" : json_is_boolean(v) ? "bool"
           : json_is_array(v) ? "list" : json_is_object(v) ? "dict" : "NoneType";
}

int export_dest_validate(const json_t *destination, export_err *err) {
    const char *type = json_string_value(json_object_get(destination, "type"));
    json_t *cfg = json_object_get(destination, "config");
    const config_key *keys = strcmp(type, "File") == 0       ? file_keys
                             : strcmp(type, "Postgres") == 0 ? pg_keys
                             : strcmp(type, "HTTP") == 0     ? http_keys
                                                             : noop_keys;
    const char *k;
    json_t *v;
    json_object_foreach(cfg, k, v) {
        int known = strcmp(k, "exclude_events") == 0 || strcmp(k, "include_events") == 0;
        for (int i = 0; keys[i].name && !known; i++) known = strcmp(keys[i].name, k) == 0;
        if (!known) return verr(err, "invalid_input", "destination__non_field_errors", "Configuration has unknown field/s: '%s'", k);
    }
    for (int i = 0; keys[i].name; i++) {
        v = json_object_get(cfg, keys[i].name);
        if (!v || json_is_null(v)) {
            if (keys[i].required)
                return verr(err, "invalid_input", "destination__non_field_errors",
                            "Configuration missing required field: '%s'", keys[i].name);
            continue;
        }
        if (keys[i].is_int) {
            long n;
            char *end;
            if (json_is_string(v) && (n = strtol(json_string_value(v), &end, 10), *end == 0 && end != json_string_value(v)))
                json_object_set_new(cfg, keys[i].name, json_integer(n)); /* "5432" -> 5432, as PostHog coerces */
            else if (!json_is_integer(v)) {
                char msg[128];
                snprintf(msg, sizeof msg, "Configuration has invalid type: got '%s', expected 'int'", py_type(v));
                return verr(err, "invalid_input", "destination__non_field_errors", "%s", msg);
            }
        } else if (!json_is_string(v) && strcmp(keys[i].name, "has_self_signed_cert") != 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "Configuration has invalid type: got '%s', expected 'str'", py_type(v));
            return verr(err, "invalid_input", "destination__non_field_errors", "%s", msg);
        }
    }
    if (strcmp(type, "File") == 0) {
        const char *path = json_string_value(json_object_get(cfg, "path"));
        const char *fmt = json_string_value(json_object_get(cfg, "file_format"));
        const char *comp = json_string_value(json_object_get(cfg, "compression"));
        if (path[0] != '/') return verr(err, "invalid_input", "destination", "The path '%s' must be an absolute directory path.", path);
        if (fmt && strcmp(fmt, "JSONLines") != 0 && strcmp(fmt, "CSV") != 0)
            return verr(err, "invalid_input", "destination",
                        "File format %s is not supported. Supported file formats are ['JSONLines', 'CSV']", fmt);
        if (comp && strcmp(comp, "none") != 0 && strcmp(comp, "zstd") != 0)
            return verr(err, "invalid_input", "destination",
                        "Compression %s is not supported. Supported compressions are ['none', 'zstd']", comp);
        if (!fmt) json_object_set_new(cfg, "file_format", json_string("JSONLines"));
        if (!comp) json_object_set_new(cfg, "compression", json_string("none"));
    } else if (strcmp(type, "Postgres") == 0) {
        if (!json_object_get(cfg, "port")) json_object_set_new(cfg, "port", json_integer(5432));
        if (!json_object_get(cfg, "schema")) json_object_set_new(cfg, "schema", json_string("public"));
        if (!json_object_get(cfg, "table_name")) json_object_set_new(cfg, "table_name", json_string("events"));
    } else if (strcmp(type, "HTTP") == 0) {
        const char *url = json_string_value(json_object_get(cfg, "url"));
        if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
            return verr(err, "invalid_input", "destination", "The url '%s' is not an http:// or https:// URL.", url);
    }
    return 0;
}

/* ---- formats ---- */

static void jsonl_of(const export_table *t, buf *out) {
    size_t i;
    json_t *row;
    json_array_foreach(t->rows, i, row) {
        char *line = export_row_json(row);
        buf_append_str(out, line);
        buf_append_char(out, '\n');
        free(line);
    }
}

/* A value as text: strings as they are, null as NULL, everything else as its JSON text. Caller frees. */
static char *value_text(const json_t *v) {
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    if (json_is_real(v)) {
        double d = json_real_value(v);
        char tmp[64];
        if (d == (double)(long long)d && d < 1e15 && d > -1e15) snprintf(tmp, sizeof tmp, "%lld", (long long)d);
        else snprintf(tmp, sizeof tmp, "%.17g", d);
        return xstrdup(tmp);
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void csv_field(buf *out, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        buf_append_str(out, s);
        return;
    }
    buf_append_char(out, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') buf_append_char(out, '"');
        buf_append_char(out, *p);
    }
    buf_append_char(out, '"');
}

static void csv_of(const export_table *t, buf *out) {
    for (size_t c = 0; c < t->ncolumns; c++) {
        if (c) buf_append_char(out, ',');
        csv_field(out, t->columns[c].name);
    }
    buf_append_str(out, "\r\n");
    size_t i;
    json_t *row;
    json_array_foreach(t->rows, i, row) {
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (c) buf_append_char(out, ',');
            char *v = value_text(json_object_get(row, t->columns[c].name));
            csv_field(out, v);
            free(v);
        }
        buf_append_str(out, "\r\n");
    }
}

/* ---- File ---- */

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int dest_file(const json_t *cfg, const char *run_id, const export_table *t, int (*should_cancel)(void *),
                     void *ctx, int64_t *out_bytes, char *err, size_t errlen) {
    const char *dir = json_string_value(json_object_get(cfg, "path"));
    int csv = strcmp(json_string_value(json_object_get(cfg, "file_format")), "CSV") == 0;
    int zstd = strcmp(json_string_value(json_object_get(cfg, "compression")), "zstd") == 0;
    buf data;
    buf_init(&data);
    if (csv) csv_of(t, &data);
    else jsonl_of(t, &data);
    const char *bytes = data.len ? buf_cstr(&data) : "";
    size_t n = data.len;
    void *packed = NULL;
    if (zstd) {
        size_t cap = ZSTD_compressBound(n);
        packed = xmalloc(cap ? cap : 1);
        size_t z = ZSTD_compress(packed, cap, bytes, n, 3);
        if (ZSTD_isError(z)) {
            snprintf(err, errlen, "zstd: %s", ZSTD_getErrorName(z));
            free(packed);
            buf_free(&data);
            return -1;
        }
        bytes = packed, n = z;
    }
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, run_id);
    snprintf(final, sizeof final, "%s/%s.%s%s", dir, run_id, csv ? "csv" : "jsonl", zstd ? ".zst" : "");
    mkdir(dir, 0755);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(errno));
    } else if (write_all(fd, bytes, n) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
    } else {
        close(fd);
        if (should_cancel && should_cancel(ctx)) {
            unlink(tmp);
            rc = 1;
        } else if (rename(tmp, final) != 0) {
            snprintf(err, errlen, "cannot rename to %s: %s", final, strerror(errno));
            unlink(tmp);
        } else {
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) fsync(dfd), close(dfd);
            *out_bytes = (int64_t)n;
            rc = 0;
        }
    }
    free(packed);
    buf_free(&data);
    return rc;
}

/* ---- HTTP ---- */

static size_t discard(char *p, size_t size, size_t n, void *ctx) {
    (void)p, (void)ctx;
    return size * n;
}

static int dest_http(const json_t *cfg, const char *run_id, const export_table *t, int (*should_cancel)(void *),
                     void *ctx, int64_t *out_bytes, char *err, size_t errlen) {
    const char *url = json_string_value(json_object_get(cfg, "url"));
    const char *token = json_string_value(json_object_get(cfg, "token"));
    size_t total = json_array_size(t->rows);
    int64_t bytes = 0;
    if (should_cancel && should_cancel(ctx)) return 1;
    for (size_t from = 0, batch = 0; from < total; from += HTTP_BATCH_ROWS, batch++) {
        buf body;
        buf_init(&body);
        for (size_t i = from; i < total && i < from + HTTP_BATCH_ROWS; i++) {
            char *line = export_row_json(json_array_get(t->rows, i));
            buf_append_str(&body, line);
            buf_append_char(&body, '\n');
            free(line);
        }
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        buf hv;
        buf_init(&hv);
        buf_appendf(&hv, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, buf_cstr(&hv));
        buf_free(&hv);
        char line[256];
        snprintf(line, sizeof line, "Idempotency-Key: %s-%zu", run_id, batch);
        h = curl_slist_append(h, line);
        snprintf(line, sizeof line, "X-Orgpulse-Run-Id: %s", run_id);
        h = curl_slist_append(h, line);
        h = curl_slist_append(h, "Content-Type: application/x-ndjson");
        h = curl_slist_append(h, "Expect:");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_cstr(&body));
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        CURLcode cc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        bytes += (int64_t)body.len;
        buf_free(&body);
        if (cc != CURLE_OK) {
            snprintf(err, errlen, "HTTP destination: %s", curl_easy_strerror(cc));
            return -1;
        }
        if (status < 200 || status > 299) {
            snprintf(err, errlen, "HTTP destination answered %ld", status);
            return -1;
        }
    }
    *out_bytes = bytes;
    return 0;
}

/* ---- Postgres ---- */

static int pg_ok(PGconn *db, PGresult *res, const char *what, char *err, size_t errlen) {
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return 1;
    const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    snprintf(err, errlen, "Postgres %s: %s", what, m ? m : PQerrorMessage(db));
    return 0;
}

static int pg_exec(PGconn *db, const char *sql, const char *what, char *err, size_t errlen) {
    PGresult *res = PQexec(db, sql);
    int ok = pg_ok(db, res, what, err, errlen);
    PQclear(res);
    return ok;
}

/* "schema"."name" with both identifiers quoted (caller frees). */
static char *pg_qualified(PGconn *db, const char *schema, const char *name) {
    char *s = PQescapeIdentifier(db, schema, strlen(schema));
    char *n = PQescapeIdentifier(db, name, strlen(name));
    buf b;
    buf_init(&b);
    buf_appendf(&b, "%s.%s", s ? s : "\"public\"", n ? n : "\"events\"");
    PQfreemem(s);
    PQfreemem(n);
    return buf_detach(&b, NULL);
}

/* Append-only tables (events, usage): COPY FROM STDIN in text format, sent in pieces of about 1 MiB. */
static void copy_field(buf *out, const char *v) {
    if (!v) {
        buf_append_str(out, "\\N");
        return;
    }
    for (const char *p = v; *p; p++) {
        switch (*p) {
        case '\\': buf_append_str(out, "\\\\"); break;
        case '\t': buf_append_str(out, "\\t"); break;
        case '\n': buf_append_str(out, "\\n"); break;
        case '\r': buf_append_str(out, "\\r"); break;
        default: buf_append_char(out, *p);
        }
    }
}

static int pg_copy_rows(PGconn *db, const char *table, const export_table *t, int64_t *bytes, char *err,
                        size_t errlen) {
    buf sql;
    buf_init(&sql);
    buf_appendf(&sql, "COPY %s (", table);
    for (size_t c = 0; c < t->ncolumns; c++) buf_appendf(&sql, "%s\"%s\"", c ? ", " : "", t->columns[c].name);
    buf_append_str(&sql, ") FROM STDIN");
    PGresult *res = PQexec(db, buf_cstr(&sql));
    buf_free(&sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        pg_ok(db, res, "COPY", err, errlen);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    buf data;
    buf_init(&data);
    size_t i;
    json_t *row;
    int ok = 1;
    json_array_foreach(t->rows, i, row) {
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (c) buf_append_char(&data, '\t');
            char *v = value_text(json_object_get(row, t->columns[c].name));
            copy_field(&data, v);
            free(v);
        }
        buf_append_char(&data, '\n');
        char *line = export_row_json(row);
        *bytes += (int64_t)strlen(line) + 1;
        free(line);
        if (data.len >= (1u << 20) || i + 1 == json_array_size(t->rows)) {
            if (PQputCopyData(db, buf_cstr(&data), (int)data.len) != 1) ok = 0;
            data.len = 0;
        }
        if (!ok) break;
    }
    buf_free(&data);
    if (PQputCopyEnd(db, ok ? NULL : "orgpulse: aborted") != 1) ok = 0;
    while ((res = PQgetResult(db)) != NULL) {
        if (!pg_ok(db, res, "COPY", err, errlen)) ok = 0;
        PQclear(res);
    }
    if (!ok && !*err) snprintf(err, errlen, "Postgres COPY: %s", PQerrorMessage(db));
    return ok ? 0 : -1;
}

/* Tables keyed by a column (persons, by user_id): one prepared INSERT ... ON CONFLICT DO UPDATE per row. */
static int pg_upsert_rows(PGconn *db, const char *table, const export_table *t, int64_t *bytes, char *err,
                          size_t errlen) {
    buf sql;
    buf_init(&sql);
    int rc = -1;
    PGresult *res;
    sql.len = 0;
    buf_appendf(&sql, "INSERT INTO %s (", table);
    for (size_t c = 0; c < t->ncolumns; c++) buf_appendf(&sql, "%s\"%s\"", c ? ", " : "", t->columns[c].name);
    buf_append_str(&sql, ") VALUES (");
    for (size_t c = 0; c < t->ncolumns; c++) buf_appendf(&sql, "%s$%zu::%s", c ? ", " : "", c + 1, t->columns[c].pg_type);
    buf_append_str(&sql, ")");
    if (t->pg_key) {
        buf_appendf(&sql, " ON CONFLICT (\"%s\") DO UPDATE SET ", t->pg_key);
        int first = 1;
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (strcmp(t->columns[c].name, t->pg_key) == 0) continue;
            buf_appendf(&sql, "%s\"%s\" = EXCLUDED.\"%s\"", first ? "" : ", ", t->columns[c].name, t->columns[c].name);
            first = 0;
        }
    }
    res = PQprepare(db, "row", buf_cstr(&sql), (int)t->ncolumns, NULL);
    if (!pg_ok(db, res, "PREPARE", err, errlen)) {
        PQclear(res);
        goto done;
    }
    PQclear(res);
    size_t i;
    json_t *row;
    char *vals_row[32];
    json_array_foreach(t->rows, i, row) {
        for (size_t c = 0; c < t->ncolumns; c++) vals_row[c] = value_text(json_object_get(row, t->columns[c].name));
        res = PQexecPrepared(db, "row", (int)t->ncolumns, (const char *const *)vals_row, NULL, NULL, 0);
        for (size_t c = 0; c < t->ncolumns; c++) free(vals_row[c]);
        if (!pg_ok(db, res, "INSERT", err, errlen)) {
            PQclear(res);
            goto done;
        }
        PQclear(res);
        char *line = export_row_json(row);
        *bytes += (int64_t)strlen(line) + 1;
        free(line);
    }
    rc = 0;
done:
    buf_free(&sql);
    return rc;
}

static int dest_postgres(const json_t *cfg, const char *run_id, const export_table *t, int (*should_cancel)(void *),
                         void *ctx, int64_t *out_bytes, char *err, size_t errlen) {
    char port[16];
    snprintf(port, sizeof port, "%lld", (long long)json_integer_value(json_object_get(cfg, "port")));
    const char *keys[] = {"host", "port", "dbname", "user", "password", "connect_timeout", "application_name", NULL};
    const char *vals[] = {json_string_value(json_object_get(cfg, "host")), port,
                          json_string_value(json_object_get(cfg, "database")),
                          json_string_value(json_object_get(cfg, "user")),
                          json_string_value(json_object_get(cfg, "password")), "10", "orgpulse-export", NULL};
    PGconn *db = PQconnectdbParams(keys, vals, 0);
    if (PQstatus(db) != CONNECTION_OK) {
        snprintf(err, errlen, "Postgres: cannot connect to %s:%s/%s as %s", vals[0], port, vals[2], vals[3]);
        PQfinish(db);
        return -1;
    }
    const char *schema = json_string_value(json_object_get(cfg, "schema"));
    char *table = pg_qualified(db, schema, json_string_value(json_object_get(cfg, "table_name")));
    char *runs = pg_qualified(db, schema, "orgpulse_export_runs");
    buf sql;
    buf_init(&sql);
    int rc = -1;
    int64_t bytes = 0;
    if (!pg_exec(db, "BEGIN", "BEGIN", err, errlen)) goto out;
    if (strcmp(schema, "public") != 0) {
        char *s = PQescapeIdentifier(db, schema, strlen(schema));
        buf_appendf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", s);
        PQfreemem(s);
        if (!pg_exec(db, buf_cstr(&sql), "CREATE SCHEMA", err, errlen)) goto out;
        sql.len = 0;
    }
    buf_appendf(&sql, "CREATE TABLE IF NOT EXISTS %s (", table);
    for (size_t c = 0; c < t->ncolumns; c++)
        buf_appendf(&sql, "%s\"%s\" %s", c ? ", " : "", t->columns[c].name, t->columns[c].pg_type);
    if (t->pg_key) buf_appendf(&sql, ", PRIMARY KEY (\"%s\")", t->pg_key);
    buf_append_str(&sql, ")");
    if (!pg_exec(db, buf_cstr(&sql), "CREATE TABLE", err, errlen)) goto out;
    sql.len = 0;
    buf_appendf(&sql, "CREATE TABLE IF NOT EXISTS %s (run_id text PRIMARY KEY, table_name text NOT NULL, "
                      "records bigint NOT NULL, committed_at timestamptz NOT NULL DEFAULT now())", runs);
    if (!pg_exec(db, buf_cstr(&sql), "CREATE TABLE", err, errlen)) goto out;
    sql.len = 0;
    buf_appendf(&sql, "SELECT records FROM %s WHERE run_id = $1", runs);
    const char *p1[1] = {run_id};
    PGresult *res = PQexecParams(db, buf_cstr(&sql), 1, NULL, p1, NULL, NULL, 0);
    if (!pg_ok(db, res, "SELECT", err, errlen)) {
        PQclear(res);
        goto out;
    }
    int done_before = PQntuples(res) > 0;
    PQclear(res);
    if (done_before) { /* committed before a crash: nothing to write again */
        rc = pg_exec(db, "COMMIT", "COMMIT", err, errlen) ? 0 : -1;
        goto out;
    }
    if (t->pg_key ? pg_upsert_rows(db, table, t, &bytes, err, errlen) : pg_copy_rows(db, table, t, &bytes, err, errlen))
        goto out;
    sql.len = 0;
    buf_appendf(&sql, "INSERT INTO %s (run_id, table_name, records) VALUES ($1, $2, $3::bigint)", runs);
    char nrec[32];
    snprintf(nrec, sizeof nrec, "%zu", json_array_size(t->rows));
    const char *p3[3] = {run_id, json_string_value(json_object_get(cfg, "table_name")), nrec};
    res = PQexecParams(db, buf_cstr(&sql), 3, NULL, p3, NULL, NULL, 0);
    int ok = pg_ok(db, res, "INSERT", err, errlen);
    PQclear(res);
    if (!ok) goto out;
    if (should_cancel && should_cancel(ctx)) {
        rc = 1;
        goto out;
    }
    if (!pg_exec(db, "COMMIT", "COMMIT", err, errlen)) goto out;
    *out_bytes = bytes;
    rc = 0;
out:
    buf_free(&sql);
    free(table);
    free(runs);
    PQfinish(db); /* an open transaction is rolled back */
    return rc;
}

int export_dest_write(const json_t *destination, const char *export_id, const char *run_id, const export_table *t,
                      int (*should_cancel)(void *ctx), void *ctx, int64_t *out_bytes, char *err, size_t errlen) {
    (void)export_id;
    *out_bytes = 0;
    const char *type = json_string_value(json_object_get(destination, "type"));
    const json_t *cfg = json_object_get(destination, "config");
    if (!type) type = "NoOp";
    if (strcmp(type, "File") == 0) return dest_file(cfg, run_id, t, should_cancel, ctx, out_bytes, err, errlen);
    if (strcmp(type, "HTTP") == 0) return dest_http(cfg, run_id, t, should_cancel, ctx, out_bytes, err, errlen);
    if (strcmp(type, "Postgres") == 0) return dest_postgres(cfg, run_id, t, should_cancel, ctx, out_bytes, err, errlen);
    if (should_cancel && should_cancel(ctx)) return 1;
    buf b;
    buf_init(&b);
    jsonl_of(t, &b);
    *out_bytes = (int64_t)b.len;
    buf_free(&b);
    return 0;
}
