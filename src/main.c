/* main.c: the orgpulse binary: dispatches to a subcommand (serve, keys, import, demo). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tools/demo.h"

static const char usage[] =
    "orgpulse: a self-hosted user and organization insights server\n"
    "\n"
    "usage: orgpulse <command> [options]   (orgpulse <command> --help for each)\n"
    "  serve    serve the HTTP API and dashboard\n"
    "  keys     create, list and revoke API keys\n"
    "  import   load an NDJSON event stream into a data directory or a running server\n"
    "  demo     write a realistic demo event stream to stdout\n"
    "  routes   print the route table (every endpoint, its method, scope and family) as JSON lines\n";

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "keys") == 0) return cli_keys(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0) return cli_import(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0) return demo_main(argc - 1, argv + 1);
    if (strcmp(cmd, "routes") == 0) return cli_routes(argc - 1, argv + 1);
    fprintf(stderr, "orgpulse: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
