/* cli.c: option parsing for every subcommand (see cli.h), and the data-directory lock. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_parse(int argc, char **argv, cli_opt *opts, size_t nopts, const char **positional, int max_positional,
              int *npositional, const char *usage) {
    *npositional = 0;
    for (size_t i = 0; i < nopts; i++) {
        const char *env = opts[i].env ? getenv(opts[i].env) : NULL;
        if (env && *env) opts[i].value = env;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "-") == 0) {
            if (*npositional >= max_positional) {
                fprintf(stderr, "orgpulse %s: unexpected argument '%s'\n\n%s", argv[0], a, usage);
                return 2;
            }
            positional[(*npositional)++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        cli_opt *o = NULL;
        for (size_t k = 0; k < nopts; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, a, len) == 0) o = &opts[k];
        if (!o) {
            fprintf(stderr, "orgpulse %s: unknown option '%.*s'\n\n%s", argv[0], (int)len, a, usage);
            return 2;
        }
        if (o->is_flag) {
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            fprintf(stderr, "orgpulse %s: option %s needs a value\n", argv[0], o->name);
            return 2;
        }
    }
    return 0;
}

int cli_parse_size(const char *name, const char *value, size_t min, size_t max, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = value ? strtoull(value, &end, 10) : 0;
    if (!value || !*value || *end || errno || value[0] == '-' || v < min || v > max) {
        fprintf(stderr, "orgpulse: %s must be a whole number from %zu to %zu\n", name, min, max);
        return 2;
    }
    *out = (size_t)v;
    return 0;
}

int cli_lock_data_dir(const char *dir) {
    mkdir(dir, 0700);
    char path[4096];
    snprintf(path, sizeof path, "%s/orgpulse.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "orgpulse: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "orgpulse: %s is in use by another orgpulse process (a running server?)\n", dir);
        close(fd);
        return -1;
    }
    return fd;
}
