/*  wdm_daemon: how a daemon's main reads its configuration.  wdmon-server
    and wdmon-web take the same command line — -c/--config FILE, -h/--help
    and a few flags that each set one option of the program's table — and
    build their configuration the same way: the options' defaults, the
    file over them, the flags over that (so flags win), then log.level
    checked and logging started.  Each program keeps its own option table,
    flags and help; this is the part between.  Errors go to stderr, named
    by the program.  */

#ifndef WDM_DAEMON_H_INCLUDED
#define WDM_DAEMON_H_INCLUDED

#include "wdm_config.h"

#include <stdio.h>

//  A command-line flag that sets one option of the table: -letter VALUE
//  or --name VALUE sets section.key.
typedef struct {
    char letter;
    const char *name;
    const char *section, *key;
} wdm_flag_t;

//  Flag tables end with this row.
#define WDM_FLAG_END                                                                                         \
    {                                                                                                        \
        0, NULL, NULL, NULL                                                                                  \
    }

//  The most flags a table may have (besides -c and -h).
#define WDM_DAEMON_FLAGS_MAX 16

//  wdm_daemon_configure: the configuration is read, go on.
#define WDM_DAEMON_GO_ON (-1)

//  Read program's command line (argc, argv) and configuration into config,
//  a struct that options describes, with a "log" "level" option; start
//  logging at that level as program.  WDM_DAEMON_GO_ON, or the exit code:
//  0 after --help (usage printed to stdout), 2 for a bad command line
//  (usage to stderr), an unexpected argument, or a bad configuration
//  (said on stderr).
int wdm_daemon_configure (const char *program, const wdm_option_t *options, const wdm_flag_t *flags,
                          void (*usage) (FILE *), int argc, char **argv, void *config);

#endif
