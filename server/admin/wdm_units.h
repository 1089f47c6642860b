/*  wdm_units: the operator's work on member units — register a unit and
    issue its CURVE key pair as a collector bundle, revoke its keys, list
    units — and the catalog file a collector checks records against.  */

#ifndef WDM_UNITS_H_INCLUDED
#define WDM_UNITS_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *code;     //  e.g. "town_meichang"
    const char *name_zh;  //  needed only to create a unit that does not exist
    const char *name_en;
    const char *kind;  //  department, town, street, organization
    const char *area;  //  area code the unit reports for
} wdm_unit_spec_t;

//  Create the unit if it does not exist, generate a key pair, register
//  its public half, and write a bundle directory for the unit's collector:
//  collector.conf, unit.key (mode 0600), unit.pub, server.pub and
//  catalog.json, plan's catalog (its code, as wdm_check_plan resolved
//  it).  bundle must not exist yet.  One transaction: if the bundle
//  cannot be written nothing is registered.  0, or -1 with err.
//  must_exist: refuse to create the unit (key rotation).  The new public
//  key is copied to public_key (41 bytes) when it is not NULL.
int wdm_units_add (PGconn *conn, const wdm_unit_spec_t *spec, const char *plan, const char *bundle,
                   const char *server_public_key, const char *endpoint, bool must_exist, char *public_key,
                   char *err, size_t err_size);

//  Revoke every active key of a unit but keep (NULL: none): its collector
//  is refused on its next connection.  0 with *revoked set to how many
//  keys, or -1 with err.
int wdm_units_revoke (PGconn *conn, const char *code, const char *keep, int *revoked, char *err,
                      size_t err_size);

//  Write the catalog as the collector reads it (JSON: the years records
//  may carry and the checks of each indicator plan has an active target
//  on).  plan is a plan's code, resolved by wdm_check_plan (the one place
//  that picks the current plan).  0, or -1 (logged; also when there is no
//  such plan).
int wdm_units_write_catalog (PGconn *conn, const char *plan, FILE *out);

#endif
