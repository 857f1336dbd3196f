//! The compute device, chosen at run time: a wgpu adapter (Vulkan, Metal or DX12; never the
//! OpenGL fallback, which can hang) or burn's NdArray CPU backend. Records what was chosen and why.

use burn::tensor::Device;
use burn::tensor::wgpu::{WgpuBackend, wgpu};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    /// A hardware GPU if there is one, else the CPU.
    #[default]
    Auto,
    /// The wgpu adapter, software ones (lavapipe) included; an error if there is none.
    Gpu,
    /// burn's NdArray backend on the CPU.
    Cpu,
}

/// A wgpu adapter found on this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adapter {
    pub name: String,
    /// "discrete GPU", "integrated GPU", "virtual GPU", "software GPU" or "other".
    pub kind: String,
    pub api: String,
}

impl Adapter {
    pub fn is_hardware(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "discrete GPU" | "integrated GPU" | "virtual GPU"
        )
    }
}

/// The device models train on, and a sentence on why it was chosen.
#[derive(Debug, Clone)]
pub struct ComputeDevice {
    pub device: Device,
    pub adapter: Option<Adapter>,
    pub reason: String,
}

impl ComputeDevice {
    // NdArray is deprecated in favour of flex in burn 0.22, but it is the CPU backend this build
    // enables (see docs/benchmarks.md for its speed).
    #[allow(deprecated)]
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            device: Device::ndarray(),
            adapter: None,
            reason: reason.into(),
        }
    }

    /// A short label for status bars: "GPU: NVIDIA H100 (discrete GPU, Vulkan)" or "CPU (NdArray)".
    pub fn label(&self) -> String {
        match &self.adapter {
            Some(a) => format!("GPU: {} ({}, {})", a.name, a.kind, a.api),
            None => "CPU (NdArray)".to_string(),
        }
    }

    pub fn is_gpu(&self) -> bool {
        self.adapter.is_some()
    }
}

fn describe(info: &wgpu::AdapterInfo) -> Adapter {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete GPU",
        wgpu::DeviceType::IntegratedGpu => "integrated GPU",
        wgpu::DeviceType::VirtualGpu => "virtual GPU",
        wgpu::DeviceType::Cpu => "software GPU",
        wgpu::DeviceType::Other => "other",
    };
    Adapter {
        name: info.name.clone(),
        kind: kind.into(),
        api: format!("{:?}", info.backend),
    }
}

/// Lists the adapters of the native APIs (no OpenGL), best first.
pub fn list_adapters() -> Vec<(Adapter, wgpu::Backend)> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12;
    let instance = wgpu::Instance::new(desc);
    let adapters = pollster::block_on(instance.enumerate_adapters(desc_backends()));
    let mut out: Vec<(Adapter, wgpu::Backend)> = adapters
        .iter()
        .map(|a| {
            let info = a.get_info();
            (describe(&info), info.backend)
        })
        .collect();
    let rank = |a: &Adapter| match a.kind.as_str() {
        "discrete GPU" => 0,
        "integrated GPU" => 1,
        "virtual GPU" => 2,
        "software GPU" => 3,
        _ => 4,
    };
    out.sort_by_key(|(a, _)| rank(a));
    out
}

fn desc_backends() -> wgpu::Backends {
    wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12
}

fn init_wgpu(backend: wgpu::Backend) -> Result<(Device, Adapter), String> {
    let api = match backend {
        wgpu::Backend::Metal => WgpuBackend::Metal,
        wgpu::Backend::Dx12 => WgpuBackend::Dx12,
        _ => WgpuBackend::Vulkan,
    };
    let result =
        std::panic::catch_unwind(|| Device::wgpu_options().graphics_api(api).init_with_setup());
    match result {
        Ok(Ok((device, setup))) => Ok((device, describe(&setup.adapter.get_info()))),
        Ok(Err(e)) => Err(format!("the GPU could not be initialized: {e}")),
        Err(_) => Err("the GPU driver crashed while initializing".into()),
    }
}

/// The size of a training job (all its rows, before the split), for `select_for`.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    pub rows: usize,
    pub batch_size: usize,
}

/// Below these the CPU is at least as fast as a GPU. Measured on an NVIDIA H100 (release build,
/// kernels cached; docs/benchmarks.md): each batch costs about 7 ms whatever its size up to 4,096
/// rows (launching kernels, not computing), so the sample data's models (20,000-43,000 rows,
/// batches of 512-1,024) trained no faster than on 2 CPU cores, and their first run on a machine
/// waited 40-60 s for kernels to compile. With 1,000,000 rows in batches of 4,096 the H100 took
/// 1.9 s an epoch against 5.4-5.8 s on the CPU.
const GPU_MIN_ROWS: usize = 200_000;
const GPU_MIN_BATCH: usize = 2_048;

/// Why `Auto` trains this job on the CPU although a hardware GPU is there, or None when the job
/// is big enough for the GPU.
pub fn small_for_gpu(w: Workload) -> Option<String> {
    (w.rows < GPU_MIN_ROWS || w.batch_size < GPU_MIN_BATCH).then(|| {
        format!(
            "{} rows in batches of {} train as fast on the CPU; a GPU pays off from about {} rows in batches of {}, and its first run compiles kernels for up to a minute",
            w.rows, w.batch_size, GPU_MIN_ROWS, GPU_MIN_BATCH
        )
    })
}

/// Chooses the device for a training job: like `select`, except that `Auto` keeps a small job
/// on the CPU even when a hardware GPU is there (and says so). `Gpu` and `Cpu` are obeyed.
pub fn select_for(choice: DeviceChoice, job: Workload) -> Result<ComputeDevice, String> {
    cpu_unless_worth_it(choice, small_for_gpu(job), "Training")
}

/// Below this many customers `Auto` scores on the CPU although a hardware GPU is there: two CPU
/// cores score about 600,000 rows a second (docs/benchmarks.md), so 5,000,000 take some 8 s,
/// while a GPU's first use on a machine compiles kernels for up to a minute and a warm one saves
/// about a second per million rows.
const GPU_MIN_SCORING_ROWS: usize = 5_000_000;

/// Why `Auto` scores `rows` customers on the CPU although a hardware GPU is there, or None.
pub fn small_for_gpu_scoring(rows: usize) -> Option<String> {
    (rows < GPU_MIN_SCORING_ROWS).then(|| {
        format!(
            "{rows} customers score in seconds on the CPU; a GPU pays off from about {GPU_MIN_SCORING_ROWS}, and its first use compiles kernels for up to a minute"
        )
    })
}

/// Chooses the device for scoring `rows` customers with a trained model (evaluating, simulating,
/// planning): like `select_for`, with the scoring threshold.
pub fn select_for_scoring(choice: DeviceChoice, rows: usize) -> Result<ComputeDevice, String> {
    cpu_unless_worth_it(choice, small_for_gpu_scoring(rows), "Scoring")
}

/// `Auto` with a reason to stay on the CPU (`why`) and a hardware GPU present: the CPU, saying
/// why and how to use the GPU anyway. Otherwise `select`.
fn cpu_unless_worth_it(
    choice: DeviceChoice,
    why: Option<String>,
    doing: &str,
) -> Result<ComputeDevice, String> {
    if choice == DeviceChoice::Auto
        && let Some(why) = why
        && let Some((gpu, _)) = list_adapters().into_iter().find(|(a, _)| a.is_hardware())
    {
        return Ok(ComputeDevice::cpu(format!(
            "{why}. {doing} on the CPU; --device gpu (the GPU setting in the app) uses the {} ({}).",
            gpu.name, gpu.kind
        )));
    }
    select(choice)
}

static GPU: OnceLock<Result<(Device, Adapter), String>> = OnceLock::new();

/// Chooses the device. The wgpu runtime is initialized at most once per process.
pub fn select(choice: DeviceChoice) -> Result<ComputeDevice, String> {
    if choice == DeviceChoice::Cpu {
        return Ok(ComputeDevice::cpu("CPU requested"));
    }
    let adapters = list_adapters();
    let Some((best, backend)) = adapters.first().cloned() else {
        let why = "no GPU adapter found (no Vulkan, Metal or DirectX 12 driver)";
        return match choice {
            DeviceChoice::Gpu => Err(format!(
                "{why}; install a GPU driver (on Linux: mesa-vulkan-drivers) or use --device cpu"
            )),
            _ => Ok(ComputeDevice::cpu(format!("{why}: training on the CPU"))),
        };
    };
    if choice == DeviceChoice::Auto && !best.is_hardware() {
        return Ok(ComputeDevice::cpu(format!(
            "only a software GPU ({}) was found, which is slower than the CPU backend: training on the CPU",
            best.name
        )));
    }
    match GPU.get_or_init(|| init_wgpu(backend)) {
        Ok((device, adapter)) => Ok(ComputeDevice {
            device: device.clone(),
            adapter: Some(adapter.clone()),
            reason: if choice == DeviceChoice::Auto {
                format!(
                    "{} found: training jobs of {GPU_MIN_ROWS} rows or more (in batches of {GPU_MIN_BATCH} or more) run on it through wgpu, smaller ones on the CPU",
                    adapter.kind
                )
            } else {
                format!("{} found: training on it through wgpu", adapter.kind)
            },
        }),
        Err(e) if choice == DeviceChoice::Auto => {
            Ok(ComputeDevice::cpu(format!("{e}: training on the CPU")))
        }
        Err(e) => Err(e.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Auto` keeps small jobs (few rows, or small batches) on the CPU and gives big ones to a GPU.
    #[test]
    fn small_jobs_stay_on_the_cpu() {
        let job = |rows, batch_size| small_for_gpu(Workload { rows, batch_size });
        // The sample's planning model: 20,000 customers in batches of 512.
        let why = job(20_000, 512).expect("small");
        assert!(why.starts_with("20000 rows in batches of 512"), "{why}");
        assert!(job(1_000_000, 1_024).is_some(), "small batches");
        assert!(job(150_000, 4_096).is_some(), "few rows");
        assert!(job(200_000, 2_048).is_none());
        assert!(job(1_000_000, 4_096).is_none());
        // Scoring: the sample's 20,000 customers and a million stay on the CPU, not 5 million.
        assert!(small_for_gpu_scoring(20_000).is_some());
        assert!(small_for_gpu_scoring(1_000_000).is_some());
        assert!(small_for_gpu_scoring(5_000_000).is_none());
        // Obeyed whatever the size: the CPU when asked for.
        let cpu = select_for(
            DeviceChoice::Cpu,
            Workload {
                rows: 10,
                batch_size: 1,
            },
        )
        .unwrap();
        assert!(!cpu.is_gpu());
    }
}
