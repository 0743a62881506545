/* cli_import.c: `orgpulse import`: load an NDJSON event stream (events.md) from a file or stdin, in batches.
 * Offline (--data DIR) it writes straight into the data directory's store (the server must not be running there;
 * the index is rebuilt when it starts). Online (--url URL --key KEY) it POSTs the batches to /v1/events.
 * Each batch is atomic, as a request is. The first batch with a bad line stops the import: every problem of that
 * batch is reported with its line number, earlier batches stay stored, and re-running is safe for events with ids.
 * Offline, reading and validating run on the main thread while a writer thread stores the previous batch (two
 * batches in flight), so both cores work. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/event.h"
#include "engine/ingest.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/handoff.h"
#include "util/time.h"

static const char usage[] =
    "usage: orgpulse import (--data DIR | --store URL | --url URL --key KEY) [--project NAME] [--batch LINES] FILE|-\n"
    "\n"
    "Load NDJSON events from FILE (or - for stdin).\n"
    "  --data DIR      write into this data directory (the server must be stopped)\n"
    "  --store URL     write into this PostgreSQL store (env ORGPULSE_STORE; running nodes pick the events up)\n"
    "  --url URL       send to a running server, e.g. http://127.0.0.1:8080, with --key (scope events:write)\n"
    "  --project NAME  project for --data (default 'default')\n"
    "  --batch LINES   lines per batch (default 50000 with --data, 5000 with --url)\n";

typedef struct importer {
    store *store;
    int64_t project_id;
    CURL *curl;
    const char *url;
    char *auth_header;
    size_t accepted, duplicates, lines;
    size_t bytes_read, bytes_total;
    int progress;
    int64_t start_us, last_progress_us;
} importer;

static void print_progress(importer *im, int final) {
    if (!im->progress) return;
    int64_t now = time_monotonic_us();
    if (!final && now - im->last_progress_us < 200000) return;
    im->last_progress_us = now;
    double secs = (double)(now - im->start_us) / 1e6;
    size_t accepted = __atomic_load_n(&im->accepted, __ATOMIC_RELAXED);
    size_t duplicates = __atomic_load_n(&im->duplicates, __ATOMIC_RELAXED);
    double rate = secs > 0 ? (double)(accepted + duplicates) / secs : 0;
    char bar[32] = "";
    if (im->bytes_total) {
        int filled = (int)(20.0 * (double)im->bytes_read / (double)im->bytes_total);
        for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
        bar[20] = 0;
        fprintf(stderr, "\r[%s] %3.0f%%  %zu events stored, %zu duplicates, %.0f events/s   ", bar,
                100.0 * (double)im->bytes_read / (double)im->bytes_total, accepted, duplicates, rate);
    } else {
        fprintf(stderr, "\r%zu events stored, %zu duplicates, %.0f events/s   ", accepted, duplicates, rate);
    }
    if (final) fputc('\n', stderr);
}

static void report_error(size_t index, const char *field, const char *message) {
    fprintf(stderr, "line %zu (index %zu): %s%s%s\n", index + 1, index, field ? field : "", field ? ": " : "",
            message);
}

/* The offline pipeline: two batch slots passed between the parser (main thread) and the writer thread. */
typedef struct pipeline {
    importer *im;
    pthread_t writer;
    handoff h;
    event_batch slots[2];
    int64_t received_ms[2];
} pipeline;

static void *writer_main(void *arg) {
    pipeline *pl = arg;
    int i;
    while ((i = handoff_acquire_ready(&pl->h)) >= 0) {
        size_t acc = 0, dup = 0;
        int rc = engine_ingest_batch(NULL, pl->im->store, pl->im->project_id, &pl->slots[i], pl->received_ms[i], &acc,
                                     &dup);
        __atomic_fetch_add(&pl->im->accepted, acc, __ATOMIC_RELAXED);
        __atomic_fetch_add(&pl->im->duplicates, dup, __ATOMIC_RELAXED);
        handoff_release(&pl->h, rc != STORE_OK);
        if (rc != STORE_OK) break;
    }
    return NULL;
}

static void pipeline_start(pipeline *pl, importer *im) {
    memset(pl, 0, sizeof *pl);
    pl->im = im;
    handoff_init(&pl->h);
    event_batch_init(&pl->slots[0]);
    event_batch_init(&pl->slots[1]);
    pthread_create(&pl->writer, NULL, writer_main, pl);
}

/* Wait for the writer to store everything handed to it, stop it and free the slots. Returns -1 if a write failed. */
static int pipeline_finish(pipeline *pl) {
    int rc = handoff_close(&pl->h);
    pthread_join(pl->writer, NULL);
    event_batch_free(&pl->slots[0]);
    event_batch_free(&pl->slots[1]);
    handoff_destroy(&pl->h);
    if (rc) fprintf(stderr, "orgpulse import: the store failed; the batch being written was not stored\n");
    return rc;
}

/* Validate one chunk of lines into a free slot and hand it to the writer. */
static int flush_offline(pipeline *pl, const char *text, size_t len, size_t line_base) {
    int i = handoff_acquire_free(&pl->h);
    if (i < 0) return -1;
    event_batch *b = &pl->slots[i];
    event_batch_reset(b);
    int64_t now = time_now_ms();
    if (event_batch_parse(b, text, len, 1, now, line_base) != 0) {
        if (pl->im->progress) fputc('\n', stderr);
        for (size_t k = 0; k < b->nerrors; k++) report_error(b->errors[k].index, b->errors[k].field, b->errors[k].message);
        return -1;
    }
    pl->received_ms[i] = now;
    handoff_publish(&pl->h);
    return 0;
}

static size_t collect_body(char *data, size_t size, size_t n, void *ctx) {
    buf_append(ctx, data, size * n);
    return size * n;
}

static int flush_online(importer *im, const char *text, size_t len, size_t line_base) {
    char url[2048];
    snprintf(url, sizeof url, "%s/v1/events", im->url);
    for (int attempt = 0;; attempt++) {
        buf resp;
        buf_init(&resp);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
        h = curl_slist_append(h, im->auth_header);
        curl_easy_reset(im->curl);
        curl_easy_setopt(im->curl, CURLOPT_URL, url);
        curl_easy_setopt(im->curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(im->curl, CURLOPT_POSTFIELDS, text);
        curl_easy_setopt(im->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(im->curl, CURLOPT_WRITEFUNCTION, collect_body);
        curl_easy_setopt(im->curl, CURLOPT_WRITEDATA, &resp);
        CURLcode cc = curl_easy_perform(im->curl);
        long status = 0;
        curl_easy_getinfo(im->curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        json_t *body = resp.len ? json_loadb(resp.data, resp.len, 0, NULL) : NULL;
        int rc = -1, retry = 0;
        if (cc == CURLE_OK && status == 200) {
            im->accepted += (size_t)json_integer_value(json_object_get(body, "accepted"));
            im->duplicates += (size_t)json_integer_value(json_object_get(body, "duplicates"));
            rc = 0;
        } else if (cc == CURLE_OK && status == 400 && json_object_get(body, "errors")) {
            if (im->progress) fputc('\n', stderr);
            size_t i;
            json_t *e;
            json_array_foreach(json_object_get(body, "errors"), i, e) {
                json_t *field = json_object_get(e, "field");
                report_error(line_base + (size_t)json_integer_value(json_object_get(e, "index")),
                             json_is_string(field) ? json_string_value(field) : NULL,
                             json_string_value(json_object_get(e, "message")));
            }
        } else if (cc != CURLE_OK || status >= 500 || status == 429) {
            retry = attempt < 5;
            if (!retry)
                fprintf(stderr, "orgpulse import: %s\n", cc != CURLE_OK ? curl_easy_strerror(cc) : "server error");
        } else {
            fprintf(stderr, "orgpulse import: HTTP %ld: %s\n", status, resp.len ? buf_cstr(&resp) : "");
        }
        json_decref(body);
        buf_free(&resp);
        if (!retry) return rc;
        usleep((useconds_t)(200000u << attempt)); /* events with ids make retries safe */
    }
}

int cli_import(int argc, char **argv) {
    cli_opt opts[] = {
        {"--data", NULL, NULL, 0},           {"--url", "ORGPULSE_URL", NULL, 0}, {"--key", "ORGPULSE_KEY", NULL, 0},
        {"--project", NULL, "default", 0},   {"--batch", NULL, NULL, 0},         {"--store", "ORGPULSE_STORE", NULL, 0},
    };
    const char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, &npos, usage);
    if (rc) return rc == 1 ? 0 : rc;
    /* offline into a store (--store, else --data's), or online (--url; an ORGPULSE_STORE in the environment aside) */
    const char *location = opts[1].value ? NULL : opts[5].value ? opts[5].value : opts[0].value;
    if (npos != 1 || (opts[0].value && opts[1].value) || (!location == !opts[1].value) || (opts[1].value && !opts[2].value)) {
        fputs(usage, stderr);
        return 2;
    }
    size_t batch_lines = location ? 50000 : 5000;
    if (opts[4].value && cli_parse_size("--batch", opts[4].value, 1, 1000000, &batch_lines)) return 2;

    importer im = {0};
    FILE *in = strcmp(pos[0], "-") == 0 ? stdin : fopen(pos[0], "r");
    if (!in) {
        fprintf(stderr, "orgpulse import: cannot open %s\n", pos[0]);
        return 1;
    }
    struct stat st;
    if (in != stdin && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) im.bytes_total = (size_t)st.st_size;
    im.progress = isatty(STDERR_FILENO);
    int lock = -1;
    if (location) {
        char err[512] = "";
        if (!store_location_is_pg(location) && (lock = cli_lock_data_dir(location)) < 0) return 1;
        if (store_open(location, &im.store, err, sizeof err) != STORE_OK ||
            store_project_ensure(im.store, opts[3].value, &im.project_id) != STORE_OK) {
            fprintf(stderr, "orgpulse import: %s\n", err);
            return 1;
        }
    } else {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        im.curl = curl_easy_init();
        im.url = opts[1].value;
        size_t n = strlen(im.url);
        while (n && im.url[n - 1] == '/') n--;
        im.url = xstrndup(im.url, n);
        buf h;
        buf_init(&h);
        buf_appendf(&h, "Authorization: Bearer %s", opts[2].value);
        im.auth_header = buf_detach(&h, NULL);
    }
    im.start_us = time_monotonic_us();
    pipeline pl;
    if (im.store) pipeline_start(&pl, &im);
    /* Read big blocks and cut them into batches of whole lines (no per-line copies). */
    buf data;
    buf_init(&data);
    size_t scan_pos = 0, lines_found = 0, line_base = 0;
    int eof = 0;
    rc = 0;
    for (;;) {
        while (lines_found < batch_lines && scan_pos < data.len) {
            const char *nl = memchr(data.data + scan_pos, '\n', data.len - scan_pos);
            if (!nl) break;
            scan_pos = (size_t)(nl - data.data) + 1;
            lines_found++;
        }
        if (lines_found < batch_lines && !eof) {
            buf_reserve(&data, 4 << 20);
            size_t n = fread(data.data + data.len, 1, 4 << 20, in);
            if (n == 0) eof = 1;
            data.len += n;
            im.bytes_read += n;
            continue;
        }
        size_t cut = scan_pos;
        if (eof && lines_found < batch_lines && data.len > scan_pos) cut = data.len, lines_found++; /* last line, no \n */
        if (cut == 0) break;
        rc = im.store ? flush_offline(&pl, data.data, cut, line_base) : flush_online(&im, data.data, cut, line_base);
        im.lines += lines_found;
        line_base += lines_found;
        memmove(data.data, data.data + cut, data.len - cut);
        data.len -= cut;
        scan_pos = 0, lines_found = 0;
        print_progress(&im, 0);
        if (rc) break;
    }
    if (ferror(in)) {
        fprintf(stderr, "orgpulse import: read error on %s\n", pos[0]);
        rc = -1;
    }
    if (im.store && pipeline_finish(&pl) != 0) rc = -1;
    print_progress(&im, 1);
    double secs = (double)(time_monotonic_us() - im.start_us) / 1e6;
    fprintf(stderr, "%s: %zu events stored, %zu duplicates, %zu lines read in %.2f s (%.0f events/s)\n",
            rc ? "import stopped" : "import done", im.accepted, im.duplicates, im.lines, secs,
            secs > 0 ? (double)(im.accepted + im.duplicates) / secs : 0.0);
    buf_free(&data);
    if (in != stdin) fclose(in);
    if (im.store) store_close(im.store);
    if (im.curl) {
        curl_easy_cleanup(im.curl);
        curl_global_cleanup();
        free((char *)im.url);
        free(im.auth_header);
    }
    if (lock >= 0) close(lock);
    return rc ? 1 : 0;
}
