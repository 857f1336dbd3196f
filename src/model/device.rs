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

/// cubecl's autotune level for this process: "minimal" unless the user chose one (the
/// `CUBECL_AUTOTUNE_LEVEL` variable, or a level other than cubecl's default in a `cubecl.toml`).
/// Measured on an H100 (docs/benchmarks.md): the first epoch on a machine that never ran
/// promolab took 78 s at cubecl's default level and 26 s at "minimal", and the warm epochs were
/// no slower.
fn configure_autotune() {
    use cubecl_runtime::config::{CubeClRuntimeConfig, RuntimeConfig, autotune::AutotuneLevel};
    if std::env::var_os("CUBECL_AUTOTUNE_LEVEL").is_some() {
        return;
    }
    let mut config = CubeClRuntimeConfig::from_current_dir().override_from_env();
    if matches!(config.autotune.level, AutotuneLevel::Balanced) {
        config.autotune.level = AutotuneLevel::Minimal;
    }
    // Refused (and harmless) when cubecl has read its configuration already.
    let _ = CubeClRuntimeConfig::try_set(config);
}

/// The autotune level cubecl runs with ("minimal", "balanced", ...), for `promolab device`.
pub fn autotune_level() -> String {
    use cubecl_runtime::config::{CubeClRuntimeConfig, RuntimeConfig, autotune::AutotuneLevel};
    match CubeClRuntimeConfig::get().autotune.level {
        AutotuneLevel::Minimal => "minimal",
        AutotuneLevel::Balanced => "balanced",
        AutotuneLevel::Extensive => "extensive",
        AutotuneLevel::Full => "full",
    }
    .to_string()
}

fn init_wgpu(backend: wgpu::Backend) -> Result<(Device, Adapter), String> {
    configure_autotune();
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
            reason: format!("{} found: training on it through wgpu", adapter.kind),
        }),
        Err(e) if choice == DeviceChoice::Auto => {
            Ok(ComputeDevice::cpu(format!("{e}: training on the CPU")))
        }
        Err(e) => Err(e.clone()),
    }
}
