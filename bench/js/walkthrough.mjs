#!/usr/bin/env node
// A second Makaverse client, written from protocol/README.md alone (and the world file the README
// tells clients to read): it registers, logs in, walks to the Disdukcapil booth by sending intents
// and following snapshots, takes a number, submits a service request and, with --staff, follows it
// to a status change made by a staff session. One PASS line per step; exit 0 when all passed.
//
//   npm ci && node walkthrough.mjs --url ws://127.0.0.1:8765 [--staff USER:PASSWORD] [--world FILE]

import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decode, encode } from "@msgpack/msgpack";
import WebSocket from "ws";

// Message type numbers (README, "Messages").
const T = {
  HELLO: 1, WELCOME: 2, INPUT: 3, SNAPSHOT: 4, ZONE_CHANGED: 7, ERROR: 8, REDIRECT: 12, SNAPSHOT_DELTA: 14,
  REGISTER: 20, LOGIN: 21, AUTH_OK: 22, LOGOUT: 23,
  BOOTH_INFO_GET: 40, BOOTH_INFO: 41, TAKE_NUMBER: 43, TICKET: 45, SUBMIT_REQUEST: 46,
  REQUEST_SUBMITTED: 47, REQUEST_INVALID: 48, REQUEST_DETAIL: 53, REQUEST_STATUS_CHANGED: 54,
  SET_REQUEST_STATUS: 61,
};
const PROTOCOL_VERSION = 1;
const OPD = "DUKCAPIL";
const STEP_TIMEOUT_MS = 30_000;

class Failure extends Error {}

function parseArgs(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = { url: "ws://127.0.0.1:8765", staff: null, world: join(here, "..", "..", "world", "balai_kota.toml") };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === "--url") args.url = value;
    else if (key === "--staff") args.staff = value;
    else if (key === "--world") args.world = value;
    else throw new Failure(`unknown option ${key} (use --url, --staff USER:PASSWORD, --world FILE)`);
    i++;
  }
  return args;
}

// ── the world file: just the tables a walk to a booth needs ─────────────────

// A small reader for the TOML the world file uses: [table], [[array of tables]], key = value with
// numbers, booleans, "strings" and (possibly multi-line) arrays of those.
function readWorld(path) {
  const root = {};
  let table = root;
  let pending = null; // [key, text] of an array that spans lines
  const parseValue = (text) => JSON.parse(text.replace(/,\s*]/g, "]"));
  for (const rawLine of readFileSync(path, "utf8").split("\n")) {
    const line = stripComment(rawLine).trim();
    if (pending) {
      pending[1] += " " + line;
      if (balanced(pending[1])) {
        table[pending[0]] = parseValue(pending[1]);
        pending = null;
      }
      continue;
    }
    if (!line) continue;
    let m;
    if ((m = line.match(/^\[\[([\w.-]+)\]\]$/))) {
      (root[m[1]] ??= []).push((table = {}));
    } else if ((m = line.match(/^\[([\w.-]+)\]$/))) {
      table = root[m[1]] ??= {};
    } else if ((m = line.match(/^([\w-]+)\s*=\s*(.*)$/))) {
      if (m[2].startsWith("[") && !balanced(m[2])) pending = [m[1], m[2]];
      else table[m[1]] = parseValue(m[2]);
    }
  }
  return root;
}

function stripComment(line) {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === "#" && !quoted) return line.slice(0, i);
  }
  return line;
}

function balanced(text) {
  return (text.match(/\[/g) || []).length === (text.match(/]/g) || []).length;
}

// README, "Booth geometry, from the world file".
function interactionZone(world, opd) {
  const booth = (world.booths || []).find((b) => b.opd === opd);
  if (!booth) throw new Failure(`no booth ${opd} in the world file`);
  const d = { counter_depth_m: 0.8, zone_depth_m: 3.0, zone_width_m: 4.0, ...(world.booth_defaults || {}) };
  const rad = (booth.facing * Math.PI) / 180;
  const f = [Math.round(-Math.sin(rad)), Math.round(Math.cos(rad))];
  const r = [f[1], -f[0]];
  const corners = [];
  for (const a of [d.counter_depth_m / 2, d.counter_depth_m / 2 + d.zone_depth_m]) {
    for (const s of [-d.zone_width_m / 2, d.zone_width_m / 2]) {
      corners.push([booth.position[0] + a * f[0] + s * r[0], booth.position[1] + a * f[1] + s * r[1]]);
    }
  }
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return { xmin: Math.min(...xs), ymin: Math.min(...ys), xmax: Math.max(...xs), ymax: Math.max(...ys) };
}

function doorCentre(world, id) {
  const door = (world.doors || []).find((d) => d.id === id);
  if (!door) throw new Failure(`no door ${id} in the world file`);
  return [(door.box[0] + door.box[2]) / 2, (door.box[1] + door.box[3]) / 2];
}

// ── one connection ───────────────────────────────────────────────────────────

class Connection {
  static open(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = "nodebuffer";
      ws.once("open", () => resolve(new Connection(ws)));
      ws.once("error", (err) => reject(new Failure(`cannot connect to ${url}: ${err.message}`)));
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.received = [];
    this.book = new SnapshotBook(); // kept per connection: deltas are read against its states
    this.waiters = [];
    this.closeCode = null;
    this.closed = new Promise((resolve) => {
      ws.on("close", (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      });
    });
    ws.on("message", (data, isBinary) => {
      if (!isBinary) throw new Failure("the server sent a text frame");
      this.received.push(decode(data));
      this.wake();
    });
  }

  wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(t, fields) {
    this.ws.send(encode({ t, ...fields }));
  }

  // The first message from index `since` on for which `pred` is true, waiting for it if need be.
  async expect(pred, what, { since = 0, timeoutMs = STEP_TIMEOUT_MS } = {}) {
    const deadline = Date.now() + timeoutMs;
    let i = since;
    for (;;) {
      for (; i < this.received.length; i++) {
        if (pred(this.received[i])) return this.received[i];
      }
      if (this.closeCode !== null) throw new Failure(`connection closed (${this.closeCode}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Failure(`timed out waiting for ${what}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  // Send a command and return its reply: the first message with its request_id, or an error whose ref names it.
  async ask(t, fields, replyTypes, what) {
    const since = this.received.length;
    this.send(t, fields);
    const reply = await this.expect(
      (m) => (m.t === T.ERROR && m.ref === fields.request_id) || (replyTypes.includes(m.t) && m.request_id === fields.request_id),
      what,
      { since },
    );
    if (reply.t === T.ERROR) throw new Failure(`${what}: refused with ${reply.code}`);
    return reply;
  }

  close() {
    if (this.closeCode === null) this.ws.close(1000);
    return this.closed;
  }
}

let nextRequestId = 1;
const rid = () => nextRequestId++;

function pass(step, detail) {
  console.log(`PASS ${step}: ${detail}`);
}

async function login(url, username, password) {
  let conn = await Connection.open(url);
  const auth = await conn.ask(T.LOGIN, { request_id: rid(), username, password }, [T.AUTH_OK], "login");
  let token = auth.token;
  // README "Several server processes: redirects": another process may hold this session; follow
  // the redirect (a few times at most) to its url with its token, without logging in again.
  for (let hops = 0; ; hops++) {
    const since = conn.received.length;
    conn.send(T.HELLO, { version: PROTOCOL_VERSION, name: "", kind: "bot", lang: "en", token });
    const welcome = await conn.expect(
      (m) => m.t === T.WELCOME || m.t === T.ERROR || m.t === T.REDIRECT, "welcome", { since });
    if (welcome.t === T.ERROR) throw new Failure(`hello refused with ${welcome.code}`);
    if (welcome.t === T.WELCOME) return { conn, auth, welcome };
    if (hops >= 3) throw new Failure("redirected too many times");
    await conn.closed;
    conn = await Connection.open(welcome.url);
    token = welcome.token;
  }
}

const view = (bin) => new DataView(bin.buffer, bin.byteOffset, bin.byteLength);

// The snapshots a client keeps to read deltas against (README, "Snapshot deltas"): per tick, the
// avatars listed (sorted by id) with their x, y (cm), yaw and anim. `ackTick` goes in every input.
class SnapshotBook {
  constructor(keep = 32) {
    this.keep = keep;
    this.states = new Map();
    this.ackTick = 0;
  }

  // The state a `snapshot` or `snapshot_delta` describes, or null (not newer, or base not kept).
  take(m) {
    if (m.tick <= this.ackTick) return null;
    let rows;
    if (m.t === T.SNAPSHOT) {
      const ids = view(m.ids), pos = view(m.pos), yaw = view(m.yaw);
      rows = [];
      for (let i = 0; i < ids.byteLength / 4; i++) {
        rows.push({ id: ids.getUint32(i * 4, true), x: pos.getInt32(i * 8, true), y: pos.getInt32(i * 8 + 4, true),
                    yaw: yaw.getUint16(i * 2, true), anim: m.anim[i] });
      }
    } else {
      const base = m.base_tick === 0 ? [] : this.states.get(m.base_tick);
      if (!base) return null;
      const gone = new Set(m.gone);
      rows = base.filter((_, i) => !gone.has(i)).map((r) => ({ ...r }));
      const fresh = view(m.new_ids);
      for (let i = 0; i < fresh.byteLength / 4; i++) rows.push({ id: fresh.getUint32(i * 4, true), x: 0, y: 0, yaw: 0, anim: 0 });
      const dpos = view(m.dpos), pos = view(m.pos), yaw = view(m.yaw);
      const at = { dpos: 0, pos: 0, yaw: 0, anim: 0 };
      rows.sort((a, b) => a.id - b.id).forEach((r, i) => {
        const f = m.flags[i];
        if (f & 1) { r.x += dpos.getInt8(at.dpos); r.y += dpos.getInt8(at.dpos + 1); at.dpos += 2; }
        if (f & 2) { r.x = pos.getInt32(at.pos, true); r.y = pos.getInt32(at.pos + 4, true); at.pos += 8; }
        if (f & 4) { r.yaw = yaw.getUint16(at.yaw, true); at.yaw += 2; }
        if (f & 8) { r.anim = m.anim[at.anim]; at.anim += 1; }
      });
    }
    rows.sort((a, b) => a.id - b.id);
    this.states.set(m.tick, rows);
    if (this.states.size > this.keep) this.states.delete(this.states.keys().next().value);
    this.ackTick = m.tick;
    return rows;
  }
}

// Own position in metres from a snapshot state.
function positionIn(rows, avatarId) {
  const me = rows.find((r) => r.id === avatarId);
  return me ? [me.x / 100, me.y / 100] : null;
}

// Walk through `waypoints` (metres) by sending one intent per input period, steering by snapshots.
async function walk(conn, welcome, waypoints, arrived) {
  let here = [welcome.x_cm / 100, welcome.y_cm / 100];
  let seq = 0;
  let target = 0;
  let lastProgress = { at: Date.now(), distance: Infinity };
  const periodMs = 1000 / welcome.input_hz;
  let seen = conn.received.length;
  const book = conn.book;
  for (;;) {
    for (; seen < conn.received.length; seen++) {
      const m = conn.received[seen];
      if (m.t === T.SNAPSHOT || m.t === T.SNAPSHOT_DELTA) {
        const rows = book.take(m);
        if (rows) here = positionIn(rows, welcome.avatar_id) ?? here;
      }
      if (arrived(m)) {
        conn.send(T.INPUT, { seq: ++seq, move_x: 0, move_y: 0, yaw: 0, run: false, ack_tick: book.ackTick });
        return { here, message: m };
      }
    }
    if (conn.closeCode !== null) throw new Failure(`connection closed (${conn.closeCode}) while walking`);
    const [tx, ty] = waypoints[target];
    const dx = tx - here[0];
    const dy = ty - here[1];
    const distance = Math.hypot(dx, dy);
    if (distance < 0.4 && target < waypoints.length - 1) {
      target++;
      lastProgress = { at: Date.now(), distance: Infinity };
      continue;
    }
    if (distance < lastProgress.distance - 0.2) lastProgress = { at: Date.now(), distance };
    if (Date.now() - lastProgress.at > 5000) {
      throw new Failure(`stuck at (${here[0].toFixed(2)}, ${here[1].toFixed(2)}) on the way to (${tx}, ${ty})`);
    }
    const scale = distance > 1e-6 ? 1 / distance : 0;
    // Yaw: 0 looks north, counter-clockwise positive, 65536 steps a turn (README, "Units").
    const yaw = Math.round(((Math.atan2(-dx, dy) / (2 * Math.PI)) * 65536 + 65536) % 65536) % 65536;
    conn.send(T.INPUT, { seq: ++seq, move_x: dx * scale, move_y: dy * scale, yaw, run: distance > 1.5,
                         ack_tick: book.ackTick });
    await new Promise((resolve) => setTimeout(resolve, periodMs));
  }
}

// A valid value for each field kind (README, "Service requests").
function valueFor(field) {
  switch (field.kind) {
    case "nik": return "7371012345678901";
    case "phone": return "0812 3456 7890";
    case "date": return "1990-08-17";
    case "choice": return field.choices[0];
    default: return "Andi Baso".slice(0, field.max_len);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const world = readWorld(args.world);
  const zone = interactionZone(world, OPD);
  const username = `js_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const password = `pisang-${randomUUID().slice(0, 8)}`;

  // 1. Register on one connection (register answers auth_ok, already logged in) ...
  const first = await Connection.open(args.url);
  const registered = await first.ask(
    T.REGISTER,
    { request_id: rid(), username, password, display_name: "Andi dari Node", lang: "en" },
    [T.AUTH_OK],
    "register",
  );
  if (registered.role !== "citizen" || registered.username !== username) throw new Failure("auth_ok after register");
  pass("register", `${username} is a ${registered.role}`);
  await first.close();

  // 2. ... then log in on a fresh one and enter the world.
  const { conn, welcome } = await login(args.url, username, password);
  pass("login", `welcome avatar ${welcome.avatar_id} at (${welcome.x_cm / 100}, ${welcome.y_cm / 100}) as ${welcome.name}`);

  // 3. Walk to the booth's interaction zone: out of the forecourt through the main entrance,
  //    through the lobby and the service-hall door, then to the middle of the zone.
  const [ex, ey] = doorCentre(world, "main-entrance");
  const [hx, hy] = doorCentre(world, "hall-door");
  const centre = [(zone.xmin + zone.xmax) / 2, (zone.ymin + zone.ymax) / 2];
  const route = [[ex, ey - 1.5], [ex, ey + 1.5], [hx, hy - 1.5], [hx, hy + 1.5], centre];
  const { here } = await walk(conn, welcome, route, (m) => m.t === T.ZONE_CHANGED && m.zone_id === `booth:${OPD}`);
  pass("walk", `zone_changed booth:${OPD} at (${here[0].toFixed(2)}, ${here[1].toFixed(2)})`);

  // 4. Take a number there.
  const ticket = await conn.ask(T.TAKE_NUMBER, { request_id: rid(), opd: OPD }, [T.TICKET], "take_number");
  if (ticket.status !== "waiting" || ticket.place < 1) throw new Failure(`ticket ${ticket.code} is ${ticket.status}`);
  pass("take_number", `ticket ${ticket.code}, place ${ticket.place}, about ${ticket.est_wait_s} s`);

  // 5. Submit a request for the booth's first service, every field filled by its spec.
  const info = await conn.ask(T.BOOTH_INFO_GET, { request_id: rid(), opd: OPD }, [T.BOOTH_INFO], "booth_info_get");
  const service = info.services[0];
  if (!service) throw new Failure(`${OPD} offers no services`);
  const fields = Object.fromEntries(service.fields.map((f) => [f.name, valueFor(f)]));
  const submitted = await conn.ask(
    T.SUBMIT_REQUEST,
    { request_id: rid(), client_request_id: randomUUID(), opd: OPD, service: service.code, fields, note: "Dikirim\ndari Node.js" },
    [T.REQUEST_SUBMITTED, T.REQUEST_INVALID],
    "submit_request",
  );
  if (submitted.t === T.REQUEST_INVALID) throw new Failure(`request_invalid: ${JSON.stringify(submitted.problems)}`);
  if (submitted.status !== "submitted" || submitted.duplicate) throw new Failure(`request ${submitted.tracking} is ${submitted.status}`);
  pass("submit_request", `${service.code} as ${submitted.tracking}`);

  // 6. A staff session moves it; the citizen is told at once.
  if (args.staff) {
    const [staffUser, staffPassword] = [args.staff.slice(0, args.staff.indexOf(":")), args.staff.slice(args.staff.indexOf(":") + 1)];
    const staff = await login(args.url, staffUser, staffPassword);
    if (staff.auth.role !== "staff" || staff.auth.opd !== OPD) throw new Failure(`${staffUser} is not staff of ${OPD}`);
    const since = conn.received.length;
    const detail = await staff.conn.ask(
      T.SET_REQUEST_STATUS,
      { request_id: rid(), tracking: submitted.tracking, status: "in_review", note: "Berkas sedang diperiksa", expected: "submitted" },
      [T.REQUEST_DETAIL],
      "set_request_status",
    );
    if (detail.status !== "in_review") throw new Failure(`staff sees ${detail.status}`);
    const notice = await conn.expect(
      (m) => m.t === T.REQUEST_STATUS_CHANGED && m.tracking === submitted.tracking,
      "request_status_changed",
      { since },
    );
    if (notice.status !== "in_review" || notice.previous !== "submitted") {
      throw new Failure(`notice says ${notice.previous} -> ${notice.status}`);
    }
    pass("status_change", `${notice.tracking} ${notice.previous} -> ${notice.status}: ${notice.note}`);
    staff.conn.send(T.LOGOUT, { request_id: 0 });
    await staff.conn.closed;
  }

  // 7. Log out: the server closes with 1000.
  conn.send(T.LOGOUT, { request_id: 0 });
  const code = await conn.closed;
  if (code !== 1000) throw new Failure(`logout closed with ${code}`);
  pass("logout", "closed with 1000");
}

main().then(
  () => process.exit(0),
  (err) => {
    console.log(`FAIL ${err instanceof Failure ? err.message : err.stack}`);
    process.exit(1);
  },
);
