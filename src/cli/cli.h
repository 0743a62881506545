/* cli.h: the orgpulse command line: option parsing shared by every subcommand, and the subcommands themselves
 * (serve, keys, import; demo lives in tools/demo.c). Each subcommand returns the process exit code. */
#ifndef ORGPULSE_CLI_CLI_H
#define ORGPULSE_CLI_CLI_H

#include <stddef.h>

typedef struct cli_opt {
    const char *name;  /* "--data" */
    const char *env;   /* environment variable giving the default, or NULL */
    const char *value; /* in: default; out: the value */
    int is_flag;       /* takes no value; value becomes "1" */
} cli_opt;

/* Parse argv[1..] ( argv[0] is the subcommand name): `--name value`, `--name=value`, positionals.
 * Returns 0, 1 when --help was asked (usage printed to stdout), or 2 on a bad option (message on stderr). */
int cli_parse(int argc, char **argv, cli_opt *opts, size_t nopts, const char **positional, int max_positional,
              int *npositional, const char *usage);
/* Parse a non-negative integer option; returns 0 or prints an error and returns 2. */
int cli_parse_size(const char *name, const char *value, size_t min, size_t max, size_t *out);

int cli_serve(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_routes(int argc, char **argv);

/* Take the data directory's lock (DIR/orgpulse.lock) so a server and an offline import never share it.
 * Returns the lock's file descriptor, or -1 (message on stderr). */
int cli_lock_data_dir(const char *dir);

#endif
