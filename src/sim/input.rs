//! Reads the per-customer columns written by `promolab score` (a response model) into a
//! `ResponseTable` for percentage discounts.

use super::ResponseTable;
use std::path::Path;

/// Splits one CSV line, honouring double quotes.
fn split_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The response table for percentage discounts from a scores CSV.
pub fn read_scores(path: &Path) -> Result<ResponseTable, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut lines = text.lines();
    let header = split_line(
        lines
            .next()
            .ok_or_else(|| format!("{}: the file is empty", path.display()))?,
    );
    let find = |pred: &dyn Fn(&str) -> bool, what: &str| {
        header.iter().position(|h| pred(h)).ok_or_else(|| {
            format!("{}: no column {what}; write this file with `promolab score` from a model trained with --model response", path.display())
        })
    };
    let id = find(&|h| h == "customer_id", "customer_id")?;
    let base = find(&|h| h == "base_logit", "base_logit")?;
    let contact = find(&|h| h == "contact", "contact")?;
    let sens = find(
        &|h| h.starts_with("sensitivity_per_depth[pct_discount"),
        "sensitivity_per_depth[pct_discount ...]",
    )?;
    let basket = find(&|h| h == "basket[control]", "basket[control]")?;
    let mut t = ResponseTable::default();
    for (k, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f = split_line(line);
        let num = |col: usize| -> Result<f32, String> {
            f.get(col)
                .and_then(|v| v.trim().parse::<f32>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{}: row {}, column {}: not a number",
                        path.display(),
                        k + 1,
                        header[col]
                    )
                })
        };
        t.ids.push(f.get(id).cloned().unwrap_or_default());
        t.base_logit.push(num(base)?);
        t.contact.push(num(contact)?);
        t.sensitivity.push(num(sens)?);
        t.basket_eur.push(num(basket)?.max(0.0));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_split_correctly() {
        assert_eq!(split_line(r#"a,"b,c","d""e""#), vec!["a", "b,c", r#"d"e"#]);
    }
}
