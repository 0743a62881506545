/* cli_keys.c: `orgpulse keys create|list|revoke`: API key management on a data directory (auth.md). The new
 * secret is printed once, alone on the last line of stdout, so scripts can take it with `tail -n 1`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/auth.h"
#include "store/store.h"
#include "util/time.h"

static const char usage[] =
    "usage: orgpulse keys create --data DIR --scopes LIST [--project NAME] [--org ORG_ID] [--name N]\n"
    "       orgpulse keys list   --data DIR [--project NAME]\n"
    "       orgpulse keys revoke --data DIR ID\n"
    "--store URL (env ORGPULSE_STORE) works on a PostgreSQL store instead of DIR's.\n"
    "\n"
    "Scopes: events:write insights:read usage:read engagement:read users:read organization:read\n"
    "        organization:write batch_export:read batch_export:write admin *\n"
    "The secret is printed once, alone on the last line of stdout; only its hash is stored.\n";

static int open_store(const char *dir, store **s) {
    char err[512];
    if (store_open(dir, s, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "orgpulse keys: %s\n", err);
        return 1;
    }
    return 0;
}

static int print_key(void *ctx, const store_key *k) {
    (void)ctx;
    char created[TIME_FORMAT_MAX], used[TIME_FORMAT_MAX] = "never";
    time_format_rfc3339(k->created_ms, created);
    if (k->last_used_ms) time_format_rfc3339(k->last_used_ms, used);
    printf("%-16s  %-20s  %-40s  %-12s  %-20s  %-20s  %s\n", k->id, k->name[0] ? k->name : "-", k->scopes,
           k->org_id ? k->org_id : "-", created, used, k->revoked_ms ? "revoked" : "active");
    return 0;
}

int cli_keys(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *action = argv[1];
    cli_opt opts[] = {
        {"--data", "ORGPULSE_DATA", "./data", 0}, {"--scopes", NULL, NULL, 0}, {"--project", NULL, "default", 0},
        {"--org", NULL, NULL, 0},                 {"--name", NULL, "", 0},          {"--store", "ORGPULSE_STORE", NULL, 0},
    };
    const char *pos[1];
    int npos;
    int rc = cli_parse(argc - 1, argv + 1, opts, sizeof opts / sizeof opts[0], pos, 1, &npos, usage);
    if (rc) return rc == 1 ? 0 : rc;
    store *s;
    if (strcmp(action, "create") == 0) {
        char bad[64];
        if (!opts[1].value || !auth_scopes_valid(opts[1].value, bad, sizeof bad)) {
            fprintf(stderr, "orgpulse keys create: --scopes needs a comma-separated list of known scopes%s%s%s\n",
                    opts[1].value ? " (unknown: '" : "", opts[1].value ? bad : "", opts[1].value ? "')" : "");
            return 2;
        }
        if (npos) return fprintf(stderr, "orgpulse keys create: unexpected argument '%s'\n", pos[0]), 2;
        if (open_store(opts[5].value ? opts[5].value : opts[0].value, &s)) return 1;
        int64_t project;
        char secret[AUTH_SECRET_MAX];
        store_key k;
        if (store_project_ensure(s, opts[2].value, &project) != STORE_OK ||
            auth_key_create(s, project, opts[1].value, opts[3].value, opts[4].value, secret, &k) != STORE_OK) {
            fprintf(stderr, "orgpulse keys create: could not store the key\n");
            store_close(s);
            return 1;
        }
        printf("created key %s in project %s with scopes %s%s%s\n", k.id, opts[2].value, k.scopes,
               k.org_id ? " for org " : "", k.org_id ? k.org_id : "");
        printf("%s\n", secret);
        store_key_clear(&k);
        store_close(s);
        return 0;
    }
    if (strcmp(action, "list") == 0) {
        if (open_store(opts[5].value ? opts[5].value : opts[0].value, &s)) return 1;
        int64_t project;
        if (store_project_find(s, opts[2].value, &project) != STORE_OK) {
            fprintf(stderr, "orgpulse keys list: no project '%s'\n", opts[2].value);
            store_close(s);
            return 1;
        }
        printf("%-16s  %-20s  %-40s  %-12s  %-20s  %-20s  %s\n", "ID", "NAME", "SCOPES", "ORG", "CREATED",
               "LAST USED", "STATUS");
        rc = store_key_list(s, project, print_key, NULL) == STORE_OK ? 0 : 1;
        store_close(s);
        return rc;
    }
    if (strcmp(action, "revoke") == 0) {
        if (npos != 1) return fprintf(stderr, "orgpulse keys revoke: give the key ID\n"), 2;
        if (open_store(opts[5].value ? opts[5].value : opts[0].value, &s)) return 1;
        rc = store_key_revoke(s, pos[0], time_now_ms());
        store_close(s);
        if (rc == STORE_ENOTFOUND) return fprintf(stderr, "orgpulse keys revoke: no key '%s'\n", pos[0]), 1;
        if (rc != STORE_OK) return 1;
        printf("revoked key %s\n", pos[0]);
        return 0;
    }
    fprintf(stderr, "orgpulse keys: unknown action '%s'\n\n%s", action, usage);
    return 2;
}
