//! A loaded table in promolab's own typed columnar form: canonical columns coerced to their
//! types, extra columns kept, and each row's number in the source file kept through cleaning.

use super::schema::{ColType, TableKind};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    /// Seconds since 1970-01-01 UTC.
    Time(Vec<Option<i64>>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Time(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Values::Text(v) => v[row].is_none(),
            Values::Int(v) => v[row].is_none(),
            Values::Float(v) => v[row].is_none(),
            Values::Bool(v) => v[row].is_none(),
            Values::Time(v) => v[row].is_none(),
        }
    }

    /// The value as a number where that makes sense (booleans as 0/1, times as seconds).
    pub fn number(&self, row: usize) -> Option<f64> {
        match self {
            Values::Text(_) => None,
            Values::Int(v) => v[row].map(|x| x as f64),
            Values::Float(v) => v[row],
            Values::Bool(v) => v[row].map(|b| if b { 1.0 } else { 0.0 }),
            Values::Time(v) => v[row].map(|x| x as f64),
        }
    }

    pub fn display(&self, row: usize) -> String {
        match self {
            Values::Text(v) => v[row].clone().unwrap_or_default(),
            Values::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            Values::Float(v) => v[row].map(|x| format!("{x}")).unwrap_or_default(),
            Values::Bool(v) => v[row]
                .map(|b| if b { "1" } else { "0" }.to_string())
                .unwrap_or_default(),
            Values::Time(v) => v[row].map(format_time).unwrap_or_default(),
        }
    }

    /// Keeps the rows where `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        fn r<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut i = 0;
            v.retain(|_| {
                let k = keep[i];
                i += 1;
                k
            });
        }
        match self {
            Values::Text(v) => r(v, keep),
            Values::Int(v) => r(v, keep),
            Values::Float(v) => r(v, keep),
            Values::Bool(v) => r(v, keep),
            Values::Time(v) => r(v, keep),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Values::Text(_) => "text",
            Values::Int(_) => "integer",
            Values::Float(_) => "number",
            Values::Bool(_) => "0/1",
            Values::Time(_) => "date/time",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Canonical name for mapped columns, the file's header otherwise.
    pub name: String,
    /// The header as written in the file.
    pub header: String,
    pub values: Values,
}

/// A cell whose text could not be read as its column's type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadCell {
    /// 1-based position in the table as it is now (equal to the file's data row until rows are dropped).
    pub row: usize,
    pub column: String,
    pub text: String,
    pub expected: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub kind: TableKind,
    pub source: PathBuf,
    /// A note on how the bytes were decoded ("UTF-8", "UTF-8 with BOM", "GBK").
    pub encoding: &'static str,
    pub columns: Vec<Column>,
    /// The 1-based data row each row came from, so reports and cleaned tables point at the file.
    pub row_numbers: Vec<usize>,
    /// Cells that were not empty but could not be coerced; they are null in `columns`.
    pub bad_cells: Vec<BadCell>,
}

impl Table {
    pub fn n_rows(&self) -> usize {
        self.row_numbers.len()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn file_name(&self) -> String {
        self.source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.source.display().to_string())
    }

    pub fn text(&self, name: &str) -> Option<&[Option<String>]> {
        match &self.column(name)?.values {
            Values::Text(v) => Some(v),
            _ => None,
        }
    }

    pub fn float(&self, name: &str) -> Option<&[Option<f64>]> {
        match &self.column(name)?.values {
            Values::Float(v) => Some(v),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<&[Option<i64>]> {
        match &self.column(name)?.values {
            Values::Int(v) => Some(v),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<&[Option<bool>]> {
        match &self.column(name)?.values {
            Values::Bool(v) => Some(v),
            _ => None,
        }
    }

    pub fn time(&self, name: &str) -> Option<&[Option<i64>]> {
        match &self.column(name)?.values {
            Values::Time(v) => Some(v),
            _ => None,
        }
    }

    /// Keeps the rows where `keep` is true, in every column and in `row_numbers`.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        for c in &mut self.columns {
            c.values.retain(keep);
        }
        let mut i = 0;
        self.row_numbers.retain(|_| {
            let k = keep[i];
            i += 1;
            k
        });
        // Bad cells follow their rows to the new positions.
        let mut new_index = vec![None; keep.len()];
        let mut next = 0;
        for (old, &k) in keep.iter().enumerate() {
            if k {
                new_index[old] = Some(next);
                next += 1;
            }
        }
        self.bad_cells
            .retain_mut(|b| match new_index.get(b.row - 1).copied().flatten() {
                Some(n) => {
                    b.row = n + 1;
                    true
                }
                None => false,
            });
    }
}

/// Parses one cell as `ty`. Empty text is a missing value (`Ok(None)`); text that does not
/// parse is an error.
pub fn parse_cell(ty: ColType, text: &str) -> Result<Option<ParsedCell>, Unparsable> {
    let t = text.trim();
    if t.is_empty() || matches!(t, "NA" | "N/A" | "null" | "NULL" | "NaN" | "nan" | "None") {
        return Ok(None);
    }
    match ty {
        ColType::Text => Ok(Some(ParsedCell::Text(t.to_string()))),
        ColType::Int => parse_number(t)
            .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
            .map(|x| Some(ParsedCell::Int(x as i64)))
            .ok_or(Unparsable),
        ColType::Float => parse_number(t)
            .map(|x| Some(ParsedCell::Float(x)))
            .ok_or(Unparsable),
        ColType::Bool => match t.to_lowercase().as_str() {
            "1" | "true" | "t" | "yes" | "y" | "是" | "1.0" => Ok(Some(ParsedCell::Bool(true))),
            "0" | "false" | "f" | "no" | "n" | "否" | "0.0" => Ok(Some(ParsedCell::Bool(false))),
            _ => Err(Unparsable),
        },
        ColType::Time => parse_time(t)
            .map(|x| Some(ParsedCell::Time(x)))
            .ok_or(Unparsable),
    }
}

/// Text that does not read as the column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unparsable;

pub enum ParsedCell {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(i64),
}

/// A number, allowing a leading currency sign and thousands separators in "1,234.50" form.
fn parse_number(t: &str) -> Option<f64> {
    let t = t.trim_start_matches(['$', '€', '£', '¥', '￥']);
    let x = t.parse::<f64>().ok().or_else(|| {
        let plain = t.replace(',', "");
        let groups_ok = t.contains(',')
            && t.split('.')
                .next()
                .is_some_and(|int| int.split(',').skip(1).all(|g| g.len() == 3));
        if groups_ok {
            plain.parse::<f64>().ok()
        } else {
            None
        }
    })?;
    x.is_finite().then_some(x)
}

/// Dates and timestamps in the common ISO-like forms, as UTC seconds.
pub fn parse_time(t: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Some(dt.and_utc().timestamp());
        }
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp());
        }
    }
    None
}

pub fn format_time(secs: i64) -> String {
    match DateTime::from_timestamp(secs, 0) {
        Some(dt) if secs % 86_400 == 0 => dt.format("%Y-%m-%d").to_string(),
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => secs.to_string(),
    }
}

/// Quotes a CSV field when it holds a separator, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The table as UTF-8 CSV with its canonical column names.
pub fn to_csv(t: &Table) -> String {
    let mut out = t
        .columns
        .iter()
        .map(|c| csv_field(&c.name))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in 0..t.n_rows() {
        let row: Vec<String> = t
            .columns
            .iter()
            .map(|c| csv_field(&c.values.display(r)))
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_common_forms() {
        let day = parse_time("2026-03-01").unwrap();
        assert_eq!(parse_time("2026/03/01"), Some(day));
        assert_eq!(parse_time("20260301"), Some(day));
        assert_eq!(parse_time("2026-03-01 00:00:10"), Some(day + 10));
        assert_eq!(parse_time("2026-03-01T00:00:10Z"), Some(day + 10));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(format_time(day), "2026-03-01");
    }

    #[test]
    fn numbers_accept_currency_and_thousands_but_not_junk() {
        assert_eq!(parse_number("$1,234.50"), Some(1234.5));
        assert_eq!(parse_number("¥20"), Some(20.0));
        assert_eq!(parse_number("1,5"), None);
        assert_eq!(parse_number("12abc"), None);
        assert!(parse_cell(ColType::Int, "2.5").is_err());
        assert!(matches!(parse_cell(ColType::Float, " "), Ok(None)));
        assert!(matches!(
            parse_cell(ColType::Bool, "yes"),
            Ok(Some(ParsedCell::Bool(true)))
        ));
    }
}
