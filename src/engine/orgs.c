/* orgs.c: organizations written through the PostHog-compatible family (see orgs.h). Writes from the API are
 * serialized by one lock, so choosing a free slug and merging settings see the previous write's result; the event
 * then takes the normal ingestion path (engine_ingest_batch: stored durably, then applied to the index). */
#include "engine/orgs.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "engine/event.h"
#include "engine/ingest.h"
#include "util/buf.h"
#include "util/time.h"

static pthread_mutex_t org_write_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- slugs ---- */

/* NFKD of a UTF-8 string, keeping only its ASCII characters (Python's .encode("ascii", "ignore")). */
static char *nfkd_ascii(const char *s) {
    size_t len = strlen(s);
    char *out = xmalloc(len + 1);
    size_t n = 0;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&err);
    int32_t ulen = 0;
    UChar *u = NULL, *norm = NULL;
    if (U_SUCCESS(err) && len < (size_t)INT32_MAX / 8) {
        u = xmalloc((len + 1) * sizeof *u);
        u_strFromUTF8(u, (int32_t)len + 1, &ulen, s, (int32_t)len, &err);
    }
    if (U_SUCCESS(err) && u) {
        int32_t cap = ulen * 18 + 1; /* NFKD expands a code unit to at most 18 */
        norm = xmalloc((size_t)cap * sizeof *norm);
        int32_t nlen = unorm2_normalize(nfkd, u, ulen, norm, cap, &err);
        if (U_SUCCESS(err))
            for (int32_t i = 0; i < nlen; i++)
                if (norm[i] < 0x80) out[n++] = (char)norm[i];
    }
    if (U_FAILURE(err)) { /* not expected: fall back to the ASCII bytes as they are */
        n = 0;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] < 0x80) out[n++] = s[i];
    }
    free(u), free(norm);
    out[n] = 0;
    return out;
}

/* Python's \s on ASCII: space, \t \n \v \f \r and the separators \x1c-\x1f. */
static int py_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }
static int py_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void engine_org_slugify(const char *name, char *out) {
    char *a = nfkd_ascii(name ? name : "");
    /* lower, drop [^\w\s-], then runs of [-\s] -> '-' */
    size_t n = 0;
    for (size_t i = 0; a[i]; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (!py_word(c) && !py_space(c) && c != '-') continue;
        if (c == '-' || py_space(c)) {
            if (n && a[n - 1] == '-') continue;
            c = '-';
        }
        a[n++] = c; /* n <= i: rewriting in place */
    }
    a[n] = 0;
    /* strip '-' and '_' at both ends, then cut to 48 */
    size_t start = 0, end = n;
    while (start < end && (a[start] == '-' || a[start] == '_')) start++;
    while (end > start && (a[end - 1] == '-' || a[end - 1] == '_')) end--;
    size_t len = end - start;
    if (len > ENGINE_ORG_SLUG_MAX) len = ENGINE_ORG_SLUG_MAX;
    memcpy(out, a + start, len);
    out[len] = 0;
    free(a);
}

/* The slug an org shows: its own, else (an org that events made without one) its name's. */
static int slug_taken(const project_index *p, const char *slug) {
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_rec *o = &p->orgs[i];
        if (o->deleted) continue;
        if (o->slug.value) {
            if (strcmp(o->slug.value, slug) == 0) return 1;
        } else if (o->name.value) {
            char s[ENGINE_ORG_SLUG_MAX + 1];
            engine_org_slugify(o->name.value, s);
            if (strcmp(s, slug) == 0) return 1;
        }
    }
    return 0;
}

/* PostHog's create_with_slug: the base slug, else up to 9 more tries of base[:43] + '-' + 4 random letters. The
 * letters are lower case, as PostHog's LowercaseSlugField stores them. Returns 0, or -1 after 10 clashes. */
static int slug_choose(const project_index *p, const char *name, char *out) {
    char base[ENGINE_ORG_SLUG_MAX + 1];
    engine_org_slugify(name, base);
    if (!p || !slug_taken(p, base)) return strcpy(out, base), 0;
    for (int attempt = 0; attempt < 9; attempt++) {
        size_t k = strlen(base) > 43 ? 43 : strlen(base);
        memcpy(out, base, k);
        out[k] = '-';
        for (int i = 0; i < 4; i++) out[k + 1 + i] = (char)('a' + randombytes_uniform(26));
        out[k + 5] = 0;
        if (!slug_taken(p, out)) return 0;
    }
    return -1;
}

/* ---- listing ---- */

static int cmp_created_then_id(const void *a, const void *b, void *ctx) {
    const project_index *p = ctx;
    const org_rec *x = &p->orgs[*(const uint32_t *)a], *y = &p->orgs[*(const uint32_t *)b];
    int64_t cx = x->has_created ? x->created_ms : x->first_seen_ms;
    int64_t cy = y->has_created ? y->created_ms : y->first_seen_ms;
    if (cx != cy) return cx < cy ? -1 : 1;
    return strcmp(x->id, y->id);
}

uint32_t engine_orgs_live(const project_index *p, uint32_t **out) {
    *out = NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->norgs; i++) n += !p->orgs[i].deleted;
    if (!n) return 0;
    uint32_t *ids = xmalloc(n * sizeof *ids);
    n = 0;
    for (uint32_t i = 0; i < p->norgs; i++)
        if (!p->orgs[i].deleted) ids[n++] = i;
    qsort_r(ids, n, sizeof *ids, cmp_created_then_id, (void *)p);
    *out = ids;
    return n;
}

/* ---- writes ---- */

/* A UUID version 7: 48 bits of milliseconds, a 12-bit sequence (RFC 9562 method 1: counted up within one
 * millisecond, from a random start below 2048 in a new one), then random bits, so ids sort by creation order even
 * within a millisecond. Called under org_write_lock. */
static void uuid_v7(int64_t now_ms, char *out) {
    static int64_t last_ms = INT64_MIN;
    static uint32_t seq;
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    if (now_ms == last_ms && seq < 4095) seq++;
    else seq = randombytes_uniform(2048);
    last_ms = now_ms;
    uint64_t ms = (uint64_t)now_ms;
    for (int i = 0; i < 6; i++) b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (seq >> 8));
    b[7] = (unsigned char)(seq & 0xff);
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[n++] = '-';
        out[n++] = hex[b[i] >> 4];
        out[n++] = hex[b[i] & 15];
    }
    out[n] = 0;
}

/* Parse the event text and store + apply it as one batch. */
static int ingest_one(engine *e, store *s, int64_t project_id, json_t *ev, int64_t now_ms) {
    char *text = json_dumps(ev, JSON_COMPACT);
    if (!text) return STORE_EINVAL;
    event_batch b;
    event_batch_init(&b);
    int rc = STORE_EINVAL;
    if (event_batch_parse(&b, text, strlen(text), 0, now_ms, 0) == 0 && b.count == 1) {
        size_t accepted, duplicates;
        rc = engine_ingest_batch(e, s, project_id, &b, now_ms, &accepted, &duplicates);
    }
    event_batch_free(&b);
    free(text);
    return rc;
}

static void set_timestamp(json_t *ev, int64_t ts_ms) {
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(ts_ms, t);
    json_object_set_new(ev, "timestamp", json_string(t));
}

/* Add the change's members to the event; `current_settings` (a JSON text or NULL) is what the settings patch
 * merges into. Returns 0, or -1 when a JSON text of the change is not what it must be. */
static int add_change(json_t *ev, const engine_org_change *c, const char *current_settings) {
    if (c->name) json_object_set_new(ev, "name", json_string(c->name));
    if (c->domains) {
        json_t *d = json_loads(c->domains, 0, NULL);
        if (!json_is_array(d)) return json_decref(d), -1;
        json_object_set_new(ev, "domains", d);
    }
    if (c->settings) {
        json_t *patch = json_loads(c->settings, 0, NULL);
        if (!json_is_object(patch)) return json_decref(patch), -1;
        json_t *merged = current_settings ? json_loads(current_settings, 0, NULL) : NULL;
        if (!json_is_object(merged)) json_decref(merged), merged = json_object();
        json_object_update(merged, patch);
        json_decref(patch);
        json_object_set_new(ev, "settings", merged);
    }
    return 0;
}

int engine_org_create(engine *e, store *s, int64_t project_id, int64_t now_ms, const engine_org_change *c,
                      char *id_out) {
    if (!c->name) return STORE_EINVAL;
    pthread_mutex_lock(&org_write_lock);
    project_index *p = engine_project(e, project_id, 0);
    char slug[ENGINE_ORG_SLUG_MAX + 1];
    if (p) pthread_rwlock_rdlock(&p->lock);
    int taken = slug_choose(p, c->name, slug);
    if (p) pthread_rwlock_unlock(&p->lock);
    int rc = STORE_EEXISTS;
    if (taken == 0) {
        uuid_v7(now_ms, id_out);
        json_t *ev = json_pack("{s:s, s:s, s:s}", "type", "org.created", "org_id", id_out, "slug", slug);
        set_timestamp(ev, now_ms);
        rc = add_change(ev, c, NULL) == 0 ? ingest_one(e, s, project_id, ev, now_ms) : STORE_EINVAL;
        json_decref(ev);
    }
    pthread_mutex_unlock(&org_write_lock);
    return rc;
}

/* Under the read lock: is the org live, and what its next event's timestamp and current settings are. The
 * timestamp is now, or just after the org's latest event when that is later (an import may carry times ahead of
 * this clock), so the write is the newest version of every field it sets. */
static int org_state(engine *e, int64_t project_id, const char *org_id, int64_t now_ms, int64_t *ts,
                     char **settings) {
    project_index *p = engine_project(e, project_id, 0);
    if (!p) return ENGINE_ORG_ENOTFOUND;
    pthread_rwlock_rdlock(&p->lock);
    uint32_t idx;
    int rc = ENGINE_ORG_ENOTFOUND;
    if (engine_org_find(p, org_id, &idx) == 0 && !p->orgs[idx].deleted) {
        const org_rec *o = &p->orgs[idx];
        int64_t latest = o->updated_ms > o->first_seen_ms ? o->updated_ms : o->first_seen_ms;
        if (o->has_created && o->created_ms > latest) latest = o->created_ms;
        *ts = now_ms > latest ? now_ms : latest + 1;
        if (settings) *settings = o->settings.value ? xstrdup(o->settings.value) : NULL;
        rc = 0;
    }
    pthread_rwlock_unlock(&p->lock);
    return rc;
}

int engine_org_update(engine *e, store *s, int64_t project_id, const char *org_id, int64_t now_ms,
                      const engine_org_change *c) {
    pthread_mutex_lock(&org_write_lock);
    int64_t ts;
    char *settings = NULL;
    int rc = org_state(e, project_id, org_id, now_ms, &ts, &settings);
    if (rc == 0) {
        json_t *ev = json_pack("{s:s, s:s}", "type", "org.updated", "org_id", org_id);
        set_timestamp(ev, ts);
        rc = add_change(ev, c, settings) == 0 ? ingest_one(e, s, project_id, ev, now_ms) : STORE_EINVAL;
        json_decref(ev);
    }
    free(settings);
    pthread_mutex_unlock(&org_write_lock);
    return rc;
}

int engine_org_delete(engine *e, store *s, int64_t project_id, const char *org_id, int64_t now_ms) {
    pthread_mutex_lock(&org_write_lock);
    int64_t ts;
    int rc = org_state(e, project_id, org_id, now_ms, &ts, NULL);
    if (rc == 0) {
        json_t *ev = json_pack("{s:s, s:s}", "type", "org.deleted", "org_id", org_id);
        set_timestamp(ev, ts);
        rc = ingest_one(e, s, project_id, ev, now_ms);
        json_decref(ev);
    }
    pthread_mutex_unlock(&org_write_lock);
    return rc;
}
