//! How much of the oracle plan's profit is within reach, and where a model loses it (docs/models.md).
//!
//! `cargo run --example planning_ceiling -- MODEL_DIR` scores the optimizer's plan at a 20,000
//! budget on the sample data with the generator's ground truth for: the model; the truth with
//! per-segment means substituted step by step; the model with one true part substituted; and the
//! true segment parameters weighted by a supervised classifier of the hidden segment (the best a
//! model of these features could know). Each line prints (model's expected profit, true profit).
#![allow(clippy::needless_range_loop)] // index arithmetic over parallel columns reads clearer here

use promolab::data::{Mapping, load_paths, sample};
use promolab::model::device::{self, DeviceChoice};
use promolab::sim::optimize::{Problem, plan_figures, read_offers, solve};
use promolab::sim::{build, truth};
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let tables = load_paths(std::slice::from_ref(&dir), &Mapping::default()).unwrap();
    let dev = device::select(DeviceChoice::Cpu).unwrap();
    let mdir = std::env::args().nth(1).unwrap();
    let (model, meta) = promolab::model::store::load(Path::new(&mdir), &dev.device).unwrap();
    let t = build::from_model(&tables, &model, &meta, &dev).unwrap();
    let offers = read_offers(&dir.join("offers.json")).unwrap();
    let gt = sample::read_truth(&dir.join("ground_truth.json")).unwrap();
    let oracle = truth::oracle_table(&t, &gt).unwrap();
    let seg: Vec<usize> = t
        .ids
        .iter()
        .map(|id| {
            gt.customers
                .iter()
                .find(|c| &c.customer_id == id)
                .unwrap()
                .segment
        })
        .collect();
    let avg_by_seg = |v: &[f32]| -> Vec<f32> {
        let mut s = [0.0f64; 5];
        let mut n = [0.0f64; 5];
        for (i, x) in v.iter().enumerate() {
            s[seg[i]] += *x as f64;
            n[seg[i]] += 1.0;
        }
        (0..v.len())
            .map(|i| (s[seg[i]] / n[seg[i]]) as f32)
            .collect()
    };
    let budget = 20_000.0;
    let true_profit = |tab: &promolab::sim::response::ResponseTable| {
        let sol = solve(&Problem::build(tab, &offers), budget);
        let est = plan_figures(tab, &offers, &sol.choice).1.incremental_profit;
        let tru = plan_figures(&oracle, &offers, &sol.choice)
            .1
            .incremental_profit;
        (est, tru)
    };
    println!("oracle {:?}", true_profit(&oracle));
    println!("model {:?}", true_profit(&t));
    let mut b = oracle.clone();
    for l in 0..4 {
        b.mean.sensitivity[l] = avg_by_seg(&oracle.mean.sensitivity[l]);
    }
    println!("true base, seg-mean sensitivity {:?}", true_profit(&b));
    b.basket_eur = avg_by_seg(&oracle.basket_eur);
    println!("+ seg-mean basket {:?}", true_profit(&b));
    b.mean.base_logit = avg_by_seg(&oracle.mean.base_logit);
    println!("+ seg-mean base {:?}", true_profit(&b));
    for (name, v) in &t.features {
        let mut line = format!("{name:>22}");
        for s in 0..5 {
            let idx: Vec<usize> = (0..t.len()).filter(|&i| seg[i] == s).collect();
            let m = idx
                .iter()
                .map(|&i| v[i] as f64)
                .filter(|x| x.is_finite())
                .sum::<f64>()
                / idx.len() as f64;
            let sd = (idx
                .iter()
                .map(|&i| (v[i] as f64 - m).powi(2))
                .filter(|x| x.is_finite())
                .sum::<f64>()
                / idx.len() as f64)
                .sqrt();
            line += &format!("  {m:8.2}±{sd:<7.2}");
        }
        println!("{line}");
    }
    // Supervised ceiling: multinomial logistic regression of the true segment on the features,
    // then each customer gets the posterior-weighted true segment parameters.
    let n = t.len();
    let cols: Vec<Vec<f32>> = t
        .features
        .iter()
        .map(|(name, v)| {
            let v: Vec<f32> = v
                .iter()
                .map(|x| if x.is_finite() { *x } else { 0.0 })
                .collect();
            let v: Vec<f32> = if [
                "recency_days",
                "frequency_365d",
                "monetary_365d",
                "avg_basket",
                "orders_30d",
                "orders_90d",
                "views_30d",
                "cart_days_30d",
            ]
            .contains(&name.as_str())
            {
                v.iter().map(|x| x.max(0.0).ln_1p()).collect()
            } else {
                v
            };
            let m = v.iter().sum::<f32>() / n as f32;
            let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f32>() / n as f32)
                .sqrt()
                .max(1e-6);
            v.iter().map(|x| (x - m) / sd).collect()
        })
        .collect();
    let d = cols.len();
    let mut w = vec![vec![0.0f32; d + 1]; 5];
    let mut post = vec![[0.0f32; 5]; n];
    for it in 0..300 {
        let mut g = vec![vec![0.0f32; d + 1]; 5];
        let mut acc = 0;
        for i in 0..n {
            let mut z = [0.0f32; 5];
            for k in 0..5 {
                z[k] = w[k][d] + (0..d).map(|j| w[k][j] * cols[j][i]).sum::<f32>();
            }
            let m = z.iter().cloned().fold(f32::MIN, f32::max);
            let e: Vec<f32> = z.iter().map(|v| (v - m).exp()).collect();
            let s: f32 = e.iter().sum();
            for k in 0..5 {
                let p = e[k] / s;
                post[i][k] = p;
                let r = p - if seg[i] == k { 1.0 } else { 0.0 };
                for j in 0..d {
                    g[k][j] += r * cols[j][i];
                }
                g[k][d] += r;
            }
            let best = (0..5)
                .max_by(|&a, &b| post[i][a].total_cmp(&post[i][b]))
                .unwrap();
            if best == seg[i] {
                acc += 1;
            }
        }
        for k in 0..5 {
            for j in 0..=d {
                w[k][j] -= 1.0 * g[k][j] / n as f32;
            }
        }
        if it % 100 == 99 {
            println!("iter {it} accuracy {:.3}", acc as f32 / n as f32);
        }
    }
    // A stronger classifier for the same ceiling: a two-layer MLP trained on 70% of the
    // customers, its accuracy measured on the other 30% (`CEILING_MLP=1` plans on its posterior).
    let (mlp_post, mlp_acc) = mlp_posterior(&cols, &seg, &dev.device);
    println!("MLP classifier of the hidden segment: held-out accuracy {mlp_acc:.3}");
    if std::env::var("CEILING_MLP").is_ok() {
        post = mlp_post;
    }
    let seg_mean = |v: &[f32]| -> [f32; 5] {
        let mut s = [0.0f64; 5];
        let mut c = [0.0f64; 5];
        for i in 0..n {
            s[seg[i]] += v[i] as f64;
            c[seg[i]] += 1.0;
        }
        std::array::from_fn(|k| (s[k] / c[k]) as f32)
    };
    let mut b = oracle.clone();
    let bm = seg_mean(&oracle.mean.base_logit);
    let cm = seg_mean(&oracle.mean.contact);
    let km = seg_mean(&oracle.basket_eur);
    let sm: Vec<[f32; 5]> = (0..4)
        .map(|l| seg_mean(&oracle.mean.sensitivity[l]))
        .collect();
    for i in 0..n {
        let pw = |m: &[f32; 5]| (0..5).map(|k| post[i][k] * m[k]).sum::<f32>();
        b.mean.base_logit[i] = pw(&bm);
        b.mean.contact[i] = pw(&cm);
        b.basket_eur[i] = pw(&km);
        for l in 0..4 {
            b.mean.sensitivity[l][i] = pw(&sm[l]);
        }
    }
    println!(
        "supervised posterior-weighted segment params {:?}",
        true_profit(&b)
    );
    let mut h = b.clone();
    for i in 0..n {
        let k = (0..5)
            .max_by(|&a, &c| post[i][a].total_cmp(&post[i][c]))
            .unwrap();
        h.mean.base_logit[i] = bm[k];
        h.mean.contact[i] = cm[k];
        h.basket_eur[i] = km[k];
        for l in 0..4 {
            h.mean.sensitivity[l][i] = sm[l][k];
        }
    }
    // The Bayes predictor from these features: the five true segments as latent classes,
    // weighted by the classifier's posterior.
    let mut bayes = b.clone();
    let classes: Vec<promolab::sim::Class> = (0..5)
        .map(|k| promolab::sim::Class {
            weight: (0..n).map(|i| post[i][k]).collect(),
            base: vec![bm[k]; n],
            contact: cm[k],
            sensitivity: std::array::from_fn(|l| sm[l][k]),
        })
        .collect();
    bayes.mean.classes = promolab::sim::Classes::new(&classes);
    println!(
        "true segments as classes, classifier posterior weights {:?}",
        true_profit(&bayes)
    );
    // The elasticity ceiling: each customer's price elasticity of conversion at list price
    // (-sensitivity x (1 - p0)) as the posterior-weighted mix of the true segments' own, averaged
    // over each true segment, against the truth's average (what `evaluate` reports for a model).
    let sig = |x: f32| 1.0 / (1.0 + (-x).exp());
    let class_e: Vec<f32> = (0..5).map(|k| -sm[1][k] * (1.0 - sig(bm[k]))).collect();
    for s in 0..5 {
        let idx: Vec<usize> = (0..n).filter(|&i| seg[i] == s).collect();
        let m = idx.len() as f32;
        let truth_e = idx
            .iter()
            .map(|&i| -oracle.mean.sensitivity[1][i] * (1.0 - sig(oracle.mean.base_logit[i])))
            .sum::<f32>()
            / m;
        let est = idx
            .iter()
            .map(|&i| (0..5).map(|k| post[i][k] * class_e[k]).sum::<f32>())
            .sum::<f32>()
            / m;
        println!(
            "elasticity ceiling, segment {s}: true {truth_e:+.2}, posterior-weighted {est:+.2} ({:.0}% off), mean posterior on own segment {:.2}",
            100.0 * ((est - truth_e) / truth_e).abs(),
            idx.iter().map(|&i| post[i][s]).sum::<f32>() / m
        );
    }
    // per segment means: model vs truth
    for s in 0..5 {
        let idx: Vec<usize> = (0..t.len()).filter(|&i| seg[i] == s).collect();
        let mean = |v: &[f32]| idx.iter().map(|&i| v[i] as f64).sum::<f64>() / idx.len() as f64;
        println!(
            "seg {s}: base {:.2}/{:.2} contact {:.2}/{:.2} pct {:.2}/{:.2} coupon {:.2}/{:.2} basket {:.1}/{:.1}",
            mean(&t.mean.base_logit),
            mean(&oracle.mean.base_logit),
            mean(&t.mean.contact),
            mean(&oracle.mean.contact),
            mean(&t.mean.sensitivity[1]),
            mean(&oracle.mean.sensitivity[1]),
            mean(&t.mean.sensitivity[0]),
            mean(&oracle.mean.sensitivity[0]),
            mean(&t.basket_eur),
            mean(&oracle.basket_eur)
        );
    }
}

#[derive(burn::module::Module, Debug)]
struct Mlp {
    l1: burn::nn::Linear,
    l2: burn::nn::Linear,
    out: burn::nn::Linear,
}

/// Posterior of the hidden segment for every customer from an MLP trained on the customers whose
/// row number is not 3, 6 or 9 mod 10, and its accuracy on those held out.
fn mlp_posterior(
    cols: &[Vec<f32>],
    seg: &[usize],
    device: &burn::tensor::Device,
) -> (Vec<[f32; 5]>, f32) {
    use burn::nn::LinearConfig;
    use burn::optim::{AdamConfig, GradientsParams};
    use burn::tensor::activation::{log_softmax, relu, softmax};
    use burn::tensor::{Tensor, TensorData};
    let (n, d) = (seg.len(), cols.len());
    let held = |i: usize| matches!(i % 10, 3 | 6 | 9);
    let train: Vec<usize> = (0..n).filter(|&i| !held(i)).collect();
    let matrix = |rows: &[usize]| {
        let x: Vec<f32> = rows
            .iter()
            .flat_map(|&i| cols.iter().map(move |c| c[i]))
            .collect();
        TensorData::new(x, [rows.len(), d])
    };
    let ad = device.clone().autodiff();
    device.seed(11);
    let mut net = Mlp {
        l1: LinearConfig::new(d, 64).init(&ad),
        l2: LinearConfig::new(64, 64).init(&ad),
        out: LinearConfig::new(64, 5).init(&ad),
    };
    let forward = |m: &Mlp, x: Tensor<2>| m.out.forward(relu(m.l2.forward(relu(m.l1.forward(x)))));
    let x = Tensor::<2>::from_data(matrix(&train), &ad);
    let onehot: Vec<f32> = train
        .iter()
        .flat_map(|&i| (0..5).map(move |k| f32::from(seg[i] == k)))
        .collect();
    let y = Tensor::<2>::from_data(TensorData::new(onehot, [train.len(), 5]), &ad);
    let mut optim = AdamConfig::new().init();
    for _ in 0..400 {
        let loss = (log_softmax(forward(&net, x.clone()), 1) * y.clone())
            .sum()
            .neg()
            / train.len() as f32;
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optim.step(0.005, net, grads);
    }
    let all: Vec<usize> = (0..n).collect();
    let p = softmax(forward(&net, Tensor::<2>::from_data(matrix(&all), &ad)), 1)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let post: Vec<[f32; 5]> = (0..n)
        .map(|i| std::array::from_fn(|k| p[i * 5 + k]))
        .collect();
    let (mut right, mut total) = (0, 0);
    for i in (0..n).filter(|&i| held(i)) {
        let best = (0..5)
            .max_by(|&a, &b| post[i][a].total_cmp(&post[i][b]))
            .unwrap();
        right += usize::from(best == seg[i]);
        total += 1;
    }
    (post, right as f32 / total as f32)
}
