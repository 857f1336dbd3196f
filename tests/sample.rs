//! The sample-data generator: the committed copy is what the generator makes, and the campaign
//! outcomes agree with the ground truth they were drawn from.

mod common;
use promolab::data::sample::{self, SampleConfig};
use promolab::data::validate::{self, ProblemKind};
use promolab::data::{Mapping, TableKind, load_paths, load_table};
use std::collections::HashMap;
use std::path::Path;

#[test]
fn committed_sample_data_is_what_the_generator_makes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let fresh = common::temp_dir("sample-default");
    sample::generate(SampleConfig::default())
        .write(&fresh)
        .unwrap();
    for f in sample::FILES {
        let a = std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("sample_data/{f}: {e}"));
        assert!(
            a == std::fs::read(fresh.join(f)).unwrap(),
            "sample_data/{f} is stale: run `cargo run -- gen-sample --out sample_data`"
        );
    }
}

#[test]
fn sample_data_validates_without_errors_and_has_a_control_group() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let tables = load_paths(&[dir], &Mapping::default()).unwrap();
    assert_eq!(tables.len(), 5);
    let now = promolab::data::table::parse_time("2026-11-20").unwrap();
    let report = validate::validate(&tables, now);
    assert_eq!(report.error_count(), 0, "{}", report.to_text());
    assert_eq!(report.count(ProblemKind::NoControlGroup), 0);
    assert!(
        report.count(ProblemKind::MissingOptional) > 0,
        "gender is left empty for some customers"
    );
}

#[test]
fn campaign_outcomes_agree_with_the_ground_truth() {
    let dir = common::temp_dir("sample-truth");
    let data = sample::generate(SampleConfig {
        customers: 20_000,
        seed: 11,
    });
    data.write(&dir).unwrap();
    let truth = &data.truth;
    let campaigns = load_table(&dir.join("campaigns.csv"), &Mapping::default()).unwrap();
    assert_eq!(campaigns.kind, TableKind::Campaigns);
    let by_id: HashMap<&str, &sample::CustomerTruth> = truth
        .customers
        .iter()
        .map(|c| (c.customer_id.as_str(), c))
        .collect();
    let (ids, offer, value, channel, converted) = (
        campaigns.text("customer_id").unwrap(),
        campaigns.text("offer_type").unwrap(),
        campaigns.float("offer_value").unwrap(),
        campaigns.text("channel").unwrap(),
        campaigns.bool("converted").unwrap(),
    );
    // Per arm: the observed conversion rate against the mean true probability of the same rows.
    let mut per_arm: HashMap<String, (f64, f64, f64)> = HashMap::new();
    for i in 0..campaigns.n_rows() {
        let c = by_id[ids[i].as_deref().unwrap()];
        let arm = truth
            .arms
            .iter()
            .find(|a| {
                Some(a.offer_type.as_str()) == offer[i].as_deref()
                    && Some(a.offer_value) == value[i]
            })
            .expect("arm");
        let on_pref = channel[i].as_deref() == Some(c.preferred_channel.as_str());
        let p = c.conversion(&truth.segments[c.segment], arm, on_pref);
        let e = per_arm.entry(arm.name.clone()).or_default();
        e.0 += 1.0;
        e.1 += f64::from(u8::from(converted[i].unwrap()));
        e.2 += p;
    }
    assert_eq!(per_arm.len(), truth.arms.len());
    for (arm, (n, observed, expected)) in per_arm {
        let (o, e) = (observed / n, expected / n);
        let se = (e * (1.0 - e) / n).sqrt();
        assert!(
            (o - e).abs() < 4.0 * se,
            "{arm}: observed {o:.4}, true {e:.4}, se {se:.4}"
        );
    }
    // Segment shares follow the configuration.
    for (si, seg) in truth.segments.iter().enumerate() {
        let share = truth.customers.iter().filter(|c| c.segment == si).count() as f64
            / truth.customers.len() as f64;
        assert!((share - seg.share).abs() < 0.02, "{}: {share}", seg.name);
    }
}

#[test]
fn hidden_segments_respond_differently() {
    let truth = sample::generate(SampleConfig {
        customers: 5_000,
        seed: 5,
    })
    .truth;
    let seg = |name: &str| truth.segments.iter().position(|s| s.name == name).unwrap();
    let pct = truth
        .arms
        .iter()
        .position(|a| a.offer_type == "pct_discount")
        .unwrap();
    let uplift = |s: usize| truth.segment_uplift[s][pct];
    assert!(uplift(seg("deal_seeker")) > 2.0 * uplift(seg("loyal")));
    assert!(
        uplift(seg("do_not_disturb")) < 0.0,
        "messages annoy this segment"
    );
    // Loyal customers buy anyway: the highest baseline.
    let base = |s: usize| {
        truth
            .customers
            .iter()
            .filter(|c| c.segment == s)
            .map(|c| c.p_convert[0])
            .sum::<f64>()
    };
    assert!(
        base(seg("loyal"))
            / truth
                .customers
                .iter()
                .filter(|c| c.segment == seg("loyal"))
                .count() as f64
            > 0.2
    );
    // Deal seekers are the most price elastic.
    let e = &truth.segment_price_elasticity;
    assert!(e[seg("deal_seeker")] < e[seg("loyal")] && e[seg("deal_seeker")] < e[seg("dormant")]);
}
