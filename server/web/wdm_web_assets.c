/*  wdm_web_assets: everything the console's pages load besides
    themselves, compiled in — the one stylesheet (screen, a phone's narrow
    screen by media query, print), a few lines of JavaScript (select every
    warning shown; the pages work without it), the icon.  Nothing is ever
    loaded from outside.  */

#include "wdm_web_int.h"

#include <string.h>

static const char s_css [] =
    ":root{--red:#b3261e;--yellow:#8a6100;--ink:#1d1d1f;--line:#d0d4da;--soft:#f3f5f8;--accent:#1f5fa8}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.5 \"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;"
    "color:var(--ink);background:#fff}\n"
    ".en{color:#555;font-size:.85em;margin-left:.35em}\n"
    "header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.6rem 1.2rem;"
    "background:#233a5e;color:#fff}\n"
    "header.top .en{color:#c9d6ea}\n"
    ".brand{font-weight:600;font-size:1.05rem}\n"
    "nav{display:flex;gap:1rem}\n"
    "nav a{color:#fff;text-decoration:none;padding:.2rem .1rem;border-bottom:2px solid transparent}\n"
    "nav a[aria-current=page]{border-bottom-color:#fff}\n"
    ".who{margin-left:auto;display:flex;align-items:center;gap:.6rem;font-size:.9rem}\n"
    "form.inline{display:inline}\n"
    "main{padding:1rem 1.2rem;max-width:1340px}\n"
    "h1{font-size:1.35rem;margin:.3rem 0 1rem}\n"
    "h2{font-size:1.1rem;margin:1.4rem 0 .6rem}\n"
    "a{color:var(--accent)}\n"
    "button,input,select,textarea{font:inherit}\n"
    "button{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.35rem .9rem;cursor:pointer}\n"
    "header button{background:#3d5a86}\n"
    "fieldset.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;border:1px solid var(--line);"
    "border-radius:6px;padding:.6rem .8rem;margin:0 0 1rem}\n"
    "fieldset.filters label{display:flex;flex-direction:column;font-size:.85rem}\n"
    "fieldset.filters select{min-width:8rem;max-width:16rem}\n"
    "fieldset.filters .go{align-self:flex-end}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:left;vertical-align:top}\n"
    "th{background:var(--soft);font-weight:600;font-size:.9rem}\n"
    "td.num{text-align:right;white-space:nowrap}\n"
    ".level-red{color:var(--red);font-weight:600}\n"
    ".level-yellow{color:var(--yellow);font-weight:600}\n"
    ".state-resolved{color:#666}\n"
    ".count{color:#444;margin:.3rem 0 .6rem}\n"
    ".act{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;margin:1rem 0;background:var(--soft)}\n"
    ".act textarea{width:100%;min-height:4rem}\n"
    ".error{color:var(--red);font-weight:600}\n"
    ".done{color:#1d6b2f;font-weight:600}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}\n"
    "dl.facts dt{font-weight:600}\n"
    "dl.facts dd{margin:0}\n"
    ".login{max-width:24rem;margin:3rem auto}\n"
    ".login label{display:block;margin:.6rem 0}\n"
    ".login input{width:100%;padding:.35rem}\n"
    "footer{padding:1rem 1.2rem;color:#666;font-size:.8rem;border-top:1px solid var(--line)}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1rem}\n"
    ".card{border:1px solid var(--line);border-radius:6px;padding:.8rem}\n"
    ".table-wrap{overflow-x:auto}th.num{text-align:right}td.empty{color:#666}\n"
    ".downloads{font-size:.9rem;margin:.3rem 0 1.2rem}.note{color:#444;font-size:.9rem}\n"
    "@media (max-width:720px){\n"
    " header.top{padding:.5rem .7rem}.who{margin-left:0}main{padding:.7rem}\n"
    " table.warnings thead{display:none}\n"
    " table.warnings tr{display:block;border:1px solid var(--line);border-radius:6px;margin:0 0 .6rem;padding:.3rem}\n"
    " table.warnings td{display:block;border:0;padding:.15rem .3rem}\n"
    " table.warnings td[data-label]::before{content:attr(data-label);display:inline-block;min-width:5.5rem;"
    "color:#555;font-size:.85em}\n"
    " fieldset.filters label{flex:1 1 45%}\n"
    "}\n"
    //  Printed (the browser's 打印, or the 打印 / Print link): A4, no
    //  navigation, forms, buttons or download links; a table whole on one
    //  sheet where it fits, else broken between rows with its head
    //  repeated; charts the full width of the sheet, never split.
    "@page{size:A4;margin:14mm 12mm}\n"
    "@media print{\n"
    " header.top nav,.who,fieldset.filters,.act,.noprint,.downloads,button,input[type=checkbox],select,"
    "form.inline,form#make,footer{display:none!important}\n"
    " header.top{background:none;color:#000;padding:0}header.top .en{color:#333}\n"
    " body{font-size:10.5pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    " main{padding:0;max-width:none}a{color:#000;text-decoration:none}\n"
    " th{background:none;border-bottom:1.5px solid #000}tr{break-inside:avoid}\n"
    " table{break-inside:avoid;page-break-inside:avoid;width:100%}\n"
    " .table-wrap{overflow:visible}thead{display:table-header-group}h1,h2,h3{break-after:avoid}\n"
    " svg.trend{display:block;width:100%!important;max-width:none!important;height:auto;break-inside:avoid}\n"
    " iframe.report{display:none}\n"
    "}\n";

//  The overview's and the indicator page's own rules (a second sheet: one
//  string literal stays within what every C compiler must take).  Status
//  colours are the report's.
static const char s_css_pages [] =
    "svg.trend,svg.bar{max-width:100%;height:auto}\n"
    ".status{white-space:nowrap;padding:0 .3rem;border-radius:3px;color:#fff;font-size:.85em}\n"
    ".status-met{background:#2e7d32}.status-track{background:#1565c0}.status-behind{background:#e08600}"
    ".status-unlikely{background:#c62828}.status-none{background:#9e9e9e}.status-monitor{background:#546e7a}\n"
    "blockquote#plan-target{margin:.4rem 0;padding:.5rem .9rem;border-left:4px solid var(--accent);background:var(--soft)}\n"
    ".since{flex:1 1 18rem}.since h3{font-size:1rem;margin:.3rem 0}.legend{font-size:.85rem;color:#444}";

//  The print link (shown only where a script can print); select every
//  warning shown, from the header's box.
static const char s_js [] =
    "document.addEventListener('DOMContentLoaded',function(){\n"
    " var print=document.getElementById('print');\n"
    " if(print){print.hidden=false;print.addEventListener('click',function(e){e.preventDefault();"
    "window.print();});}\n"
    " var all=document.getElementById('select-all');\n"
    " if(!all)return;\n"
    " all.hidden=false;\n"
    " all.addEventListener('change',function(){\n"
    "  document.querySelectorAll('input[name=id]').forEach(function(b){b.checked=all.checked;});\n"
    " });\n"
    "});\n";

static const char s_icon [] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\""
    " fill=\"#233a5e\"/><path d=\"M8 3l5 9H3z\" fill=\"#f2b705\"/></svg>\n";

const char *
wdm_web_asset (const char *path, size_t *size, const char **type)
{
    static const struct {
        const char *path, *type, *data;
        size_t size;
    } assets [] = {
        { "/static/wdmon.css", "text/css; charset=utf-8", s_css, sizeof s_css - 1 },
        { "/static/pages.css", "text/css; charset=utf-8", s_css_pages, sizeof s_css_pages - 1 },
        { "/static/wdmon.js", "text/javascript; charset=utf-8", s_js, sizeof s_js - 1 },
        { "/static/favicon.svg", "image/svg+xml", s_icon, sizeof s_icon - 1 },
        { "/favicon.ico", "image/svg+xml", s_icon, sizeof s_icon - 1 },
    };
    for (size_t i = 0; i < sizeof assets / sizeof assets [0]; i++)
        if (strcmp (path, assets [i].path) == 0) {
            *size = assets [i].size;
            *type = assets [i].type;
            return assets [i].data;
        }
    return NULL;
}
