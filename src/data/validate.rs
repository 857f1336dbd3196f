//! The validation report: problem classes with counts and example rows, and the cleaning
//! choices (drop, impute, clip) that, when asked for, are applied and recorded in the report.

use super::schema::{Rule, TableKind};
use super::table::{Table, Values};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    Unparsable,
    MissingRequired,
    MissingOptional,
    DuplicateRow,
    DuplicateKey,
    NotPositive,
    Negative,
    NotAllowed,
    FutureDate,
    Outlier,
    UnknownCustomer,
    UnknownProduct,
    NoControlGroup,
}

impl ProblemKind {
    pub fn severity(self) -> Severity {
        use ProblemKind::*;
        match self {
            MissingOptional | Outlier => Severity::Warning,
            NoControlGroup => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn describe(self) -> &'static str {
        use ProblemKind::*;
        match self {
            Unparsable => "values that cannot be read as the column's type",
            MissingRequired => "missing values in a required column",
            MissingOptional => "missing values in an optional column",
            DuplicateRow => "rows that repeat an earlier row exactly",
            DuplicateKey => "ids that appear more than once",
            NotPositive => "zero or negative values where only positive ones make sense",
            Negative => "negative values",
            NotAllowed => "values outside the allowed list",
            FutureDate => "dates in the future",
            Outlier => "extreme values (robust z-score above 5 on a log scale)",
            UnknownCustomer => "rows pointing to a customer id not in the customers table",
            UnknownProduct => "rows pointing to a product id not in the products table",
            NoControlGroup => "campaigns without a control group: their uplift cannot be measured",
        }
    }

    pub fn fix(self) -> &'static str {
        use ProblemKind::*;
        match self {
            Unparsable | MissingRequired | NotPositive | Negative | NotAllowed | FutureDate
            | UnknownCustomer | UnknownProduct => {
                "drop these rows (--drop-invalid) or correct the file"
            }
            MissingOptional => {
                "impute (--impute: median for numbers, \"unknown\" for text) or leave empty"
            }
            DuplicateRow => "drop the repeats (--drop-duplicates)",
            DuplicateKey => {
                "drop later rows with the same id (--drop-duplicates) or correct the ids"
            }
            Outlier => "clip to the 1st-99th percentile (--clip-outliers) or check the source",
            NoControlGroup => {
                "use only campaigns with a randomized control group to measure uplift"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Problem {
    pub file: String,
    pub kind: ProblemKind,
    pub column: Option<String>,
    pub count: usize,
    /// Up to five 1-based data rows of the file (header not counted).
    pub example_rows: Vec<usize>,
    /// Up to five offending values, as text.
    pub example_values: Vec<String>,
    #[serde(skip)]
    rows_internal: Vec<usize>,
}

impl Problem {
    /// Indices (into the current table) of every affected row.
    pub fn row_indices(&self) -> &[usize] {
        &self.rows_internal
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableSummary {
    pub file: String,
    pub kind: TableKind,
    pub rows: usize,
    pub encoding: String,
    /// canonical <- header, for the mapped columns.
    pub columns: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CleaningChoices {
    pub drop_duplicates: bool,
    pub drop_invalid: bool,
    pub impute: bool,
    pub clip_outliers: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CleaningAction {
    pub file: String,
    pub action: String,
    pub column: Option<String>,
    pub rows: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub tables: Vec<TableSummary>,
    pub problems: Vec<Problem>,
    pub cleaning: Vec<CleaningAction>,
}

impl Report {
    pub fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.kind.severity() == Severity::Error)
            .map(|p| p.count)
            .sum()
    }

    pub fn count(&self, kind: ProblemKind) -> usize {
        self.problems
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.count)
            .sum()
    }

    /// The report as plain text for a terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        for t in &self.tables {
            let _ = writeln!(
                s,
                "{}: {} ({} rows, {})",
                t.file,
                t.kind.label(),
                t.rows,
                t.encoding
            );
            let renamed: Vec<String> = t
                .columns
                .iter()
                .filter(|(c, h)| c != h)
                .map(|(c, h)| format!("{h} -> {c}"))
                .collect();
            if !renamed.is_empty() {
                let _ = writeln!(s, "  mapped columns: {}", renamed.join(", "));
            }
        }
        if self.problems.is_empty() {
            let _ = writeln!(s, "\nNo problems found.");
        } else {
            let _ = writeln!(s, "\nProblems ({} error rows):", self.error_count());
            for p in &self.problems {
                let sev = match p.kind.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let col = p
                    .column
                    .as_deref()
                    .map(|c| format!(", column {c}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  [{sev}] {}{col}: {} {}",
                    p.file,
                    p.count,
                    p.kind.describe()
                );
                if !p.example_rows.is_empty() {
                    let rows: Vec<String> = p.example_rows.iter().map(|r| r.to_string()).collect();
                    let vals = if p.example_values.is_empty() {
                        String::new()
                    } else {
                        format!(" (values: {})", p.example_values.join(", "))
                    };
                    let _ = writeln!(s, "      e.g. rows {}{vals}", rows.join(", "));
                }
                let _ = writeln!(s, "      fix: {}", p.kind.fix());
            }
        }
        if !self.cleaning.is_empty() {
            let _ = writeln!(s, "\nCleaning applied:");
            for a in &self.cleaning {
                let col = a
                    .column
                    .as_deref()
                    .map(|c| format!(", column {c}"))
                    .unwrap_or_default();
                let _ = writeln!(s, "  {}{col}: {} ({} rows)", a.file, a.action, a.rows);
            }
        }
        s
    }
}

struct Collector<'a> {
    table: &'a Table,
    problems: Vec<Problem>,
}

impl Collector<'_> {
    fn add(
        &mut self,
        kind: ProblemKind,
        column: Option<&str>,
        rows: Vec<usize>,
        values: impl Fn(usize) -> String,
    ) {
        if rows.is_empty() {
            return;
        }
        let example_rows = rows
            .iter()
            .take(5)
            .map(|&i| self.table.row_numbers[i])
            .collect();
        let example_values = rows
            .iter()
            .take(5)
            .map(|&i| values(i))
            .filter(|v| !v.is_empty())
            .collect();
        self.problems.push(Problem {
            file: self.table.file_name(),
            kind,
            column: column.map(str::to_string),
            count: rows.len(),
            example_rows,
            example_values,
            rows_internal: rows,
        });
    }
}

/// Optional columns where an empty cell is a value ("no promotion", "no threshold").
const EMPTY_MEANS_NONE: &[&str] = &["promo_id", "min_spend", "discount_amount"];

fn signed_log(x: f64) -> f64 {
    x.signum() * x.abs().ln_1p()
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Rows whose value is extreme: robust z above 5 on a signed log scale, with the spread floored
/// so that discrete columns (mostly 1s) do not flag every 2.
pub fn outlier_rows(values: &[Option<f64>]) -> Vec<usize> {
    let mut logs: Vec<f64> = values.iter().flatten().map(|&x| signed_log(x)).collect();
    if logs.len() < 8 {
        return Vec::new();
    }
    logs.sort_by(f64::total_cmp);
    let med = median(&logs);
    let mut dev: Vec<f64> = logs.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let scale = (1.4826 * median(&dev)).max(0.35);
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.filter(|&x| (signed_log(x) - med).abs() / scale > 5.0)
                .map(|_| i)
        })
        .collect()
}

fn row_key(table: &Table, row: usize, cols: &[usize]) -> String {
    let mut k = String::new();
    for &c in cols {
        k.push_str(&table.columns[c].values.display(row));
        k.push('\u{1f}');
    }
    k
}

fn check_table(table: &Table, now: i64, ids: &HashMap<TableKind, HashSet<String>>) -> Vec<Problem> {
    let mut col = Collector {
        table,
        problems: Vec::new(),
    };
    let n = table.n_rows();
    // Unparsable cells, grouped per column.
    let mut bad: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut bad_text: HashMap<(usize, &str), &str> = HashMap::new();
    for b in &table.bad_cells {
        let idx = b.row - 1;
        bad.entry(b.column.as_str()).or_default().push(idx);
        bad_text.insert((idx, b.column.as_str()), b.text.as_str());
    }
    let mut bad_cols: Vec<_> = bad.into_iter().collect();
    bad_cols.sort_by_key(|(c, _)| table.columns.iter().position(|x| x.name == *c));
    for (c, rows) in bad_cols {
        col.add(ProblemKind::Unparsable, Some(c), rows, |i| {
            bad_text
                .get(&(i, c))
                .map(|t| t.to_string())
                .unwrap_or_default()
        });
    }
    let specs = table.kind.spec();
    for spec in specs {
        let Some(column) = table.column(spec.name) else {
            continue;
        };
        let v = &column.values;
        let missing: Vec<usize> = if EMPTY_MEANS_NONE.contains(&spec.name) {
            Vec::new()
        } else {
            (0..n)
                .filter(|&i| v.is_null(i) && !bad_text.contains_key(&(i, spec.name)))
                .collect()
        };
        let kind = if spec.required {
            ProblemKind::MissingRequired
        } else {
            ProblemKind::MissingOptional
        };
        col.add(kind, Some(spec.name), missing, |_| String::new());
        match spec.rule {
            Rule::Positive => {
                let rows = (0..n)
                    .filter(|&i| v.number(i).is_some_and(|x| x <= 0.0))
                    .collect();
                col.add(ProblemKind::NotPositive, Some(spec.name), rows, |i| {
                    v.display(i)
                });
            }
            Rule::NonNegative => {
                let rows = (0..n)
                    .filter(|&i| v.number(i).is_some_and(|x| x < 0.0))
                    .collect();
                col.add(ProblemKind::Negative, Some(spec.name), rows, |i| {
                    v.display(i)
                });
            }
            Rule::OneOf(allowed) => {
                if let Values::Text(t) = v {
                    let rows = (0..n)
                        .filter(|&i| {
                            t[i].as_deref()
                                .is_some_and(|x| !allowed.iter().any(|a| a.eq_ignore_ascii_case(x)))
                        })
                        .collect();
                    col.add(ProblemKind::NotAllowed, Some(spec.name), rows, |i| {
                        v.display(i)
                    });
                }
            }
            Rule::None => {}
        }
        if let Values::Time(t) = v {
            let rows = (0..n).filter(|&i| t[i].is_some_and(|x| x > now)).collect();
            col.add(ProblemKind::FutureDate, Some(spec.name), rows, |i| {
                v.display(i)
            });
        }
        if spec.outliers {
            // Values that break the column's rule are reported above, not again as outliers.
            // Zeros in a non-negative column (no discount, no purchase) are not part of the
            // distribution whose extremes we look for.
            let valid = |x: f64| match spec.rule {
                Rule::Positive | Rule::NonNegative => x > 0.0,
                _ => true,
            };
            let nums: Vec<Option<f64>> =
                (0..n).map(|i| v.number(i).filter(|&x| valid(x))).collect();
            col.add(
                ProblemKind::Outlier,
                Some(spec.name),
                outlier_rows(&nums),
                |i| v.display(i),
            );
        }
    }
    // Exact duplicates, then repeated keys among the remaining rows. A flat table has no ids,
    // so two customers with the same features are not a duplicate.
    let all_cols: Vec<usize> = (0..table.columns.len()).collect();
    let mut seen = HashSet::with_capacity(n);
    let dup_rows: Vec<usize> = if table.kind == TableKind::FlatCampaign {
        Vec::new()
    } else {
        (0..n)
            .filter(|&i| !seen.insert(row_key(table, i, &all_cols)))
            .collect()
    };
    let dup_set: HashSet<usize> = dup_rows.iter().copied().collect();
    col.add(ProblemKind::DuplicateRow, None, dup_rows, |_| String::new());
    let key_cols: Vec<usize> = table
        .kind
        .key()
        .iter()
        .filter_map(|k| table.columns.iter().position(|c| c.name == *k))
        .collect();
    if !key_cols.is_empty() && key_cols.len() == table.kind.key().len() {
        let mut seen = HashSet::with_capacity(n);
        let rows: Vec<usize> = (0..n)
            .filter(|i| !dup_set.contains(i))
            .filter(|&i| !seen.insert(row_key(table, i, &key_cols)))
            .collect();
        let name = table.kind.key().join("+");
        col.add(ProblemKind::DuplicateKey, Some(&name), rows, |i| {
            row_key(table, i, &key_cols).replace('\u{1f}', " ")
        });
    }
    // References to other tables, when those are loaded.
    for (column, target, kind) in [
        (
            "customer_id",
            TableKind::Customers,
            ProblemKind::UnknownCustomer,
        ),
        (
            "product_id",
            TableKind::Products,
            ProblemKind::UnknownProduct,
        ),
    ] {
        if table.kind == target {
            continue;
        }
        let (Some(known), Some(values)) = (ids.get(&target), table.text(column)) else {
            continue;
        };
        let rows = (0..n)
            .filter(|&i| values[i].as_ref().is_some_and(|v| !known.contains(v)))
            .collect();
        col.add(kind, Some(column), rows, |i| {
            values[i].clone().unwrap_or_default()
        });
    }
    if table.kind == TableKind::Campaigns
        && let (Some(cid), Some(ctrl)) = (table.text("campaign_id"), table.bool("control"))
    {
        let mut has_control: HashMap<&str, bool> = HashMap::new();
        for i in 0..n {
            if let Some(c) = cid[i].as_deref() {
                *has_control.entry(c).or_default() |= ctrl[i] == Some(true);
            }
        }
        let without: HashSet<&str> = has_control
            .iter()
            .filter(|(_, h)| !**h)
            .map(|(c, _)| *c)
            .collect();
        let rows = (0..n)
            .filter(|&i| cid[i].as_deref().is_some_and(|c| without.contains(c)))
            .collect();
        col.add(
            ProblemKind::NoControlGroup,
            Some("campaign_id"),
            rows,
            |i| cid[i].clone().unwrap_or_default(),
        );
    }
    col.problems
}

fn id_sets(tables: &[Table]) -> HashMap<TableKind, HashSet<String>> {
    let mut ids = HashMap::new();
    for (kind, column) in [
        (TableKind::Customers, "customer_id"),
        (TableKind::Products, "product_id"),
    ] {
        if let Some(values) = tables
            .iter()
            .find(|t| t.kind == kind)
            .and_then(|t| t.text(column))
        {
            ids.insert(kind, values.iter().flatten().cloned().collect());
        }
    }
    ids
}

/// Checks every table (and the references between them) as of `now` (UTC seconds).
pub fn validate(tables: &[Table], now: i64) -> Report {
    let ids = id_sets(tables);
    let mut report = Report::default();
    for t in tables {
        report.tables.push(TableSummary {
            file: t.file_name(),
            kind: t.kind,
            rows: t.n_rows(),
            encoding: t.encoding.to_string(),
            columns: t
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.header.clone()))
                .collect(),
        });
        report.problems.extend(check_table(t, now, &ids));
    }
    report
}

/// Applies the chosen cleaning to the tables, then validates again. The returned report
/// describes the cleaned tables and records every action taken.
pub fn clean(tables: &mut [Table], choices: CleaningChoices, now: i64) -> Report {
    let before = validate(tables, now);
    let mut actions = Vec::new();
    for t in tables.iter_mut() {
        let file = t.file_name();
        let problems: Vec<&Problem> = before.problems.iter().filter(|p| p.file == file).collect();
        if choices.clip_outliers {
            for p in problems.iter().filter(|p| p.kind == ProblemKind::Outlier) {
                let Some(name) = &p.column else { continue };
                let n = clip_column(t, name);
                actions.push(CleaningAction {
                    file: file.clone(),
                    action: "clipped to the 1st-99th percentile".into(),
                    column: Some(name.clone()),
                    rows: n,
                });
            }
        }
        if choices.impute {
            for p in problems
                .iter()
                .filter(|p| p.kind == ProblemKind::MissingOptional)
            {
                let Some(name) = &p.column else { continue };
                let how = impute_column(t, name, p.row_indices());
                actions.push(CleaningAction {
                    file: file.clone(),
                    action: format!("imputed with {how}"),
                    column: Some(name.clone()),
                    rows: p.count,
                });
            }
        }
        let mut keep = vec![true; t.n_rows()];
        for p in &problems {
            let drop = match p.kind {
                ProblemKind::DuplicateRow | ProblemKind::DuplicateKey => choices.drop_duplicates,
                ProblemKind::Outlier => false,
                ProblemKind::MissingOptional | ProblemKind::NoControlGroup => false,
                _ => choices.drop_invalid,
            };
            if !drop {
                continue;
            }
            let mut dropped = 0;
            for &i in p.row_indices() {
                if keep[i] {
                    keep[i] = false;
                    dropped += 1;
                }
            }
            actions.push(CleaningAction {
                file: file.clone(),
                action: format!("dropped rows with {}", p.kind.describe()),
                column: p.column.clone(),
                rows: dropped,
            });
        }
        if keep.iter().any(|k| !k) {
            t.retain_rows(&keep);
        }
    }
    let mut after = validate(tables, now);
    after.cleaning = actions;
    after
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn clip_column(t: &mut Table, name: &str) -> usize {
    let Some(c) = t.columns.iter_mut().find(|c| c.name == name) else {
        return 0;
    };
    let mut clipped = 0;
    match &mut c.values {
        Values::Float(v) => {
            let mut s: Vec<f64> = v.iter().flatten().copied().collect();
            s.sort_by(f64::total_cmp);
            if s.is_empty() {
                return 0;
            }
            let (lo, hi) = (percentile(&s, 0.01), percentile(&s, 0.99));
            for x in v.iter_mut().flatten() {
                let y = x.clamp(lo, hi);
                clipped += usize::from(y != *x);
                *x = y;
            }
        }
        Values::Int(v) => {
            let mut s: Vec<f64> = v.iter().flatten().map(|&x| x as f64).collect();
            s.sort_by(f64::total_cmp);
            if s.is_empty() {
                return 0;
            }
            let (lo, hi) = (
                percentile(&s, 0.01).round() as i64,
                percentile(&s, 0.99).round() as i64,
            );
            for x in v.iter_mut().flatten() {
                let y = (*x).clamp(lo, hi);
                clipped += usize::from(y != *x);
                *x = y;
            }
        }
        _ => {}
    }
    clipped
}

fn impute_column(t: &mut Table, name: &str, rows: &[usize]) -> String {
    let Some(c) = t.columns.iter_mut().find(|c| c.name == name) else {
        return "nothing".into();
    };
    match &mut c.values {
        Values::Float(v) => {
            let mut s: Vec<f64> = v.iter().flatten().copied().collect();
            s.sort_by(f64::total_cmp);
            let m = if s.is_empty() { 0.0 } else { median(&s) };
            rows.iter().for_each(|&i| v[i] = Some(m));
            format!("the median {m}")
        }
        Values::Int(v) => {
            let mut s: Vec<f64> = v.iter().flatten().map(|&x| x as f64).collect();
            s.sort_by(f64::total_cmp);
            let m = if s.is_empty() {
                0
            } else {
                median(&s).round() as i64
            };
            rows.iter().for_each(|&i| v[i] = Some(m));
            format!("the median {m}")
        }
        Values::Text(v) => {
            rows.iter().for_each(|&i| v[i] = Some("unknown".into()));
            "\"unknown\"".into()
        }
        Values::Bool(v) => {
            rows.iter().for_each(|&i| v[i] = Some(false));
            "0".into()
        }
        Values::Time(_) => "nothing (dates are not imputed)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outliers_flag_extremes_but_not_small_quantities() {
        let mut q: Vec<Option<f64>> = vec![Some(1.0); 50];
        q.extend([Some(2.0), Some(3.0), Some(500.0)]);
        assert_eq!(outlier_rows(&q), vec![52]);
    }

    #[test]
    fn percentile_interpolates() {
        assert_eq!(percentile(&[0.0, 10.0], 0.5), 5.0);
        assert_eq!(median(&[1.0, 2.0, 3.0]), 2.0);
    }
}
