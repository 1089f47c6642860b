/*  wdm_log: levelled, timestamped lines on stderr (or a given stream).
    State is set once by wdm_log_init before threads start, then only read. */

#include "wdm_log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_program = "wdmon";
static wdm_log_level_t s_level = WDM_LOG_INFO;
static FILE *s_stream = NULL;

static const char *s_level_names [] = { "error", "warn", "info", "debug" };

void
wdm_log_init (const char *program, wdm_log_level_t level, FILE *stream)
{
    s_program = program ? program : "wdmon";
    s_level = level;
    s_stream = stream;
}

int
wdm_log_level_parse (const char *name, wdm_log_level_t *level)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp (name, s_level_names [i]) == 0) {
            *level = (wdm_log_level_t)i;
            return 0;
        }
    return -1;
}

wdm_log_level_t
wdm_log_level (void)
{
    return s_level;
}

void
wdm_log_write (wdm_log_level_t level, const char *format, ...)
{
    FILE *out = s_stream ? s_stream : stderr;
    struct timeval now;
    gettimeofday (&now, NULL);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);

    //  One buffer, one write: lines from several threads do not interleave.
    char line [2048];
    int len = snprintf (line, sizeof line, "%s.%03dZ %-5s %s: ", stamp, (int)(now.tv_usec / 1000),
                        s_level_names [level], s_program);
    va_list args;
    va_start (args, format);
    if (len >= 0 && (size_t)len < sizeof line)
        len += vsnprintf (line + len, sizeof line - len, format, args);
    va_end (args);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof line - 1)
        len = sizeof line - 2;  //  truncated: keep the newline
    //  One event, one line: messages from libraries (libpq's errors end in
    //  a newline and may span several) are folded.
    while (len > 0 && (line [len - 1] == '\n' || line [len - 1] == ' '))
        len--;
    for (int i = 0; i < len; i++)
        if (line [i] == '\n' || line [i] == '\r' || line [i] == '\t')
            line [i] = ' ';
    line [len++] = '\n';
    fwrite (line, 1, (size_t)len, out);
    fflush (out);
}
