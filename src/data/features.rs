//! Customer profile features as a typed columnar table (RFM, baskets, discount share, category
//! shares, channel, recent activity, cart abandonment), and the standardization kept for scoring.

use super::schema::{FLAT_OUTCOMES, TableKind};
use super::table::{Table, Values};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const DAY: i64 = 86_400;

/// One row per customer, one f32 column per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profiles {
    pub customer_ids: Vec<String>,
    pub names: Vec<String>,
    pub columns: Vec<Vec<f32>>,
    /// The moment the features describe (UTC seconds); nothing at or after it is used.
    pub as_of: i64,
}

impl Profiles {
    pub fn n_rows(&self) -> usize {
        self.customer_ids.len()
    }

    pub fn column(&self, name: &str) -> Option<&[f32]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.columns[i].as_slice())
    }

    /// Row-major matrix, for building tensors.
    pub fn row_major(&self) -> Vec<f32> {
        let (n, d) = (self.n_rows(), self.columns.len());
        let mut out = vec![0.0; n * d];
        for (j, col) in self.columns.iter().enumerate() {
            for (i, &x) in col.iter().enumerate() {
                out[i * d + j] = x;
            }
        }
        out
    }
}

/// Mean and standard deviation per feature, fitted on training data and reused when scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub names: Vec<String>,
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

/// How the feature names `got` differ from `expected`, or `None` when they are the same list:
/// "missing [..]; not in the model [..]".
pub fn feature_mismatch(expected: &[String], got: &[String]) -> Option<String> {
    if expected == got {
        return None;
    }
    let missing: Vec<&String> = expected.iter().filter(|n| !got.contains(n)).collect();
    let extra: Vec<&String> = got.iter().filter(|n| !expected.contains(n)).collect();
    Some(format!("missing {missing:?}; not in the model {extra:?}"))
}

impl Scaler {
    pub fn fit(p: &Profiles) -> Self {
        Self::fit_with(p.names.clone(), p.n_rows(), |i, j| p.columns[j][i])
    }

    /// Fits on a row-major `n × names.len()` matrix without copying it into columns.
    pub fn fit_row_major(names: &[String], x: &[f32]) -> Self {
        let d = names.len().max(1);
        Self::fit_with(names.to_vec(), x.len() / d, |i, j| x[i * d + j])
    }

    /// Mean and standard deviation of each feature j over rows i, read through `value(i, j)`.
    fn fit_with(names: Vec<String>, n_rows: usize, value: impl Fn(usize, usize) -> f32) -> Self {
        let mut mean = Vec::new();
        let mut std = Vec::new();
        let n = n_rows.max(1) as f64;
        for j in 0..names.len() {
            let m = (0..n_rows).map(|i| value(i, j) as f64).sum::<f64>() / n;
            let v = (0..n_rows)
                .map(|i| (value(i, j) as f64 - m).powi(2))
                .sum::<f64>()
                / n;
            mean.push(m as f32);
            // A constant column keeps scale 1 so it maps to zeros, not NaN.
            std.push(if v > 1e-12 { v.sqrt() as f32 } else { 1.0 });
        }
        Self { names, mean, std }
    }

    /// Standardizes a profile table whose feature names must match the fitted ones.
    pub fn apply(&self, p: &Profiles) -> Result<Profiles, String> {
        if let Some(diff) = feature_mismatch(&self.names, &p.names) {
            return Err(format!("feature columns differ from the model's: {diff}"));
        }
        let columns = p
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| {
                c.iter()
                    .map(|&x| (x - self.mean[j]) / self.std[j])
                    .collect()
            })
            .collect();
        Ok(Profiles {
            columns,
            ..p.clone()
        })
    }
}

fn find(tables: &[Table], kind: TableKind) -> Option<&Table> {
    tables.iter().find(|t| t.kind == kind)
}

/// The default "as of" moment: when the first campaign was sent, else a day after the last order.
pub fn default_as_of(tables: &[Table]) -> Option<i64> {
    if let Some(sent) = find(tables, TableKind::Campaigns).and_then(|t| t.time("sent_at"))
        && let Some(first) = sent.iter().flatten().min()
    {
        return Some(*first);
    }
    let last = find(tables, TableKind::OrderLines)?
        .time("timestamp")?
        .iter()
        .flatten()
        .max()?;
    Some((last / DAY + 1) * DAY)
}

#[derive(Default, Clone)]
struct Acc {
    orders: HashSet<String>,
    orders_30: HashSet<String>,
    orders_90: HashSet<String>,
    last_order: Option<i64>,
    gross: f64,
    discount: f64,
    by_category: BTreeMap<String, f64>,
    views_30: f64,
    cart_days: BTreeSet<i64>,
    checkout_days: BTreeSet<i64>,
}

/// Builds profiles from relational tables (customers, order lines, products, events), using only
/// what happened before `as_of`. Customers come from the customers table, else from order lines.
pub fn build_profiles(tables: &[Table], as_of: i64) -> Result<Profiles, String> {
    let orders = find(tables, TableKind::OrderLines);
    let customers = find(tables, TableKind::Customers);
    let mut ids: Vec<String> = match customers.and_then(|c| c.text("customer_id")) {
        Some(v) => v.iter().flatten().cloned().collect(),
        None => orders
            .and_then(|o| o.text("customer_id"))
            .ok_or("profiles need a customers table or order lines")?
            .iter()
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    let mut seen = HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut acc = vec![Acc::default(); ids.len()];

    let category_of: HashMap<String, String> = find(tables, TableKind::Products)
        .and_then(|p| {
            Some(
                p.text("product_id")?
                    .iter()
                    .zip(p.text("category")?)
                    .filter_map(|(a, b)| Some((a.clone()?, b.clone()?)))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let categories: BTreeSet<String> = category_of.values().cloned().collect();

    if let Some(o) = orders {
        let (cid, oid, pid, t) = (
            o.text("customer_id"),
            o.text("order_id"),
            o.text("product_id"),
            o.time("timestamp"),
        );
        let (Some(cid), Some(oid), Some(pid), Some(t)) = (cid, oid, pid, t) else {
            return Err("order lines lack customer_id, order_id, product_id or timestamp".into());
        };
        let qty = o.int("quantity");
        let price = o.float("unit_price");
        let disc = o.float("discount_amount");
        for i in 0..o.n_rows() {
            let (Some(c), Some(ts)) = (cid[i].as_deref(), t[i]) else {
                continue;
            };
            let Some(&k) = index.get(c) else { continue };
            if ts >= as_of || ts < as_of - 365 * DAY {
                continue;
            }
            let a = &mut acc[k];
            let order = oid[i].clone().unwrap_or_default();
            if ts >= as_of - 30 * DAY {
                a.orders_30.insert(order.clone());
            }
            if ts >= as_of - 90 * DAY {
                a.orders_90.insert(order.clone());
            }
            a.orders.insert(order);
            a.last_order = a.last_order.max(Some(ts));
            let gross = qty.and_then(|q| q[i]).unwrap_or(1) as f64
                * price.and_then(|p| p[i]).unwrap_or(0.0);
            let d = disc.and_then(|d| d[i]).unwrap_or(0.0);
            a.gross += gross;
            a.discount += d;
            if let Some(cat) = pid[i].as_ref().and_then(|p| category_of.get(p)) {
                *a.by_category.entry(cat.clone()).or_default() += gross - d;
            }
        }
    }
    if let Some(e) = find(tables, TableKind::Events)
        && let (Some(cid), Some(t), Some(kind)) = (
            e.text("customer_id"),
            e.time("timestamp"),
            e.text("event_type"),
        )
    {
        for i in 0..e.n_rows() {
            let (Some(c), Some(ts), Some(kind)) = (cid[i].as_deref(), t[i], kind[i].as_deref())
            else {
                continue;
            };
            let Some(&k) = index.get(c) else { continue };
            if ts >= as_of || ts < as_of - 30 * DAY {
                continue;
            }
            let a = &mut acc[k];
            match kind {
                "view" => a.views_30 += 1.0,
                "add_to_cart" => {
                    a.cart_days.insert(ts.div_euclid(DAY));
                }
                "checkout" => {
                    a.checkout_days.insert(ts.div_euclid(DAY));
                }
                _ => {}
            }
        }
    }

    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<f32>> = Vec::new();
    let mut push = |name: &str, col: Vec<f32>| {
        names.push(name.to_string());
        columns.push(col);
    };
    let net = |a: &Acc| a.gross - a.discount;
    push(
        "recency_days",
        acc.iter()
            .map(|a| {
                a.last_order
                    .map_or(365.0, |l| ((as_of - l) as f64 / DAY as f64).min(365.0))
                    as f32
            })
            .collect(),
    );
    push(
        "frequency_365d",
        acc.iter().map(|a| a.orders.len() as f32).collect(),
    );
    push("monetary_365d", acc.iter().map(|a| net(a) as f32).collect());
    push(
        "avg_basket",
        acc.iter()
            .map(|a| {
                if a.orders.is_empty() {
                    0.0
                } else {
                    (net(a) / a.orders.len() as f64) as f32
                }
            })
            .collect(),
    );
    push(
        "discount_share",
        acc.iter()
            .map(|a| {
                if a.gross > 0.0 {
                    (a.discount / a.gross) as f32
                } else {
                    0.0
                }
            })
            .collect(),
    );
    push(
        "orders_30d",
        acc.iter().map(|a| a.orders_30.len() as f32).collect(),
    );
    push(
        "orders_90d",
        acc.iter().map(|a| a.orders_90.len() as f32).collect(),
    );
    push("views_30d", acc.iter().map(|a| a.views_30 as f32).collect());
    push(
        "cart_days_30d",
        acc.iter().map(|a| a.cart_days.len() as f32).collect(),
    );
    push(
        "cart_abandon_rate",
        acc.iter()
            .map(|a| {
                if a.cart_days.is_empty() {
                    0.0
                } else {
                    a.cart_days.difference(&a.checkout_days).count() as f32
                        / a.cart_days.len() as f32
                }
            })
            .collect(),
    );
    for cat in &categories {
        push(
            &format!("share_{cat}"),
            acc.iter()
                .map(|a| {
                    if net(a) > 0.0 {
                        (a.by_category.get(cat).copied().unwrap_or(0.0) / net(a)) as f32
                    } else {
                        0.0
                    }
                })
                .collect(),
        );
    }
    if let Some(c) = customers {
        // The first row of a repeated id wins, matching the order of `ids`.
        let mut rows: HashMap<&str, usize> = HashMap::new();
        for (i, id) in c.text("customer_id").unwrap_or_default().iter().enumerate() {
            if let Some(id) = id.as_deref() {
                rows.entry(id).or_insert(i);
            }
        }
        if let Some(signup) = c.time("signup_date") {
            push(
                "tenure_days",
                ids.iter()
                    .map(|id| {
                        rows.get(id.as_str())
                            .and_then(|&r| signup[r])
                            .map_or(0.0, |s| ((as_of - s) as f64 / DAY as f64).max(0.0) as f32)
                    })
                    .collect(),
            );
        }
        for column in ["preferred_channel", "age_band", "region"] {
            if let Some(values) = c.text(column) {
                for (name, col) in one_hot(
                    column,
                    &ids.iter()
                        .map(|id| rows.get(id.as_str()).and_then(|&r| values[r].clone()))
                        .collect::<Vec<_>>(),
                ) {
                    push(&name, col);
                }
            }
        }
    }
    Ok(Profiles {
        customer_ids: ids,
        names,
        columns,
        as_of,
    })
}

/// Profiles for whatever was loaded: a flat campaign table's own features, else relational
/// profiles as of the first campaign (or a day after the last order).
pub fn profiles_for(tables: &[Table]) -> Result<Profiles, String> {
    if let Some(flat) = find(tables, TableKind::FlatCampaign) {
        return Ok(flat_features(flat));
    }
    let as_of =
        default_as_of(tables).ok_or("no order lines or campaigns to date the profiles by")?;
    build_profiles(tables, as_of)
}

/// One 0/1 column per level (sorted), for at most 30 levels.
fn one_hot(column: &str, values: &[Option<String>]) -> Vec<(String, Vec<f32>)> {
    let levels: BTreeSet<&str> = values.iter().flatten().map(String::as_str).collect();
    if levels.len() > 30 {
        return Vec::new();
    }
    levels
        .into_iter()
        .map(|l| {
            (
                format!("{column}={l}"),
                values
                    .iter()
                    .map(|v| f32::from(v.as_deref() == Some(l)))
                    .collect(),
            )
        })
        .collect()
}

/// Features of a flat campaign table: numeric columns as they are, text columns one-hot;
/// the treatment and outcome columns are left out so no label leaks in.
pub fn flat_features(table: &Table) -> Profiles {
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for c in &table.columns {
        if c.name == "treatment" || FLAT_OUTCOMES.contains(&c.name.as_str()) {
            continue;
        }
        match &c.values {
            Values::Text(v) => {
                for (name, col) in one_hot(&c.name, v) {
                    names.push(name);
                    columns.push(col);
                }
            }
            other => {
                names.push(c.name.clone());
                columns.push(
                    (0..other.len())
                        .map(|i| other.number(i).unwrap_or(0.0) as f32)
                        .collect(),
                );
            }
        }
    }
    let customer_ids = table
        .row_numbers
        .iter()
        .map(|r| format!("row{r}"))
        .collect();
    Profiles {
        customer_ids,
        names,
        columns,
        as_of: 0,
    }
}
