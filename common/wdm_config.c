/*  wdm_config: option tables over inih.  See wdm_config.h.  */

#include "wdm_config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const wdm_option_t *
s_find (const wdm_option_t *table, const char *section, const char *key)
{
    for (const wdm_option_t *opt = table; opt->key; opt++)
        if (strcmp (opt->section, section) == 0 && strcmp (opt->key, key) == 0)
            return opt;
    return NULL;
}

static int
s_parse_bool (const char *text, int *value)
{
    static const char *yes [] = { "1", "true", "yes", "on" };
    static const char *no [] = { "0", "false", "no", "off" };
    for (int i = 0; i < 4; i++) {
        if (strcasecmp (text, yes [i]) == 0) {
            *value = 1;
            return 0;
        }
        if (strcasecmp (text, no [i]) == 0) {
            *value = 0;
            return 0;
        }
    }
    return -1;
}

static int
s_apply (const wdm_option_t *opt, void *target, const char *value, char *err, size_t err_size)
{
    char *field = (char *)target + opt->offset;
    if (!value)
        value = "";
    switch (opt->type) {
        case WDM_OPT_STRING: {
            size_t len = strlen (value);
            if (len >= opt->size) {
                snprintf (err, err_size, "%s.%s: value is %zu bytes, at most %zu allowed", opt->section,
                          opt->key, len, opt->size - 1);
                return -1;
            }
            memcpy (field, value, len + 1);
            return 0;
        }
        case WDM_OPT_INT: {
            char *end = NULL;
            errno = 0;
            long number = strtol (value, &end, 10);
            if (*value == '\0' || *end != '\0' || errno == ERANGE) {
                snprintf (err, err_size, "%s.%s: '%s' is not a whole number", opt->section, opt->key, value);
                return -1;
            }
            if (number < opt->min || number > opt->max) {
                snprintf (err, err_size, "%s.%s: %ld is outside %ld..%ld", opt->section, opt->key, number,
                          opt->min, opt->max);
                return -1;
            }
            memcpy (field, &number, sizeof number);
            return 0;
        }
        case WDM_OPT_BOOL: {
            int flag = 0;
            if (s_parse_bool (value, &flag)) {
                snprintf (err, err_size, "%s.%s: '%s' is not true or false", opt->section, opt->key, value);
                return -1;
            }
            memcpy (field, &flag, sizeof flag);
            return 0;
        }
    }
    return -1;
}

int
wdm_config_defaults (const wdm_option_t *table, void *target, char *err, size_t err_size)
{
    for (const wdm_option_t *opt = table; opt->key; opt++) {
        const char *dflt = opt->dflt;
        if (!dflt)
            dflt = opt->type == WDM_OPT_STRING ? "" : "0";
        if (s_apply (opt, target, dflt, err, err_size))
            return -1;
    }
    return 0;
}

int
wdm_config_set (const wdm_option_t *table, void *target, const char *section, const char *key,
                const char *value, char *err, size_t err_size)
{
    const wdm_option_t *opt = s_find (table, section, key);
    if (!opt) {
        snprintf (err, err_size, "%s.%s: unknown option", section, key);
        return -1;
    }
    return s_apply (opt, target, value, err, err_size);
}

typedef struct {
    const wdm_option_t *table;
    void *target;
    FILE *file;
    int line;         //  lines read so far
    int failed_line;  //  line of the first bad option, or 0
    char *err;
    size_t err_size;
} s_load_t;

//  inih reads through this, so that we know the line a bad key is on.
static char *
s_reader (char *buffer, int size, void *stream)
{
    s_load_t *load = (s_load_t *)stream;
    char *line = fgets (buffer, size, load->file);
    if (line)
        load->line++;
    return line;
}

static int
s_handler (void *user, const char *section, const char *key, const char *value)
{
    s_load_t *load = (s_load_t *)user;
    if (load->failed_line)
        return 0;
    if (wdm_config_set (load->table, load->target, section, key, value, load->err, load->err_size)) {
        load->failed_line = load->line;
        return 0;
    }
    return 1;
}

int
wdm_config_load (const wdm_option_t *table, void *target, const char *path, char *err, size_t err_size)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
        return -1;
    }
    char detail [WDM_CONFIG_ERR_MAX] = "";
    s_load_t load = { table, target, file, 0, 0, detail, sizeof detail };
    int line = ini_parse_stream (s_reader, &load, s_handler, &load);
    fclose (file);
    if (line == 0)
        return 0;
    //  inih returns the first line with an error, of syntax or of ours.
    if (line < 0)
        snprintf (err, err_size, "%s: could not be read", path);
    else if (line == load.failed_line)
        snprintf (err, err_size, "%s:%d: %s", path, line, detail);
    else
        snprintf (err, err_size, "%s:%d: not a valid INI line", path, line);
    return -1;
}
