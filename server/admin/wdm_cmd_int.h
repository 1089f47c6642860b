/*  wdm_cmd_int: internal to server/admin, not for other parts.  The
    subcommands of `wdmon` (one module wdm_cmd_<name>.c each; wdmon.c
    dispatches to them) and the command-line glue they share (wdm_cmd.c):
    the configuration the global options fill, the exit codes, connecting
    with the office's zone checked, and turning a check of what the
    operator typed into an exit code and a message.  */

#ifndef WDM_CMD_INT_H_INCLUDED
#define WDM_CMD_INT_H_INCLUDED

#include "wdm_buf.h"
#include "wdm_check.h"
#include "wdm_table.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

//  Exit codes: success, the work failed (database, migration), the
//  command line or the configuration is wrong.
#define WDM_CMD_EXIT_OK     0
#define WDM_CMD_EXIT_FAILED 1
#define WDM_CMD_EXIT_USAGE  2

//  What the global options, WDMON_DB, WDM_TZ and the config file say.
typedef struct {
    char conninfo [1024];  //  libpq connection string; "" uses PG* variables
    char log_level [16];
    char timezone [64];  //  the office's zone: times shown to people are in it
} wdm_cmd_config_t;

//  What the operator may type for a unit or an area, for the checks:
//  (code, name, other names); a value matching any column names the row.
#define WDM_CMD_UNITS_SQL "SELECT code, name_zh, name_en FROM member_unit ORDER BY code"
#define WDM_CMD_AREAS_SQL "SELECT code, name_zh, name_en FROM area ORDER BY code"
//  The years of plan $1 (NULL: of every plan together), for the report,
//  the form and the city's approval (completeness has its own,
//  WDM_COMPLETENESS_YEARS_SQL).
#define WDM_CMD_PLAN_YEARS_SQL                                                                               \
    "SELECT min (period_start), max (period_end) FROM plan WHERE $1::text IS NULL OR code = $1"

//  A subcommand, as wdmon.c dispatches to it: argv [0] is its name,
//  config the global settings.  The exit code; what went wrong is said on
//  stderr.
typedef int (*wdm_cmd_fn_t) (wdm_cmd_config_t *config, int argc, char **argv);

//  --------------------------------------------------------------------
//  The glue (wdm_cmd.c)

//  Connect, and check the office's zone against the database's list of
//  zones (case aside), putting the list's spelling of it in config.  The
//  connection, or NULL with *rc set: USAGE for an unknown zone, named on
//  stderr; FAILED if the database failed (logged).
PGconn *wdm_cmd_connect (wdm_cmd_config_t *config, int *rc);

//  The exit code for a check's result; unless OK, prints "wdmon <command>:
//  <message>" on stderr.
int wdm_cmd_checked (const char *command, wdm_check_result_t result, const char *message);

//  Check an optional code option (*value NULL: nothing to check), pointing
//  *value at code, the code it names.  The exit code: OK, or USAGE /
//  FAILED, said.
int wdm_cmd_check_code (PGconn *conn, const char *command, const char *sql, const char *what_zh,
                        const char *what_en, const char **value, char *code, size_t code_size);

//  The plan a command shows: *value as typed (--plan; NULL: the current
//  plan), checked against the plans; *value then points at code, its
//  code.  The exit code: OK, or USAGE (an unknown plan, said with the
//  nearest; no plan current, said) / FAILED.
int wdm_cmd_check_plan (PGconn *conn, const char *command, const char **value, char *code, size_t code_size);

//  Parse a --format value (text, csv or json) into *format.  OK, or USAGE
//  with "wdmon <command>: --format is text, csv or json" said; bilingual:
//  the Chinese-first message that names the value.
int wdm_cmd_format (const char *command, const char *text, bool bilingual, wdm_table_format_t *format);

//  Whether arg asks for help (--help or -h).
bool wdm_cmd_is_help (const char *arg);

//  A command with actions given no action, or asked for help: usage
//  printed (on stderr for no action) and the exit code; -1 otherwise.
int wdm_cmd_usage_asked (int argc, char **argv, void (*usage) (FILE *out));

//  The end of an import (a file read, checked, applied or dry run, its
//  differences printed): result 0 (done), 1 (refused: the file's errors)
//  or -1 (failed), as wdm_plan_result_t and wdm_site_result_t.  Unless
//  done, errors and "wdmon <command>: 未导入 ... / not imported ..." go to
//  stderr.  The exit code: OK, USAGE or FAILED.
int wdm_cmd_import_said (const char *command, int result, const wdm_buf_t *errors);

//  --------------------------------------------------------------------
//  The subcommands, one module each

//  migrate [--list]: apply the schema migrations or list them.
int wdm_cmd_migrate (wdm_cmd_config_t *config, int argc, char **argv);

//  server-key DIR: the server's CURVE key pair (config unused).
int wdm_cmd_server_key (wdm_cmd_config_t *config, int argc, char **argv);

//  unit add|rotate-key|revoke|list: member units and their keys.
int wdm_cmd_unit (wdm_cmd_config_t *config, int argc, char **argv);

//  catalog export [-o FILE]: the catalog a collector checks against.
int wdm_cmd_catalog (wdm_cmd_config_t *config, int argc, char **argv);

//  responsibility list|assign|drop: who leads or contributes to what.
int wdm_cmd_responsibility (wdm_cmd_config_t *config, int argc, char **argv);

//  warnings [list]|show|ack|evaluate.
int wdm_cmd_warnings (wdm_cmd_config_t *config, int argc, char **argv);

//  status: servers, collectors, silent units, today's figures.
int wdm_cmd_status (wdm_cmd_config_t *config, int argc, char **argv);

//  completeness --year Y: each member unit's reports owed and missing.
int wdm_cmd_completeness (wdm_cmd_config_t *config, int argc, char **argv);

//  site import FILE [--dry-run] | export [FILE]: the site file.
int wdm_cmd_site (wdm_cmd_config_t *config, int argc, char **argv);

//  report --year Y ... -o FILE: the monitoring report.
int wdm_cmd_report (wdm_cmd_config_t *config, int argc, char **argv);

//  user add|passwd|disable|list: the web console's accounts.
int wdm_cmd_user (wdm_cmd_config_t *config, int argc, char **argv);
//  plan import|list|show|export|use: plans as files (docs/PLANS.md).
int wdm_cmd_plan (wdm_cmd_config_t *config, int argc, char **argv);
//  notices [list]|recipient add|list|remove: notices and who gets them.
int wdm_cmd_notices (wdm_cmd_config_t *config, int argc, char **argv);

//  template --unit CODE --year Y [--plan P] -o FILE.xlsx: a unit's Excel form.
int wdm_cmd_template (wdm_cmd_config_t *config, int argc, char **argv);

//  token add|list|revoke: the read API's tokens.
int wdm_cmd_token (wdm_cmd_config_t *config, int argc, char **argv);

//  forward approve --year Y | approvals: 审核后上报, a year approved for the city.
int wdm_cmd_forward (wdm_cmd_config_t *config, int argc, char **argv);

#endif
