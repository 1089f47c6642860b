/*  wdm_collector_journal: the intake journal, inbox/.taking.  Intake
    (wdm_collector_intake.c) writes it before a file is read and clears it
    once the file has moved; wdm_collector_run recovers it at start.  Owns
    that one file.

    A crash between the outbox's sync and the file's move to done/ would
    leave a file whose records are already taken waiting in the inbox: read
    again, they would be sent twice under new seqs.  So before a file is
    read, inbox/.taking names it with the first seq its records get; at
    start, a journal naming a file still in the inbox says whether its
    records made it into the outbox (the outbox's next seq moved past the
    first) and so whether the file is done or must be read again.  */

#include "wdm_collector_int.h"
#include "wdm_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int
cl_fsync_dir (const char *path)
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
s_journal_path (const cl_collector_t *self, char *path, size_t size)
{
    snprintf (path, size, "%s/.taking", self->config->inbox);
}

int
cl_journal_write (cl_collector_t *self, const char *name, uint64_t first_seq)
{
    char path [2048], temp [2100];
    s_journal_path (self, path, sizeof path);
    snprintf (temp, sizeof temp, "%s.tmp", path);
    FILE *file = fopen (temp, "w");
    if (!file)
        return -1;
    int rc = fprintf (file, "%s\n%llu\n", name, (unsigned long long) first_seq) < 0
          || fflush (file) || fsync (fileno (file));
    if (fclose (file) || rc || rename (temp, path) || cl_fsync_dir (self->config->inbox))
        return -1;
    return 0;
}

void
cl_journal_clear (cl_collector_t *self)
{
    char path [2048];
    s_journal_path (self, path, sizeof path);
    unlink (path);
}

//  At start: finish what a crash interrupted.
void
cl_journal_recover (cl_collector_t *self)
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
            cl_move (self->config->inbox, name, "done");
            cl_fsync_dir (self->config->inbox);
        }
        else
            wdm_log_warn ("intake: %s was being taken in when the collector stopped; "
                          "nothing of it was kept, so it is read again", name);
    }
    unlink (path);
}
