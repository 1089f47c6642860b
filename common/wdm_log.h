/*  wdm_log: the one log module of wdmon's programs.

    Programs (server, collector, CLI) log through it; library code in
    common/ returns errors and does not log.  Lines go to stderr, one per
    event: an ISO-8601 UTC timestamp, the level, the program name, the text.
    The macros test the level before any formatting is done.  */

#ifndef WDM_LOG_H_INCLUDED
#define WDM_LOG_H_INCLUDED

#include <stdio.h>

typedef enum { WDM_LOG_ERROR = 0, WDM_LOG_WARN = 1, WDM_LOG_INFO = 2, WDM_LOG_DEBUG = 3 } wdm_log_level_t;

//  Name the program in every line and set the threshold; a NULL stream
//  means stderr.  Call once at start-up, before any thread is started.
void wdm_log_init (const char *program, wdm_log_level_t level, FILE *stream);

//  Parse "error", "warn", "info" or "debug".  0 and *level set, or -1.
int wdm_log_level_parse (const char *name, wdm_log_level_t *level);

//  Current threshold; the macros compare against it.
wdm_log_level_t wdm_log_level (void);

//  Format and write one line.  Use the macros below instead.
void wdm_log_write (wdm_log_level_t level, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

#define WDM_LOG_AT(lvl, ...)                                                                                 \
    do {                                                                                                     \
        if ((lvl) <= wdm_log_level ())                                                                       \
            wdm_log_write ((lvl), __VA_ARGS__);                                                              \
    } while (0)
#define wdm_log_error(...) WDM_LOG_AT (WDM_LOG_ERROR, __VA_ARGS__)
#define wdm_log_warn(...)  WDM_LOG_AT (WDM_LOG_WARN, __VA_ARGS__)
#define wdm_log_info(...)  WDM_LOG_AT (WDM_LOG_INFO, __VA_ARGS__)
#define wdm_log_debug(...) WDM_LOG_AT (WDM_LOG_DEBUG, __VA_ARGS__)

#endif
