"""Texts of the 112-workflow pages (issue 17), Indonesian first then English, kept in one block
so they move into the message catalogues in one piece. i18n.py merges them."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "api_docs_title": ("Dokumentasi API", "API documentation"),
    "street_map_label": ("Peta jalan kamera", "Street map of the cameras"),
    # Opening a case, at a map point or not
    "case_new_title": ("Buka kasus", "Open a case"),
    "case_new_at": ("Di titik {lat}, {lon} pada peta.", "At the map point {lat}, {lon}."),
    "case_number": ("Nomor kasus", "Case number"),
    "case_open_button": ("Buka kasus", "Open the case"),
    "case_open_here": ("Buka kasus baru di titik ini", "Open a new case at this point"),
    # Pulling from the map
    "distance": ("Jarak", "Distance"),
    "recording_source": ("Sumber rekaman", "Recording source"),
    "source_none": ("tidak terdaftar", "none registered"),
    "pull_title": ("Tarik rekaman dari kamera-kamera ini", "Pull the footage of these cameras"),
    "archived_in_range": (
        "Sudah diarsipkan di sekitar titik ini",
        "Already archived around this point",
    ),
    "pull_start": ("Tarik rekaman", "Pull the footage"),
    "pulls_title": ("Penarikan rekaman", "Footage pulls"),
    "pulls_none": ("Belum ada penarikan.", "No pulls yet."),
    "pull_by": ("oleh {actor}", "by {actor}"),
    "pull_running": ("berjalan", "running"),
    "pull_interrupted": ("terputus", "interrupted"),
    "pull_failed": ("gagal", "failed"),
    "pull_finished": ("selesai", "finished"),
    "pull_detail": ("Rincian", "Detail"),
    "stage_queued": ("menunggu", "queued"),
    "stage_fetching": ("mengambil", "fetching"),
    "stage_storing": ("menyimpan", "storing"),
    "stage_done": ("diarsipkan", "archived"),
    "stage_without": ("tidak ada rekaman", "no footage"),
    "stage_failed": ("gagal", "failed"),
    "covers_all": ("seluruh rentang", "the whole range"),
    "covers_part": ("sebagian rentang", "part of the range"),
    "covers_none": ("di luar rentang", "outside the range"),
    # The case timeline
    "timeline_title": ("Linimasa", "Timeline"),
    "timeline_link": (
        "Linimasa kasus: tonton kamera bersamaan",
        "Case timeline: watch the cameras in step",
    ),
    "timeline_caption": (
        "{n} klip dari {cameras} kamera pada satu sumbu waktu; celah adalah waktu tanpa rekaman.",
        "{n} clips from {cameras} cameras on one time axis; gaps are times without footage.",
    ),
    "timeline_watch": ("Tonton", "Watch"),
    "timeline_controls": ("Kendali linimasa", "Timeline controls"),
    "timeline_moment": ("Saat", "Moment"),
    "timeline_jump": ("Lompat ke saat ini", "Jump to this moment"),
    "timeline_play": ("Putar bersamaan", "Play in step"),
    "timeline_pause": ("Jeda", "Pause"),
    "timeline_gap": ("Tidak ada rekaman pada saat ini.", "No footage at this moment."),
}
