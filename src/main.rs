//! promolab command line. No subcommand opens the app on the bundled sample data.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use promolab::data::{self, CleaningChoices, Mapping, features, sample, validate};
use promolab::model::dataset::FlatSpec;
use promolab::model::device::{self, DeviceChoice};
use promolab::model::pipeline::{self, DataSpec};
use promolab::model::train::{TrainConfig, TrainEvent};
use promolab::model::uplift::ModelKind;
use promolab::model::{dataset, store};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

mod plan_cmd;

#[derive(Parser)]
#[command(
    name = "promolab",
    version,
    about = "Plan promotions from sales data: validate, model uplift, simulate offers, export a plan.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files or folders to open in the desktop app (`promolab sales.csv`, as a file manager's
    /// "Open with" passes them); the same as `promolab app --data ...`.
    files: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the desktop app (the default), on the bundled sample data unless --data is given.
    App {
        /// Files or folders to open.
        #[arg(long, num_args = 1..)]
        data: Vec<PathBuf>,
    },
    /// Generate deterministic sample sales data with ground truth.
    GenSample {
        #[arg(long, default_value_t = 20_000)]
        customers: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Load files (or folders) and print the validation report.
    Inspect {
        /// CSV or Parquet files, or folders holding them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// JSON mapping of canonical columns to your headers, e.g. {"columns": {"quantity": "Menge"}}.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        cleaning: CleanArgs,
        /// Write the cleaned tables as CSV into this folder (never over the input files).
        #[arg(long)]
        write_clean: Option<PathBuf>,
    },
    /// Build customer profile features and write them as CSV.
    Profile {
        /// Files or folders (customers, order lines, products, events; or one flat campaign table).
        #[arg(long, num_args = 1.., required = true)]
        data: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Train a model and save it with its test metrics.
    Train {
        /// Files or folders: the sample-style tables with a campaign history, or one flat campaign table.
        #[arg(long, num_args = 1.., required = true)]
        data: Vec<PathBuf>,
        #[arg(long, value_enum)]
        model: ModelKind,
        #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
        device: DeviceChoice,
        #[arg(long, default_value_t = 30)]
        epochs: usize,
        #[arg(long, default_value_t = 1024)]
        batch_size: usize,
        #[arg(long, default_value_t = 1e-3)]
        learning_rate: f64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Weigh buyers and non-buyers equally in the loss.
        #[arg(long)]
        class_weighting: bool,
        /// Hidden layer widths of the network, e.g. 64,32 (the T-learner is always logistic).
        #[arg(long, value_delimiter = ',', default_values_t = [64usize, 32])]
        hidden: Vec<usize>,
        /// Networks in the ensemble (bootstrap resamples; the uplift and propensity models).
        #[arg(long, default_value_t = 1)]
        ensemble: usize,
        /// Epochs without a better validation loss before stopping early.
        #[arg(long, default_value_t = 5)]
        patience: usize,
        /// Response model: latent response classes (0 = a free per-customer response).
        #[arg(long, default_value_t = 0)]
        classes: usize,
        /// Uplift and propensity nets: add a linear path from the features to the conversion
        /// logits beside the hidden layers (the net then contains the logistic model).
        #[arg(long)]
        linear_skip: bool,
        #[command(flatten)]
        spec: SpecArgs,
        /// Folder to save the model in.
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Evaluate a saved model on data (its test split when it is the training data).
    Evaluate {
        #[command(flatten)]
        saved: SavedModelArgs,
        /// Ground truth (sample data): defaults to ground_truth.json next to the data.
        #[arg(long)]
        truth: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Score customers with a saved model and write per-customer response columns as CSV.
    Score {
        #[command(flatten)]
        saved: SavedModelArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Simulate a scenario file (offer, targeting, channel) against no promotion, or recompute
    /// the totals of an exported plan.
    Simulate {
        #[command(flatten)]
        source: plan_cmd::Source,
        /// Scenario JSON (see sample_data/scenario.json).
        #[arg(long, conflicts_with = "plan")]
        scenario: Option<PathBuf>,
        /// A plan CSV written by promolab (its offers JSON must lie beside it).
        #[arg(long)]
        plan: Option<PathBuf>,
        /// Salt of pseudonymized ids (for --plan and --out).
        #[arg(long)]
        salt: Option<String>,
        /// Also simulate the offer's value over its range (revenue, profit, conversion, ROI).
        #[arg(long)]
        sweep: bool,
        /// Write the scenario's plan (CSV, summary, offers JSON) here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Choose who gets which offer within a budget and export the plan as CSV.
    Optimize {
        #[command(flatten)]
        source: plan_cmd::Source,
        /// Total expected spend (redemptions plus sends).
        #[arg(long)]
        budget: f64,
        /// Offers JSON (see sample_data/offers.json).
        #[arg(long)]
        offers: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Pseudonymize customer ids with this secret salt (HMAC-SHA-256).
        #[arg(long)]
        salt: Option<String>,
        /// Write the efficient frontier (objective vs budget) as CSV here.
        #[arg(long)]
        frontier: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// After the campaign: what a plan really gained, each offer's customers against those held
    /// back from it (the plan's control file), from the campaign's results.
    Measure {
        /// A plan CSV written by `optimize` or `simulate --out` with a control share (its
        /// .control.csv must lie beside it).
        #[arg(long)]
        plan: PathBuf,
        /// The campaign's results: a campaign history table (customer_id, converted, revenue,
        /// …); the newest campaign in it when it holds several.
        #[arg(long)]
        results: PathBuf,
        /// Salt the plan's ids were pseudonymized with.
        #[arg(long)]
        salt: Option<String>,
        /// Gross margin rate for the profit, when the plan's offers file sets none.
        #[arg(long, default_value_t = promolab::sim::build::DEFAULT_MARGIN_RATE)]
        margin: f64,
        #[arg(long)]
        json: bool,
    },
    /// Compare scenarios side by side against no promotion.
    Compare {
        #[command(flatten)]
        source: plan_cmd::Source,
        #[arg(long = "scenario", required = true)]
        scenarios: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Best price index per customer segment from the response model's elasticities.
    Price {
        #[command(flatten)]
        source: plan_cmd::Source,
        #[arg(long, default_value_t = 0.7)]
        min_index: f64,
        #[arg(long, default_value_t = 1.3)]
        max_index: f64,
        /// Most units each segment may buy (stock).
        #[arg(long)]
        stock: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Measure training and scoring speed of the uplift network on synthetic data; writes JSON.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 32)]
        features: usize,
        #[arg(long, default_value_t = 4096)]
        batch_size: usize,
        #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
        device: DeviceChoice,
        /// Only the scenario engine (simulate and optimize), not the network.
        #[arg(long)]
        scenario_only: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show which compute device models would use.
    Device {
        #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
        device: DeviceChoice,
    },
}

/// A saved model and the data to apply it to.
#[derive(clap::Args)]
struct SavedModelArgs {
    /// Folder of a model saved by `train`.
    #[arg(long)]
    model: PathBuf,
    #[arg(long, num_args = 1.., required = true)]
    data: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
}

/// A saved model on its device, with the data built the way it was trained.
struct Opened {
    device: device::ComputeDevice,
    model: promolab::model::uplift::TrainedModel,
    meta: store::ModelMeta,
    ds: dataset::Dataset,
}

impl SavedModelArgs {
    fn open(&self) -> Result<Opened> {
        let meta = store::read_meta(&self.model)?;
        let tables = load_with_progress(&self.data, &Mapping::default())?;
        let ds = pipeline::build_dataset(&tables, &meta.data_spec).map_err(anyhow::Error::msg)?;
        let device = device::select_for_scoring(self.device, ds.n()).map_err(anyhow::Error::msg)?;
        let (model, meta) = store::load_described(&self.model, meta, &device.device)?;
        Ok(Opened {
            device,
            model,
            meta,
            ds,
        })
    }
}

/// How to read a flat campaign table (e.g. Hillstrom), or which campaign to use.
#[derive(clap::Args)]
struct SpecArgs {
    /// A treatment arm as COLUMN=VALUE, e.g. segment='Womens E-Mail' (repeat for several; default: all non-control values).
    #[arg(long)]
    treatment: Vec<String>,
    /// The control group as COLUMN=VALUE, e.g. segment='No E-Mail'.
    #[arg(long)]
    control: Option<String>,
    /// The 0/1 outcome column, e.g. visit or conversion.
    #[arg(long, default_value = "conversion")]
    outcome: String,
    /// A revenue column, e.g. spend.
    #[arg(long)]
    value: Option<String>,
    /// Which campaign of a campaign history table (default: the first).
    #[arg(long)]
    campaign: Option<String>,
    /// Ground truth for PEHE (sample data): defaults to ground_truth.json next to the data.
    #[arg(long)]
    truth: Option<PathBuf>,
}

fn value_of(arg: &str, flag: &str) -> Result<String> {
    match arg.split_once('=') {
        Some((_, v)) if !v.is_empty() => Ok(v.trim_matches(['\'', '"']).to_string()),
        _ => bail!("{flag} expects COLUMN=VALUE, e.g. {flag} segment='No E-Mail', got '{arg}'"),
    }
}

impl SpecArgs {
    fn spec(&self) -> Result<DataSpec> {
        let flat = match &self.control {
            Some(c) => Some(FlatSpec {
                control: value_of(c, "--control")?,
                treatments: self
                    .treatment
                    .iter()
                    .map(|t| value_of(t, "--treatment"))
                    .collect::<Result<_>>()?,
                outcome: self.outcome.clone(),
                value: self.value.clone(),
            }),
            None if !self.treatment.is_empty() => bail!("--treatment needs --control too"),
            None => None,
        };
        Ok(DataSpec {
            flat,
            campaign: self.campaign.clone(),
        })
    }
}

/// The ground truth given, or ground_truth.json in a data folder, if any.
fn find_truth(explicit: Option<&Path>, data: &[PathBuf]) -> Result<Option<sample::GroundTruth>> {
    if let Some(p) = explicit {
        return sample::read_truth(p).map(Some);
    }
    for d in data {
        let p = if d.is_dir() {
            d.join("ground_truth.json")
        } else {
            d.with_file_name("ground_truth.json")
        };
        if p.is_file() {
            return sample::read_truth(&p).map(Some);
        }
    }
    Ok(None)
}

#[derive(clap::Args)]
struct CleanArgs {
    /// Drop exact duplicate rows and repeated ids.
    #[arg(long)]
    drop_duplicates: bool,
    /// Drop rows with unreadable, missing required, non-positive, future or dangling values.
    #[arg(long)]
    drop_invalid: bool,
    /// Fill missing optional values (median for numbers, "unknown" for text).
    #[arg(long)]
    impute: bool,
    /// Clip extreme values to the 1st-99th percentile.
    #[arg(long)]
    clip_outliers: bool,
}

impl CleanArgs {
    fn choices(&self) -> CleaningChoices {
        CleaningChoices {
            drop_duplicates: self.drop_duplicates,
            drop_invalid: self.drop_invalid,
            impute: self.impute,
            clip_outliers: self.clip_outliers,
        }
    }
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("PROMOLAB_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(2);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command.unwrap_or(Command::App { data: cli.files }) {
        Command::App { data } => {
            let paths = if data.is_empty() {
                vec![
                    sample::default_sample_dir()
                        .context("cannot prepare the bundled sample data")?,
                ]
            } else {
                data
            };
            promolab::ui::run_app(paths)
                .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
        }
        Command::GenSample {
            customers,
            seed,
            out,
        } => gen_sample(customers, seed, &out),
        Command::Inspect {
            files,
            mapping,
            json,
            cleaning,
            write_clean,
        } => inspect(
            &files,
            mapping.as_deref(),
            json,
            cleaning.choices(),
            write_clean.as_deref(),
        ),
        Command::Profile { data, out } => profile(&data, &out),
        Command::Train {
            data,
            model,
            device,
            epochs,
            batch_size,
            learning_rate,
            seed,
            class_weighting,
            hidden,
            ensemble,
            patience,
            classes,
            linear_skip,
            spec,
            out,
            json,
        } => {
            let cfg = TrainConfig {
                epochs,
                batch_size,
                learning_rate,
                seed,
                class_weighting,
                hidden,
                ensemble,
                patience,
                classes,
                linear_skip,
                ..TrainConfig::default()
            };
            train(&data, model, device, &cfg, &spec, &out, json)
        }
        Command::Evaluate { saved, truth, json } => evaluate(&saved, truth.as_deref(), json),
        Command::Score { saved, out } => score(&saved, &out),
        Command::Simulate {
            source,
            scenario,
            plan,
            salt,
            sweep,
            out,
            force,
            json,
        } => plan_cmd::simulate_cmd(
            &source,
            scenario.as_deref(),
            plan.as_deref(),
            salt.as_deref(),
            sweep,
            out.as_deref(),
            force,
            json,
        ),
        Command::Optimize {
            source,
            budget,
            offers,
            out,
            salt,
            frontier,
            force,
            json,
        } => plan_cmd::optimize_cmd(
            &source,
            budget,
            &offers,
            &out,
            salt.as_deref(),
            frontier.as_deref(),
            force,
            json,
        ),
        Command::Compare {
            source,
            scenarios,
            json,
        } => plan_cmd::compare_cmd(&source, &scenarios, json),
        Command::Measure {
            plan,
            results,
            salt,
            margin,
            json,
        } => measure(&plan, &results, salt.as_deref(), margin, json),
        Command::Price {
            source,
            min_index,
            max_index,
            stock,
            json,
        } => plan_cmd::price_cmd(&source, min_index, max_index, stock, json),
        Command::Bench {
            rows,
            features,
            batch_size,
            device,
            scenario_only,
            out,
        } => {
            if scenario_only {
                let sim = promolab::sim::bench::run(rows);
                let json = serde_json::to_string_pretty(&sim)?;
                println!("{json}");
                if let Some(out) = out {
                    promolab::util::write_atomic(&out, json.as_bytes())
                        .with_context(|| format!("{}: cannot write", out.display()))?;
                }
                return Ok(());
            }
            if rows < 2 || features < 2 || batch_size == 0 {
                bail!("--rows and --features must be at least 2, --batch-size at least 1");
            }
            let d = device::select(device).map_err(anyhow::Error::msg)?;
            let pb = spinner(&format!(
                "benchmarking on {} ({rows} rows x {features} features)",
                d.label()
            ));
            let r = promolab::model::bench::run(rows, features, batch_size, &d);
            pb.set_message(format!("simulating a scenario over {rows} customers"));
            let sim = promolab::sim::bench::run(rows);
            pb.finish_and_clear();
            let mut json = serde_json::to_value(&r)?;
            json["scenario_engine"] = serde_json::to_value(&sim)?;
            let json = serde_json::to_string_pretty(&json)?;
            println!("{json}");
            if let Some(out) = out {
                promolab::util::write_atomic(&out, json.as_bytes())
                    .with_context(|| format!("{}: cannot write", out.display()))?;
            }
            Ok(())
        }
        Command::Device { device } => {
            let d = device::select(device).map_err(anyhow::Error::msg)?;
            println!("{}\n{}", d.label(), d.reason);
            Ok(())
        }
    }
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(100));
    pb
}

fn gen_sample(customers: usize, seed: u64, out: &Path) -> Result<()> {
    if customers == 0 {
        bail!("--customers must be at least 1");
    }
    let pb = spinner(&format!("generating {customers} customers (seed {seed})"));
    let data = sample::generate(sample::SampleConfig { customers, seed });
    pb.set_message(format!("writing {}", out.display()));
    data.write(out)
        .with_context(|| format!("{}: cannot write the sample data", out.display()))?;
    pb.finish_and_clear();
    println!("wrote {} ({})", out.display(), sample::FILES.join(", "));
    Ok(())
}

fn load_with_progress(paths: &[PathBuf], mapping: &Mapping) -> Result<Vec<data::Table>> {
    let (files, skipped): (Vec<PathBuf>, Vec<PathBuf>) = data::load::expand_paths(paths)?
        .into_iter()
        .partition(|f| data::load::is_data_file(f));
    for f in &skipped {
        eprintln!("note: skipping {} (not a CSV or Parquet file)", f.display());
    }
    if files.is_empty() {
        bail!("no CSV or Parquet files among the given paths");
    }
    let pb = ProgressBar::new(files.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").expect("valid template"),
    );
    let mut tables = Vec::new();
    for f in &files {
        pb.set_message(f.display().to_string());
        tables.push(data::load_table(f, mapping)?);
        pb.inc(1);
    }
    pb.finish_and_clear();
    Ok(tables)
}

fn inspect(
    files: &[PathBuf],
    mapping: Option<&Path>,
    json: bool,
    choices: CleaningChoices,
    write_clean: Option<&Path>,
) -> Result<()> {
    let mapping = match mapping {
        Some(m) => data::load::read_mapping(m)?,
        None => Mapping::default(),
    };
    let mut tables = load_with_progress(files, &mapping)?;
    let now = data::now_utc();
    let report = if choices == CleaningChoices::default() {
        validate::validate(&tables, now)
    } else {
        validate::clean(&mut tables, choices, now)
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    if let Some(dir) = write_clean {
        for t in &tables {
            let out = dir.join(t.file_name()).with_extension("csv");
            if files.iter().any(|f| same_file(f, &out)) || same_file(&t.source, &out) {
                bail!(
                    "{}: refusing to overwrite an input file; choose another --write-clean folder",
                    out.display()
                );
            }
            promolab::util::write_atomic(&out, data::table::to_csv(t).as_bytes())
                .with_context(|| format!("{}: cannot write", out.display()))?;
            eprintln!("wrote {}", out.display());
        }
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn profile(paths: &[PathBuf], out: &Path) -> Result<()> {
    let tables = load_with_progress(paths, &Mapping::default())?;
    let profiles = features::profiles_for(&tables).map_err(anyhow::Error::msg)?;
    let mut csv = String::from("customer_id");
    for n in &profiles.names {
        csv.push(',');
        csv.push_str(&data::table::csv_field(n));
    }
    csv.push('\n');
    for i in 0..profiles.n_rows() {
        csv.push_str(&data::table::csv_field(&profiles.customer_ids[i]));
        for c in &profiles.columns {
            csv.push_str(&format!(",{}", c[i]));
        }
        csv.push('\n');
    }
    promolab::util::write_atomic(out, csv.as_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "wrote {} ({} customers x {} features)",
        out.display(),
        profiles.n_rows(),
        profiles.names.len()
    );
    Ok(())
}

fn train(
    data: &[PathBuf],
    kind: ModelKind,
    choice: DeviceChoice,
    cfg: &TrainConfig,
    spec_args: &SpecArgs,
    out: &Path,
    json: bool,
) -> Result<()> {
    if cfg.epochs == 0 || cfg.batch_size == 0 {
        bail!("--epochs and --batch-size must be at least 1");
    }
    let spec = spec_args.spec()?;
    let truth = find_truth(spec_args.truth.as_deref(), data)?;
    let tables = load_with_progress(data, &Mapping::default())?;
    let ds = pipeline::build_dataset(&tables, &spec).map_err(anyhow::Error::msg)?;
    let job = device::Workload {
        rows: ds.n(),
        batch_size: cfg.batch_size,
    };
    let device = device::select_for(choice, job).map_err(anyhow::Error::msg)?;
    eprintln!("device: {} ({})", device.label(), device.reason);
    eprintln!(
        "training {} on {} rows x {} features, arms: {}",
        kind.label(),
        ds.n(),
        ds.d(),
        ds.arm_names.join(", ")
    );
    let pb = ProgressBar::new(cfg.epochs as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} epoch {pos}/{len} {msg} [{elapsed}, eta {eta}]")
            .expect("valid template"),
    );
    if device.is_gpu() {
        // The first batch waits for the kernels to compile (cached on disk afterwards).
        pb.set_message(
            "compiling the GPU's kernels (the first run on this computer can take a minute; later runs reuse them)",
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(250));
    }
    let on_event = |e: TrainEvent| match e {
        TrainEvent::Epoch { stats, .. } => {
            pb.set_position(stats.epoch as u64);
            pb.set_message(format!(
                "train loss {:.4}, validation log loss {:.4}",
                stats.train_loss, stats.valid_log_loss
            ));
        }
        TrainEvent::Batch {
            batch,
            batches,
            loss,
            ..
        } => {
            if batch % 20 == 0 || batch == batches {
                pb.set_message(format!("batch {batch}/{batches} loss {loss:.4}"));
            }
        }
    };
    let cancel = AtomicBool::new(false);
    let req = pipeline::TrainRequest {
        kind,
        spec: &spec,
        cfg,
        truth: truth.as_ref(),
    };
    let (model, meta) = pipeline::train_and_evaluate(&req, &ds, &device, &on_event, &cancel)?;
    pb.finish_and_clear();
    store::save(&model, &meta, out)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&meta.test_metrics)?);
    } else {
        let epochs: Vec<String> = meta
            .nets
            .iter()
            .map(|n| format!("{} epochs ({:?})", n.history.len(), n.stop))
            .collect();
        println!(
            "trained {} in {:.1} s on {}: {}",
            kind.label(),
            meta.train_seconds,
            meta.device,
            epochs.join(", ")
        );
        if let Some(m) = &meta.test_metrics {
            print!(
                "test split (30%, stratified by arm x outcome, seed {}):\n{}",
                cfg.seed,
                m.to_text()
            );
        }
        println!("saved to {}", out.display());
    }
    Ok(())
}

fn evaluate(saved: &SavedModelArgs, truth: Option<&Path>, json: bool) -> Result<()> {
    let truth = find_truth(truth, &saved.data)?;
    let Opened {
        device,
        model,
        meta,
        ds,
    } = saved.open()?;
    let (rows, what) = pipeline::evaluation_rows(&ds, &meta);
    let evaluation = pipeline::evaluate_model(&model, &ds.subset(&rows), truth.as_ref(), &device)
        .map_err(|e| anyhow::anyhow!("{}: {e}", saved.model.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        println!(
            "{} from {} on {}, evaluated on {what}:\n{}",
            meta.kind.label(),
            saved.model.display(),
            device.label(),
            evaluation.to_text()
        );
    }
    Ok(())
}

fn measure(plan: &Path, results: &Path, salt: Option<&str>, margin: f64, json: bool) -> Result<()> {
    use promolab::plan::measure;
    let groups = measure::read_groups(plan).map_err(anyhow::Error::msg)?;
    let table = data::load_table(results, &Mapping::default())?;
    let outcomes = measure::results_of(&table, salt).map_err(anyhow::Error::msg)?;
    let m = measure::measure(&groups, &outcomes, margin);
    if json {
        println!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        println!(
            "{} measured with {} ({} customers sent an offer, {} held back):",
            plan.display(),
            results.display(),
            groups.sent.len(),
            groups.held_back.len()
        );
        for line in m.lines() {
            println!("  {line}");
        }
    }
    Ok(())
}

fn score(saved: &SavedModelArgs, out: &Path) -> Result<()> {
    let o = saved.open()?;
    let (ds, meta) = (&o.ds, &o.meta);
    let columns = pipeline::response_columns(&o.model, ds, &o.device)
        .map_err(|e| anyhow::anyhow!("{}: {e}", saved.model.display()))?;
    promolab::util::write_atomic(out, columns.to_csv().as_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "wrote {} ({} customers, {} arms, {})",
        out.display(),
        ds.n(),
        columns.arm_names.len(),
        meta.kind.label()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_paths_open_the_app_and_subcommands_still_parse() {
        let cli = Cli::try_parse_from(["promolab", "sales.csv", "shop"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(
            cli.files,
            vec![PathBuf::from("sales.csv"), PathBuf::from("shop")]
        );
        let cli = Cli::try_parse_from(["promolab", "inspect", "sales.csv"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Inspect { .. })));
        assert!(cli.files.is_empty());
        let cli = Cli::try_parse_from(["promolab"]).unwrap();
        assert!(cli.command.is_none() && cli.files.is_empty());
    }
}
