/*  wdm_collector_intake: files in the inbox taken into the outbox.  Called
    from wdm_collector_run's loop (cl_intake), one file at a time.  Owns
    the inbox's files while it reads them: a file is watched until it has
    settled, read (wdm_source), its records appended and the outbox
    synced, and only then moved to done/ (bad lines to failed/, with a
    line-numbered explanation; an unreadable file to failed/ whole).  The
    intake journal (wdm_collector_journal.c) makes the move crash-safe.  */

#include "wdm_collector_int.h"
#include "wdm_clock.h"
#include "wdm_log.h"
#include "wdm_proto.h"
#include "wdm_source.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    cl_collector_t *self;
    const char *name;  //  the file's name in the inbox
    FILE *errors;      //  failed/NAME.errors.txt, opened on the first bad line
    char errors_path [2048];
    int outbox_failed;
} s_intake_t;

static int
s_on_record (void *arg, const wdm_record_t *record, int line)
{
    s_intake_t *intake = (s_intake_t *)arg;
    cl_collector_t *self = intake->self;
    self->stored.size = 0;
    uint64_t seq;
    if (cl_origin_encode (&self->stored, intake->name, line)
        || wdm_proto_record_encode (record, &self->stored)
        || wdm_outbox_append (self->outbox, self->stored.data, self->stored.size, &seq)) {
        intake->outbox_failed = 1;
        return -1;
    }
    return 0;
}

static void
s_on_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    s_intake_t *intake = (s_intake_t *)arg;
    if (!intake->errors) {
        intake->errors = fopen (intake->errors_path, "w");
        if (!intake->errors) {
            wdm_log_error ("intake: cannot write %s: %s", intake->errors_path, strerror (errno));
            return;
        }
        fprintf (intake->errors,
                 "# 未能读取的行 / lines that could not be taken\n"
                 "# 行号 line\t字段 field\t原因 reason\t原文 text\n");
    }
    fprintf (intake->errors, "%d\t%s\t%s\t%s\n", line, *field ? field : "-", message, text);
}

//  Move inbox/name to inbox/sub/name (a suffix if that exists).
void
cl_move (const char *inbox, const char *name, const char *sub)
{
    char from [2048], to [2048];
    snprintf (from, sizeof from, "%s/%s", inbox, name);
    snprintf (to, sizeof to, "%s/%s/%s", inbox, sub, name);
    struct stat st;
    for (int n = 1; stat (to, &st) == 0 && n < 1000; n++)
        snprintf (to, sizeof to, "%s/%s/%s.%d", inbox, sub, name, n);
    if (rename (from, to))
        wdm_log_error ("intake: cannot move %s to %s: %s", from, to, strerror (errno));
}

//  Move a file that cannot be read at all to failed/, with why in
//  failed/NAME.errors.txt beside it.
static void
s_fail_file (const char *inbox, const char *name, const char *why)
{
    char path [2048];
    snprintf (path, sizeof path, "%s/failed/%s.errors.txt", inbox, name);
    FILE *file = fopen (path, "w");
    if (file) {
        fprintf (file, "# 整个文件未能读取 / the whole file could not be read\n%s\n", why);
        fclose (file);
    } else
        wdm_log_error ("intake: cannot write %s: %s", path, strerror (errno));
    cl_move (inbox, name, "failed");
    wdm_log_error ("intake: %s could not be read: %s; moved to failed/", name, why);
}

//  Why a file the collector cannot read is set aside, in Chinese and
//  English: older Excel and WPS workbooks get the way to save them as
//  .xlsx.
static void
s_unreadable_kind (const char *name, char *why, size_t size)
{
    const char *dot = strrchr (name, '.');
    bool excel = dot
        && (strcasecmp (dot, ".xls") == 0 || strcasecmp (dot, ".xlsm") == 0 || strcasecmp (dot, ".et") == 0);
    if (excel)
        snprintf (why, size,
                  "不能读取%s格式的工作簿：请在Excel或WPS中“另存为”，文件类型选"
                  "“Excel工作簿(*.xlsx)”，再把该.xlsx文件放入收件箱 / "
                  "%s workbooks are not read: in Excel or WPS, choose Save As, "
                  "type \"Excel Workbook (*.xlsx)\", and drop that .xlsx file into the inbox",
                  dot, dot);
    else
        snprintf (why, size,
                  "不支持的文件类型：应为.csv、.xlsx、.jsonl、.ndjson或.json / "
                  "unknown kind of file: expected .csv, .xlsx, .jsonl, .ndjson or .json");
}

//  Take one file in.  0 done (moved to done/ or failed/), -1 the outbox
//  could not be written (the file stays).
static int
s_take_file (cl_collector_t *self, const char *name)
{
    const char *inbox = self->config->inbox;
    char path [2048], why [512] = "";
    snprintf (path, sizeof path, "%s/%s", inbox, name);
    s_intake_t intake = { self, name, NULL, "", 0 };
    snprintf (intake.errors_path, sizeof intake.errors_path, "%s/failed/%s.errors.txt", inbox, name);
    wdm_source_stats_t stats = { 0, 0, "" };
    wdm_outbox_stats_t before;
    wdm_outbox_stats (self->outbox, &before);
    if (cl_journal_write (self, name, before.next_seq)) {
        wdm_log_error ("intake: cannot write %s/.taking: %s; %s stays in the inbox", inbox, strerror (errno),
                       name);
        return -1;
    }
    int rc = wdm_source_parse_file (path, self->catalog, s_on_record, s_on_error, &intake, &stats, why,
                                    sizeof why);
    if (intake.errors)
        fclose (intake.errors);
    if (!intake.outbox_failed && wdm_outbox_sync (self->outbox) != 0)
        intake.outbox_failed = 1;
    if (intake.outbox_failed) {
        //  Nothing of this file counts as taken: it is read again later.
        wdm_outbox_rollback (self->outbox);
        unlink (intake.errors_path);
        cl_journal_clear (self);
        int64_t now = wdm_clock_ms ();
        if (now - self->intake_error_logged_ms >= 60000) {
            wdm_log_error ("intake: outbox %s cannot be written (%s): intake stopped; "
                           "%s stays in the inbox and nothing already taken is lost",
                           self->config->outbox, wdm_outbox_error (self->outbox), name);
            self->intake_error_logged_ms = now;
        }
        return -1;
    }
    if (rc != 0) {
        s_fail_file (inbox, name, why);
        cl_journal_clear (self);
        return 0;
    }
    cl_move (inbox, name, "done");
    char done [2048];
    snprintf (done, sizeof done, "%s/done", inbox);
    cl_fsync_dir (inbox);  //  the move is durable before the journal goes
    cl_fsync_dir (done);
    cl_journal_clear (self);
    if (self->intake_error_logged_ms) {
        wdm_log_info ("intake: the outbox can be written again; intake resumed");
        self->intake_error_logged_ms = 0;
    }
    if (stats.errors)
        wdm_log_warn ("intake: %s (%s): %d records taken, %d bad lines: see failed/%s.errors.txt", name,
                      stats.encoding, stats.records, stats.errors, name);
    else
        wdm_log_info ("intake: %s (%s): %d records taken", name, stats.encoding, stats.records);
    return 0;
}

//  Names the hand-off convention sets aside: hidden files (the journal,
//  `put`'s file being written), Office's lock files (~$), and files being
//  copied under a temporary name (.part, .tmp, .crdownload).
static bool
s_set_aside (const char *name)
{
    static const char *endings [] = { ".part", ".tmp", ".crdownload" };
    if (name [0] == '.' || name [0] == '~')
        return true;
    size_t len = strlen (name);
    for (size_t i = 0; i < sizeof endings / sizeof endings [0]; i++) {
        size_t ending = strlen (endings [i]);
        if (len >= ending && strcasecmp (name + len - ending, endings [i]) == 0)
            return true;
    }
    return false;
}

//  True if the file has looked the same — size, inode, modification time
//  — for settle_ms: a file still being copied in, in one write or several,
//  is not taken half-written.
static bool
s_settled (cl_collector_t *self, const char *name, const struct stat *st, int64_t now)
{
    cl_watch_t *watch = NULL;
    for (int i = 0; i < self->watch_count && !watch; i++)
        if (strcmp (self->watches [i].name, name) == 0)
            watch = &self->watches [i];
    if (!watch) {
        if (self->watch_count == self->watch_capacity) {
            int capacity = self->watch_capacity ? self->watch_capacity * 2 : 16;
            cl_watch_t *watches = realloc (self->watches, (size_t)capacity * sizeof *watches);
            if (!watches)
                return false;  //  looked at again next time
            self->watches = watches;
            self->watch_capacity = capacity;
        }
        char *copy = strdup (name);
        if (!copy)
            return false;
        watch = &self->watches [self->watch_count++];
        *watch = (cl_watch_t) { .name = copy, .size = -1 };
    }
    watch->seen = true;
    if (watch->size != st->st_size || watch->inode != st->st_ino || watch->mtime.tv_sec != st->st_mtim.tv_sec
        || watch->mtime.tv_nsec != st->st_mtim.tv_nsec) {
        watch->size = st->st_size;
        watch->inode = st->st_ino;
        watch->mtime = st->st_mtim;
        watch->since_ms = now;
    }
    return now - watch->since_ms >= self->config->settle_ms;
}

//  Forget a file, or (name NULL) every file not seen at this look.
static void
s_forget (cl_collector_t *self, const char *name)
{
    int kept = 0;
    for (int i = 0; i < self->watch_count; i++) {
        cl_watch_t *watch = &self->watches [i];
        if (name ? strcmp (watch->name, name) == 0 : !watch->seen)
            free (watch->name);
        else {
            watch->seen = false;
            self->watches [kept++] = *watch;
        }
    }
    self->watch_count = kept;
}

//  Take in the oldest settled file of the inbox (by name), if any.  Sets
//  inbox_empty when there was none; settling counts the files that are
//  there but not settled yet.
void
cl_intake (cl_collector_t *self)
{
    const char *inbox = self->config->inbox;
    DIR *dir = opendir (inbox);
    if (!dir) {
        wdm_log_error ("intake: cannot read inbox %s: %s", inbox, strerror (errno));
        self->inbox_empty = 1;
        return;
    }
    char *first = NULL;
    int others = 0;
    int64_t now = wdm_clock_ms ();
    self->settling = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (s_set_aside (entry->d_name))
            continue;
        char path [2048];
        snprintf (path, sizeof path, "%s/%s", inbox, entry->d_name);
        struct stat st;
        if (stat (path, &st) || !S_ISREG (st.st_mode))
            continue;
        if (!s_settled (self, entry->d_name, &st, now)) {
            self->settling++;
            continue;
        }
        wdm_source_format_t format;
        if (wdm_source_format_from_name (entry->d_name, &format)) {
            char why [1024];
            s_unreadable_kind (entry->d_name, why, sizeof why);
            s_fail_file (inbox, entry->d_name, why);
            continue;
        }
        if (!first || strcmp (entry->d_name, first) < 0) {
            free (first);
            first = strdup (entry->d_name);
        }
        others++;
    }
    closedir (dir);
    s_forget (self, NULL);
    self->inbox_empty = first == NULL;
    if (first) {
        s_forget (self, first);  //  a new file of that name is watched afresh
        if (s_take_file (self, first))
            self->intake_paused_until_ms = wdm_clock_ms () + self->config->scan_ms;
        else if (others == 1)
            self->inbox_empty = 1;
    }
    free (first);
}
