//! Never a panic on user data: messy tables (missing, unparsable and extreme values, ragged rows,
//! missing or extra columns, ids that match nothing) go through every step a user can reach
//! (loading, validation, cleaning, profiles, training, scoring, simulation, optimization), and
//! each step either works or returns an error. proptest reports a panic as a failure, with the
//! smallest input that causes it.

mod common;
use egui_kittest::kittest::Queryable;
use promolab::data::schema::{ColType, ColumnSpec, Rule, TableKind};
use promolab::data::validate::{CleaningChoices, clean, validate};
use promolab::data::{Mapping, load_paths};
use promolab::model::dataset::FlatSpec;
use promolab::model::device::ComputeDevice;
use promolab::model::pipeline::{self, DataSpec, TrainRequest};
use promolab::model::train::TrainConfig;
use promolab::model::uplift::ModelKind;
use promolab::sim::{build, optimize, scenario, simulate};
use proptest::prelude::*;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Cells of every sort: empty, numbers at the extremes, text where numbers belong, dates that
/// do not exist, ids that do and do not match across tables, quoted commas, other scripts.
const CELLS: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "-1",
    "2",
    "3.5",
    "-0.0",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "99999999999999999999",
    "abc",
    "中文",
    "2026-01-02",
    "2026-01-02 10:00:00",
    "2026-13-45",
    "0000-00-00",
    "C1",
    "C2",
    "C3",
    "P1",
    "P2",
    "O1",
    "CMP-1",
    "coupon",
    "pct_discount",
    "none",
    "gift",
    "email",
    "sms",
    "view",
    "add_to_cart",
    "true",
    "false",
    "yes",
    "\"a,b\"",
    "\"\"",
];

const RELATIONAL: [TableKind; 5] = [
    TableKind::Customers,
    TableKind::Products,
    TableKind::OrderLines,
    TableKind::Campaigns,
    TableKind::Events,
];

/// Junk from `CELLS` for one random word in eight, else None (a typed value).
fn junk(r: u32) -> Option<&'static str> {
    r.is_multiple_of(8)
        .then(|| CELLS[(r / 8) as usize % CELLS.len()])
}

/// A cell for `col` from the random word `r`: one in eight is junk, the rest a value of the
/// column's type (ids from a small range, so that they repeat and match across tables).
fn cell(col: &ColumnSpec, r: u32) -> String {
    if let Some(j) = junk(r) {
        return j.to_string();
    }
    let k = (r / 8) as usize;
    let pick = |xs: &[&str]| xs[k % xs.len()].to_string();
    match (col.name, col.ty, col.rule) {
        ("customer_id", ..) => format!("C{}", k % 30),
        ("product_id", ..) => format!("P{}", k % 6),
        ("order_id", ..) => format!("O{}", k % 40),
        ("campaign_id", ..) => pick(&["CMP-1", "CMP-1", "CMP-2"]),
        // Offers with a discount depth, as the response model needs (junk still gets in).
        ("offer_type", ..) => pick(&["coupon", "pct_discount", "gift", "free_shipping", "none"]),
        (_, _, Rule::OneOf(values)) => pick(values),
        (_, ColType::Time, _) => pick(&[
            "2026-01-02",
            "2026-03-04 10:00:00",
            "2025-12-31",
            "2026-10-30",
        ]),
        (_, ColType::Bool, _) => pick(&["0", "1", "true", "false"]),
        (_, ColType::Int, _) => pick(&["0", "1", "2", "5"]),
        (_, ColType::Float, _) => pick(&["0", "1", "2.5", "10", "120"]),
        (_, ColType::Text, _) => pick(&["north", "south", "home", "18-24"]),
    }
}

/// One table's text: the kind's columns (one may be dropped, an unknown one added) and a row of
/// cells per random row; one row in 400 is cut short (the file is then refused).
fn table_text(kind: TableKind, drop: Option<usize>, extra: bool, rows: &[Vec<u32>]) -> String {
    let cols: Vec<&ColumnSpec> = kind
        .spec()
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != drop.map(|d| d % kind.spec().len()))
        .map(|(_, c)| c)
        .collect();
    let mut headers: Vec<&str> = cols.iter().map(|c| c.name).collect();
    if extra {
        headers.push("notes");
    }
    let mut text = headers.join(",") + "\n";
    for row in rows {
        let mut cells: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(j, c)| cell(c, row.get(j).copied().unwrap_or(1)))
            .collect();
        if extra {
            cells.push("x".into());
        }
        if row.first().is_some_and(|r| r % 400 == 7) {
            cells.pop();
        }
        text += &cells.join(",");
        text.push('\n');
    }
    text
}

fn rows(max: usize) -> impl Strategy<Value = Vec<Vec<u32>>> {
    prop::collection::vec(prop::collection::vec(any::<u32>(), 14), 0..max)
}

/// How far the cases of one property got: loaded, trained, planned.
#[derive(Default, Debug)]
struct Reached {
    cases: usize,
    loaded: usize,
    trained: usize,
    planned: usize,
}

fn tiny_cfg() -> TrainConfig {
    TrainConfig {
        epochs: 1,
        batch_size: 8,
        hidden: vec![4],
        ensemble: 1,
        ..TrainConfig::default()
    }
}

/// Every step a user can reach, from the files in `dir` to an optimized plan, on `spec`;
/// counts in `reached` how far it got.
fn every_step(dir: &Path, spec: &DataSpec, reached: &mut Reached) {
    reached.cases += 1;
    let now = promolab::data::now_utc();
    let mut tables = match load_paths(&[dir.to_path_buf()], &Mapping::default()) {
        Ok(t) => t,
        Err(e) => return eprintln!("{e}"),
    };
    reached.loaded += 1;
    validate(&tables, now);
    let _ = pipeline::build_dataset(&tables, spec);
    clean(
        &mut tables,
        CleaningChoices {
            drop_duplicates: true,
            drop_invalid: true,
            impute: true,
            clip_outliers: true,
        },
        now,
    );
    let _ = promolab::data::features::profiles_for(&tables);
    let Ok(ds) = pipeline::build_dataset(&tables, spec) else {
        return;
    };
    let device = ComputeDevice::cpu("robustness test");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let scenario = scenario::read_scenario(&sample.join("scenario.json")).unwrap();
    let offers = optimize::read_offers(&sample.join("offers.json")).unwrap();
    // The planning model's shape too: a latent-class response with two members.
    let classes = TrainConfig {
        classes: 2,
        ensemble: 2,
        ..tiny_cfg()
    };
    let runs = [
        (ModelKind::Uplift, tiny_cfg()),
        (ModelKind::Response, tiny_cfg()),
        (ModelKind::Response, classes),
        (ModelKind::Propensity, tiny_cfg()),
    ];
    for (kind, cfg) in &runs {
        let req = TrainRequest {
            kind: *kind,
            spec,
            cfg,
            truth: None,
        };
        let no_events = |_| {};
        let Ok((model, meta)) =
            pipeline::train_and_evaluate(&req, &ds, &device, &no_events, &AtomicBool::new(false))
        else {
            continue;
        };
        reached.trained += 1;
        let Ok(table) = build::from_model(&tables, &model, &meta, &device) else {
            continue;
        };
        simulate::simulate(&table, &scenario);
        let problem = optimize::Problem::build(&table, &offers);
        optimize::solve(&problem, 1_000.0);
        reached.planned += 1;
    }
}

/// Runs `case` on `cases` inputs from `strategy` (the same ones each run), with proptest's
/// shrinking on failure; how far the cases got.
fn run<S: Strategy>(cases: u32, strategy: S, case: impl Fn(S::Value, &mut Reached)) -> Reached
where
    S::Value: std::fmt::Debug,
{
    let reached = std::cell::RefCell::new(Reached::default());
    let config = ProptestConfig {
        cases,
        // The inputs are generated here, not read from a source file's regressions.
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    // The same inputs on every run: a property that held yesterday cannot fail today by a draw
    // (600 random cases of each kind were run once besides).
    let rng = proptest::test_runner::TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(config, rng);
    runner
        .run(&strategy, |v| {
            case(v, &mut reached.borrow_mut());
            Ok(())
        })
        .unwrap();
    reached.into_inner()
}

/// One related table as generated: present (seven times in eight), a column to drop (one time
/// in four), an unknown column added, its rows.
type TableDraw = (u8, Option<usize>, bool, Vec<Vec<u32>>);

fn related_tables() -> impl Strategy<Value = Vec<TableDraw>> {
    let table = (0..8u8, any::<Option<usize>>(), any::<bool>(), rows(40));
    prop::collection::vec(table, RELATIONAL.len())
}

/// A fresh folder with the drawn related tables.
fn write_related(tables: &[TableDraw]) -> common::TempDir {
    let dir = common::temp_dir("robust-related");
    for (kind, (present, drop, extra, rows)) in RELATIONAL.into_iter().zip(tables) {
        if *present > 0 {
            let drop = drop.filter(|d| d % 4 == 0).map(|d| d / 4);
            let name = format!("{}.csv", kind.label().replace(' ', "_"));
            common::write(&dir, &name, &table_text(kind, drop, *extra, rows));
        }
    }
    dir
}

/// Related tables (customers, products, order lines, campaigns, events), each maybe absent.
#[test]
fn messy_related_tables_never_panic() {
    let reached = run(48, related_tables(), |tables, reached| {
        let dir = write_related(&tables);
        every_step(&dir, &DataSpec::default(), reached);
    });
    // The inputs must reach the later steps, or the property says little about them.
    eprintln!("{reached:?}");
    assert!(reached.loaded * 4 >= reached.cases, "{reached:?}");
    assert!(reached.trained > 0 && reached.planned > 0, "{reached:?}");
}

/// A flat table's rows as generated: the treatment (one of four, an empty one among them) and
/// four random words for the outcome, spend, recency and zip code.
type FlatRow = (usize, Vec<u32>);

fn flat_rows() -> impl Strategy<Value = Vec<FlatRow>> {
    prop::collection::vec((0..4usize, prop::collection::vec(any::<u32>(), 4)), 0..60)
}

/// A fresh folder with a flat campaign table (Hillstrom's shape) of the drawn rows: mostly a 0/1
/// outcome, a spend, a number and a word; one cell in eight junk.
fn write_flat(rows: &[FlatRow]) -> common::TempDir {
    let dir = common::temp_dir("robust-flat");
    let arms = ["No E-Mail", "Mail", "", "中文"];
    let typed = [
        ["0", "1"].as_slice(),
        &["0", "12.5", "40"],
        &["1", "3", "11"],
        &["Urban", "Rural"],
    ];
    let mut text = String::from("segment,visit,spend,recency,zip_code\n");
    for (arm, r) in rows {
        let cells: Vec<&str> = r
            .iter()
            .zip(typed)
            .map(|(&x, good)| junk(x).unwrap_or(good[(x / 8) as usize % good.len()]))
            .collect();
        text += &format!("{},{}\n", arms[*arm], cells.join(","));
    }
    common::write(&dir, "flat.csv", &text);
    dir
}

/// One flat campaign table (Hillstrom's shape) with messy treatment, outcome and features.
#[test]
fn a_messy_flat_campaign_table_never_panics() {
    let reached = run(48, flat_rows(), |rows, reached| {
        let dir = write_flat(&rows);
        let spec = DataSpec {
            flat: Some(FlatSpec {
                control: "No E-Mail".into(),
                treatments: Vec::new(),
                outcome: "visit".into(),
                value: Some("spend".into()),
            }),
            campaign: None,
        };
        every_step(&dir, &spec, reached);
    });
    eprintln!("{reached:?}");
    assert!(reached.loaded * 4 >= reached.cases, "{reached:?}");
    assert!(reached.trained > 0 && reached.planned > 0, "{reached:?}");
}

/// The app on messy related tables: every screen drawn, and where a screen offers it, a model
/// trained, a planning model trained and a plan optimized; no job stops on a bug (a panic in a
/// background job becomes a message naming it) and the window itself never panics.
#[test]
fn the_app_on_messy_data_never_panics() {
    let reached = run(24, related_tables(), |tables, reached| {
        every_screen(&write_related(&tables), reached);
    });
    eprintln!("{reached:?}");
    assert!(reached.planned > 0, "no case got to a plan: {reached:?}");
}

/// The same on messy flat campaign tables (the screens' flat-table paths: control, treatment
/// and outcome choices, a message planned with an uplift model).
#[test]
fn the_app_on_a_messy_flat_table_never_panics() {
    let reached = run(12, flat_rows(), |rows, reached| {
        every_screen(&write_flat(&rows), reached);
    });
    eprintln!("{reached:?}");
    assert!(reached.planned > 0, "no case got to a plan: {reached:?}");
}

/// Opens the app on `dir`, applies every cleaning choice, visits every screen and presses what
/// it offers (Train, Train a planning model, Optimize); counts in `reached` how far it got and
/// fails if a background job stopped on a bug.
fn every_screen(dir: &Path, reached: &mut Reached) {
    reached.cases += 1;
    let mut harness = common::open_app_any_text(vec![dir.to_path_buf()]);
    if harness.query_by_label("Apply cleaning").is_some() {
        harness.state_mut().data_view.cleaning = CleaningChoices {
            drop_duplicates: true,
            drop_invalid: true,
            impute: true,
            clip_outliers: true,
        };
        harness.run_steps(1);
        harness.get_by_label("Apply cleaning").click_accesskit();
        harness.run_steps(1);
        harness.state_mut().wait_for_jobs();
        harness.run_steps(1);
    }
    for (tab, button) in [
        ("Data", None),
        ("Customers", None),
        ("Models", Some("Train")),
        ("Scenarios", Some("Train a planning model")),
        ("Scenarios", Some("Optimize")),
        ("Plan", None),
    ] {
        harness.query_all_by_label(tab).next().unwrap().click();
        harness.run_steps(2);
        if let Some(b) = button.and_then(|b| harness.query_by_label(b)) {
            b.click_accesskit();
            harness.run_steps(1);
            harness.state_mut().wait_for_jobs();
            harness.run_steps(2);
            harness.state_mut().wait_for_jobs();
            harness.run_steps(1);
            let app = harness.state();
            match button {
                Some("Train a planning model") => {
                    reached.trained += usize::from(app.scenarios_view.table.is_some())
                }
                Some("Optimize") => {
                    reached.planned += usize::from(app.scenarios_view.optimized.is_some())
                }
                _ => {}
            }
        }
    }
    let app = harness.state();
    reached.loaded += usize::from(app.loaded.is_some());
    let bugs: Vec<&String> = app
        .messages
        .iter()
        .filter(|m| m.contains("stopped on a bug"))
        .collect();
    assert!(bugs.is_empty(), "{bugs:?}");
}
