"""Byte-deterministic file writers for the video registry's deliveries: XLSX workbooks and legacy-encoded CSV.

The XLSX writer emits a minimal, standard SpreadsheetML package (one sheet, inline strings, numbers as numbers) built
column-wise with polars: a street's 10,000-row ledger takes milliseconds, where a per-cell writer takes a second, and
a year of monthly ledgers is tens of files. Zip entries carry a fixed timestamp and the document's creation date is
the delivery date, so the same data always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import polars as pl

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument."

_CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}spreadsheetml.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_NS}"><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_APP = (
    f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _escape(e: pl.Expr) -> pl.Expr:
    return (e.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
            .str.replace_all(">", "&gt;", literal=True))


def _cell(name: str, dtype: pl.DataType, letter: str) -> pl.Expr:
    ref = pl.concat_str(pl.lit(f'<c r="{letter}'), pl.col("__r"))
    if dtype.is_numeric():
        body = pl.concat_str(ref, pl.lit('"><v>'), pl.col(name).cast(pl.String), pl.lit("</v></c>"))
    else:
        text = _escape(pl.col(name).cast(pl.String))
        body = pl.concat_str(ref, pl.lit('" t="inlineStr"><is><t xml:space="preserve">'), text,
                             pl.lit("</t></is></c>"))
    return body.fill_null("")  # an empty cell is simply absent, as Excel writes it


def sheet_xml(df: pl.DataFrame) -> str:
    """The worksheet part: a header row of column names, then the rows."""
    letters = [_col_letter(i) for i in range(df.width)]
    header = "".join(
        f'<c r="{c}1" t="inlineStr"><is><t>{n.replace("&", "&amp;")}</t></is></c>' for c, n in zip(letters, df.columns,
                                                                                                   strict=True)
    )
    body = df.with_columns(pl.int_range(2, df.height + 2).cast(pl.String).alias("__r")).select(
        pl.concat_str(pl.lit('<row r="'), pl.col("__r"), pl.lit('">'),
                      *[_cell(n, t, c) for (n, t), c in zip(df.schema.items(), letters, strict=True)],
                      pl.lit("</row>")).alias("x")
    )["x"].str.join("").item()
    last = f"{letters[-1]}{df.height + 1}"
    return (f'{_HEAD}<worksheet xmlns="{_NS}"><dimension ref="A1:{last}"/><sheetData>'
            f'<row r="1">{header}</row>{body}</sheetData></worksheet>')


def write_xlsx(path: Path, df: pl.DataFrame, sheet: str, created: date, author: str) -> None:
    core = (
        f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{author}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created.isoformat()}T09:00:00Z</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created.isoformat()}T09:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )
    workbook = (f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
                f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    parts = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS), ("docProps/app.xml", _APP),
             ("docProps/core.xml", core), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
             ("xl/styles.xml", _STYLES), ("xl/worksheets/sheet1.xml", sheet_xml(df))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in parts:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))  # fixed entry time: same data, same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"), compresslevel=1)
    path.write_bytes(buf.getvalue())


def write_csv(path: Path, df: pl.DataFrame, encoding: str, misencoded_rows: set[int], other_encoding: str) -> None:
    """A CSV as a Windows export writes it (CRLF, ENCODING); rows in MISENCODED_ROWS come out in OTHER_ENCODING.

    That is what a ledger stitched together from two subsystems looks like: most lines in the street's GBK, a few
    pasted in from a UTF-8 system (or the reverse), so a reader that trusts one encoding garbles exactly those rows.
    """
    lines = df.write_csv(line_terminator="\r\n").split("\r\n")
    bom = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    out = [line.encode(other_encoding if i - 1 in misencoded_rows else enc) for i, line in enumerate(lines)]
    path.write_bytes(bom + b"\r\n".join(out))
