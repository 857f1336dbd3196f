//! Canonical tables and columns, the synonyms that map users' headers onto them, and the
//! explicit mapping file that overrides the guesses. See docs/data-model.md.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of table promolab understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    Customers,
    Products,
    OrderLines,
    Campaigns,
    Events,
    /// One row per customer: features, a treatment column and outcomes (e.g. Hillstrom).
    FlatCampaign,
}

impl TableKind {
    pub const ALL: [TableKind; 6] = [
        TableKind::Customers,
        TableKind::Products,
        TableKind::OrderLines,
        TableKind::Campaigns,
        TableKind::Events,
        TableKind::FlatCampaign,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TableKind::Customers => "customers",
            TableKind::Products => "products",
            TableKind::OrderLines => "order lines",
            TableKind::Campaigns => "campaign history",
            TableKind::Events => "behaviour events",
            TableKind::FlatCampaign => "flat campaign table",
        }
    }

    pub fn spec(self) -> &'static [ColumnSpec] {
        match self {
            TableKind::Customers => CUSTOMERS,
            TableKind::Products => PRODUCTS,
            TableKind::OrderLines => ORDER_LINES,
            TableKind::Campaigns => CAMPAIGNS,
            TableKind::Events => EVENTS,
            TableKind::FlatCampaign => FLAT_CAMPAIGN,
        }
    }

    /// Columns whose combination must be unique (the primary key), if any.
    pub fn key(self) -> &'static [&'static str] {
        match self {
            TableKind::Customers => &["customer_id"],
            TableKind::Products => &["product_id"],
            TableKind::OrderLines => &["order_id", "product_id"],
            TableKind::Campaigns => &["campaign_id", "customer_id"],
            TableKind::Events | TableKind::FlatCampaign => &[],
        }
    }
}

/// The type a canonical column is coerced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    Text,
    Int,
    Float,
    /// 0/1, true/false, yes/no.
    Bool,
    /// A calendar date or a timestamp; stored as seconds since 1970-01-01 UTC.
    Time,
}

/// Value rules checked by validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    None,
    /// Must be > 0 (prices, quantities).
    Positive,
    /// Must be >= 0 (costs, stock, discounts, revenue).
    NonNegative,
    /// Must be one of the listed values (compared case-insensitively).
    OneOf(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColType,
    pub required: bool,
    pub rule: Rule,
    /// Checked for outliers (robust z-score on the median and MAD).
    pub outliers: bool,
    /// Other headers that mean this column (compared after normalization).
    pub synonyms: &'static [&'static str],
}

const fn col(
    name: &'static str,
    ty: ColType,
    required: bool,
    rule: Rule,
    outliers: bool,
    synonyms: &'static [&'static str],
) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        required,
        rule,
        outliers,
        synonyms,
    }
}

use ColType::*;

const CUSTOMER_ID: &[&str] = &[
    "user_id",
    "userid",
    "client_id",
    "customer",
    "cust_id",
    "member_id",
    "客户id",
    "用户id",
    "客户编号",
    "会员id",
];
const PRODUCT_ID: &[&str] = &[
    "item_id",
    "sku",
    "product",
    "goods_id",
    "商品id",
    "商品编号",
    "产品id",
];
pub const OFFER_TYPES: &[&str] = &[
    "none",
    "coupon",
    "pct_discount",
    "free_shipping",
    "gift",
    "bundle",
    "flash_sale",
    "dynamic_price",
    "cart_recovery",
];
pub const CHANNELS: &[&str] = &["email", "sms", "push", "web", "none"];
pub const EVENT_TYPES: &[&str] = &["view", "add_to_cart", "remove", "checkout"];

#[rustfmt::skip]
pub static CUSTOMERS: &[ColumnSpec] = &[
    col("customer_id", Text, true, Rule::None, false, CUSTOMER_ID),
    col("signup_date", Time, true, Rule::None, false, &[ "signup", "registered_at", "created_at", "join_date", "注册日期", "注册时间", ]),
    col("region", Text, false, Rule::None, false, &["area", "state", "province", "地区", "省份"]),
    col("age_band", Text, false, Rule::None, false, &["age_group", "age", "年龄段"]),
    col("gender", Text, false, Rule::None, false, &["sex", "性别"]),
    col("preferred_channel", Text, false, Rule::OneOf(CHANNELS), false, &["channel", "contact_channel", "渠道"]),
];

#[rustfmt::skip]
pub static PRODUCTS: &[ColumnSpec] = &[
    col("product_id", Text, true, Rule::None, false, PRODUCT_ID),
    col("category", Text, true, Rule::None, false, &["cat", "product_category", "类目", "品类", "分类"]),
    col("base_price", Float, true, Rule::Positive, true, &["price", "list_price", "价格", "单价", "原价"]),
    col("unit_cost", Float, true, Rule::NonNegative, true, &["cost", "cogs", "成本"]),
    col("stock", Int, false, Rule::NonNegative, false, &["inventory", "stock_qty", "库存"]),
];

#[rustfmt::skip]
pub static ORDER_LINES: &[ColumnSpec] = &[
    col("order_id", Text, true, Rule::None, false, &[ "order", "order_no", "invoice", "invoice_no", "订单号", "订单id", ]),
    col("customer_id", Text, true, Rule::None, false, CUSTOMER_ID),
    col("product_id", Text, true, Rule::None, false, PRODUCT_ID),
    col("timestamp", Time, true, Rule::None, false, &[ "order_date", "date", "ordered_at", "invoice_date", "time", "下单时间", "日期", "时间", ]),
    col("quantity", Int, true, Rule::Positive, true, &["qty", "units", "数量"]),
    col("unit_price", Float, true, Rule::Positive, true, &["price", "sale_price", "价格", "单价", "成交价"]),
    col("discount_amount", Float, false, Rule::NonNegative, true, &["discount", "折扣", "优惠金额"]),
    col("promo_id", Text, false, Rule::None, false, &["promotion_id", "coupon_id", "促销id"]),
];

#[rustfmt::skip]
pub static CAMPAIGNS: &[ColumnSpec] = &[
    col("campaign_id", Text, true, Rule::None, false, &["campaign", "活动id"]),
    col("customer_id", Text, true, Rule::None, false, CUSTOMER_ID),
    col("offer_type", Text, true, Rule::OneOf(OFFER_TYPES), false, &["offer", "treatment", "优惠类型"]),
    col("offer_value", Float, true, Rule::NonNegative, false, &["value", "amount", "优惠力度"]),
    col("min_spend", Float, false, Rule::NonNegative, false, &["threshold", "minimum_spend", "门槛"]),
    col("channel", Text, true, Rule::OneOf(CHANNELS), false, &["send_channel", "渠道"]),
    col("sent_at", Time, true, Rule::None, false, &["send_time", "sent", "发送时间"]),
    col("opened", Bool, false, Rule::None, false, &["open", "打开"]),
    col("redeemed", Bool, false, Rule::None, false, &["redemption", "核销"]),
    col("converted", Bool, true, Rule::None, false, &["conversion", "purchased", "转化"]),
    col("revenue", Float, true, Rule::NonNegative, true, &["spend", "sales", "收入", "销售额"]),
    col("control", Bool, true, Rule::None, false, &["is_control", "holdout", "control_group", "对照组"]),
];

#[rustfmt::skip]
pub static EVENTS: &[ColumnSpec] = &[
    col("customer_id", Text, true, Rule::None, false, CUSTOMER_ID),
    col("timestamp", Time, true, Rule::None, false, &["time", "event_time", "ts", "时间"]),
    col("event_type", Text, true, Rule::OneOf(EVENT_TYPES), false, &["event", "action", "行为"]),
    col("product_id", Text, false, Rule::None, false, PRODUCT_ID),
];

/// Only the treatment column is fixed; every other column is kept as a feature or outcome.
#[rustfmt::skip]
pub static FLAT_CAMPAIGN: &[ColumnSpec] = &[
    col("treatment", Text, true, Rule::None, false, &["segment", "group", "arm", "variant", "offer", "分组"]),
];

/// Lower-cases, trims, turns spaces, dashes and dots into underscores and drops a UTF-8 BOM,
/// so "Customer ID", "customer-id" and "CUSTOMER_ID" compare equal.
pub fn normalize_header(h: &str) -> String {
    let h = h.trim_start_matches('\u{feff}').trim().to_lowercase();
    let mut out = String::with_capacity(h.len());
    for c in h.chars() {
        if c.is_whitespace() || c == '-' || c == '.' || c == '/' {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_matches('_').to_string()
}

/// A user's explicit mapping: canonical column name -> header in their file (empty: the file
/// has no such column, suggest none), and optionally the table kind. Loaded from JSON, e.g. `{"kind": "order_lines", "columns": {"quantity": "Menge"}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Mapping {
    pub kind: Option<TableKind>,
    pub columns: BTreeMap<String, String>,
}

/// Which canonical column each of the file's headers was mapped to.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnMatch {
    pub canonical: &'static str,
    pub header: String,
    /// "mapping file", "exact" or "synonym".
    pub how: &'static str,
}

/// Maps headers onto a table kind's canonical columns: the explicit mapping first, then exact
/// matches after normalization, then synonyms. Each header is used at most once.
pub fn match_columns(kind: TableKind, headers: &[String], mapping: &Mapping) -> Vec<ColumnMatch> {
    let norm: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let mut used = vec![false; headers.len()];
    let mut out = Vec::new();
    let spec = kind.spec();
    let mut take =
        |canonical: &'static str, idx: usize, how: &'static str, used: &mut Vec<bool>| {
            used[idx] = true;
            out.push(ColumnMatch {
                canonical,
                header: headers[idx].clone(),
                how,
            });
        };
    let mut done = vec![false; spec.len()];
    for (ci, c) in spec.iter().enumerate() {
        // An empty header means "not in this file": no suggestion is made for it.
        if mapping.columns.get(c.name).is_some_and(String::is_empty) {
            done[ci] = true;
            continue;
        }
        if let Some(h) = mapping.columns.get(c.name)
            && let Some(idx) = headers
                .iter()
                .position(|x| x == h || normalize_header(x) == normalize_header(h))
        {
            take(c.name, idx, "mapping file", &mut used);
            done[ci] = true;
        }
    }
    for (ci, c) in spec.iter().enumerate() {
        if done[ci] {
            continue;
        }
        if let Some(idx) = (0..headers.len()).find(|&i| !used[i] && norm[i] == c.name) {
            take(c.name, idx, "exact", &mut used);
            done[ci] = true;
        }
    }
    for (ci, c) in spec.iter().enumerate() {
        if done[ci] {
            continue;
        }
        let found = c.synonyms.iter().find_map(|s| {
            let s = normalize_header(s);
            (0..headers.len()).find(|&i| !used[i] && norm[i] == s)
        });
        if let Some(idx) = found {
            take(c.name, idx, "synonym", &mut used);
        }
    }
    out
}

/// For headers that no kind fits: the kind they come closest to (at least half of its required
/// columns present; then the most of them, then the most columns matched) and its required
/// columns that are missing. None when no kind is that close, or when one fits.
pub fn closest_kind(
    headers: &[String],
    mapping: &Mapping,
) -> Option<(TableKind, Vec<&'static ColumnSpec>)> {
    TableKind::ALL
        .into_iter()
        .filter(|k| *k != TableKind::FlatCampaign)
        .filter_map(|kind| {
            let matches = match_columns(kind, headers, mapping);
            let (present, missing): (Vec<&ColumnSpec>, Vec<&ColumnSpec>) = kind
                .spec()
                .iter()
                .filter(|c| c.required)
                .partition(|c| matches.iter().any(|m| m.canonical == c.name));
            let close = !missing.is_empty() && present.len() * 2 >= present.len() + missing.len();
            close.then(|| {
                let share = present.len() as f64 / (present.len() + missing.len()) as f64;
                (kind, missing, share, matches.len())
            })
        })
        .max_by(|a, b| a.2.total_cmp(&b.2).then(a.3.cmp(&b.3)))
        .map(|(kind, missing, _, _)| (kind, missing))
}

/// "a" or "an" before a kind's label ("an order lines table").
pub fn article(label: &str) -> &'static str {
    if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Guesses the table kind from the headers: the kind whose required columns are all present
/// and which explains the most headers wins.
pub fn detect_kind(headers: &[String], mapping: &Mapping) -> Option<TableKind> {
    if let Some(k) = mapping.kind {
        return Some(k);
    }
    let mut best: Option<(TableKind, usize)> = None;
    for kind in TableKind::ALL {
        let matches = match_columns(kind, headers, mapping);
        let has_required = kind
            .spec()
            .iter()
            .filter(|c| c.required)
            .all(|c| matches.iter().any(|m| m.canonical == c.name));
        if !has_required {
            continue;
        }
        // A flat campaign table also needs an outcome column besides the treatment.
        if kind == TableKind::FlatCampaign
            && !headers
                .iter()
                .any(|h| FLAT_OUTCOMES.contains(&normalize_header(h).as_str()))
        {
            continue;
        }
        let score = matches.len() * 10 + usize::from(kind != TableKind::FlatCampaign);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((kind, score));
        }
    }
    best.map(|(k, _)| k)
}

/// Headers that are outcomes (never features) in a flat campaign table.
pub const FLAT_OUTCOMES: &[&str] = &[
    "visit",
    "conversion",
    "converted",
    "spend",
    "revenue",
    "purchase",
    "outcome",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_normalize_case_spaces_and_bom() {
        assert_eq!(normalize_header("\u{feff} Customer ID "), "customer_id");
        assert_eq!(normalize_header("Unit-Price"), "unit_price");
    }

    #[test]
    fn synonyms_and_chinese_headers_map_to_canonical_columns() {
        let headers = h(&["订单号", "user_id", "SKU", "下单时间", "数量", "价格"]);
        let m = match_columns(TableKind::OrderLines, &headers, &Mapping::default());
        let get = |c: &str| {
            m.iter()
                .find(|x| x.canonical == c)
                .map(|x| x.header.as_str())
        };
        assert_eq!(get("order_id"), Some("订单号"));
        assert_eq!(get("customer_id"), Some("user_id"));
        assert_eq!(get("product_id"), Some("SKU"));
        assert_eq!(get("timestamp"), Some("下单时间"));
        assert_eq!(get("quantity"), Some("数量"));
        assert_eq!(get("unit_price"), Some("价格"));
        assert_eq!(
            detect_kind(&headers, &Mapping::default()),
            Some(TableKind::OrderLines)
        );
    }

    #[test]
    fn mapping_file_overrides_guesses() {
        let headers = h(&["kunde", "customer_id", "signup_date"]);
        let mut mapping = Mapping::default();
        mapping.columns.insert("customer_id".into(), "kunde".into());
        let m = match_columns(TableKind::Customers, &headers, &mapping);
        let id = m.iter().find(|x| x.canonical == "customer_id").unwrap();
        assert_eq!((id.header.as_str(), id.how), ("kunde", "mapping file"));
        // An empty header turns a suggestion off: signup_date is then not matched at all.
        mapping.columns.insert("signup_date".into(), String::new());
        let m = match_columns(TableKind::Customers, &headers, &mapping);
        assert!(m.iter().all(|x| x.canonical != "signup_date"), "{m:?}");
    }

    #[test]
    fn hillstrom_headers_are_a_flat_campaign_table() {
        let headers = h(&[
            "recency",
            "history_segment",
            "history",
            "mens",
            "womens",
            "zip_code",
            "newbie",
            "channel",
            "segment",
            "visit",
            "conversion",
            "spend",
        ]);
        assert_eq!(
            detect_kind(&headers, &Mapping::default()),
            Some(TableKind::FlatCampaign)
        );
    }

    #[test]
    fn each_sample_table_is_detected() {
        for kind in [
            TableKind::Customers,
            TableKind::Products,
            TableKind::OrderLines,
            TableKind::Campaigns,
            TableKind::Events,
        ] {
            let headers: Vec<String> = kind.spec().iter().map(|c| c.name.to_string()).collect();
            assert_eq!(
                detect_kind(&headers, &Mapping::default()),
                Some(kind),
                "{kind:?}"
            );
        }
    }
}
