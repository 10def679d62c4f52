// The Orbiplex node console. No framework, no build step: it reads the operator API with the
// session cookie (set by /console/login) and never holds the token itself.
"use strict"

const POLL_MS = 2000
const state = { selected: null, members: [], busy: new Set() }

const $ = (id) => document.getElementById(id)

const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "onclick") node.addEventListener("click", value)
    else node.setAttribute(name, value)
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  return node
}

// One answer of the API: { status, body } with body the parsed JSON (or null); never throws.
const api = async (method, path) => {
  try {
    const response = await fetch(path, { method, credentials: "same-origin", headers: { accept: "application/json" } })
    const text = await response.text()
    let body = null
    try { body = text === "" ? null : JSON.parse(text) } catch { body = { message: text } }
    if (response.status === 401) showSignedOut(true)
    else showSignedOut(false)
    return { status: response.status, body }
  } catch (error) {
    return { status: 0, body: { message: `the node does not answer (${error.message})` } }
  }
}

const showSignedOut = (signedOut) => {
  $("signed-out").hidden = !signedOut
}

const uptime = (since) => {
  const ms = Date.now() - Date.parse(since)
  if (!Number.isFinite(ms) || ms < 0) return "-"
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  return h < 24 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`
}

const act = async (id, action) => {
  state.busy.add(id)
  renderMembers()
  const answer = await api("POST", `/v1/modules/${encodeURIComponent(id)}/${action}`)
  state.busy.delete(id)
  const error = $("action-error")
  if (answer.status >= 200 && answer.status < 300) {
    error.hidden = true
  } else {
    error.hidden = false
    error.textContent = `${action} ${id} failed: ${answer.body && answer.body.message ? answer.body.message : answer.status}`
  }
  await refreshMembers()
}

const renderMembers = () => {
  const body = $("members").querySelector("tbody")
  body.replaceChildren(...state.members.map((m) => {
    const busy = state.busy.has(m.executor_id)
    const button = (action) =>
      el("button", { "data-action": action, onclick: (event) => { event.stopPropagation(); act(m.executor_id, action) } }, action)
    const actions = el("td", {}, button("start"), button("stop"), button("restart"))
    if (busy) for (const b of actions.querySelectorAll("button")) b.disabled = true
    const row = el("tr", { "data-id": m.executor_id, class: state.selected === m.executor_id ? "selected" : "", onclick: () => select(m.executor_id) },
      el("td", {}, m.executor_id),
      el("td", {}, m.kind || "module"),
      el("td", { class: `state state-${m.state}`, title: m.last_error || "" }, busy ? `${m.state}…` : m.state),
      el("td", { class: "pid" }, m.pid === undefined ? "-" : m.pid),
      el("td", {}, m.module_version || "-"),
      el("td", { class: "uptime" }, m.state === "ready" ? uptime(m.since) : "-"),
      el("td", { class: "restarts" }, m.restarts),
      actions)
    return row
  }))
}

const refreshMembers = async () => {
  const answer = await api("GET", "/v1/modules")
  $("connection").textContent = answer.status === 200 ? `updated ${new Date().toLocaleTimeString()}` : `no answer (${answer.status})`
  if (answer.status !== 200) return
  state.members = answer.body.modules
  renderMembers()
}

const notAvailable = (target, what) => {
  target.replaceChildren(el("span", { class: "muted" }, `${what}: not available on this node`))
}

const select = async (id) => {
  state.selected = id
  renderMembers()
  $("detail").hidden = false
  $("detail-id").textContent = id
  await refreshDetail()
}

const refreshDetail = async () => {
  const id = state.selected
  if (id === null) return
  const facts = await api("GET", `/v1/facts?module=${encodeURIComponent(id)}`)
  const body = $("detail-facts").querySelector("tbody")
  if (facts.status === 200) {
    body.replaceChildren(...facts.body.facts.slice(-30).reverse().map((f) =>
      el("tr", {}, el("td", {}, f.at), el("td", {}, `${f.from} → ${f.to} (${f.cause})`), el("td", {}, f.detail))))
  }
  const log = $("detail-log")
  // The logs group: `source` takes an executor id (dator names middleware.dator), `n` the latest entries.
  const lines = await api("GET", `/v1/logs?source=${encodeURIComponent(id)}&n=200`)
  if (lines.status !== 200) return notAvailable(log, "logs")
  const entries = lines.body.entries || []
  const follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 4
  log.textContent = entries.map((entry) => `${entry.at} ${entry.level} ${entry.message}`).join("\n")
  if (follow) log.scrollTop = log.scrollHeight
}

const showTraces = async (event) => {
  if (event) event.preventDefault()
  const id = $("trace-correlation").value.trim()
  const answer = await api("GET", id === "" ? "/v1/traces?limit=20" : `/v1/traces?correlation_id=${encodeURIComponent(id)}`)
  const target = $("traces")
  if (answer.status !== 200) { target.textContent = answer.body && answer.body.message ? answer.body.message : `error ${answer.status}`; return }
  if (answer.body.traces.length === 0) { target.textContent = "no traces"; return }
  target.textContent = answer.body.traces.map((t) =>
    [`${t.started_at} ${t.hook} ${t.correlation_id} → ${t.outcome} (${t.duration_ms} ms)${t.reason ? ": " + t.reason : ""}`,
      ...t.executors.map((x) => `    ${x.executor_id}: ${x.status}${x.decision ? " " + x.decision : ""} (${x.duration_ms} ms)${x.error ? " " + x.error.message : ""}`)
    ].join("\n")).join("\n")
}

// The areas other parts of the node may serve: each tries its route and says so when it is absent.
const optionalPanel = async (target, what, paths, render) => {
  for (const path of paths) {
    const answer = await api("GET", path)
    if (answer.status === 200) { target.replaceChildren(render(answer.body)); return }
    if (answer.status !== 404) { target.textContent = `${what}: ${answer.body && answer.body.message ? answer.body.message : answer.status}`; return }
  }
  notAvailable(target, what)
}

const listOf = (body, ...keys) => {
  if (Array.isArray(body)) return body
  for (const key of keys) if (body && Array.isArray(body[key])) return body[key]
  return []
}

const jsonList = (items, line) =>
  items.length === 0 ? el("span", { class: "muted" }, "none") : el("pre", {}, items.map(line).join("\n"))

const refreshOptional = () => Promise.all([
  optionalPanel($("workflows"), "workflow runs", ["/v1/workflows", "/v1/runs"], (body) =>
    jsonList(listOf(body, "runs", "workflows"), (r) => {
      const phases = listOf(r, "phases").map((p) => `${p.id || p.phase_id || p.name}:${p.state || p.status}`).join(" ")
      return `${r.run_id || r.id} ${r.state || r.status || ""} ${phases}`
    })),
  optionalPanel($("orders"), "orders", ["/v1/orders"], (body) =>
    jsonList(listOf(body, "orders"), (o) => `${o.order_id || o.id} ${o.service_type || ""} ${o.outcome || o.state || o.status || ""} ${o.price === undefined ? "" : o.price + " " + (o.currency || "")}`)),
  optionalPanel($("ledger"), "ledger balances", ["/v1/ledger/balances", "/v1/ledger"], (body) =>
    jsonList(listOf(body, "balances", "accounts"), (b) => `${b.account || b.account_id || b.id} ${b.balance === undefined ? JSON.stringify(b) : b.balance + " " + (b.currency || "")}`))
])

const tick = async () => {
  await refreshMembers()
  await refreshDetail()
}

document.addEventListener("DOMContentLoaded", () => {
  $("trace-form").addEventListener("submit", showTraces)
  tick()
  refreshOptional()
  showTraces()
  setInterval(tick, POLL_MS)
  setInterval(refreshOptional, POLL_MS * 5)
})
