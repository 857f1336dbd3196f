//! CLI commands of the scenario engine: simulate, optimize, compare, price.

use crate::{find_truth, load_with_progress, spinner};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use promolab::data::sample::{self, GroundTruth};
use promolab::data::{Mapping, Table};
use promolab::model::device::{self, DeviceChoice};
use promolab::model::store::{self, ModelMeta};
use promolab::model::train::TrainEvent;
use promolab::model::uplift::TrainedModel;
use promolab::plan;
use promolab::sim::optimize::{self, Problem};
use promolab::sim::{
    ResponseTable, build, compare, holdout, price, scenario, select, simulate, truth,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

#[derive(Args, Clone)]
pub struct Source {
    /// Data files or folders (default: the bundled sample data).
    #[arg(long, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// A saved model folder (default with the sample data: a response model trained on it,
    /// trained and cached on first use).
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}

/// The loaded tables, the response table scored by the model, and the truth when known.
pub struct Loaded {
    pub table: ResponseTable,
    pub truth: Option<GroundTruth>,
}

/// Raised when training changes what a saved model means, so cached models are retrained
/// (3: the basket head's retransformation factor).
const TRAINING_REVISION: u32 = 3;

/// The cached planning model, keyed by the program version, the training revision and the
/// planning settings (a model trained otherwise is not reused).
fn default_model_dir() -> PathBuf {
    let settings = format!(
        "{}|revision {TRAINING_REVISION}",
        serde_json::to_string(&build::planning_config()).unwrap_or_default()
    );
    let key = settings.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    promolab::util::cache_dir().join("models").join(format!(
        "sample-planning-{}-{:08x}",
        env!("CARGO_PKG_VERSION"),
        key as u32
    ))
}

/// Trains the default planning model on the sample data and saves it.
fn train_default(
    tables: &[Table],
    choice: device::DeviceChoice,
    out: &Path,
) -> Result<(TrainedModel, ModelMeta)> {
    eprintln!(
        "no model given: training the planning model (latent-class discount response) on the sample data once (cached in {})",
        out.display()
    );
    let pb = spinner("training");
    let on_event = |e: TrainEvent| {
        if let TrainEvent::Epoch { stats, .. } = e {
            pb.set_message(format!(
                "training: epoch {}, validation log loss {:.4}",
                stats.epoch, stats.valid_log_loss
            ));
        }
    };
    let (model, meta, _) = build::train_planning_model(
        tables,
        &Default::default(),
        choice,
        &on_event,
        &AtomicBool::new(false),
    )
    .map_err(anyhow::Error::msg)?;
    pb.finish_and_clear();
    store::save(&model, &meta, out)?;
    Ok((model, meta))
}

pub fn load(src: &Source) -> Result<Loaded> {
    let sample_default = src.data.is_empty();
    let data = if sample_default {
        vec![sample::default_sample_dir().context("cannot prepare the bundled sample data")?]
    } else {
        src.data.clone()
    };
    let tables = load_with_progress(&data, &Mapping::default())?;
    // Arguments are judged before the device is probed: a GPU driver may print its own
    // warnings, which should not bury a one-line usage error.
    let model_dir = match &src.model {
        Some(m) => Some(m.clone()),
        None if sample_default => None,
        None if tables
            .iter()
            .any(|t| t.kind == promolab::data::TableKind::FlatCampaign) =>
        {
            bail!(
                "--model is required with --data; for a flat campaign table train an uplift model, e.g. `promolab train --data {} --model uplift --control segment='No E-Mail' --treatment segment='Womens E-Mail' --outcome visit --value spend --out models/flat`, and plan a `message` offer",
                src.data[0].display()
            )
        }
        None => bail!(
            "--model is required with --data (train one with `promolab train --model response`)"
        ),
    };
    let dev = device::select_for_scoring(src.device, build::customer_rows(&tables))
        .map_err(anyhow::Error::msg)?;
    let (model_dir, default) = match model_dir {
        Some(dir) => (dir, false),
        None => (default_model_dir(), true),
    };
    // The sample's default model is trained once, when it is not cached yet.
    let (model, meta) = match store::load(&model_dir, &dev.device) {
        Err(_) if default => train_default(&tables, src.device, &model_dir)?,
        loaded => loaded?,
    };
    let pb = spinner(&format!("scoring customers with {}", model_dir.display()));
    let table = build::from_model(&tables, &model, &meta, &dev)
        .map_err(|e| anyhow!("{}: {e}", model_dir.display()))?;
    pb.finish_and_clear();
    let truth = find_truth(None, &data)?;
    Ok(Loaded { table, truth })
}

fn figures_text(f: &simulate::Figures) -> String {
    format!(
        "targeted {}, incremental buyers {:.1}, redemptions {:.1}, incremental revenue {:.2}, redemption cost {:.2}, send cost {:.2}, incremental profit {:.2}",
        f.targeted,
        f.incremental_buyers,
        f.buyers_with_offer,
        f.incremental_revenue,
        f.redemption_cost,
        f.send_cost,
        f.incremental_profit
    )
}

/// What the 5-95% intervals account for, in words.
pub fn interval_sources(iv: &simulate::Intervals) -> String {
    let mut parts = vec!["customer randomness".to_string()];
    if iv.model_members > 0 {
        parts.push(format!("{} model bootstrap members", iv.model_members));
    }
    if iv.model_error_sd > 0.0 {
        // (Zero means the check had too few held-out customers; the text then leaves it out.)
        parts.push(format!(
            "the model's error against the control group (uplift ±{:.0}%, buying without the offer ±{:.0}%)",
            100.0 * iv.model_error_sd,
            100.0 * iv.baseline_error_sd
        ));
    }
    parts.join(", ")
}

/// "5-95%: incremental profit a to b, revenue c to d, buyers e to f (what they account for)".
fn intervals_text(iv: &simulate::Intervals) -> String {
    format!(
        "5-95%: incremental profit {:.0} to {:.0}, revenue {:.0} to {:.0}, buyers {:.1} to {:.1} ({})",
        iv.incremental_profit.p5,
        iv.incremental_profit.p95,
        iv.incremental_revenue.p5,
        iv.incremental_revenue.p95,
        iv.incremental_buyers.p5,
        iv.incremental_buyers.p95,
        interval_sources(iv)
    )
}

fn outcome_text(o: &simulate::Outcome) -> String {
    let mut s = format!(
        "{} ({}) over {} customers, {} eligible, {} held back as control:\n  {}\n  ROI {}\n  {}\n",
        o.scenario,
        o.offer,
        o.customers,
        o.eligible,
        o.held_out,
        figures_text(&o.totals),
        o.roi.map_or("-".into(), |r| format!("{r:.2}")),
        intervals_text(&o.intervals)
    );
    if o.stock_served_share < 1.0 {
        s.push_str(&format!(
            "  stock serves {:.0}% of the extra demand\n",
            o.stock_served_share * 100.0
        ));
    }
    if let Some(w) = o.extrapolation_warning() {
        s.push_str(&format!("  warning: {w}\n"));
    }
    s.push_str("  per segment:\n");
    for seg in &o.per_segment {
        s.push_str(&format!(
            "    {:<10} {:>7} customers: {} (5-95%: {:.0} to {:.0})\n",
            seg.segment,
            seg.customers,
            figures_text(&seg.figures),
            seg.profit_range.p5,
            seg.profit_range.p95
        ));
    }
    s
}

fn read_scenario_for(path: &Path, t: &ResponseTable) -> Result<scenario::Scenario> {
    let s = scenario::read_scenario(path).map_err(anyhow::Error::msg)?;
    s.validate(t)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(s)
}

fn joined(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn refuse_overwrite(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!(
            "{}: exists; pass --force to replace it (the old file stays until the new one is complete)",
            path.display()
        );
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn simulate_cmd(
    src: &Source,
    scenario_path: Option<&Path>,
    plan_path: Option<&Path>,
    salt: Option<&str>,
    sweep: bool,
    out: Option<&Path>,
    force: bool,
    json: bool,
) -> Result<()> {
    let l = load(src)?;
    let t = &l.table;
    if let Some(p) = plan_path {
        let imported = plan::read_plan(t, p, salt).map_err(anyhow::Error::msg)?;
        if json {
            println!("{}", serde_json::to_string_pretty(&imported)?);
        } else {
            println!(
                "{} ({} rows), recomputed with {}:",
                p.display(),
                imported.rows,
                t.source
            );
            for (name, f) in &imported.per_offer {
                println!("  {name}: {}", figures_text(f));
            }
            println!("  total: {}", figures_text(&imported.total));
            println!("  {}", intervals_text(&imported.intervals));
            for line in imported.control_group_check.iter().flat_map(|c| c.lines()) {
                println!("  {line}");
            }
        }
        return Ok(());
    }
    let Some(sp) = scenario_path else {
        bail!("give --scenario FILE.json or --plan FILE.csv");
    };
    let s = read_scenario_for(sp, t)?;
    let sel = select::select(t, &s);
    let o = simulate::outcome_of(t, &s, &sel);
    let points = sweep.then(|| simulate::sweep(t, &s, &simulate::sweep_values(&s.offer, 13)));
    let true_profit = l.truth.as_ref().map(|truth| -> Result<f64> {
        let oracle = truth::oracle_table(t, truth).map_err(anyhow::Error::msg)?;
        Ok(simulate::outcome_of(&oracle, &s, &sel)
            .totals
            .incremental_profit)
    });
    if let Some(out) = out {
        refuse_overwrite(out, force)?;
        let p = plan::plan_from_scenario(t, &s, &sel, salt);
        let written = plan::write_plan(&p, out, None)
            .with_context(|| format!("{}: cannot write the plan", out.display()))?;
        eprintln!("wrote {}", joined(&written));
    }
    if json {
        let mut v = serde_json::to_value(&o)?;
        if let Some(points) = &points {
            v["sweep"] = serde_json::to_value(points)?;
        }
        if let Some(tp) = true_profit {
            v["true_incremental_profit"] = serde_json::json!(tp?);
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print!("{}", outcome_text(&o));
    if let Some(tp) = true_profit {
        println!(
            "  ground truth (sample generator): incremental profit {:.0}",
            tp?
        );
    }
    if let Some(points) = points {
        let (label, _, _) = s.offer.value_range();
        println!("  sweep over {label}:");
        println!(
            "    {:>8} {:>12} {:>25} {:>12} {:>10} {:>7}",
            "value", "+profit", "+profit 5-95%", "+revenue", "conv.", "ROI"
        );
        for p in points {
            println!(
                "    {:>8.2} {:>12.0} {:>25} {:>12.0} {:>9.2}% {:>7}",
                p.value,
                p.totals.incremental_profit,
                format!(
                    "{:.0} to {:.0}",
                    p.intervals.incremental_profit.p5, p.intervals.incremental_profit.p95
                ),
                p.totals.incremental_revenue,
                p.conversion_rate * 100.0,
                p.roi.map_or("-".into(), |r| format!("{r:.2}"))
            );
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn optimize_cmd(
    src: &Source,
    budget: f64,
    offers_path: &Path,
    out: &Path,
    salt: Option<&str>,
    frontier_path: Option<&Path>,
    force: bool,
    json: bool,
) -> Result<()> {
    if !(budget.is_finite() && budget >= 0.0) {
        bail!("--budget must be 0 or more");
    }
    refuse_overwrite(out, force)?;
    let l = load(src)?;
    let t = &l.table;
    let offers = optimize::read_offers(offers_path).map_err(anyhow::Error::msg)?;
    offers
        .validate(t)
        .map_err(|e| anyhow!("{}: {e}", offers_path.display()))?;
    let pb = spinner(&format!(
        "optimizing {} offers over {} customers",
        offers.offers.len(),
        t.len()
    ));
    let problem = Problem::build(t, &offers);
    let sol = optimize::solve(&problem, budget);
    let frontier = frontier_path.map(|_| optimize::frontier(t, &offers, &problem, 21));
    pb.finish_and_clear();
    let plan = plan::plan_of_solution(t, &offers, &sol, salt);
    let control_check = holdout::check_plan(t, &offers, &sol.choice);
    let written = plan::write_plan(&plan, out, control_check.as_ref())
        .with_context(|| format!("{}: cannot write the plan", out.display()))?;
    if let (Some(fp), Some(points)) = (frontier_path, &frontier) {
        promolab::util::write_atomic(fp, optimize::frontier_csv(points).as_bytes())
            .with_context(|| format!("{}: cannot write", fp.display()))?;
    }
    let check = l
        .truth
        .as_ref()
        .map(|tr| truth::check_plan(t, tr, &offers, &problem, &sol, budget))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if json {
        let mut v = serde_json::json!({
            "solution": sol,
            "total": plan.total,
            "intervals": plan.intervals,
            "per_offer": offers.offers.iter().map(|o| o.name.clone()).zip(plan.per_offer.iter()).collect::<Vec<_>>(),
            "files": written,
            "control_customers": plan.control.len(),
            "per_segment": plan.per_segment,
        });
        if let Some(c) = check {
            v["ground_truth"] = serde_json::to_value(c)?;
        }
        if let Some(c) = &control_check {
            v["control_group_check"] = serde_json::to_value(c)?;
            // The offers whose expected profit the past campaign shows to be too high.
            v["control_group_check"]["overstated"] = serde_json::to_value(c.overstated())?;
        }
        if let Some(c) = &t.channel_check {
            v["channel_check"] = serde_json::to_value(c)?;
        }
        if let Some(c) = &t.check {
            v["model_check"] = serde_json::to_value(c)?;
        }
        if let Some(f) = frontier {
            v["frontier"] = serde_json::to_value(f)?;
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "plan for a budget of {budget:.0} over {} customers ({}):",
        t.len(),
        t.source
    );
    for (o, f) in offers.offers.iter().zip(&plan.per_offer) {
        println!("  {:<20} {}", o.name, figures_text(f));
    }
    println!("  total: {}", figures_text(&plan.total));
    println!("  {}", intervals_text(&plan.intervals));
    println!("  per segment:");
    for s in plan.segments_reached() {
        println!(
            "    {:<10} {} (5-95%: {:.0} to {:.0})",
            s.segment,
            figures_text(&s.figures),
            s.profit_range.p5,
            s.profit_range.p95
        );
    }
    println!(
        "  expected spend {:.2} of {budget:.0}; {:?} {:.2}, upper bound {:.2} (duality gap {:.2}, {:.3}%)",
        sol.spend,
        offers.objective,
        sol.objective_value,
        sol.upper_bound,
        sol.duality_gap,
        sol.gap_share * 100.0
    );
    if !plan.control.is_empty() {
        println!(
            "  control group: {} customers held back ({:.0}% of those the plan would reach), sent nothing; their offers are in the control file, to measure the plan's uplift afterwards",
            plan.control.len(),
            offers.targeting.control_share * 100.0
        );
    }
    for line in control_check.iter().flat_map(|c| c.lines()) {
        println!("  {line}");
    }
    if let Some(c) = &t.channel_check {
        println!("  {}", c.line());
    }
    for c in t.check.iter().flat_map(|c| &c.money) {
        println!("  {}", c.line());
    }
    if let Some(c) = check {
        println!(
            "  ground truth (sample generator): plan {:.0}, oracle plan {:.0} ({:.0}%), blanket {:.0}, by propensity {:.0}",
            c.plan,
            c.oracle,
            c.plan / c.oracle * 100.0,
            c.blanket,
            c.by_propensity
        );
    }
    println!("wrote {}", joined(&written));
    Ok(())
}

pub fn compare_cmd(src: &Source, scenarios: &[PathBuf], json: bool) -> Result<()> {
    let l = load(src)?;
    let list: Vec<scenario::Scenario> = scenarios
        .iter()
        .map(|p| read_scenario_for(p, &l.table))
        .collect::<Result<_>>()?;
    let c = compare::compare(&l.table, &list);
    if json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", c.to_text());
    }
    Ok(())
}

pub fn price_cmd(src: &Source, lo: f64, hi: f64, stock: Option<f64>, json: bool) -> Result<()> {
    if !(0.1 <= lo && lo < hi && hi <= 3.0) {
        bail!("--min-index and --max-index must satisfy 0.1 <= min < max <= 3");
    }
    let l = load(src)?;
    let t = &l.table;
    let res = price::optimize_prices(t, lo, hi, t.margin_rate, stock);
    if json {
        println!("{}", serde_json::to_string_pretty(&res)?);
        return Ok(());
    }
    println!(
        "best price index per segment ({}; margin {:.0}%):",
        t.source,
        t.margin_rate * 100.0
    );
    for r in res {
        println!(
            "  {:<10} {:>7} customers: index {:.3}, incremental profit {:.0} (5-95%: {:.0} to {:.0}), revenue {:+.0}, buyers {:.1} (at list {:.1}), price elasticity of conversion at list {:.2}",
            r.segment,
            r.customers,
            r.best_index,
            r.at_best.incremental_profit,
            r.profit_range.p5,
            r.profit_range.p95,
            r.at_best.incremental_revenue,
            r.at_best.buyers_with_offer,
            r.buyers_at_list,
            r.elasticity_at_list
        );
    }
    Ok(())
}
