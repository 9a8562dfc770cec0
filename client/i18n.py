"""The one translation table for every string the client shows: key -> {"id": ..., "en": ...}.

Indonesian comes first and is the fallback. Keys are grouped by prefix: `conn.` (connection
state), `hud.`, `role.`, `error.<ErrorCode value>`, `close.<CloseCode value>`, `app.`.
Add new keys to `STRINGS` below; a unit test checks that every entry has both languages and
that every protocol error and close code is covered.
"""

from __future__ import annotations

__all__ = ["STRINGS", "LANGS", "DEFAULT_LANG", "t", "has"]

LANGS = ("id", "en")
DEFAULT_LANG = "id"

STRINGS: dict[str, dict[str, str]] = {
    # ── application ─────────────────────────────────────────────────────────
    "app.title": {"id": "Makaverse — Balai Kota Makassar", "en": "Makaverse — Makassar City Hall"},
    "app.never_connected": {
        "id": "Tidak dapat terhubung ke {url}",
        "en": "Could not connect to {url}",
    },
    "app.no_window": {
        "id": "Tidak dapat membuka jendela (tidak ada layar?). Coba dengan --offscreen.",
        "en": "Could not open a window (no display?). Try --offscreen.",
    },
    "app.help": {
        "id": "WASD/panah: jalan  |  Q/E: putar  |  Shift: lari  |  seret mouse: lihat sekeliling",
        "en": "WASD/arrows: walk  |  Q/E: turn  |  Shift: run  |  drag mouse: look around",
    },
    # ── signs in the world ──────────────────────────────────────────────────
    "sign.information": {"id": "Informasi", "en": "Information"},
    # The city's motto, from its emblem, on the auditorium banner.
    "sign.motto": {
        "id": "Sekali Layar Terkembang, Pantang Biduk Surut ke Pantai",
        "en": "Once the Sail Is Set, the Boat Never Turns Back to Shore",
    },
    # ── connection state ────────────────────────────────────────────────────
    "conn.connecting": {"id": "Menghubungkan…", "en": "Connecting…"},
    "conn.entering": {"id": "Memasuki Balai Kota…", "en": "Entering the City Hall…"},
    "conn.connected": {"id": "Terhubung", "en": "Connected"},
    "conn.disconnected": {
        "id": "Terputus — mencoba lagi dalam {seconds} detik",
        "en": "Disconnected — retrying in {seconds} s",
    },
    "conn.closed": {"id": "Koneksi ditutup", "en": "Connection closed"},
    # ── heads-up display ────────────────────────────────────────────────────
    "hud.ping": {"id": "Ping: {ms} ms", "en": "Ping: {ms} ms"},
    "hud.ping_unknown": {"id": "Ping: —", "en": "Ping: —"},
    "hud.zone": {"id": "Lokasi: {name}", "en": "Location: {name}"},
    "hud.zone_none": {"id": "di luar area", "en": "outside"},
    "hud.name": {"id": "Nama: {name}", "en": "Name: {name}"},
    "hud.you": {"id": "Anda", "en": "You"},
    # ── roles (name tags) ───────────────────────────────────────────────────
    "role.guest": {"id": "Tamu", "en": "Guest"},
    "role.citizen": {"id": "Warga", "en": "Citizen"},
    "role.staff": {"id": "Petugas", "en": "Staff"},
    "role.host": {"id": "Pembawa Acara", "en": "Host"},
    "role.admin": {"id": "Admin", "en": "Admin"},
    # ── protocol error codes (protocol/errors.py ErrorCode) ─────────────────
    "error.malformed": {"id": "Pesan tidak dapat dibaca server.", "en": "The server could not read a message."},
    "error.too_large": {"id": "Pesan terlalu besar.", "en": "A message was too large."},
    "error.unknown_type": {"id": "Jenis pesan tidak dikenal.", "en": "Unknown message type."},
    "error.invalid_field": {"id": "Isian pesan tidak valid.", "en": "A message field was invalid."},
    "error.unexpected": {"id": "Permintaan tidak diharapkan saat ini.", "en": "That request was not expected now."},
    "error.version": {
        "id": "Versi aplikasi tidak cocok dengan server. Silakan perbarui.",
        "en": "This app's version does not match the server. Please update.",
    },
    "error.rate_limited": {"id": "Terlalu cepat — mohon perlahan.", "en": "Too fast — please slow down."},
    "error.not_allowed": {"id": "Anda tidak diizinkan melakukan itu.", "en": "You are not allowed to do that."},
    "error.not_found": {"id": "Data tidak ditemukan.", "en": "Not found."},
    "error.conflict": {
        "id": "Data sudah berubah atau sudah ada.",
        "en": "It changed in the meantime or already exists.",
    },
    "error.unavailable": {
        "id": "Layanan sedang tidak tersedia. Coba lagi nanti.",
        "en": "The service is unavailable. Try again later.",
    },
    "error.internal": {"id": "Terjadi kesalahan di server.", "en": "Something went wrong on the server."},
    "error.bad_credentials": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong username or password.",
    },
    "error.username_taken": {"id": "Nama pengguna sudah dipakai.", "en": "That username is taken."},
    "error.invalid_username": {
        "id": "Nama pengguna tidak valid.",
        "en": "That username is not valid.",
    },
    "error.weak_password": {"id": "Kata sandi terlalu lemah.", "en": "That password is too weak."},
    "error.throttled": {
        "id": "Terlalu banyak percobaan gagal. Tunggu sebentar lalu coba lagi.",
        "en": "Too many failed attempts. Wait a moment and try again.",
    },
    "error.banned": {"id": "Akun Anda diblokir.", "en": "Your account is banned."},
    "error.token_expired": {
        "id": "Sesi Anda sudah berakhir. Silakan masuk lagi.",
        "en": "Your session has expired. Please sign in again.",
    },
    "error.slow_down": {"id": "Pelan-pelan — tunggu sebentar.", "en": "Slow down — wait a moment."},
    "error.muted": {"id": "Anda sedang dibisukan oleh moderator.", "en": "A moderator has muted you."},
    "error.blocked": {
        "id": "Penerima tidak menerima pesan langsung dari Anda.",
        "en": "The recipient does not accept direct messages from you.",
    },
    "error.login_required": {
        "id": "Silakan masuk atau daftar untuk melakukan ini.",
        "en": "Please sign in or register to do this.",
    },
    "error.not_at_booth": {
        "id": "Berdirilah di depan loket untuk mengambil nomor antrean.",
        "en": "Stand in front of the counter to take a queue number.",
    },
    "error.not_at_counter": {
        "id": "Petugas: berdirilah di belakang loket OPD Anda.",
        "en": "Staff: stand behind your OPD's counter.",
    },
    "error.not_manning": {"id": "Petugas: jaga loket Anda dahulu.", "en": "Staff: man your counter first."},
    "error.queue_empty": {"id": "Tidak ada yang sedang mengantre.", "en": "Nobody is waiting."},
    "error.too_many_tickets": {
        "id": "Anda sudah memegang nomor antrean di tiga OPD.",
        "en": "You already hold queue numbers at three OPDs.",
    },
    "error.illegal_transition": {
        "id": "Status permohonan tidak dapat diubah seperti itu.",
        "en": "The request's status cannot change that way.",
    },
    "error.limit_reached": {"id": "Batas jumlah sudah tercapai.", "en": "The limit has been reached."},
    "error.unknown": {"id": "Terjadi kesalahan ({code}).", "en": "An error occurred ({code})."},
    # ── close codes (protocol/errors.py CloseCode) ──────────────────────────
    "close.1000": {"id": "Koneksi ditutup.", "en": "Connection closed."},
    "close.1001": {"id": "Server sedang dimatikan.", "en": "The server is shutting down."},
    "close.1008": {"id": "Terlalu banyak pesan tidak valid.", "en": "Too many invalid messages."},
    "close.1009": {"id": "Pesan terlalu besar.", "en": "A message was too large."},
    "close.1011": {"id": "Kesalahan di server.", "en": "Server error."},
    "close.4000": {
        "id": "Versi aplikasi tidak cocok dengan server.",
        "en": "This app's version does not match the server.",
    },
    "close.4001": {
        "id": "Koneksi terlalu lambat; server memutuskan sambungan.",
        "en": "The connection was too slow; the server dropped it.",
    },
    "close.4002": {"id": "Terlalu banyak pesan.", "en": "Too many messages."},
    "close.4003": {"id": "Waktu jabat tangan habis.", "en": "The handshake timed out."},
    "close.4004": {"id": "Autentikasi gagal.", "en": "Authentication failed."},
    "close.4005": {
        "id": "Akun Anda tersambung dari tempat lain.",
        "en": "Your account connected from somewhere else.",
    },
    "close.4006": {"id": "Anda dikeluarkan oleh moderator.", "en": "You were removed by a moderator."},
    "close.4007": {"id": "Anda diblokir.", "en": "You are banned."},
    "close.4008": {"id": "Server penuh. Coba lagi nanti.", "en": "The server is full. Try again later."},
    "close.unknown": {"id": "Koneksi terputus ({code}).", "en": "Connection lost ({code})."},
}


def has(key: str) -> bool:
    return key in STRINGS


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The text for `key` in `lang` (Indonesian when missing), formatted with `fmt`.

    An unknown key returns the key itself, so a missing translation shows up on screen
    instead of crashing the frame.
    """
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    if fmt:
        try:
            return text.format(**fmt)
        except (KeyError, IndexError, ValueError):
            return text
    return text
