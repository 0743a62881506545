/* tools/demo.c -- `orgpulse demo`: writes a deterministic, realistic B2B SaaS event stream as NDJSON (specs/events.md)
** to stdout, for demos, tests and benchmarks.  Owns the generator's model, its PRNG and its output formatting; uses
** only libc and libm (no JSON library: every line is formatted by hand into one large output buffer).
**
** DESIGN
**
** (1) Randomness.  Every decision comes from xoshiro256** streams seeded through splitmix64 from a hash of
**     (seed, stream tag, entity, day).  Nothing depends on the order in which other entities were drawn, so the same
**     arguments give the same bytes, and a user's day of activity can be drawn without keeping any PRNG state.
**     time() is read only to compute the default end date.
**
** (2) Time.  Every timestamp is held as seconds since the period start, 00:00:00 UTC of (end - days), in an int32.
**     The period ends at 23:59:59 of the end date; nothing is ever placed at or after `period_seconds`.  On output
**     about 5% of timestamps are integer Unix seconds and about 3% of activity and usage ones carry milliseconds;
**     the rest are RFC 3339 strings like 2026-01-05T14:48:00Z.
**
** (3) Planning pass.  Orgs get a Zipf weight (rank^-1.1), a creation time (most large orgs exist at the start), a time
**     zone, 1-5 teams, settings with a license, and for a few an update or a deletion.  Users 0..orgs-1 found orgs
**     0..orgs-1; every other user joins an org drawn by weight, at a weekday working-hours time after the org exists
**     (some already at the start), most of them through an invitation sent shortly before by a member who is active
**     at that moment.  Each user then gets at most one fate (removed from the org, deactivated and maybe
**     reactivated, deleted), maybe a team, a team move or removal, a role change, a profile update, a second org, an
**     invitation that is never accepted (left pending or revoked), and an engagement curve: a level that decays with
**     age, an optional churn day and an optional reengagement day.
**
** (4) Structural events (everything but activity and usage) become 16-byte records keyed by (time, sequence) and are
**     radix-sorted by time, so within a day they come out in time order and, at equal times, in causal order.
**
** (5) Output pass, day by day: that day's structural events, then for every user who may be active that day one
**     counter-based draw against their engagement (weekends weigh 0.3), and for the active ones 1..6 sessions at
**     working hours in their org's time zone, each an `activity` event, often followed by `usage` events for
**     `codeCompletions` and `chat`.  An event about a user is written only while `demo_user_can_act()` holds:
**     after signup, inside a membership, outside a deactivation, before deletion.
**
** Memory is O(users): at its peak (sorting the records) about 300 bytes per user, about 290 MB at 1M users. */
#include "demo.h"
#include "util/hash.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------------ limits, tuning */

#define DEMO_DEFAULT_USERS 2000u
#define DEMO_DEFAULT_ORGS 100u
#define DEMO_DEFAULT_DAYS 90u
#define DEMO_DEFAULT_SEED 1u
#define DEMO_MAX_USERS 50000000ull
#define DEMO_MAX_ORGS 1000000ull
#define DEMO_MAX_DAYS 3650ull

#define DEMO_DAY 86400
#define DEMO_HOUR 3600
#define DEMO_MAX_TEAMS 5
#define DEMO_UUID_LEN 36
#define DEMO_OUT_CAPACITY ((size_t)1 << 20) /* bytes buffered before one fwrite */
#define DEMO_EVENT_RESERVE ((size_t)16384)  /* room guaranteed before each event; the longest is under 2 KB */

#define DEMO_NEVER INT32_MAX     /* a time that never comes */
#define DEMO_NONE UINT32_MAX     /* no user / no org */
#define DEMO_NO_DAY UINT16_MAX   /* no churn / no reengagement */
#define DEMO_NO_SLOT UINT8_MAX   /* no team */

#define DEMO_ZIPF_EXPONENT 1.1         /* org sizes: weight of rank r is (r+1)^-1.1 */
#define DEMO_WEEKEND_FACTOR 0.3        /* weekend activity relative to a weekday */
#define DEMO_SIGNUP_PREEXISTING 0.2    /* members of an org that exists at the start who were already there */
#define DEMO_SIGNUP_INVITED 0.65       /* other members who join through an invitation */
#define DEMO_TEAM_MEMBERSHIP 0.85      /* members put in a team */
#define DEMO_SECOND_ORG 0.03           /* members who also join a second org */
#define DEMO_SESSION_MORE 0.3          /* chance of one more session on an active day */
#define DEMO_USAGE_COMPLETIONS 0.45    /* sessions followed by a codeCompletions usage event */
#define DEMO_USAGE_CHAT 0.2            /* sessions followed by a chat usage event */

/* Stream tags: each names one independent family of draws. */
enum demo_tag {
    DEMO_TAG_ORG = 1,
    DEMO_TAG_ORG_DELETION,
    DEMO_TAG_USER,
    DEMO_TAG_INVITER,
    DEMO_TAG_DAY,
    DEMO_TAG_NAME,
    DEMO_TAG_DETAIL,
    DEMO_TAG_USER_UUID,
    DEMO_TAG_ORG_UUID,
    DEMO_TAG_TEAM_UUID,
    DEMO_TAG_EVENT_ID,
};

enum demo_role { DEMO_ROLE_MEMBER, DEMO_ROLE_ADMIN, DEMO_ROLE_OWNER };
static const char *const demo_role_names[] = {"Member", "Admin", "Owner"};

enum demo_fate { DEMO_FATE_NONE, DEMO_FATE_REMOVED, DEMO_FATE_DEACTIVATED, DEMO_FATE_DELETED };

enum demo_org_flag {
    DEMO_ORG_PREEXISTING = 1 << 0,  /* created in the first hours of the period */
    DEMO_ORG_HAS_SETTINGS = 1 << 1,
    DEMO_ORG_HAS_LICENSE = 1 << 2,  /* only with DEMO_ORG_HAS_SETTINGS */
    DEMO_ORG_SECOND_DOMAIN = 1 << 3,
    DEMO_ORG_HAS_METADATA = 1 << 4,
};

enum demo_user_flag {
    DEMO_USER_FOUNDER = 1 << 0,
    DEMO_USER_PREEXISTING = 1 << 1, /* signed up on the first day, as part of an org that already existed */
    DEMO_USER_INVITED = 1 << 2,     /* joined through invite.sent / invite.accepted */
};

/* Kinds of structural records (everything but activity and usage). */
enum demo_record_kind {
    DEMO_REC_ORG_CREATED,
    DEMO_REC_TEAM_CREATED,       /* aux = team slot */
    DEMO_REC_ORG_UPDATED,
    DEMO_REC_ORG_DELETED,
    DEMO_REC_USER_CREATED,
    DEMO_REC_USER_UPDATED,
    DEMO_REC_USER_DEACTIVATED,
    DEMO_REC_USER_REACTIVATED,
    DEMO_REC_USER_DELETED,
    DEMO_REC_INVITE_SENT,        /* aux 0: primary org, 1: second org */
    DEMO_REC_INVITE_ACCEPTED,    /* aux as above */
    DEMO_REC_MEMBER_ADDED,       /* aux as above */
    DEMO_REC_MEMBER_REMOVED,
    DEMO_REC_ROLE_CHANGED,
    DEMO_REC_TEAM_MEMBER_ADDED,  /* aux 0: first team, 1: move to the new team */
    DEMO_REC_TEAM_MEMBER_REMOVED,/* aux 0: left the first team, 1: left with the org */
    DEMO_REC_SPARE_INVITE_SENT,  /* an invitation nobody accepts */
    DEMO_REC_SPARE_INVITE_REVOKED,
};

/* ------------------------------------------------------------------------------------------------ model state */

typedef struct demo_options {
    uint64_t users;
    uint64_t orgs;
    uint64_t days;
    uint64_t seed;
    int64_t end_day; /* days since 1970-01-01 */
} demo_options;

typedef struct demo_org_plan {
    double cumulative_weight;                 /* Zipf weights summed over orgs 0..this one */
    int32_t founder_signup_at;
    int32_t created_at;
    int32_t updated_at;                       /* DEMO_NEVER when not updated */
    int32_t deleted_at;                       /* DEMO_NEVER when not deleted */
    int32_t team_created_at[DEMO_MAX_TEAMS];
    uint32_t founder;                         /* DEMO_NONE when there are fewer users than orgs */
    uint32_t expected_members;
    uint32_t member_offset;                   /* this org's primary members in ctx->org_members */
    uint32_t member_count;
    int16_t tz_minutes;                       /* UTC offset of the org's working hours */
    uint8_t team_count;
    uint8_t flags;                            /* demo_org_flag */
} demo_org_plan;

typedef struct demo_user_plan {
    uint32_t org;                 /* primary org */
    uint32_t inviter;             /* who sent the primary invitation, or DEMO_NONE */
    uint32_t second_org;          /* DEMO_NONE when none */
    uint32_t second_inviter;
    int32_t created_at;           /* signup (user.created) */
    int32_t joined_at;            /* member.added to the primary org */
    int32_t invited_at;           /* invite.sent for the primary org, DEMO_NEVER when not invited */
    int32_t second_joined_at;
    int32_t second_invited_at;
    int32_t member_end;           /* end of the primary membership: removal, deletion or org deletion */
    int32_t user_end;             /* user.deleted */
    int32_t deactivated_at;
    int32_t reactivated_at;       /* DEMO_NEVER: the deactivation lasts */
    int32_t team_added_at;
    int32_t team_changed_at;      /* move to team_new_slot, or removal when team_new_slot is DEMO_NO_SLOT */
    int32_t role_changed_at;
    int32_t updated_at;
    int32_t spare_invite_at;      /* an invitation that is never accepted */
    int32_t spare_revoked_at;
    int16_t tz_minutes;           /* the org's time zone plus a personal shift */
    uint8_t role;                 /* demo_role in the primary org */
    uint8_t fate;                 /* demo_fate */
    uint8_t flags;                /* demo_user_flag */
    uint8_t team_slot;
    uint8_t team_new_slot;
} demo_user_plan;

/* A user's engagement curve: all that the daily loop reads for every user, kept apart from demo_user_plan so that
** skipping the inactive ones streams through 28 bytes per user instead of missing the cache on the plan. */
typedef struct demo_user_activity {
    uint16_t first_day;           /* the window of days on which the user may be active */
    uint16_t last_day;
    float gate;                   /* upper bound of the user's weekday activity chance over the period */
    float engagement;             /* chance of being active on a weekday, before decay */
    float decay_days;             /* time constant of the decay */
    float engagement_floor;       /* share of the level that never decays */
    uint16_t join_day;
    uint16_t churn_day;           /* DEMO_NO_DAY: never churns */
    uint16_t reengage_day;        /* DEMO_NO_DAY: never comes back */
    uint16_t age_offset_days;     /* tenure before the period, for users already there at the start */
} demo_user_activity;

typedef struct demo_record {
    uint64_t key;                 /* time << 32 | sequence */
    uint32_t subject;             /* user or org index */
    uint8_t kind;                 /* demo_record_kind */
    uint8_t aux;
} demo_record;

typedef struct demo_out {
    char *buf;
    size_t len;
    bool failed;
} demo_out;

typedef struct demo_ctx {
    demo_options opt;
    uint64_t seed_key;
    int64_t start_day;            /* days since the epoch of the period start */
    int64_t start_unix;
    int32_t period_seconds;
    uint32_t period_days;
    uint32_t user_count;
    uint32_t org_count;
    demo_org_plan *orgs;
    demo_user_plan *users;
    demo_user_activity *activity; /* per user */
    uint64_t *org_members;        /* per org, sorted: joined_at << 32 | user */
    char *user_uuids;             /* DEMO_UUID_LEN chars per user, no terminator */
    char *org_uuids;
    demo_record *records;
    size_t record_count;
    size_t record_capacity;
    uint32_t record_sequence;
    uint64_t event_id_key;
    uint64_t event_counter;
    int64_t date_cache_day;       /* the day whose "YYYY-MM-DD" is in date_cache */
    char date_cache[10];
    demo_out out;
} demo_ctx;

/* ------------------------------------------------------------------------------------------------ vocabulary */

typedef struct demo_name {
    const char *display;          /* UTF-8 */
    const char *ascii;            /* lower-case ASCII, for emails and usernames */
} demo_name;

static const demo_name demo_first_names[] = {
    {"James", "james"},     {"Mary", "mary"},       {"John", "john"},       {"Patricia", "patricia"},
    {"Robert", "robert"},   {"Jennifer", "jennifer"}, {"Michael", "michael"}, {"Linda", "linda"},
    {"William", "william"}, {"Elizabeth", "elizabeth"}, {"David", "david"}, {"Barbara", "barbara"},
    {"Richard", "richard"}, {"Susan", "susan"},     {"Joseph", "joseph"},   {"Jessica", "jessica"},
    {"Thomas", "thomas"},   {"Sarah", "sarah"},     {"Daniel", "daniel"},   {"Karen", "karen"},
    {"Matthew", "matthew"}, {"Lisa", "lisa"},       {"Anthony", "anthony"}, {"Margaret", "margaret"},
    {"Priya", "priya"},     {"Wei", "wei"},         {"Yuki", "yuki"},       {"Ahmed", "ahmed"},
    {"Fatima", "fatima"},   {"Olga", "olga"},       {"Lars", "lars"},       {"Ingrid", "ingrid"},
    {"José", "jose"},       {"Zoë", "zoe"},         {"Chloé", "chloe"},     {"Søren", "soren"},
    {"Aïsha", "aisha"},     {"Raj", "raj"},         {"Mei", "mei"},         {"Hiroshi", "hiroshi"},
    {"Ana", "ana"},         {"Luca", "luca"},       {"Giulia", "giulia"},   {"Mateo", "mateo"},
    {"Sofía", "sofia"},     {"Noah", "noah"},       {"Emma", "emma"},       {"Liam", "liam"},
    {"Olivia", "olivia"},   {"Ethan", "ethan"},     {"Ava", "ava"},         {"Lucas", "lucas"},
    {"Mia", "mia"},         {"Kwame", "kwame"},     {"Amara", "amara"},     {"Dmitri", "dmitri"},
    {"Elif", "elif"},       {"Tomás", "tomas"},     {"Björn", "bjorn"},     {"Nia", "nia"},
};

static const demo_name demo_last_names[] = {
    {"Smith", "smith"},       {"Johnson", "johnson"},   {"Williams", "williams"}, {"Brown", "brown"},
    {"Jones", "jones"},       {"García", "garcia"},     {"Miller", "miller"},     {"Davis", "davis"},
    {"Rodriguez", "rodriguez"}, {"Martinez", "martinez"}, {"Hernández", "hernandez"}, {"Lopez", "lopez"},
    {"Wilson", "wilson"},     {"Anderson", "anderson"}, {"Taylor", "taylor"},     {"Moore", "moore"},
    {"Jackson", "jackson"},   {"Martin", "martin"},     {"Lee", "lee"},           {"Pérez", "perez"},
    {"Thompson", "thompson"}, {"White", "white"},       {"Harris", "harris"},     {"Sánchez", "sanchez"},
    {"Clark", "clark"},       {"Lewis", "lewis"},       {"Robinson", "robinson"}, {"Walker", "walker"},
    {"Young", "young"},       {"King", "king"},         {"Wright", "wright"},     {"Scott", "scott"},
    {"Nguyen", "nguyen"},     {"Hill", "hill"},         {"Green", "green"},       {"Adams", "adams"},
    {"Baker", "baker"},       {"Rivera", "rivera"},     {"Campbell", "campbell"}, {"Carter", "carter"},
    {"Müller", "mueller"},    {"Schmidt", "schmidt"},   {"Fischer", "fischer"},   {"O'Brien", "obrien"},
    {"Kowalski", "kowalski"}, {"Novák", "novak"},       {"Rossi", "rossi"},       {"Dubois", "dubois"},
    {"Lefèvre", "lefevre"},   {"Tanaka", "tanaka"},     {"Suzuki", "suzuki"},     {"Kim", "kim"},
    {"Park", "park"},         {"Chen", "chen"},         {"Wang", "wang"},         {"Zhang", "zhang"},
    {"Singh", "singh"},       {"Patel", "patel"},       {"Sharma", "sharma"},     {"Okafor", "okafor"},
    {"Mensah", "mensah"},     {"Ivanov", "ivanov"},     {"Yilmaz", "yilmaz"},     {"Nielsen", "nielsen"},
    {"Andersson", "andersson"}, {"Silva", "silva"},     {"Santos", "santos"},     {"Costa", "costa"},
};

static const demo_name demo_org_words[] = {
    {"Acme", "acme"},           {"Globex", "globex"},       {"Initech", "initech"},     {"Umbrella", "umbrella"},
    {"Hooli", "hooli"},         {"Vandelay", "vandelay"},   {"Soylent", "soylent"},     {"Cyberdyne", "cyberdyne"},
    {"Tyrell", "tyrell"},       {"Wonka", "wonka"},         {"Aperture", "aperture"},
    {"Massive Dynamic", "massivedynamic"},
    {"Pied Piper", "piedpiper"}, {"Stark", "stark"},        {"Wayne", "wayne"},         {"Oscorp", "oscorp"},
    {"Monarch", "monarch"},     {"Dunder Mifflin", "dundermifflin"}, {"Nakatomi", "nakatomi"}, {"Blue Sun", "bluesun"},
    {"Weyland", "weyland"},     {"Bluth", "bluth"},         {"Nordlicht", "nordlicht"}, {"Café Olé", "cafeole"},
    {"Müller & Söhne", "muellersoehne"}, {"Black & White", "blackwhite"}, {"Quantum", "quantum"}, {"Helix", "helix"},
    {"Orbit", "orbit"},         {"Cobalt", "cobalt"},       {"Juniper", "juniper"},     {"Falcon", "falcon"},
    {"Northwind", "northwind"}, {"Contoso", "contoso"},     {"Fabrikam", "fabrikam"},   {"Tailspin", "tailspin"},
    {"Litware", "litware"},     {"Proseware", "proseware"}, {"Adatum", "adatum"},       {"Woodgrove", "woodgrove"},
};

static const char *const demo_org_suffixes[] = {"Inc", "LLC", "Labs", "GmbH", "Ltd",
                                                "Corp", "AG", "SAS", "Technologies", "Group"};
static const char *const demo_industries[] = {"Fintech", "Healthcare", "Retail", "Logistics", "Media",
                                              "Education", "Gaming", "Energy", "Insurance", "Telecom"};
static const char *const demo_regions[] = {"NA", "EMEA", "APAC", "LATAM"};
static const char *const demo_plan_types[] = {"Enterprise", "Business", "Pro", "Free"};
static const char *const demo_audiences[] = {"idp-new", "enterprise", "team"};
static const char *const demo_license_features[] = {"chat", "chat_models", "local_retrieval", "remote_indexing",
                                                    "jira_integration", "code_review", "agent"};
static const char *const demo_team_names[] = {"General", "Platform", "Frontend", "Backend", "Data", "Mobile",
                                              "Infrastructure", "Security", "QA", "Design", "Growth", "ML Research"};
static const char *const demo_departments[] = {"Engineering", "Product", "Design", "Data", "Security", "Platform",
                                               "Sales", "Support"};
static const char *const demo_titles[] = {"Software Engineer", "Senior Software Engineer", "Staff Engineer",
                                          "Engineering Manager", "Product Manager", "Data Scientist",
                                          "DevOps Engineer", "QA Engineer", "CTO",
                                          "Principal Engineer (\"Architect\")"};
static const char *const demo_instance_roles[] = {"Member", "TeamLead", "Manager", "Admin"};
static const char *const demo_personal_domains[] = {"gmail.com", "outlook.com", "proton.me", "yahoo.com"};
static const char *const demo_utm_sources[] = {"google", "linkedin", "newsletter", "twitter", "producthunt",
                                               "partner", "github"};
static const char *const demo_utm_media[] = {"cpc", "social", "email", "referral", "organic"};
static const char *const demo_utm_campaigns[] = {"spring_launch", "brand", "retargeting", "webinar_q1", "devweek"};

/* Org time zones (minutes east of UTC) with their relative weights: mostly the US and Europe. */
static const int16_t demo_tz_minutes[] = {-480, -360, -300, -180, 0, 60, 120, 330, 480, 540};
static const uint8_t demo_tz_weights[] = {3, 1, 4, 1, 2, 4, 1, 2, 1, 1};

#define DEMO_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ------------------------------------------------------------------------------------------------ PRNG */

/* The splitmix64 finalizer (util/hash.h). */
#define demo_mix64 hash_mix64

static inline uint64_t demo_splitmix64_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return demo_mix64(*state);
}

/* Hash of (seed, stream tag, a, b): the key of one independent stream. */
static inline uint64_t demo_hash(uint64_t seed_key, uint64_t tag, uint64_t a, uint64_t b)
{
    uint64_t h = demo_mix64(seed_key ^ (tag * 0x9e3779b97f4a7c15ULL));
    h = demo_mix64(h ^ (a * 0xd6e8feb86659fd93ULL + 0x632be59bd9b4e019ULL));
    return demo_mix64(h ^ (b * 0xa0761d6478bd642fULL + 0x8cb92ba72f3d8dd7ULL));
}

typedef struct demo_rng {
    uint64_t s[4];
} demo_rng;

static void demo_rng_seed(demo_rng *rng, uint64_t key)
{
    uint64_t state = key;
    for (int i = 0; i < 4; i++)
        rng->s[i] = demo_splitmix64_next(&state);
}

static inline uint64_t demo_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
static inline uint64_t demo_rng_next(demo_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = demo_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = demo_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double demo_rng_unit(demo_rng *rng) { return (double)(demo_rng_next(rng) >> 11) * 0x1.0p-53; }

/* Uniform in [0, n), n > 0. */
static inline uint32_t demo_rng_below(demo_rng *rng, uint32_t n)
{
    return (uint32_t)(((demo_rng_next(rng) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi), lo < hi, both within int32. */
static inline int32_t demo_rng_between(demo_rng *rng, int64_t lo, int64_t hi)
{
    return (int32_t)(lo + (int64_t)demo_rng_below(rng, (uint32_t)(hi - lo)));
}

static inline bool demo_rng_chance(demo_rng *rng, double p) { return demo_rng_unit(rng) < p; }

/* Approximately standard normal (Irwin-Hall of four uniforms): cheap and libm-free. */
static inline double demo_rng_normal(demo_rng *rng)
{
    double sum = demo_rng_unit(rng) + demo_rng_unit(rng) + demo_rng_unit(rng) + demo_rng_unit(rng);
    return (sum - 2.0) * 1.7320508075688772;
}

/* Exponential with the given mean, capped at 40 means. */
static double demo_rng_exponential(demo_rng *rng, double mean)
{
    double x = -log(1.0 - demo_rng_unit(rng));
    return mean * (x < 40.0 ? x : 40.0);
}

static inline int32_t demo_min32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t demo_max32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int64_t demo_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t demo_max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ------------------------------------------------------------------------------------------------ calendar */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t demo_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    unsigned year_of_era = (unsigned)(year - era * 400);
    unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

static void demo_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned day_of_era = (unsigned)(days - era * 146097);
    unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned mp = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)year_of_era + era * 400 + (*month <= 2);
}

/* Saturday or Sunday (1970-01-01 was a Thursday). */
static bool demo_is_weekend(int64_t days_since_epoch)
{
    int64_t weekday = ((days_since_epoch % 7) + 11) % 7; /* 0 = Sunday */
    return weekday == 0 || weekday == 6;
}

/* ------------------------------------------------------------------------------------------------ output buffer */

static const char demo_hex_digits[] = "0123456789abcdef";

static void demo_out_flush(demo_out *out)
{
    if (out->len > 0 && !out->failed && fwrite(out->buf, 1, out->len, stdout) != out->len)
        out->failed = true;
    out->len = 0;
}

static inline void demo_put(demo_out *out, const char *bytes, size_t n)
{
    memcpy(out->buf + out->len, bytes, n);
    out->len += n;
}

#define DEMO_PUT_LITERAL(out, literal) demo_put((out), (literal), sizeof(literal) - 1)

static inline void demo_put_char(demo_out *out, char c) { out->buf[out->len++] = c; }

static void demo_put_u64(demo_out *out, uint64_t value)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    char *dst = out->buf + out->len;
    for (int i = 0; i < n; i++)
        dst[i] = digits[n - 1 - i];
    out->len += (size_t)n;
}

static void demo_put_i64(demo_out *out, int64_t value)
{
    if (value < 0) {
        demo_put_char(out, '-');
        demo_put_u64(out, (uint64_t)0 - (uint64_t)value);
    } else {
        demo_put_u64(out, (uint64_t)value);
    }
}

static void demo_put_hex(demo_out *out, uint64_t value, int digits)
{
    char *dst = out->buf + out->len;
    for (int i = digits - 1; i >= 0; i--) {
        dst[i] = demo_hex_digits[value & 15];
        value >>= 4;
    }
    out->len += (size_t)digits;
}

/* A JSON string literal, quotes included: escapes '"', '\\' and control characters; UTF-8 passes through. */
static void demo_put_json_string(demo_out *out, const char *text)
{
    char *dst = out->buf + out->len;
    *dst++ = '"';
    for (const unsigned char *s = (const unsigned char *)text; *s != 0; s++) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            *dst++ = '\\';
            *dst++ = (char)c;
        } else if (c < 0x20) {
            *dst++ = '\\';
            switch (c) {
            case '\n': *dst++ = 'n'; break;
            case '\r': *dst++ = 'r'; break;
            case '\t': *dst++ = 't'; break;
            default:
                memcpy(dst, "u00", 3);
                dst[3] = demo_hex_digits[c >> 4];
                dst[4] = demo_hex_digits[c & 15];
                dst += 5;
                break;
            }
        } else {
            *dst++ = (char)c;
        }
    }
    *dst++ = '"';
    out->len = (size_t)(dst - out->buf);
}

static void demo_put_bool(demo_out *out, bool value)
{
    if (value)
        DEMO_PUT_LITERAL(out, "true");
    else
        DEMO_PUT_LITERAL(out, "false");
}

/* A UUID-shaped id (version 4 layout) made from a 64-bit key, written without quotes into 36 chars. */
static void demo_format_uuid(char *dst, uint64_t key)
{
    uint64_t hi = demo_mix64(key ^ 0x243f6a8885a308d3ULL);
    uint64_t lo = demo_mix64(key ^ 0x13198a2e03707344ULL);
    hi = (hi & ~(uint64_t)0xf000) | 0x4000;
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char hex[32];
    for (int i = 15; i >= 0; i--) {
        hex[i] = demo_hex_digits[hi & 15];
        hex[16 + i] = demo_hex_digits[lo & 15];
        hi >>= 4;
        lo >>= 4;
    }
    memcpy(dst, hex, 8);
    dst[8] = '-';
    memcpy(dst + 9, hex + 8, 4);
    dst[13] = '-';
    memcpy(dst + 14, hex + 12, 4);
    dst[18] = '-';
    memcpy(dst + 19, hex + 16, 4);
    dst[23] = '-';
    memcpy(dst + 24, hex + 20, 12);
}

/* Small bounded text builder for names, emails and domains. */
typedef struct demo_text {
    char buf[192];
    size_t len;
} demo_text;

static void demo_text_add(demo_text *text, const char *s)
{
    while (*s != 0 && text->len + 1 < sizeof text->buf)
        text->buf[text->len++] = *s++;
    text->buf[text->len] = 0;
}

static void demo_text_add_u64(demo_text *text, uint64_t value)
{
    char digits[21];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0 && text->len + 1 < sizeof text->buf)
        text->buf[text->len++] = digits[--n];
    text->buf[text->len] = 0;
}

/* ------------------------------------------------------------------------------------------------ event framing */

/* Makes room for one event, flushing the buffer when needed. */
static inline demo_out *demo_begin_event(demo_ctx *ctx)
{
    if (ctx->out.len + DEMO_EVENT_RESERVE > DEMO_OUT_CAPACITY)
        demo_out_flush(&ctx->out);
    return &ctx->out;
}

/* The timestamp at `t` seconds into the period: mostly RFC 3339 with 'Z', about 5% integer Unix seconds and, when
** `fraction_ok`, about 3% with milliseconds.  Milliseconds only ever move an event later within its second, never
** past 23:59:59 of its day; they are kept for activity and usage, so that no structural event can sort before
** another one it follows in the same second. */
static void demo_put_timestamp(demo_ctx *ctx, int32_t t, uint64_t form, bool fraction_ok)
{
    demo_out *out = &ctx->out;
    int64_t unix_seconds = ctx->start_unix + t;
    unsigned per_mille = (unsigned)(form % 1000);
    if (per_mille < 50) {
        demo_put_i64(out, unix_seconds);
        return;
    }
    int64_t day = unix_seconds / DEMO_DAY;
    unsigned second_of_day = (unsigned)(unix_seconds - day * DEMO_DAY);
    if (day != ctx->date_cache_day) {
        int64_t year;
        unsigned month, day_of_month;
        demo_civil_from_days(day, &year, &month, &day_of_month);
        char *d = ctx->date_cache;
        d[0] = (char)('0' + year / 1000 % 10);
        d[1] = (char)('0' + year / 100 % 10);
        d[2] = (char)('0' + year / 10 % 10);
        d[3] = (char)('0' + year % 10);
        d[4] = '-';
        d[5] = (char)('0' + month / 10);
        d[6] = (char)('0' + month % 10);
        d[7] = '-';
        d[8] = (char)('0' + day_of_month / 10);
        d[9] = (char)('0' + day_of_month % 10);
        ctx->date_cache_day = day;
    }
    unsigned hour = second_of_day / 3600, minute = second_of_day / 60 % 60, second = second_of_day % 60;
    char *dst = out->buf + out->len;
    dst[0] = '"';
    memcpy(dst + 1, ctx->date_cache, 10);
    dst[11] = 'T';
    dst[12] = (char)('0' + hour / 10);
    dst[13] = (char)('0' + hour % 10);
    dst[14] = ':';
    dst[15] = (char)('0' + minute / 10);
    dst[16] = (char)('0' + minute % 10);
    dst[17] = ':';
    dst[18] = (char)('0' + second / 10);
    dst[19] = (char)('0' + second % 10);
    out->len += 20;
    if (fraction_ok && per_mille < 80 && second_of_day < DEMO_DAY - 1) {
        unsigned millis = (unsigned)((form >> 20) % 1000);
        dst[20] = '.';
        dst[21] = (char)('0' + millis / 100);
        dst[22] = (char)('0' + millis / 10 % 10);
        dst[23] = (char)('0' + millis % 10);
        out->len += 4;
    }
    DEMO_PUT_LITERAL(out, "Z\"");
}

/* Closes an event: its timestamp, then an "id" unique within the stream (a bijection of a counter).
** `fraction_ok` is true for activity and usage only (see demo_put_timestamp). */
static void demo_finish_event_with(demo_ctx *ctx, int32_t t, bool fraction_ok)
{
    demo_out *out = &ctx->out;
    uint64_t id = demo_mix64(ctx->event_id_key + ctx->event_counter++);
    DEMO_PUT_LITERAL(out, ",\"timestamp\":");
    demo_put_timestamp(ctx, t, demo_mix64(id ^ 0x452821e638d01377ULL), fraction_ok);
    DEMO_PUT_LITERAL(out, ",\"id\":\"evt-");
    demo_put_hex(out, id, 16);
    DEMO_PUT_LITERAL(out, "\"}\n");
}

/* Closes a structural event. */
static void demo_finish_event(demo_ctx *ctx, int32_t t) { demo_finish_event_with(ctx, t, false); }

/* Closes an activity or usage event. */
static void demo_finish_activity_event(demo_ctx *ctx, int32_t t) { demo_finish_event_with(ctx, t, true); }

/* ------------------------------------------------------------------------------------------------ entity text */

static void demo_put_user_uuid(demo_ctx *ctx, uint32_t user)
{
    demo_out *out = &ctx->out;
    demo_put_char(out, '"');
    demo_put(out, ctx->user_uuids + (size_t)user * DEMO_UUID_LEN, DEMO_UUID_LEN);
    demo_put_char(out, '"');
}

static void demo_put_org_uuid(demo_ctx *ctx, uint32_t org)
{
    demo_out *out = &ctx->out;
    demo_put_char(out, '"');
    demo_put(out, ctx->org_uuids + (size_t)org * DEMO_UUID_LEN, DEMO_UUID_LEN);
    demo_put_char(out, '"');
}

static void demo_put_team_uuid(demo_ctx *ctx, uint32_t org, unsigned slot)
{
    demo_out *out = &ctx->out;
    demo_put_char(out, '"');
    demo_format_uuid(out->buf + out->len, demo_hash(ctx->seed_key, DEMO_TAG_TEAM_UUID, org, slot));
    out->len += DEMO_UUID_LEN;
    demo_put_char(out, '"');
}

static const demo_name *demo_org_word(const demo_ctx *ctx, uint32_t org)
{
    return &demo_org_words[demo_hash(ctx->seed_key, DEMO_TAG_NAME, org, 1) % DEMO_COUNT(demo_org_words)];
}

static void demo_org_name(const demo_ctx *ctx, uint32_t org, bool renamed, demo_text *text)
{
    uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_NAME, org, 2);
    demo_text_add(text, demo_org_word(ctx, org)->display);
    demo_text_add(text, " ");
    demo_text_add_u64(text, (uint64_t)org + 1);
    demo_text_add(text, " ");
    demo_text_add(text, demo_org_suffixes[(h + (renamed ? 1 : 0)) % DEMO_COUNT(demo_org_suffixes)]);
}

/* "acme17.com", or with `second` "acme17.io". */
static void demo_org_domain(const demo_ctx *ctx, uint32_t org, bool second, demo_text *text)
{
    demo_text_add(text, demo_org_word(ctx, org)->ascii);
    demo_text_add_u64(text, (uint64_t)org + 1);
    demo_text_add(text, second ? ".io" : ".com");
}

typedef struct demo_person {
    const demo_name *first;
    const demo_name *last;
    unsigned email_style;
    int personal_domain;          /* index in demo_personal_domains, or -1 for the org's domain */
} demo_person;

static demo_person demo_person_of(const demo_ctx *ctx, uint32_t user, unsigned variant)
{
    uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_NAME, user, 100 + variant);
    demo_person person;
    person.first = &demo_first_names[(h & 0xffff) % DEMO_COUNT(demo_first_names)];
    person.last = &demo_last_names[((h >> 16) & 0xffff) % DEMO_COUNT(demo_last_names)];
    person.email_style = (unsigned)((h >> 32) % 4);
    person.personal_domain = (h >> 40) % 100 < 10 ? (int)((h >> 48) % DEMO_COUNT(demo_personal_domains)) : -1;
    return person;
}

/* A user's email: unique, since the user index ends the local part and names hold no digits. */
static void demo_user_email(const demo_ctx *ctx, uint32_t user, demo_text *text)
{
    demo_person person = demo_person_of(ctx, user, 0);
    char initial[2] = {person.first->ascii[0], 0};
    switch (person.email_style) {
    case 0:
        demo_text_add(text, person.first->ascii);
        demo_text_add(text, ".");
        demo_text_add(text, person.last->ascii);
        break;
    case 1:
        demo_text_add(text, initial);
        demo_text_add(text, person.last->ascii);
        break;
    case 2:
        demo_text_add(text, person.first->ascii);
        break;
    default:
        demo_text_add(text, person.first->ascii);
        demo_text_add(text, "_");
        demo_text_add(text, person.last->ascii);
        break;
    }
    demo_text_add_u64(text, user);
    demo_text_add(text, "@");
    if (person.personal_domain >= 0)
        demo_text_add(text, demo_personal_domains[person.personal_domain]);
    else
        demo_org_domain(ctx, ctx->users[user].org, false, text);
}

/* The address of an invitation nobody accepts: shaped unlike any user's email ("inv" before the digits). */
static void demo_spare_invitee_email(const demo_ctx *ctx, uint32_t user, demo_text *text)
{
    demo_person person = demo_person_of(ctx, user, 1);
    demo_text_add(text, person.first->ascii);
    demo_text_add(text, ".");
    demo_text_add(text, person.last->ascii);
    demo_text_add(text, ".inv");
    demo_text_add_u64(text, user);
    demo_text_add(text, "@");
    demo_org_domain(ctx, ctx->users[user].org, false, text);
}

/* ------------------------------------------------------------------------------------------------ model helpers */

/* May `user` appear in an event about `org` at `t`?  Signed up, not deleted, not deactivated, and a member. */
static bool demo_user_can_act(const demo_ctx *ctx, const demo_user_plan *plan, int32_t t, uint32_t org)
{
    if (t < plan->created_at || t >= plan->user_end || t >= ctx->period_seconds)
        return false;
    if (t >= plan->deactivated_at && t < plan->reactivated_at)
        return false;
    if (org == plan->org)
        return t >= plan->joined_at && t < plan->member_end;
    if (org == plan->second_org)
        return t >= plan->second_joined_at && t < ctx->orgs[org].deleted_at;
    return false;
}

/* The team slot of a user in their primary org at `t`, or DEMO_NO_SLOT. */
static unsigned demo_user_team_at(const demo_user_plan *plan, int32_t t)
{
    if (plan->team_slot == DEMO_NO_SLOT || t < plan->team_added_at)
        return DEMO_NO_SLOT;
    if (t >= plan->team_changed_at)
        return plan->team_new_slot;
    return plan->team_slot;
}

/* Chance of activity on `day` (before the weekend factor): a decaying level, zero while churned. */
static double demo_user_engagement(const demo_user_activity *curve, uint32_t day)
{
    double base = curve->engagement;
    double age;
    if (curve->churn_day != DEMO_NO_DAY && day >= curve->churn_day) {
        if (curve->reengage_day == DEMO_NO_DAY || day < curve->reengage_day)
            return 0.0;
        base *= 0.6;
        age = (double)(day - curve->reengage_day);
    } else {
        age = (double)day - (double)curve->join_day + (double)curve->age_offset_days;
        if (age < 0)
            age = 0;
    }
    double floor_share = curve->engagement_floor;
    double level = base * (floor_share + (1.0 - floor_share) * exp(-age / curve->decay_days));
    if (age < 3 && curve->age_offset_days == 0)
        level *= 1.4; /* onboarding */
    return level < 0.97 ? level : 0.97;
}

/* Seconds into a UTC day of a moment in local working hours (two bumps around 10:30 and 15:00, some at any hour). */
static int32_t demo_work_second_of_day(demo_rng *rng, int tz_minutes)
{
    double r = demo_rng_unit(rng);
    double hour;
    if (r < 0.46)
        hour = 10.3 + 1.3 * demo_rng_normal(rng);
    else if (r < 0.92)
        hour = 14.8 + 1.8 * demo_rng_normal(rng);
    else
        hour = 24.0 * demo_rng_unit(rng);
    int32_t local = (int32_t)(hour * 3600.0) + (int32_t)demo_rng_below(rng, 60);
    int32_t utc = local - tz_minutes * 60;
    utc %= DEMO_DAY;
    if (utc < 0)
        utc += DEMO_DAY;
    return utc;
}

/* A time in [lo, hi) that prefers weekdays and local working hours. */
static int32_t demo_sample_work_time(const demo_ctx *ctx, demo_rng *rng, int64_t lo, int64_t hi, int tz_minutes)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        int32_t t = demo_rng_between(rng, lo, hi);
        int64_t day = t / DEMO_DAY;
        if (demo_is_weekend(ctx->start_day + day) && !demo_rng_chance(rng, DEMO_WEEKEND_FACTOR))
            continue;
        int64_t shaped = day * DEMO_DAY + demo_work_second_of_day(rng, tz_minutes);
        return shaped >= lo && shaped < hi ? (int32_t)shaped : t;
    }
    return demo_rng_between(rng, lo, hi);
}

static uint32_t demo_sample_org(const demo_ctx *ctx, demo_rng *rng)
{
    double x = demo_rng_unit(rng) * ctx->orgs[ctx->org_count - 1].cumulative_weight;
    uint32_t lo = 0, hi = ctx->org_count - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ctx->orgs[mid].cumulative_weight > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int16_t demo_sample_timezone(demo_rng *rng)
{
    unsigned total = 0;
    for (size_t i = 0; i < DEMO_COUNT(demo_tz_weights); i++)
        total += demo_tz_weights[i];
    unsigned x = demo_rng_below(rng, total);
    for (size_t i = 0; i < DEMO_COUNT(demo_tz_weights); i++) {
        if (x < demo_tz_weights[i])
            return demo_tz_minutes[i];
        x -= demo_tz_weights[i];
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------ planning */

static void demo_plan_orgs(demo_ctx *ctx)
{
    const int32_t period = ctx->period_seconds;
    double total_weight = 0;
    for (uint32_t o = 0; o < ctx->org_count; o++) {
        total_weight += 1.0 / pow((double)o + 1.0, DEMO_ZIPF_EXPONENT);
        ctx->orgs[o].cumulative_weight = total_weight;
    }
    for (uint32_t o = 0; o < ctx->org_count; o++) {
        demo_org_plan *org = &ctx->orgs[o];
        demo_rng rng;
        demo_rng_seed(&rng, demo_hash(ctx->seed_key, DEMO_TAG_ORG, o, 0));
        double share = 1.0 / pow((double)o + 1.0, DEMO_ZIPF_EXPONENT) / total_weight;
        double expected = share * (double)(ctx->user_count > ctx->org_count ? ctx->user_count - ctx->org_count : 0);
        org->expected_members = 1 + (uint32_t)(expected < 4e9 ? expected : 4e9);
        org->founder = o < ctx->user_count ? o : DEMO_NONE;
        org->tz_minutes = demo_sample_timezone(&rng);
        org->flags = 0;

        bool large = o < (ctx->org_count + 9) / 10;
        if (demo_rng_chance(&rng, large ? 0.9 : 0.5)) {
            org->flags |= DEMO_ORG_PREEXISTING;
            org->founder_signup_at = demo_rng_between(&rng, 0, 3 * DEMO_HOUR);
        } else {
            org->founder_signup_at = demo_sample_work_time(ctx, &rng, 3 * DEMO_HOUR, (int64_t)(period * 0.85),
                                                           org->tz_minutes);
        }
        org->created_at = org->founder_signup_at + demo_rng_between(&rng, 30, 300);

        double teams = 1.0 + log10((double)org->expected_members + 1.0) * 1.2 + 1.5 * demo_rng_unit(&rng);
        org->team_count = (uint8_t)(teams > DEMO_MAX_TEAMS ? DEMO_MAX_TEAMS : (int)teams);
        org->team_created_at[0] = org->created_at;
        for (unsigned k = 1; k < DEMO_MAX_TEAMS; k++) {
            int64_t t = (int64_t)org->created_at + demo_rng_between(&rng, 600, 3 * DEMO_DAY);
            org->team_created_at[k] = (int32_t)demo_min64(t, period - 1);
        }

        if (demo_rng_chance(&rng, 0.7)) {
            org->flags |= DEMO_ORG_HAS_SETTINGS;
            if (demo_rng_chance(&rng, 0.7))
                org->flags |= DEMO_ORG_HAS_LICENSE;
        }
        if (demo_rng_chance(&rng, 0.3))
            org->flags |= DEMO_ORG_SECOND_DOMAIN;
        if (demo_rng_chance(&rng, 0.6))
            org->flags |= DEMO_ORG_HAS_METADATA;

        org->updated_at = DEMO_NEVER;
        int64_t update_lo = (int64_t)org->created_at + DEMO_DAY;
        if (demo_rng_chance(&rng, 0.2) && update_lo < period)
            org->updated_at = demo_sample_work_time(ctx, &rng, update_lo, period, org->tz_minutes);
        org->deleted_at = DEMO_NEVER;
    }

    /* A few small orgs that existed for a while are deleted in the last 40% of the period. */
    if (ctx->org_count >= 5) {
        demo_rng rng;
        demo_rng_seed(&rng, demo_hash(ctx->seed_key, DEMO_TAG_ORG_DELETION, 0, 0));
        uint32_t wanted = ctx->org_count * 3 / 100 > 0 ? ctx->org_count * 3 / 100 : 1;
        uint32_t first_small = ctx->org_count / 5;
        for (uint32_t attempt = 0, deleted = 0; attempt < wanted * 20 && deleted < wanted; attempt++) {
            demo_org_plan *org = &ctx->orgs[first_small + demo_rng_below(&rng, ctx->org_count - first_small)];
            if (org->deleted_at != DEMO_NEVER || org->created_at >= period / 2)
                continue;
            int64_t lo = demo_max64((int64_t)org->created_at + 7 * DEMO_DAY, (int64_t)(period * 0.6));
            int64_t hi = (int64_t)period - DEMO_HOUR;
            if (lo >= hi)
                continue;
            org->deleted_at = demo_sample_work_time(ctx, &rng, lo, hi, org->tz_minutes);
            if (org->updated_at >= org->deleted_at)
                org->updated_at = DEMO_NEVER;
            deleted++;
        }
    }
}

static void demo_user_plan_reset(demo_user_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->inviter = plan->second_org = plan->second_inviter = DEMO_NONE;
    plan->invited_at = plan->second_joined_at = plan->second_invited_at = DEMO_NEVER;
    plan->member_end = plan->user_end = plan->deactivated_at = plan->reactivated_at = DEMO_NEVER;
    plan->team_added_at = plan->team_changed_at = plan->role_changed_at = plan->updated_at = DEMO_NEVER;
    plan->spare_invite_at = plan->spare_revoked_at = DEMO_NEVER;
    plan->team_slot = plan->team_new_slot = DEMO_NO_SLOT;
}

/* Signup, primary org and the invitation that brought the user in. */
static void demo_plan_user_signup(demo_ctx *ctx, demo_rng *rng, uint32_t user, demo_user_plan *plan)
{
    if (user < ctx->org_count) {
        const demo_org_plan *org = &ctx->orgs[user];
        plan->org = user;
        plan->created_at = org->founder_signup_at;
        plan->joined_at = org->created_at;
        plan->role = DEMO_ROLE_OWNER;
        plan->flags |= DEMO_USER_FOUNDER;
        if (org->flags & DEMO_ORG_PREEXISTING)
            plan->flags |= DEMO_USER_PREEXISTING;
        return;
    }
    plan->org = demo_sample_org(ctx, rng);
    const demo_org_plan *org = &ctx->orgs[plan->org];
    int64_t lo = (int64_t)org->created_at + 600;
    int64_t hi = demo_min64(ctx->period_seconds, (int64_t)org->deleted_at - DEMO_HOUR);
    if (hi <= lo) { /* not reached with the org plans above; keeps the user valid if they change */
        lo = org->created_at;
        hi = lo + 1;
    }
    if ((org->flags & DEMO_ORG_PREEXISTING) && demo_rng_chance(rng, DEMO_SIGNUP_PREEXISTING) && lo < DEMO_DAY) {
        plan->created_at = demo_rng_between(rng, lo, demo_min64(hi, DEMO_DAY));
        plan->flags |= DEMO_USER_PREEXISTING;
    } else {
        plan->created_at = demo_sample_work_time(ctx, rng, lo, hi, org->tz_minutes);
    }
    plan->joined_at = plan->created_at;
    plan->role = demo_rng_chance(rng, 0.08) ? DEMO_ROLE_ADMIN : DEMO_ROLE_MEMBER;
    if (!(plan->flags & DEMO_USER_PREEXISTING) && demo_rng_chance(rng, DEMO_SIGNUP_INVITED)) {
        int64_t delay = 300 + (int64_t)demo_rng_exponential(rng, 20.0 * DEMO_HOUR);
        int64_t invited = (int64_t)plan->created_at - demo_min64(delay, 5 * DEMO_DAY);
        if (invited < (int64_t)org->created_at + 60 && (int64_t)org->created_at + 60 < (int64_t)plan->created_at - 30)
            invited = demo_rng_between(rng, (int64_t)org->created_at + 60, (int64_t)plan->created_at - 30);
        if (invited >= (int64_t)org->created_at + 60 && invited <= (int64_t)plan->created_at - 30) {
            plan->invited_at = (int32_t)invited;
            plan->flags |= DEMO_USER_INVITED;
        }
    }
}

/* Team, fate, team change, role change, profile update and the spare invitation. */
static void demo_plan_user_lifecycle(demo_ctx *ctx, demo_rng *rng, demo_user_plan *plan)
{
    const int32_t period = ctx->period_seconds;
    const demo_org_plan *org = &ctx->orgs[plan->org];
    bool founder = (plan->flags & DEMO_USER_FOUNDER) != 0;

    if (!founder) {
        double r = demo_rng_unit(rng);
        int64_t after = (int64_t)plan->joined_at + DEMO_DAY;
        if (after < period) {
            if (r < 0.05) {
                plan->fate = DEMO_FATE_REMOVED;
                plan->member_end = demo_sample_work_time(ctx, rng, after, period, plan->tz_minutes);
            } else if (r < 0.09) {
                plan->fate = DEMO_FATE_DEACTIVATED;
                plan->deactivated_at = demo_sample_work_time(ctx, rng, after, period, plan->tz_minutes);
                if (demo_rng_chance(rng, 0.35)) {
                    int64_t back = (int64_t)plan->deactivated_at + demo_rng_between(rng, DEMO_DAY, 21 * DEMO_DAY);
                    if (back < period)
                        plan->reactivated_at = (int32_t)back;
                }
            } else if (r < 0.10) {
                plan->fate = DEMO_FATE_DELETED;
                plan->user_end = demo_sample_work_time(ctx, rng, after, period, plan->tz_minutes);
                plan->member_end = plan->user_end;
            }
        }
    }
    plan->member_end = demo_min32(plan->member_end, org->deleted_at);
    int32_t member_limit = demo_min32(demo_min32(plan->member_end, plan->user_end), period);

    if (org->team_count > 0 && demo_rng_chance(rng, DEMO_TEAM_MEMBERSHIP)) {
        unsigned slot = (org->team_count == 1 || demo_rng_chance(rng, 0.4))
                            ? 0 : 1 + demo_rng_below(rng, org->team_count - 1u);
        int64_t t = demo_max64(plan->joined_at, org->team_created_at[slot]) + demo_rng_between(rng, 5, DEMO_HOUR);
        if (t < member_limit) {
            plan->team_slot = (uint8_t)slot;
            plan->team_added_at = (int32_t)t;
        }
    }
    if (plan->team_slot != DEMO_NO_SLOT && demo_rng_chance(rng, 0.08)) {
        int64_t lo = (int64_t)plan->team_added_at + DEMO_DAY;
        if (lo < member_limit) {
            int32_t t = demo_sample_work_time(ctx, rng, lo, member_limit, plan->tz_minutes);
            if (org->team_count >= 2 && demo_rng_chance(rng, 0.6)) {
                unsigned other = demo_rng_below(rng, org->team_count - 1u);
                if (other >= plan->team_slot)
                    other++;
                if (t > org->team_created_at[other]) {
                    plan->team_new_slot = (uint8_t)other;
                    plan->team_changed_at = t;
                }
            } else {
                plan->team_changed_at = t; /* team_new_slot stays DEMO_NO_SLOT: a removal */
            }
        }
    }
    if (!founder && demo_rng_chance(rng, 0.05)) {
        int64_t lo = (int64_t)plan->joined_at + DEMO_DAY;
        if (lo < member_limit)
            plan->role_changed_at = demo_sample_work_time(ctx, rng, lo, member_limit, plan->tz_minutes);
    }
    if (demo_rng_chance(rng, 0.05)) {
        int64_t lo = (int64_t)plan->created_at + DEMO_HOUR;
        int32_t hi = demo_min32(plan->user_end, period);
        if (lo < hi)
            plan->updated_at = demo_sample_work_time(ctx, rng, lo, hi, plan->tz_minutes);
    }
    if (demo_rng_chance(rng, founder ? 0.3 : 0.06)) {
        int64_t lo = (int64_t)plan->joined_at + DEMO_HOUR;
        if (lo < member_limit) {
            plan->spare_invite_at = demo_sample_work_time(ctx, rng, lo, member_limit, plan->tz_minutes);
            if (demo_rng_chance(rng, 0.5)) {
                int64_t revoked = (int64_t)plan->spare_invite_at + demo_rng_between(rng, DEMO_HOUR, 10 * DEMO_DAY);
                if (revoked < demo_min32(period, org->deleted_at))
                    plan->spare_revoked_at = (int32_t)revoked;
            }
        }
    }
}

/* Engagement level, decay, churn and reengagement. */
static void demo_plan_user_engagement(demo_ctx *ctx, demo_rng *rng, const demo_user_plan *plan,
                                      demo_user_activity *activity)
{
    double r = demo_rng_unit(rng);
    double level;
    if (r < 0.15)
        level = 0.55 + 0.35 * demo_rng_unit(rng); /* power users */
    else if (r < 0.6)
        level = 0.15 + 0.3 * demo_rng_unit(rng);
    else
        level = 0.02 + 0.1 * demo_rng_unit(rng); /* light users */
    if ((plan->flags & DEMO_USER_FOUNDER) && level < 0.4)
        level = 0.4;
    activity->engagement = (float)level;
    activity->decay_days = (float)(10.0 + 80.0 * demo_rng_unit(rng));
    activity->engagement_floor = (float)(0.25 + 0.45 * demo_rng_unit(rng));
    activity->join_day = (uint16_t)(plan->joined_at / DEMO_DAY);
    activity->age_offset_days =
        (plan->flags & DEMO_USER_PREEXISTING) ? (uint16_t)(30 + demo_rng_below(rng, 370)) : 0;
    activity->churn_day = activity->reengage_day = DEMO_NO_DAY;
    if (demo_rng_chance(rng, 0.25)) {
        double churn = (double)activity->join_day + 3.0 + demo_rng_exponential(rng, 25.0);
        if (churn < (double)ctx->period_days) {
            activity->churn_day = (uint16_t)churn;
            if (demo_rng_chance(rng, 0.35)) {
                double back = churn + 7.0 + demo_rng_exponential(rng, 20.0);
                if (back < (double)ctx->period_days)
                    activity->reengage_day = (uint16_t)back;
            }
        }
    }
}

/* A second org joined through an invitation, for a few members without a fate. */
static void demo_plan_user_second_org(demo_ctx *ctx, demo_rng *rng, demo_user_plan *plan)
{
    if ((plan->flags & DEMO_USER_FOUNDER) || plan->fate != DEMO_FATE_NONE || ctx->org_count < 2 ||
        !demo_rng_chance(rng, DEMO_SECOND_ORG))
        return;
    uint32_t second = demo_sample_org(ctx, rng);
    if (second == plan->org)
        second = (plan->org + 1 + demo_rng_below(rng, ctx->org_count - 1)) % ctx->org_count;
    const demo_org_plan *org = &ctx->orgs[second];
    if (org->founder == DEMO_NONE)
        return;
    int64_t lo = demo_max64((int64_t)plan->created_at + DEMO_DAY, (int64_t)org->created_at + DEMO_HOUR);
    int64_t hi = demo_min64(ctx->period_seconds, (int64_t)org->deleted_at - DEMO_HOUR);
    if (lo >= hi)
        return;
    int32_t joined = demo_sample_work_time(ctx, rng, lo, hi, org->tz_minutes);
    int64_t invited = (int64_t)joined - demo_rng_between(rng, 600, 2 * DEMO_DAY);
    invited = demo_max64(invited, demo_max64((int64_t)org->created_at + 60, (int64_t)plan->created_at + 60));
    if (invited >= joined)
        return;
    plan->second_org = second;
    plan->second_joined_at = joined;
    plan->second_invited_at = (int32_t)invited;
}

static void demo_plan_user(demo_ctx *ctx, uint32_t user)
{
    demo_user_plan *plan = &ctx->users[user];
    demo_rng rng;
    demo_rng_seed(&rng, demo_hash(ctx->seed_key, DEMO_TAG_USER, user, 0));
    demo_user_plan_reset(plan);
    demo_plan_user_signup(ctx, &rng, user, plan);
    plan->tz_minutes = (int16_t)(ctx->orgs[plan->org].tz_minutes + demo_rng_between(&rng, -60, 61));
    demo_plan_user_lifecycle(ctx, &rng, plan);
    demo_plan_user_engagement(ctx, &rng, plan, &ctx->activity[user]);
    demo_plan_user_second_org(ctx, &rng, plan);
}

static int demo_compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Per org, its primary members sorted by join time (joined_at << 32 | user), for picking inviters. */
static void demo_build_member_lists(demo_ctx *ctx)
{
    for (uint32_t o = 0; o < ctx->org_count; o++)
        ctx->orgs[o].member_count = 0;
    for (uint32_t u = 0; u < ctx->user_count; u++)
        ctx->orgs[ctx->users[u].org].member_count++;
    uint32_t offset = 0;
    for (uint32_t o = 0; o < ctx->org_count; o++) {
        ctx->orgs[o].member_offset = offset;
        offset += ctx->orgs[o].member_count;
        ctx->orgs[o].member_count = 0;
    }
    for (uint32_t u = 0; u < ctx->user_count; u++) {
        demo_org_plan *org = &ctx->orgs[ctx->users[u].org];
        ctx->org_members[org->member_offset + org->member_count++] =
            (uint64_t)(uint32_t)ctx->users[u].joined_at << 32 | u;
    }
    for (uint32_t o = 0; o < ctx->org_count; o++)
        qsort(ctx->org_members + ctx->orgs[o].member_offset, ctx->orgs[o].member_count, sizeof(uint64_t),
              demo_compare_u64);
}

/* A member of `org` who joined at least a minute before `invited_at` and may act then; early members are favoured,
** the founder is the fallback.  DEMO_NONE when nobody qualifies. */
static uint32_t demo_pick_inviter(const demo_ctx *ctx, demo_rng *rng, uint32_t org_index, int32_t invited_at,
                                  uint32_t invitee)
{
    const demo_org_plan *org = &ctx->orgs[org_index];
    const uint64_t *members = ctx->org_members + org->member_offset;
    int64_t latest_join = (int64_t)invited_at - 60;
    uint32_t lo = 0, hi = org->member_count; /* count the members with joined_at <= latest_join */
    while (latest_join >= 0 && lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((int64_t)(members[mid] >> 32) <= latest_join)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t candidates = latest_join >= 0 ? lo : 0;
    for (int attempt = 0; attempt < 6 && candidates > 0; attempt++) {
        double x = demo_rng_unit(rng);
        if (demo_rng_chance(rng, 0.5))
            x *= x;
        uint32_t candidate = (uint32_t)members[(uint32_t)(x * candidates)];
        if (candidate != invitee && demo_user_can_act(ctx, &ctx->users[candidate], invited_at, org_index))
            return candidate;
    }
    if (org->founder != DEMO_NONE && org->founder != invitee &&
        demo_user_can_act(ctx, &ctx->users[org->founder], invited_at, org_index))
        return org->founder;
    return DEMO_NONE;
}

static void demo_plan_inviters(demo_ctx *ctx)
{
    for (uint32_t u = 0; u < ctx->user_count; u++) {
        demo_user_plan *plan = &ctx->users[u];
        demo_rng rng;
        demo_rng_seed(&rng, demo_hash(ctx->seed_key, DEMO_TAG_INVITER, u, 0));
        if (plan->flags & DEMO_USER_INVITED) {
            plan->inviter = demo_pick_inviter(ctx, &rng, plan->org, plan->invited_at, u);
            if (plan->inviter == DEMO_NONE) {
                plan->flags &= (uint8_t)~DEMO_USER_INVITED;
                plan->invited_at = DEMO_NEVER;
            }
        }
        if (plan->second_org != DEMO_NONE) {
            plan->second_inviter = demo_pick_inviter(ctx, &rng, plan->second_org, plan->second_invited_at, u);
            if (plan->second_inviter == DEMO_NONE) {
                plan->second_org = DEMO_NONE;
                plan->second_joined_at = plan->second_invited_at = DEMO_NEVER;
            }
        }
    }
}

/* The days on which each user may be active, and the bound of their daily chance. */
static void demo_plan_activity_windows(demo_ctx *ctx)
{
    for (uint32_t u = 0; u < ctx->user_count; u++) {
        const demo_user_plan *plan = &ctx->users[u];
        demo_user_activity *window = &ctx->activity[u]; /* engagement already planned */
        int32_t end = demo_min32(plan->member_end, plan->user_end);
        if (plan->second_org != DEMO_NONE)
            end = demo_max32(end, demo_min32(ctx->orgs[plan->second_org].deleted_at, plan->user_end));
        if (plan->deactivated_at != DEMO_NEVER && plan->reactivated_at == DEMO_NEVER)
            end = demo_min32(end, plan->deactivated_at);
        end = demo_min32(end, ctx->period_seconds);
        int32_t last_day = end > 0 ? (end - 1) / DEMO_DAY : -1;
        if (window->churn_day != DEMO_NO_DAY && window->reengage_day == DEMO_NO_DAY)
            last_day = demo_min32(last_day, (int32_t)window->churn_day - 1);
        window->first_day = window->join_day;
        if (last_day < (int32_t)window->join_day) { /* never active: an empty window */
            window->first_day = 1;
            window->last_day = 0;
        } else {
            window->last_day = (uint16_t)last_day;
        }
        double gate = window->engagement * (window->age_offset_days == 0 ? 1.4 : 1.0);
        window->gate = (float)(gate < 0.97 ? gate : 0.97) + 1e-6f;
    }
}

/* ------------------------------------------------------------------------------------------------ records */

static bool demo_add_record(demo_ctx *ctx, int32_t t, uint32_t subject, enum demo_record_kind kind, unsigned aux)
{
    if (t < 0 || t >= ctx->period_seconds)
        return true;
    if (ctx->record_count == ctx->record_capacity) {
        size_t capacity = ctx->record_capacity ? ctx->record_capacity * 2 : 1024;
        demo_record *grown = realloc(ctx->records, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        ctx->records = grown;
        ctx->record_capacity = capacity;
    }
    demo_record *rec = &ctx->records[ctx->record_count++];
    rec->key = (uint64_t)(uint32_t)t << 32 | ctx->record_sequence++;
    rec->subject = subject;
    rec->kind = (uint8_t)kind;
    rec->aux = (uint8_t)aux;
    return true;
}

static bool demo_add_org_records(demo_ctx *ctx)
{
    bool ok = true;
    for (uint32_t o = 0; o < ctx->org_count && ok; o++) {
        const demo_org_plan *org = &ctx->orgs[o];
        ok = demo_add_record(ctx, org->created_at, o, DEMO_REC_ORG_CREATED, 0);
        for (unsigned k = 0; k < org->team_count && ok; k++)
            ok = demo_add_record(ctx, org->team_created_at[k], o, DEMO_REC_TEAM_CREATED, k);
        if (ok && org->updated_at != DEMO_NEVER)
            ok = demo_add_record(ctx, org->updated_at, o, DEMO_REC_ORG_UPDATED, 0);
        if (ok && org->deleted_at != DEMO_NEVER)
            ok = demo_add_record(ctx, org->deleted_at, o, DEMO_REC_ORG_DELETED, 0);
    }
    return ok;
}

/* The structural events of one user, in causal order (equal times keep this order). */
static bool demo_add_user_records(demo_ctx *ctx, uint32_t u)
{
    const demo_user_plan *plan = &ctx->users[u];
    bool ok = demo_add_record(ctx, plan->created_at, u, DEMO_REC_USER_CREATED, 0);
    if (plan->flags & DEMO_USER_INVITED) {
        ok = ok && demo_add_record(ctx, plan->invited_at, u, DEMO_REC_INVITE_SENT, 0);
        ok = ok && demo_add_record(ctx, plan->created_at, u, DEMO_REC_INVITE_ACCEPTED, 0);
    }
    ok = ok && demo_add_record(ctx, plan->joined_at, u, DEMO_REC_MEMBER_ADDED, 0);
    if (plan->team_slot != DEMO_NO_SLOT) {
        ok = ok && demo_add_record(ctx, plan->team_added_at, u, DEMO_REC_TEAM_MEMBER_ADDED, 0);
        if (plan->team_changed_at != DEMO_NEVER) {
            if (plan->team_new_slot != DEMO_NO_SLOT)
                ok = ok && demo_add_record(ctx, plan->team_changed_at, u, DEMO_REC_TEAM_MEMBER_ADDED, 1);
            else
                ok = ok && demo_add_record(ctx, plan->team_changed_at, u, DEMO_REC_TEAM_MEMBER_REMOVED, 0);
        }
    }
    if (plan->role_changed_at != DEMO_NEVER)
        ok = ok && demo_add_record(ctx, plan->role_changed_at, u, DEMO_REC_ROLE_CHANGED, 0);
    if (plan->updated_at != DEMO_NEVER)
        ok = ok && demo_add_record(ctx, plan->updated_at, u, DEMO_REC_USER_UPDATED, 0);
    switch (plan->fate) {
    case DEMO_FATE_REMOVED:
        if (demo_user_team_at(plan, plan->member_end - 1) != DEMO_NO_SLOT)
            ok = ok && demo_add_record(ctx, plan->member_end, u, DEMO_REC_TEAM_MEMBER_REMOVED, 1);
        ok = ok && demo_add_record(ctx, plan->member_end, u, DEMO_REC_MEMBER_REMOVED, 0);
        break;
    case DEMO_FATE_DEACTIVATED:
        ok = ok && demo_add_record(ctx, plan->deactivated_at, u, DEMO_REC_USER_DEACTIVATED, 0);
        if (plan->reactivated_at != DEMO_NEVER)
            ok = ok && demo_add_record(ctx, plan->reactivated_at, u, DEMO_REC_USER_REACTIVATED, 0);
        break;
    case DEMO_FATE_DELETED:
        ok = ok && demo_add_record(ctx, plan->user_end, u, DEMO_REC_USER_DELETED, 0);
        break;
    default:
        break;
    }
    if (plan->second_org != DEMO_NONE) {
        ok = ok && demo_add_record(ctx, plan->second_invited_at, u, DEMO_REC_INVITE_SENT, 1);
        ok = ok && demo_add_record(ctx, plan->second_joined_at, u, DEMO_REC_INVITE_ACCEPTED, 1);
        ok = ok && demo_add_record(ctx, plan->second_joined_at, u, DEMO_REC_MEMBER_ADDED, 1);
    }
    if (plan->spare_invite_at != DEMO_NEVER && demo_user_can_act(ctx, plan, plan->spare_invite_at, plan->org)) {
        ok = ok && demo_add_record(ctx, plan->spare_invite_at, u, DEMO_REC_SPARE_INVITE_SENT, 0);
        if (plan->spare_revoked_at != DEMO_NEVER)
            ok = ok && demo_add_record(ctx, plan->spare_revoked_at, u, DEMO_REC_SPARE_INVITE_REVOKED, 0);
    }
    return ok;
}

/* Stable LSD radix sort of the records on their time (key bits 32..63); records were added in sequence order, so
** equal times keep it. */
static bool demo_sort_records(demo_ctx *ctx)
{
    size_t n = ctx->record_count;
    if (n < 2)
        return true;
    demo_record *scratch = malloc(n * sizeof *scratch);
    size_t *counts = malloc(65536 * sizeof *counts);
    if (scratch == NULL || counts == NULL) {
        free(scratch);
        free(counts);
        return false;
    }
    demo_record *src = ctx->records, *dst = scratch;
    for (unsigned shift = 32; shift < 64; shift += 16) {
        memset(counts, 0, 65536 * sizeof *counts);
        for (size_t i = 0; i < n; i++)
            counts[(src[i].key >> shift) & 0xffff]++;
        size_t position = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = counts[d];
            counts[d] = position;
            position += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[counts[(src[i].key >> shift) & 0xffff]++] = src[i];
        demo_record *swap = src;
        src = dst;
        dst = swap;
    }
    /* two passes: the sorted records are back in ctx->records */
    free(scratch);
    free(counts);
    return true;
}

/* ------------------------------------------------------------------------------------------------ org events */

static void demo_put_org_settings(demo_ctx *ctx, uint32_t o, bool upgraded)
{
    demo_out *out = &ctx->out;
    const demo_org_plan *org = &ctx->orgs[o];
    uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, o, 1);
    const char *plan_type = upgraded ? "Enterprise" : demo_plan_types[h % DEMO_COUNT(demo_plan_types)];
    DEMO_PUT_LITERAL(out, "{\"enforce_2fa\":");
    demo_put_bool(out, (h >> 8) % 3 == 0);
    DEMO_PUT_LITERAL(out, ",\"members_can_invite\":");
    demo_put_bool(out, (h >> 12) % 4 != 0);
    DEMO_PUT_LITERAL(out, ",\"plan_type\":");
    demo_put_json_string(out, plan_type);
    DEMO_PUT_LITERAL(out, ",\"customer_id\":\"cus_");
    demo_put_hex(out, demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, o, 2), 14);
    demo_put_char(out, '"');
    if (org->flags & DEMO_ORG_HAS_LICENSE) {
        uint64_t seats = ((uint64_t)org->expected_members * 6 / 5 + 4) / 5 * 5;
        if (seats < 5)
            seats = 5;
        if (upgraded)
            seats = seats * 3 / 2;
        int64_t issued = ctx->start_unix + org->created_at - (int64_t)((h >> 16) % 200) * DEMO_DAY;
        int64_t expires = issued + ((h >> 24) % 2 ? 730 : 365) * (int64_t)DEMO_DAY;
        DEMO_PUT_LITERAL(out, ",\"license\":{\"exp\":");
        demo_put_i64(out, expires);
        DEMO_PUT_LITERAL(out, ",\"iat\":");
        demo_put_i64(out, issued);
        DEMO_PUT_LITERAL(out, ",\"seats\":");
        demo_put_u64(out, seats);
        DEMO_PUT_LITERAL(out, ",\"seatsCap\":");
        demo_put_u64(out, seats * (1 + (h >> 28) % 10));
        DEMO_PUT_LITERAL(out, ",\"audience\":");
        demo_put_json_string(out, demo_audiences[(h >> 32) % DEMO_COUNT(demo_audiences)]);
        DEMO_PUT_LITERAL(out, ",\"features\":[\"chat\"");
        for (size_t f = 1; f < DEMO_COUNT(demo_license_features); f++) {
            if ((h >> (36 + f)) & 1 || upgraded) {
                demo_put_char(out, ',');
                demo_put_json_string(out, demo_license_features[f]);
            }
        }
        DEMO_PUT_LITERAL(out, "],\"settings\":{\"chatModel\":{\"type\":");
        demo_put_json_string(out, (h >> 50) % 3 ? "Private" : "Public");
        DEMO_PUT_LITERAL(out, "}}}");
    }
    demo_put_char(out, '}');
}

static void demo_write_org_created(demo_ctx *ctx, uint32_t o, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_org_plan *org = &ctx->orgs[o];
    demo_text name = {.len = 0}, domain = {.len = 0};
    demo_org_name(ctx, o, false, &name);
    DEMO_PUT_LITERAL(out, "{\"type\":\"org.created\",\"org_id\":");
    demo_put_org_uuid(ctx, o);
    DEMO_PUT_LITERAL(out, ",\"name\":");
    demo_put_json_string(out, name.buf);
    DEMO_PUT_LITERAL(out, ",\"slug\":\"");
    demo_put(out, demo_org_word(ctx, o)->ascii, strlen(demo_org_word(ctx, o)->ascii));
    demo_put_char(out, '-');
    demo_put_u64(out, (uint64_t)o + 1);
    DEMO_PUT_LITERAL(out, "\",\"domains\":[");
    demo_org_domain(ctx, o, false, &domain);
    demo_put_json_string(out, domain.buf);
    if (org->flags & DEMO_ORG_SECOND_DOMAIN) {
        domain.len = 0;
        demo_org_domain(ctx, o, true, &domain);
        demo_put_char(out, ',');
        demo_put_json_string(out, domain.buf);
    }
    demo_put_char(out, ']');
    if (org->flags & DEMO_ORG_HAS_METADATA) {
        uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, o, 3);
        DEMO_PUT_LITERAL(out, ",\"metadata\":{\"industry\":");
        demo_put_json_string(out, demo_industries[h % DEMO_COUNT(demo_industries)]);
        DEMO_PUT_LITERAL(out, ",\"region\":");
        demo_put_json_string(out, demo_regions[(h >> 8) % DEMO_COUNT(demo_regions)]);
        DEMO_PUT_LITERAL(out, ",\"employees\":");
        demo_put_u64(out, (uint64_t)org->expected_members * (2 + (h >> 16) % 5));
        demo_put_char(out, '}');
    }
    if (org->flags & DEMO_ORG_HAS_SETTINGS) {
        DEMO_PUT_LITERAL(out, ",\"settings\":");
        demo_put_org_settings(ctx, o, false);
    }
    demo_finish_event(ctx, t);
}

/* Either a rename or a plan upgrade (settings are replaced whole, so they are written whole). */
static void demo_write_org_updated(demo_ctx *ctx, uint32_t o, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    DEMO_PUT_LITERAL(out, "{\"type\":\"org.updated\",\"org_id\":");
    demo_put_org_uuid(ctx, o);
    if (demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, o, 4) % 10 < 3) {
        demo_text name = {.len = 0};
        demo_org_name(ctx, o, true, &name);
        DEMO_PUT_LITERAL(out, ",\"name\":");
        demo_put_json_string(out, name.buf);
    } else {
        DEMO_PUT_LITERAL(out, ",\"settings\":");
        demo_put_org_settings(ctx, o, true);
    }
    demo_finish_event(ctx, t);
}

static void demo_write_org_deleted(demo_ctx *ctx, uint32_t o, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    DEMO_PUT_LITERAL(out, "{\"type\":\"org.deleted\",\"org_id\":");
    demo_put_org_uuid(ctx, o);
    demo_finish_event(ctx, t);
}

static void demo_write_team_created(demo_ctx *ctx, uint32_t o, unsigned slot, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    size_t name_count = DEMO_COUNT(demo_team_names) - 1;
    size_t first = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, o, 5) % name_count;
    const char *name = slot == 0 ? demo_team_names[0] : demo_team_names[1 + (first + slot - 1) % name_count];
    DEMO_PUT_LITERAL(out, "{\"type\":\"team.created\",\"team_id\":");
    demo_put_team_uuid(ctx, o, slot);
    DEMO_PUT_LITERAL(out, ",\"org_id\":");
    demo_put_org_uuid(ctx, o);
    DEMO_PUT_LITERAL(out, ",\"name\":");
    demo_put_json_string(out, name);
    DEMO_PUT_LITERAL(out, ",\"is_default\":");
    demo_put_bool(out, slot == 0);
    demo_finish_event(ctx, t);
}

/* ------------------------------------------------------------------------------------------------ user events */

static void demo_put_user_properties(demo_ctx *ctx, uint64_t h)
{
    demo_out *out = &ctx->out;
    DEMO_PUT_LITERAL(out, "{\"department\":");
    demo_put_json_string(out, demo_departments[h % DEMO_COUNT(demo_departments)]);
    DEMO_PUT_LITERAL(out, ",\"title\":");
    demo_put_json_string(out, demo_titles[(h >> 8) % DEMO_COUNT(demo_titles)]);
    demo_put_char(out, '}');
}

static void demo_put_username(demo_ctx *ctx, uint32_t u)
{
    demo_out *out = &ctx->out;
    demo_person person = demo_person_of(ctx, u, 0);
    demo_put_char(out, '"');
    demo_put_char(out, person.first->ascii[0]);
    demo_put(out, person.last->ascii, strlen(person.last->ascii));
    demo_put_u64(out, u);
    demo_put_char(out, '"');
}

static void demo_write_user_created(demo_ctx *ctx, uint32_t u, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_user_plan *plan = &ctx->users[u];
    demo_person person = demo_person_of(ctx, u, 0);
    uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, u, 10);
    demo_text email = {.len = 0};
    demo_user_email(ctx, u, &email);
    DEMO_PUT_LITERAL(out, "{\"type\":\"user.created\",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    DEMO_PUT_LITERAL(out, ",\"email\":");
    demo_put_json_string(out, email.buf);
    if (h % 100 < 80) {
        DEMO_PUT_LITERAL(out, ",\"username\":");
        demo_put_username(ctx, u);
    }
    DEMO_PUT_LITERAL(out, ",\"first_name\":");
    demo_put_json_string(out, person.first->display);
    DEMO_PUT_LITERAL(out, ",\"last_name\":");
    demo_put_json_string(out, person.last->display);
    if (plan->flags & DEMO_USER_FOUNDER) {
        DEMO_PUT_LITERAL(out, ",\"role\":\"Admin\"");
    } else if ((h >> 8) % 100 < 25) {
        unsigned r = (unsigned)((h >> 16) % 100);
        DEMO_PUT_LITERAL(out, ",\"role\":");
        demo_put_json_string(out, demo_instance_roles[r < 80 ? 0 : r < 90 ? 1 : r < 97 ? 2 : 3]);
    }
    DEMO_PUT_LITERAL(out, ",\"verified\":");
    demo_put_bool(out, (h >> 24) % 100 < 85);
    if ((h >> 32) % 100 < 40) {
        DEMO_PUT_LITERAL(out, ",\"properties\":");
        demo_put_user_properties(ctx, h >> 40);
    }
    unsigned utm_chance = (plan->flags & DEMO_USER_INVITED) ? 10 : 45;
    uint64_t utm = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, u, 11);
    if (utm % 100 < utm_chance) {
        DEMO_PUT_LITERAL(out, ",\"signup_query_parameters\":{\"utm_source\":");
        demo_put_json_string(out, demo_utm_sources[(utm >> 8) % DEMO_COUNT(demo_utm_sources)]);
        if ((utm >> 16) % 100 < 70) {
            DEMO_PUT_LITERAL(out, ",\"utm_medium\":");
            demo_put_json_string(out, demo_utm_media[(utm >> 24) % DEMO_COUNT(demo_utm_media)]);
        }
        if ((utm >> 32) % 100 < 50) {
            DEMO_PUT_LITERAL(out, ",\"utm_campaign\":");
            demo_put_json_string(out, demo_utm_campaigns[(utm >> 40) % DEMO_COUNT(demo_utm_campaigns)]);
        }
        demo_put_char(out, '}');
    }
    demo_finish_event(ctx, t);
}

/* One of: a new last name, verification with a username, new properties, a new instance role. */
static void demo_write_user_updated(demo_ctx *ctx, uint32_t u, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, u, 12);
    DEMO_PUT_LITERAL(out, "{\"type\":\"user.updated\",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    switch (h % 4) {
    case 0:
        DEMO_PUT_LITERAL(out, ",\"last_name\":");
        demo_put_json_string(out, demo_last_names[(h >> 8) % DEMO_COUNT(demo_last_names)].display);
        break;
    case 1:
        DEMO_PUT_LITERAL(out, ",\"verified\":true,\"username\":");
        demo_put_username(ctx, u);
        break;
    case 2:
        DEMO_PUT_LITERAL(out, ",\"properties\":");
        demo_put_user_properties(ctx, h >> 8);
        break;
    default:
        DEMO_PUT_LITERAL(out, ",\"role\":");
        demo_put_json_string(out, demo_instance_roles[1 + (h >> 8) % 3]);
        break;
    }
    demo_finish_event(ctx, t);
}

/* user.deactivated, user.reactivated and user.deleted: only the user id. */
static void demo_write_user_state(demo_ctx *ctx, uint32_t u, const char *type, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    DEMO_PUT_LITERAL(out, "{\"type\":");
    demo_put_json_string(out, type);
    DEMO_PUT_LITERAL(out, ",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    demo_finish_event(ctx, t);
}

/* ------------------------------------------------------------------------------------------------ membership events */

static void demo_put_invite_id(demo_ctx *ctx, uint32_t u, unsigned which)
{
    demo_out *out = &ctx->out;
    DEMO_PUT_LITERAL(out, ",\"invite_id\":\"inv-");
    demo_put_hex(out, demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, u, 20 + which), 12);
    demo_put_char(out, '"');
}

/* The invitation that brings user `u` into their primary org (which 0) or second org (which 1).  A few use another
** capitalisation of the address: emails compare case-insensitively. */
static void demo_write_invite_sent(demo_ctx *ctx, uint32_t u, unsigned which, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_user_plan *plan = &ctx->users[u];
    uint64_t h = demo_hash(ctx->seed_key, DEMO_TAG_DETAIL, u, 30 + which);
    demo_text email = {.len = 0};
    demo_user_email(ctx, u, &email);
    if (h % 100 < 3 && email.len > 0 && email.buf[0] >= 'a' && email.buf[0] <= 'z')
        email.buf[0] = (char)(email.buf[0] - 'a' + 'A');
    DEMO_PUT_LITERAL(out, "{\"type\":\"invite.sent\",\"org_id\":");
    demo_put_org_uuid(ctx, which ? plan->second_org : plan->org);
    DEMO_PUT_LITERAL(out, ",\"email\":");
    demo_put_json_string(out, email.buf);
    DEMO_PUT_LITERAL(out, ",\"inviter_user_id\":");
    demo_put_user_uuid(ctx, which ? plan->second_inviter : plan->inviter);
    DEMO_PUT_LITERAL(out, ",\"role\":");
    demo_put_json_string(out, demo_role_names[which ? DEMO_ROLE_MEMBER : plan->role]);
    demo_put_invite_id(ctx, u, which);
    if (!which && plan->team_slot != DEMO_NO_SLOT && (h >> 8) % 2 == 0) {
        DEMO_PUT_LITERAL(out, ",\"team_id\":");
        demo_put_team_uuid(ctx, plan->org, plan->team_slot);
    }
    demo_finish_event(ctx, t);
}

static void demo_write_invite_accepted(demo_ctx *ctx, uint32_t u, unsigned which, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_user_plan *plan = &ctx->users[u];
    demo_text email = {.len = 0};
    demo_user_email(ctx, u, &email);
    DEMO_PUT_LITERAL(out, "{\"type\":\"invite.accepted\",\"org_id\":");
    demo_put_org_uuid(ctx, which ? plan->second_org : plan->org);
    DEMO_PUT_LITERAL(out, ",\"email\":");
    demo_put_json_string(out, email.buf);
    demo_put_invite_id(ctx, u, which);
    DEMO_PUT_LITERAL(out, ",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    demo_finish_event(ctx, t);
}

/* An invitation to someone who never signs up (which 2); `revoked` writes its revocation instead. */
static void demo_write_spare_invite(demo_ctx *ctx, uint32_t u, bool revoked, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_user_plan *plan = &ctx->users[u];
    demo_text email = {.len = 0};
    demo_spare_invitee_email(ctx, u, &email);
    if (revoked)
        DEMO_PUT_LITERAL(out, "{\"type\":\"invite.revoked\",\"org_id\":");
    else
        DEMO_PUT_LITERAL(out, "{\"type\":\"invite.sent\",\"org_id\":");
    demo_put_org_uuid(ctx, plan->org);
    DEMO_PUT_LITERAL(out, ",\"email\":");
    demo_put_json_string(out, email.buf);
    if (!revoked) {
        DEMO_PUT_LITERAL(out, ",\"inviter_user_id\":");
        demo_put_user_uuid(ctx, u);
        DEMO_PUT_LITERAL(out, ",\"role\":\"Member\"");
    }
    demo_put_invite_id(ctx, u, 2);
    demo_finish_event(ctx, t);
}

static void demo_write_member_added(demo_ctx *ctx, uint32_t u, unsigned which, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_user_plan *plan = &ctx->users[u];
    DEMO_PUT_LITERAL(out, "{\"type\":\"member.added\",\"org_id\":");
    demo_put_org_uuid(ctx, which ? plan->second_org : plan->org);
    DEMO_PUT_LITERAL(out, ",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    DEMO_PUT_LITERAL(out, ",\"role\":");
    demo_put_json_string(out, demo_role_names[which ? DEMO_ROLE_MEMBER : plan->role]);
    demo_finish_event(ctx, t);
}

static void demo_write_member_removed(demo_ctx *ctx, uint32_t u, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    DEMO_PUT_LITERAL(out, "{\"type\":\"member.removed\",\"org_id\":");
    demo_put_org_uuid(ctx, ctx->users[u].org);
    DEMO_PUT_LITERAL(out, ",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    demo_finish_event(ctx, t);
}

/* Members are promoted to Admin, admins step back to Member. */
static void demo_write_member_role_changed(demo_ctx *ctx, uint32_t u, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    const demo_user_plan *plan = &ctx->users[u];
    DEMO_PUT_LITERAL(out, "{\"type\":\"member.role_changed\",\"org_id\":");
    demo_put_org_uuid(ctx, plan->org);
    DEMO_PUT_LITERAL(out, ",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    DEMO_PUT_LITERAL(out, ",\"role\":");
    demo_put_json_string(out, demo_role_names[plan->role == DEMO_ROLE_ADMIN ? DEMO_ROLE_MEMBER : DEMO_ROLE_ADMIN]);
    demo_finish_event(ctx, t);
}

static void demo_write_team_member(demo_ctx *ctx, uint32_t u, unsigned slot, bool added, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    if (added)
        DEMO_PUT_LITERAL(out, "{\"type\":\"team.member_added\",\"team_id\":");
    else
        DEMO_PUT_LITERAL(out, "{\"type\":\"team.member_removed\",\"team_id\":");
    demo_put_team_uuid(ctx, ctx->users[u].org, slot);
    DEMO_PUT_LITERAL(out, ",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    demo_finish_event(ctx, t);
}

static void demo_write_record(demo_ctx *ctx, const demo_record *rec)
{
    int32_t t = (int32_t)(rec->key >> 32);
    uint32_t s = rec->subject;
    switch ((enum demo_record_kind)rec->kind) {
    case DEMO_REC_ORG_CREATED: demo_write_org_created(ctx, s, t); break;
    case DEMO_REC_TEAM_CREATED: demo_write_team_created(ctx, s, rec->aux, t); break;
    case DEMO_REC_ORG_UPDATED: demo_write_org_updated(ctx, s, t); break;
    case DEMO_REC_ORG_DELETED: demo_write_org_deleted(ctx, s, t); break;
    case DEMO_REC_USER_CREATED: demo_write_user_created(ctx, s, t); break;
    case DEMO_REC_USER_UPDATED: demo_write_user_updated(ctx, s, t); break;
    case DEMO_REC_USER_DEACTIVATED: demo_write_user_state(ctx, s, "user.deactivated", t); break;
    case DEMO_REC_USER_REACTIVATED: demo_write_user_state(ctx, s, "user.reactivated", t); break;
    case DEMO_REC_USER_DELETED: demo_write_user_state(ctx, s, "user.deleted", t); break;
    case DEMO_REC_INVITE_SENT: demo_write_invite_sent(ctx, s, rec->aux, t); break;
    case DEMO_REC_INVITE_ACCEPTED: demo_write_invite_accepted(ctx, s, rec->aux, t); break;
    case DEMO_REC_MEMBER_ADDED: demo_write_member_added(ctx, s, rec->aux, t); break;
    case DEMO_REC_MEMBER_REMOVED: demo_write_member_removed(ctx, s, t); break;
    case DEMO_REC_ROLE_CHANGED: demo_write_member_role_changed(ctx, s, t); break;
    case DEMO_REC_TEAM_MEMBER_ADDED: {
        const demo_user_plan *plan = &ctx->users[s];
        demo_write_team_member(ctx, s, rec->aux ? plan->team_new_slot : plan->team_slot, true, t);
        break;
    }
    case DEMO_REC_TEAM_MEMBER_REMOVED: {
        const demo_user_plan *plan = &ctx->users[s];
        demo_write_team_member(ctx, s, rec->aux ? demo_user_team_at(plan, t - 1) : plan->team_slot, false, t);
        break;
    }
    case DEMO_REC_SPARE_INVITE_SENT: demo_write_spare_invite(ctx, s, false, t); break;
    case DEMO_REC_SPARE_INVITE_REVOKED: demo_write_spare_invite(ctx, s, true, t); break;
    }
}

/* ------------------------------------------------------------------------------------------------ activity, usage */

static void demo_write_activity(demo_ctx *ctx, uint32_t u, uint32_t org, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    DEMO_PUT_LITERAL(out, "{\"type\":\"activity\",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    DEMO_PUT_LITERAL(out, ",\"org_id\":");
    demo_put_org_uuid(ctx, org);
    demo_finish_activity_event(ctx, t);
}

/* The head of a usage event: user, org, and half the time the user's team at `t` when they have one. */
static void demo_put_usage_head(demo_ctx *ctx, demo_rng *rng, uint32_t u, uint32_t org, int32_t t)
{
    demo_out *out = &ctx->out;
    const demo_user_plan *plan = &ctx->users[u];
    DEMO_PUT_LITERAL(out, "{\"type\":\"usage\",\"user_id\":");
    demo_put_user_uuid(ctx, u);
    DEMO_PUT_LITERAL(out, ",\"org_id\":");
    demo_put_org_uuid(ctx, org);
    unsigned slot = org == plan->org ? demo_user_team_at(plan, t) : DEMO_NO_SLOT;
    if (slot != DEMO_NO_SLOT && demo_rng_chance(rng, 0.5)) {
        DEMO_PUT_LITERAL(out, ",\"team_id\":");
        demo_put_team_uuid(ctx, org, slot);
    }
}

static void demo_write_usage_code_completions(demo_ctx *ctx, demo_rng *rng, uint32_t u, uint32_t org, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    double intensity = 0.5 + ctx->activity[u].engagement;
    uint64_t completions = 1 + (uint64_t)(exp(2.2 + 0.8 * demo_rng_normal(rng)) * intensity);
    uint64_t chars = completions * (18 + demo_rng_below(rng, 43));
    uint64_t keystrokes = (uint64_t)((double)chars * (1.2 + 2.8 * demo_rng_unit(rng)));
    uint64_t lines = (uint64_t)((double)completions * (0.3 + 0.9 * demo_rng_unit(rng)));
    demo_put_usage_head(ctx, rng, u, org, t);
    DEMO_PUT_LITERAL(out, ",\"feature\":\"codeCompletions\",\"metrics\":{\"completions\":");
    demo_put_u64(out, completions);
    DEMO_PUT_LITERAL(out, ",\"charsCompleted\":");
    demo_put_u64(out, chars);
    DEMO_PUT_LITERAL(out, ",\"keystrokes\":");
    demo_put_u64(out, keystrokes);
    DEMO_PUT_LITERAL(out, ",\"lines\":");
    demo_put_u64(out, lines);
    demo_put_char(out, '}');
    demo_finish_activity_event(ctx, t);
}

static void demo_write_usage_chat(demo_ctx *ctx, demo_rng *rng, uint32_t u, uint32_t org, int32_t t)
{
    demo_out *out = demo_begin_event(ctx);
    uint64_t interactions = 1 + demo_rng_below(rng, 3) + (uint64_t)exp(0.8 + 0.7 * demo_rng_normal(rng));
    uint64_t useful = (uint64_t)((double)interactions * (0.3 + 0.6 * demo_rng_unit(rng)) + 0.5);
    uint64_t chars = useful * (80 + demo_rng_below(rng, 821));
    demo_put_usage_head(ctx, rng, u, org, t);
    DEMO_PUT_LITERAL(out, ",\"feature\":\"chat\",\"metrics\":{\"interactions\":");
    demo_put_u64(out, interactions);
    DEMO_PUT_LITERAL(out, ",\"usefulChatInteractions\":");
    demo_put_u64(out, useful);
    DEMO_PUT_LITERAL(out, ",\"charsCompleted\":");
    demo_put_u64(out, chars);
    demo_put_char(out, '}');
    demo_finish_activity_event(ctx, t);
}

/* One active day of one user: 1..6 sessions, each an activity event often followed by usage a little later. */
static void demo_write_user_day(demo_ctx *ctx, uint32_t u, uint32_t day, uint64_t day_hash)
{
    const demo_user_plan *plan = &ctx->users[u];
    demo_rng rng;
    demo_rng_seed(&rng, day_hash ^ 0x5851f42d4c957f2dULL);
    int sessions = 1;
    while (sessions < 6 && demo_rng_chance(&rng, DEMO_SESSION_MORE))
        sessions++;
    int32_t day_start = (int32_t)day * DEMO_DAY;
    int32_t day_end = day_start + DEMO_DAY;
    for (int s = 0; s < sessions; s++) {
        int32_t t = day_start + demo_work_second_of_day(&rng, plan->tz_minutes);
        uint32_t org = plan->org;
        if (plan->second_org != DEMO_NONE && demo_rng_chance(&rng, 0.3))
            org = plan->second_org;
        if (!demo_user_can_act(ctx, plan, t, org)) {
            org = org == plan->org ? plan->second_org : plan->org;
            if (org == DEMO_NONE || !demo_user_can_act(ctx, plan, t, org))
                continue;
        }
        demo_write_activity(ctx, u, org, t);
        if (demo_rng_chance(&rng, DEMO_USAGE_COMPLETIONS)) {
            int32_t usage_at = t + demo_rng_between(&rng, 30, 1800);
            if (usage_at < day_end && demo_user_can_act(ctx, plan, usage_at, org))
                demo_write_usage_code_completions(ctx, &rng, u, org, usage_at);
        }
        if (demo_rng_chance(&rng, DEMO_USAGE_CHAT)) {
            int32_t usage_at = t + demo_rng_between(&rng, 30, 2400);
            if (usage_at < day_end && demo_user_can_act(ctx, plan, usage_at, org))
                demo_write_usage_chat(ctx, &rng, u, org, usage_at);
        }
    }
}

/* Hint that a user's plan and UUID will be read soon: active users are far apart in memory, and waiting for their
** cache lines one at a time costs more than writing their events. */
#if defined(__GNUC__)
#define DEMO_PREFETCH(address) __builtin_prefetch((address))
#else
#define DEMO_PREFETCH(address) ((void)(address))
#endif
#define DEMO_ACTIVE_QUEUE 16 /* active users whose memory is being fetched before their day is written */

static void demo_write_day_activity(demo_ctx *ctx, uint32_t day)
{
    double day_factor = demo_is_weekend(ctx->start_day + day) ? DEMO_WEEKEND_FACTOR : 1.0;
    uint64_t day_key = demo_hash(ctx->seed_key, DEMO_TAG_DAY, day, 0);
    const demo_user_activity *activity = ctx->activity;
    uint32_t queued_user[DEMO_ACTIVE_QUEUE];
    uint64_t queued_hash[DEMO_ACTIVE_QUEUE];
    unsigned queued = 0, head = 0;
    for (uint32_t u = 0; u < ctx->user_count; u++) {
        if (day < activity[u].first_day || day > activity[u].last_day)
            continue;
        uint64_t h = demo_mix64(day_key ^ ((uint64_t)u * 0x9e3779b97f4a7c15ULL));
        double x = (double)(h >> 11) * 0x1.0p-53;
        if (x >= activity[u].gate * day_factor)
            continue;
        if (x >= demo_user_engagement(&activity[u], day) * day_factor)
            continue;
        DEMO_PREFETCH(&ctx->users[u]);
        DEMO_PREFETCH(ctx->user_uuids + (size_t)u * DEMO_UUID_LEN);
        if (queued == DEMO_ACTIVE_QUEUE) { /* full: write the oldest, keeping the users in order */
            demo_write_user_day(ctx, queued_user[head], day, queued_hash[head]);
            queued--;
            head = (head + 1) % DEMO_ACTIVE_QUEUE;
        }
        unsigned tail = (head + queued) % DEMO_ACTIVE_QUEUE;
        queued_user[tail] = u;
        queued_hash[tail] = h;
        queued++;
    }
    for (; queued > 0; queued--, head = (head + 1) % DEMO_ACTIVE_QUEUE)
        demo_write_user_day(ctx, queued_user[head], day, queued_hash[head]);
}

/* ------------------------------------------------------------------------------------------------ options */

static void demo_print_usage(FILE *to)
{
    fputs("usage: orgpulse demo [--users N] [--orgs M] [--days D] [--seed S] [--end YYYY-MM-DD]\n"
          "\n"
          "Writes a deterministic, realistic B2B SaaS event stream to stdout as NDJSON: one event per line, in the\n"
          "format of POST /v1/events and `orgpulse import`.  The same arguments always give the same bytes.\n"
          "\n"
          "  --users N          users (default 2000)\n"
          "  --orgs M           organizations (default 100); their sizes follow a power law\n"
          "  --days D           days of history before the end date (default 90)\n"
          "  --seed S           seed of the generator (default 1)\n"
          "  --end YYYY-MM-DD   last day of the history, UTC (default: today)\n"
          "  --help             show this help\n"
          "\n"
          "Every timestamp lies between 00:00:00 of (end - days) and 23:59:59 of the end date, UTC.\n"
          "Example: orgpulse demo --users 1000 --days 30 | orgpulse import -\n",
          to);
}

/* Decimal digits only, at least 1 and at most `max` (no sign, no spaces). */
static bool demo_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    if (text == NULL || *text == 0)
        return false;
    uint64_t v = 0;
    for (const char *p = text; *p != 0; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (v < min || v > max)
        return false;
    *value = v;
    return true;
}

/* Strictly YYYY-MM-DD, a real calendar date from 1970 to 9999. */
static bool demo_parse_date(const char *text, int64_t *day)
{
    if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
            return false;
    int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    unsigned month = (unsigned)((text[5] - '0') * 10 + (text[6] - '0'));
    unsigned dom = (unsigned)((text[8] - '0') * 10 + (text[9] - '0'));
    static const unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || month < 1 || month > 12 || dom < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (dom > month_days[month - 1] + (month == 2 && leap ? 1u : 0u))
        return false;
    *day = demo_days_from_civil(year, month, dom);
    return true;
}

/* The numeric options: name, accepted range, and where the value goes. */
typedef struct demo_count_option {
    const char *name;
    uint64_t min;
    uint64_t max;
    size_t offset; /* of the uint64_t field in demo_options */
} demo_count_option;

static const demo_count_option demo_count_options[] = {
    {"users", 1, DEMO_MAX_USERS, offsetof(demo_options, users)},
    {"orgs", 1, DEMO_MAX_ORGS, offsetof(demo_options, orgs)},
    {"days", 1, DEMO_MAX_DAYS, offsetof(demo_options, days)},
    {"seed", 0, UINT64_MAX, offsetof(demo_options, seed)},
};

/* Returns 0 with *opt filled, 1 when help was asked for, 2 on a bad option (message on stderr).
** Options take their value as the next argument or after '=' (--users=10). */
static int demo_parse_options(int argc, char **argv, demo_options *opt)
{
    opt->users = DEMO_DEFAULT_USERS;
    opt->orgs = DEMO_DEFAULT_ORGS;
    opt->days = DEMO_DEFAULT_DAYS;
    opt->seed = DEMO_DEFAULT_SEED;
    opt->end_day = (int64_t)(time(NULL) / DEMO_DAY);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return 1;
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "demo: unexpected argument '%s' (see 'orgpulse demo --help')\n", arg);
            return 2;
        }
        const char *name = arg + 2;
        const char *equals = strchr(name, '=');
        size_t name_len = equals != NULL ? (size_t)(equals - name) : strlen(name);
        const demo_count_option *count = NULL;
        for (size_t k = 0; k < DEMO_COUNT(demo_count_options); k++)
            if (strlen(demo_count_options[k].name) == name_len &&
                strncmp(name, demo_count_options[k].name, name_len) == 0)
                count = &demo_count_options[k];
        bool is_end = name_len == 3 && strncmp(name, "end", 3) == 0;
        if (count == NULL && !is_end) {
            fprintf(stderr, "demo: unknown option '--%.*s' (see 'orgpulse demo --help')\n", (int)name_len, name);
            return 2;
        }
        const char *value = equals != NULL ? equals + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (value == NULL) {
            fprintf(stderr, "demo: option '--%.*s' needs a value\n", (int)name_len, name);
            return 2;
        }
        if (is_end) {
            if (!demo_parse_date(value, &opt->end_day)) {
                fprintf(stderr, "demo: --end wants a date YYYY-MM-DD from 1970-01-01 on, not '%s'\n", value);
                return 2;
            }
        } else if (!demo_parse_count(value, count->min, count->max, (uint64_t *)((char *)opt + count->offset))) {
            fprintf(stderr, "demo: --%s wants a whole number from %llu to %llu, not '%s'\n", count->name,
                    (unsigned long long)count->min, (unsigned long long)count->max, value);
            return 2;
        }
    }
    if (opt->end_day - (int64_t)opt->days < 0) {
        fprintf(stderr, "demo: the period would start before 1970-01-01 (--end minus --days)\n");
        return 2;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------ driver */

static void demo_ctx_free(demo_ctx *ctx)
{
    free(ctx->orgs);
    free(ctx->users);
    free(ctx->activity);
    free(ctx->org_members);
    free(ctx->user_uuids);
    free(ctx->org_uuids);
    free(ctx->records);
    free(ctx->out.buf);
}

static bool demo_ctx_alloc(demo_ctx *ctx)
{
    size_t users = ctx->user_count, orgs = ctx->org_count;
    ctx->orgs = calloc(orgs, sizeof *ctx->orgs);
    ctx->users = calloc(users, sizeof *ctx->users);
    ctx->activity = calloc(users, sizeof *ctx->activity);
    ctx->org_members = calloc(users, sizeof *ctx->org_members);
    ctx->user_uuids = malloc(users * DEMO_UUID_LEN);
    ctx->org_uuids = malloc(orgs * DEMO_UUID_LEN);
    ctx->record_capacity = users * 6 + orgs * 8 + 1024;
    ctx->records = malloc(ctx->record_capacity * sizeof *ctx->records);
    ctx->out.buf = malloc(DEMO_OUT_CAPACITY);
    return ctx->orgs && ctx->users && ctx->activity && ctx->org_members && ctx->user_uuids && ctx->org_uuids &&
           ctx->records && ctx->out.buf;
}

/* Plans every org and user and sorts the structural records.  False when memory runs out. */
static bool demo_plan(demo_ctx *ctx)
{
    for (uint32_t u = 0; u < ctx->user_count; u++)
        demo_format_uuid(ctx->user_uuids + (size_t)u * DEMO_UUID_LEN,
                         demo_hash(ctx->seed_key, DEMO_TAG_USER_UUID, u, 0));
    for (uint32_t o = 0; o < ctx->org_count; o++)
        demo_format_uuid(ctx->org_uuids + (size_t)o * DEMO_UUID_LEN,
                         demo_hash(ctx->seed_key, DEMO_TAG_ORG_UUID, o, 0));
    demo_plan_orgs(ctx);
    for (uint32_t u = 0; u < ctx->user_count; u++)
        demo_plan_user(ctx, u);
    demo_build_member_lists(ctx);
    demo_plan_inviters(ctx);
    demo_plan_activity_windows(ctx);
    if (!demo_add_org_records(ctx))
        return false;
    for (uint32_t u = 0; u < ctx->user_count; u++)
        if (!demo_add_user_records(ctx, u))
            return false;
    return demo_sort_records(ctx);
}

/* Day by day: the day's structural events in time order, then its activity and usage. */
static void demo_write_stream(demo_ctx *ctx)
{
    size_t next = 0;
    for (uint32_t day = 0; day < ctx->period_days && !ctx->out.failed; day++) {
        uint64_t day_end = (uint64_t)(day + 1) * DEMO_DAY;
        while (next < ctx->record_count && (ctx->records[next].key >> 32) < day_end)
            demo_write_record(ctx, &ctx->records[next++]);
        demo_write_day_activity(ctx, day);
    }
    demo_out_flush(&ctx->out);
    if (!ctx->out.failed && fflush(stdout) != 0)
        ctx->out.failed = true;
}

int demo_main(int argc, char **argv)
{
    demo_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    int rc = demo_parse_options(argc, argv, &ctx.opt);
    if (rc == 1) {
        demo_print_usage(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (rc != 0)
        return rc;

    ctx.user_count = (uint32_t)ctx.opt.users;
    ctx.org_count = (uint32_t)ctx.opt.orgs;
    ctx.start_day = ctx.opt.end_day - (int64_t)ctx.opt.days;
    ctx.start_unix = ctx.start_day * DEMO_DAY;
    ctx.period_days = (uint32_t)ctx.opt.days + 1;
    ctx.period_seconds = (int32_t)ctx.period_days * DEMO_DAY;
    ctx.seed_key = demo_mix64(ctx.opt.seed ^ 0x6f726770756c7365ULL); /* "orgpulse" */
    ctx.event_id_key = demo_hash(ctx.seed_key, DEMO_TAG_EVENT_ID, 0, 0);
    ctx.date_cache_day = INT64_MIN;

    if (!demo_ctx_alloc(&ctx) || !demo_plan(&ctx)) {
        fprintf(stderr, "demo: out of memory\n");
        demo_ctx_free(&ctx);
        return 1;
    }
    demo_write_stream(&ctx);
    bool failed = ctx.out.failed;
    demo_ctx_free(&ctx);
    if (failed) {
        fprintf(stderr, "demo: cannot write to stdout\n");
        return 1;
    }
    return 0;
}
