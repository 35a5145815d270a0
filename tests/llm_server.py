#!/usr/bin/python3
"""A fake OpenAI-compatible chat-completions server for the tests of `winnow augment --method llm`.

Usage: llm_server.py PORTFILE LOGFILE
Listens on 127.0.0.1 on a free port (written to PORTFILE once listening) and appends one
line per request to LOGFILE: "<model> <sha1 of the user message>". The model name picks the
behaviour:
  echo       200 with content "Rephrased [seed S]: <the text after the prompt's last blank line>"
  flaky      429 on the first request for a given prompt, then like echo
  slow       sleeps 3 s, then like echo (for client timeouts)
  malformed  200 with a body that is not a chat-completions reply
  broken     always 500
Only the standard library; localhost only; stops on SIGTERM.
"""
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        try:
            req = json.loads(self.rfile.read(n))
        except ValueError:
            return self.reply(400, '{"error":{"message":"bad json"}}')
        if not self.path.endswith("/v1/chat/completions"):
            return self.reply(404, '{"error":{"message":"no such path"}}')
        model = req.get("model", "")
        user = [m["content"] for m in req.get("messages", []) if m.get("role") == "user"][-1]
        key = hashlib.sha1(user.encode()).hexdigest()
        with lock:
            with open(LOG, "a") as f:
                f.write("%s %s\n" % (model, key))
            first = (model, key) not in seen
            seen.add((model, key))
        if model == "broken":
            return self.reply(500, '{"error":{"message":"internal"}}')
        if model == "malformed":
            return self.reply(200, '{"choices": [{"message": {"role": "assistant"}}]')
        if model == "flaky" and first:
            return self.reply(429, '{"error":{"message":"rate limited"}}')
        if model == "slow":
            time.sleep(3)
        text = user.rsplit("\n\n", 1)[-1]
        content = "Rephrased [seed %s]: %s" % (req.get("seed"), text)
        body = {"id": "x", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}]}
        return self.reply(200, json.dumps(body))


if __name__ == "__main__":
    PORTFILE, LOG = sys.argv[1], sys.argv[2]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()
