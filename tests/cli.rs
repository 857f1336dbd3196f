//! The promolab binary, run as a user would.

mod common;

use common::temp_dir;
use std::path::Path;
use std::process::Command;

fn promolab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_promolab"))
        .args(args)
        .output()
        .expect("runs")
}

/// `promolab CMD --data D --model M --device cpu REST...`
fn source<'a>(d: &'a str, m: &'a str, cmd: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![cmd, "--data", d, "--model", m, "--device", "cpu"];
    args.extend_from_slice(rest);
    args
}

/// Runs promolab, requires success (showing its stderr otherwise) and returns its stdout.
fn promolab_ok(args: &[&str]) -> String {
    let o = promolab(args);
    assert!(
        o.status.success(),
        "promolab {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn gen_sample_is_deterministic_and_inspect_reports_every_table() {
    let dir = temp_dir("cli-gen");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        promolab_ok(&[
            "gen-sample",
            "--customers",
            "500",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    for f in promolab::data::sample::FILES {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let out_text = promolab_ok(&["inspect", a.to_str().unwrap()]);
    let text = out_text.as_str();
    for kind in [
        "customers.csv: customers (500 rows",
        "products.csv: products",
        "order_lines.csv: order lines",
        "campaigns.csv: campaign history",
        "events.csv: behaviour events",
    ] {
        assert!(text.contains(kind), "missing '{kind}' in:\n{text}");
    }
    // A shell glob over the folder also passes ground_truth.json: it is skipped with a note.
    let mut args = vec!["inspect".to_string()];
    args.extend(
        promolab::data::sample::FILES
            .iter()
            .map(|f| a.join(f).display().to_string()),
    );
    let o = Command::new(env!("CARGO_BIN_EXE_promolab"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipping"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("events.csv: behaviour events"));
    let o = promolab(&["inspect", "--json", a.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(json["tables"].as_array().unwrap().len(), 5);
}

#[test]
fn a_bad_file_gets_a_one_line_error_and_exit_code_2() {
    let dir = temp_dir("cli-bad");
    let bad = common::write(
        &dir,
        "orders.csv",
        "order_id,customer_id,product_id,timestamp,quantity,unit_price\nO1,C1,P1,2026-01-01,1,5\nO2,C1,P1,2026-01-01,1\n",
    );
    let o = promolab(&["inspect", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("orders.csv") && err.contains("row 2"), "{err}");
    let o = promolab(&["inspect", dir.join("nope.csv").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.csv"));
}

/// Planning on data without a model: a flat campaign table gets the command that trains the
/// model it needs (an uplift model on its control group), in one line with exit code 2.
#[test]
fn optimize_without_a_model_says_how_to_train_one_for_a_flat_table() {
    let dir = temp_dir("cli-flat-advice");
    let flat = common::write(
        &dir,
        "flat.csv",
        "recency,segment,visit,spend\n3,Womens E-Mail,1,0\n5,No E-Mail,0,0\n",
    );
    let out = dir.join("plan.csv");
    let o = promolab(&[
        "optimize",
        "--data",
        flat.to_str().unwrap(),
        "--budget",
        "100",
        "--offers",
        "sample_data/offers.json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("--model uplift --control") && err.contains("flat.csv"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn write_clean_never_overwrites_the_input() {
    let dir = temp_dir("cli-clean");
    let f = common::write(
        &dir,
        "customers.csv",
        "customer_id,signup_date\nC1,2025-01-01\nC1,2025-01-01\n",
    );
    let o = promolab(&[
        "inspect",
        "--drop-duplicates",
        "--write-clean",
        dir.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read_to_string(&f).unwrap().lines().count(), 3);
    let out = dir.join("clean");
    let out_text = promolab_ok(&[
        "inspect",
        "--drop-duplicates",
        "--write-clean",
        out.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert!(out_text.as_str().contains("Cleaning applied"));
    assert_eq!(
        std::fs::read_to_string(out.join("customers.csv"))
            .unwrap()
            .lines()
            .count(),
        2
    );
}

#[test]
fn inspect_hillstrom_reports_a_flat_campaign_table() {
    let Some(path) = common::hillstrom() else {
        return;
    };
    let out_text = promolab_ok(&["inspect", path.to_str().unwrap()]);
    let text = out_text.as_str();
    assert!(
        text.contains("hillstrom.csv: flat campaign table (64000 rows"),
        "{text}"
    );
}

#[test]
fn profile_writes_one_row_per_customer() {
    let dir = temp_dir("cli-profile");
    let data = dir.join("data");
    assert!(
        promolab(&[
            "gen-sample",
            "--customers",
            "200",
            "--out",
            data.to_str().unwrap()
        ])
        .status
        .success()
    );
    let out = dir.join("profiles.csv");
    promolab_ok(&[
        "profile",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 201);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("customer_id,recency_days,frequency_365d")
    );
}

#[test]
fn train_evaluate_and_score_from_the_command_line() {
    let dir = temp_dir("cli-models");
    let data = dir.join("data");
    assert!(
        promolab(&[
            "gen-sample",
            "--customers",
            "800",
            "--seed",
            "2",
            "--out",
            data.to_str().unwrap()
        ])
        .status
        .success()
    );
    let model = dir.join("model");
    let o = promolab(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--model",
        "response",
        "--device",
        "cpu",
        "--epochs",
        "2",
        "--hidden",
        "8",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("test split")
            && text.contains("pct_discount 25 vs control")
            && text.contains("elasticity"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("device: CPU (NdArray)"));
    let out_text = promolab_ok(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--device",
        "cpu",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out_text).expect("JSON");
    assert_eq!(
        json["rows"].as_u64(),
        Some(240),
        "the model's 30% test split of 800 campaign rows"
    );
    let out = dir.join("scores.csv");
    promolab_ok(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--device",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 801);
    // Scenario simulation, plan export and re-import, optimization, comparison and prices.
    let d = data.to_str().unwrap();
    let m = model.to_str().unwrap();
    let scenario = common::write(
        &dir,
        "s.json",
        r#"{"version": 1, "name": "15% off", "offer": {"type": "pct_discount", "pct": 15},
            "targeting": {"top_share": 0.25}, "message": "{discount} off {category}"}"#,
    );
    let plan = dir.join("plan.csv");
    let out_text = promolab_ok(&source(
        d,
        m,
        "simulate",
        &[
            "--scenario",
            scenario.to_str().unwrap(),
            "--out",
            plan.to_str().unwrap(),
            "--json",
        ],
    ));
    let o: serde_json::Value = serde_json::from_str(&out_text).expect("JSON");
    assert_eq!(o["totals"]["targeted"].as_u64(), Some(200), "25% of 800");
    assert!(o["totals"]["redemption_cost"].as_f64().unwrap() > 0.0);
    assert!(
        o["true_incremental_profit"].is_number(),
        "ground truth found beside the data"
    );
    let planned = std::fs::read_to_string(&plan).unwrap();
    assert_eq!(planned.lines().count(), 201);
    assert!(planned.contains("15% off"));
    let again = promolab_ok(&source(
        d,
        m,
        "simulate",
        &["--plan", plan.to_str().unwrap(), "--json"],
    ));
    let again: serde_json::Value = serde_json::from_str(&again).expect("JSON");
    let close = |a: &serde_json::Value, b: &serde_json::Value| {
        (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-6 * (1.0 + a.as_f64().unwrap().abs())
    };
    assert!(close(
        &again["total"]["incremental_profit"],
        &o["totals"]["incremental_profit"]
    ));
    // Writing over an existing plan needs --force.
    let refused = promolab(&[
        "simulate",
        "--data",
        d,
        "--model",
        m,
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    // A two-epoch model may find no offer profitable; for revenue some always pay, so the plan
    // has rows to pseudonymize.
    let sample_offers = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/offers.json");
    let offers = common::write(
        &dir,
        "offers.json",
        &std::fs::read_to_string(sample_offers)
            .unwrap()
            .replace(r#""objective": "profit""#, r#""objective": "revenue""#),
    );
    let out_text = promolab_ok(&source(
        d,
        m,
        "optimize",
        &[
            "--budget",
            "300",
            "--offers",
            offers.to_str().unwrap(),
            "--out",
            dir.join("opt.csv").to_str().unwrap(),
            "--salt",
            "s3cret",
            "--json",
        ],
    ));
    let opt: serde_json::Value = serde_json::from_str(&out_text).expect("JSON");
    assert!(opt["solution"]["spend"].as_f64().unwrap() <= 300.0 + 1e-6);
    assert!(opt["ground_truth"]["oracle"].is_number());
    let rows = std::fs::read_to_string(dir.join("opt.csv")).unwrap();
    assert!(
        rows.lines().nth(1).is_some_and(|l| l.starts_with("p_")),
        "pseudonymized ids"
    );
    // The summary has each offer's and the total's 5-95% ranges, and the total's profit lies
    // in its range.
    let summary = std::fs::read_to_string(dir.join("opt.summary.csv")).unwrap();
    assert!(
        summary.starts_with("offer,")
            && summary
                .lines()
                .next()
                .unwrap()
                .ends_with(",incremental_buyers_p95,past_campaign_profit_per_customer_model,past_campaign_profit_per_customer_observed,past_campaign_profit_per_customer_se,past_campaign_check")
    );
    let total_line = summary.lines().find(|l| l.starts_with("total,")).unwrap();
    let total: Vec<f64> = total_line
        .split(',')
        .skip(1)
        .take(13)
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(total.len(), 13, "{summary}");
    assert!(total[7] <= total[6] && total[6] <= total[8], "{summary}");
    // Per segment beside it: the segments' customers and profit add up to the total's, each
    // profit inside its range.
    let segments = std::fs::read_to_string(dir.join("opt.segments.csv")).unwrap();
    assert!(segments.starts_with("segment,customers,control_customers,"));
    let parts: Vec<Vec<f64>> = segments
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect())
        .collect();
    assert!(parts.len() >= 2, "{segments}");
    let sum = |k: usize| parts.iter().map(|p| p[k]).sum::<f64>();
    assert_eq!(sum(0), total[0], "{segments}\n{summary}");
    assert_eq!(sum(1), total[1], "{segments}\n{summary}");
    assert!(
        (sum(4) - total[6]).abs() < 0.05 * parts.len() as f64,
        "{segments}\n{summary}"
    );
    assert!(
        parts.iter().all(|p| p[5] <= p[4] && p[4] <= p[6]),
        "{segments}"
    );
    // The offers hold back 10% as a control group: listed in their own file (pseudonymized
    // alike, none of them in the plan), counted in the summary and the JSON.
    let control = std::fs::read_to_string(dir.join("opt.control.csv")).unwrap();
    let held: Vec<&str> = control
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(control.starts_with("customer_id,segment,offer_held_back,channel\n"));
    assert!(!held.is_empty() && held.iter().all(|id| id.starts_with("p_")));
    let planned: std::collections::HashSet<&str> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(held.iter().all(|id| !planned.contains(id)));
    assert_eq!(total[1] as usize, held.len(), "{summary}");
    assert_eq!(
        opt["control_customers"].as_u64().unwrap() as usize,
        held.len()
    );
    // After the campaign, `measure` reads the plan, its control group and the results (here the
    // sample's own campaign history stands in for them), matching ids through the salt.
    let results = data.join("campaigns.csv");
    let measured: serde_json::Value = serde_json::from_str(&promolab_ok(&[
        "measure",
        "--plan",
        dir.join("opt.csv").to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "--salt",
        "s3cret",
        "--json",
    ]))
    .expect("JSON");
    let groups: usize = measured["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["sent"]["customers"].as_u64().unwrap() + o["held_back"]["customers"].as_u64().unwrap()
        })
        .sum::<u64>() as usize;
    let not_found = measured["not_in_results"].as_u64().unwrap() as usize;
    assert_eq!(groups + not_found, held.len() + planned.len());
    assert!(groups > 0, "{measured}");
    // A plan with no control group beside it cannot be measured, and says so.
    let lone = dir.join("lone.csv");
    std::fs::copy(dir.join("opt.csv"), &lone).unwrap();
    let refused = promolab(&[
        "measure",
        "--plan",
        lone.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("lone.control.csv: not found"));
    // Without the salt no id matches: all are reported missing, none measured.
    let unsalted: serde_json::Value = serde_json::from_str(&promolab_ok(&[
        "measure",
        "--plan",
        dir.join("opt.csv").to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        unsalted["not_in_results"].as_u64().unwrap() as usize,
        held.len() + planned.len()
    );
    // Each offer's check against the past campaign: a verdict where the plan check judged its
    // profit (as in the JSON), else why it was not judged; the total's from the summed figure.
    for line in summary.lines().skip(1) {
        let verdict = line.rsplit(',').next().unwrap();
        assert!(
            [
                "",
                "agrees",
                "overstates",
                "understates",
                "too few to judge",
                "never offered",
                "no payments recorded"
            ]
            .contains(&verdict),
            "{line}"
        );
    }
    let judged = opt["control_group_check"]["profit"].is_object();
    if opt["control_group_check"].is_object() {
        let overstated = opt["control_group_check"]["overstated"].as_array().unwrap();
        let verdicts = summary
            .lines()
            .filter(|l| !l.starts_with("total,") && l.ends_with(",overstates"))
            .count();
        assert_eq!(overstated.len(), verdicts, "{summary}");
    }
    assert_eq!(
        !total_line.ends_with(','),
        judged,
        "{summary}\n{}",
        opt["control_group_check"]
    );
    let text = promolab_ok(&source(
        d,
        m,
        "compare",
        &[
            "--scenario",
            scenario.to_str().unwrap(),
            "--scenario",
            scenario.to_str().unwrap(),
        ],
    ));
    assert!(
        text.contains("no promotion") && text.matches("15% off").count() == 2,
        "{text}"
    );
    let text = promolab_ok(&["price", "--data", d, "--model", m, "--device", "cpu"]);
    assert!(
        text.contains("price index")
            && text.contains("incremental profit")
            && text.contains("(5-95%: "),
        "{text}"
    );
    // A scenario naming an unknown feature is refused with the known ones listed.
    let bad = common::write(
        &dir,
        "bad.json",
        r#"{"version": 1, "name": "x", "offer": {"type": "pct_discount", "pct": 15},
            "targeting": {"filters": [{"feature": "recenci", "op": "<", "value": 30}]}}"#,
    );
    let o = promolab(&[
        "simulate",
        "--data",
        d,
        "--model",
        m,
        "--scenario",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.json") && err.contains("recenci") && err.contains("recency_days"),
        "{err}"
    );
    // A flat table without --control gets a clear one-line error.
    let flat = common::write(&dir, "flat.csv", "recency,segment,visit\n1,A,0\n2,B,1\n");
    let o = promolab(&[
        "train",
        "--data",
        flat.to_str().unwrap(),
        "--model",
        "uplift",
        "--out",
        dir.join("m2").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--control"));
}
