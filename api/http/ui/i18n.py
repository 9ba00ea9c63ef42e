"""The UI's words in Indonesian and English: one key, two texts (a test checks both exist).

Messages from the archive itself (errors, refusals) are shown as they come: they name ids
and rules precisely, and are the same words the log and the CLI use.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("id", "en")
DEFAULT = "id"

# key: (Indonesian, English)
_TEXTS: dict[str, tuple[str, str]] = {
    # frame, navigation, sign-in
    "skip_to_content": ("Langsung ke isi", "Skip to content"),
    "nav_label": ("Menu utama", "Main menu"),
    "nav_clips": ("Klip", "Clips"),
    "nav_map": ("Peta kamera", "Camera map"),
    "nav_cases": ("Perkara", "Cases"),
    "nav_ledger": ("Buku besar", "Ledger"),
    "nav_users": ("Pengguna", "Users"),
    "nav_retention": ("Retensi", "Retention"),
    "nav_holds": ("Penahanan hukum", "Legal holds"),
    "nav_runs": ("Tugas terjadwal", "Scheduled runs"),
    "language": ("Bahasa", "Language"),
    "switch_language": ("Ganti", "Switch"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "sign_in": ("Masuk", "Sign in"),
    "sign_out": ("Keluar", "Sign out"),
    "sign_in_help": (
        "Masukkan token akses yang Anda terima dari admin. Token tidak disimpan di peramban.",
        "Enter the access token your admin gave you. The token is not kept in the browser.",
    ),
    "sign_in_failed": (
        "Token tidak valid (tidak dikenal, dicabut atau kedaluwarsa). Percobaan ini dicatat.",
        "The token is not valid (unknown, revoked or expired). This attempt is recorded.",
    ),
    "signed_out": ("Anda telah keluar.", "You are signed out."),
    "token": ("Token akses", "Access token"),
    "footer": (
        "Saksi — arsip bukti video. Setiap akses dicatat dalam rantai bukti.",
        "Saksi — video evidence archive. Every access is recorded in the chain of custody.",
    ),
    "role_operator": ("operator", "operator"),
    "role_investigator": ("penyidik", "investigator"),
    "role_auditor": ("auditor", "auditor"),
    "role_admin": ("admin", "admin"),
    # errors
    "error_401": ("Perlu masuk", "Sign-in required"),
    "error_403": ("Akses ditolak", "Access refused"),
    "error_404": ("Tidak ditemukan", "Not found"),
    "error_409": ("Bertentangan", "Conflict"),
    "error_410": ("Sudah dimusnahkan", "Purged"),
    "error_422": ("Masukan tidak valid", "Invalid input"),
    "error_429": ("Terlalu banyak permintaan", "Too many requests"),
    "error_500": ("Kesalahan internal", "Internal error"),
    "error_503": ("Layanan tidak tersedia", "Service unavailable"),
    "error_other": ("Permintaan gagal", "Request failed"),
    "csrf_title": ("Formulir kedaluwarsa", "Form expired"),
    "refused_recorded": (
        "Penolakan ini dicatat dalam log audit (AccessDenied).",
        "This refusal is recorded in the audit log (AccessDenied).",
    ),
    "back_home": ("Kembali ke beranda", "Back to the start page"),
    # common words
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    "any": ("semua", "any"),
    "add": ("Tambah", "Add"),
    "search": ("Cari", "Search"),
    "results": ("Hasil", "Results"),
    "previous": ("Sebelumnya", "Previous"),
    "next": ("Berikutnya", "Next"),
    "pages": ("Halaman", "Pages"),
    "reason": ("Alasan", "Reason"),
    "status": ("Status", "Status"),
    "title": ("Judul", "Title"),
    "start": ("Mulai", "Start"),
    "end": ("Selesai", "End"),
    "from": ("Dari", "From"),
    "until": ("Sampai", "Until"),
    "duration": ("Durasi", "Duration"),
    "size": ("Ukuran", "Size"),
    "media": ("Media", "Media"),
    "camera": ("Kamera", "Camera"),
    "district": ("Kecamatan", "District"),
    "case": ("Perkara", "Case"),
    "cases": ("Perkara", "Cases"),
    "clip": ("Klip", "Clip"),
    "status_active": ("aktif", "active"),
    "status_purged": ("dimusnahkan", "purged"),
    "status_purging": ("sedang dimusnahkan", "being purged"),
    "on_hold": ("ditahan", "on hold"),
    "legal_hold": ("Penahanan hukum", "Legal hold"),
    "retention": ("Retensi", "Retention"),
    "retain_until": ("disimpan sampai", "kept until"),
    "ingested": ("Diunggah", "Ingested"),
    "owner_public": ("publik", "public"),
    "owner_private": ("swasta", "private"),
    # clips
    "clips_title": ("Klip rekaman", "Clips"),
    "clips_search": ("Cari klip", "Search clips"),
    "clips_caption": ("Klip yang ditemukan", "Clips found"),
    "no_clips": ("Tidak ada klip.", "No clips."),
    "footage": ("Rekaman", "Footage"),
    "metadata": ("Metadata", "Metadata"),
    "play": ("Putar", "Play"),
    "reason_to_view": ("Alasan melihat rekaman (dicatat)", "Why you view this footage (recorded)"),
    "reason_placeholder": ("mis. verifikasi laporan 112", "e.g. verify the 112 report"),
    "custody_note": (
        "Melihat rekaman dicatat sekali per sesi dalam rantai bukti klip ini.",
        "Viewing is recorded once per session in this clip's chain of custody.",
    ),
    "viewing_for": ("Dilihat dengan alasan", "Viewing for"),
    "no_video_support": (
        "Peramban ini tidak dapat memutar video.",
        "This browser cannot play the video.",
    ),
    "footage_not_for_role": (
        "Rekaman hanya untuk anggota perkara klip ini (operator dan penyidik); peran Anda "
        "melihat metadata dan log.",
        "Footage is for members of this clip's case (operators and investigators); your role "
        "sees the metadata and the log.",
    ),
    "purged_note": ("Isi klip ini telah dimusnahkan pada", "This clip's content was purged at"),
    "custody_trail": ("Rantai bukti", "Custody trail"),
    # cases
    "cases_title": ("Perkara", "Cases"),
    "cases_mine": ("Perkara tempat Anda menjadi anggota.", "Cases you are a member of."),
    "cases_all": ("Semua perkara.", "All cases."),
    "cases_show_all": ("tampilkan semua", "show all"),
    "cases_show_mine": ("hanya perkara saya", "only my cases"),
    "no_cases": ("Tidak ada perkara.", "No cases."),
    "kind": ("Jenis", "Kind"),
    "kind_report": ("laporan", "report"),
    "kind_incident": ("kejadian", "incident"),
    "kind_investigation": ("penyidikan", "investigation"),
    "case_open": ("terbuka", "open"),
    "case_closed": ("ditutup", "closed"),
    "lead": ("Ketua", "Lead"),
    "opened": ("Dibuka", "Opened"),
    "members": ("Anggota", "Members"),
    "add_member": ("Tambah anggota", "Add a member"),
    "holds": ("Penahanan hukum", "Legal holds"),
    "case_on_hold": (
        "Seluruh perkara ini ditahan: klipnya tidak dimusnahkan.",
        "This whole case is on hold: its clips are not purged.",
    ),
    "no_holds": ("Tidak ada penahanan.", "No holds."),
    # map
    "map_title": ("Peta kamera", "Camera map"),
    "map_help": (
        "Klik peta di lokasi laporan (atau isi lintang dan bujur), pilih radius dan rentang "
        "waktu, lalu cari rekaman dari kamera di sekitarnya.",
        "Click the map at the report's location (or type latitude and longitude), choose a "
        "radius and a time range, then find the footage of the cameras around it.",
    ),
    "map_caption": ("{n} kamera menurut koordinatnya.", "{n} cameras by their coordinates."),
    "map_unplaced": ("{n} kamera tanpa koordinat.", "{n} cameras have no coordinates."),
    "map_select": ("Pilih radius", "Select a radius"),
    "latitude": ("Lintang", "Latitude"),
    "longitude": ("Bujur", "Longitude"),
    "radius_m": ("Radius (meter)", "Radius (metres)"),
    "find_footage": ("Cari rekaman", "Find footage"),
    "in_range": ("{n} kamera dalam radius", "{n} cameras in range"),
    "pull_into_case": ("Tarik klip terpilih ke perkara", "Pull the chosen clips into case"),
    "pull": ("Tarik ke perkara", "Pull into case"),
    # auditor
    "ledger_title": ("Buku besar (log kejadian)", "Ledger (the event log)"),
    "ledger_state": ("Keadaan", "State"),
    "ledger_events": ("Kejadian", "Events"),
    "verify_title": ("Verifikasi log", "Verify the log"),
    "verify_help": (
        "Memutar ulang seluruh log terhadap rantai hash-nya dan menyebut setiap masalah.",
        "Replays the whole log against its hash chains and names every problem.",
    ),
    "verify_now": ("Verifikasi sekarang", "Verify now"),
    "verify_running": ("Verifikasi berjalan…", "Verifying…"),
    "verify_intact": ("utuh", "intact"),
    "verify_problems": ("DITEMUKAN MASALAH", "PROBLEMS FOUND"),
    "verify_none": ("Belum ada verifikasi di server ini.", "No verify run on this server yet."),
    "last_verify": ("Verifikasi terakhir", "Last verify run"),
    "checkpoints": ("Checkpoint", "Checkpoints"),
    "took": ("Lama", "Took"),
    "problems": ("Masalah", "Problems"),
    "position": ("Posisi", "Position"),
    "originator": ("Aliran", "Stream"),
    "detail": ("Rincian", "Detail"),
    "refresh": ("Muat ulang", "Refresh"),
    "back_to_ledger": ("Kembali ke buku besar", "Back to the ledger"),
    "clip_trail_title": ("Rantai bukti sebuah klip", "A clip's custody trail"),
    "clip_id": ("ID klip", "Clip id"),
    # admin
    "users_title": ("Pengguna dan peran", "Users and roles"),
    "name": ("Nama", "Name"),
    "role": ("Peran", "Role"),
    "actions": ("Tindakan", "Actions"),
    "token_state": ("Token", "Token"),
    "token_valid": ("berlaku", "valid"),
    "token_revoked": ("dicabut", "revoked"),
    "token_expires": ("berlaku sampai", "valid until"),
    "token_for": ("Token baru untuk", "New token for"),
    "token_once": (
        "salin sekarang: token hanya ditampilkan sekali dan hanya hash-nya yang disimpan.",
        "copy it now: it is shown once and only its hash is kept.",
    ),
    "new_token": ("Token baru", "New token"),
    "revoke": ("Cabut", "Revoke"),
    "add_user": ("Tambah pengguna", "Add a user"),
    "expires_after": ("Berlaku selama", "Valid for"),
    "check_runs": ("Pemeriksaan terakhir", "Recent checks"),
    # retention, holds, runs
    "retention_title": ("Kebijakan retensi", "Retention policies"),
    "policies": ("Kebijakan", "Policies"),
    "retention_class": ("Kelas", "Class"),
    "keep": ("Simpan selama", "Keep for"),
    "changed": ("Diubah", "Changed"),
    "change_policy": ("Ubah", "Change"),
    "preview": ("Pratinjau", "Preview"),
    "apply": ("Terapkan", "Apply"),
    "keep_help": (
        "Durasi ISO 8601, mis. P30D (30 hari), P1Y (365 hari), PT12H. Pratinjau menunjukkan "
        "klip yang akan dimusnahkan tanpa mengubah apa pun; Terapkan mencatat perubahan.",
        "ISO 8601 durations, e.g. P30D (30 days), P1Y (365 days), PT12H. Preview shows the "
        "clips a change would purge without changing anything; Apply records the change.",
    ),
    "policy_changed": (
        "Kelas {cls} kini disimpan {keep}; {n} klip dihitung ulang.",
        "Class {cls} is now kept {keep}; {n} clips recomputed.",
    ),
    "preview_title": ("Jika {cls} disimpan {keep}", "If {cls} were kept {keep}"),
    "preview_count": (
        "{n} klip akan jatuh tempo sekarang:",
        "{n} clips would be due now:",
    ),
    "preview_none": ("Tidak ada klip yang akan dimusnahkan.", "No clip would be purged."),
    "kept_until_now": ("Disimpan sampai (kini)", "Kept until (now)"),
    "kept_until_new": ("Disimpan sampai (baru)", "Kept until (new)"),
    "outcome": ("Akibat", "Outcome"),
    "would_purge": ("akan dimusnahkan", "would be purged"),
    "will_purge": ("akan dimusnahkan", "will be purged"),
    "kept_on_hold": ("tetap (ditahan)", "kept (on hold)"),
    "due_title": ("Jatuh tempo (retention due)", "Due for purging (retention due)"),
    "due_within": ("Dalam jangka", "Within"),
    "due_none": ("Tidak ada klip yang jatuh tempo.", "No clip is due."),
    "overdue": ("lewat waktu", "overdue"),
    "show": ("Tampilkan", "Show"),
    "held_cases": ("Perkara yang ditahan", "Cases on hold"),
    "held_clips": ("Klip yang ditahan", "Clips on hold"),
    "hold_source": ("Asal penahanan", "Held by"),
    "place_or_release": ("Tempatkan atau lepaskan", "Place or release"),
    "hold_on": ("Tahan", "Hold on"),
    "id": ("ID", "Id"),
    "place_hold": ("Tempatkan penahanan", "Place hold"),
    "release_hold": ("Lepaskan penahanan", "Release hold"),
    "runs_title": ("Tugas terjadwal", "Scheduled runs"),
    "job": ("Tugas", "Job"),
    "trigger": ("Pemicu", "Trigger"),
    "result": ("Hasil", "Result"),
    "no_runs": ("Belum ada yang dijalankan.", "No runs yet."),
    # custody trail
    "chain_intact": ("Rantai hash utuh", "Hash chain intact"),
    "chain_broken": (
        "RANTAI HASH RUSAK: lihat baris bertanda ✗",
        "HASH CHAIN BROKEN: see the rows marked ✗",
    ),
    "trail_caption": (
        "Setiap baris adalah satu kejadian aliran klip ini, terantai dengan hash baris sebelumnya.",
        "Each row is one event of this clip's stream, chained to the row before by its hash.",
    ),
    "when": ("Waktu", "When"),
    "event": ("Kejadian", "Event"),
    "actor": ("Pelaku", "Actor"),
    "leaf": ("Daun Merkle", "Merkle leaf"),
    "chain_hash": ("Hash rantai", "Chain hash"),
    "back_to_clip": ("Kembali ke klip", "Back to the clip"),
    "proof": ("bukti inklusi", "inclusion proof"),
    "not_sealed": ("belum disegel", "not sealed yet"),
    "sealed_leaves": ("Tersegel di log Merkle", "Sealed into the Merkle log"),
    "latest_checkpoint": ("Checkpoint terakhir", "Latest checkpoint"),
    "tree_size": ("ukuran pohon", "tree size"),
    "no_checkpoint": ("Belum ada checkpoint.", "No checkpoint yet."),
    "verifier_key": ("Kunci verifikasi", "Verifier key"),
    "seal_now": ("Segel checkpoint sekarang", "Seal a checkpoint now"),
    # witnesses and kept files
    "witnesses_title": ("Saksi luar", "Outside witnesses"),
    "witnesses_none": (
        "Tidak ada saksi yang dikonfigurasi (SAKSI_WITNESSES).",
        "No witnesses are configured (SAKSI_WITNESSES).",
    ),
    "witness_name": ("Saksi", "Witness"),
    "witness_status": ("Jawaban terakhir", "Last answer"),
    "witness_cosigned": ("Ukuran terakhir yang ditandatangani", "Last size cosigned"),
    "witness_alarms": (
        "Alarm: checkpoint ditolak karena tidak konsisten",
        "Alarms: checkpoints refused as inconsistent",
    ),
    "compare_title": ("Bandingkan berkas yang disimpan", "Compare kept files"),
    "compare_help": (
        "Checkpoint atau paket bukti yang disimpan auditor, jaksa atau pengadilan: masing-masing "
        "dibuktikan sebagai awalan log saat ini, atau percabangannya disebutkan.",
        "Checkpoints or evidence packages kept by an auditor, prosecutor or court: each is "
        "proven a prefix of the live log, or the fork is named.",
    ),
    "compare_files": ("Berkas (.note atau .zip)", "Files (.note or .zip)"),
    "compare_now": ("Bandingkan", "Compare"),
    "compare_ok": (
        "Semua berkas adalah awalan log saat ini.",
        "Every file is a prefix of the live log.",
    ),
    "compare_bad": (
        "Percabangan ditemukan: log telah ditulis ulang.",
        "A fork was found: the log was rewritten.",
    ),
    "compare_live": ("Log saat ini", "Live log"),
    # the case's evidence package
    "export_title": ("Paket bukti", "Evidence package"),
    "export_help": (
        "Mengunduh semua klip perkara ini dengan rantai bukti dan bukti inklusinya dalam satu "
        "zip. Ekspor dicatat dalam rantai bukti perkara dan setiap klip; penerima memeriksa "
        "paket dengan saksi verify.",
        "Downloads every clip of this case with its custody trail and inclusion proofs as one "
        "zip. The export is recorded in the custody trail of the case and of each clip; the "
        "recipient checks the package with saksi verify.",
    ),
    "recipient": ("Penerima", "Recipient"),
    "recipient_placeholder": ("mis. Kejaksaan Negeri Semarang", "e.g. Kejaksaan Negeri Semarang"),
    "export_reason": ("Alasan ekspor (dicatat)", "Why you export (recorded)"),
    "export_button": ("Ekspor paket bukti", "Export the evidence package"),
    # the ledger's latest checks
    "latest_checks": ("Hasil pemeriksaan terakhir", "Latest check results"),
    "last_verify_run": ("Verifikasi log terakhir", "Last log verify"),
    "last_fixity_run": ("Audit fixity (hash objek) terakhir", "Last fixity audit (object hashes)"),
    "last_ledger_check": ("Pemeriksaan ledger terjadwal terakhir", "Last scheduled ledger check"),
    "ledger_alarm": (
        "Alarm: pemeriksaan ledger terjadwal menemukan masalah (atau gagal)",
        "Alarm: the scheduled ledger check found problems (or failed)",
    ),
    "never_run": ("belum pernah dijalankan", "never run"),
    "run_failed": ("gagal", "failed"),
    # the page a share's recipient opens (/share/TOKEN)
    "share_title": ("Barang bukti yang dibagikan", "Shared evidence"),
    "share_refused": ("Tautan ini tidak dapat dipakai", "This link does not work"),
    "share_refused_note": (
        "Tautan berbagi dapat kedaluwarsa atau dicabut. Percobaan ini dicatat. Hubungi "
        "pengirim tautan untuk tautan baru.",
        "Share links expire and can be revoked. This attempt is recorded. Ask whoever sent "
        "the link for a new one.",
    ),
    "share_for": ("Untuk", "For"),
    "share_by": ("Dibagikan oleh", "Shared by"),
    "share_reason": ("Alasan", "Reason"),
    "share_case": ("Perkara", "Case"),
    "share_expires": ("Berlaku sampai", "Works until"),
    "share_custody_note": (
        "Setiap penayangan dan unduhan lewat tautan ini dicatat dalam rantai penguasaan barang "
        "bukti, beserta alamat jaringan Anda.",
        "Every viewing and download through this link is recorded in the evidence's chain of "
        "custody, with your network address.",
    ),
    "share_view_only": (
        "Hanya untuk ditonton: paket barang bukti tidak termasuk dalam tautan ini.",
        "View only: this link does not include the evidence package.",
    ),
    "share_download_package": (
        "Unduh paket barang bukti (zip)",
        "Download the evidence package (zip)",
    ),
    "share_package_note": (
        "Paket berisi rekaman asli, catatan penguasaan dengan bukti kriptografis, dan petunjuk "
        "verifikasi (VERIFY.txt); periksa dengan saksi verify atau verify_package.py di dalamnya.",
        "The package holds the original footage, its custody record with cryptographic proofs, "
        "and instructions (VERIFY.txt); check it with saksi verify or the verify_package.py "
        "inside.",
    ),
    "role_owner": ("pemilik kamera", "camera owner"),
    # the case page's shares (api/http/ui/sharing.py)
    "shares_title": ("Tautan berbagi", "Share links"),
    "share_help": (
        "Bagikan seluruh perkara kepada penerima di luar arsip (mis. jaksa) melalui tautan yang "
        "kedaluwarsa dan dapat dicabut. Pembuatan, setiap penayangan dan unduhan dicatat dalam "
        "jejak penguasaan.",
        "Share the whole case with a recipient outside the archive (e.g. a prosecutor) through "
        "a link that expires and can be revoked. Its creation, every viewing and every download "
        "are recorded in the custody trail.",
    ),
    "share_recipient": ("Dibagikan kepada", "Shared with"),
    "share_reason_input": ("Alasan berbagi (dicatat)", "Why you share (recorded)"),
    "share_days": ("Berlaku (hari)", "Works for (days)"),
    "share_view_only_input": (
        "Hanya tayang (tanpa unduhan paket bukti)",
        "View only (no evidence package download)",
    ),
    "share_button": ("Buat tautan berbagi", "Create the share link"),
    "share_created": (
        "Tautan untuk {recipient} telah dibuat.",
        "The link for {recipient} is made.",
    ),
    "share_link_once": (
        "Tautan (hanya ditampilkan sekarang)",
        "Link (shown only now)",
    ),
    "share_link_hint": (
        "Salin dan kirimkan sekarang: arsip hanya menyimpan hash-nya, sehingga tautan ini tidak "
        "dapat ditampilkan lagi. Jika hilang, cabut dan buat yang baru.",
        "Copy and send it now: the archive keeps only its hash, so this link cannot be shown "
        "again. If it is lost, revoke it and make a new one.",
    ),
    "share_use": ("Pemakaian", "Use"),
    "share_view_only_short": ("hanya tayang", "view only"),
    "share_status_active": ("aktif", "active"),
    "share_status_revoked": ("dicabut", "revoked"),
    "share_status_expired": ("kedaluwarsa", "expired"),
    "share_views": ("{n} penayangan", "{n} viewings"),
    "share_downloads": ("{n} unduhan", "{n} downloads"),
    "share_revoke_reason": ("Alasan pencabutan (dicatat)", "Why you revoke (recorded)"),
    "share_revoke": ("Cabut", "Revoke"),
    "shares_none": ("Belum ada tautan berbagi.", "No share links yet."),
    # the clip page: safe deletion (recovery window) and restore
    "pending_note": (
        "Dijadwalkan untuk dihapus pada {date}; dapat dipulihkan sampai saat itu. Rekamannya "
        "tidak dapat diputar selama menunggu.",
        "Scheduled for deletion on {date}, restorable until then. Its footage cannot be played "
        "while it waits.",
    ),
    "pending_reason": ("Alasan:", "Why:"),
    "pending_ask_admin": (
        "Hanya admin yang dapat memulihkannya.",
        "Only an admin can restore it.",
    ),
    "restore_reason": ("Alasan pemulihan (dicatat)", "Why you restore (recorded)"),
    "restore_button": ("Pulihkan klip", "Restore the clip"),
    "restore_help": (
        "Memulihkan membuat rekaman dapat dibaca lagi dan memperpanjang masa simpannya satu "
        "jendela pemulihan; lampirkan ke perkara atau tahan agar tetap disimpan.",
        "Restoring makes the footage readable again and keeps it one more recovery window; "
        "attach it to a case or hold it to keep it longer.",
    ),
    # the clip page: redaction
    "redacted_copy_title": ("Salinan tersamarkan", "Redacted copy"),
    "redacted_copy_help": (
        "Klip ini adalah salinan tersamarkan; aslinya tidak diubah. Cara pembuatannya tercatat "
        "di bawah.",
        "This clip is a redacted copy; its original is untouched. How it was made is recorded "
        "below.",
    ),
    "redacted_from": ("Klip sumber", "Source clip"),
    "redacted_source_sha256": ("SHA-256 sumber", "Source SHA-256"),
    "redacted_mode": ("Cara", "Method"),
    "redaction_mode_blur": ("dikaburkan", "blurred"),
    "redaction_mode_black": ("dihitamkan", "blacked out"),
    "redacted_boxes": ("Kotak", "Boxes"),
    "redacted_whole_clip": ("seluruh klip", "whole clip"),
    "redacted_audio": ("Audio", "Audio"),
    "redacted_muted": ("dihapus", "removed"),
    "redacted_audio_kept": ("dipertahankan", "kept"),
    "redacted_command": ("Perintah ffmpeg", "ffmpeg command"),
    "redacted_copies_title": ("Salinan tersamarkan", "Redacted copies"),
    "redacted_copies_help": (
        "Salinan klip ini dengan bagian yang disamarkan; masing-masing klip tersendiri.",
        "Copies of this clip with parts redacted; each is a clip of its own.",
    ),
}

CATALOGUE: dict[str, dict[str, str]] = {
    lang: {key: texts[i] for key, texts in _TEXTS.items()} for i, lang in enumerate(LANGUAGES)
}


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)` for a page; an unknown key fails loudly (tests render every page)."""
    texts = CATALOGUE[lang if lang in CATALOGUE else DEFAULT]

    def t(key: str, **values: object) -> str:
        text = texts[key]
        return text.format(**values) if values else text

    return t
