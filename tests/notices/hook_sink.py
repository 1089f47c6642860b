"""A local HTTP receiver for test_notices, standing in for the group bots:
each POST is written to DIR/hook-N.txt as its path and query, whether its
signature holds (DingTalk's in the query, Feishu's in the body, checked
against SECRET; "unsigned" without one), then the body.  It answers as the
bots do: {"errcode":0} (WeCom, DingTalk), {"code":0} (Feishu).

Usage: hook_sink.py PORT DIR SECRET_DINGTALK SECRET_FEISHU"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import urllib.parse

port, out, ding_secret, feishu_secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
count = 0


def sign(key, msg):
    return base64.b64encode(hmac.new(key.encode(), msg.encode(), hashlib.sha256).digest()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        signed = "unsigned"
        if "sign" in query:
            ts = query["timestamp"][0]
            signed = "sign ok" if query["sign"][0] == sign(ding_secret, ts + "\n" + ding_secret) else "sign BAD"
        doc = json.loads(body)
        if "sign" in doc:
            key = doc["timestamp"] + "\n" + feishu_secret
            ok = doc["sign"] == base64.b64encode(hmac.new(key.encode(), b"", hashlib.sha256).digest()).decode()
            signed = "sign ok" if ok else "sign BAD"
        count += 1
        path = os.path.join(out, "hook-%d.txt" % count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write("%s\n%s\n%s\n" % (self.path, signed, body))
        os.rename(path + ".tmp", path)
        answer = b'{"code":0,"msg":"success"}' if "/feishu" in self.path else b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
