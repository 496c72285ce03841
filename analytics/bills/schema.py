"""The shape of PLN bill data in SAKTI and of pagu data: the SAKTI column list (seed 002), the canonical
column names the analytics use and the spellings real exports give them.

Identifiers (kode satker, idpel, months) are parsed in ``analytics.ids``.
"""
from __future__ import annotations

# The SAKTI bill table as the PLN/PPP export delivers it (seed 002, Gambar 1), in that order.
SAKTI_BILL_COLUMNS: tuple[str, ...] = (
    "KODE_SATKER", "JENIS_LAYANAN", "NO_PELANGGAN", "PERIODE_TAGIHAN", "NILAI_TAGIHAN", "rp_mat",
    "tglbilling", "tglbaca", "rpkwh", "rp_tag", "jabatan", "standawal", "tarif", "nip", "unit_penagih",
    "rpbeban", "bulan_tagihan", "faktorkali", "rplain2", "nama_satker", "nama_pejabat", "no_tagihan",
    "thblrekap", "idpel", "daya", "satuan_jabatan", "nama_pelanggan", "rp_ppn", "bulan_tahun",
    "kode_satker2", "standakhir", "kwh",
)
# Columns that carry personal data: never loaded into the analytics frames, never shown or logged.
PERSONAL_COLUMNS: frozenset[str] = frozenset({"nip", "nama_pejabat", "nama_pelanggan", "jabatan", "satuan_jabatan"})

# Canonical names used by every analytic.
KODE_SATKER = "kode_satker"
IDPEL = "idpel"
PERIODE = "periode"
NILAI = "nilai_tagihan"
ANOMALI = "anomali"          # ground-truth label, synthetic data only ("" = normal)
SINTETIS = "sintetis"        # 1 on every synthetic row
AKUN = "akun"
TAHUN = "tahun"
PAGU = "pagu"
AKUN_LISTRIK = "522111"      # Belanja Langganan Listrik

# Accepted spellings (lower case) of the canonical columns in an export; first match wins.
BILL_ALIASES: dict[str, tuple[str, ...]] = {
    KODE_SATKER: ("kode_satker", "kdsatker", "kode_satker2", "satker"),
    IDPEL: ("idpel", "no_pelanggan", "id_pelanggan"),
    PERIODE: ("periode_tagihan", "periode", "thblrekap", "bulan_tahun", "bulan_tagihan"),
    NILAI: ("nilai_tagihan", "rp_tag", "tagihan", "nilai"),
}
PAGU_ALIASES: dict[str, tuple[str, ...]] = {
    KODE_SATKER: ("kode_satker", "kdsatker", "satker"),
    AKUN: ("akun", "kode_akun", "kdakun"),
    TAHUN: ("tahun", "tahun_anggaran", "ta"),
    PAGU: ("pagu", "nilai_pagu", "pagu_akun"),
}

def resolve_columns(columns: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map canonical name -> the export's column name, matching aliases case-insensitively."""
    lower = {}
    for col in columns:
        lower.setdefault(str(col).strip().lower(), col)
    found: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in names:
            if name in lower:
                found[canonical] = lower[name]
                break
    return found
