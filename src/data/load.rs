//! Files to typed tables: CSV (UTF-8, UTF-8 with BOM or GBK) and Parquet through polars,
//! headers mapped onto the canonical columns, cells coerced to their types.

use super::schema::{self, ColType, Mapping, TableKind};
use super::table::{BadCell, Column, ParsedCell, Table, Values, parse_cell};
use polars::prelude::*;
use std::io::Cursor;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no .csv or .parquet files in this folder")]
    EmptyFolder { path: PathBuf },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error(
        "{path}: line {line}: the text is neither UTF-8 nor GBK; save the file as UTF-8 and load it again"
    )]
    Encoding { path: PathBuf, line: usize },
    #[error("{path}: UTF-16 text is not supported; save the file as UTF-8 and load it again")]
    Utf16 { path: PathBuf },
    #[error(
        "{path}: row {row} has {found} fields but the header has {expected}; check quoting and separators on that line"
    )]
    Ragged {
        path: PathBuf,
        row: usize,
        found: usize,
        expected: usize,
    },
    #[error("{path}: not a readable {format} file: {message}")]
    Parse {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{path}: unknown file type; promolab reads .csv, .tsv, .txt and .parquet")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: cannot tell which table this is from its columns ({headers}); {advice}")]
    UnknownKind {
        path: PathBuf,
        headers: String,
        /// What to do: the kind the columns come closest to and the columns it lacks, or how to
        /// name the kind.
        advice: String,
    },
    #[error(
        "{path}: column '{column}' of the {kind} table is missing; add it or map one of your columns to it in a mapping file"
    )]
    MissingColumn {
        path: PathBuf,
        column: &'static str,
        kind: &'static str,
    },
    #[error("{path}: mapping file: {message}")]
    Mapping { path: PathBuf, message: String },
}

/// Reads a mapping file (JSON, see `schema::Mapping`).
pub fn read_mapping(path: &Path) -> Result<Mapping, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.into(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| LoadError::Mapping {
        path: path.into(),
        message: e.to_string(),
    })
}

/// Loads one CSV or Parquet file as a typed table.
pub fn load_table(path: &Path, mapping: &Mapping) -> Result<Table, LoadError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (raw, encoding) = match ext.as_str() {
        "csv" | "tsv" | "txt" => read_csv_strings(path)?,
        "parquet" | "pq" => (read_parquet_strings(path)?, "Parquet"),
        _ => return Err(LoadError::UnknownFormat { path: path.into() }),
    };
    build_table(path, raw, encoding, mapping)
}

/// The headers of a CSV or Parquet file as written (for the column-mapping editor, also when
/// the file cannot be loaded as any table yet).
pub fn read_headers(path: &Path) -> Result<Vec<String>, LoadError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => {
            use std::io::Read;
            let mut head = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
                .map_err(|source| LoadError::Io {
                    path: path.into(),
                    source,
                })?;
            // Only the first line matters; cutting there keeps multi-byte characters whole.
            if let Some(end) = head.iter().position(|&b| b == b'\n') {
                head.truncate(end + 1);
            }
            let (text, _) = decode(path, &head)?;
            let line = text.lines().next().unwrap_or("");
            let separator = sniff_separator(line);
            let df = csv_frame(path, format!("{line}\n"), separator)?;
            Ok(df
                .get_column_names()
                .iter()
                .map(|n| n.trim_start_matches('\u{feff}').to_string())
                .collect())
        }
        "parquet" | "pq" => Ok(read_parquet_strings(path)?.headers),
        _ => Err(LoadError::UnknownFormat { path: path.into() }),
    }
}

/// Every column as optional text, in file order.
struct RawColumns {
    headers: Vec<String>,
    cells: Vec<Vec<Option<String>>>,
}

fn read_csv_strings(path: &Path) -> Result<(RawColumns, &'static str), LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.into(),
        source,
    })?;
    let (text, encoding) = decode(path, &bytes)?;
    if text.trim().is_empty() {
        return Err(LoadError::Empty { path: path.into() });
    }
    let separator = sniff_separator(&text);
    if let Some((row, found, expected)) = find_ragged_row(&text, separator) {
        return Err(LoadError::Ragged {
            path: path.into(),
            row,
            found,
            expected,
        });
    }
    let df = csv_frame(path, text, separator)?;
    Ok((frame_to_strings(path, &df)?, encoding))
}

/// Parses decoded CSV text with a header, every cell as text.
fn csv_frame(path: &Path, text: String, separator: u8) -> Result<DataFrame, LoadError> {
    let parse = CsvParseOptions::default().with_separator(separator);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(parse)
        .into_reader_with_file_handle(Cursor::new(text.into_bytes()))
        .finish()
        .map_err(|e| LoadError::Parse {
            path: path.into(),
            format: "CSV",
            message: first_line(&e.to_string()),
        })
}

fn read_parquet_strings(path: &Path) -> Result<RawColumns, LoadError> {
    let pl_path =
        PlRefPath::try_from_pathbuf(path.to_path_buf()).map_err(|e| LoadError::Parse {
            path: path.into(),
            format: "Parquet",
            message: first_line(&e.to_string()),
        })?;
    let df = LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default())
        .and_then(|lf| lf.collect())
        .map_err(|e| LoadError::Parse {
            path: path.into(),
            format: "Parquet",
            message: first_line(&e.to_string()),
        })?;
    frame_to_strings(path, &df)
}

fn frame_to_strings(path: &Path, df: &DataFrame) -> Result<RawColumns, LoadError> {
    let err = |e: PolarsError| LoadError::Parse {
        path: path.into(),
        format: "table",
        message: first_line(&e.to_string()),
    };
    let mut headers = Vec::with_capacity(df.width());
    let mut cells = Vec::with_capacity(df.width());
    for col in df.columns() {
        headers.push(col.name().to_string());
        let as_text = col.cast(&DataType::String).map_err(err)?;
        let ca = as_text.str().map_err(err)?;
        cells.push(ca.iter().map(|v| v.map(str::to_string)).collect());
    }
    Ok(RawColumns { headers, cells })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}

/// UTF-8 (a BOM is dropped) or GBK; anything else is refused with the line of the first bad byte.
fn decode(path: &Path, bytes: &[u8]) -> Result<(String, &'static str), LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty { path: path.into() });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(LoadError::Utf16 { path: path.into() });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), "UTF-8 with BOM")),
            Err(e) => Err(encoding_error(path, rest, e.valid_up_to())),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), "UTF-8")),
        Err(e) => match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes)
        {
            Some(s) => Ok((s.into_owned(), "GBK")),
            None => Err(encoding_error(path, bytes, e.valid_up_to())),
        },
    }
}

fn encoding_error(path: &Path, bytes: &[u8], offset: usize) -> LoadError {
    let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    LoadError::Encoding {
        path: path.into(),
        line,
    }
}

fn sniff_separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&s| (header.bytes().filter(|&b| b == s).count(), s == b','))
        .unwrap_or(b',')
}

/// The first data row (1-based) whose field count differs from the header's, honouring quotes.
fn find_ragged_row(text: &str, sep: u8) -> Option<(usize, usize, usize)> {
    let mut expected = None;
    let mut fields = 1;
    let mut in_quotes = false;
    let mut row = 0usize;
    let mut line_has_content = false;
    let bytes = text.as_bytes();
    let mut finish = |fields: usize, row: &mut usize, has: bool| -> Option<(usize, usize, usize)> {
        if !has {
            return None;
        }
        match expected {
            None => expected = Some(fields),
            Some(e) if e != fields => return Some((*row, fields, e)),
            _ => {}
        }
        *row += 1;
        None
    };
    for &b in bytes {
        if b == b'"' {
            in_quotes = !in_quotes;
            line_has_content = true;
        } else if !in_quotes && b == sep {
            fields += 1;
            line_has_content = true;
        } else if !in_quotes && b == b'\n' {
            if let Some(r) = finish(fields, &mut row, line_has_content) {
                return Some(r);
            }
            fields = 1;
            line_has_content = false;
        } else if b != b'\r' {
            line_has_content = true;
        }
    }
    finish(fields, &mut row, line_has_content)
}

/// For headers no kind fits: "it looks like a customers table without its required column
/// 'signup_date' (also read from: signup, …); add it or map one of your columns to it …" when
/// they come close to a kind, else how to name the kind in a mapping file.
fn advice(headers: &[String], mapping: &Mapping) -> String {
    let Some((kind, missing)) = schema::closest_kind(headers, mapping) else {
        return r#"name the kind in a mapping file, e.g. {"kind": "order_lines"}"#.into();
    };
    let columns: Vec<String> = missing
        .iter()
        .map(|c| {
            let also = if c.synonyms.is_empty() {
                String::new()
            } else {
                format!(" (also read from: {})", c.synonyms.join(", "))
            };
            format!("'{}'{also}", c.name)
        })
        .collect();
    let (plural, them) = if missing.len() == 1 {
        ("", "it")
    } else {
        ("s", "them")
    };
    format!(
        r#"it looks like {} {} table without its required column{plural} {}; add {them} or map your columns in a mapping file, e.g. {{"columns": {{"{}": "your header"}}}}"#,
        schema::article(kind.label()),
        kind.label(),
        columns.join(" and "),
        missing[0].name
    )
}

fn build_table(
    path: &Path,
    raw: RawColumns,
    encoding: &'static str,
    mapping: &Mapping,
) -> Result<Table, LoadError> {
    let kind =
        schema::detect_kind(&raw.headers, mapping).ok_or_else(|| LoadError::UnknownKind {
            path: path.into(),
            headers: raw.headers.join(", "),
            advice: advice(&raw.headers, mapping),
        })?;
    let matches = schema::match_columns(kind, &raw.headers, mapping);
    for spec in kind.spec().iter().filter(|c| c.required) {
        if !matches.iter().any(|m| m.canonical == spec.name) {
            return Err(LoadError::MissingColumn {
                path: path.into(),
                column: spec.name,
                kind: kind.label(),
            });
        }
    }
    let n_rows = raw.cells.first().map_or(0, Vec::len);
    let mut bad_cells = Vec::new();
    let mut columns = Vec::new();
    let mut used = vec![false; raw.headers.len()];
    for spec in kind.spec() {
        let Some(m) = matches.iter().find(|m| m.canonical == spec.name) else {
            continue;
        };
        let idx = raw
            .headers
            .iter()
            .position(|h| *h == m.header)
            .expect("matched header exists");
        used[idx] = true;
        let values = coerce(&raw.cells[idx], spec.ty, spec.name, &mut bad_cells);
        columns.push(Column {
            name: spec.name.to_string(),
            header: m.header.clone(),
            values,
        });
    }
    for (idx, header) in raw.headers.iter().enumerate().filter(|(i, _)| !used[*i]) {
        let cells = &raw.cells[idx];
        let numeric = kind == TableKind::FlatCampaign
            && cells
                .iter()
                .flatten()
                .all(|t| matches!(parse_cell(ColType::Float, t), Ok(Some(_))));
        let name = schema::normalize_header(header);
        let values = if numeric {
            coerce(cells, ColType::Float, &name, &mut bad_cells)
        } else {
            Values::Text(
                cells
                    .iter()
                    .map(|c| {
                        c.as_ref()
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty())
                    })
                    .collect(),
            )
        };
        columns.push(Column {
            name,
            header: header.clone(),
            values,
        });
    }
    Ok(Table {
        kind,
        source: path.to_path_buf(),
        encoding,
        columns,
        row_numbers: (1..=n_rows).collect(),
        bad_cells,
    })
}

fn coerce(cells: &[Option<String>], ty: ColType, name: &str, bad: &mut Vec<BadCell>) -> Values {
    let expected = match ty {
        ColType::Text => "text",
        ColType::Int => "a whole number",
        ColType::Float => "a number",
        ColType::Bool => "0/1 or true/false",
        ColType::Time => "a date like 2026-03-01 or 2026-03-01 14:30:00",
    };
    let mut parsed = Vec::with_capacity(cells.len());
    for (i, c) in cells.iter().enumerate() {
        let text = c.as_deref().unwrap_or("");
        match parse_cell(ty, text) {
            Ok(v) => parsed.push(v),
            Err(_) => {
                bad.push(BadCell {
                    row: i + 1,
                    column: name.to_string(),
                    text: text.chars().take(60).collect(),
                    expected,
                });
                parsed.push(None);
            }
        }
    }
    macro_rules! pick {
        ($variant:ident) => {
            Values::$variant(
                parsed
                    .into_iter()
                    .map(|p| match p {
                        Some(ParsedCell::$variant(x)) => Some(x),
                        _ => None,
                    })
                    .collect(),
            )
        };
    }
    match ty {
        ColType::Text => pick!(Text),
        ColType::Int => pick!(Int),
        ColType::Float => pick!(Float),
        ColType::Bool => pick!(Bool),
        ColType::Time => pick!(Time),
    }
}

/// Whether the file name says CSV or Parquet (what `load_table` reads).
pub fn is_data_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "csv" | "tsv" | "txt" | "parquet" | "pq")
}

/// The files to load for a list of files and folders: a folder stands for its .csv and .parquet
/// files, sorted by name. A folder without any is an error.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for p in paths {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        let entries = std::fs::read_dir(p).map_err(|source| LoadError::Io {
            path: p.clone(),
            source,
        })?;
        let mut in_dir: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| {
                let ext = f
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                matches!(ext.as_str(), "csv" | "parquet")
            })
            .collect();
        if in_dir.is_empty() {
            return Err(LoadError::EmptyFolder { path: p.clone() });
        }
        in_dir.sort();
        files.extend(in_dir);
    }
    Ok(files)
}

/// Every table found in a set of files and folders.
pub fn load_paths(paths: &[PathBuf], mapping: &Mapping) -> Result<Vec<Table>, LoadError> {
    expand_paths(paths)?
        .iter()
        .map(|f| load_table(f, mapping))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_rows_are_found_with_quotes_respected() {
        assert_eq!(find_ragged_row("a,b\n1,2\n\"x,y\",3\n", b','), None);
        assert_eq!(
            find_ragged_row("a,b\r\n1,2\r\n1,2,3\r\n", b','),
            Some((2, 3, 2))
        );
    }

    #[test]
    fn headers_are_read_from_the_first_line_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let path = dir.join("x.csv");
        std::fs::write(&path, "\u{feff}Kunde;\"Menge, Stück\";Preis\n1;2;3\n").unwrap();
        assert_eq!(
            read_headers(&path).unwrap(),
            vec!["Kunde", "Menge, Stück", "Preis"]
        );
        let e = read_headers(&dir.join("missing.csv")).unwrap_err();
        assert!(e.to_string().contains("missing.csv"), "{e}");
    }

    #[test]
    fn separators_are_sniffed_from_the_header() {
        assert_eq!(sniff_separator("a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_separator("a\tb\n"), b'\t');
        assert_eq!(sniff_separator("a,b\n"), b',');
    }
}
