"""Sentiment: an RFC-024 provider in Python's standard library (CONTRACTS §3). POST /invoke
{"text": String} -> {"sentiment": String, "confidence": Float}; GET /health -> 200. Alone: `python3 main.py`
(127.0.0.1:8080). Supervised by the host: a "launch" block in "providers"."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LEXICON = {"good": 1, "great": 2, "love": 2, "excellent": 2, "happy": 1, "bad": -1, "awful": -2, "hate": -2, "sad": -1}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the host reuses its connection
    disable_nagle_algorithm = True  # otherwise each keep-alive answer waits ~40 ms for a delayed ACK

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(*((200, {"status": "ok"}) if self.path == "/health" else (404, {"error": {"code": "RUNTIME_ERROR", "message": "no such path"}})))

    def do_POST(self):
        try:
            text = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))).get("text")
        except (ValueError, AttributeError):
            text = None
        if self.path != "/invoke" or not isinstance(text, str):
            return self.reply(400, {"error": {"code": "TYPE_ERROR", "message": "POST /invoke with {\"text\": String}", "details": {}}})
        score = sum(LEXICON.get(word.strip(".,!?;:"), 0) for word in text.lower().split())
        label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        self.reply(200, {"sentiment": label, "confidence": round(min(1.0, 0.5 + abs(score) / 4), 2)})

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer((os.environ.get("ORBIPLEX_LISTEN_HOST", "127.0.0.1"), int(os.environ.get("ORBIPLEX_LISTEN_PORT", "8080"))), Handler)
print(json.dumps({"event": "listening", "host": server.server_address[0], "port": server.server_address[1]}), flush=True)
if os.environ.get("ORBIPLEX_PROVIDER_NAME"):  # supervised: stdin EOF means the host is gone, so go too
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
server.serve_forever()
