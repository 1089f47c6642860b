/*  wdm_utf8: strict UTF-8 checking for text that enters wdmon from outside
    (record fields, notes, file lines).  */

#ifndef WDM_UTF8_H_INCLUDED
#define WDM_UTF8_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  True if the len bytes at text are well-formed UTF-8 — no overlong forms,
//  no surrogates, nothing above U+10FFFF — and contain no NUL byte.
bool wdm_utf8_valid (const char *text, size_t len);

#endif
