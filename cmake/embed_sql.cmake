# Turn the numbered migrations in sql/ into a C source file, so that
# `wdmon migrate` carries its schema with it and needs no files at run time.
#
#   cmake -DOUT=file.c -DSQL_DIR=dir -P embed_sql.cmake
#
# Each NNN_name.sql becomes one entry of wdm_migrate_bundle, in order.

file (GLOB files RELATIVE "${SQL_DIR}" "${SQL_DIR}/[0-9][0-9][0-9]_*.sql")
list (SORT files)

set (body "/*  Generated from sql/ by cmake/embed_sql.cmake: do not edit.  */\n\n")
string (APPEND body "#include \"wdm_migrate.h\"\n\n")
set (entries "")
set (count 0)
foreach (name IN LISTS files)
    string (SUBSTRING "${name}" 0 3 version)
    string (REGEX REPLACE "^0+([0-9])" "\\1" version_number "${version}")
    file (READ "${SQL_DIR}/${name}" hex HEX)
    string (REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    string (REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    " bytes "${bytes}")
    string (APPEND body "static const unsigned char s_sql_${version} [] = {\n    ${bytes}0x00\n};\n\n")
    string (APPEND entries "    { ${version_number}, \"${name}\", (const char *) s_sql_${version} },\n")
    math (EXPR count "${count} + 1")
endforeach ()
string (APPEND body "const wdm_migration_t wdm_migrate_bundle [] = {\n${entries}};\n\n")
string (APPEND body "const int wdm_migrate_bundle_size = ${count};\n")

# Write only when the content changed, so that nothing rebuilds needlessly.
if (EXISTS "${OUT}")
    file (READ "${OUT}" old)
endif ()
if (NOT "${old}" STREQUAL "${body}")
    file (WRITE "${OUT}" "${body}")
endif ()
