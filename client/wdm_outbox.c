/*  wdm_outbox: segment files of CRC-checked records, a state file replaced
    atomically, and a scan at open that cuts torn tails and rewrites damaged
    segments.  See wdm_outbox.h for the contract.

    Files in the directory (integers little-endian):

    seg-<first seq, 20 digits>.wdo   records, back to back, in rising seq
        order; named after the seq the segment was created for.  A record:
            0   4  magic "WDR1"
            4   4  payload size n, 0..65536
            8   4  CRC-32 (wdm_crc32) of bytes 12..19 followed by the payload
           12   8  seq
           20   n  payload
    state   written to state.tmp, fsynced, renamed over state, directory
            fsynced:
            0   8  magic "WDOSTATE"
            8   4  format version, 2 (1: high written with acknowledgements only)
           12   4  number of ranges r, at most S_RANGES_MAX
           16   8  epoch (as in the epoch file)
           24   8  high: the last completed sync; every seq synced is <= high,
                   and records above it are cut on open (never counted as taken)
           32   8  watermark w: every seq <= w is done
           40   8  acknowledged: records the centre acknowledged, ever
           48  16r ranges (first, last) of done seqs above w + 1, rising,
                   neither touching nor overlapping
        48+16r  4  CRC-32 of all the bytes before it
    epoch   written once, the same way: "WDOEPOCH", the epoch (8 bytes),
            CRC-32 of those 16 bytes
    lock    flock()ed by the owning process
    reserve 32 KiB of zeros, deleted to make room for the state file when
            the disk is full (else acknowledgements could not be written,
            and the segments they free could never be deleted)
    damaged/    original files of segments that recovery rewrote

    "Done" seqs are those acknowledged plus those known to hold no record
    (lost to damage, or skipped after a torn tail).  Invariant: every seq
    below next_seq that is in no segment is done.  Hence a segment whose
    seq range is all done can be deleted, queued is (next_seq - 1) minus
    the done count, and after a reopen next_seq is one past the largest of
    high, the done seqs and the seqs found in segments — a seq that may
    have been sent is never handed out again.

    Order of writes that keeps this true across a crash at any point:
    segments are deleted only after the state that covers them is durable;
    recovery writes its marks to the state before it truncates or rewrites
    anything; a segment is fsynced before the next one is created, so only
    the last segment can have a torn tail.  */

#include "wdm_outbox.h"
#include "wdm_crc32.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define S_HEADER        20                  //  bytes before a record's payload
#define S_MAGIC         "WDR1"
#define S_BUFFER        (256 * 1024)        //  write buffer and read buffer, each
#define S_RANGES_MAX    1024                //  done ranges above the watermark
#define S_STATE_MAX     (48 + 16 * S_RANGES_MAX + 4)
#define S_EPOCH_SIZE    20
#define S_RESERVE_SIZE  (32 * 1024)         //  holds the largest state file twice
#define S_SEQ_MAX       ((uint64_t) INT64_MAX)  //  the server stores seqs as bigint
#define S_NAME_MAX      64

typedef struct {
    uint64_t first, last;
} s_range_t;

//  Reads a file through one buffer, so that a record is parsed in place
//  and the bytes stay put until the next read.
typedef struct {
    int fd;
    uint8_t *buf;
    uint64_t base;              //  file offset of buf [0]
    size_t len;                 //  valid bytes in buf
} s_reader_t;

struct wdm_outbox {
    bool sync_marked;           //  the state's high marks the last completed sync
    char *dir;
    int dir_fd;
    int lock_fd;
    uint64_t epoch;

    uint64_t *segments;         //  names (first seqs) of the segments on disk, rising
    size_t segment_count, segment_cap;

    //  Appending: to the last segment, through write_buf.
    int write_fd;               //  -1: no segment open; the next append creates one
    uint64_t write_first;       //  name of the segment write_fd is
    uint64_t write_size;        //  its size, counting the bytes still in write_buf
    uint8_t *write_buf;
    size_t write_len;
    bool dir_dirty;             //  a segment was created since the last sync
    uint64_t next_seq;

    //  The last sync point.  Segments named below sync_first are synced
    //  whole; segment sync_first (if it exists) up to sync_len bytes.
    uint64_t sync_first;
    uint64_t sync_len;
    uint64_t synced_next;       //  next_seq at the sync point
    bool broken;                //  a rollback failed: only a reopen can help

    //  Done seqs: all <= watermark, and the ranges above it.
    uint64_t watermark;
    s_range_t *ranges;
    size_t range_count;
    uint64_t high;              //  as written to the state file
    uint64_t acknowledged;
    bool state_dirty;           //  acks in memory not yet in the state file
    bool have_reserve;
    uint8_t *state_buf;

    //  Reading: the cursor.
    s_reader_t reader;          //  fd -1 when no segment is open for reading
    uint64_t read_first;        //  segment the cursor is in; 0 before the first
    uint64_t read_offset;
    uint64_t read_min;          //  a record here must have at least this seq
    bool read_failed;           //  a damaged record was met: stuck until reopen

    char error [256];
};

//  What the state file holds, decoded.
typedef struct {
    uint64_t epoch, high, watermark, acknowledged;
    size_t range_count;
    bool sync_marked;           //  high is the last completed sync (version 2)
} s_state_t;

//  One good record, as s_record_at found it.
typedef struct {
    uint64_t offset, seq;
    size_t size;
    const uint8_t *bytes;       //  the whole record, header first
} s_record_t;

typedef enum { S_GOOD, S_END, S_BAD, S_IO } s_read_t;

//  What a walk through one segment found.
typedef struct {
    uint64_t size;              //  of the file
    uint64_t good;              //  records that passed every check
    uint64_t good_end;          //  offset just past the last good record
    uint64_t tail;              //  bad bytes after the last good record, to the end
    uint64_t damaged;           //  bad stretches with a good record after them
    uint64_t bad_offset;        //  where the first bad stretch starts
    const char *why;            //  what was wrong there; NULL if nothing
} s_scan_t;

typedef int (s_visit_fn) (void *arg, const s_record_t *record);

static const uint8_t s_zeros [4096];


//  ---------------------------------------------------------------------
//  Small helpers

static void
s_put32 (uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p [i] = (uint8_t) (v >> (8 * i));
}

static void
s_put64 (uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p [i] = (uint8_t) (v >> (8 * i));
}

static uint32_t
s_get32 (const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p [i];
    return v;
}

static uint64_t
s_get64 (const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p [i];
    return v;
}

static uint64_t
s_max (uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static void
s_segment_name (char *name, uint64_t first)
{
    snprintf (name, S_NAME_MAX, "seg-%020" PRIu64 ".wdo", first);
}

//  True if name is exactly a segment's name; *first set.
static bool
s_segment_parse (const char *name, uint64_t *first)
{
    if (strlen (name) != 28 || strncmp (name, "seg-", 4) != 0
    ||  strcmp (name + 24, ".wdo") != 0)
        return false;
    uint64_t value = 0;
    for (int i = 4; i < 24; i++) {
        if (name [i] < '0' || name [i] > '9')
            return false;
        unsigned digit = (unsigned) (name [i] - '0');
        if (value > (S_SEQ_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *first = value;
    return value >= 1;
}

static void
s_error (wdm_outbox_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Record the message of a failure; errno is left as it was.
static void
s_error (wdm_outbox_t *self, const char *format, ...)
{
    int saved = errno;
    int prefix = snprintf (self->error, sizeof self->error, "outbox %s: ", self->dir);
    if (prefix < 0 || (size_t) prefix >= sizeof self->error)
        prefix = 0;
    va_list args;
    va_start (args, format);
    vsnprintf (self->error + prefix, sizeof self->error - (size_t) prefix, format, args);
    va_end (args);
    errno = saved;
}

static int
s_write_all (int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write (fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        size -= (size_t) n;
    }
    return 0;
}

//  Read a whole small file into buf.  0 and *size set; -1 with errno
//  (ENOENT if it does not exist, EFBIG if it is larger than cap).
static int
s_read_small (int dir_fd, const char *name, uint8_t *buf, size_t cap, size_t *size)
{
    int fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            uint8_t extra;
            ssize_t n = read (fd, &extra, 1);
            if (n != 0) {
                errno = n < 0 ? errno : EFBIG;
                rc = -1;
            }
            break;
        }
        ssize_t n = read (fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        len += (size_t) n;
    }
    int saved = errno;
    close (fd);
    errno = saved;
    *size = len;
    return rc;
}

//  Replace dir/name with data atomically and durably: write name.tmp,
//  fsync it, rename it over name, fsync the directory.  0, or -1 with
//  errno and name.tmp removed.
static int
s_replace_file (int dir_fd, const char *name, const void *data, size_t size)
{
    int rc = -1;
    char tmp [S_NAME_MAX];
    snprintf (tmp, sizeof tmp, "%s.tmp", name);
    int fd = openat (dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (s_write_all (fd, data, size) || fsync (fd))
        goto cleanup;
    int closed = close (fd);
    fd = -1;
    if (closed)
        goto cleanup;
    if (renameat (dir_fd, tmp, dir_fd, name) || fsync (dir_fd))
        goto cleanup;
    rc = 0;
cleanup:
    if (rc) {
        int saved = errno;
        if (fd >= 0)
            close (fd);
        unlinkat (dir_fd, tmp, 0);
        errno = saved;
    }
    return rc;
}

//  fsync the directory that holds path, so that a new entry in it lasts.
static int
s_fsync_parent (const char *path)
{
    char *parent = strdup (path);
    if (!parent)
        return -1;
    size_t len = strlen (parent);
    while (len > 1 && parent [len - 1] == '/')
        parent [--len] = '\0';
    char *slash = strrchr (parent, '/');
    const char *name = ".";
    if (slash == parent)
        name = "/";
    else
    if (slash) {
        *slash = '\0';
        name = parent;
    }
    int rc = -1;
    int fd = open (name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync (fd);
        int saved = errno;
        close (fd);
        errno = saved;
    }
    free (parent);
    return rc;
}


//  ---------------------------------------------------------------------
//  Done seqs: the watermark and the ranges above it

static bool
s_done (const wdm_outbox_t *self, uint64_t seq)
{
    if (seq <= self->watermark)
        return true;
    //  The last range starting at or below seq holds it, if any does.
    size_t low = 0, high = self->range_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (self->ranges [mid].first <= seq)
            low = mid + 1;
        else
            high = mid;
    }
    return low > 0 && self->ranges [low - 1].last >= seq;
}

//  True if every seq of first..last is done.  Ranges never touch, so one
//  range must hold them all.
static bool
s_covers (const wdm_outbox_t *self, uint64_t first, uint64_t last)
{
    if (last <= self->watermark)
        return true;
    first = s_max (first, self->watermark + 1);
    if (!s_done (self, first))
        return false;
    size_t low = 0, high = self->range_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (self->ranges [mid].first <= first)
            low = mid + 1;
        else
            high = mid;
    }
    return self->ranges [low - 1].last >= last;
}

static uint64_t
s_done_count (uint64_t watermark, const s_range_t *ranges, size_t count)
{
    uint64_t total = watermark;
    for (size_t i = 0; i < count; i++)
        total += ranges [i].last - ranges [i].first + 1;
    return total;
}

//  Mark first..last done; *added is how many of them were not done yet.
//  0, or -1 with errno ENOBUFS if that would need one range too many.
static int
s_mark (wdm_outbox_t *self, uint64_t first, uint64_t last, uint64_t *added)
{
    *added = 0;
    if (last <= self->watermark)
        return 0;
    first = s_max (first, self->watermark + 1);
    //  Ranges i..j-1 overlap or touch first..last and merge with it.
    size_t low = 0, high = self->range_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (self->ranges [mid].last + 1 < first)
            low = mid + 1;
        else
            high = mid;
    }
    size_t i = low, j = low;
    uint64_t already = 0;
    while (j < self->range_count && self->ranges [j].first <= last + 1) {
        uint64_t from = s_max (first, self->ranges [j].first);
        uint64_t to = self->ranges [j].last < last ? self->ranges [j].last : last;
        if (from <= to)
            already += to - from + 1;
        j++;
    }
    if (i == j && first == self->watermark + 1)
        self->watermark = last;         //  touches no range, needs no slot
    else
    if (i == j) {
        if (self->range_count == S_RANGES_MAX) {
            errno = ENOBUFS;
            return -1;
        }
        memmove (self->ranges + i + 1, self->ranges + i,
                 (self->range_count - i) * sizeof *self->ranges);
        self->ranges [i] = (s_range_t) { first, last };
        self->range_count++;
    }
    else {
        s_range_t merged = {
            first < self->ranges [i].first ? first : self->ranges [i].first,
            s_max (last, self->ranges [j - 1].last)
        };
        self->ranges [i] = merged;
        memmove (self->ranges + i + 1, self->ranges + j,
                 (self->range_count - j) * sizeof *self->ranges);
        self->range_count -= j - i - 1;
    }
    *added = last - first + 1 - already;
    if (self->range_count > 0 && self->ranges [0].first == self->watermark + 1) {
        self->watermark = self->ranges [0].last;
        self->range_count--;
        memmove (self->ranges, self->ranges + 1, self->range_count * sizeof *self->ranges);
    }
    return 0;
}


//  ---------------------------------------------------------------------
//  The epoch and state files

static int
s_epoch_read (int dir_fd, uint64_t *epoch)
{
    uint8_t buf [S_EPOCH_SIZE];
    size_t size;
    if (s_read_small (dir_fd, "epoch", buf, sizeof buf, &size))
        return -1;
    if (size != S_EPOCH_SIZE || memcmp (buf, "WDOEPOCH", 8) != 0
    ||  s_get32 (buf + 16) != wdm_crc32 (0, buf, 16)
    ||  s_get64 (buf + 8) == 0 || s_get64 (buf + 8) > S_SEQ_MAX) {
        errno = EINVAL;
        return -1;
    }
    *epoch = s_get64 (buf + 8);
    return 0;
}

static int
s_epoch_write (int dir_fd, uint64_t epoch)
{
    uint8_t buf [S_EPOCH_SIZE];
    memcpy (buf, "WDOEPOCH", 8);
    s_put64 (buf + 8, epoch);
    s_put32 (buf + 16, wdm_crc32 (0, buf, 16));
    return s_replace_file (dir_fd, "epoch", buf, sizeof buf);
}

//  Read and check the state file into *state and ranges (S_RANGES_MAX).
//  0; or -1 with errno (ENOENT: missing; EINVAL: corrupt, *why says how).
static int
s_state_read (int dir_fd, uint8_t *buf, s_state_t *state, s_range_t *ranges, const char **why)
{
    size_t size;
    *why = NULL;
    if (s_read_small (dir_fd, "state", buf, S_STATE_MAX, &size))
        return -1;
    errno = EINVAL;
    if (size < 52 || memcmp (buf, "WDOSTATE", 8) != 0) {
        *why = "not a state file";
        return -1;
    }
    //  Version 1 wrote high only with acknowledgements; from version 2 on,
    //  every completed sync writes it, so that it marks what was synced.
    uint32_t version = s_get32 (buf + 8);
    if (version != 1 && version != 2) {
        *why = "unknown format version";
        return -1;
    }
    state->sync_marked = version == 2;
    uint32_t count = s_get32 (buf + 12);
    if (count > S_RANGES_MAX || size != 52 + 16 * (size_t) count
    ||  s_get32 (buf + size - 4) != wdm_crc32 (0, buf, size - 4)) {
        *why = "bad length or CRC";
        return -1;
    }
    state->epoch = s_get64 (buf + 16);
    state->high = s_get64 (buf + 24);
    state->watermark = s_get64 (buf + 32);
    state->acknowledged = s_get64 (buf + 40);
    state->range_count = count;
    uint64_t floor = state->watermark + 1;     //  a range must start above it
    for (uint32_t i = 0; i < count; i++) {
        ranges [i].first = s_get64 (buf + 48 + 16 * i);
        ranges [i].last = s_get64 (buf + 56 + 16 * i);
        if (ranges [i].first <= floor || ranges [i].first > ranges [i].last
        ||  ranges [i].last > S_SEQ_MAX) {
            *why = "ranges out of order";
            return -1;
        }
        floor = ranges [i].last + 1;
    }
    if (state->watermark > S_SEQ_MAX || state->high > S_SEQ_MAX) {
        *why = "seq out of range";
        return -1;
    }
    return 0;
}

static int
s_state_write (wdm_outbox_t *self)
{
    uint8_t *p = self->state_buf;
    memcpy (p, "WDOSTATE", 8);
    s_put32 (p + 8, 2);
    s_put32 (p + 12, (uint32_t) self->range_count);
    s_put64 (p + 16, self->epoch);
    s_put64 (p + 24, self->high);
    s_put64 (p + 32, self->watermark);
    s_put64 (p + 40, self->acknowledged);
    for (size_t i = 0; i < self->range_count; i++) {
        s_put64 (p + 48 + 16 * i, self->ranges [i].first);
        s_put64 (p + 56 + 16 * i, self->ranges [i].last);
    }
    size_t size = 48 + 16 * self->range_count;
    s_put32 (p + size, wdm_crc32 (0, p, size));
    return s_replace_file (self->dir_fd, "state", p, size + 4);
}

//  Write the state file, spending the reserve if the disk is full.  0, or
//  -1 with errno and a message; state_dirty says whether it is written.
static int
s_state_persist (wdm_outbox_t *self)
{
    self->high = s_max (self->high, self->synced_next - 1);
    int rc = s_state_write (self);
    if (rc && (errno == ENOSPC || errno == EDQUOT) && self->have_reserve) {
        //  The acks being written may free whole segments: let them.
        unlinkat (self->dir_fd, "reserve", 0);
        self->have_reserve = false;
        rc = s_state_write (self);
    }
    if (rc) {
        s_error (self, "cannot write the state file: %s", strerror (errno));
        return -1;
    }
    self->state_dirty = false;
    return 0;
}

static void
s_reserve_make (wdm_outbox_t *self)
{
    int fd = openat (self->dir_fd, "reserve", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    bool ok = true;
    for (size_t done = 0; ok && done < S_RESERVE_SIZE; done += sizeof s_zeros)
        ok = s_write_all (fd, s_zeros, sizeof s_zeros) == 0;
    close (fd);
    if (ok)
        self->have_reserve = true;
    else
        unlinkat (self->dir_fd, "reserve", 0);
}


//  ---------------------------------------------------------------------
//  Reading records

static void
s_reader_reset (s_reader_t *reader, int fd)
{
    reader->fd = fd;
    reader->base = 0;
    reader->len = 0;
}

//  Make at least need bytes at offset available, reading nothing at or
//  past limit.  Returns how many are available (fewer than need at the
//  end of the file or at limit) with *data pointing at them, or -1.
static ssize_t
s_reader_get (s_reader_t *reader, uint64_t offset, size_t need, uint64_t limit,
              const uint8_t **data)
{
    assert (need <= S_BUFFER);
    if (offset < reader->base || offset + need > reader->base + reader->len) {
        //  Refill from offset: rereading the part of a record already
        //  held costs less than keeping track of it.
        size_t want = S_BUFFER;
        if (limit <= offset)
            want = 0;
        else
        if (limit - offset < want)
            want = (size_t) (limit - offset);
        reader->base = offset;
        reader->len = 0;
        while (reader->len < want) {
            ssize_t n = pread (reader->fd, reader->buf + reader->len, want - reader->len,
                               (off_t) (offset + reader->len));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                reader->len = 0;
                return -1;
            }
            if (n == 0)
                break;
            reader->len += (size_t) n;
            if (reader->len >= need)
                break;
        }
    }
    *data = reader->buf + (offset - reader->base);
    return (ssize_t) (reader->base + reader->len - offset);
}

//  The record at offset, if it is whole, its CRC matches and its seq is in
//  min_seq..max_seq.  S_GOOD with *record set; S_END if no byte is left;
//  S_BAD with *why; S_IO if reading failed.
static s_read_t
s_record_at (s_reader_t *reader, uint64_t offset, uint64_t limit,
             uint64_t min_seq, uint64_t max_seq, s_record_t *record, const char **why)
{
    const uint8_t *p;
    ssize_t avail = s_reader_get (reader, offset, S_HEADER, limit, &p);
    if (avail < 0)
        return S_IO;
    if (avail == 0)
        return S_END;
    if (avail < S_HEADER) {
        *why = "short header";
        return S_BAD;
    }
    if (memcmp (p, S_MAGIC, 4) != 0) {
        *why = "bad magic";
        return S_BAD;
    }
    size_t size = s_get32 (p + 4);
    if (size > WDM_OUTBOX_PAYLOAD_MAX) {
        *why = "bad length";
        return S_BAD;
    }
    avail = s_reader_get (reader, offset, S_HEADER + size, limit, &p);
    if (avail < 0)
        return S_IO;
    if ((size_t) avail < S_HEADER + size) {
        *why = "short payload";
        return S_BAD;
    }
    if (s_get32 (p + 8) != wdm_crc32 (wdm_crc32 (0, p + 12, 8), p + S_HEADER, size)) {
        *why = "bad CRC";
        return S_BAD;
    }
    uint64_t seq = s_get64 (p + 12);
    if (seq < min_seq || seq > max_seq) {
        *why = "seq out of order";
        return S_BAD;
    }
    record->offset = offset;
    record->seq = seq;
    record->size = size;
    record->bytes = p;
    return S_GOOD;
}

//  The first good record at or after offset, found by its magic: S_GOOD
//  and *record, S_END if there is none, S_IO.  Linear in the bytes
//  skipped, since a candidate is only checked where the magic matches.
static s_read_t
s_resync (s_reader_t *reader, uint64_t offset, uint64_t min_seq, uint64_t max_seq,
          s_record_t *record)
{
    for (;;) {
        const uint8_t *p;
        ssize_t avail = s_reader_get (reader, offset, S_HEADER, UINT64_MAX, &p);
        if (avail < 0)
            return S_IO;
        if (avail < S_HEADER)
            return S_END;
        size_t span = (size_t) avail - S_HEADER + 1;    //  starts with a whole header in reach
        size_t at = 0;
        bool found = false;
        while (at < span) {
            const uint8_t *hit = memchr (p + at, S_MAGIC [0], span - at);
            if (!hit)
                break;
            at = (size_t) (hit - p);
            if (memcmp (hit, S_MAGIC, 4) == 0) {
                found = true;
                break;
            }
            at++;
        }
        if (!found) {
            offset += span;
            continue;
        }
        const char *why;
        s_read_t rc = s_record_at (reader, offset + at, UINT64_MAX, min_seq, max_seq, record, &why);
        if (rc == S_GOOD || rc == S_IO)
            return rc;
        offset += at + 1;
    }
}

//  Walk the good records of the segment open in reader, in order, calling
//  visit for each, and resynchronising past bad stretches.  The first must
//  have a seq >= min_seq, each next a higher one, none above max_seq.
//  0 with *scan filled, or -1 if reading failed or visit did.
static int
s_scan (s_reader_t *reader, uint64_t min_seq, uint64_t max_seq,
        s_visit_fn *visit, void *arg, s_scan_t *scan)
{
    memset (scan, 0, sizeof *scan);
    struct stat st;
    if (fstat (reader->fd, &st))
        return -1;
    scan->size = (uint64_t) st.st_size;
    uint64_t offset = 0;
    for (;;) {
        s_record_t record;
        const char *why = NULL;
        s_read_t rc = s_record_at (reader, offset, UINT64_MAX, min_seq, max_seq, &record, &why);
        if (rc == S_IO)
            return -1;
        if (rc == S_END)
            break;
        if (rc == S_BAD) {
            if (!scan->why) {
                scan->why = why;
                scan->bad_offset = offset;
            }
            rc = s_resync (reader, offset + 1, min_seq, max_seq, &record);
            if (rc == S_IO)
                return -1;
            if (rc == S_END) {
                scan->tail = scan->size > offset ? scan->size - offset : 0;
                break;
            }
            scan->damaged++;
        }
        if (visit && visit (arg, &record))
            return -1;
        scan->good++;
        offset = record.offset + S_HEADER + record.size;
        scan->good_end = offset;
        min_seq = record.seq + 1;
    }
    return 0;
}


//  ---------------------------------------------------------------------
//  Segments

//  Index of the first segment named at or above first (segment_count if none).
static size_t
s_segment_find (const wdm_outbox_t *self, uint64_t first)
{
    size_t low = 0, high = self->segment_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (self->segments [mid] < first)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

static int
s_segment_compare (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return (x > y) - (x < y);
}

static int
s_segment_grow (wdm_outbox_t *self)
{
    if (self->segment_count < self->segment_cap)
        return 0;
    size_t cap = self->segment_cap ? self->segment_cap * 2 : 64;
    uint64_t *segments = realloc (self->segments, cap * sizeof *segments);
    if (!segments)
        return -1;
    self->segments = segments;
    self->segment_cap = cap;
    return 0;
}

//  Delete segment index from disk and from the list; close whatever has it
//  open.  0, or -1 with errno and a message (it stays listed).
static int
s_segment_remove (wdm_outbox_t *self, size_t index)
{
    uint64_t first = self->segments [index];
    char name [S_NAME_MAX];
    s_segment_name (name, first);
    if (unlinkat (self->dir_fd, name, 0) && errno != ENOENT) {
        s_error (self, "cannot delete %s: %s", name, strerror (errno));
        return -1;
    }
    if (self->write_fd >= 0 && self->write_first == first) {
        close (self->write_fd);
        self->write_fd = -1;
        self->write_len = 0;
    }
    if (self->sync_first == first) {
        self->sync_first = self->synced_next;
        self->sync_len = 0;
    }
    if (self->reader.fd >= 0 && self->read_first == first) {
        close (self->reader.fd);
        s_reader_reset (&self->reader, -1);
        self->read_offset = 0;          //  a segment made again under this name starts afresh
    }
    self->segment_count--;
    memmove (self->segments + index, self->segments + index + 1,
             (self->segment_count - index) * sizeof *self->segments);
    return 0;
}

//  Cut segment first back to size bytes and open it for appending.  The
//  cut is fsynced if it can be: else, after a crash, the records cut off
//  could come back (as if the process had crashed before the rollback).
static int
s_segment_cut_back (wdm_outbox_t *self, uint64_t first, uint64_t size)
{
    char name [S_NAME_MAX];
    s_segment_name (name, first);
    int fd = openat (self->dir_fd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || ftruncate (fd, (off_t) size)) {
        s_error (self, "cannot cut %s back to its synced length: %s", name, strerror (errno));
        if (fd >= 0)
            close (fd);
        return -1;
    }
    fsync (fd);
    self->write_fd = fd;
    self->write_first = first;
    self->write_size = size;
    self->write_len = 0;
    return 0;
}

//  Start a new segment named after next_seq.  It may replace a file of
//  that name left by a failed rollback: such a file holds nothing synced.
static int
s_segment_create (wdm_outbox_t *self)
{
    char name [S_NAME_MAX];
    s_segment_name (name, self->next_seq);
    if (s_segment_grow (self)) {
        s_error (self, "cannot create %s: out of memory", name);
        return -1;
    }
    int fd = openat (self->dir_fd, name,
                     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        s_error (self, "cannot create %s: %s", name, strerror (errno));
        return -1;
    }
    self->segments [self->segment_count++] = self->next_seq;
    self->write_fd = fd;
    self->write_first = self->next_seq;
    self->write_size = 0;
    self->write_len = 0;
    self->dir_dirty = true;
    return 0;
}

static int
s_flush (wdm_outbox_t *self)
{
    if (self->write_len == 0)
        return 0;
    if (s_write_all (self->write_fd, self->write_buf, self->write_len)) {
        char name [S_NAME_MAX];
        s_segment_name (name, self->write_first);
        s_error (self, "cannot write %s: %s", name, strerror (errno));
        return -1;
    }
    self->write_len = 0;
    return 0;
}

//  Close the full segment, durably, before the next is created: so only
//  the last segment can ever have a torn tail.
static int
s_rotate (wdm_outbox_t *self)
{
    if (s_flush (self))
        return -1;
    if (fsync (self->write_fd)) {
        char name [S_NAME_MAX];
        s_segment_name (name, self->write_first);
        s_error (self, "cannot fsync %s: %s", name, strerror (errno));
        return -1;
    }
    close (self->write_fd);
    self->write_fd = -1;
    return 0;
}

//  Delete every segment whose seqs are all done.  Only with the state
//  file up to date, else a crash could forget seqs that were used.
static void
s_prune (wdm_outbox_t *self)
{
    if (self->state_dirty || self->broken)
        return;
    size_t i = 0;
    while (i < self->segment_count) {
        uint64_t first = self->segments [i];
        uint64_t last;
        if (i + 1 < self->segment_count)
            last = self->segments [i + 1] - 1;
        else
        if (self->next_seq == self->synced_next)
            last = self->synced_next - 1;
        else
            break;                      //  the last segment has unsynced records
        if ((last < first || s_covers (self, first, last))
        &&  s_segment_remove (self, i) == 0)
            continue;
        i++;
    }
}

//  Go back to the last sync point: delete the segments begun since, cut
//  the one it is in back to its synced length.  errno is kept.
static void
s_rollback (wdm_outbox_t *self)
{
    int saved = errno;
    int rc = 0;
    self->write_len = 0;
    if (self->write_fd >= 0) {
        close (self->write_fd);
        self->write_fd = -1;
    }
    while (rc == 0 && self->segment_count > 0
    &&     self->segments [self->segment_count - 1] > self->sync_first)
        rc = s_segment_remove (self, self->segment_count - 1);
    if (rc == 0 && self->segment_count > 0
    &&  self->segments [self->segment_count - 1] == self->sync_first) {
        if (self->sync_len == 0)
            rc = s_segment_remove (self, self->segment_count - 1);
        else
            rc = s_segment_cut_back (self, self->sync_first, self->sync_len);
    }
    if (self->dir_dirty)
        fsync (self->dir_fd);           //  so the deleted segments stay deleted, if it can
    self->next_seq = self->synced_next;
    self->dir_dirty = false;
    if (rc)
        self->broken = true;            //  the message says what failed
    errno = saved;
}


//  ---------------------------------------------------------------------
//  Opening and recovery

//  Create the directory if needed, open it, take the lock.
static int
s_open_dir (wdm_outbox_t *self)
{
    if (mkdir (self->dir, 0700) == 0) {
        if (s_fsync_parent (self->dir)) {
            s_error (self, "cannot fsync the directory holding it: %s", strerror (errno));
            return -1;
        }
    }
    else
    if (errno != EEXIST) {
        s_error (self, "cannot create the directory: %s", strerror (errno));
        return -1;
    }
    self->dir_fd = open (self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self->dir_fd < 0) {
        s_error (self, "cannot open the directory: %s", strerror (errno));
        return -1;
    }
    self->lock_fd = openat (self->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0) {
        s_error (self, "cannot open its lock file: %s", strerror (errno));
        return -1;
    }
    if (flock (self->lock_fd, LOCK_EX | LOCK_NB)) {
        if (errno == EWOULDBLOCK)
            snprintf (self->error, sizeof self->error,
                      "outbox %s is in use by another process", self->dir);
        else
            s_error (self, "cannot lock it: %s", strerror (errno));
        return -1;
    }
    return 0;
}

//  List the segments, sorted; delete the temporary files a crash left.
static int
s_list_segments (wdm_outbox_t *self)
{
    int fd = openat (self->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
    if (!dir) {
        s_error (self, "cannot list the directory: %s", strerror (errno));
        if (fd >= 0)
            close (fd);
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir (dir)) != NULL) {
        const char *name = entry->d_name;
        size_t len = strlen (name);
        uint64_t first;
        if (s_segment_parse (name, &first)) {
            if (s_segment_grow (self)) {
                s_error (self, "out of memory");
                rc = -1;
                break;
            }
            self->segments [self->segment_count++] = first;
        }
        else
        if (strcmp (name, "state.tmp") == 0 || strcmp (name, "epoch.tmp") == 0
        ||  (len == 32 && strncmp (name, "seg-", 4) == 0 && strcmp (name + 28, ".tmp") == 0))
            unlinkat (self->dir_fd, name, 0);
        errno = 0;
    }
    if (rc == 0 && errno) {
        s_error (self, "cannot list the directory: %s", strerror (errno));
        rc = -1;
    }
    closedir (dir);
    if (self->segment_count > 1)
        qsort (self->segments, self->segment_count, sizeof *self->segments, s_segment_compare);
    return rc;
}

static int
s_new_epoch (uint64_t *epoch)
{
    do {
        uint8_t bytes [8];
        ssize_t n = getrandom (bytes, sizeof bytes, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t) sizeof bytes)
            return -1;
        *epoch = s_get64 (bytes) & S_SEQ_MAX;     //  63 bits: a positive bigint
    } while (*epoch == 0);
    return 0;
}

//  Read the epoch and state, or make them for a new outbox.  The state is
//  written before the epoch, so an epoch file means a complete outbox and
//  its absence an unfinished creation, which may be started again as long
//  as nothing was ever stored.
static int
s_load_state (wdm_outbox_t *self)
{
    s_state_t state;
    const char *why;
    if (s_epoch_read (self->dir_fd, &self->epoch) == 0) {
        if (s_state_read (self->dir_fd, self->state_buf, &state, self->ranges, &why)) {
            if (errno == ENOENT)
                s_error (self, "the state file is missing, so the seqs used are unknown;"
                               " move the directory aside to start a new epoch");
            else
                s_error (self, "the state file is unreadable (%s)",
                         why ? why : strerror (errno));
            return -1;
        }
        if (state.epoch != self->epoch) {
            s_error (self, "the state file belongs to epoch %" PRIu64 ", not %" PRIu64,
                     state.epoch, self->epoch);
            return -1;
        }
        self->high = state.high;
        self->watermark = state.watermark;
        self->acknowledged = state.acknowledged;
        self->range_count = state.range_count;
        self->sync_marked = state.sync_marked;
        return 0;
    }
    if (errno != ENOENT) {
        s_error (self, "the epoch file is unreadable: %s",
                 errno == EINVAL ? "bad length, magic or CRC" : strerror (errno));
        return -1;
    }
    if (self->segment_count > 0) {
        s_error (self, "it holds segments but no epoch file; refusing to start a new epoch");
        return -1;
    }
    int rc = s_state_read (self->dir_fd, self->state_buf, &state, self->ranges, &why);
    if (rc == 0 && (state.high || state.watermark || state.acknowledged || state.range_count)) {
        s_error (self, "it has a state file in use but no epoch file;"
                       " refusing to start a new epoch");
        return -1;
    }
    if (rc && errno != ENOENT && errno != EINVAL) {
        s_error (self, "cannot read the state file: %s", strerror (errno));
        return -1;
    }
    if (s_new_epoch (&self->epoch)) {
        s_error (self, "getrandom failed: %s", strerror (errno));
        return -1;
    }
    self->high = self->watermark = self->acknowledged = 0;
    self->range_count = 0;
    self->synced_next = 1;
    if (s_state_persist (self))
        return -1;
    if (s_epoch_write (self->dir_fd, self->epoch)) {
        s_error (self, "cannot write the epoch file: %s", strerror (errno));
        return -1;
    }
    return 0;
}

typedef struct {
    uint64_t high;
    uint64_t cut;               //  offset of the first record above high
    bool found;
} s_cut_t;

static int
s_cut_visit (void *arg, const s_record_t *record)
{
    s_cut_t *cut = arg;
    if (!cut->found && record->seq > cut->high) {
        cut->cut = record->offset;
        cut->found = true;
    }
    return 0;
}

//  Records appended after the last completed sync were never counted as
//  taken, nor sent (the cursor reads only synced records); after a crash
//  they may still be on disk while the file they came from waits in the
//  inbox to be read again.  Cut them, so that nothing is taken twice.
//  Only for a state that marks its syncs (version 2).
static int
s_cut_unsynced (wdm_outbox_t *self)
{
    if (!self->sync_marked)
        return 0;
    char name [S_NAME_MAX];
    bool removed = false;
    while (self->segment_count > 0 && self->segments [self->segment_count - 1] > self->high) {
        s_segment_name (name, self->segments [self->segment_count - 1]);
        if (unlinkat (self->dir_fd, name, 0) && errno != ENOENT) {
            s_error (self, "cannot remove unsynced %s: %s", name, strerror (errno));
            return -1;
        }
        self->segment_count--;
        removed = true;
    }
    if (removed && fsync (self->dir_fd)) {
        s_error (self, "cannot fsync the directory: %s", strerror (errno));
        return -1;
    }
    if (self->segment_count == 0)
        return 0;
    uint64_t first = self->segments [self->segment_count - 1];
    s_segment_name (name, first);
    int fd = openat (self->dir_fd, name, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        s_error (self, "cannot open %s: %s", name, strerror (errno));
        return -1;
    }
    s_cut_t cut = { self->high, 0, false };
    s_scan_t scan;
    s_reader_reset (&self->reader, fd);
    int rc = s_scan (&self->reader, first, S_SEQ_MAX, s_cut_visit, &cut, &scan);
    s_reader_reset (&self->reader, -1);
    if (rc == 0 && cut.found && (ftruncate (fd, (off_t) cut.cut) || fsync (fd))) {
        s_error (self, "cannot cut unsynced records from %s: %s", name, strerror (errno));
        rc = -1;
    }
    close (fd);
    if (rc && !self->error [0])
        s_error (self, "cannot read %s: %s", name, strerror (errno));
    return rc;
}

//  The first pass of recovery visits every good record to mark the seqs
//  missing between it and the one before (lost, unless already done).
typedef struct {
    wdm_outbox_t *self;
    uint64_t prev;              //  seq of the last good record so far
    uint64_t lost;              //  seqs newly marked done: records gone
    uint64_t lost_first, lost_last;     //  the first stretch of them, for the message
} s_walk_t;

static int
s_walk_visit (void *arg, const s_record_t *record)
{
    s_walk_t *walk = arg;
    if (record->seq > walk->prev + 1) {
        uint64_t added;
        if (s_mark (walk->self, walk->prev + 1, record->seq - 1, &added)) {
            s_error (walk->self, "too many separate stretches of lost records");
            return -1;
        }
        if (added && !walk->lost) {
            walk->lost_first = walk->prev + 1;
            walk->lost_last = record->seq - 1;
        }
        walk->lost += added;
    }
    walk->prev = record->seq;
    return 0;
}

//  The second pass copies the good records of a damaged segment.
typedef struct {
    int fd;
    uint8_t *buf;
    size_t len;
} s_copy_t;

static int
s_copy_visit (void *arg, const s_record_t *record)
{
    s_copy_t *copy = arg;
    size_t size = S_HEADER + record->size;
    if (copy->len + size > S_BUFFER) {
        if (s_write_all (copy->fd, copy->buf, copy->len))
            return -1;
        copy->len = 0;
    }
    memcpy (copy->buf + copy->len, record->bytes, size);
    copy->len += size;
    return 0;
}

//  Rewrite segment index with only its good records; keep the original as
//  damaged/<name>[.N] (kept is set to that).  A segment with no good
//  record left is deleted.
static int
s_repair (wdm_outbox_t *self, size_t index, char *kept, size_t kept_size)
{
    int rc = -1;
    int damaged_fd = -1, in_fd = -1, out_fd = -1;
    uint64_t first = self->segments [index];
    uint64_t max_seq = index + 1 < self->segment_count ? self->segments [index + 1] - 1 : S_SEQ_MAX;
    char name [S_NAME_MAX], tmp [S_NAME_MAX + 8], copy_name [S_NAME_MAX + 8];
    s_segment_name (name, first);
    snprintf (tmp, sizeof tmp, "%s.tmp", name);

    if (mkdirat (self->dir_fd, "damaged", 0700) && errno != EEXIST) {
        s_error (self, "cannot create damaged/: %s", strerror (errno));
        goto cleanup;
    }
    damaged_fd = openat (self->dir_fd, "damaged", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (damaged_fd < 0) {
        s_error (self, "cannot open damaged/: %s", strerror (errno));
        goto cleanup;
    }
    //  A link, not a copy: the damaged bytes stay as they were, for study.
    int linked = -1;
    for (int n = 0; n < 1000 && linked; n++) {
        if (n == 0)
            snprintf (copy_name, sizeof copy_name, "%s", name);
        else
            snprintf (copy_name, sizeof copy_name, "%s.%d", name, n);
        linked = linkat (self->dir_fd, name, damaged_fd, copy_name, 0);
        if (linked && errno != EEXIST)
            break;
    }
    if (linked) {
        s_error (self, "cannot keep %s in damaged/: %s", name, strerror (errno));
        goto cleanup;
    }
    snprintf (kept, kept_size, "damaged/%s", copy_name);
    if (fsync (damaged_fd)) {
        s_error (self, "cannot fsync damaged/: %s", strerror (errno));
        goto cleanup;
    }

    in_fd = openat (self->dir_fd, name, O_RDONLY | O_CLOEXEC);
    out_fd = openat (self->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in_fd < 0 || out_fd < 0) {
        s_error (self, "cannot rewrite %s: %s", name, strerror (errno));
        goto cleanup;
    }
    s_reader_reset (&self->reader, in_fd);
    s_copy_t copy = { out_fd, self->write_buf, 0 };
    s_scan_t scan;
    if (s_scan (&self->reader, first, max_seq, s_copy_visit, &copy, &scan)
    ||  s_write_all (out_fd, copy.buf, copy.len) || fsync (out_fd)) {
        s_error (self, "cannot rewrite %s: %s", name, strerror (errno));
        goto cleanup;
    }
    if (scan.good == 0) {
        unlinkat (self->dir_fd, tmp, 0);
        if (s_segment_remove (self, index))
            goto cleanup;
    }
    else
    if (renameat (self->dir_fd, tmp, self->dir_fd, name)) {
        s_error (self, "cannot replace %s: %s", name, strerror (errno));
        goto cleanup;
    }
    if (fsync (self->dir_fd)) {
        s_error (self, "cannot fsync the directory: %s", strerror (errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc && out_fd >= 0)
        unlinkat (self->dir_fd, tmp, 0);
    if (out_fd >= 0)
        close (out_fd);
    if (in_fd >= 0)
        close (in_fd);
    if (damaged_fd >= 0)
        close (damaged_fd);
    s_reader_reset (&self->reader, -1);
    return rc;
}

typedef enum { S_KEEP, S_CUT, S_REPAIR, S_REMOVE } s_action_t;

typedef struct {
    uint64_t first;             //  the segment's name
    s_action_t action;
    s_scan_t scan;
} s_found_t;

static void
s_append_message (wdm_outbox_recovery_t *found, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_append_message (wdm_outbox_recovery_t *found, const char *format, ...)
{
    size_t used = strlen (found->message);
    if (used + 1 >= sizeof found->message)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (found->message + used, sizeof found->message - used, format, args);
    va_end (args);
}

//  Say what recovery found and did: the first damaged segment, the torn
//  tail, records missing without a trace.
static void
s_tell (wdm_outbox_recovery_t *found, const wdm_outbox_t *self, const s_found_t *seen,
        size_t count, size_t first_repair, const char *kept, const s_walk_t *walk)
{
    char name [S_NAME_MAX];
    if (first_repair < count) {
        const s_scan_t *scan = &seen [first_repair].scan;
        s_segment_name (name, seen [first_repair].first);
        s_append_message (found, "%s damaged (%s at offset %" PRIu64 "): rewritten with its %"
                          PRIu64 " good records, original kept as %s",
                          name, scan->why, scan->bad_offset, scan->good, kept);
        if (found->damaged_segments > 1)
            s_append_message (found, "; %" PRIu64 " segments damaged in all",
                              found->damaged_segments);
    }
    if (walk->lost)
        s_append_message (found, "%s%" PRIu64 " records lost (the first stretch: seqs %" PRIu64
                          "..%" PRIu64 ")",
                          found->message [0] ? "; " : "", walk->lost,
                          walk->lost_first, walk->lost_last);
    if (found->torn_bytes_cut) {
        const s_scan_t *scan = &seen [count - 1].scan;
        s_segment_name (name, seen [count - 1].first);
        s_append_message (found, "%scut %" PRIu64 " torn bytes (%s at offset %" PRIu64
                          ") from the end of %s; seqs up to %" PRIu64 " are not used again",
                          found->message [0] ? "; " : "", found->torn_bytes_cut,
                          scan->why, scan->good_end, name, self->next_seq - 1);
    }
}

//  Scan every segment, mark what is lost, write the state, then cut,
//  rewrite or delete segments as the scan found.  Leaves the last segment
//  open for appending, and found filled in.
static int
s_recover (wdm_outbox_t *self, wdm_outbox_recovery_t *found)
{
    int rc = -1;
    size_t count = self->segment_count;
    s_found_t *seen = calloc (count ? count : 1, sizeof *seen);
    s_walk_t walk = { .self = self };
    char name [S_NAME_MAX];
    if (!seen) {
        s_error (self, "out of memory");
        goto cleanup;
    }
    //  Pass 1: read everything, change nothing on disk.
    for (size_t i = 0; i < count; i++) {
        s_segment_name (name, self->segments [i]);
        int fd = openat (self->dir_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            s_error (self, "cannot open %s: %s", name, strerror (errno));
            goto cleanup;
        }
        s_reader_reset (&self->reader, fd);
        uint64_t max_seq = i + 1 < count ? self->segments [i + 1] - 1 : S_SEQ_MAX;
        int scanned = s_scan (&self->reader, self->segments [i], max_seq,
                              s_walk_visit, &walk, &seen [i].scan);
        int saved = errno;
        close (fd);
        s_reader_reset (&self->reader, -1);
        if (scanned) {
            errno = saved;
            if (!self->error [0])
                s_error (self, "cannot read %s: %s", name, strerror (errno));
            goto cleanup;
        }
        seen [i].first = self->segments [i];
        const s_scan_t *scan = &seen [i].scan;
        if (scan->damaged || (scan->tail && i + 1 < count))
            seen [i].action = S_REPAIR;
        else
        if (scan->tail)
            seen [i].action = S_CUT;
        else
        if (scan->good == 0)
            seen [i].action = S_REMOVE;
    }
    //  Seqs used before (high) but found in no segment are lost too.  The
    //  bytes of a torn tail may have held records that were synced and
    //  sent, were the tail damage rather than a crash mid-write: skip as
    //  many seqs as they could have held, rather than reuse one.
    uint64_t last_good = walk.prev;
    uint64_t tail = count ? seen [count - 1].scan.tail : 0;
    uint64_t reach = s_max (self->high, last_good);
    uint64_t added;
    if (self->high > last_good) {
        if (s_mark (self, last_good + 1, self->high, &added)) {
            s_error (self, "too many separate stretches of lost records");
            goto cleanup;
        }
        if (added && !walk.lost) {
            walk.lost_first = last_good + 1;
            walk.lost_last = self->high;
        }
        walk.lost += added;
    }
    if (tail) {
        uint64_t could_hold = (tail + S_HEADER - 1) / S_HEADER;
        uint64_t skip_to = last_good + could_hold;
        if (skip_to > S_SEQ_MAX)
            skip_to = S_SEQ_MAX;
        if (skip_to > reach) {
            if (s_mark (self, reach + 1, skip_to, &found->seqs_skipped)) {
                s_error (self, "too many separate stretches of lost records");
                goto cleanup;
            }
            reach = skip_to;
        }
        found->torn_bytes_cut = tail;
    }
    reach = s_max (reach, self->watermark);
    if (self->range_count)
        reach = s_max (reach, self->ranges [self->range_count - 1].last);
    found->damaged_records = walk.lost;

    //  Durable marks first: from here on, a crash finds them.
    self->next_seq = self->synced_next = reach + 1;
    if (walk.lost || found->seqs_skipped || self->high != reach) {
        self->high = reach;
        if (s_state_persist (self))
            goto cleanup;
    }

    //  Pass 2: act, last segment first so indices below stay put.
    char kept [S_NAME_MAX + 24] = "";
    size_t first_repair = count;
    for (size_t i = count; i-- > 0;) {
        s_segment_name (name, seen [i].first);
        if (seen [i].action == S_REPAIR) {
            if (s_repair (self, i, kept, sizeof kept))
                goto cleanup;
            found->damaged_segments++;
            first_repair = i;           //  kept is the lowest one's in the end
        }
        else
        if (seen [i].action == S_REMOVE
        ||  (seen [i].action == S_CUT && seen [i].scan.good_end == 0)) {
            if (s_segment_remove (self, i))
                goto cleanup;
        }
        else
        if (seen [i].action == S_CUT) {
            int fd = openat (self->dir_fd, name, O_WRONLY | O_CLOEXEC);
            if (fd < 0 || ftruncate (fd, (off_t) seen [i].scan.good_end)) {
                s_error (self, "cannot cut the torn tail of %s: %s", name, strerror (errno));
                if (fd >= 0)
                    close (fd);
                goto cleanup;
            }
            close (fd);
        }
    }

    s_tell (found, self, seen, count, first_repair, kept, &walk);

    //  Append to the last segment.  fsync it: the crashed process may have
    //  left records written but not synced, and they are about to be sent.
    self->sync_first = self->next_seq;
    self->sync_len = 0;
    if (self->segment_count > 0) {
        uint64_t last = self->segments [self->segment_count - 1];
        s_segment_name (name, last);
        int fd = openat (self->dir_fd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat (fd, &st) || fsync (fd)) {
            s_error (self, "cannot open %s: %s", name, strerror (errno));
            if (fd >= 0)
                close (fd);
            goto cleanup;
        }
        self->write_fd = fd;
        self->write_first = last;
        self->write_size = (uint64_t) st.st_size;
        self->sync_first = last;
        self->sync_len = self->write_size;
    }
    s_prune (self);
    struct stat st;
    if (fstatat (self->dir_fd, "reserve", &st, 0) == 0 && st.st_size == S_RESERVE_SIZE)
        self->have_reserve = true;
    else
        s_reserve_make (self);
    rc = 0;
cleanup:
    free (seen);
    return rc;
}


//  ---------------------------------------------------------------------
//  The public functions

wdm_outbox_t *
wdm_outbox_new (const char *dir, wdm_outbox_recovery_t *recovery, char *err, size_t err_size)
{
    assert (dir);
    wdm_outbox_recovery_t found;
    memset (&found, 0, sizeof found);
    wdm_outbox_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        goto done;
    }
    self->dir_fd = self->lock_fd = self->write_fd = -1;
    s_reader_reset (&self->reader, -1);
    self->dir = strdup (dir);
    self->write_buf = malloc (S_BUFFER);
    self->reader.buf = malloc (S_BUFFER);
    self->ranges = malloc (S_RANGES_MAX * sizeof *self->ranges);
    self->state_buf = malloc (S_STATE_MAX);
    if (!self->dir || !self->write_buf || !self->reader.buf || !self->ranges || !self->state_buf) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        wdm_outbox_destroy (&self);
        goto done;
    }
    if (s_open_dir (self) || s_list_segments (self) || s_load_state (self)
    ||  s_cut_unsynced (self) || s_recover (self, &found)) {
        snprintf (err, err_size, "%s", self->error);
        self->state_dirty = false;      //  write nothing more on the way out
        self->next_seq = self->synced_next;
        wdm_outbox_destroy (&self);
        goto done;
    }
    self->error [0] = '\0';
    if (err_size)
        err [0] = '\0';
done:
    if (recovery)
        *recovery = found;
    return self;
}

void
wdm_outbox_destroy (wdm_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_outbox_t *self = *self_p;
    if (self->next_seq != self->synced_next && !self->broken)
        s_rollback (self);
    if (self->state_dirty)
        s_state_persist (self);
    if (self->write_fd >= 0)
        close (self->write_fd);
    if (self->reader.fd >= 0)
        close (self->reader.fd);
    if (self->lock_fd >= 0)
        close (self->lock_fd);          //  releases the flock
    if (self->dir_fd >= 0)
        close (self->dir_fd);
    free (self->dir);
    free (self->segments);
    free (self->write_buf);
    free (self->reader.buf);
    free (self->ranges);
    free (self->state_buf);
    free (self);
    *self_p = NULL;
}

uint64_t
wdm_outbox_epoch (const wdm_outbox_t *self)
{
    return self->epoch;
}

int
wdm_outbox_append (wdm_outbox_t *self, const void *payload, size_t size, uint64_t *seq)
{
    if (size > WDM_OUTBOX_PAYLOAD_MAX || (size > 0 && !payload)) {
        errno = EINVAL;
        s_error (self, "cannot append a payload of %zu bytes: at most %d", size,
                 WDM_OUTBOX_PAYLOAD_MAX);
        return -1;
    }
    if (self->broken) {
        errno = EIO;
        return -1;                      //  the message of the failed rollback stands
    }
    if (self->next_seq > S_SEQ_MAX) {
        errno = EOVERFLOW;
        s_error (self, "no seq left in epoch %" PRIu64, self->epoch);
        return -1;
    }
    size_t total = S_HEADER + size;
    if (self->write_fd >= 0 && self->write_size > 0
    &&  self->write_size + total > WDM_OUTBOX_SEGMENT_MAX
    &&  s_rotate (self))
        goto failed;
    if (self->write_fd < 0 && s_segment_create (self))
        goto failed;
    if (self->write_len + total > S_BUFFER && s_flush (self))
        goto failed;

    uint8_t *p = self->write_buf + self->write_len;
    memcpy (p, S_MAGIC, 4);
    s_put32 (p + 4, (uint32_t) size);
    s_put64 (p + 12, self->next_seq);
    if (size)
        memcpy (p + S_HEADER, payload, size);
    s_put32 (p + 8, wdm_crc32 (wdm_crc32 (0, p + 12, 8), p + S_HEADER, size));
    self->write_len += total;
    self->write_size += total;
    *seq = self->next_seq++;
    return 0;
failed:
    s_rollback (self);
    return -1;
}

int
wdm_outbox_sync (wdm_outbox_t *self)
{
    if (self->broken) {
        errno = EIO;
        return -1;
    }
    if (self->next_seq == self->synced_next && !self->dir_dirty)
        return 0;
    char name [S_NAME_MAX];
    s_segment_name (name, self->write_first);
    if (self->write_fd >= 0) {
        if (s_flush (self))
            goto failed;
        if (fsync (self->write_fd)) {
            s_error (self, "cannot fsync %s: %s", name, strerror (errno));
            goto failed;
        }
    }
    if (self->dir_dirty && fsync (self->dir_fd)) {
        s_error (self, "cannot fsync the directory: %s", strerror (errno));
        goto failed;
    }
    self->dir_dirty = false;
    //  The sync mark: records above it are cut when the outbox is opened.
    //  Until it is written, nothing of this sync counts.
    uint64_t high = self->high;
    self->high = s_max (self->high, self->next_seq - 1);
    self->sync_marked = true;
    if (s_state_persist (self)) {
        self->high = high;
        goto failed;
    }
    if (self->write_fd >= 0) {
        self->sync_first = self->write_first;
        self->sync_len = self->write_size;
    }
    self->synced_next = self->next_seq;
    return 0;
failed:
    s_rollback (self);
    return -1;
}

void
wdm_outbox_rollback (wdm_outbox_t *self)
{
    if (!self->broken)
        s_rollback (self);
}

//  How far the cursor may read in segment first: only what is synced.
static uint64_t
s_read_limit (const wdm_outbox_t *self, uint64_t first)
{
    if (first < self->sync_first)
        return UINT64_MAX;
    return first == self->sync_first ? self->sync_len : 0;
}

int
wdm_outbox_next (wdm_outbox_t *self, uint64_t *seq, const void **payload, size_t *size)
{
    char name [S_NAME_MAX];
    if (self->read_failed) {
        errno = EIO;
        return -1;                      //  the message of the damage stands
    }
    for (;;) {
        if (self->reader.fd < 0) {
            size_t index = s_segment_find (self, self->read_first);
            if (index == self->segment_count)
                return 0;
            if (self->segments [index] != self->read_first) {
                self->read_first = self->segments [index];
                self->read_offset = 0;
            }
            if (self->read_offset == 0)
                self->read_min = self->read_first;
            s_segment_name (name, self->read_first);
            int fd = openat (self->dir_fd, name, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                s_error (self, "cannot open %s: %s", name, strerror (errno));
                return -1;
            }
            s_reader_reset (&self->reader, fd);
        }
        uint64_t limit = s_read_limit (self, self->read_first);
        s_record_t record;
        const char *why = NULL;
        s_read_t rc = s_record_at (&self->reader, self->read_offset, limit,
                                   self->read_min, S_SEQ_MAX, &record, &why);
        if (rc == S_GOOD) {
            self->read_offset += S_HEADER + record.size;
            self->read_min = record.seq + 1;
            if (s_done (self, record.seq))
                continue;
            *seq = record.seq;
            *payload = record.bytes + S_HEADER;
            *size = record.size;
            return 1;
        }
        s_segment_name (name, self->read_first);
        if (rc == S_IO) {
            s_error (self, "cannot read %s: %s", name, strerror (errno));
            return -1;
        }
        if (rc == S_END) {
            if (limit != UINT64_MAX)
                return 0;               //  at the sync point
            size_t index = s_segment_find (self, self->read_first + 1);
            if (index == self->segment_count)
                return 0;
            close (self->reader.fd);
            s_reader_reset (&self->reader, -1);
            self->read_first = self->segments [index];
            self->read_offset = 0;
            continue;
        }
        self->read_failed = true;
        errno = EIO;
        s_error (self, "%s: %s at offset %" PRIu64 ", damaged since the outbox was opened;"
                 " reopen it to repair", name, why, self->read_offset);
        return -1;
    }
}

void
wdm_outbox_rewind (wdm_outbox_t *self)
{
    if (self->reader.fd >= 0)
        close (self->reader.fd);
    s_reader_reset (&self->reader, -1);
    self->read_first = 0;
    self->read_offset = 0;
}

int
wdm_outbox_ack (wdm_outbox_t *self, uint64_t first, uint64_t last)
{
    if (first == 0 || first > last || last >= self->synced_next) {
        errno = EINVAL;
        s_error (self, "cannot acknowledge seqs %" PRIu64 "..%" PRIu64 ": only 1..%" PRIu64
                 " were synced", first, last, self->synced_next - 1);
        return -1;
    }
    uint64_t added;
    if (s_mark (self, first, last, &added)) {
        s_error (self, "cannot acknowledge seqs %" PRIu64 "..%" PRIu64 ": %d separate ranges"
                 " are acknowledged above seq %" PRIu64 " already, which is not",
                 first, last, S_RANGES_MAX, self->watermark + 1);
        return -1;
    }
    self->acknowledged += added;
    if (added)
        self->state_dirty = true;
    if (self->state_dirty && s_state_persist (self))
        return -1;
    s_prune (self);
    if (!self->have_reserve)
        s_reserve_make (self);
    return 0;
}

void
wdm_outbox_stats (const wdm_outbox_t *self, wdm_outbox_stats_t *stats)
{
    uint64_t done = s_done_count (self->watermark, self->ranges, self->range_count);
    stats->epoch = self->epoch;
    stats->next_seq = self->next_seq;
    stats->queued = self->next_seq - 1 > done ? self->next_seq - 1 - done : 0;
    stats->acknowledged = self->acknowledged;
}

const char *
wdm_outbox_error (const wdm_outbox_t *self)
{
    return self->error;
}

//  Name of the last segment in the directory: 1 and *first, 0 if none, -1.
static int
s_peek_last_segment (int dir_fd, uint64_t *first)
{
    int fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)) != NULL) {
        uint64_t value;
        if (s_segment_parse (entry->d_name, &value) && (rc == 0 || value > *first)) {
            *first = value;
            rc = 1;
        }
    }
    closedir (dir);
    return rc;
}

//  Seq of the last whole record in segment first, by its headers alone;
//  first - 1 if it holds none.  -1 with errno if it cannot be read.
static int
s_peek_last_seq (int dir_fd, uint64_t first, uint8_t *buf, uint64_t *last)
{
    char name [S_NAME_MAX];
    s_segment_name (name, first);
    int fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat (fd, &st)) {
        int saved = errno;
        if (fd >= 0)
            close (fd);
        errno = saved;
        return -1;
    }
    s_reader_t reader = { fd, buf, 0, 0 };
    uint64_t offset = 0;
    *last = first - 1;
    for (;;) {
        const uint8_t *p;
        ssize_t avail = s_reader_get (&reader, offset, S_HEADER, UINT64_MAX, &p);
        if (avail < S_HEADER || memcmp (p, S_MAGIC, 4) != 0)
            break;
        uint64_t size = s_get32 (p + 4), seq = s_get64 (p + 12);
        if (size > WDM_OUTBOX_PAYLOAD_MAX || seq <= *last
        ||  offset + S_HEADER + size > (uint64_t) st.st_size)
            break;
        *last = seq;
        offset += S_HEADER + size;
    }
    close (fd);
    return 0;
}

int
wdm_outbox_peek (const char *dir, wdm_outbox_stats_t *stats, char *err, size_t err_size)
{
    int rc = -1;
    int dir_fd = -1;
    uint8_t *buf = malloc (S_BUFFER);
    s_range_t *ranges = malloc (S_RANGES_MAX * sizeof *ranges);
    s_state_t state;
    uint64_t epoch;
    const char *why;
    if (!buf || !ranges) {
        snprintf (err, err_size, "outbox %s: out of memory", dir);
        goto cleanup;
    }
    dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        snprintf (err, err_size, "no outbox at %s: %s", dir, strerror (errno));
        goto cleanup;
    }
    if (s_epoch_read (dir_fd, &epoch)) {
        if (errno == ENOENT)
            snprintf (err, err_size, "%s is not an outbox (no epoch file)", dir);
        else
            snprintf (err, err_size, "outbox %s: the epoch file is unreadable: %s", dir,
                      errno == EINVAL ? "bad length, magic or CRC" : strerror (errno));
        goto cleanup;
    }
    //  The owner replaces the state file by rename, so it is whole.
    if (s_state_read (dir_fd, buf, &state, ranges, &why)) {
        snprintf (err, err_size, "outbox %s: the state file is unreadable: %s", dir,
                  why ? why : strerror (errno));
        goto cleanup;
    }
    if (state.epoch != epoch) {
        snprintf (err, err_size, "outbox %s: the state file belongs to another epoch", dir);
        goto cleanup;
    }
    uint64_t last = s_max (state.high, state.watermark);
    if (state.range_count)
        last = s_max (last, ranges [state.range_count - 1].last);
    //  The owner may delete the last segment between listing and opening.
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t first, last_seq;
        int found = s_peek_last_segment (dir_fd, &first);
        if (found < 0) {
            snprintf (err, err_size, "outbox %s: cannot list it: %s", dir, strerror (errno));
            goto cleanup;
        }
        if (found == 0)
            break;
        if (s_peek_last_seq (dir_fd, first, buf, &last_seq) == 0) {
            last = s_max (last, last_seq);
            break;
        }
        if (errno != ENOENT || attempt == 2) {
            snprintf (err, err_size, "outbox %s: cannot read its last segment: %s",
                      dir, strerror (errno));
            goto cleanup;
        }
    }
    uint64_t done = s_done_count (state.watermark, ranges, state.range_count);
    stats->epoch = epoch;
    stats->next_seq = last + 1;
    stats->queued = last > done ? last - done : 0;
    stats->acknowledged = state.acknowledged;
    rc = 0;
cleanup:
    if (dir_fd >= 0)
        close (dir_fd);
    free (buf);
    free (ranges);
    return rc;
}
