/*  wdm_check: check what the operator typed — a code, a year, a date, a
    word from a short list — before a command uses it, so that a typo is
    an error that names the bad value and the nearest valid ones (Chinese
    first, English alongside) rather than an empty listing.  `wdmon` and
    wdm_resp call it; the codes and years come from the database.  */

#ifndef WDM_CHECK_H_INCLUDED
#define WDM_CHECK_H_INCLUDED

#include "wdm_date.h"

#include <libpq-fe.h>
#include <stddef.h>

//  What a check came to: the value is valid, refused (message names it
//  and the nearest valid ones), or the database failed (message says why).
//  wdm_resp's changes come to the same three, for the same reasons.
typedef enum { WDM_CHECK_OK = 0, WDM_CHECK_REFUSED = 1, WDM_CHECK_FAILED = -1 } wdm_check_result_t;

//  Append to message the codes nearest to bad among the rows of sql
//  (code, name): those whose name contains bad, that bad begins, or within
//  a few edits, closest first, at most three; when none is near and there
//  are a dozen rows or fewer, every code.  Nothing if the query fails.
void wdm_check_suggest (PGconn *conn, const char *sql, const char *bad, char *message, size_t message_size);

//  Whether value names a row of sql, whose rows are (code, name, any
//  aliases...): value is valid if it equals any column of a row, and the
//  row's code is copied to code.  On REFUSED message reads "没有<what_zh>
//  value / no <what_en> value" and the nearest codes.
wdm_check_result_t wdm_check_code (PGconn *conn, const char *sql, const char *what_zh, const char *what_en,
                                   const char *value, char *code, size_t code_size, char *message,
                                   size_t message_size);

//  Which plan a command is about: *value, a plan's code or title, points
//  at its code (copied to code); *value NULL means the current plan, and
//  none being current is REFUSED ("没有当前规划" and the plans there are).
//  The CLI, the console and the report resolve a plan only through here.
wdm_check_result_t wdm_check_plan (PGconn *conn, const char **value, char *code, size_t code_size,
                                   char *message, size_t message_size);

//  Parse text as a year and check it lies within the range range_sql
//  returns (one row: first, last) for plan ($1: a plan's code, checked
//  already; NULL: every plan's years together).  REFUSED if it is not a
//  number or lies outside, with the plan, the range and the nearest valid
//  year in message.  A command about one plan passes that plan: the years
//  of all plans together took a year of another plan, and a year the
//  command's plan has nothing for answered with no rows.
wdm_check_result_t wdm_check_year (PGconn *conn, const char *range_sql, const char *plan, const char *text,
                                   int *year, char *message, size_t message_size);

//  Parse text as a date YYYY-MM-DD that exists.  REFUSED for another form
//  or a day the month lacks (2025-02-30), naming the nearest real dates.
wdm_check_result_t wdm_check_date (const char *text, wdm_date_t *date, char *message, size_t message_size);

//  Check that value is one of words (NULL-terminated); option names the
//  option in message.
wdm_check_result_t wdm_check_word (const char *option, const char *value, const char *const *words,
                                   char *message, size_t message_size);

#endif
