//! What a training step costs: its multiply-adds counted from the architecture, and a timer
//! that runs real steps on a device. The CLI's `bench` and the page's benchmark use both, so
//! native and browser figures are measured the same way.

use crate::config::TrainConfig;
use crate::data::Split;
use crate::data::idx::IMAGE_PIXELS;
use crate::model::{DiscriminatorConfig, GeneratorConfig};
use crate::train::{GanTrainer, TrainError};
use burn::tensor::Device;
use serde::Serialize;

/// Multiply-adds of one GAN training step, by phase, counting the dense layers only (the
/// activations, losses and Adam updates are a few per weight or activation, under 1% here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StepCost {
    /// Images per batch.
    pub batch_size: usize,
    /// Discriminator update: the generator's forward pass for the fakes, the discriminator's
    /// forward and backward pass on the real and the fake batch.
    pub discriminator_update: u64,
    /// Generator update: forward through both networks, backward through both.
    pub generator_update: u64,
}

impl StepCost {
    /// Counts the step of `config`'s batch size with the default architecture.
    pub fn of(config: &TrainConfig) -> Self {
        let generator = layer_widths(
            config.noise_dim,
            &GeneratorConfig::new().hidden,
            IMAGE_PIXELS,
        );
        let discriminator = layer_widths(IMAGE_PIXELS, &DiscriminatorConfig::new().hidden, 1);
        let g = forward_macs(&generator);
        let d = forward_macs(&discriminator);
        // A dense layer's backward pass costs two forward passes (gradients of the weights
        // and of the inputs), except that the first layer needs no input gradient.
        let g_backward = 2 * g - first_layer_macs(&generator);
        let d_backward_weights_only = 2 * d - first_layer_macs(&discriminator);
        let d_backward_full = 2 * d;
        let batch = config.batch_size as u64;
        Self {
            batch_size: config.batch_size,
            discriminator_update: batch * (g + 2 * d + 2 * d_backward_weights_only),
            generator_update: batch * (g + d + d_backward_full + g_backward),
        }
    }

    /// All multiply-adds of the step.
    pub fn macs(&self) -> u64 {
        self.discriminator_update + self.generator_update
    }

    /// Floating-point operations of the step (a multiply-add is two).
    pub fn flops(&self) -> u64 {
        2 * self.macs()
    }

    /// Achieved GFLOP/s for a step that took `ms` milliseconds.
    pub fn gflops_at(&self, ms: f64) -> f64 {
        self.flops() as f64 / (ms * 1e6)
    }
}

fn layer_widths(input: usize, hidden: &[usize], output: usize) -> Vec<u64> {
    std::iter::once(input)
        .chain(hidden.iter().copied())
        .chain(std::iter::once(output))
        .map(|width| width as u64)
        .collect()
}

fn forward_macs(widths: &[u64]) -> u64 {
    widths.windows(2).map(|pair| pair[0] * pair[1]).sum()
}

fn first_layer_macs(widths: &[u64]) -> u64 {
    widths[0] * widths[1]
}

/// Times `steps` GAN training steps (after `warmup` untimed ones) of `config` on `device`, on
/// made-up images, reading the losses back after every step so each time covers the whole
/// step. `now` is a clock in milliseconds (`Instant` natively, `performance.now()` in a
/// browser). Returns each step's milliseconds.
pub async fn time_gan_steps(
    config: &TrainConfig,
    device: &Device,
    warmup: usize,
    steps: usize,
    now: impl Fn() -> f64,
) -> Result<Vec<f64>, TrainError> {
    let examples = config.batch_size * 4;
    let data = Split {
        pixels: (0..examples * IMAGE_PIXELS)
            .map(|index| (index * 37 % 251) as u8)
            .collect(),
        labels: (0..examples).map(|index| (index % 10) as u8).collect(),
    };
    let config = TrainConfig {
        // Four steps an epoch: enough epochs for every step asked for, and one to spare.
        epochs: (warmup + steps) / 4 + 2,
        save_interval: usize::MAX,
        train_limit: None,
        ..config.clone()
    };
    let mut trainer = GanTrainer::new(config, &data, device)?;
    for _ in 0..warmup {
        trainer.advance(1, &mut |_| {}).await?;
    }
    let mut times = Vec::with_capacity(steps);
    for _ in 0..steps {
        let started = now();
        trainer.advance(1, &mut |_| {}).await?;
        times.push(now() - started);
    }
    Ok(times)
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}
