/*  wdm_collector: intake from the inbox, delivery from the outbox.  See
    wdm_collector.h.  One thread; the ZeroMQ socket is polled between
    pieces of intake so replies are never left waiting for long.  */

#include "wdm_collector.h"
#include "wdm_clock.h"
#include "wdm_crc32.h"
#include "wdm_keys.h"
#include "wdm_log.h"
#include "wdm_monitor.h"
#include "wdm_outbox.h"
#include "wdm_proto.h"
#include "wdm_source.h"

#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_BODY_LIMIT (900 * 1024)       //  stop filling a batch here (frame max 1 MiB)
#define S_BACKOFF_MIN_MS 200
#define S_BACKOFF_MAX_MS 30000
#define S_HANDSHAKE_MS 5000             //  a CURVE handshake not done by then is dropped

//  A batch sent and not yet answered.
typedef struct {
    uint64_t batch_no;
    uint64_t *seqs;                     //  count seqs, in order
    uint32_t count;
    msgpack_sbuffer body;               //  kept to write refused records aside
    int64_t sent_ms;
    int64_t sent_us;                    //  for the acknowledgement time
    uint32_t *lines;                    //  count source lines; 0: not known
    uint32_t *name_at;                  //  count offsets into names; UINT32_MAX: none
    msgpack_sbuffer names;              //  source file names, each NUL-terminated
} s_flight_t;

//  A record's outbox payload: its queued form (wdm_proto_record_encode),
//  after an origin when the collector knows it — S_ORIGIN_MARK, the line
//  (4 bytes, big-endian), the file name's length (1 byte) and the name —
//  so that a record the centre refuses can be traced to its file and line.
//  A queued form never starts with the mark (its first byte counts its
//  fields, at most 12), so payloads written before origins still read.
#define S_ORIGIN_MARK 0xFF

//  Acknowledgement time, from sending a batch to its reply, in buckets
//  with these upper bounds (ms); the last bucket is everything above.
static const double s_ack_bounds [] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000 };
#define S_ACK_BUCKETS (int) (sizeof s_ack_bounds / sizeof s_ack_bounds [0] + 1)

//  A file in the inbox as last seen: it is taken once it has looked the
//  same for settle_ms.
typedef struct {
    char *name;
    off_t size;
    ino_t inode;
    struct timespec mtime;
    int64_t since_ms;                   //  when it was first seen looking so
    bool seen;                          //  at the look in progress
} s_watch_t;

typedef struct {
    const wdm_collector_config_t *config;
    wdm_outbox_t *outbox;
    wdm_catalog_t *catalog;
    void *ctx, *dealer;
    void *monitor;                      //  the dealer's connection events
    int monitor_serial;
    char link_state [200];              //  what the last connection event said
    char server_key [WDM_KEY_Z85], public_key [WDM_KEY_Z85], secret_key [WDM_KEY_Z85];
    s_flight_t *flights;                //  max_in_flight slots
    int flying;                         //  slots in use
    uint64_t next_batch_no;
    int64_t retry_at_ms;                //  send nothing before this
    int backoff_ms;
    int rewind_pending;                 //  resend from the first unacknowledged
    int64_t intake_paused_until_ms;     //  after the outbox could not be written
    int64_t intake_error_logged_ms;     //  when that was last said: once a minute is enough
    int64_t next_scan_ms, next_status_ms;
    int inbox_empty;
    uint64_t delivered, rejected, sent_batches;
    uint64_t ack_buckets [S_ACK_BUCKETS], ack_count;
    double ack_sum_ms, ack_max_ms;
    int64_t last_reply_ms;
    time_t last_delivery;
    msgpack_sbuffer stored;             //  one record's payload, reused
    char *scratch;                      //  records gathered for a batch
    size_t scratch_size, scratch_capacity;
    s_watch_t *watches;                 //  inbox files waiting to settle
    int watch_count, watch_capacity;
    int settling;                       //  files seen at the last look, not yet settled
} s_collector_t;

//  --- Catalog ---------------------------------------------------------------------

//  An indicator's bodies, from its "bodies" array.  A catalog.json from
//  before bodies were exported has none: any body is let through, for the
//  centre to check.
static int
s_load_bodies (const char *path, const char *code, const json_t *bodies,
               wdm_indicator_t *indicator)
{
    if (!bodies) {
        indicator->bodies_unknown = true;
        return 0;
    }
    size_t index;
    const json_t *body;
    if (!json_is_array (bodies) || json_array_size (bodies) > WDM_BODIES_MAX) {
        wdm_log_error ("catalog: %s: indicator %s: bodies must be a list of at most %d names",
                       path, code, WDM_BODIES_MAX);
        return -1;
    }
    json_array_foreach (bodies, index, body) {
        const char *name = json_string_value (body);
        if (!name || !*name || strlen (name) >= WDM_CODE_MAX) {
            wdm_log_error ("catalog: %s: indicator %s: body %zu is not a usable name",
                           path, code, index);
            return -1;
        }
        strcpy (indicator->bodies [indicator->body_count++], name);
    }
    return 0;
}

wdm_catalog_t *
wdm_collector_load_catalog (const char *path)
{
    json_error_t error;
    json_t *root = json_load_file (path, 0, &error);
    if (!root) {
        wdm_log_error ("catalog: %s:%d: %s", path, error.line, error.text);
        return NULL;
    }
    wdm_catalog_t *catalog = NULL;
    json_t *indicators = json_object_get (root, "indicators");
    json_int_t first = json_integer_value (json_object_get (root, "first_year"));
    json_int_t last = json_integer_value (json_object_get (root, "last_year"));
    if (!json_is_array (indicators) || first <= 0 || last < first) {
        wdm_log_error ("catalog: %s: not a wdmon catalog (no indicators or years)", path);
        goto cleanup;
    }
    catalog = wdm_catalog_new ((int) first, (int) last);
    size_t index;
    json_t *item;
    json_array_foreach (indicators, index, item) {
        wdm_indicator_t indicator = { .frequency = WDM_FREQ_YEAR };
        const char *code = json_string_value (json_object_get (item, "code"));
        const char *frequency = json_string_value (json_object_get (item, "frequency"));
        json_t *min = json_object_get (item, "value_min"), *max = json_object_get (item, "value_max");
        if (!catalog || !code || strlen (code) >= sizeof indicator.code) {
            wdm_log_error ("catalog: %s: indicator %zu has no usable code", path, index);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
        strcpy (indicator.code, code);
        indicator.scale = json_number_value (json_object_get (item, "scale"));
        indicator.has_min = json_is_number (min);
        indicator.value_min = json_number_value (min);
        indicator.has_max = json_is_number (max);
        indicator.value_max = json_number_value (max);
        indicator.by_sex = json_is_true (json_object_get (item, "by_sex"));
        if (s_load_bodies (path, code, json_object_get (item, "bodies"), &indicator)) {
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
        if (frequency && strcmp (frequency, "quarter") == 0)
            indicator.frequency = WDM_FREQ_QUARTER;
        else
        if (frequency && strcmp (frequency, "month") == 0)
            indicator.frequency = WDM_FREQ_MONTH;
        if (wdm_catalog_add (catalog, &indicator)) {
            wdm_log_error ("catalog: %s: indicator %s appears twice", path, code);
            wdm_catalog_destroy (&catalog);
            goto cleanup;
        }
    }
cleanup:
    json_decref (root);
    return catalog;
}

//  --- Intake ----------------------------------------------------------------------

typedef struct {
    s_collector_t *self;
    const char *name;                   //  the file's name in the inbox
    FILE *errors;                       //  failed/NAME.errors.txt, opened on the first bad line
    char errors_path [2048];
    int outbox_failed;
} s_intake_t;

//  Append a record's origin to a payload.  0, or -1 if memory is short.
static int
s_origin_encode (msgpack_sbuffer *out, const char *name, int line)
{
    size_t len = strlen (name);
    if (len > 255)
        len = 255;                      //  no file name is longer
    uint32_t at = line > 0 ? (uint32_t) line : 0;
    uint8_t head [6] = { S_ORIGIN_MARK, (uint8_t) (at >> 24), (uint8_t) (at >> 16),
                         (uint8_t) (at >> 8), (uint8_t) at, (uint8_t) len };
    return msgpack_sbuffer_write (out, (const char *) head, sizeof head)
        || msgpack_sbuffer_write (out, name, len) ? -1 : 0;
}

//  Split a payload into its origin (name of *name_len bytes, not
//  NUL-terminated, and line; none: NULL and 0) and its queued form.
static void
s_origin_split (const uint8_t *payload, size_t size, const char **name, size_t *name_len,
                uint32_t *line, const uint8_t **stored, size_t *stored_size)
{
    *name = NULL;
    *name_len = 0;
    *line = 0;
    *stored = payload;
    *stored_size = size;
    if (size < 6 || payload [0] != S_ORIGIN_MARK || size < 6 + (size_t) payload [5])
        return;
    *line = (uint32_t) payload [1] << 24 | (uint32_t) payload [2] << 16
          | (uint32_t) payload [3] << 8 | payload [4];
    *name = (const char *) payload + 6;
    *name_len = payload [5];
    *stored = payload + 6 + *name_len;
    *stored_size = size - 6 - *name_len;
}

static int
s_on_record (void *arg, const wdm_record_t *record, int line)
{
    s_intake_t *intake = (s_intake_t *) arg;
    s_collector_t *self = intake->self;
    self->stored.size = 0;
    uint64_t seq;
    if (s_origin_encode (&self->stored, intake->name, line)
    ||  wdm_proto_record_encode (record, &self->stored)
    ||  wdm_outbox_append (self->outbox, self->stored.data, self->stored.size, &seq)) {
        intake->outbox_failed = 1;
        return -1;
    }
    return 0;
}

static void
s_on_error (void *arg, int line, const char *field, const char *message, const char *text)
{
    s_intake_t *intake = (s_intake_t *) arg;
    if (!intake->errors) {
        intake->errors = fopen (intake->errors_path, "w");
        if (!intake->errors) {
            wdm_log_error ("intake: cannot write %s: %s", intake->errors_path, strerror (errno));
            return;
        }
        fprintf (intake->errors, "# 未能读取的行 / lines that could not be taken\n"
                                 "# 行号 line\t字段 field\t原因 reason\t原文 text\n");
    }
    fprintf (intake->errors, "%d\t%s\t%s\t%s\n", line, *field ? field : "-", message, text);
}

//  Move inbox/name to inbox/sub/name (a suffix if that exists).
static void
s_move (const char *inbox, const char *name, const char *sub)
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
    }
    else
        wdm_log_error ("intake: cannot write %s: %s", path, strerror (errno));
    s_move (inbox, name, "failed");
    wdm_log_error ("intake: %s could not be read: %s; moved to failed/", name, why);
}

//  Why a file the collector cannot read is set aside, in Chinese and
//  English: Excel workbooks get the way to save them as CSV.
static void
s_unreadable_kind (const char *name, char *why, size_t size)
{
    const char *dot = strrchr (name, '.');
    bool excel = dot && (strcasecmp (dot, ".xlsx") == 0 || strcasecmp (dot, ".xls") == 0
                      || strcasecmp (dot, ".xlsm") == 0 || strcasecmp (dot, ".et") == 0);
    if (excel)
        snprintf (why, size, "尚不能读取Excel工作簿（%s）：请在Excel中“另存为”，文件类型选"
                             "“CSV UTF-8（逗号分隔）(*.csv)”，再把该CSV文件放入收件箱 / "
                             "Excel workbooks (%s) are not read yet: in Excel, choose Save As, "
                             "type \"CSV UTF-8 (Comma delimited) (*.csv)\", and drop that CSV file "
                             "into the inbox", dot, dot);
    else
        snprintf (why, size, "不支持的文件类型：应为.csv、.jsonl、.ndjson或.json / "
                             "unknown kind of file: expected .csv, .jsonl, .ndjson or .json");
}

//  --- The intake journal ---------------------------------------------------------
//
//  A crash between the outbox's sync and the file's move to done/ would
//  leave a file whose records are already taken waiting in the inbox: read
//  again, they would be sent twice under new seqs.  So before a file is
//  read, inbox/.taking names it with the first seq its records get; at
//  start, a journal naming a file still in the inbox says whether its
//  records made it into the outbox (the outbox's next seq moved past the
//  first) and so whether the file is done or must be read again.

static int
s_fsync_dir (const char *path)
{
    int fd = open (path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    close (fd);
    return rc;
}

//  The journal's path: inbox/.taking.
static void
s_journal_path (const s_collector_t *self, char *path, size_t size)
{
    snprintf (path, size, "%s/.taking", self->config->inbox);
}

static int
s_journal_write (s_collector_t *self, const char *name, uint64_t first_seq)
{
    char path [2048], temp [2100];
    s_journal_path (self, path, sizeof path);
    snprintf (temp, sizeof temp, "%s.tmp", path);
    FILE *file = fopen (temp, "w");
    if (!file)
        return -1;
    int rc = fprintf (file, "%s\n%llu\n", name, (unsigned long long) first_seq) < 0
          || fflush (file) || fsync (fileno (file));
    if (fclose (file) || rc || rename (temp, path) || s_fsync_dir (self->config->inbox))
        return -1;
    return 0;
}

static void
s_journal_clear (s_collector_t *self)
{
    char path [2048];
    s_journal_path (self, path, sizeof path);
    unlink (path);
}

//  At start: finish what a crash interrupted.
static void
s_journal_recover (s_collector_t *self)
{
    char path [2048], name [1024] = "";
    unsigned long long first = 0;
    s_journal_path (self, path, sizeof path);
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    int got = fscanf (file, "%1023[^\n]\n%llu", name, &first);
    fclose (file);
    char file_path [2100];
    snprintf (file_path, sizeof file_path, "%s/%s", self->config->inbox, name);
    struct stat st;
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (self->outbox, &stats);
    if (got == 2 && stat (file_path, &st) == 0) {
        if (stats.next_seq > first) {
            wdm_log_warn ("intake: %s had been taken in (records from seq %llu) when the "
                          "collector stopped; moving it to done/, not reading it again", name, first);
            s_move (self->config->inbox, name, "done");
            s_fsync_dir (self->config->inbox);
        }
        else
            wdm_log_warn ("intake: %s was being taken in when the collector stopped; "
                          "nothing of it was kept, so it is read again", name);
    }
    unlink (path);
}

//  Take one file in.  0 done (moved to done/ or failed/), -1 the outbox
//  could not be written (the file stays).
static int
s_take_file (s_collector_t *self, const char *name)
{
    const char *inbox = self->config->inbox;
    char path [2048], why [512] = "";
    snprintf (path, sizeof path, "%s/%s", inbox, name);
    s_intake_t intake = { self, name, NULL, "", 0 };
    snprintf (intake.errors_path, sizeof intake.errors_path, "%s/failed/%s.errors.txt", inbox, name);
    wdm_source_stats_t stats = { 0, 0, "" };
    wdm_outbox_stats_t before;
    wdm_outbox_stats (self->outbox, &before);
    if (s_journal_write (self, name, before.next_seq)) {
        wdm_log_error ("intake: cannot write %s/.taking: %s; %s stays in the inbox",
                       inbox, strerror (errno), name);
        return -1;
    }
    int rc = wdm_source_parse_file (path, self->catalog, s_on_record, s_on_error, &intake,
                                    &stats, why, sizeof why);
    if (intake.errors)
        fclose (intake.errors);
    if (!intake.outbox_failed && wdm_outbox_sync (self->outbox) != 0)
        intake.outbox_failed = 1;
    if (intake.outbox_failed) {
        //  Nothing of this file counts as taken: it is read again later.
        wdm_outbox_rollback (self->outbox);
        unlink (intake.errors_path);
        s_journal_clear (self);
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
        s_journal_clear (self);
        return 0;
    }
    s_move (inbox, name, "done");
    char done [2048];
    snprintf (done, sizeof done, "%s/done", inbox);
    s_fsync_dir (inbox);                //  the move is durable before the journal goes
    s_fsync_dir (done);
    s_journal_clear (self);
    if (self->intake_error_logged_ms) {
        wdm_log_info ("intake: the outbox can be written again; intake resumed");
        self->intake_error_logged_ms = 0;
    }
    if (stats.errors)
        wdm_log_warn ("intake: %s (%s): %d records taken, %d bad lines: see failed/%s.errors.txt",
                      name, stats.encoding, stats.records, stats.errors, name);
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
s_settled (s_collector_t *self, const char *name, const struct stat *st, int64_t now)
{
    s_watch_t *watch = NULL;
    for (int i = 0; i < self->watch_count && !watch; i++)
        if (strcmp (self->watches [i].name, name) == 0)
            watch = &self->watches [i];
    if (!watch) {
        if (self->watch_count == self->watch_capacity) {
            int capacity = self->watch_capacity ? self->watch_capacity * 2 : 16;
            s_watch_t *watches = realloc (self->watches, (size_t) capacity * sizeof *watches);
            if (!watches)
                return false;           //  looked at again next time
            self->watches = watches;
            self->watch_capacity = capacity;
        }
        char *copy = strdup (name);
        if (!copy)
            return false;
        watch = &self->watches [self->watch_count++];
        *watch = (s_watch_t) { .name = copy, .size = -1 };
    }
    watch->seen = true;
    if (watch->size != st->st_size || watch->inode != st->st_ino
    ||  watch->mtime.tv_sec != st->st_mtim.tv_sec || watch->mtime.tv_nsec != st->st_mtim.tv_nsec) {
        watch->size = st->st_size;
        watch->inode = st->st_ino;
        watch->mtime = st->st_mtim;
        watch->since_ms = now;
    }
    return now - watch->since_ms >= self->config->settle_ms;
}

//  Forget a file, or (name NULL) every file not seen at this look.
static void
s_forget (s_collector_t *self, const char *name)
{
    int kept = 0;
    for (int i = 0; i < self->watch_count; i++) {
        s_watch_t *watch = &self->watches [i];
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
static void
s_intake (s_collector_t *self)
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
        s_forget (self, first);         //  a new file of that name is watched afresh
        if (s_take_file (self, first))
            self->intake_paused_until_ms = wdm_clock_ms () + self->config->scan_ms;
        else
        if (others == 1)
            self->inbox_empty = 1;
    }
    free (first);
}

//  --- Delivery --------------------------------------------------------------------

//  Watch the dealer's connections: a key the centre refuses, or a wrong
//  server key, must be said in the log and in `status`, not left silent.
static void
s_monitor (s_collector_t *self)
{
    if (self->monitor)
        zmq_close (self->monitor);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://wdm-collector-monitor-%d", ++self->monitor_serial);
    self->monitor = NULL;
    if (zmq_socket_monitor (self->dealer, endpoint,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                          | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                          | ZMQ_EVENT_DISCONNECTED) == 0) {
        self->monitor = zmq_socket (self->ctx, ZMQ_PAIR);
        if (self->monitor && zmq_connect (self->monitor, endpoint)) {
            zmq_close (self->monitor);
            self->monitor = NULL;
        }
    }
}

static void
s_link_state (s_collector_t *self, int level, const char *state)
{
    if (strcmp (self->link_state, state) == 0)
        return;                         //  said once per change
    snprintf (self->link_state, sizeof self->link_state, "%s", state);
    if (level == WDM_LOG_ERROR)
        wdm_log_error ("delivery: %s", state);
    else
        wdm_log_info ("delivery: %s", state);
}

static void
s_monitor_event (s_collector_t *self)
{
    uint16_t event;
    uint32_t value;
    if (wdm_monitor_read (self->monitor, &event, &value) == 0) {
        char state [200];
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            s_link_state (self, WDM_LOG_INFO, "connected to the centre");
        else
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            snprintf (state, sizeof state, "the centre refused this unit's key (ZAP %u): %s", value,
                      value == 300 ? "its database is unavailable; retrying"
                                   : "the key is unknown or revoked; ask the centre for a new bundle");
            s_link_state (self, WDM_LOG_ERROR, state);
        }
        else
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
            s_link_state (self, WDM_LOG_ERROR, "the CURVE handshake with the centre failed "
                          "(its database may be unavailable, or server.pub is not the centre's "
                          "public key); retrying");
        else
        if (event == ZMQ_EVENT_DISCONNECTED && strcmp (self->link_state, "connected to the centre") == 0)
            s_link_state (self, WDM_LOG_INFO, "disconnected from the centre; reconnecting");
    }
}

static int
s_connect (s_collector_t *self)
{
    if (self->dealer) {
        zmq_socket_monitor (self->dealer, NULL, 0);
        zmq_close (self->dealer);
    }
    self->dealer = zmq_socket (self->ctx, ZMQ_DEALER);
    //  The handshake is bounded: while the centre's database is away its
    //  ZAP handler answers 300, and libzmq 4.3 then may leave the connection
    //  half-open, neither refused nor closed, until this timer ends it and
    //  the socket reconnects (its default, 30 s, stalled delivery that long
    //  after the database was back).
    int linger = 0, ivl = 10000, timeout = 30000, reconnect = 500, reconnect_max = 10000;
    int handshake = S_HANDSHAKE_MS;
    int64_t max_size = WDM_PROTO_MAX_BODY;
    if (!self->dealer
    ||  zmq_setsockopt (self->dealer, ZMQ_LINGER, &linger, sizeof linger)
    ||  zmq_setsockopt (self->dealer, ZMQ_CURVE_SERVERKEY, self->server_key, 40)
    ||  zmq_setsockopt (self->dealer, ZMQ_CURVE_PUBLICKEY, self->public_key, 40)
    ||  zmq_setsockopt (self->dealer, ZMQ_CURVE_SECRETKEY, self->secret_key, 40)
    ||  zmq_setsockopt (self->dealer, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size)
    ||  zmq_setsockopt (self->dealer, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl)
    ||  zmq_setsockopt (self->dealer, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout)
    ||  zmq_setsockopt (self->dealer, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect)
    ||  zmq_setsockopt (self->dealer, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max)
    ||  zmq_setsockopt (self->dealer, ZMQ_HANDSHAKE_IVL, &handshake, sizeof handshake)) {
        wdm_log_error ("delivery: cannot set up the socket: %s", zmq_strerror (zmq_errno ()));
        return -1;
    }
    s_monitor (self);                   //  before connecting: see the first handshake too
    if (zmq_connect (self->dealer, self->config->endpoint)) {
        wdm_log_error ("delivery: cannot connect to %s: %s", self->config->endpoint,
                       zmq_strerror (zmq_errno ()));
        return -1;
    }
    return 0;
}

static void
s_flight_clear (s_flight_t *flight)
{
    free (flight->seqs);
    flight->seqs = NULL;
    free (flight->lines);
    free (flight->name_at);
    msgpack_sbuffer_destroy (&flight->names);
    msgpack_sbuffer_destroy (&flight->body);
    memset (flight, 0, sizeof *flight);
}

//  Wait before the next attempt, twice as long as before the last one.
//  Once per attempt: the other batches of an attempt that was refused or
//  timed out (up to max_in_flight answers of 503 in a row) neither double
//  the wait again nor push it further out.
static void
s_back_off (s_collector_t *self)
{
    if (self->rewind_pending)
        return;                         //  this attempt has backed off already
    self->retry_at_ms = wdm_clock_ms () + self->backoff_ms;
    self->backoff_ms = self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
    self->rewind_pending = 1;
}

//  Gather up to batch_size records into scratch: [seq u64][size u32][bytes].
static uint32_t
s_gather (s_collector_t *self)
{
    self->scratch_size = 0;
    uint32_t count = 0;
    while (count < (uint32_t) self->config->batch_size && self->scratch_size < S_BODY_LIMIT) {
        uint64_t seq;
        const void *payload;
        size_t size;
        int rc = wdm_outbox_next (self->outbox, &seq, &payload, &size);
        if (rc < 0)
            wdm_log_error ("delivery: outbox: %s", wdm_outbox_error (self->outbox));
        if (rc != 1)
            break;
        size_t need = self->scratch_size + 12 + size;
        if (need > self->scratch_capacity) {
            size_t capacity = self->scratch_capacity ? self->scratch_capacity * 2 : 65536;
            while (capacity < need)
                capacity *= 2;
            char *scratch = realloc (self->scratch, capacity);
            if (!scratch)
                break;
            self->scratch = scratch;
            self->scratch_capacity = capacity;
        }
        uint32_t size32 = (uint32_t) size;
        memcpy (self->scratch + self->scratch_size, &seq, 8);
        memcpy (self->scratch + self->scratch_size + 8, &size32, 4);
        memcpy (self->scratch + self->scratch_size + 12, payload, size);
        self->scratch_size = need;
        count++;
    }
    return count;
}

//  Keep a record's file name with its flight, once for a run of records
//  from one file.  Its offset in names, or UINT32_MAX for none.
static uint32_t
s_flight_name (s_flight_t *flight, const char *name, size_t len)
{
    if (!name)
        return UINT32_MAX;
    const char *names = flight->names.data;
    size_t size = flight->names.size;
    if (size > 0) {
        //  The last name kept starts after the NUL before the final one.
        size_t last = size - 1;
        while (last > 0 && names [last - 1] != '\0')
            last--;
        if (size - 1 - last == len && memcmp (names + last, name, len) == 0)
            return (uint32_t) last;
    }
    if (msgpack_sbuffer_write (&flight->names, name, len)
    ||  msgpack_sbuffer_write (&flight->names, "", 1))
        return UINT32_MAX;
    return (uint32_t) size;
}

//  Send batches while there is room in flight and records to send.
static void
s_send_batches (s_collector_t *self)
{
    int64_t now = wdm_clock_ms ();
    if (now < self->retry_at_ms)
        return;
    if (self->rewind_pending) {
        if (self->flying)
            return;                     //  let the answers in flight come home first
        wdm_outbox_rewind (self->outbox);
        self->rewind_pending = 0;
    }
    while (self->flying < self->config->max_in_flight) {
        uint32_t count = s_gather (self);
        if (count == 0)
            return;
        s_flight_t *flight = NULL;
        for (int i = 0; i < self->config->max_in_flight && !flight; i++)
            if (!self->flights [i].seqs)
                flight = &self->flights [i];
        flight->seqs = malloc (count * sizeof *flight->seqs);
        flight->lines = malloc (count * sizeof *flight->lines);
        flight->name_at = malloc (count * sizeof *flight->name_at);
        msgpack_sbuffer_init (&flight->body);
        msgpack_sbuffer_init (&flight->names);
        if (!flight->seqs || !flight->lines || !flight->name_at) {
            s_flight_clear (flight);
            return;
        }
        msgpack_packer pk;
        msgpack_packer_init (&pk, &flight->body, msgpack_sbuffer_write);
        wdm_proto_batch_begin (&pk, wdm_outbox_epoch (self->outbox), count);
        size_t at = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint64_t seq;
            uint32_t size;
            memcpy (&seq, self->scratch + at, 8);
            memcpy (&size, self->scratch + at + 8, 4);
            const char *name;
            size_t name_len, stored_size;
            const uint8_t *stored;
            s_origin_split ((const uint8_t *) self->scratch + at + 12, size, &name, &name_len,
                            &flight->lines [i], &stored, &stored_size);
            wdm_proto_batch_add (&pk, seq, stored, stored_size);
            flight->seqs [i] = seq;
            flight->name_at [i] = s_flight_name (flight, name, name_len);
            at += 12 + size;
        }
        flight->count = count;
        flight->batch_no = self->next_batch_no++;
        flight->sent_ms = now;
        flight->sent_us = wdm_clock_us ();
        wdm_proto_header_t head = { WDM_PROTO_VERSION, WDM_PROTO_BATCH, flight->batch_no, count,
                                    wdm_crc32 (0, flight->body.data, flight->body.size) };
        uint8_t header [WDM_PROTO_HEADER_SIZE];
        wdm_proto_header_encode (&head, header);
        if (zmq_send (self->dealer, header, sizeof header, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        ||  zmq_send (self->dealer, flight->body.data, flight->body.size, ZMQ_DONTWAIT) < 0) {
            //  Not connected yet (or the pipe is full): try again later.
            s_flight_clear (flight);
            s_back_off (self);
            return;
        }
        self->flying++;
        self->sent_batches++;
    }
}

//  Acknowledge a flight's seqs, as contiguous ranges.
static int
s_ack (s_collector_t *self, const s_flight_t *flight)
{
    uint32_t i = 0;
    while (i < flight->count) {
        uint32_t k = i;
        while (k + 1 < flight->count && flight->seqs [k + 1] == flight->seqs [k] + 1)
            k++;
        if (wdm_outbox_ack (self->outbox, flight->seqs [i], flight->seqs [k])) {
            wdm_log_error ("delivery: outbox: %s", wdm_outbox_error (self->outbox));
            return -1;
        }
        i = k + 1;
    }
    return 0;
}

//  Write refused records aside, with their reasons, durably: after this
//  they leave the outbox.  code/message apply to all when rejections is NULL.
static int
s_write_rejected (s_collector_t *self, const s_flight_t *flight, const wdm_proto_reply_t *reply)
{
    FILE *file = fopen (self->config->rejected, "a");
    if (!file) {
        wdm_log_error ("delivery: cannot write %s: %s", self->config->rejected, strerror (errno));
        return -1;
    }
    wdm_proto_batch_t batch;
    char why [128];
    int decoded = wdm_proto_batch_decode ((const uint8_t *) flight->body.data, flight->body.size,
                                          flight->count, &batch, why, sizeof why) == WDM_PROTO_OK;
    time_t now = time (NULL);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime (&now));
    for (uint32_t i = 0; decoded && i < batch.count; i++) {
        const wdm_proto_item_t *item = &batch.items [i];
        const wdm_proto_rejection_t *rejection = NULL;
        for (uint32_t k = 0; reply->status == WDM_PROTO_OK && k < reply->rejected_count; k++)
            if (reply->rejected [k].seq == item->seq)
                rejection = &reply->rejected [k];
        if (reply->status == WDM_PROTO_OK && !rejection)
            continue;
        const wdm_record_t *r = &item->record;
        json_t *line = json_pack ("{s:s, s:I, s:I, s:i, s:s, s:s, s:s, s:{s:s, s:s, s:i, s:f}}",
            "time", stamp, "epoch", (json_int_t) batch.epoch, "seq", (json_int_t) item->seq,
            "code", rejection ? rejection->code : reply->status,
            "reason", wdm_proto_code_name (rejection ? rejection->code : reply->status),
            "field", rejection ? rejection->field : "",
            "message", rejection ? rejection->message : reply->message,
            "record", "indicator", r->indicator, "area", r->area, "year", r->year, "value", r->value);
        if (line) {
            json_t *record = json_object_get (line, "record");
            if (r->body [0])
                json_object_set_new (record, "body", json_string (r->body));
            if (r->sex != 'T')
                json_object_set_new (record, "sex", json_stringn (&r->sex, 1));
            if (r->note [0])
                json_object_set_new (record, "note", json_string (r->note));
            //  Where the record came from, for the unit to correct it there.
            if (i < flight->count && flight->name_at [i] != UINT32_MAX) {
                json_object_set_new (line, "file",
                                     json_string (flight->names.data + flight->name_at [i]));
                json_object_set_new (line, "line", json_integer (flight->lines [i]));
            }
            char *text = json_dumps (line, JSON_COMPACT);
            if (text) {
                fprintf (file, "%s\n", text);
                free (text);
            }
            json_decref (line);
        }
        self->rejected++;
    }
    if (decoded)
        wdm_proto_batch_clear (&batch);
    int rc = (fflush (file) == 0 && fsync (fileno (file)) == 0) ? 0 : -1;
    if (fclose (file))
        rc = -1;
    if (rc)
        wdm_log_error ("delivery: cannot write %s: %s", self->config->rejected, strerror (errno));
    return rc;
}

static void
s_handle_reply (s_collector_t *self)
{
    uint8_t header [64];
    int header_size = zmq_recv (self->dealer, header, sizeof header, 0);
    zmq_msg_t body;
    zmq_msg_init (&body);
    int more = 0;
    size_t more_size = sizeof more;
    zmq_getsockopt (self->dealer, ZMQ_RCVMORE, &more, &more_size);
    if (more)
        zmq_msg_recv (&body, self->dealer, 0);
    //  Drain anything beyond two frames.
    zmq_getsockopt (self->dealer, ZMQ_RCVMORE, &more, &more_size);
    while (more) {
        zmq_msg_t extra;
        zmq_msg_init (&extra);
        zmq_msg_recv (&extra, self->dealer, 0);
        zmq_msg_close (&extra);
        zmq_getsockopt (self->dealer, ZMQ_RCVMORE, &more, &more_size);
    }
    wdm_proto_header_t head;
    wdm_proto_reply_t reply;
    char why [128];
    if (header_size != WDM_PROTO_HEADER_SIZE
    ||  wdm_proto_header_decode (header, (size_t) header_size, &head) != WDM_PROTO_OK
    ||  head.type != WDM_PROTO_REPLY
    ||  head.checksum != wdm_crc32 (0, zmq_msg_data (&body), zmq_msg_size (&body))
    ||  wdm_proto_reply_decode (zmq_msg_data (&body), zmq_msg_size (&body), &reply,
                                why, sizeof why)) {
        wdm_log_warn ("delivery: ignored a reply that could not be read");
        zmq_msg_close (&body);
        return;
    }
    zmq_msg_close (&body);
    self->last_reply_ms = wdm_clock_ms ();
    s_flight_t *flight = NULL;
    for (int i = 0; i < self->config->max_in_flight && !flight; i++)
        if (self->flights [i].seqs && self->flights [i].batch_no == head.batch_no)
            flight = &self->flights [i];
    if (!flight) {
        wdm_log_debug ("delivery: reply to batch %llu, which is no longer in flight",
                       (unsigned long long) head.batch_no);
        wdm_proto_reply_clear (&reply);
        return;
    }
    double ack_ms = (double) (wdm_clock_us () - flight->sent_us) / 1000.0;
    int bucket = 0;
    while (bucket < S_ACK_BUCKETS - 1 && ack_ms > s_ack_bounds [bucket])
        bucket++;
    self->ack_buckets [bucket]++;
    self->ack_count++;
    self->ack_sum_ms += ack_ms;
    if (ack_ms > self->ack_max_ms)
        self->ack_max_ms = ack_ms;
    if (reply.status == WDM_PROTO_RETRY_LATER) {
        wdm_log_warn ("delivery: the centre says retry later: %s", reply.message);
        s_back_off (self);
    }
    else
    if (reply.status == WDM_PROTO_OK || reply.status == WDM_PROTO_MALFORMED
    ||  reply.status == WDM_PROTO_TOO_LARGE || reply.status == WDM_PROTO_UNSUPPORTED_VERSION) {
        //  Refused records are set aside before they leave the outbox.
        int aside = 0;
        if (reply.status != WDM_PROTO_OK || reply.rejected_count)
            aside = s_write_rejected (self, flight, &reply);
        if (reply.status != WDM_PROTO_OK)
            wdm_log_error ("delivery: batch %llu of %u records refused whole: %d %s: %s",
                           (unsigned long long) flight->batch_no, flight->count, reply.status,
                           wdm_proto_code_name (reply.status), reply.message);
        else
        if (reply.rejected_count)
            wdm_log_warn ("delivery: batch %llu: %u records refused by the centre (see %s); "
                          "first: seq %llu, %u %s, field %s: %s",
                          (unsigned long long) flight->batch_no, reply.rejected_count,
                          self->config->rejected, (unsigned long long) reply.rejected [0].seq,
                          reply.rejected [0].code, wdm_proto_code_name (reply.rejected [0].code),
                          reply.rejected [0].field, reply.rejected [0].message);
        if (aside == 0 && s_ack (self, flight) == 0) {
            if (reply.status == WDM_PROTO_OK) {
                self->delivered += reply.accepted + reply.duplicates;
                self->last_delivery = time (NULL);
            }
            self->backoff_ms = S_BACKOFF_MIN_MS;
        }
        else
            s_back_off (self);          //  keep the records; try again
        wdm_log_debug ("delivery: batch %llu: %u accepted, %u duplicates, %u refused",
                       (unsigned long long) flight->batch_no, reply.accepted, reply.duplicates,
                       reply.rejected_count);
    }
    else
    if (reply.status == WDM_PROTO_NOT_AUTHORISED) {
        //  The whole batch: this unit's key is no longer accepted (revoked
        //  while connected).  Nothing was stored; the records stay in the
        //  outbox until the unit has a key the centre accepts.
        s_link_state (self, WDM_LOG_ERROR, "the centre refused this unit's key while connected "
                      "(revoked?); keeping the records and retrying");
        wdm_log_error ("delivery: batch %llu refused: %s", (unsigned long long) flight->batch_no,
                       reply.message);
        s_back_off (self);
    }
    else {
        wdm_log_error ("delivery: unexpected status %d from the centre: %s", reply.status, reply.message);
        s_back_off (self);
    }
    s_flight_clear (flight);
    self->flying--;
    wdm_proto_reply_clear (&reply);
}

//  No answer within the timeout: reconnect and resend what is unacknowledged.
static void
s_check_timeouts (s_collector_t *self)
{
    int64_t now = wdm_clock_ms ();
    int expired = 0;
    for (int i = 0; i < self->config->max_in_flight; i++)
        if (self->flights [i].seqs && now - self->flights [i].sent_ms > self->config->timeout_ms)
            expired = 1;
    if (!expired)
        return;
    wdm_log_warn ("delivery: no answer from %s within %ld ms; reconnecting and resending",
                  self->config->endpoint, self->config->timeout_ms);
    for (int i = 0; i < self->config->max_in_flight; i++)
        if (self->flights [i].seqs)
            s_flight_clear (&self->flights [i]);
    self->flying = 0;
    s_connect (self);
    s_back_off (self);
}

static void
s_write_status (s_collector_t *self)
{
    char path [1100];
    snprintf (path, sizeof path, "%s.tmp", self->config->status_file);
    FILE *file = fopen (path, "w");
    if (!file)
        return;
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (self->outbox, &stats);
    uint64_t in_flight = 0;
    for (int i = 0; i < self->config->max_in_flight; i++)
        in_flight += self->flights [i].count;
    fprintf (file, "pid=%ld\nupdated=%ld\nin_flight=%llu\nqueued=%llu\ndelivered_this_run=%llu\n"
             "rejected_this_run=%llu\nlast_delivery=%ld\nlast_reply_ms_ago=%lld\nlink=%s\n",
             (long) getpid (), (long) time (NULL), (unsigned long long) in_flight,
             (unsigned long long) stats.queued, (unsigned long long) self->delivered,
             (unsigned long long) self->rejected, (long) self->last_delivery,
             self->last_reply_ms ? (long long) (wdm_clock_ms () - self->last_reply_ms) : -1LL,
             self->link_state);
    fprintf (file, "ack_count=%llu\nack_sum_ms=%.3f\nack_max_ms=%.3f\nack_ms_buckets=",
             (unsigned long long) self->ack_count, self->ack_sum_ms, self->ack_max_ms);
    for (int i = 0; i < S_ACK_BUCKETS; i++)
        fprintf (file, "%s%llu", i ? "," : "", (unsigned long long) self->ack_buckets [i]);
    fprintf (file, "\n");
    if (fclose (file) == 0)
        rename (path, self->config->status_file);
}

static int
s_load_keys (s_collector_t *self)
{
    char err [1200];
    if (wdm_keys_load (self->config->server_public_key_file, false, self->server_key, err, sizeof err)
    ||  wdm_keys_load (self->config->public_key_file, false, self->public_key, err, sizeof err)
    ||  wdm_keys_load (self->config->secret_key_file, true, self->secret_key, err, sizeof err)) {
        wdm_log_error ("collector: %s", err);
        return -1;
    }
    return 0;
}

static int
s_make_dirs (const wdm_collector_config_t *config)
{
    char path [1100];
    const char *subs [] = { "", "/done", "/failed" };
    for (int i = 0; i < 3; i++) {
        snprintf (path, sizeof path, "%s%s", config->inbox, subs [i]);
        if (mkdir (path, 0750) && errno != EEXIST) {
            wdm_log_error ("collector: cannot create %s: %s", path, strerror (errno));
            return -1;
        }
    }
    return 0;
}

int
wdm_collector_run (const wdm_collector_config_t *config, int once, volatile sig_atomic_t *stop)
{
    s_collector_t self;
    memset (&self, 0, sizeof self);
    self.config = config;
    self.backoff_ms = S_BACKOFF_MIN_MS;
    self.next_batch_no = 1;
    msgpack_sbuffer_init (&self.stored);
    int rc = -1;

    //  Everything is checked before the outbox is touched: a bad config
    //  or key must leave it as it is.
    if (s_load_keys (&self) || s_make_dirs (config))
        goto cleanup;
    if (*config->catalog && !(self.catalog = wdm_collector_load_catalog (config->catalog)))
        goto cleanup;
    if (!*config->catalog)
        wdm_log_warn ("collector: no catalog configured: records are checked by the centre only");
    wdm_outbox_recovery_t recovery;
    char err [512];
    self.outbox = wdm_outbox_new (config->outbox, &recovery, err, sizeof err);
    if (!self.outbox) {
        wdm_log_error ("collector: %s", err);
        goto cleanup;
    }
    if (recovery.torn_bytes_cut || recovery.damaged_records || recovery.damaged_segments)
        wdm_log_warn ("collector: outbox recovered: %s", recovery.message);
    s_journal_recover (&self);
    self.flights = calloc ((size_t) config->max_in_flight, sizeof *self.flights);
    self.ctx = zmq_ctx_new ();
    if (!self.flights || !self.ctx || s_connect (&self))
        goto cleanup;
    wdm_outbox_stats_t stats;
    wdm_outbox_stats (self.outbox, &stats);
    wdm_log_info ("collector: delivering to %s; outbox epoch %llu holds %llu records",
                  config->endpoint, (unsigned long long) stats.epoch, (unsigned long long) stats.queued);

    while (!*stop) {
        int64_t now = wdm_clock_ms ();
        if (now >= self.intake_paused_until_ms && (now >= self.next_scan_ms || !self.inbox_empty)) {
            s_intake (&self);
            if (self.inbox_empty)
                self.next_scan_ms = now + config->scan_ms;
        }
        s_send_batches (&self);
        zmq_pollitem_t items [] = { { self.dealer, 0, ZMQ_POLLIN, 0 },
                                    { self.monitor, 0, ZMQ_POLLIN, 0 } };
        long wait = self.inbox_empty ? 100 : 0;
        if (zmq_poll (items, self.monitor ? 2 : 1, wait) > 0 && self.monitor
        &&  (items [1].revents & ZMQ_POLLIN))
            s_monitor_event (&self);
        if (items [0].revents & ZMQ_POLLIN) {
            //  Take every reply waiting before doing anything else.
            do
                s_handle_reply (&self);
            while (zmq_poll (items, 1, 0) > 0 && (items [0].revents & ZMQ_POLLIN));
        }
        s_check_timeouts (&self);
        if (now >= self.next_status_ms) {
            s_write_status (&self);
            self.next_status_ms = now + 1000;
        }
        if (once && self.inbox_empty && self.settling == 0 && self.flying == 0
        &&  !self.rewind_pending) {
            wdm_outbox_stats (self.outbox, &stats);
            if (stats.queued == 0)
                break;
        }
    }
    s_write_status (&self);
    wdm_outbox_stats (self.outbox, &stats);
    wdm_log_info ("collector: stopping; %llu records delivered this run, %llu still queued",
                  (unsigned long long) self.delivered, (unsigned long long) stats.queued);
    rc = 0;
cleanup:
    for (int i = 0; self.flights && i < config->max_in_flight; i++)
        s_flight_clear (&self.flights [i]);
    free (self.flights);
    if (self.dealer) {
        zmq_socket_monitor (self.dealer, NULL, 0);
        zmq_close (self.dealer);
    }
    if (self.monitor)
        zmq_close (self.monitor);
    if (self.ctx)
        zmq_ctx_term (self.ctx);
    wdm_outbox_destroy (&self.outbox);
    wdm_catalog_destroy (&self.catalog);
    msgpack_sbuffer_destroy (&self.stored);
    free (self.scratch);
    for (int i = 0; i < self.watch_count; i++)
        free (self.watches [i].name);
    free (self.watches);
    memset (self.secret_key, 0, sizeof self.secret_key);
    return rc;
}

//  The bucket a quantile falls in, as "<= N ms" (or "> N ms" for the last).
static void
s_ack_quantile (const unsigned long long *buckets, unsigned long long count, double q,
                char *out, size_t size)
{
    unsigned long long want = (unsigned long long) (q * (double) count + 0.999999), seen = 0;
    int i = 0;
    for (; i < S_ACK_BUCKETS - 1; i++) {
        seen += buckets [i];
        if (seen >= want)
            break;
    }
    if (i < S_ACK_BUCKETS - 1)
        snprintf (out, size, "<= %g ms", s_ack_bounds [i]);
    else
        snprintf (out, size, "> %g ms", s_ack_bounds [S_ACK_BUCKETS - 2]);
}

int
wdm_collector_status (const wdm_collector_config_t *config, FILE *out)
{
    wdm_outbox_stats_t stats;
    char err [512];
    if (wdm_outbox_peek (config->outbox, &stats, err, sizeof err)) {
        fprintf (stderr, "wdmon-collector status: %s\n", err);
        return -1;
    }
    long rejected = 0;
    FILE *file = fopen (config->rejected, "r");
    if (file) {
        int c;
        while ((c = getc (file)) != EOF)
            rejected += c == '\n';
        fclose (file);
    }
    long pid = 0, updated = 0, last_delivery = 0;
    unsigned long long in_flight = 0;
    char link [200] = "";
    unsigned long long ack_count = 0, ack_buckets [S_ACK_BUCKETS] = { 0 };
    double ack_max_ms = 0;
    file = fopen (config->status_file, "r");
    if (file) {
        char line [512];
        while (fgets (line, sizeof line, file)) {
            sscanf (line, "ack_count=%llu", &ack_count);
            sscanf (line, "ack_max_ms=%lf", &ack_max_ms);
            if (strncmp (line, "ack_ms_buckets=", 15) == 0) {
                char *at = line + 15;
                for (int i = 0; i < S_ACK_BUCKETS && *at; i++) {
                    ack_buckets [i] = strtoull (at, &at, 10);
                    if (*at == ',')
                        at++;
                }
            }
            sscanf (line, "pid=%ld", &pid);
            sscanf (line, "updated=%ld", &updated);
            sscanf (line, "in_flight=%llu", &in_flight);
            sscanf (line, "last_delivery=%ld", &last_delivery);
            if (strncmp (line, "link=", 5) == 0) {
                snprintf (link, sizeof link, "%.199s", line + 5);
                link [strcspn (link, "\n")] = '\0';
            }
        }
        fclose (file);
    }
    int running = pid > 0 && kill ((pid_t) pid, 0) == 0 && time (NULL) - updated < 10;
    fprintf (out, "outbox     %s (epoch %llu)\n", config->outbox, (unsigned long long) stats.epoch);
    fprintf (out, "collector  %s\n", running ? "running" : "not running");
    if (running)
        fprintf (out, "  pid %ld, status written %ld s ago\n", pid, (long) (time (NULL) - updated));
    if (running && *link)
        fprintf (out, "link       %s\n", link);
    fprintf (out, "queued     %llu records waiting to be delivered\n", (unsigned long long) stats.queued);
    fprintf (out, "in flight  %llu records sent, awaiting the centre's answer\n",
             running ? in_flight : 0ULL);
    fprintf (out, "answered   %llu records acknowledged by the centre (stored or refused)\n",
             (unsigned long long) stats.acknowledged);
    fprintf (out, "rejected   %ld records refused by the centre (see %s)\n", rejected, config->rejected);
    if (ack_count > 0) {
        char p50 [24], p99 [24];
        s_ack_quantile (ack_buckets, ack_count, 0.50, p50, sizeof p50);
        s_ack_quantile (ack_buckets, ack_count, 0.99, p99, sizeof p99);
        fprintf (out, "ack time   p50 %s, p99 %s, max %.1f ms, over %llu batches %s\n",
                 p50, p99, ack_max_ms, ack_count, running ? "this run" : "in its last run");
    }
    if (last_delivery > 0) {
        char stamp [32];
        time_t when = (time_t) last_delivery;
        strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", gmtime (&when));
        fprintf (out, "last delivery %s\n", stamp);
    }
    return 0;
}
