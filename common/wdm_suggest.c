/*  wdm_suggest: the nearest valid codes.  See wdm_suggest.h.  */

#include "wdm_suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define S_SUGGESTIONS 3

int
wdm_suggest_distance (const char *a, const char *b)
{
    int row [WDM_SUGGEST_CODE_MAX + 1];
    int alen = (int)strnlen (a, WDM_SUGGEST_CODE_MAX), blen = (int)strnlen (b, WDM_SUGGEST_CODE_MAX);
    for (int j = 0; j <= blen; j++)
        row [j] = j;
    for (int i = 1; i <= alen; i++) {
        int diagonal = row [0];
        row [0] = i;
        for (int j = 1; j <= blen; j++) {
            int above = row [j];
            int same = tolower ((unsigned char)a [i - 1]) == tolower ((unsigned char)b [j - 1]);
            int best = diagonal + (same ? 0 : 1);
            if (above + 1 < best)
                best = above + 1;
            if (row [j - 1] + 1 < best)
                best = row [j - 1] + 1;
            row [j] = best;
            diagonal = above;
        }
    }
    return row [blen];
}

int
wdm_suggest_nearness (const char *bad, const char *candidate, const char *name)
{
    size_t length = strlen (bad);
    if (length > WDM_SUGGEST_CODE_MAX)
        return -1;
    int limit = (int)length / 3 > 2 ? (int)length / 3 : 2;
    int distance = *bad && name && strstr (name, bad)       ? 0
        : *bad && strncasecmp (candidate, bad, length) == 0 ? 1
                                                            : wdm_suggest_distance (candidate, bad);
    return distance > limit ? -1 : distance;
}

//  Append text to out, as much as fits.
static void
s_append (char *out, size_t out_size, const char *text)
{
    size_t used = strlen (out);
    if (used < out_size)
        snprintf (out + used, out_size - used, "%s", text);
}

//  Append candidate i to out: its code, and its name in brackets when
//  there are names.
static void
s_append_item (char *out, size_t out_size, const char *lead, const char *const *candidates,
               const char *const *names, size_t i)
{
    s_append (out, out_size, lead);
    s_append (out, out_size, candidates [i]);
    if (names) {
        s_append (out, out_size, " (");
        s_append (out, out_size, names [i]);
        s_append (out, out_size, ")");
    }
}

void
wdm_suggest_append_named (const char *bad, const char *const *candidates, const char *const *names,
                          size_t count, size_t list_all, char *out, size_t out_size)
{
    size_t best [S_SUGGESTIONS];
    int best_distance [S_SUGGESTIONS], found = 0;
    for (size_t i = 0; i < count; i++) {
        int distance = wdm_suggest_nearness (bad, candidates [i], names ? names [i] : NULL);
        if (distance < 0)
            continue;
        //  Insert in order of distance; ties keep the candidates' order.
        int at = found < S_SUGGESTIONS ? found : S_SUGGESTIONS - 1;
        if (found == S_SUGGESTIONS && distance >= best_distance [at])
            continue;
        while (at > 0 && best_distance [at - 1] > distance) {
            best [at] = best [at - 1];
            best_distance [at] = best_distance [at - 1];
            at--;
        }
        best [at] = i;
        best_distance [at] = distance;
        if (found < S_SUGGESTIONS)
            found++;
    }
    for (int i = 0; i < found; i++)
        s_append_item (out, out_size, i ? ", " : "; 相近的 / did you mean: ", candidates, names, best [i]);
    if (found == 0 && count <= list_all)
        for (size_t i = 0; i < count; i++)
            s_append_item (out, out_size, i ? ", " : "; 有效的 / valid: ", candidates, names, i);
}

void
wdm_suggest_append (const char *bad, const char *const *candidates, size_t count, size_t list_all, char *out,
                    size_t out_size)
{
    wdm_suggest_append_named (bad, candidates, NULL, count, list_all, out, out_size);
}
