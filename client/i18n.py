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
        "id": "WASD/panah: jalan  |  Q/E: putar  |  Shift: lari  |  seret mouse: lihat sekeliling  |  "
              "Enter: obrolan  |  F4: lipat obrolan  |  F9: English  |  1-4: gerakan",
        "en": "WASD/arrows: walk  |  Q/E: turn  |  Shift: run  |  drag mouse: look around  |  "
              "Enter: chat  |  F4: fold chat  |  F9: Bahasa Indonesia  |  1-4: emotes",
    },
    # ── signs in the world ──────────────────────────────────────────────────
    "sign.information": {"id": "Informasi", "en": "Information"},
    # The city's motto, from its emblem, on the auditorium banner.
    "sign.motto": {
        "id": "Sekali Layar Terkembang, Pantang Biduk Surut ke Pantai",
        "en": "Once the Sail Is Set, the Boat Never Turns Back to Shore",
    },
    "sign.welcome": {"id": "Selamat Datang di Balai Kota Makassar", "en": "Welcome to Makassar City Hall"},
    # Booth dressing: the screen on each back panel and two posters (sample content: the
    # agencies' public programs, from public news; names of programs are not translated).
    "screen.welcome": {"id": "Selamat datang • Ambil nomor antrean", "en": "Welcome • Take a queue number"},
    "poster.sombere": {"id": "Melayani dengan Sombere'", "en": "Serving with Sombere' (hospitality)"},
    "poster.sombere.line": {"id": "Ramah • Cepat • Gratis", "en": "Friendly • Fast • Free"},
    "poster.DUKCAPIL": {"id": "KTP-el • KK • Akta", "en": "ID card • Family card • Certificates"},
    "poster.DUKCAPIL.line": {"id": "Kartu Anak Makassar (KIA)", "en": "Makassar Child ID (KIA)"},
    "poster.DINKES": {"id": "Home Care Dottoro'ta", "en": "Home Care Dottoro'ta"},
    "poster.DINKES.line": {"id": "Gawat darurat: telepon 112", "en": "Emergencies: call 112"},
    "poster.DISDIK": {"id": "Layanan Pendidikan", "en": "Education Services"},
    "poster.DISDIK.line": {"id": "Sekolah untuk semua anak", "en": "School for every child"},
    "poster.DISKOMINFO": {"id": "Sombere' & Smart City", "en": "Sombere' & Smart City"},
    "poster.DISKOMINFO.line": {"id": "Sampaikan aduan lewat LONTARA+", "en": "Send complaints via LONTARA+"},
    "poster.BAPENDA": {"id": "Bayar PBB lewat Pakinta'", "en": "Pay property tax with Pakinta'"},
    "poster.BAPENDA.line": {"id": "Jatuh tempo 30 September", "en": "Due 30 September"},
    "poster.DPMPTSP": {"id": "Mal Pelayanan Publik", "en": "Public Service Mall"},
    "poster.DPMPTSP.line": {"id": "Izin usaha & PBG satu pintu", "en": "Business & building permits, one stop"},
    "poster.DINSOS": {"id": "Layanan Sosial", "en": "Social Services"},
    "poster.DINSOS.line": {"id": "Bantuan untuk warga yang membutuhkan", "en": "Help for residents in need"},
    "poster.DISHUB": {"id": "Pasikola", "en": "Pasikola"},
    "poster.DISHUB.line": {"id": "Bus sekolah gratis", "en": "Free school buses"},
    "poster.DP3A": {"id": "Jagai Anakta", "en": "Jagai Anakta (guard our children)"},
    "poster.DP3A.line": {"id": "Perlindungan perempuan & anak", "en": "Protecting women & children"},
    "poster.DLH": {"id": "Makassar Tidak Rantasa'", "en": "Makassar Tidak Rantasa' (clean city)"},
    "poster.DLH.line": {"id": "LISA: Lihat Sampah Ambil", "en": "LISA: see litter, pick it up"},
    # ── directory, guide, minimap, zone announcements (ui/directory_panel.py, ui/find_layer.py) ──
    "dir.title": {"id": "Direktori Balai Kota", "en": "City Hall Directory"},
    "dir.search": {"id": "Cari:", "en": "Search:"},
    "dir.search_hint": {
        "id": "Ketik keperluan Anda, mis. KTP, akta, pajak, sampah",
        "en": "Type what you need, e.g. ID card, birth certificate, tax, rubbish",
    },
    "dir.keys": {
        "id": "Atas/Bawah: pilih  |  Enter: Antar saya ke sana  |  Esc: tutup",
        "en": "Up/Down: choose  |  Enter: Take me there  |  Esc: close",
    },
    "dir.take_me": {"id": "Antar saya ke sana", "en": "Take me there"},
    "dir.counter_open": {"id": "Loket buka", "en": "Counter open"},
    "dir.counter_closed": {"id": "Loket tutup", "en": "Counter closed"},
    "dir.no_results": {
        "id": "Tidak ada yang cocok dengan '{query}'. Coba kata lain, atau tanya petugas di Meja Informasi.",
        "en": "Nothing matches '{query}'. Try another word, or ask the staff at the Information Desk.",
    },
    "dir.no_events": {"id": "Belum ada acara terjadwal hari ini.", "en": "No events scheduled today."},
    "dir.more": {"id": "… dan {count} lagi", "en": "… and {count} more"},
    "dir.prompt": {"id": "Tekan E: buka Direktori", "en": "Press E: open the Directory"},
    "dir.hint": {
        "id": "{dir}: Direktori  |  {map}: Peta  |  {settings}: Pengaturan",
        "en": "{dir}: Directory  |  {map}: Map  |  {settings}: Settings",
    },
    "guide.walking": {
        "id": "Menuju {name} — tekan tombol gerak untuk berhenti",
        "en": "Walking to {name} — press any movement key to stop",
    },
    "guide.arrived": {"id": "Anda sudah tiba di {name}", "en": "You have arrived at {name}"},
    "guide.stopped": {"id": "Antaran dihentikan", "en": "Guidance stopped"},
    "guide.no_path": {"id": "Tidak ada jalan ke {name} dari sini", "en": "There is no way to {name} from here"},
    "guide.not_in_world": {"id": "Masuk ke Balai Kota dulu", "en": "Enter the City Hall first"},
    "zone.entered": {"id": "Anda memasuki {name}", "en": "You are entering {name}"},
    "zone.booth": {"id": "Loket {acronym} — {name}", "en": "{acronym} counter — {name}"},
    "map.title": {"id": "Peta", "en": "Map"},
    "map.you": {"id": "Anda", "en": "You"},
    "map.open": {"id": "Buka", "en": "Open"},
    "map.closed": {"id": "Tutup", "en": "Closed"},
    "map.auditorium": {"id": "Auditorium", "en": "Auditorium"},
    "map.events": {"id": "Acara: {title}", "en": "Event: {title}"},
    "hud.fps": {"id": "{fps} FPS", "en": "{fps} FPS"},
    # ── settings (ui/settings_panel.py) ─────────────────────────────────────
    "settings.title": {"id": "Pengaturan", "en": "Settings"},
    "settings.keys_help": {
        "id": "Atas/Bawah: pilih  |  Kiri/Kanan: ubah  |  Enter: ganti tombol  |  Esc: tutup",
        "en": "Up/Down: choose  |  Left/Right: change  |  Enter: change key  |  Esc: close",
    },
    "settings.saved": {"id": "Tersimpan: {path}", "en": "Saved: {path}"},
    "settings.save_failed": {"id": "Pengaturan tidak dapat disimpan", "en": "Settings could not be saved"},
    "settings.applies_next_start": {
        "id": "Berlaku saat aplikasi dibuka lagi",
        "en": "Takes effect the next time the app starts",
    },
    "settings.press_key": {"id": "Tekan tombol baru (Esc: batal)", "en": "Press the new key (Esc: cancel)"},
    "settings.key_reserved": {"id": "Tombol itu dipakai untuk hal lain", "en": "That key is used for something else"},
    "settings.lang": {"id": "Bahasa", "en": "Language"},
    "settings.lang.id": {"id": "Bahasa Indonesia", "en": "Bahasa Indonesia"},
    "settings.lang.en": {"id": "English", "en": "English"},
    "settings.preset": {"id": "Grafis", "en": "Graphics"},
    "settings.preset.low": {"id": "Rendah (PC lambat)", "en": "Low (slow PC)"},
    "settings.preset.medium": {"id": "Sedang", "en": "Medium"},
    "settings.preset.high": {"id": "Tinggi", "en": "High"},
    "settings.text_scale": {"id": "Ukuran teks", "en": "Text size"},
    "settings.high_contrast": {"id": "Kontras tinggi", "en": "High contrast"},
    "settings.volume": {"id": "Volume", "en": "Volume"},
    "settings.ambient": {"id": "Suara suasana aula", "en": "Hall ambience"},
    "settings.fullscreen": {"id": "Layar penuh", "en": "Full screen"},
    "settings.show_fps": {"id": "Tampilkan FPS", "en": "Show FPS"},
    "settings.minimap": {"id": "Peta mini", "en": "Minimap"},
    "settings.on": {"id": "Aktif", "en": "On"},
    "settings.off": {"id": "Mati", "en": "Off"},
    "settings.key.forward": {"id": "Tombol: maju", "en": "Key: forward"},
    "settings.key.back": {"id": "Tombol: mundur", "en": "Key: back"},
    "settings.key.left": {"id": "Tombol: geser kiri", "en": "Key: step left"},
    "settings.key.right": {"id": "Tombol: geser kanan", "en": "Key: step right"},
    "settings.key.turn_left": {"id": "Tombol: putar kiri", "en": "Key: turn left"},
    "settings.key.turn_right": {"id": "Tombol: putar kanan", "en": "Key: turn right"},
    "settings.key.run": {"id": "Tombol: lari", "en": "Key: run"},
    "settings.key.directory": {"id": "Tombol: direktori", "en": "Key: directory"},
    "settings.key.minimap": {"id": "Tombol: peta", "en": "Key: map"},
    "settings.key.settings": {"id": "Tombol: pengaturan", "en": "Key: settings"},
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
    "error.full": {
        "id": "Server sedang penuh. Coba lagi sebentar lagi.",
        "en": "The server is full right now. Try again in a moment.",
    },
    "error.internal": {"id": "Terjadi kesalahan di server.", "en": "Something went wrong on the server."},
    "error.bad_credentials": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong username or password.",
    },
    "error.name_reserved": {
        "id": "Nama itu dicadangkan (admin, staf, tamu, …). Pilih nama lain.",
        "en": "That name is reserved (admin, staff, guest, …). Choose another.",
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
    # town-hall events
    "error.event_ended": {"id": "Acara sudah selesai.", "en": "The event has ended."},
    "error.not_in_event": {"id": "Ikuti acaranya dulu.", "en": "Join the event first."},
    "error.not_speaker": {
        "id": "Hanya pembawa acara dan pembicara yang dapat berbicara di panggung.",
        "en": "Only the host and speakers may speak on stage.",
    },
    "error.not_host": {"id": "Hanya pembawa acara yang dapat melakukannya.", "en": "Only the host may do that."},
    "error.already_voted": {"id": "Anda sudah memberi suara.", "en": "You have already voted."},
    "error.poll_closed": {"id": "Jajak pendapat sudah ditutup.", "en": "The poll is closed."},
    "error.doors_closed": {"id": "Pintu acara sedang tertutup.", "en": "The event's doors are closed."},
    "error.seat_taken": {"id": "Kursi itu sudah terisi.", "en": "That seat is taken."},
    "error.too_far": {"id": "Mendekatlah ke kursi itu.", "en": "Move closer to the seat."},
    "error.slide_too_large": {
        "id": "Slide terlalu besar (maks. 48 KiB, 1920×1080).",
        "en": "The slide is too large (max 48 KiB, 1920×1080).",
    },
    "error.not_an_image": {"id": "Slide harus berupa PNG atau JPEG.", "en": "A slide must be a PNG or JPEG."},
    "error.unknown": {"id": "Terjadi kesalahan ({code}).", "en": "An error occurred ({code})."},
    # ── booths: prompt, panel, tickets, requests, staff console ─────────────
    "booth.prompt": {"id": "Tekan E untuk berbicara dengan {booth}", "en": "Press E to talk to {booth}"},
    "booth.prompt_counter": {
        "id": "Tekan E untuk membuka loket {booth}",
        "en": "Press E to man the {booth} counter",
    },
    "booth.prompt_console": {"id": "Tekan E untuk konsol petugas", "en": "Press E for the staff console"},
    "booth.loading": {"id": "Memuat…", "en": "Loading…"},
    "booth.open": {"id": "Loket BUKA", "en": "Counter OPEN"},
    "booth.closed": {"id": "Loket TUTUP", "en": "Counter CLOSED"},
    "booth.staff_count": {"id": "{n} petugas", "en": "{n} clerk(s)"},
    "booth.waiting": {"id": "{n} menunggu", "en": "{n} waiting"},
    "booth.est": {"id": "perkiraan tunggu {wait}", "en": "estimated wait {wait}"},
    "booth.tab_about": {"id": "Tentang", "en": "About"},
    "booth.tab_programs": {"id": "Program", "en": "Programs"},
    "booth.tab_services": {"id": "Layanan", "en": "Services"},
    "booth.socials": {"id": "Media sosial", "en": "Social media"},
    "booth.sample": {"id": "contoh", "en": "sample"},
    "booth.no_programs": {"id": "Belum ada program.", "en": "No programs yet."},
    "booth.no_services": {"id": "Belum ada layanan daring.", "en": "No online services yet."},
    "booth.take_number": {"id": "Ambil nomor", "en": "Take a number"},
    "booth.leave_queue": {"id": "Keluar antrean", "en": "Leave the queue"},
    "booth.submit": {"id": "Ajukan permohonan", "en": "Submit a request"},
    "booth.my_requests": {"id": "Permohonan saya", "en": "My requests"},
    "booth.close": {"id": "Tutup", "en": "Close"},
    "booth.your_ticket": {"id": "Nomor Anda di sini: {code}", "en": "Your number here: {code}"},
    "booth.login_to_submit": {
        "id": "Masuk atau daftar untuk mengajukan permohonan.",
        "en": "Sign in or register to submit a request.",
    },
    "booth.choose_service": {"id": "Pilih layanan:", "en": "Choose a service:"},
    "booth.fields": {"id": "{n} isian", "en": "{n} fields"},
    "booth.page": {"id": "{page}/{pages}", "en": "{page}/{pages}"},
    "program.planned": {"id": "Direncanakan", "en": "Planned"},
    "program.running": {"id": "Berjalan", "en": "Running"},
    "program.finished": {"id": "Selesai", "en": "Finished"},
    "program.dates": {"id": "{start} s.d. {end}", "en": "{start} to {end}"},
    "program.since": {"id": "sejak {start}", "en": "since {start}"},
    "program.until": {"id": "hingga {end}", "en": "until {end}"},
    "social.instagram": {"id": "Instagram", "en": "Instagram"},
    "social.tiktok": {"id": "TikTok", "en": "TikTok"},
    "social.x": {"id": "X", "en": "X"},
    "social.facebook": {"id": "Facebook", "en": "Facebook"},
    "social.youtube": {"id": "YouTube", "en": "YouTube"},
    "social.website": {"id": "Situs web", "en": "Website"},
    "wait.none": {"id": "tanpa menunggu", "en": "no wait"},
    "wait.minutes": {"id": "± {n} menit", "en": "about {n} min"},
    "wait.under_minute": {"id": "< 1 menit", "en": "under a minute"},
    # tickets (HUD)
    "ticket.number": {"id": "Nomor antrean {code}", "en": "Queue number {code}"},
    "ticket.place": {"id": "{booth}: urutan ke-{place} • {wait}", "en": "{booth}: place {place} • {wait}"},
    "ticket.next": {"id": "{booth}: Anda berikutnya • {wait}", "en": "{booth}: you are next • {wait}"},
    "ticket.when_open": {
        "id": "{booth}: loket sedang tutup — nomor Anda (urutan ke-{place}) dipanggil saat loket buka",
        "en": "{booth}: the counter is closed — your number (place {place}) will be called when it opens",
    },
    "ticket.called": {
        "id": "Nomor {code} dipanggil ke loket {booth}",
        "en": "Number {code} is called to the {booth} counter",
    },
    "ticket.called_by": {"id": "Petugas: {clerk}", "en": "Clerk: {clerk}"},
    "ticket.go": {"id": "Menuju loket: {m} m", "en": "To the counter: {m} m"},
    "ticket.here": {"id": "Anda sudah di loket", "en": "You are at the counter"},
    "ticket.taken": {"id": "Nomor {code} di {booth}", "en": "Number {code} at {booth}"},
    "ticket.served": {"id": "Layanan {code} selesai. Terima kasih!", "en": "{code} served. Thank you!"},
    "ticket.no_show": {
        "id": "Nomor {code} dilewati karena Anda tidak datang.",
        "en": "Number {code} was skipped: you did not come.",
    },
    "ticket.left": {"id": "Anda keluar dari antrean {booth} ({code}).", "en": "You left the {booth} queue ({code})."},
    "counter.say_hint": {"id": "Ketik pesan, lalu Enter", "en": "Type a message, then Enter"},
    "counter.say": {"id": "Kirim", "en": "Send"},
    "counter.title": {"id": "Percakapan di loket", "en": "At the counter"},
    "counter.empty": {"id": "Belum ada percakapan.", "en": "Nothing said yet."},
    # service requests
    "form.title": {"id": "Permohonan: {service}", "en": "Request: {service}"},
    "form.note": {"id": "Catatan", "en": "Note"},
    "form.optional": {"id": "(opsional)", "en": "(optional)"},
    "form.choose": {"id": "— pilih —", "en": "— choose —"},
    "form.send": {"id": "Kirim", "en": "Send"},
    "form.sending": {"id": "Mengirim…", "en": "Sending…"},
    "form.retry": {"id": "Kirim ulang", "en": "Send again"},
    "form.back": {"id": "Kembali", "en": "Back"},
    "form.fix": {"id": "Periksa isian yang ditandai.", "en": "Check the marked fields."},
    "form.done": {
        "id": "Permohonan terkirim. Nomor pelacakan: {tracking}",
        "en": "Request sent. Tracking number: {tracking}",
    },
    "form.duplicate": {"id": "(sudah diterima sebelumnya)", "en": "(already received earlier)"},
    "form.hint_nik": {"id": "16 digit", "en": "16 digits"},
    "form.hint_phone": {"id": "08… atau +62…", "en": "08… or +62…"},
    "form.hint_date": {"id": "TTTT-BB-HH", "en": "YYYY-MM-DD"},
    "field.required": {"id": "Wajib diisi.", "en": "Required."},
    "field.too_long": {"id": "Terlalu panjang.", "en": "Too long."},
    "field.unknown_field": {"id": "Isian tidak dikenal.", "en": "Unknown field."},
    "field.invalid_nik": {
        "id": "NIK/KK harus 16 digit dengan kode provinsi yang benar.",
        "en": "A NIK/KK number is 16 digits starting with a province code.",
    },
    "field.invalid_phone": {"id": "Nomor HP tidak valid (08… atau +62…).", "en": "Not a valid phone number (08… or +62…)."},
    "field.invalid_date": {"id": "Tanggal tidak valid (TTTT-BB-HH).", "en": "Not a valid date (YYYY-MM-DD)."},
    "field.invalid_choice": {"id": "Pilih salah satu pilihan.", "en": "Pick one of the choices."},
    "field.invalid_text": {"id": "Mengandung karakter yang tidak diizinkan.", "en": "Contains characters that are not allowed."},
    "requests.title": {"id": "Permohonan saya", "en": "My requests"},
    "requests.empty": {"id": "Belum ada permohonan.", "en": "No requests yet."},
    "requests.more": {"id": "Lebih banyak", "en": "More"},
    "requests.history": {"id": "Riwayat", "en": "History"},
    "requests.by_staff": {"id": "petugas", "en": "staff"},
    "requests.login": {"id": "Masuk untuk melihat permohonan Anda.", "en": "Sign in to see your requests."},
    "requests.pick": {"id": "Pilih permohonan untuk melihat riwayatnya.", "en": "Pick a request to see its history."},
    "requests.created": {"id": "dikirim {when}", "en": "sent {when}"},
    "request.submitted": {"id": "Permohonan terkirim: {tracking}", "en": "Request sent: {tracking}"},
    "request.status_changed": {
        "id": "Permohonan {tracking} kini: {status}",
        "en": "Request {tracking} is now: {status}",
    },
    "status.all": {"id": "Semua", "en": "All"},
    "status.submitted": {"id": "Diajukan", "en": "Submitted"},
    "status.in_review": {"id": "Ditinjau", "en": "In review"},
    "status.in_progress": {"id": "Diproses", "en": "In progress"},
    "status.completed": {"id": "Selesai", "en": "Completed"},
    "status.rejected": {"id": "Ditolak", "en": "Rejected"},
    # staff console
    "staff.title": {"id": "Konsol petugas — {booth}", "en": "Staff console — {booth}"},
    "staff.tab_counter": {"id": "Loket", "en": "Counter"},
    "staff.tab_requests": {"id": "Permohonan", "en": "Requests"},
    "staff.tab_edit": {"id": "Info OPD", "en": "OPD info"},
    "staff.man": {"id": "Buka loket", "en": "Man the counter"},
    "staff.unman": {"id": "Tutup loket", "en": "Close the counter"},
    "staff.manning": {"id": "Anda menjaga loket • {n} petugas", "en": "You are manning the counter • {n} clerk(s)"},
    "staff.not_manning": {"id": "Anda belum menjaga loket", "en": "You are not manning the counter"},
    "staff.go_to_post": {
        "id": "Berdirilah di belakang loket untuk membukanya.",
        "en": "Stand behind the counter to man it.",
    },
    "staff.call_next": {"id": "Panggil berikutnya", "en": "Call next"},
    "staff.done": {"id": "Selesai", "en": "Done"},
    "staff.no_show": {"id": "Tidak hadir", "en": "No-show"},
    "staff.current": {"id": "Dipanggil: {code} — {name}", "en": "Called: {code} — {name}"},
    "staff.on_way": {"id": "sedang menuju loket ({s} dtk)", "en": "on the way ({s} s)"},
    "staff.arrived": {"id": "sudah di loket", "en": "at the counter"},
    "staff.nobody": {"id": "Belum ada yang dipanggil.", "en": "Nobody called yet."},
    "staff.queue": {"id": "Antrean ({n})", "en": "Queue ({n})"},
    "staff.queue_empty": {"id": "Antrean kosong.", "en": "The queue is empty."},
    "staff.waited": {"id": "menunggu {wait}", "en": "waiting {wait}"},
    "staff.stats": {
        "id": "Dilayani {served} • tidak hadir {no_shows} • rata-rata {avg}",
        "en": "Served {served} • no-shows {no_shows} • average {avg}",
    },
    "staff.note": {"id": "Catatan untuk warga", "en": "Note for the citizen"},
    "staff.move_to": {"id": "Ubah status ke:", "en": "Move to:"},
    "staff.final": {"id": "Status akhir — tidak dapat diubah lagi.", "en": "Final status — it cannot change."},
    "staff.note_required": {"id": "Tulis catatan dahulu.", "en": "Write a note first."},
    "staff.moved": {"id": "{tracking} » {status}", "en": "{tracking} » {status}"},
    "staff.saved": {"id": "Tersimpan.", "en": "Saved."},
    "staff.select_request": {"id": "Pilih permohonan di daftar.", "en": "Pick a request from the list."},
    "staff.no_requests": {"id": "Tidak ada permohonan.", "en": "No requests."},
    "staff.refresh": {"id": "Muat ulang", "en": "Reload"},
    "staff.description_id": {"id": "Deskripsi (Indonesia)", "en": "Description (Indonesian)"},
    "staff.description_en": {"id": "Deskripsi (Inggris)", "en": "Description (English)"},
    "staff.save": {"id": "Simpan", "en": "Save"},
    "staff.new_program": {"id": "Program baru", "en": "New program"},
    "staff.edit": {"id": "Ubah", "en": "Edit"},
    "staff.delete": {"id": "Hapus", "en": "Delete"},
    "staff.program_title": {"id": "Judul", "en": "Title"},
    "staff.summary_id": {"id": "Ringkasan (Indonesia)", "en": "Summary (Indonesian)"},
    "staff.summary_en": {"id": "Ringkasan (Inggris)", "en": "Summary (English)"},
    "staff.start": {"id": "Mulai (TTTT-BB-HH)", "en": "Start (YYYY-MM-DD)"},
    "staff.end": {"id": "Selesai (TTTT-BB-HH)", "en": "End (YYYY-MM-DD)"},
    "staff.link": {"id": "Tautan", "en": "Link"},
    "staff.program_status": {"id": "Status", "en": "Status"},
    "staff.programs": {"id": "Program ({n})", "en": "Programs ({n})"},
    "staff.fields": {"id": "Isian", "en": "Fields"},
    "staff.too_long_here": {
        "id": "Teks terlalu panjang untuk disunting di sini.",
        "en": "The text is too long to edit here.",
    },
    "hud.my_requests": {"id": "Permohonan saya (F2)", "en": "My requests (F2)"},
    "hud.console": {"id": "Konsol petugas (F3)", "en": "Staff console (F3)"},
    "light.open": {"id": "BUKA", "en": "OPEN"},
    "light.closed": {"id": "TUTUP", "en": "CLOSED"},
    # ── login screen (client/ui/login.py) ───────────────────────────────────
    "login.title": {"id": "Selamat datang di Balai Kota Makassar", "en": "Welcome to Makassar City Hall"},
    "login.subtitle": {
        "id": "Masuk dengan akun Anda, daftar, atau berkunjung sebagai tamu.",
        "en": "Log in with your account, register, or visit as a guest.",
    },
    "login.username": {"id": "Nama pengguna", "en": "Username"},
    "login.password": {"id": "Kata sandi", "en": "Password"},
    "login.display_name": {"id": "Nama tampilan (untuk daftar)", "en": "Display name (to register)"},
    "login.guest_name": {"id": "Nama tamu (boleh kosong)", "en": "Guest name (optional)"},
    "login.login": {"id": "Masuk", "en": "Log in"},
    "login.register": {"id": "Daftar", "en": "Register"},
    "login.guest": {"id": "Masuk sebagai tamu", "en": "Enter as guest"},
    "login.language": {"id": "Bahasa: Indonesia", "en": "Language: English"},
    "login.guest_note": {
        "id": "Tamu mendapat nama sementara; tidak ada yang disimpan setelah kunjungan.",
        "en": "Guests get a temporary name; nothing is kept after the visit.",
    },
    "login.rules": {
        "id": "Nama pengguna 3–24 huruf a-z, 0-9, _ atau . — kata sandi minimal 8 karakter.",
        "en": "Username 3–24 of a-z, 0-9, _ or . — password at least 8 characters.",
    },
    "login.missing": {"id": "Isi nama pengguna dan kata sandi.", "en": "Fill in the username and password."},
    "login.connecting": {"id": "Menghubungkan ke server…", "en": "Connecting to the server…"},
    "login.ready": {"id": "Terhubung ke server.", "en": "Connected to the server."},
    "login.waiting": {"id": "Memeriksa…", "en": "Checking…"},
    "login.entering": {"id": "Memasuki Balai Kota…", "en": "Entering the City Hall…"},
    "login.logged_out": {"id": "Anda sudah keluar.", "en": "You have logged out."},
    "login.logout": {"id": "Keluar", "en": "Log out"},
    # ── HUD: who you are ────────────────────────────────────────────────────
    "hud.name_role": {"id": "Nama: {name} ({role})", "en": "Name: {name} ({role})"},
    "hud.dm_unread": {"id": "Pesan baru: {n}", "en": "New messages: {n}"},
    # ── chat box (client/ui/chat.py) ────────────────────────────────────────
    "chat.tab.public": {"id": "Obrolan", "en": "Chat"},
    "chat.folded_new": {"id": "({n} baru)", "en": "({n} new)"},
    "chat.folded_hint": {"id": "{shortcut}: buka obrolan", "en": "{shortcut}: open chat"},
    "chat.tab.dm": {"id": "Pesan", "en": "Messages"},
    "chat.tab.dm_unread": {"id": "Pesan ({n})", "en": "Messages ({n})"},
    "chat.channel.nearby": {"id": "Sekitar", "en": "Nearby"},
    "chat.channel.whisper": {"id": "Bisik", "en": "Whisper"},
    "chat.channel.shout": {"id": "Teriak", "en": "Shout"},
    "chat.channel.zone": {"id": "Zona", "en": "Zone"},
    "chat.placeholder": {
        "id": "Enter: mengetik  |  Esc: kembali berjalan  |  /help",
        "en": "Enter: type  |  Esc: walk again  |  /help",
    },
    "chat.announce_prefix": {"id": "[Pengumuman]", "en": "[Announcement]"},
    "chat.announce_banner": {"id": "Pengumuman dari {name}", "en": "Announcement from {name}"},
    "chat.dm_from": {"id": "[pesan]", "en": "[message]"},
    "chat.dm_to": {"id": "[ke {name}]", "en": "[to {name}]"},
    "chat.dm_stored": {
        "id": "{name} sedang tidak di sini; pesan diterima saat ia masuk.",
        "en": "{name} is not here; they get the message when they come in.",
    },
    "chat.help": {
        "id": "/w NAMA teks: pesan langsung, /r teks: balas  |  /shout, /whisper, /zone teks  |  "
              "/mute, /unmute, /block, /unblock NAMA  |  /report NAMA alasan  |  /wave /nod /applaud /raise",
        "en": "/w NAME text: direct message, /r text: reply  |  /shout, /whisper, /zone text  |  "
              "/mute, /unmute, /block, /unblock NAME  |  /report NAME reason  |  /wave /nod /applaud /raise",
    },
    "chat.help_mod": {
        "id": "Moderator: /kick NAMA alasan, /mutefor NAMA menit alasan, /unmutefor NAMA alasan, "
              "/ban NAMA menit alasan, /announce teks",
        "en": "Moderator: /kick NAME reason, /mutefor NAME minutes reason, /unmutefor NAME reason, "
              "/ban NAME minutes reason, /announce text",
    },
    "chat.unknown_command": {"id": "Perintah tidak dikenal: /{command}", "en": "Unknown command: /{command}"},
    "chat.usage_w": {"id": "Cara pakai: /w NAMA teks", "en": "Usage: /w NAME text"},
    "chat.usage_r": {
        "id": "Cara pakai: /r teks (membalas pesan langsung terakhir)",
        "en": "Usage: /r text (answers the last direct message)",
    },
    "chat.usage_mute": {"id": "Cara pakai: /mute NAMA, /unmute NAMA", "en": "Usage: /mute NAME, /unmute NAME"},
    "chat.usage_block": {"id": "Cara pakai: /block NAMA, /unblock NAMA", "en": "Usage: /block NAME, /unblock NAME"},
    "chat.usage_report": {
        "id": "Cara pakai: /report NAMA spam|harassment|hate|sexual|other [catatan]",
        "en": "Usage: /report NAME spam|harassment|hate|sexual|other [note]",
    },
    "chat.usage_kick": {"id": "Cara pakai: /kick NAMA alasan", "en": "Usage: /kick NAME reason"},
    "chat.usage_mutefor": {"id": "Cara pakai: /mutefor NAMA menit alasan", "en": "Usage: /mutefor NAME minutes reason"},
    "chat.usage_unmutefor": {"id": "Cara pakai: /unmutefor NAMA alasan", "en": "Usage: /unmutefor NAME reason"},
    "chat.usage_ban": {
        "id": "Cara pakai: /ban NAMA menit alasan (0 menit: tanpa batas)",
        "en": "Usage: /ban NAME minutes reason (0 minutes: no end)",
    },
    "chat.usage_announce": {"id": "Cara pakai: /announce teks", "en": "Usage: /announce text"},
    "chat.usage_channel": {
        "id": "Cara pakai: /shout teks, /whisper teks, /zone teks",
        "en": "Usage: /shout text, /whisper text, /zone text",
    },
    "chat.mute_ok": {"id": "{name} dibisukan untuk Anda.", "en": "You muted {name}."},
    "chat.unmute_ok": {"id": "{name} tidak lagi dibisukan.", "en": "You unmuted {name}."},
    "chat.block_ok": {"id": "{name} diblokir dari pesan langsung.", "en": "You blocked {name} from direct messages."},
    "chat.unblock_ok": {"id": "{name} tidak lagi diblokir.", "en": "You unblocked {name}."},
    "chat.report_filed": {
        "id": "Laporan #{id} terkirim ke moderator. Terima kasih.",
        "en": "Report #{id} sent to the moderators. Thank you.",
    },
    "chat.dm_pick": {
        "id": "Belum ada percakapan. Tulis /w NAMA teks untuk mengirim pesan langsung.",
        "en": "No conversation yet. Type /w NAME text to send a direct message.",
    },
    "chat.offline": {"id": "Tidak terhubung — tidak terkirim.", "en": "Not connected — not sent."},
    "emote.wave": {"id": "Lambai", "en": "Wave"},
    "emote.nod": {"id": "Angguk", "en": "Nod"},
    "emote.applaud": {"id": "Tepuk", "en": "Clap"},
    "emote.raise_hand": {"id": "Tangan", "en": "Hand"},
    # ── moderation shown to the person acted on, and to the moderator ──────
    "mod.you_mute_for": {
        "id": "Moderator membisukan Anda selama {minutes} menit.",
        "en": "A moderator muted you for {minutes} minutes.",
    },
    "mod.you_mute_forever": {"id": "Moderator membisukan Anda.", "en": "A moderator muted you."},
    "mod.you_unmute": {"id": "Moderator mencabut pembisuan Anda.", "en": "A moderator lifted your mute."},
    "mod.you_kick": {
        "id": "Moderator mengeluarkan Anda dari Balai Kota.",
        "en": "A moderator removed you from the City Hall.",
    },
    "mod.you_ban_for": {
        "id": "Moderator memblokir akun Anda selama {minutes} menit.",
        "en": "A moderator banned your account for {minutes} minutes.",
    },
    "mod.you_ban_forever": {
        "id": "Moderator memblokir akun Anda tanpa batas waktu.",
        "en": "A moderator banned your account with no end date.",
    },
    "mod.ok": {"id": "Tutup", "en": "Close"},
    "mod.reason": {"id": "Alasan: {reason}", "en": "Reason: {reason}"},
    "mod.done_mute": {"id": "{name} dibisukan.", "en": "{name} is muted."},
    "mod.done_unmute": {"id": "Pembisuan {name} dicabut.", "en": "{name} is unmuted."},
    "mod.done_kick": {"id": "{name} dikeluarkan.", "en": "{name} was removed."},
    "mod.done_ban": {"id": "{name} diblokir.", "en": "{name} is banned."},
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
