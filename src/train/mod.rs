//! The training loops: the GAN's alternating updates and the classifier's, each advancing a
//! chunk of steps at a time and reporting what happened as events.

mod classifier;
mod events;
mod gan;

pub use classifier::{ClassifierTrainConfig, ClassifierTrainer, accuracy};
pub use events::{ClassifierEvent, EpochSummary, StepStats, TrainEvent};
pub use gan::{FINAL_IMAGES, GRID_SAMPLES, GanCheckpoint, GanTrainer, JUDGE_SAMPLE};

use crate::config::ConfigError;
use burn::prelude::*;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// Why training stopped early.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// A setting is impossible.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A loss became infinite or not a number; the weights were rolled back.
    #[error(
        "training diverged at epoch {epoch}, step {step}: {what} became {value}; {} (try a smaller learning rate)", kept_weights(*.kept_epoch)
    )]
    NonFinite {
        /// Epoch of the bad step.
        epoch: usize,
        /// Step within that epoch.
        step: usize,
        /// Which figure went bad.
        what: &'static str,
        /// Its value.
        value: f32,
        /// The epoch whose weights are kept (0: the initial weights).
        kept_epoch: usize,
    },
    /// A checkpoint could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// Something was asked of a run that only a finished run can give.
    #[error("the run has no final images yet: train to the end (or stop it) first")]
    Unfinished,
    /// The device failed to return results (for example a GPU that was lost).
    #[error("the compute device failed while reading results: {0}")]
    Device(String),
}

fn kept_weights(epoch: usize) -> String {
    match epoch {
        0 => "the initial weights were kept".to_string(),
        epoch => format!("the weights from the end of epoch {epoch} were kept"),
    }
}

/// Reads a tensor's values back to the host. Asynchronous, because a WebGPU read in the
/// browser can only be awaited; on the CPU backends it completes at once.
pub async fn read_floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, TrainError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|error| TrainError::Device(format!("{error:?}")))?;
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|error| TrainError::Device(format!("{error:?}")))
}

/// A `[count, noise_dim]` batch of standard normal noise drawn from `rng`. The noise comes from
/// the host so that the same seed gives the same noise on every backend.
pub fn noise_tensor(
    rng: &mut StdRng,
    count: usize,
    noise_dim: usize,
    device: &Device,
) -> Tensor<2> {
    let values: Vec<f32> = (0..count * noise_dim)
        .map(|_| StandardNormal.sample(rng))
        .collect();
    Tensor::from_data(TensorData::new(values, [count, noise_dim]), device)
}
