//! The compute backends a run can use, chosen at run time.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A compute backend. Every backend is compiled in; which one runs is a run-time choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Burn's flex CPU backend (pure Rust, SIMD matrix products).
    Flex,
    /// Burn's ndarray CPU backend.
    Ndarray,
    /// The GPU through wgpu: Vulkan, Metal or DX12 natively, WebGPU in the browser.
    Wgpu,
}

impl Backend {
    /// The CPU backend used when the user asks for "cpu". Measured on one x86-64 core at
    /// batch 128: a GAN step takes about 92 ms on flex against 94 ms on ndarray natively, and
    /// 224 ms against 212 ms in Chromium (wasm SIMD), but a classifier step (convolutions)
    /// about 68 ms on flex against 1,240 ms on ndarray, so flex is the one that keeps the
    /// whole experiment practical.
    pub const DEFAULT_CPU: Backend = Backend::Flex;

    /// The name used on the command line and on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Ndarray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }

    /// Whether this backend runs on the CPU.
    pub fn is_cpu(self) -> bool {
        !matches!(self, Backend::Wgpu)
    }

    /// The device of a CPU backend. The GPU needs an initialisation that can fail (and is
    /// asynchronous in the browser), so the front ends set it up themselves.
    pub fn cpu_device(self) -> Option<Device> {
        match self {
            Backend::Flex => Some(Device::flex()),
            // Burn marks ndarray as superseded by flex; it stays selectable so that the two CPU
            // backends can be compared.
            #[allow(deprecated)]
            Backend::Ndarray => Some(Device::ndarray()),
            Backend::Wgpu => None,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A backend name that is not one of ours.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown backend '{0}': choose cpu, flex, ndarray or wgpu")]
pub struct UnknownBackend(pub String);

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "cpu" => Ok(Backend::DEFAULT_CPU),
            "flex" => Ok(Backend::Flex),
            "ndarray" => Ok(Backend::Ndarray),
            "wgpu" | "gpu" | "webgpu" => Ok(Backend::Wgpu),
            _ => Err(UnknownBackend(text.to_string())),
        }
    }
}
