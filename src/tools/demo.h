/* tools/demo.h -- the `orgpulse demo` subcommand: a deterministic generator of a realistic B2B SaaS event stream.
** Owns only this entry point; everything else about the generator is private to tools/demo.c.
** The output is NDJSON in the format of specs/events.md (one event per line), ready for `orgpulse import -`. */
#ifndef ORGPULSE_TOOLS_DEMO_H
#define ORGPULSE_TOOLS_DEMO_H

/* Run `demo [--users N] [--orgs M] [--days D] [--seed S] [--end YYYY-MM-DD] [--help]`; argv[0] is "demo".
** Writes the events to stdout and nothing else.  The same arguments always give the same bytes.
** Returns 0 on success (and for --help, which prints the usage to stdout), 2 on bad options (message on stderr),
** 1 when memory runs out or stdout cannot be written (message on stderr). */
int demo_main(int argc, char **argv);

#endif /* ORGPULSE_TOOLS_DEMO_H */
