//! What the training loops report. The page and the CLI consume the same events.

use crate::config::DatasetName;
use crate::eval::Verdict;
use crate::image::GreyImage;
use serde::{Deserialize, Serialize};

/// The losses and discriminator outputs of one GAN training step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepStats {
    /// Epoch this step belongs to, from 1.
    pub epoch: usize,
    /// Step within the epoch, from 1.
    pub step: usize,
    /// Steps in one epoch.
    pub steps_per_epoch: usize,
    /// Steps done since the run began, this one included.
    pub global_step: usize,
    /// Discriminator loss: mean binary cross-entropy on the real and the fake batch.
    pub d_loss: f32,
    /// Generator loss: binary cross-entropy of the discriminator calling fakes real.
    pub g_loss: f32,
    /// Mean probability the discriminator gave the real images, D(x).
    pub d_real: f32,
    /// Mean probability the discriminator gave the fake images, D(G(z)).
    pub d_fake: f32,
}

/// Means of [`StepStats`] over one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Epochs in the run.
    pub epochs: usize,
    /// Mean discriminator loss.
    pub d_loss: f32,
    /// Mean generator loss.
    pub g_loss: f32,
    /// Mean D(x).
    pub d_real: f32,
    /// Mean D(G(z)).
    pub d_fake: f32,
}

/// Everything the GAN loop reports, in the order it happens.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrainEvent {
    /// One training step finished (reported in bunches, as losses are read back in bunches).
    Step(StepStats),
    /// One epoch finished.
    Epoch(EpochSummary),
    /// A 5x5 grid of samples from the fixed noise batch, kept at the save interval.
    Grid {
        /// The epoch after which it was drawn.
        epoch: usize,
        /// The grid as one grey-scale image.
        grid: GreyImage,
    },
    /// The final generated images, after the last epoch.
    FinalImages {
        /// 100 images of 28x28.
        images: Vec<GreyImage>,
    },
    /// The classifier's judgement of the generator.
    Verdict(Box<Verdict>),
}

/// Everything the classifier's training loop reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassifierEvent {
    /// Progress within the classifier's training.
    Progress {
        /// Which dataset it learns.
        dataset: DatasetName,
        /// Epoch, from 1.
        epoch: usize,
        /// Epochs planned.
        epochs: usize,
        /// Step within the epoch, from 1.
        step: usize,
        /// Steps in one epoch.
        steps_per_epoch: usize,
        /// Mean cross-entropy over the steps since the last report.
        loss: f32,
    },
    /// Training finished and the test set was scored.
    Done {
        /// Which dataset it learned.
        dataset: DatasetName,
        /// Fraction of the test set labelled correctly, 0..1.
        test_accuracy: f32,
    },
}
