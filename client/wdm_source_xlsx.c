/*  wdm_source_xlsx: Excel workbooks (.xlsx) read into records — filled
    templates from `wdmon template`, and plain sheets with the CSV's
    columns.  Called by wdm_source_parse (sr_xlsx_parse).  libzip opens
    the container, expat reads each XML part as a stream; nothing here
    parses zip or XML by hand.

    The workbook is found through the relationships, as Excel and WPS
    Office both allow: _rels/.rels names the workbook part, its own .rels
    names the sheets, the shared strings and the styles (WPS may write
    none of the shared strings, using inline strings, and may name parts
    differently).  Each sheet is read row by row; its header row is the
    first row holding a column name (title rows above it, merged or not,
    are passed over); a sheet with no header in its first SX_HEADER_ROWS
    rows holds no data (an instructions sheet) and is skipped.  Rows then
    go through the same fields and the same checks as a CSV line
    (sr_build, sr_deliver).

    A workbook is someone else's file: every size is capped before it is
    used.  Entry names that climb out of the archive (../x, /x, C:\x) are
    refused; a part's size is read from the zip directory and refused over
    its cap before a byte is inflated, and reading stops at the cap
    whatever the directory said; an XML part with a DOCTYPE (where entity
    expansion lives) is refused; rows, cells and string lengths are
    capped.  Memory is the shared strings (at most SX_STRINGS_MAX bytes of
    part) plus one row.  Owns the archive, the strings and the row.  The
    rows of a sheet are made records in wdm_source_xlsx_sheet.c
    (wdm_source_xlsx_int.h).  */

#include "wdm_source_xlsx_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------
//  Refusing the workbook

//  The workbook cannot be read: say why once, and stop the XML parse in
//  progress.
void
sx_refuse (sx_book_t *self, const char *format, ...)
{
    if (!self->refused) {
        char message [SR_MESSAGE_MAX];
        va_list args;
        va_start (args, format);
        vsnprintf (message, sizeof message, format, args);
        va_end (args);
        sr_why (self->reader, "%s", message);
        self->refused = true;
    }
    if (self->parser)
        XML_StopParser (self->parser, XML_FALSE);
}

//  An element's local name: expat, made namespace-aware, gives "uri name".
static const char *
s_local (const char *name)
{
    const char *space = strrchr (name, ' ');
    return space ? space + 1 : name;
}

//  An attribute's value by local name, or NULL.
const char *
sx_attr (const char **attrs, const char *name)
{
    for (size_t i = 0; attrs [i]; i += 2)
        if (strcmp (s_local (attrs [i]), name) == 0)
            return attrs [i + 1];
    return NULL;
}

//  A whole number in an attribute, 0 to INT_MAX; -1 for anything else
//  (atoi's overflow would be undefined).
int
sx_whole (const char *text)
{
    char *end;
    errno = 0;
    long value = strtol (text, &end, 10);
    if (end == text || *end || errno || value < 0 || value > INT_MAX)
        return -1;
    return (int)value;
}

//  ---------------------------------------------------------------------
//  Entry names

//  An entry name a workbook may hold: no climbing out (..), no absolute
//  path or drive, no backslash, not empty.
static bool
s_safe_name (const char *name)
{
    if (!*name || name [0] == '/' || strchr (name, '\\') || strchr (name, ':'))
        return false;
    for (const char *p = name; *p;) {
        const char *slash = strchr (p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen (p);
        if (len == 2 && p [0] == '.' && p [1] == '.')
            return false;
        p += len + (slash ? 1 : 0);
    }
    return true;
}

//  Resolve a relationship's target against the folder base (no trailing
//  slash; "" for the root): "/x" is from the root, "." and ".." are
//  folded.  0, or -1 if it climbs out of the archive or is too long.
static int
s_resolve (const char *base, const char *target, char *name, size_t size)
{
    char joined [SX_NAME_MAX * 2];
    if (target [0] == '/')
        snprintf (joined, sizeof joined, "%s", target + 1);
    else if (*base)
        snprintf (joined, sizeof joined, "%s/%s", base, target);
    else
        snprintf (joined, sizeof joined, "%s", target);
    size_t used = 0;
    name [0] = '\0';
    for (char *p = joined; *p;) {
        char *slash = strchr (p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen (p);
        if (len == 2 && p [0] == '.' && p [1] == '.') {
            if (used == 0)
                return -1;
            while (used > 0 && name [used - 1] != '/')
                used--;
            if (used > 0)
                used--;
            name [used] = '\0';
        } else if (len > 0 && !(len == 1 && p [0] == '.')) {
            if (used + len + 2 > size)
                return -1;
            if (used)
                name [used++] = '/';
            memcpy (name + used, p, len);
            used += len;
            name [used] = '\0';
        }
        p += len + (slash ? 1 : 0);
    }
    return used ? 0 : -1;
}

//  ---------------------------------------------------------------------
//  Text gathered between tags

static void XMLCALL
s_on_text (void *arg, const XML_Char *text, int len)
{
    sx_book_t *self = (sx_book_t *)arg;
    if (!self->gathering || self->refused)
        return;
    for (int i = 0; i < len; i++)
        if (((unsigned char)text [i] & 0xC0) != 0x80)
            self->text_chars++;
    if (self->text_chars > SX_TEXT_MAX) {
        sx_refuse (self,
                   "%s中有文本超过%d个字符（Excel单元格的上限） / %s holds a text longer than %d characters "
                   "(an Excel cell's limit)",
                   self->part, SX_TEXT_MAX, self->part, SX_TEXT_MAX);
        return;
    }
    if (wdm_buf_add (&self->text, text, (size_t)len))
        sx_refuse (self, "内存不足 / out of memory");
}

//  Refuse a DOCTYPE: no workbook needs one, and entity expansion (the
//  "billion laughs") lives in it.
static void XMLCALL
s_on_doctype (void *arg, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
    sx_book_t *self = (sx_book_t *)arg;
    sx_refuse (self,
               "%s含有DOCTYPE声明（可能是实体膨胀攻击），拒绝读取 / %s has a DOCTYPE declaration "
               "(where entity expansion attacks live): refused",
               self->part, self->part);
}

//  ---------------------------------------------------------------------
//  Relationships (_rels/.rels, xl/_rels/workbook.xml.rels)

static void
s_rels_start (sx_book_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "Relationship") != 0)
        return;
    const char *id = sx_attr (attrs, "Id"), *type = sx_attr (attrs, "Type"),
               *target = sx_attr (attrs, "Target");
    const char *mode = sx_attr (attrs, "TargetMode");
    if (!id || !type || !target || (mode && strcmp (mode, "External") == 0))
        return;
    if (self->rel_count == self->rels_size) {
        if (self->rels_size >= 1024)
            return;  //  no workbook has more; the rest cannot matter
        size_t size = self->rels_size ? self->rels_size * 2 : 16;
        sx_rel_t *rels = realloc (self->rels, size * sizeof *rels);
        if (!rels) {
            sx_refuse (self, "内存不足 / out of memory");
            return;
        }
        self->rels = rels;
        self->rels_size = size;
    }
    sx_rel_t *rel = &self->rels [self->rel_count];
    snprintf (rel->id, sizeof rel->id, "%s", id);
    const char *word = strrchr (type, '/');
    snprintf (rel->type, sizeof rel->type, "%s", word ? word + 1 : type);
    if (s_resolve (self->rels_base, target, rel->target, sizeof rel->target)) {
        sx_refuse (
            self,
            "%s中的目标“%.64s”指向压缩包之外，拒绝读取 / %s has a target '%.64s' outside the archive: refused",
            self->part, target, self->part, target);
        return;
    }
    self->rel_count++;
}

//  The target of the first relationship of a type (its last word), or
//  of the id when id is not NULL.
static const char *
s_rel_find (const sx_book_t *self, const char *type, const char *id)
{
    for (size_t i = 0; i < self->rel_count; i++)
        if (id ? strcmp (self->rels [i].id, id) == 0 : strcmp (self->rels [i].type, type) == 0)
            return self->rels [i].target;
    return NULL;
}

//  ---------------------------------------------------------------------
//  The workbook part: the sheets, in order

static void
s_workbook_start (sx_book_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "sheet") != 0)
        return;
    if (self->sheet_count == SX_SHEETS_MAX) {
        sx_refuse (self, "工作表超过%d个 / more than %d sheets", SX_SHEETS_MAX, SX_SHEETS_MAX);
        return;
    }
    const char *sheet = sx_attr (attrs, "name"), *rid = sx_attr (attrs, "id");
    if (!rid)
        return;
    sx_sheet_ref_t *ref = &self->sheets [self->sheet_count++];
    snprintf (ref->name, sizeof ref->name, "%s", sheet ? sheet : "?");
    snprintf (ref->rid, sizeof ref->rid, "%s", rid);
}

//  ---------------------------------------------------------------------
//  Shared strings: <si> holds a <t>, or rich runs <r><t>; <rPh> is
//  phonetic guidance not part of the text

static void
s_strings_start (sx_book_t *self, const char *name)
{
    if (strcmp (name, "si") == 0) {
        self->in_si = true;
        wdm_buf_reset (&self->text);
        self->text_chars = 0;
    } else if (strcmp (name, "rPh") == 0)
        self->in_rph = true;
    else if (strcmp (name, "t") == 0 && self->in_si && !self->in_rph)
        self->gathering = true;
}

static void
s_strings_end (sx_book_t *self, const char *name)
{
    if (strcmp (name, "t") == 0)
        self->gathering = false;
    else if (strcmp (name, "rPh") == 0)
        self->in_rph = false;
    else if (strcmp (name, "si") == 0 && self->in_si) {
        self->in_si = false;
        if (self->string_count == self->string_at_size) {
            size_t size = self->string_at_size ? self->string_at_size * 2 : 256;
            size_t *at = realloc (self->string_at, size * sizeof *at);
            if (!at) {
                sx_refuse (self, "内存不足 / out of memory");
                return;
            }
            self->string_at = at;
            self->string_at_size = size;
        }
        self->string_at [self->string_count++] = self->strings.size;
        if (wdm_buf_add (&self->strings, self->text.data ? self->text.data : "", self->text.size + 1))
            sx_refuse (self, "内存不足 / out of memory");
    }
}

//  ---------------------------------------------------------------------
//  Styles: a number shown as a date is a date

//  Whether text starts with word (lower case), ignoring ASCII case.
static bool
s_starts_word (const char *text, const char *word)
{
    for (; *word; text++, word++) {
        char c = (*text >= 'A' && *text <= 'Z') ? (char)(*text - 'A' + 'a') : *text;
        if (c != *word)
            return false;
    }
    return true;
}

//  A custom number format that shows a date: a year or day (y, d), or a
//  month (m) without hours or seconds, outside quotes, brackets and
//  escapes.  "General" (LibreOffice writes it as a custom format), an
//  exponent (0.00E+00) and a duration ([h]:mm:ss) are not dates.
static bool
s_date_format (const char *code)
{
    bool quoted = false, bracket = false, year_or_day = false, month = false, time = false;
    for (const char *p = code; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (s_starts_word (p, "general"))
            p += strlen ("general") - 1;
        else if ((*p == '\\' || *p == '_' || *p == '*') && p [1])
            p++;  //  an escaped character, a space as wide as it, a fill
        else if (*p == '[')
            bracket = true;
        else if (*p == ']')
            bracket = false;
        else if (bracket)
            time = time || strchr ("hHsS", *p);
        else if (strchr ("yYdD", *p))
            year_or_day = true;
        else if (*p == 'm' || *p == 'M')
            month = true;
        else if (strchr ("hHsS", *p))
            time = true;
    }
    return year_or_day || (month && !time);
}

static bool
s_date_id (const sx_book_t *self, int id)
{
    if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58))
        return true;  //  the built-in date formats, Chinese ones included
    for (size_t i = 0; i < self->custom_date_count; i++)
        if (self->custom_dates [i] == id)
            return true;
    return false;
}

static void
s_styles_start (sx_book_t *self, const char *name, const char **attrs)
{
    if (strcmp (name, "numFmt") == 0) {
        const char *id = sx_attr (attrs, "numFmtId"), *code = sx_attr (attrs, "formatCode");
        if (id && code && s_date_format (code)
            && self->custom_date_count < sizeof self->custom_dates / sizeof self->custom_dates [0])
            self->custom_dates [self->custom_date_count++] = sx_whole (id);
    } else if (strcmp (name, "cellXfs") == 0)
        self->in_cellxfs = true;
    else if (strcmp (name, "xf") == 0 && self->in_cellxfs) {
        if (self->style_count >= 65536)
            return;
        bool *styles = realloc (self->date_style, (self->style_count + 1) * sizeof *styles);
        if (!styles) {
            sx_refuse (self, "内存不足 / out of memory");
            return;
        }
        self->date_style = styles;
        const char *id = sx_attr (attrs, "numFmtId");
        self->date_style [self->style_count++] = id && s_date_id (self, sx_whole (id));
    }
}

//  ---------------------------------------------------------------------
//  Parts through expat

static void XMLCALL
s_on_start (void *arg, const XML_Char *qname, const XML_Char **attrs)
{
    sx_book_t *self = (sx_book_t *)arg;
    if (self->refused)
        return;
    const char *name = s_local (qname);
    switch (self->kind) {
        case SX_RELS: s_rels_start (self, name, attrs); break;
        case SX_WORKBOOK: s_workbook_start (self, name, attrs); break;
        case SX_STRINGS: s_strings_start (self, name); break;
        case SX_STYLES: s_styles_start (self, name, attrs); break;
        case SX_SHEET: sx_sheet_start (self, name, attrs); break;
    }
}

static void XMLCALL
s_on_end (void *arg, const XML_Char *qname)
{
    sx_book_t *self = (sx_book_t *)arg;
    if (self->refused)
        return;
    const char *name = s_local (qname);
    if (self->kind == SX_STRINGS)
        s_strings_end (self, name);
    else if (self->kind == SX_SHEET)
        sx_sheet_end (self, name);
    else if (self->kind == SX_STYLES && strcmp (name, "cellXfs") == 0)
        self->in_cellxfs = false;
}

//  Read the part named entry as kind.  0; 1 if there is no such part
//  and it is optional; -1 refused (why said).
static int
s_part (sx_book_t *self, const char *entry, sx_part_kind_t kind, bool optional)
{
    int rc = -1;
    zip_file_t *file = NULL;
    char *chunk = NULL;
    self->part = entry;
    self->kind = kind;
    self->in_si = self->in_rph = self->gathering = false;
    zip_int64_t index = zip_name_locate (self->zip, entry, 0);
    if (index < 0)
        index = zip_name_locate (self->zip, entry, ZIP_FL_NOCASE);
    if (index < 0) {
        if (optional)
            return 1;
        sx_refuse (self, "不是Excel工作簿：缺少部件%s / not an Excel workbook: the part %s is missing", entry,
                   entry);
        return -1;
    }
    //  The sizes the directory gives, checked before a byte is inflated.
    zip_stat_t st;
    zip_stat_init (&st);
    if (zip_stat_index (self->zip, (zip_uint64_t)index, 0, &st) || !(st.valid & ZIP_STAT_SIZE)) {
        sx_refuse (self, "无法读取部件%s的大小 / cannot read the size of the part %s", entry, entry);
        return -1;
    }
    zip_uint64_t cap = kind == SX_STRINGS ? SX_STRINGS_MAX : SX_PART_MAX;
    if (st.size > cap) {
        sx_refuse (
            self,
            "部件%s解压后有%llu字节，超过上限%llu字节（可能是压缩炸弹），拒绝读取 / the part %s is %llu bytes "
            "uncompressed, over the limit of %llu (a zip bomb?): refused",
            entry, (unsigned long long)st.size, (unsigned long long)cap, entry, (unsigned long long)st.size,
            (unsigned long long)cap);
        return -1;
    }
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.size > ((zip_uint64_t)1 << 20)
        && st.size / (st.comp_size ? st.comp_size : 1) > SX_RATIO_MAX) {
        sx_refuse (
            self,
            "部件%s的压缩比超过%d:1（可能是压缩炸弹），拒绝读取 / the part %s inflates more than %d times "
            "(a zip bomb?): refused",
            entry, SX_RATIO_MAX, entry, SX_RATIO_MAX);
        return -1;
    }
    file = zip_fopen_index (self->zip, (zip_uint64_t)index, 0);
    chunk = malloc (SX_CHUNK);
    self->parser = XML_ParserCreateNS (NULL, ' ');
    if (!file || !chunk || !self->parser) {
        //  libzip makes an error's text anew at each call and frees the
        //  last: asked once, it is read once
        const char *cause = zip_strerror (self->zip);
        sx_refuse (self, "无法打开部件%s：%s / cannot open the part %s: %s", entry, cause, entry, cause);
        goto cleanup;
    }
    XML_SetUserData (self->parser, self);
    XML_SetElementHandler (self->parser, s_on_start, s_on_end);
    XML_SetCharacterDataHandler (self->parser, s_on_text);
    XML_SetStartDoctypeDeclHandler (self->parser, s_on_doctype);
    XML_SetParamEntityParsing (self->parser, XML_PARAM_ENTITY_PARSING_NEVER);
    zip_uint64_t total = 0;
    for (;;) {
        zip_int64_t got = zip_fread (file, chunk, SX_CHUNK);
        if (got < 0) {
            const char *cause = zip_file_strerror (file);
            sx_refuse (self, "部件%s已损坏：%s / the part %s is damaged: %s", entry, cause, entry, cause);
            goto cleanup;
        }
        total += (zip_uint64_t)got;
        if (total > cap) {  //  the directory lied
            sx_refuse (
                self,
                "部件%s解压后超过上限%llu字节，拒绝读取 / the part %s inflates past the limit of %llu bytes: refused",
                entry, (unsigned long long)cap, entry, (unsigned long long)cap);
            goto cleanup;
        }
        if (XML_Parse (self->parser, chunk, (int)got, got == 0) != XML_STATUS_OK) {
            if (!self->refused)
                sx_refuse (
                    self,
                    "部件%s的XML有误（第%lu行）：%s / the part %s is not well-formed XML (line %lu): %s",
                    entry, (unsigned long)XML_GetCurrentLineNumber (self->parser),
                    XML_ErrorString (XML_GetErrorCode (self->parser)), entry,
                    (unsigned long)XML_GetCurrentLineNumber (self->parser),
                    XML_ErrorString (XML_GetErrorCode (self->parser)));
            goto cleanup;
        }
        if (self->refused || self->reader->stopped)
            goto cleanup;
        if (got == 0)
            break;
    }
    rc = 0;
cleanup:
    if (self->parser)
        XML_ParserFree (self->parser);
    self->parser = NULL;
    if (file)
        zip_fclose (file);
    free (chunk);
    self->gathering = false;
    return self->refused || self->reader->stopped ? -1 : rc;
}

//  Read the relationships of the part named source ("" for the package).
static int
s_rels (sx_book_t *self, const char *source)
{
    char entry [SX_NAME_MAX + 16];
    const char *slash = strrchr (source, '/');
    size_t dir = slash ? (size_t)(slash - source) : 0;
    snprintf (entry, sizeof entry, "%.*s%s_rels/%s.rels", (int)dir, source, dir ? "/" : "",
              slash ? slash + 1 : source);
    snprintf (self->rels_base, sizeof self->rels_base, "%.*s", (int)dir, source);
    self->rel_count = 0;
    return s_part (self, entry, SX_RELS, false);
}

//  Every entry's name is checked before anything is read.
static int
s_check_entries (sx_book_t *self)
{
    zip_int64_t count = zip_get_num_entries (self->zip, 0);
    if (count > SX_ENTRIES_MAX) {
        sx_refuse (self, "压缩包条目超过%d个 / the archive has more than %d entries", SX_ENTRIES_MAX,
                   SX_ENTRIES_MAX);
        return -1;
    }
    for (zip_int64_t i = 0; i < count; i++) {
        const char *name = zip_get_name (self->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name || !s_safe_name (name)) {
            char shown [SR_SHOWN_MAX];
            sr_cut (name ? name : "?", name ? strlen (name) : 1, shown, sizeof shown);
            sx_refuse (
                self,
                "压缩包含有不安全的条目名“%s”（路径穿越），拒绝读取 / the archive has an unsafe entry name '%s' "
                "(path traversal): refused",
                shown, shown);
            return -1;
        }
    }
    return 0;
}

//  Read each sheet of the workbook.
static void
s_read (sx_book_t *self)
{
    if (s_check_entries (self) || s_rels (self, ""))
        return;
    const char *found = s_rel_find (self, "officeDocument", NULL);
    if (!found) {
        sx_refuse (self,
                   "不是Excel工作簿：没有主文档关系 / not an Excel workbook: no officeDocument relationship");
        return;
    }
    char workbook [SX_NAME_MAX];
    snprintf (workbook, sizeof workbook, "%s", found);
    if (s_rels (self, workbook))
        return;
    char strings [SX_NAME_MAX] = "", styles [SX_NAME_MAX] = "";
    if ((found = s_rel_find (self, "sharedStrings", NULL)))
        snprintf (strings, sizeof strings, "%s", found);
    if ((found = s_rel_find (self, "styles", NULL)))
        snprintf (styles, sizeof styles, "%s", found);
    if (s_part (self, workbook, SX_WORKBOOK, false) < 0)
        return;
    if (*strings && s_part (self, strings, SX_STRINGS, true) < 0)
        return;
    if (*styles && s_part (self, styles, SX_STYLES, true) < 0)
        return;
    for (size_t i = 0; i < self->sheet_count; i++) {
        const char *target = s_rel_find (self, NULL, self->sheets [i].rid);
        if (!target)
            continue;
        char part [SX_NAME_MAX];
        snprintf (part, sizeof part, "%s", target);
        self->sheet = self->sheets [i].name;
        self->have_header = false;
        self->is_form = false;
        self->row = self->last_row = 0;
        memset (self->header_letters, 0, sizeof self->header_letters);
        if (s_part (self, part, SX_SHEET, false) < 0)
            return;
    }
    if (!self->any_header)
        sx_refuse (
            self,
            "没有表头行：没有哪个工作表的前%d行列出列名，如指标代码、地区代码、年份、数值 / no header row: no sheet "
            "names the columns (e.g. indicator, area, year, value) in its first %d rows",
            SX_HEADER_ROWS, SX_HEADER_ROWS);
}

void
sr_xlsx_parse (sr_reader_t *reader, const char *data, size_t size)
{
    sx_book_t self = { .reader = reader };
    zip_error_t error;
    zip_error_init (&error);
    zip_source_t *source = zip_source_buffer_create (data, size, 0, &error);
    if (source)
        self.zip = zip_open_from_source (source, ZIP_RDONLY, &error);
    if (!self.zip) {
        const char *cause = zip_error_strerror (&error);
        sx_refuse (&self, "不是有效的.xlsx文件（%s） / not a valid .xlsx file (%s)", cause, cause);
        if (source)
            zip_source_free (source);
    } else
        s_read (&self);
    if (self.zip)
        zip_discard (self.zip);  //  frees the source
    zip_error_fini (&error);
    free (self.rels);
    free (self.string_at);
    free (self.date_style);
    wdm_buf_free (&self.strings);
    wdm_buf_free (&self.text);
    wdm_buf_free (&self.row_text);
}
