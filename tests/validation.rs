//! Each validation problem class, found in a small bad file with the right rows.

mod common;
use common::{temp_dir, write};
use promolab::data::validate::{self, ProblemKind};
use promolab::data::{CleaningChoices, Mapping, TableKind, load_table};

const NOW: i64 = 1_790_000_000; // 2026-09-21

fn problems(files: &[(&str, &str)], name: &str) -> validate::Report {
    let dir = temp_dir(name);
    let tables: Vec<_> = files
        .iter()
        .map(|(f, text)| load_table(&write(&dir, f, text), &Mapping::default()).unwrap())
        .collect();
    validate::validate(&tables, NOW)
}

fn rows_of(r: &validate::Report, kind: ProblemKind) -> Vec<usize> {
    r.problems
        .iter()
        .filter(|p| p.kind == kind)
        .flat_map(|p| p.example_rows.clone())
        .collect()
}

const CUSTOMERS: &str = "customer_id,signup_date,region,age_band,gender,preferred_channel\nC1,2025-01-01,north,25-34,f,email\nC2,2025-02-01,south,35-44,,sms\n";
const PRODUCTS: &str =
    "product_id,category,base_price,unit_cost,stock\nP1,shoes,50,20,10\nP2,home,20,8,5\n";

#[test]
fn clean_files_have_no_problems_except_optional_gaps() {
    let r = problems(
        &[("customers.csv", CUSTOMERS), ("products.csv", PRODUCTS)],
        "clean",
    );
    let kinds: Vec<_> = r.problems.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, vec![ProblemKind::MissingOptional]);
    assert_eq!(rows_of(&r, ProblemKind::MissingOptional), vec![2]);
}

#[test]
fn unparsable_numbers_and_dates_are_reported_with_row_and_column() {
    let lines = "order_id,customer_id,product_id,timestamp,quantity,unit_price\nO1,C1,P1,2026-01-01,1,50\nO2,C1,P1,someday,two,50\n";
    let r = problems(&[("lines.csv", lines)], "unparsable");
    let p: Vec<_> = r
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Unparsable)
        .collect();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].column.as_deref(), Some("timestamp"));
    assert_eq!(p[0].example_rows, vec![2]);
    assert_eq!(p[1].column.as_deref(), Some("quantity"));
    assert_eq!(p[1].example_values, vec!["two".to_string()]);
    // An unparsable cell is not counted again as missing.
    assert_eq!(r.count(ProblemKind::MissingRequired), 0);
}

#[test]
fn missing_required_values_are_errors() {
    let r = problems(
        &[(
            "products.csv",
            "product_id,category,base_price,unit_cost\nP1,,5,2\nP2,home,5,2\n",
        )],
        "missing",
    );
    assert_eq!(rows_of(&r, ProblemKind::MissingRequired), vec![1]);
}

#[test]
fn exact_duplicates_and_repeated_ids_are_told_apart() {
    let text =
        format!("{CUSTOMERS}C1,2025-01-01,north,25-34,f,email\nC2,2025-03-01,east,18-24,m,push\n");
    let r = problems(&[("customers.csv", &text)], "dups");
    assert_eq!(rows_of(&r, ProblemKind::DuplicateRow), vec![3]);
    assert_eq!(rows_of(&r, ProblemKind::DuplicateKey), vec![4]);
}

#[test]
fn non_positive_prices_negative_costs_and_outliers_are_flagged() {
    let mut text = String::from("product_id,category,base_price,unit_cost,stock\n");
    for i in 0..30 {
        text.push_str(&format!("P{i},home,{},5,3\n", 20 + i));
    }
    text.push_str("PZ,home,0,5,3\nPN,home,10,-1,3\nPX,home,99999999,5,3\n");
    let r = problems(&[("products.csv", &text)], "values");
    assert_eq!(rows_of(&r, ProblemKind::NotPositive), vec![31]);
    assert_eq!(rows_of(&r, ProblemKind::Negative), vec![32]);
    assert_eq!(rows_of(&r, ProblemKind::Outlier), vec![33]);
}

#[test]
fn future_dates_and_unknown_event_types_are_flagged() {
    let events = "customer_id,timestamp,event_type,product_id\nC1,2026-01-01 10:00:00,view,P1\nC1,2099-01-01 10:00:00,click,P1\n";
    let r = problems(&[("events.csv", events)], "future");
    assert_eq!(rows_of(&r, ProblemKind::FutureDate), vec![2]);
    assert_eq!(rows_of(&r, ProblemKind::NotAllowed), vec![2]);
}

#[test]
fn order_lines_pointing_to_unknown_customers_or_products_are_flagged() {
    let lines = "order_id,customer_id,product_id,timestamp,quantity,unit_price\nO1,C1,P1,2026-01-01,1,50\nO2,C9,P1,2026-01-01,1,50\nO3,C2,P7,2026-01-01,1,20\n";
    let r = problems(
        &[
            ("customers.csv", CUSTOMERS),
            ("products.csv", PRODUCTS),
            ("lines.csv", lines),
        ],
        "refs",
    );
    assert_eq!(rows_of(&r, ProblemKind::UnknownCustomer), vec![2]);
    assert_eq!(rows_of(&r, ProblemKind::UnknownProduct), vec![3]);
}

#[test]
fn campaigns_without_a_control_group_are_flagged() {
    let head = "campaign_id,customer_id,offer_type,offer_value,channel,sent_at,converted,revenue,control\n";
    let text = format!(
        "{head}A,C1,coupon,10,email,2026-01-01,1,40,0\nA,C2,none,0,none,2026-01-01,0,0,1\nB,C1,gift,5,sms,2026-02-01,0,0,0\nB,C2,gift,5,sms,2026-02-01,1,30,0\n"
    );
    let r = problems(&[("campaigns.csv", &text)], "control");
    assert_eq!(rows_of(&r, ProblemKind::NoControlGroup), vec![3, 4]);
}

#[test]
fn cleaning_drops_and_imputes_and_records_what_it_did() {
    let dir = temp_dir("cleaning");
    let text =
        format!("{CUSTOMERS}C1,2025-01-01,north,25-34,f,email\nC3,not a date,east,18-24,m,push\n");
    let mut tables =
        vec![load_table(&write(&dir, "customers.csv", &text), &Mapping::default()).unwrap()];
    let choices = CleaningChoices {
        drop_duplicates: true,
        drop_invalid: true,
        impute: true,
        clip_outliers: false,
    };
    let report = validate::clean(&mut tables, choices, NOW);
    assert_eq!(tables[0].n_rows(), 2);
    assert_eq!(tables[0].row_numbers, vec![1, 2]);
    assert_eq!(
        tables[0].text("gender").unwrap()[1].as_deref(),
        Some("unknown")
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let actions: Vec<(&str, usize)> = report
        .cleaning
        .iter()
        .map(|a| (a.action.as_str(), a.rows))
        .collect();
    assert!(
        actions
            .iter()
            .any(|(a, n)| a.starts_with("imputed") && *n == 1)
    );
    assert!(
        actions
            .iter()
            .any(|(a, n)| a.contains("repeat an earlier row") && *n == 1)
    );
    assert!(
        actions
            .iter()
            .any(|(a, n)| a.contains("cannot be read") && *n == 1)
    );
    assert!(report.to_text().contains("Cleaning applied"));
}

#[test]
fn detected_kinds_of_the_sample_tables() {
    let r = problems(&[("a.csv", CUSTOMERS), ("b.csv", PRODUCTS)], "kinds");
    assert_eq!(
        r.tables.iter().map(|t| t.kind).collect::<Vec<_>>(),
        vec![TableKind::Customers, TableKind::Products]
    );
}
