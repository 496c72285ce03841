"""Validate a whole APBD file (one record per kode akun + nama akun) against the level-6 reference (seed 001).

Per record: OK, NAMA KOSONG (empty name), SALAH KODE (the name is another account's), SALAH TULIS (the
code is right, the name is written differently), or TIDAK DIKENALI (unknown code and no confident match),
with the suggested code and name. Work is per distinct (code, name) pair and each distinct name is scored
(and embedded) once, so a file of 1,000,000 records costs its distinct names, not its rows. The summary
has counts and shares per status, like the paper's (48,794 records = 0.931% not matching the standard), and
per top group of the chart (4, 5.1, 5.2, 5.3, 5.4, 6); the header names the reference versions and coverage.

Versions: a name that fits a template account (or a region-numbered code after a ``Dst ...`` row) is OK; a
90/2019 name that 050-5889 changed ("nama lama") is reported with what changed, and every suggestion says
which regulation it rests on (column ``sumber``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.accounts.suggest import AccountSuggester, default_suggester
from analytics.accounts.reference import (
    SOURCE_TITLES,
    TOP_GROUPS,
    AccountReference,
    code_level,
    normalize_kode_akun,
    top_group,
)
from analytics.accounts.text import exact_key, is_blank_name
from analytics.errors import DataFileError, InvalidInputError
from analytics.money import format_persen

OK, EMPTY, WRONG_CODE, WRITTEN, UNKNOWN = "OK", "NAMA KOSONG", "SALAH KODE", "SALAH TULIS", "TIDAK DIKENALI"
STATUSES = (OK, EMPTY, WRONG_CODE, WRITTEN, UNKNOWN)
# When the record's own code scores within this of the best candidate, the code is taken as right and only
# the writing is wrong (benefit of the doubt between near-twins such as PNS/PPPK accounts).
OWN_CODE_MARGIN = 0.03
CODE_COLUMNS = ("kode_akun", "kode_rekening", "kode", "kd_rek", "kode_rek", "kodeakun")
NAME_COLUMNS = ("nama_akun", "namaakunsubrinci", "nama_rekening", "uraian", "nama", "uraian_akun", "nm_rek")
XLSX_MAX_ROWS = 1_048_575


def reference_header(ref: AccountReference) -> str:
    """'Referensi: <versions>; cakupan level 6: 4 Pendapatan Daerah 588, 5.1 ... ': the report's header."""
    cover = ", ".join(f"{g} {TOP_GROUPS[g]} {n:,}".replace(",", ".") for g, n in ref.coverage.items())
    return f"Referensi: {ref.describe()}; cakupan akun level 6: {cover}"


@dataclass
class ValidationReport:
    records: pd.DataFrame  # baris, kode_akun, nama_akun, kelompok, status, kode_saran, nama_saran, sumber, ...
    summary: pd.DataFrame  # status, jumlah, persen (share of all records)
    reference: str
    distinct_names_scored: int = 0
    header: str = ""  # reference versions and coverage (``reference_header``)
    per_group: pd.DataFrame | None = None  # kelompok, nama_kelompok, jumlah, one column per status, persen_ok

    def group_text(self) -> str:
        """One Indonesian line per top group: records and the share that is OK."""
        if self.per_group is None or self.per_group.empty:
            return ""
        lines = []
        for row in self.per_group.itertuples(index=False):
            count = f"{row.jumlah:,}".replace(",", ".")
            lines.append(f"- {row.kelompok} {row.nama_kelompok}: {count} record, "
                         f"{format_persen(row.persen_ok / 100, 1)} sesuai")
        return "\n".join(lines)

    @property
    def n_records(self) -> int:
        return len(self.records)

    def count(self, status: str) -> int:
        row = self.summary.loc[self.summary["status"] == status, "jumlah"]
        return int(row.iloc[0]) if len(row) else 0

    def summary_text(self) -> str:
        """Indonesian summary like the paper's: not-matching records, then each kind with its share."""
        n = max(self.n_records, 1)
        bad = self.n_records - self.count(OK)
        lines = [self.header] if self.header else []
        lines += [
            f"{bad:,} dari {self.n_records:,} record ({format_persen(bad / n, 3)}) tidak sesuai standar "
            "nomenklatur Kepmendagri 050-5889".replace(",", ".")
        ]
        for status in STATUSES[1:]:
            c = self.count(status)
            lines.append(f"- {status}: {c:,} record ({format_persen(c / n, 3)})".replace(",", "."))
        groups = self.group_text()
        if groups:
            lines += ["Per kelompok akun:", groups]
        return "\n".join(lines)

    def write(self, path: Path | str) -> Path:
        """CSV: every record. XLSX: sheets 'ringkasan' and 'perlu_perbaikan' (the records that are not OK)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".csv":
            self.records.to_csv(path, index=False, sep=";")
            return path
        if path.suffix.lower() != ".xlsx":
            raise DataFileError(f"format keluaran tidak didukung: {path.suffix}; gunakan .xlsx atau .csv")
        problems = self.records[self.records["status"] != OK].head(XLSX_MAX_ROWS)
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            self.summary.to_excel(xl, sheet_name="ringkasan", index=False)
            if self.per_group is not None:
                self.per_group.to_excel(xl, sheet_name="per_kelompok", index=False)
            problems.to_excel(xl, sheet_name="perlu_perbaikan", index=False)
            if self.n_records <= 100_000:
                self.records.to_excel(xl, sheet_name="semua_record", index=False)
        return path


def _column(columns, aliases, what: str, expected: str) -> str:
    lower = {str(c).strip().lower().replace(" ", "_"): c for c in columns}
    for a in aliases:
        if a in lower:
            return lower[a]
    raise DataFileError(
        f"kolom {what} tidak ditemukan; kolom yang diharapkan: {expected} "
        f"(ditemukan: {', '.join(map(str, columns))})"
    )


def read_apbd(source) -> pd.DataFrame:
    """The file (CSV ';' or ',' / XLSX) or DataFrame as text columns ``kode_akun`` and ``nama_akun``."""
    if isinstance(source, pd.DataFrame):
        raw = source
    else:
        path = Path(source)
        if not path.exists():
            raise DataFileError(f"berkas tidak ditemukan: {path}")
        suffix = "".join(path.suffixes).lower()
        if suffix.endswith((".xlsx", ".xlsm", ".xls")):
            raw = pd.read_excel(path, dtype=str)
        elif suffix.endswith((".csv", ".csv.gz", ".txt")):
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                first = fh.readline()
            sep = ";" if first.count(";") > first.count(",") else ","
            raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raise DataFileError(f"format berkas {path.name} tidak didukung; gunakan CSV atau XLSX")
    expected = "kode_akun, nama_akun"
    code_col = _column(raw.columns, CODE_COLUMNS, "kode akun", expected)
    name_col = _column(raw.columns, NAME_COLUMNS, "nama akun", expected)
    return pd.DataFrame(
        {
            "kode_akun": raw[code_col].fillna("").astype(str).str.strip().to_numpy(),
            "nama_akun": raw[name_col].fillna("").astype(str).to_numpy(),
        }
    )


def validate_apbd_file(
    source, suggester: AccountSuggester | None = None, output: Path | str | None = None, k: int = 3
) -> ValidationReport:
    """Check every record of ``source`` (path or DataFrame); write the report to ``output`` when given."""
    suggester = suggester or default_suggester()
    data = read_apbd(source)
    ref = suggester.reference
    pair_ids, pairs = pd.MultiIndex.from_arrays([data["kode_akun"], data["nama_akun"]]).factorize()
    codes = pairs.get_level_values(0).to_numpy(dtype=object)
    names = pairs.get_level_values(1).to_numpy(dtype=object)

    status = np.empty(len(pairs), dtype=object)
    s_code = np.full(len(pairs), "", dtype=object)
    s_name = np.full(len(pairs), "", dtype=object)
    score = np.full(len(pairs), np.nan)
    note = np.full(len(pairs), "", dtype=object)
    source = np.full(len(pairs), "", dtype=object)
    to_score: list[int] = []
    for i, (code, name) in enumerate(zip(codes, names)):
        acc = ref.by_code.get(code)
        template = None if is_blank_name(name) else ref.template_for(code, name)
        if is_blank_name(name):
            status[i] = EMPTY
            if acc:
                s_code[i], s_name[i] = acc.code, acc.name
            else:
                note[i] = (
                    "kode tidak ada di referensi" if code_level(code) == 6 else "format kode tidak valid"
                )
        elif acc is not None and exact_key(name) == exact_key(acc.name):
            status[i], score[i] = OK, 1.0
        elif template is not None:
            status[i], score[i], source[i] = OK, 1.0, template.source
            note[i] = f"nama sesuai templat {template.code} ({template.name})"
        else:
            to_score.append(i)

    distinct = list(dict.fromkeys(names[i] for i in to_score))
    found = (
        dict(zip(distinct, suggester.suggest_many(distinct, k=max(k, 5), dense="auto"))) if distinct else {}
    )
    for i in to_score:
        code, cands = codes[i], found[names[i]]
        acc = ref.by_code.get(code)
        best = cands[0]
        own = next((c for c in cands if c.code == code), None)
        confident = suggester.is_confident(best)
        key = exact_key(names[i])
        if acc is not None and any(key == exact_key(f) for f in acc.former_names):
            # renamed (the name still points to its code) or the code reassigned to another account
            old = f"nama lama {SOURCE_TITLES['90/2019']} untuk kode {code}"
            if own is not None and own.score >= best.score - OWN_CODE_MARGIN:
                status[i], s_code[i], s_name[i], score[i] = WRITTEN, acc.code, acc.name, own.score
                note[i] = f"{old}; nama baku menurut {acc.source_title}: {acc.name}"
            elif confident:
                status[i], s_code[i], s_name[i], score[i] = WRONG_CODE, best.code, best.name, best.score
                note[i] = (f"{old}; menurut {acc.source_title} kode itu kini untuk {acc.name!r} "
                           f"dan akun ini berkode {best.code}")
            else:
                status[i], score[i] = UNKNOWN, best.score
                note[i] = f"{old}; menurut {acc.source_title} kode itu kini untuk {acc.name!r}"
            continue
        if own is not None and suggester.is_confident(own) and own.score >= best.score - OWN_CODE_MARGIN:
            status[i], s_code[i], s_name[i], score[i] = WRITTEN, own.code, own.name, own.score
        elif confident:
            status[i], s_code[i], s_name[i], score[i] = WRONG_CODE, best.code, best.name, best.score
            if acc is None:
                note[i] = (
                    "kode tidak ada di referensi" if code_level(code) == 6 else "format kode tidak valid"
                )
        elif acc is not None:
            status[i], s_code[i], s_name[i], score[i] = WRITTEN, acc.code, acc.name, best.score
            note[i] = "nama tidak mirip akun mana pun; disarankan nama baku untuk kode ini"
        else:
            status[i], score[i] = UNKNOWN, best.score
            note[i] = f"tidak ada padanan yang meyakinkan; terdekat {best.code} {best.name}"
        if acc is None and code in ref.former_codes:
            note[i] = (f"kode lama {SOURCE_TITLES['90/2019']} ({ref.former_codes[code]}), tidak dipakai lagi "
                       f"di {SOURCE_TITLES['050-5889']}; " + note[i]).rstrip("; ")

    group = np.empty(len(pairs), dtype=object)
    for i, code in enumerate(codes):
        shown = ref.by_code.get(s_code[i] or code)
        if not source[i]:
            source[i] = shown.source if shown is not None else ""
        group[i] = top_group(code) if code_level(code) else top_group(s_code[i])
    records = pd.DataFrame(
        {
            "baris": np.arange(2, len(data) + 2),
            "kode_akun": data["kode_akun"].to_numpy(),
            "nama_akun": data["nama_akun"].to_numpy(),
            "kelompok": group[pair_ids],
            "status": status[pair_ids],
            "kode_saran": s_code[pair_ids],
            "nama_saran": s_name[pair_ids],
            "sumber": source[pair_ids],
            "skor": np.round(score[pair_ids], 3),
            "keterangan": note[pair_ids],
        }
    )
    counts = records["status"].value_counts()
    n = max(len(records), 1)
    summary = pd.DataFrame({"status": list(STATUSES), "jumlah": [int(counts.get(s, 0)) for s in STATUSES]})
    summary["persen"] = (100.0 * summary["jumlah"] / n).round(3)
    report = ValidationReport(
        records=records,
        summary=summary,
        reference=f"{ref.source} ({ref.version or 'tanpa versi'})",
        distinct_names_scored=len(distinct),
        header=reference_header(ref),
        per_group=summarise_groups(records),
    )
    if output is not None:
        report.write(output)
    return report


def summarise_groups(records: pd.DataFrame) -> pd.DataFrame:
    """Records per top group (4, 5.1, 5.2, 5.3, 5.4, 6; '' = code and suggestion outside the chart) and
    status, with the share that is OK (percent)."""
    table = pd.crosstab(records["kelompok"], records["status"]).reindex(columns=list(STATUSES), fill_value=0)
    order = [g for g in [*TOP_GROUPS, ""] if g in table.index]
    table = table.reindex(order)
    out = pd.DataFrame({"kelompok": [g or "-" for g in order],
                        "nama_kelompok": [TOP_GROUPS.get(g, "di luar bagan akun") for g in order]})
    out["jumlah"] = table.sum(axis=1).to_numpy()
    for s in STATUSES:
        out[s] = table[s].to_numpy()
    out["persen_ok"] = (100.0 * out[OK] / out["jumlah"].clip(lower=1)).round(3)
    return out


@dataclass(frozen=True)
class AccountCheck:
    """One code + name checked against the reference, with the same rules as a whole file."""

    kode_akun: str
    nama_akun: str
    status: str  # OK | NAMA KOSONG | SALAH KODE | SALAH TULIS | TIDAK DIKENALI
    code_known: bool  # the code is in the reference
    code_name: str | None  # the reference name of ``kode_akun`` when known
    suggested_code: str | None  # the code that fits the name best (None when nothing fits)
    suggested_name: str | None
    score: float | None  # fused similarity 0..1 of the suggestion
    note: str
    source: str = ""  # regulation of the account the answer rests on ("050-5889" / "90/2019")
    reference: str = ""  # the versions of the reference in use (``AccountReference.describe``)
    old_name: bool = False  # the name is this code's Permendagri 90/2019 name that 050-5889 changed

    @property
    def source_title(self) -> str:
        return SOURCE_TITLES.get(self.source, self.source)


def check_account(kode_akun: object, nama_akun: object,
                  suggester: AccountSuggester | None = None) -> AccountCheck:
    """Does ``nama_akun`` belong to ``kode_akun``? InvalidInputError for a malformed code or a blank name."""
    kode = normalize_kode_akun(kode_akun)
    if is_blank_name(nama_akun):
        raise InvalidInputError("nama akun kosong; isi nama akun yang dipakai untuk kode tersebut")
    suggester = suggester or default_suggester()
    rec = validate_apbd_file(pd.DataFrame({"kode_akun": [kode], "nama_akun": [str(nama_akun)]}),
                             suggester=suggester).records.iloc[0]
    acc = suggester.reference.by_code.get(kode)
    score = float(rec["skor"]) if pd.notna(rec["skor"]) else None
    return AccountCheck(
        kode_akun=kode, nama_akun=str(nama_akun), status=str(rec["status"]), code_known=acc is not None,
        code_name=acc.name if acc else None, suggested_code=str(rec["kode_saran"]) or None,
        suggested_name=str(rec["nama_saran"]) or None, score=score, note=str(rec["keterangan"]),
        source=str(rec["sumber"]), reference=suggester.reference.describe(),
        old_name=acc is not None and any(exact_key(str(nama_akun)) == exact_key(f) for f in acc.former_names),
    )
