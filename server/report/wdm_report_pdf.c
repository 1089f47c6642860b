/*  wdm_report_pdf: the report printed to PDF by headless chromium (see
    wdm_report_pdf.h).  Each call makes a directory under $TMPDIR (else
    /tmp) holding the page, the engine's profile, its stderr and the PDF,
    starts the engine there with posix_spawnp in a process group of its own
    (HOME and the XDG directories pointed into it, so nothing is written
    elsewhere), waits for it up to the time limit, kills the whole group,
    reads the PDF and removes the directory.  It owns nothing beyond the
    call.  */

#define _XOPEN_SOURCE 700  //  nftw
#include "wdm_report_pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

//  The engine's default time limit, seconds (WDM_PDF_TIMEOUT overrides).
#define S_TIMEOUT 60

//  nftw's callback: remove what it visits (depth first).
static int
s_remove (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove (path);
    return 0;
}

//  Write size bytes of data to path.  0, or -1 (errno set).
static int
s_write_file (const char *path, const char *data, size_t size)
{
    FILE *file = fopen (path, "wb");
    if (!file)
        return -1;
    size_t written = fwrite (data, 1, size, file);
    int rc = written == size ? 0 : -1;
    if (fclose (file))
        rc = -1;
    return rc;
}

//  Read the whole of path into a new buffer (*data, *size).  0, or -1.
static int
s_read_file (const char *path, char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *file = fopen (path, "rb");
    if (!file)
        return -1;
    int rc = -1;
    if (fseek (file, 0, SEEK_END) == 0) {
        long length = ftell (file);
        if (length >= 0 && fseek (file, 0, SEEK_SET) == 0 && (*data = malloc ((size_t)length + 1))) {
            *size = fread (*data, 1, (size_t)length, file);
            rc = *size == (size_t)length ? 0 : -1;
        }
    }
    fclose (file);
    if (rc) {
        free (*data);
        *data = NULL;
        *size = 0;
    }
    return rc;
}

//  The last non-empty line of the engine's log at path, into line (at most
//  size bytes, control characters as spaces); "" when there is none.
static void
s_last_line (const char *path, char *line, size_t size)
{
    char *text = NULL;
    size_t length = 0;
    line [0] = '\0';
    if (s_read_file (path, &text, &length) || length == 0) {
        free (text);
        return;
    }
    while (length > 0 && (text [length - 1] == '\n' || text [length - 1] == '\r' || text [length - 1] == ' '))
        length--;
    size_t start = length;
    while (start > 0 && text [start - 1] != '\n')
        start--;
    size_t n = length - start < size - 1 ? length - start : size - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text [start + i];
        line [i] = c < 0x20 ? ' ' : (char)c;
    }
    line [n] = '\0';
    free (text);
}

//  The environment the engine runs in: ours, with HOME and the XDG
//  directories in dir.  A new array of new strings (free with s_env_free),
//  or NULL out of memory.
static char **
s_env_new (const char *dir)
{
    static const char *const own [] = { "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                        "XDG_RUNTIME_DIR" };
    const size_t owned = sizeof own / sizeof *own;
    size_t count = 0;
    while (environ && environ [count])
        count++;
    char **env = calloc (count + owned + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t next = 0;
    for (size_t i = 0; i < count; i++) {
        bool replaced = false;
        for (size_t k = 0; k < owned; k++) {
            size_t len = strlen (own [k]);
            if (strncmp (environ [i], own [k], len) == 0 && environ [i][len] == '=')
                replaced = true;
        }
        if (!replaced && !(env [next++] = strdup (environ [i])))
            goto failed;
    }
    for (size_t k = 0; k < owned; k++) {
        size_t len = strlen (own [k]) + strlen (dir) + 2;
        if (!(env [next] = malloc (len)))
            goto failed;
        snprintf (env [next++], len, "%s=%s", own [k], dir);
    }
    return env;
failed:
    for (size_t i = 0; i < next; i++)
        free (env [i]);
    free (env);
    return NULL;
}

static void
s_env_free (char **env)
{
    for (size_t i = 0; env && env [i]; i++)
        free (env [i]);
    free (env);
}

//  Wait for pid up to seconds, then kill its process group (the engine
//  leaves helpers behind) while pid is still unreaped, so that the group's
//  number cannot have been given to another; then reap it.  Its wait
//  status into *status; true if it ended in time.
static bool
s_wait (pid_t pid, int seconds, int *status)
{
    struct timespec start, now, pause = { 0, 50 * 1000 * 1000 };
    clock_gettime (CLOCK_MONOTONIC, &start);
    bool ended = false;
    for (;;) {
        siginfo_t info = { 0 };
        int got = waitid (P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
        if (got == 0 && info.si_pid == pid) {
            ended = true;
            break;
        }
        if (got < 0 && errno != EINTR)
            break;
        clock_gettime (CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= seconds)
            break;
        nanosleep (&pause, NULL);
    }
    kill (-pid, SIGKILL);
    while (waitpid (pid, status, 0) < 0 && errno == EINTR)
        ;
    return ended;
}

//  Start the engine on dir/report.html printing to dir/report.pdf, its
//  output into dir/engine.log.  0 with *pid, or -1 with errno's cause
//  (the engine not found: ENOENT).
static int
s_spawn (const char *engine, const char *dir, pid_t *pid)
{
    char profile [4200], print [4200], page [4200], log [4200], crashes [4200];
    snprintf (profile, sizeof profile, "--user-data-dir=%s/profile", dir);
    snprintf (crashes, sizeof crashes, "--crash-dumps-dir=%s", dir);
    snprintf (print, sizeof print, "--print-to-pdf=%s/report.pdf", dir);
    snprintf (page, sizeof page, "file://%s/report.html", dir);
    snprintf (log, sizeof log, "%s/engine.log", dir);
    char *const argv [] = { (char *)engine,
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--no-first-run",
                            "--no-default-browser-check",
                            "--disable-extensions",
                            "--disable-background-networking",
                            "--disable-sync",
                            "--mute-audio",
                            "--no-pdf-header-footer",
                            profile,
                            crashes,
                            print,
                            page,
                            NULL };
    int rc = -1, saved = 0;
    char **env = NULL;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init (&actions);
    posix_spawnattr_init (&attr);
    sigset_t none, defaults;
    sigemptyset (&none);
    sigemptyset (&defaults);
    sigaddset (&defaults, SIGPIPE);
    sigaddset (&defaults, SIGTERM);
    sigaddset (&defaults, SIGINT);
    sigaddset (&defaults, SIGCHLD);
    if (!(env = s_env_new (dir))) {
        saved = ENOMEM;
        goto cleanup;
    }
    if (posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0)
        || posix_spawn_file_actions_addopen (&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600)
        || posix_spawn_file_actions_adddup2 (&actions, 1, 2)
        || posix_spawnattr_setflags (&attr,
                                     POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        || posix_spawnattr_setpgroup (&attr, 0) || posix_spawnattr_setsigmask (&attr, &none)
        || posix_spawnattr_setsigdefault (&attr, &defaults)) {
        saved = ENOMEM;
        goto cleanup;
    }
    saved = posix_spawnp (pid, engine, &actions, &attr, argv, env);
    rc = saved ? -1 : 0;
cleanup:
    posix_spawn_file_actions_destroy (&actions);
    posix_spawnattr_destroy (&attr);
    s_env_free (env);
    errno = saved;
    return rc;
}

int
wdm_report_pdf_render (const char *html, size_t size, char **pdf, size_t *pdf_size, char *err,
                       size_t err_size)
{
    int rc = -1;
    *pdf = NULL;
    *pdf_size = 0;
    const char *engine = getenv ("WDM_PDF_ENGINE");
    if (!engine || !*engine)
        engine = "chromium";
    const char *limit_text = getenv ("WDM_PDF_TIMEOUT");
    int limit = limit_text && atoi (limit_text) > 0 ? atoi (limit_text) : S_TIMEOUT;
    const char *tmp = getenv ("TMPDIR");
    char dir [4096], path [4200], line [300];
    snprintf (dir, sizeof dir, "%s/wdmon-pdf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp (dir)) {
        snprintf (err, err_size, "PDF: cannot make a temporary directory in %s: %s",
                  tmp && *tmp ? tmp : "/tmp", strerror (errno));
        return -1;
    }
    snprintf (path, sizeof path, "%s/report.html", dir);
    if (s_write_file (path, html, size)) {
        snprintf (err, err_size, "PDF: cannot write %s: %s", path, strerror (errno));
        goto cleanup;
    }
    pid_t pid;
    if (s_spawn (engine, dir, &pid)) {
        snprintf (err, err_size, "PDF 引擎 %s 无法启动 / the PDF engine %s cannot be started: %s%s", engine,
                  engine, strerror (errno),
                  errno == ENOENT ? " (apt-get install chromium fonts-noto-cjk)" : "");
        goto cleanup;
    }
    int status = 0;
    bool ended = s_wait (pid, limit, &status);
    snprintf (path, sizeof path, "%s/engine.log", dir);
    s_last_line (path, line, sizeof line);
    if (!ended) {
        snprintf (err, err_size, "PDF 引擎 %s 超时 / the PDF engine %s did not finish in %d s%s%s", engine,
                  engine, limit, *line ? ": " : "", line);
        goto cleanup;
    }
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
        char how [64];
        if (WIFSIGNALED (status))
            snprintf (how, sizeof how, "killed by signal %d", WTERMSIG (status));
        else
            snprintf (how, sizeof how, "exit %d", WIFEXITED (status) ? WEXITSTATUS (status) : -1);
        snprintf (err, err_size, "PDF 引擎 %s 失败 / the PDF engine %s failed (%s)%s%s", engine, engine, how,
                  *line ? ": " : "", line);
        goto cleanup;
    }
    snprintf (path, sizeof path, "%s/report.pdf", dir);
    if (s_read_file (path, pdf, pdf_size) || *pdf_size < 5 || memcmp (*pdf, "%PDF-", 5) != 0) {
        snprintf (err, err_size, "PDF 引擎 %s 未生成 PDF / the PDF engine %s made no PDF (exit 0)%s%s",
                  engine, engine, *line ? ": " : "", line);
        free (*pdf);
        *pdf = NULL;
        *pdf_size = 0;
        goto cleanup;
    }
    rc = 0;
cleanup:
    nftw (dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

int
wdm_report_write_pdf (PGconn *conn, const wdm_report_options_t *options, FILE *out,
                      wdm_report_summary_t *summary, char *err, size_t err_size)
{
    int rc = -1;
    char *html = NULL, *pdf = NULL;
    size_t size = 0, pdf_size = 0;
    wdm_report_options_t as_html = *options;
    as_html.format = WDM_REPORT_HTML;
    FILE *memory = open_memstream (&html, &size);
    if (!memory) {
        snprintf (err, err_size, "out of memory");
        return -1;
    }
    int written = wdm_report_write (conn, &as_html, memory, summary, err, err_size);
    if (fclose (memory) && written == 0) {
        snprintf (err, err_size, "out of memory");
        written = -1;
    }
    if (written)
        goto cleanup;
    if (wdm_report_pdf_render (html, size, &pdf, &pdf_size, err, err_size))
        goto cleanup;
    if (fwrite (pdf, 1, pdf_size, out) != pdf_size || fflush (out)) {
        snprintf (err, err_size, "cannot write the PDF: %s", strerror (errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    free (html);
    free (pdf);
    return rc;
}
