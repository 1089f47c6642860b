/*  wdm_daemon: a daemon's command line and configuration.  See
    wdm_daemon.h.  */

#include "wdm_daemon.h"
#include "wdm_log.h"

#include <getopt.h>
#include <string.h>

//  The text of the "log" "level" option in config, or NULL if the table
//  has none.
static const char *
s_log_level (const wdm_option_t *options, const void *config)
{
    for (const wdm_option_t *option = options; option->key; option++)
        if (strcmp (option->section, "log") == 0 && strcmp (option->key, "level") == 0)
            return (const char *)config + option->offset;
    return NULL;
}

//  Read the command line: the config file's path into *config_path, each
//  flag's last value into values [its row] (NULL: not given).
//  WDM_DAEMON_GO_ON, or the exit code.
static int
s_parse (const char *program, const wdm_flag_t *flags, void (*usage) (FILE *), int argc, char **argv,
         const char **config_path, const char **values)
{
    struct option long_options [WDM_DAEMON_FLAGS_MAX + 3];
    char short_options [2 * WDM_DAEMON_FLAGS_MAX + 8] = "c:h";
    int count = 0;
    long_options [count++] = (struct option) { "config", required_argument, NULL, 'c' };
    long_options [count++] = (struct option) { "help", no_argument, NULL, 'h' };
    for (int i = 0; i < WDM_DAEMON_FLAGS_MAX && flags [i].name; i++) {
        long_options [count++] =
            (struct option) { flags [i].name, required_argument, NULL, flags [i].letter };
        size_t used = strlen (short_options);
        short_options [used] = flags [i].letter;
        short_options [used + 1] = ':';
        short_options [used + 2] = '\0';
    }
    long_options [count] = (struct option) { NULL, 0, NULL, 0 };
    int opt;
    while ((opt = getopt_long (argc, argv, short_options, long_options, NULL)) != -1) {
        if (opt == 'c') {
            *config_path = optarg;
            continue;
        }
        if (opt == 'h') {
            usage (stdout);
            return 0;
        }
        int i = 0;
        while (i < count - 2 && flags [i].letter != opt)
            i++;
        if (i == count - 2) {
            usage (stderr);
            return 2;
        }
        values [i] = optarg;
    }
    if (optind < argc) {
        fprintf (stderr, "%s: unexpected argument '%s'\n", program, argv [optind]);
        return 2;
    }
    return WDM_DAEMON_GO_ON;
}

int
wdm_daemon_configure (const char *program, const wdm_option_t *options, const wdm_flag_t *flags,
                      void (*usage) (FILE *), int argc, char **argv, void *config)
{
    const char *config_path = NULL, *values [WDM_DAEMON_FLAGS_MAX] = { NULL };
    int rc = s_parse (program, flags, usage, argc, argv, &config_path, values);
    if (rc != WDM_DAEMON_GO_ON)
        return rc;
    char err [WDM_CONFIG_ERR_MAX];
    int bad = wdm_config_defaults (options, config, err, sizeof err)
        || (config_path && wdm_config_load (options, config, config_path, err, sizeof err));
    for (int i = 0; !bad && i < WDM_DAEMON_FLAGS_MAX && flags [i].name; i++)
        bad = values [i]
            && wdm_config_set (options, config, flags [i].section, flags [i].key, values [i], err,
                               sizeof err);
    if (bad) {
        fprintf (stderr, "%s: %s\n", program, err);
        return 2;
    }
    const char *level_text = s_log_level (options, config);
    wdm_log_level_t level;
    if (!level_text || wdm_log_level_parse (level_text, &level)) {
        fprintf (stderr, "%s: log.level: '%s' is not error, warn, info or debug\n", program,
                 level_text ? level_text : "");
        return 2;
    }
    wdm_log_init (program, level, NULL);
    return WDM_DAEMON_GO_ON;
}
