// Keywords: an RFC-024 provider in Node.js, node:http only (CONTRACTS §3).
// POST /invoke {"text": String} -> {"keywords": List<String>, "count": Int}; GET /health -> 200.
// Alone: `node main.mjs` (127.0.0.1:8081). Supervised by the host: a "launch" block in "providers".
import { createServer } from "node:http"

const STOP = new Set(["the", "and", "for", "with", "was", "this", "that", "are", "but", "not", "you", "its", "it's"])

const reply = (res, status, body) => {
  const data = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) }).end(data)
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") return reply(res, 200, { status: "ok" })
  let body = ""
  req.setEncoding("utf8").on("data", (chunk) => (body += chunk)).on("end", () => {
    let text
    try { text = JSON.parse(body).text } catch { text = undefined }
    if (req.method !== "POST" || req.url !== "/invoke" || typeof text !== "string") {
      return reply(res, 400, { error: { code: "TYPE_ERROR", message: "POST /invoke with {\"text\": String}", details: {} } })
    }
    const counts = new Map()
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) {
      if (word.length > 2 && !STOP.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1)
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    reply(res, 200, { keywords: ranked.slice(0, 5).map(([word]) => word), count: counts.size })
  })
})
server.keepAliveTimeout = 10_000 // longer than the host keeps an idle connection, so a reused socket is live

const host = process.env.ORBIPLEX_LISTEN_HOST ?? "127.0.0.1"
server.listen(Number(process.env.ORBIPLEX_LISTEN_PORT ?? 8081), host, () => {
  console.log(JSON.stringify({ event: "listening", host, port: server.address().port }))
})
// Supervised: stdin EOF means the host is gone, so go too.
if (process.env.ORBIPLEX_PROVIDER_NAME) process.stdin.on("end", () => process.exit(0)).resume()
process.on("SIGTERM", () => process.exit(0))
