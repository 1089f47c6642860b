/*  wdm_suggest: the nearest valid codes to a mistyped one, so that an
    error can say "did you mean" (相近的).  Pure functions over strings:
    wdm_yaml uses them for keys and words, the server's checks for codes
    the database holds.  */

#ifndef WDM_SUGGEST_H_INCLUDED
#define WDM_SUGGEST_H_INCLUDED

#include <stddef.h>

//  Codes longer than this are compared by their first WDM_SUGGEST_CODE_MAX
//  bytes (codes are at most 64 characters: sql/001).
#define WDM_SUGGEST_CODE_MAX 64

//  Edit distance between a and b, case-insensitive, each cut to
//  WDM_SUGGEST_CODE_MAX bytes.
int wdm_suggest_distance (const char *a, const char *b);

//  How near candidate is to bad: 0 when bad is a part of name (NULL: no
//  name), 1 when candidate begins with bad, else the edit distance; -1
//  when it is too far to suggest (more than a third of bad's length, at
//  least 2).
int wdm_suggest_nearness (const char *bad, const char *candidate, const char *name);

//  Append to out (a C string of out_size bytes, as much as fits) the
//  candidates nearest to bad, closest first, at most three, as
//  "; 相近的 / did you mean: a, b"; when none is near and there are
//  list_all candidates or fewer, every one as "; 有效的 / valid: a, b, c".
//  Nothing when count is 0.
void wdm_suggest_append (const char *bad, const char *const *candidates, size_t count, size_t list_all,
                         char *out, size_t out_size);

//  As wdm_suggest_append, for candidates that have names (names [i] is
//  candidates [i]'s, as the database holds them): bad found in a name
//  makes its candidate nearest, and each is shown as "code (name)".
//  names NULL: wdm_suggest_append.
void wdm_suggest_append_named (const char *bad, const char *const *candidates, const char *const *names,
                               size_t count, size_t list_all, char *out, size_t out_size);

#endif
