/*  test_config: an option table fills a struct from defaults, an INI file
    and single settings, and every bad input is refused with an error that
    names the file, the line and the key.  */

#include "wdm_config.h"
#include "wdm_test.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char endpoint [32];
    long batch;
    int curve;
    char outbox [64];
} s_conf_t;

static const wdm_option_t s_table [] = {
    { "server", "endpoint", WDM_OPT_STRING, "tcp://127.0.0.1:7300", 0, 0, offsetof (s_conf_t, endpoint),
      sizeof ((s_conf_t *)0)->endpoint, "where" },
    { "server", "batch", WDM_OPT_INT, "500", 1, 10000, offsetof (s_conf_t, batch), sizeof (long),
      "records per batch" },
    { "server", "curve", WDM_OPT_BOOL, "true", 0, 0, offsetof (s_conf_t, curve), sizeof (int), "encrypt" },
    { "outbox", "dir", WDM_OPT_STRING, NULL, 0, 0, offsetof (s_conf_t, outbox),
      sizeof ((s_conf_t *)0)->outbox, "spool" },
    WDM_OPTION_END
};

static char s_path [64];

//  Write text to a fresh temporary file; its path is in s_path.
static void
s_write (const char *text)
{
    snprintf (s_path, sizeof s_path, "/tmp/wdm_test_config_XXXXXX");
    int fd = mkstemp (s_path);
    CU_ASSERT_FATAL (fd >= 0);
    CU_ASSERT_FATAL (write (fd, text, strlen (text)) == (ssize_t)strlen (text));
    close (fd);
}

//  Load text over the defaults: 0 or -1, with err filled.
static int
s_load (const char *text, s_conf_t *conf, char *err)
{
    s_write (text);
    CU_ASSERT_EQUAL_FATAL (wdm_config_defaults (s_table, conf, err, WDM_CONFIG_ERR_MAX), 0);
    int rc = wdm_config_load (s_table, conf, s_path, err, WDM_CONFIG_ERR_MAX);
    unlink (s_path);
    return rc;
}

static void
test_defaults (void)
{
    s_conf_t conf;
    char err [WDM_CONFIG_ERR_MAX];
    memset (&conf, 0x7F, sizeof conf);
    CU_ASSERT_EQUAL (wdm_config_defaults (s_table, &conf, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL (conf.endpoint, "tcp://127.0.0.1:7300");
    CU_ASSERT_EQUAL (conf.batch, 500);
    CU_ASSERT_EQUAL (conf.curve, 1);
    CU_ASSERT_STRING_EQUAL (conf.outbox, "");
}

static void
test_load_valid_file (void)
{
    s_conf_t conf;
    char err [WDM_CONFIG_ERR_MAX] = "";
    int rc = s_load ("\xEF\xBB\xBF; a comment, after a UTF-8 BOM\n"
                     "[server]\n"
                     "endpoint = tcp://10.0.0.1:7300\n"
                     "batch = 2000\n"
                     "curve = off\n"
                     "\n"
                     "[outbox]\n"
                     "dir = /var/spool/wdmon/梅厂镇\n",
                     &conf, err);
    CU_ASSERT_EQUAL (rc, 0);
    CU_ASSERT_STRING_EQUAL (err, "");
    CU_ASSERT_STRING_EQUAL (conf.endpoint, "tcp://10.0.0.1:7300");
    CU_ASSERT_EQUAL (conf.batch, 2000);
    CU_ASSERT_EQUAL (conf.curve, 0);
    CU_ASSERT_STRING_EQUAL (conf.outbox, "/var/spool/wdmon/梅厂镇");
}

static void
test_unknown_key_is_named (void)
{
    s_conf_t conf;
    char err [WDM_CONFIG_ERR_MAX];
    CU_ASSERT_EQUAL (s_load ("[server]\nbatch = 10\nbatchsize = 10\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, ":3: server.batchsize: unknown option"));
    CU_ASSERT_PTR_NOT_NULL (strstr (err, s_path));
    //  The right key in the wrong section is unknown too.
    CU_ASSERT_EQUAL (s_load ("[outbox]\nbatch = 10\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, ":2: outbox.batch: unknown option"));
}

static void
test_bad_values_are_named (void)
{
    s_conf_t conf;
    char err [WDM_CONFIG_ERR_MAX];
    CU_ASSERT_EQUAL (s_load ("[server]\nbatch = lots\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "server.batch: 'lots' is not a whole number"));
    CU_ASSERT_EQUAL (s_load ("[server]\nbatch = 12x\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "'12x' is not a whole number"));
    CU_ASSERT_EQUAL (s_load ("[server]\nbatch = 0\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "server.batch: 0 is outside 1..10000"));
    CU_ASSERT_EQUAL (s_load ("[server]\nbatch = 99999999999999999999\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "not a whole number"));
    CU_ASSERT_EQUAL (s_load ("[server]\ncurve = maybe\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "server.curve: 'maybe' is not true or false"));
    CU_ASSERT_EQUAL (s_load ("[server]\nendpoint = tcp://a-very-long-host-name.example:7300\n", &conf, err),
                     -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, "server.endpoint: value is"));
    CU_ASSERT_EQUAL (s_load ("[server\nbatch = 5\n", &conf, err), -1);
    CU_ASSERT_PTR_NOT_NULL (strstr (err, ":1: not a valid INI line"));
}

static void
test_missing_file (void)
{
    s_conf_t conf;
    char err [WDM_CONFIG_ERR_MAX];
    CU_ASSERT_EQUAL (wdm_config_defaults (s_table, &conf, err, sizeof err), 0);
    CU_ASSERT_EQUAL (wdm_config_load (s_table, &conf, "/nonexistent/wdmon.conf", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL (err, "/nonexistent/wdmon.conf: No such file or directory");
}

static void
test_set_overrides (void)
{
    s_conf_t conf;
    char err [WDM_CONFIG_ERR_MAX];
    CU_ASSERT_EQUAL (s_load ("[server]\nbatch = 20\n", &conf, err), 0);
    CU_ASSERT_EQUAL (wdm_config_set (s_table, &conf, "server", "batch", "30", err, sizeof err), 0);
    CU_ASSERT_EQUAL (conf.batch, 30);
    CU_ASSERT_EQUAL (wdm_config_set (s_table, &conf, "server", "nope", "1", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL (err, "server.nope: unknown option");
    CU_ASSERT_EQUAL (conf.batch, 30);  //  a refused setting changes nothing
    CU_ASSERT_EQUAL (wdm_config_set (s_table, &conf, "server", "batch", "-3", err, sizeof err), -1);
    CU_ASSERT_EQUAL (conf.batch, 30);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "defaults fill every field", test_defaults },
        { "a valid file with BOM, comments and UTF-8 loads", test_load_valid_file },
        { "an unknown key is named with file and line", test_unknown_key_is_named },
        { "bad numbers, ranges, booleans, lengths and lines are named", test_bad_values_are_named },
        { "a missing file says so", test_missing_file },
        { "set overrides a loaded value; a refused set changes nothing", test_set_overrides },
    };
    return wdm_test_run_suite ("config", tests, sizeof tests / sizeof tests [0]);
}
