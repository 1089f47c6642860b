/*  test_yaml: the YAML reader a person's files go through (site files,
    plan files).  Each mistake is an error naming the file, the line and
    the field, Chinese first; an unknown key names the nearest valid one;
    all errors are collected, not just the first.  */

#include "wdm_suggest.h"
#include "wdm_test.h"
#include "wdm_yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Parse text as a file named "t.yaml".
static wdm_yaml_t *
s_parse (const char *text)
{
    wdm_yaml_t *yaml = wdm_yaml_parse ("t.yaml", text, strlen (text));
    CU_ASSERT_PTR_NOT_NULL_FATAL (yaml);
    return yaml;
}

//  The reader's errors hold text; shown when they do not.
static void
s_has (wdm_yaml_t *yaml, const char *text)
{
    if (!strstr (wdm_yaml_errors (yaml), text)) {
        fprintf (stderr, "\n  errors lack '%s':\n%s", text, wdm_yaml_errors (yaml));
        CU_FAIL ("error text missing");
    }
}

static const char *const s_keys [] = { "code", "name_zh", "level", "count", "lead", "items", "sub", NULL };

static void
test_fields_read (void)
{
    wdm_yaml_t *yaml = s_parse ("# a comment\n"
                                "code: wuqing\n"
                                "name_zh: \"武清区\"\n"
                                "level: district\n"
                                "count: 42\n"
                                "lead: false\n"
                                "items: [a, b, c]\n"
                                "sub:\n"
                                "  x: 1\n");
    const wdm_yaml_node_t *root = wdm_yaml_root (yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL (root);
    CU_ASSERT_EQUAL (wdm_yaml_check_keys (yaml, root, NULL, s_keys), 0);
    CU_ASSERT_STRING_EQUAL (wdm_yaml_string (yaml, root, NULL, "code", true), "wuqing");
    CU_ASSERT_STRING_EQUAL (wdm_yaml_string (yaml, root, NULL, "name_zh", true), "武清区");
    static const char *const levels [] = { "district", "town", NULL };
    CU_ASSERT_STRING_EQUAL (wdm_yaml_word (yaml, root, NULL, "level", true, levels), "district");
    //  The word found is the document's: it outlives the list of words.
    char word [16] = "district";
    const char *const words [] = { word, NULL };
    const char *level = wdm_yaml_word (yaml, root, NULL, "level", true, words);
    memset (word, 0, sizeof word);
    CU_ASSERT_STRING_EQUAL (level, "district");
    long count = 0;
    CU_ASSERT_EQUAL (wdm_yaml_int (yaml, root, NULL, "count", true, 0, 100, &count), 1);
    CU_ASSERT_EQUAL (count, 42);
    bool lead = true;
    CU_ASSERT_EQUAL (wdm_yaml_bool (yaml, root, NULL, "lead", true, &lead), 1);
    CU_ASSERT_FALSE (lead);
    const wdm_yaml_node_t *items = wdm_yaml_seq (yaml, root, NULL, "items", true);
    CU_ASSERT_EQUAL_FATAL (wdm_yaml_size (items), 3);
    CU_ASSERT_STRING_EQUAL (wdm_yaml_scalar (wdm_yaml_item (yaml, items, 2)), "c");
    CU_ASSERT_PTR_NULL (wdm_yaml_item (yaml, items, 3));
    const wdm_yaml_node_t *sub = wdm_yaml_map (yaml, root, NULL, "sub", true);
    CU_ASSERT_EQUAL (wdm_yaml_line (sub), 9);
    //  Optional fields that are absent are no error.
    CU_ASSERT_PTR_NULL (wdm_yaml_string (yaml, root, NULL, "parent", false));
    CU_ASSERT_EQUAL (wdm_yaml_int (yaml, sub, "sub", "y", false, 0, 9, &count), 0);
    CU_ASSERT_EQUAL (wdm_yaml_error_count (yaml), 0);
    CU_ASSERT_STRING_EQUAL (wdm_yaml_errors (yaml), "");
    wdm_yaml_destroy (&yaml);
    CU_ASSERT_PTR_NULL (yaml);
    wdm_yaml_destroy (&yaml);
}

static void
test_every_error_named (void)
{
    wdm_yaml_t *yaml = s_parse ("code: wuqing\n"
                                "levle: town\n"      //  2: a typo
                                "count: many\n"      //  3: not a number
                                "lead: yes\n"        //  4: not true/false
                                "items: a\n"         //  5: not a list
                                "code: again\n"      //  6: given twice
                                "level: county\n");  //  7: not a valid word
    const wdm_yaml_node_t *root = wdm_yaml_root (yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL (root);
    CU_ASSERT_EQUAL (wdm_yaml_check_keys (yaml, root, "area 'x'", s_keys), 2);
    long count;
    bool lead;
    static const char *const levels [] = { "district", "town", "street", NULL };
    CU_ASSERT_EQUAL (wdm_yaml_int (yaml, root, "area 'x'", "count", true, 0, 9, &count), -1);
    CU_ASSERT_EQUAL (wdm_yaml_bool (yaml, root, "area 'x'", "lead", true, &lead), -1);
    CU_ASSERT_PTR_NULL (wdm_yaml_seq (yaml, root, "area 'x'", "items", true));
    CU_ASSERT_PTR_NULL (wdm_yaml_word (yaml, root, "area 'x'", "level", true, levels));
    CU_ASSERT_PTR_NULL (wdm_yaml_string (yaml, root, "area 'x'", "name_zh", true));
    CU_ASSERT_EQUAL (wdm_yaml_error_count (yaml), 7);
    s_has (yaml,
           "t.yaml:2: area 'x': field 'levle': 未知的字段 / unknown field; 相近的 / did you mean: level");
    s_has (yaml, "t.yaml:3: area 'x': field 'count': 应为整数");
    s_has (yaml, "t.yaml:4: area 'x': field 'lead': 应为 true 或 false");
    s_has (yaml,
           "t.yaml:5: area 'x': field 'items': 应为列表,实为单个值 / expected a list, not a single value");
    s_has (yaml, "t.yaml:6: area 'x': field 'code': 字段重复 / the field is given twice");
    s_has (yaml,
           "t.yaml:7: area 'x': field 'level': 不能是 'county' / cannot be 'county'; 有效的 / valid: "
           "district, town, street");
    s_has (yaml, "t.yaml:1: area 'x': field 'name_zh': 缺少必填字段 / missing required field");
    wdm_yaml_destroy (&yaml);
}

static void
test_ranges_and_nulls (void)
{
    wdm_yaml_t *yaml = s_parse ("count: 120\nparent: ~\nname_zh: ''\nlead:\n");
    const wdm_yaml_node_t *root = wdm_yaml_root (yaml);
    long count = 0;
    CU_ASSERT_EQUAL (wdm_yaml_int (yaml, root, NULL, "count", true, 0, 100, &count), -1);
    s_has (yaml, "t.yaml:1: field 'count': 120 不在 0 至 100 之内 / 120 is outside 0-100");
    CU_ASSERT_PTR_NULL (wdm_yaml_string (yaml, root, NULL, "parent", false));
    CU_ASSERT_PTR_NULL (wdm_yaml_string (yaml, root, NULL, "name_zh", true));
    s_has (yaml, "t.yaml:3: field 'name_zh': 不能为空 / must not be empty");
    bool lead;
    CU_ASSERT_EQUAL (wdm_yaml_bool (yaml, root, NULL, "lead", false, &lead), 0);
    CU_ASSERT_EQUAL (wdm_yaml_error_count (yaml), 2);
    wdm_yaml_destroy (&yaml);
}

static void
test_bad_yaml (void)
{
    wdm_yaml_t *yaml = s_parse ("areas:\n  - code: a\n    name: [unclosed\n  - code: b\n");
    CU_ASSERT_PTR_NULL (wdm_yaml_root (yaml));
    CU_ASSERT_EQUAL (wdm_yaml_error_count (yaml), 1);
    s_has (yaml, "t.yaml:4: YAML 语法错误 / YAML syntax error: ");
    wdm_yaml_destroy (&yaml);

    yaml = s_parse ("# only a comment\n");
    CU_ASSERT_PTR_NULL (wdm_yaml_root (yaml));
    s_has (yaml, "t.yaml:1: 文件为空 / the file is empty");
    wdm_yaml_destroy (&yaml);

    yaml = s_parse ("a: 1\n---\nb: 2\n");
    CU_ASSERT_PTR_NOT_NULL (wdm_yaml_root (yaml));
    s_has (yaml, "t.yaml:3: 文件只能有一个文档 / the file must hold one document");
    wdm_yaml_destroy (&yaml);

    yaml = s_parse ("- a\n- b\n");
    CU_ASSERT_EQUAL (wdm_yaml_check_keys (yaml, wdm_yaml_root (yaml), "the file", s_keys), 1);
    s_has (yaml,
           "t.yaml:1: the file: 应为映射(键: 值),实为列表 / expected a mapping (key: value), not a list");
    wdm_yaml_destroy (&yaml);
}

static void
test_load_file (void)
{
    char path [] = "/tmp/wdm_test_yaml.XXXXXX";
    int fd = mkstemp (path);
    CU_ASSERT_FATAL (fd >= 0);
    const char *text = "a: 1\nb:\n  - x\n";
    CU_ASSERT_EQUAL (write (fd, text, strlen (text)), (ssize_t)strlen (text));
    close (fd);
    wdm_yaml_t *yaml = wdm_yaml_load (path);
    CU_ASSERT_PTR_NOT_NULL_FATAL (yaml);
    CU_ASSERT_EQUAL (wdm_yaml_size (wdm_yaml_root (yaml)), 2);
    wdm_yaml_error (yaml, wdm_yaml_get (yaml, wdm_yaml_root (yaml), "b"), "thing 'b'", "b", "坏 / bad %d", 7);
    char expected [256];
    snprintf (expected, sizeof expected, "%s:3: thing 'b': field 'b': 坏 / bad 7\n", path);
    CU_ASSERT_STRING_EQUAL (wdm_yaml_errors (yaml), expected);
    wdm_yaml_destroy (&yaml);
    unlink (path);

    yaml = wdm_yaml_load ("/nonexistent/site.yaml");
    CU_ASSERT_PTR_NULL (wdm_yaml_root (yaml));
    s_has (yaml, "/nonexistent/site.yaml: 无法打开 / cannot open: No such file or directory");
    wdm_yaml_destroy (&yaml);
}

static void
test_suggest (void)
{
    static const char *const codes [] = { "health_commission", "hrss_bureau", "education_bureau" };
    char out [256] = "";
    wdm_suggest_append ("health_comission", codes, 3, 0, out, sizeof out);
    CU_ASSERT_STRING_EQUAL (out, "; 相近的 / did you mean: health_commission");
    out [0] = '\0';
    wdm_suggest_append ("zzz", codes, 3, 0, out, sizeof out);
    CU_ASSERT_STRING_EQUAL (out, "");
    wdm_suggest_append ("zzz", codes, 3, 3, out, sizeof out);
    CU_ASSERT_STRING_EQUAL (out, "; 有效的 / valid: health_commission, hrss_bureau, education_bureau");
    CU_ASSERT_EQUAL (wdm_suggest_distance ("kitten", "sitting"), 3);
}

//  The writer: what would read back as something else is quoted, numbers
//  the format means are plain, a joined list is a flow sequence; what it
//  wrote reads back as the same text.
static void
test_write (void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL (out);
    wdm_yaml_out_t *writer = wdm_yaml_out_new (out, "# header\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL (writer);
    CU_ASSERT_EQUAL (wdm_yaml_out_map (writer, false) || wdm_yaml_out_field (writer, "code", "null", false)
                         || wdm_yaml_out_field (writer, "lead", "true", false)
                         || wdm_yaml_out_field (writer, "count", "8.5", true)
                         || wdm_yaml_out_field (writer, "level", NULL, false)
                         || wdm_yaml_out_field (writer, "name_zh", "妇联: \"甲\"", false)
                         || wdm_yaml_out_list (writer, "items", "A,,B,no", ',')
                         || wdm_yaml_out_map_end (writer) || wdm_yaml_out_end (writer),
                     0);
    wdm_yaml_out_destroy (&writer);
    wdm_yaml_out_destroy (&writer);  //  NULL accepted
    fclose (out);
    CU_ASSERT_STRING_EQUAL (text,
                            "# header\ncode: 'null'\nlead: 'true'\ncount: 8.5\nname_zh: '妇联: \"甲\"'\n"
                            "items: [A, '', B, 'no']\n");
    wdm_yaml_t *yaml = s_parse (text);
    const wdm_yaml_node_t *root = wdm_yaml_root (yaml);
    CU_ASSERT_STRING_EQUAL (wdm_yaml_string (yaml, root, NULL, "code", true), "null");
    CU_ASSERT_STRING_EQUAL (wdm_yaml_string (yaml, root, NULL, "name_zh", true), "妇联: \"甲\"");
    CU_ASSERT_EQUAL (wdm_yaml_size (wdm_yaml_seq (yaml, root, NULL, "items", true)), 4);
    CU_ASSERT_EQUAL (wdm_yaml_error_count (yaml), 0);
    wdm_yaml_destroy (&yaml);
    free (text);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "every kind of field is read", test_fields_read },
        { "every mistake is an error with line and field", test_every_error_named },
        { "ranges, nulls and empty values", test_ranges_and_nulls },
        { "bad YAML, an empty file, two documents, not a mapping", test_bad_yaml },
        { "a file on disk; errors name it", test_load_file },
        { "the nearest valid codes", test_suggest },
        { "the writer quotes what needs it", test_write },
    };
    return wdm_test_run_suite ("yaml", tests, sizeof tests / sizeof tests [0]);
}
