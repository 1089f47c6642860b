/*  wdm_config: load a program's INI configuration through one option table.

    Each program declares a table of options: section, key, type, default,
    limits, and the offset of the field it fills in the program's own
    config struct.  wdm_config_defaults fills every field with its default,
    wdm_config_load reads an INI file over them (inih parses), and
    wdm_config_set applies one value, as a command-line flag does.  Unknown
    keys, bad numbers and out-of-range values are errors that name the
    file, line, section and key.  Nothing here prints.  */

#ifndef WDM_CONFIG_H_INCLUDED
#define WDM_CONFIG_H_INCLUDED

#include <stddef.h>

typedef enum {
    WDM_OPT_STRING,  //  char array of `size` bytes, NUL-terminated
    WDM_OPT_INT,     //  long, within [min, max]
    WDM_OPT_BOOL     //  int, 0 or 1: true/false, yes/no, on/off, 1/0
} wdm_opt_type_t;

typedef struct {
    const char *section;
    const char *key;
    wdm_opt_type_t type;
    const char *dflt;  //  default, as text; NULL means empty/0
    long min, max;     //  for WDM_OPT_INT
    size_t offset;     //  offsetof the field in the target struct
    size_t size;       //  sizeof the field (string capacity)
    const char *help;  //  one line for --help and the sample config
} wdm_option_t;

//  Table rows end with an entry whose key is NULL.
#define WDM_OPTION_END                                                                                       \
    {                                                                                                        \
        NULL, NULL, WDM_OPT_STRING, NULL, 0, 0, 0, 0, NULL                                                   \
    }

//  Room for an error message from the functions below.
#define WDM_CONFIG_ERR_MAX 256

//  Fill every field of target with its default.  0, or -1 if a default in
//  the table itself is invalid (a programmer error, described in err).
int wdm_config_defaults (const wdm_option_t *table, void *target, char *err, size_t err_size);

//  Set one option from text.  0, or -1 with err naming section.key and why
//  (unknown key, not a number, out of range, too long, not a boolean).
int wdm_config_set (const wdm_option_t *table, void *target, const char *section, const char *key,
                    const char *value, char *err, size_t err_size);

//  A setting that comes from a command-line flag; programs collect these
//  while parsing their flags and apply them after the file, so flags win.
typedef struct {
    const char *section;
    const char *key;
    const char *value;
} wdm_setting_t;

//  Read an INI file over target (call wdm_config_defaults first).  0, or -1
//  with err naming the file, line and the first bad key, or why the file
//  could not be read.  On -1 target may be partly updated: discard it.
int wdm_config_load (const wdm_option_t *table, void *target, const char *path, char *err, size_t err_size);

#endif
