/* snapshot.c: writing and reading the index snapshot (see snapshot.h).
 *
 * One function per record kind walks the record's heap parts, and the same walk serves both directions (snap_io's
 * `reading`), so what is written and what is read cannot drift apart. Arrays of records are copied as they are in
 * memory (their scalar fields), then each record's pointers are replaced by what the walk reads. A snapshot is only
 * read by a binary built from the same sources of the index and the snapshot: the header holds SNAPSHOT_LAYOUT, a
 * digest of those sources made by the build (cmake/snapshot_layout.cmake), and the record sizes. Reading never trusts a count: every length is checked against the bytes
 * left in the file, and every index stored in a record against the table it points into, before the index is used. */
#include "engine/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot_layout.h" /* generated: SNAPSHOT_LAYOUT */
#include "util/buf.h"
#include "util/log.h"

#define SNAPSHOT_MAGIC "OPSNAP01"
#define SNAPSHOT_END "OPSNAPOK"

typedef struct snapshot_header {
    char magic[8];
    char build[32]; /* SNAPSHOT_LAYOUT of the binary that wrote it */
    uint32_t sizes[11];
    store_event last; /* the last event covered (columns only) */
    uint64_t nprojects;
} snapshot_header;

typedef struct snapshot_trailer {
    char magic[8];
    uint64_t bytes; /* the file's size before the trailer */
} snapshot_trailer;

static void header_fill(snapshot_header *h) {
    memset(h, 0, sizeof *h);
    memcpy(h->magic, SNAPSHOT_MAGIC, 8);
    snprintf(h->build, sizeof h->build, "%s", SNAPSHOT_LAYOUT);
    const uint32_t sizes[11] = {sizeof(user_rec),       sizeof(user_hot),   sizeof(org_rec),     sizeof(team_rec),
                                sizeof(membership_rec), sizeof(invite_rec), sizeof(usage_entry), sizeof(history_entry),
                                sizeof(active_day),     sizeof(store_event), sizeof(usage_attr)};
    memcpy(h->sizes, sizes, sizeof sizes);
}

/* ---- one walk, two directions ---- */

typedef struct snap_io {
    FILE *f;
    int reading;
    int failed;
    uint64_t left; /* reading: bytes of the file not read yet; bounds every length */
} snap_io;

static void io_bytes(snap_io *io, void *p, size_t n) {
    if (!n) return;
    if (!io->failed) {
        if (io->reading && n > io->left)
            io->failed = 1;
        else if ((io->reading ? fread(p, 1, n, io->f) : fwrite(p, 1, n, io->f)) != n)
            io->failed = 1;
        else if (io->reading)
            io->left -= n;
    }
    if (io->failed && io->reading) memset(p, 0, n);
}

#define IO(io, x) io_bytes((io), &(x), sizeof(x))

/* Reading: may `count` elements of `size` bytes still be in the file? */
static int io_fits(snap_io *io, uint64_t count, size_t size) {
    if (io->failed || (size && count > io->left / size)) io->failed = 1;
    return !io->failed;
}

/* A heap array: its count, then its elements. Reading allocates exactly count elements (NULL when none). */
static void io_array(snap_io *io, void **items, uint32_t *count, uint32_t *cap, size_t size) {
    IO(io, *count);
    if (io->reading) {
        *items = NULL;
        if (!io_fits(io, *count, size)) *count = 0;
        if (*count) *items = xmalloc((size_t)*count * size);
        if (cap) *cap = *count;
    }
    io_bytes(io, *items, (size_t)*count * size);
}

#define IO_ARRAY(io, items, count, cap) io_array((io), (void **)&(items), &(count), (cap), sizeof *(items))

/* A string or NULL: its length + 1 (0 for NULL), then its bytes. */
static void io_str(snap_io *io, char **s) {
    uint32_t n = !io->reading && *s ? (uint32_t)strlen(*s) + 1 : 0;
    IO(io, n);
    if (io->reading) {
        *s = NULL;
        if (!n || !io_fits(io, n - 1, 1)) return;
        *s = xmalloc(n);
        (*s)[n - 1] = 0;
    }
    io_bytes(io, *s, n ? n - 1 : 0);
    if (io->reading && (io->failed || memchr(*s, 0, n - 1))) {
        io->failed = 1;
        free(*s);
        *s = NULL;
    }
}

static void io_bitmap(snap_io *io, roaring_bitmap_t **b) {
    uint64_t n = !io->reading && *b ? roaring_bitmap_portable_size_in_bytes(*b) : 0;
    IO(io, n);
    if (io->reading) *b = NULL;
    if (!n || (io->reading && !io_fits(io, n, 1))) return;
    char *buf = xmalloc(n);
    if (!io->reading) roaring_bitmap_portable_serialize(*b, buf);
    io_bytes(io, buf, n);
    if (io->reading && !io->failed && !(*b = roaring_bitmap_portable_deserialize_safe(buf, n))) io->failed = 1;
    free(buf);
}

/* A series is mostly empty slots (hours since 1970): its slot count, then the non-empty slots as (slot, bitmap). */
static void io_series(snap_io *io, bitmap_series *s) {
    uint32_t used = 0;
    for (int32_t i = 0; !io->reading && i < s->count; i++) used += s->items[i] != NULL;
    IO(io, s->count);
    IO(io, used);
    if (io->reading) {
        s->items = NULL;
        if (s->count < 0 || (uint32_t)s->count < used || !io_fits(io, used, 12)) s->count = 0, used = 0;
        if (s->count) s->items = xcalloc((size_t)s->count, sizeof *s->items);
    }
    for (int32_t i = 0, k = 0; io->reading ? (uint32_t)k < used : i < s->count; i++) {
        if (!io->reading && !s->items[i]) continue;
        int32_t slot = i;
        IO(io, slot);
        if (io->reading && (slot < 0 || slot >= s->count || s->items[slot])) io->failed = 1;
        if (io->failed && io->reading) slot = -1;
        roaring_bitmap_t *b = slot >= 0 ? s->items[slot] : NULL;
        io_bitmap(io, &b);
        if (io->reading && slot >= 0) s->items[slot] = b;
        else if (io->reading && b) roaring_bitmap_free(b);
        k++;
    }
}

static void io_string_table(snap_io *io, string_table *t) {
    if (io->reading) string_table_free(t), memset(t, 0, sizeof *t);
    uint32_t n = t->count;
    IO(io, n);
    if (io->reading && !io_fits(io, n, 4)) n = 0;
    for (uint32_t i = 0; i < n; i++) {
        char *s = io->reading ? NULL : t->items[i];
        io_str(io, &s);
        if (io->reading && s) {
            if (string_table_intern(t, s) != i) io->failed = 1; /* a repeated string */
            free(s);
        }
    }
}

static void io_lww(snap_io *io, lww_text *f) { io_str(io, &f->value); }
static void io_history(snap_io *io, history *h) { IO_ARRAY(io, h->items, h->count, &h->cap); }
static void io_days(snap_io *io, day_list *d) { IO_ARRAY(io, d->items, d->count, &d->cap); }

static void io_user(snap_io *io, user_rec *u, user_hot *h) {
    io_str(io, &u->id);
    io_lww(io, &u->email), io_lww(io, &u->username), io_lww(io, &u->first_name), io_lww(io, &u->last_name);
    io_lww(io, &u->role), io_lww(io, &u->verified), io_lww(io, &u->properties);
    io_lww(io, &u->signup_query_parameters);
    io_history(io, &u->status);
    io_history(io, &u->teams);
    IO_ARRAY(io, u->memberships, u->nmemberships, &u->cap_memberships);
    IO_ARRAY(io, u->usage, u->nusage, &u->cap_usage);
    IO_ARRAY(io, u->acts, u->nacts, &u->cap_acts);
    io_days(io, &h->days);
}

static void io_org(snap_io *io, org_rec *o) {
    io_str(io, &o->id);
    io_lww(io, &o->name), io_lww(io, &o->slug), io_lww(io, &o->domains), io_lww(io, &o->metadata);
    io_lww(io, &o->settings);
    io_history(io, &o->status);
    IO_ARRAY(io, o->memberships, o->nmemberships, &o->cap_memberships);
    IO_ARRAY(io, o->teams, o->nteams, &o->cap_teams);
    io_days(io, &o->days);
}

static void io_team(snap_io *io, team_rec *t) {
    io_str(io, &t->id);
    io_lww(io, &t->name), io_lww(io, &t->is_default);
    io_history(io, &t->status);
}

static void io_invite(snap_io *io, invite_rec *r) {
    io_str(io, &r->email_lower);
    io_str(io, &r->invite_id);
}

/* The project's tables. Reading fills a project that engine_project just created. */
static void io_project(snap_io *io, project_index *p) {
    IO(io, p->version), IO(io, p->deleted_version), IO(io, p->usage_entries), IO(io, p->events);
    IO(io, p->events_by_type);
    IO_ARRAY(io, p->users, p->nusers, &p->cap_users);
    if (io->reading) p->hot = p->nusers ? xmalloc((size_t)p->nusers * sizeof *p->hot) : NULL;
    io_bytes(io, p->hot, (size_t)p->nusers * sizeof *p->hot);
    for (uint32_t i = 0; i < p->nusers; i++) io_user(io, &p->users[i], &p->hot[i]);
    IO_ARRAY(io, p->orgs, p->norgs, &p->cap_orgs);
    for (uint32_t i = 0; i < p->norgs; i++) io_org(io, &p->orgs[i]);
    IO_ARRAY(io, p->teams, p->nteams, &p->cap_teams);
    for (uint32_t i = 0; i < p->nteams; i++) io_team(io, &p->teams[i]);
    IO_ARRAY(io, p->memberships, p->nmemberships, &p->cap_memberships);
    for (uint32_t i = 0; i < p->nmemberships; i++) io_history(io, &p->memberships[i].log);
    IO_ARRAY(io, p->invites, p->ninvites, &p->cap_invites);
    for (uint32_t i = 0; i < p->ninvites; i++) io_invite(io, &p->invites[i]);
    io_string_table(io, &p->roles), io_string_table(io, &p->features), io_string_table(io, &p->metrics);
    IO_ARRAY(io, p->usage_attrs.items, p->usage_attrs.count, &p->usage_attrs.cap);
    io_series(io, &p->day_users), io_series(io, &p->day_orgs), io_series(io, &p->hour_users);
    io_bitmap(io, &p->deleted_users), io_bitmap(io, &p->deleted_orgs);
    io_series(io, &p->org_usage_users), io_series(io, &p->team_users);
    IO_ARRAY(io, p->user_of_num, p->nuser_of_num, NULL);
    IO_ARRAY(io, p->org_of_num, p->norg_of_num, NULL);
    IO_ARRAY(io, p->team_of_num, p->nteam_of_num, NULL);
}

/* ---- checking what was read ---- */

#define BAD(cond)                                                                                                    \
    do {                                                                                                             \
        if (cond) return -1;                                                                                         \
    } while (0)

static int index_ok(uint32_t x, uint32_t n) { return x < n; }
static int index_or_none_ok(uint32_t x, uint32_t n) { return x == INDEX_NONE || x < n; }

static int bitmap_in(const roaring_bitmap_t *b, uint32_t n) {
    return !b || roaring_bitmap_is_empty(b) || roaring_bitmap_maximum(b) < n;
}

static int series_in(const bitmap_series *s, uint32_t n) {
    for (int32_t i = 0; i < s->count; i++)
        if (!bitmap_in(s->items[i], n)) return 0;
    return 1;
}

/* A series indexed by entity: no bitmap past the n entities (slots may be allocated beyond). */
static int series_slots_in(const bitmap_series *s, uint32_t n) {
    for (int32_t i = (int32_t)(n < INT32_MAX ? n : INT32_MAX); i < s->count; i++)
        if (s->items[i]) return 0;
    return 1;
}

/* Day numbers sorted, and in the range of real dates (a damaged file must not make the index allocate per-day
 * tables for the year 5 million). */
#define DAY_LIMIT (1 << 20) /* 2841-01-04 */
static int days_ok(const day_list *d) {
    for (uint32_t i = 0; i < d->count; i++)
        if (d->items[i].day < 0 || d->items[i].day >= DAY_LIMIT || (i && d->items[i].day <= d->items[i - 1].day))
            return 0;
    return 1;
}

/* Usage entries in time order (the scans binary-search them) at real times, pointing into their tables; activity
 * times sorted, distinct, real. */
#define TIME_LIMIT ((int64_t)DAY_LIMIT * 86400000LL)
static int usage_ok(const project_index *p, const user_rec *u) {
    for (uint32_t k = 0; k < u->nusage; k++) {
        const usage_entry *x = &u->usage[k];
        if (x->feature >= p->features.count || x->metric >= p->metrics.count || x->attr >= p->usage_attrs.count ||
            x->ts_ms < 0 || x->ts_ms >= TIME_LIMIT || (k && x->ts_ms < u->usage[k - 1].ts_ms))
            return 0;
    }
    for (uint32_t k = 0; k < u->nacts; k++)
        if (u->acts[k] < 0 || u->acts[k] >= TIME_LIMIT || (k && u->acts[k] <= u->acts[k - 1])) return 0;
    return 1;
}

static int of_num_in(const uint32_t *map, uint32_t count, uint32_t n) {
    for (uint32_t i = 0; i < count; i++)
        if (!index_or_none_ok(map[i], n)) return 0;
    return 1;
}

/* Every stored index points into its table, every id is set and unique (then interned). */
static int project_check_and_intern(project_index *p) {
    uint32_t nroles = p->roles.count;
    for (uint32_t i = 0; i < p->usage_attrs.count; i++)
        BAD(!index_or_none_ok(p->usage_attrs.items[i].org, p->norgs) ||
            !index_or_none_ok(p->usage_attrs.items[i].team, p->nteams));
    BAD(usage_attr_rehash(&p->usage_attrs) != 0);
    for (uint32_t i = 0; i < p->nusers; i++) {
        const user_rec *u = &p->users[i];
        BAD(!u->id || !index_or_none_ok(u->team, p->nteams) || !days_ok(&p->hot[i].days));
        for (uint32_t k = 0; k < u->nmemberships; k++) BAD(!index_ok(u->memberships[k], p->nmemberships));
        for (uint32_t k = 0; k < u->teams.count; k++) BAD(!index_ok(u->teams.items[k].arg, p->nteams));
        BAD(!usage_ok(p, u));
        BAD(strmap_get(&p->user_ids, u->id, strlen(u->id), &(uint32_t){0}) == 0);
        strmap_put(&p->user_ids, u->id, strlen(u->id), i);
    }
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_rec *o = &p->orgs[i];
        BAD(!o->id || !days_ok(&o->days));
        for (uint32_t k = 0; k < o->nmemberships; k++) BAD(!index_ok(o->memberships[k], p->nmemberships));
        for (uint32_t k = 0; k < o->nteams; k++) BAD(!index_ok(o->teams[k], p->nteams));
        BAD(strmap_get(&p->org_ids, o->id, strlen(o->id), &(uint32_t){0}) == 0);
        strmap_put(&p->org_ids, o->id, strlen(o->id), i);
    }
    for (uint32_t i = 0; i < p->nteams; i++) {
        const team_rec *t = &p->teams[i];
        BAD(!t->id || !index_or_none_ok(t->org, p->norgs));
        BAD(strmap_get(&p->team_ids, t->id, strlen(t->id), &(uint32_t){0}) == 0);
        strmap_put(&p->team_ids, t->id, strlen(t->id), i);
    }
    for (uint32_t i = 0; i < p->nmemberships; i++) {
        const membership_rec *m = &p->memberships[i];
        BAD(!index_ok(m->org, p->norgs) || !index_ok(m->user, p->nusers) || !index_ok(m->role, nroles));
        for (uint32_t k = 0; k < m->log.count; k++) BAD(!index_ok(m->log.items[k].arg, nroles));
    }
    for (uint32_t i = 0; i < p->ninvites; i++) {
        const invite_rec *r = &p->invites[i];
        BAD(!index_or_none_ok(r->org, p->norgs) || !index_or_none_ok(r->user, p->nusers));
        BAD(!index_or_none_ok(r->inviter, p->nusers) || !index_or_none_ok(r->team, p->nteams));
        BAD(!index_ok(r->role, nroles));
    }
    BAD(!series_in(&p->day_users, p->nusers) || !series_in(&p->hour_users, p->nusers));
    BAD(!series_in(&p->day_orgs, p->norgs));
    BAD(!bitmap_in(p->deleted_users, p->nusers) || !bitmap_in(p->deleted_orgs, p->norgs));
    BAD(!series_slots_in(&p->org_usage_users, p->norgs) || !series_in(&p->org_usage_users, p->nusers));
    BAD(!series_slots_in(&p->team_users, p->nteams) || !series_in(&p->team_users, p->nusers));
    BAD(!of_num_in(p->user_of_num, p->nuser_of_num, p->nusers));
    BAD(!of_num_in(p->org_of_num, p->norg_of_num, p->norgs));
    BAD(!of_num_in(p->team_of_num, p->nteam_of_num, p->nteams));
    return 0;
}

/* ---- save ---- */

static int fsync_dir_of(const char *path) {
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int engine_snapshot_save(const engine *e, store *s, const char *path, uint64_t *out_bytes) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        log_error("snapshot: %s: %s", tmp, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 22);
    snap_io io = {.f = f};
    snapshot_header h;
    header_fill(&h);
    h.last = e->last;
    h.nprojects = e->nprojects;
    IO(&io, h);
    for (size_t i = 0; i < e->nprojects; i++) {
        project_index *p = e->projects[i];
        IO(&io, p->project_id);
        io_project(&io, p);
    }
    if (!io.failed && store_state_save(s, f) != STORE_OK) io.failed = 1;
    snapshot_trailer t = {.bytes = (uint64_t)ftello(f)};
    memcpy(t.magic, SNAPSHOT_END, 8);
    IO(&io, t);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) io.failed = 1;
    if (fclose(f) != 0) io.failed = 1;
    if (io.failed || rename(tmp, path) != 0 || fsync_dir_of(path) != 0) {
        log_error("snapshot: could not write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (out_bytes) *out_bytes = t.bytes + sizeof t;
    return 0;
}

/* ---- load ---- */

typedef struct last_check {
    const store_event *want;
    int found;
} last_check;

static int last_event_matches(void *ctx, const store_event *ev) {
    last_check *c = ctx;
    const store_event *w = c->want;
    c->found = ev->seq == w->seq && ev->project_id == w->project_id && ev->ts_ms == w->ts_ms &&
               ev->received_ms == w->received_ms && ev->type == w->type && ev->user_num == w->user_num &&
               ev->org_num == w->org_num && ev->team_num == w->team_num;
    return 1; /* one row is enough */
}

static int snapshot_read(engine *e, store *s, FILE *f, uint64_t size, int64_t *out_seq) {
    snapshot_trailer t;
    snapshot_header h, want;
    header_fill(&want);
    if (size < sizeof h + sizeof t) return -1;
    snap_io io = {.f = f, .reading = 1, .left = size - sizeof t};
    IO(&io, h);
    if (io.failed || memcmp(h.magic, want.magic, 8) != 0) return -1;
    if (memcmp(h.build, want.build, sizeof h.build) != 0 || memcmp(h.sizes, want.sizes, sizeof h.sizes) != 0) {
        log_info("snapshot: written by a build with another index layout (%.31s); rebuilding from the log", h.build);
        return -1;
    }
    if (!io_fits(&io, h.nprojects, 8)) return -1;
    for (uint64_t i = 0; i < h.nprojects && !io.failed; i++) {
        int64_t id = 0;
        IO(&io, id);
        if (io.failed || engine_project(e, id, 0)) return -1;
        project_index *p = engine_project(e, id, 1);
        io_project(&io, p);
        if (io.failed || project_check_and_intern(p) != 0) return -1;
    }
    if (io.failed || store_state_load(s, f, h.last.seq) != STORE_OK) return -1;
    off_t at = ftello(f);
    if (fread(&t, sizeof t, 1, f) != 1 || memcmp(t.magic, SNAPSHOT_END, 8) != 0 || t.bytes != (uint64_t)at ||
        (uint64_t)at + sizeof t != size)
        return -1;
    if (h.last.seq > 0) {
        last_check c = {.want = &h.last};
        store_events_scan(s, h.last.seq - 1, last_event_matches, &c);
        if (!c.found) {
            log_info("snapshot: the store no longer holds the snapshot's last event; rebuilding from the log");
            return -1;
        }
    }
    e->last = h.last;
    *out_seq = h.last.seq;
    return 0;
}

int engine_snapshot_load(engine *e, store *s, const char *path, int64_t *out_seq) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 1;
        log_error("snapshot: %s: %s", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 22);
    struct stat st;
    int rc = fstat(fileno(f), &st) == 0 ? snapshot_read(e, s, f, (uint64_t)st.st_size, out_seq) : -1;
    fclose(f);
    if (rc != 0) {
        log_info("snapshot: %s is not usable; rebuilding the index from the whole log", path);
        engine_clear(e);
    }
    return rc;
}
