//! Training the classifier that judges the generator: plain supervised learning with
//! cross-entropy and Adam, a chunk of steps at a time.

use super::{ClassifierEvent, TrainError, read_floats};
use crate::config::{ConfigError, DatasetName};
use crate::data::{BatchOrder, Split};
use crate::model::{Classifier, ClassifierConfig};
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

/// Settings of the classifier's training.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierTrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Seeds the weights and the shuffling.
    pub seed: u64,
    /// Steps between progress reports.
    pub report_every: usize,
}

impl Default for ClassifierTrainConfig {
    fn default() -> Self {
        Self {
            epochs: 4,
            batch_size: 128,
            learning_rate: 1e-3,
            seed: 7,
            report_every: 50,
        }
    }
}

/// A classifier being trained, one chunk of steps at a time.
pub struct ClassifierTrainer {
    config: ClassifierTrainConfig,
    dataset: DatasetName,
    device: Device,
    classifier: Classifier,
    optimizer: ModuleOptimizer,
    loss: CrossEntropyLoss,
    data: Split,
    order: BatchOrder,
    epoch: usize,
    step: usize,
    steps_per_epoch: usize,
    pending: Vec<Tensor<1>>,
}

impl ClassifierTrainer {
    /// Prepares training on `train`. `device` is a plain device; autodiff is turned on here.
    pub fn new(
        config: ClassifierTrainConfig,
        dataset: DatasetName,
        train: &Split,
        device: &Device,
    ) -> Result<Self, TrainError> {
        if config.epochs == 0 {
            return Err(ConfigError::Zero {
                field: "classifier epochs",
            }
            .into());
        }
        if config.batch_size == 0 {
            return Err(ConfigError::Zero {
                field: "classifier batch size",
            }
            .into());
        }
        if config.batch_size > train.len() {
            return Err(ConfigError::BatchTooLarge {
                batch_size: config.batch_size,
                examples: train.len(),
            }
            .into());
        }
        let device = device.clone().autodiff();
        device.seed(config.seed);
        Ok(Self {
            classifier: ClassifierConfig::new().init(&device),
            optimizer: AdamConfig::new().init(),
            loss: CrossEntropyLoss::new(None, &device),
            order: BatchOrder::new(train.len(), config.batch_size, config.seed),
            steps_per_epoch: train.len() / config.batch_size,
            data: train.clone(),
            epoch: 1,
            step: 0,
            pending: Vec::new(),
            dataset,
            device,
            config,
        })
    }

    /// Steps in the whole training.
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch * self.config.epochs
    }

    /// Whether all epochs are done.
    pub fn is_done(&self) -> bool {
        self.epoch > self.config.epochs
    }

    /// Runs up to `max_steps` steps, reporting progress to `sink`. Returns whether training
    /// is done.
    pub async fn advance(
        &mut self,
        max_steps: usize,
        sink: &mut impl FnMut(ClassifierEvent),
    ) -> Result<bool, TrainError> {
        for _ in 0..max_steps {
            if self.is_done() {
                break;
            }
            let batch = self
                .order
                .next_batch()
                .expect("an epoch ends before the order runs out")
                .to_vec();
            let images = self.data.images_tensor(&batch, &self.device);
            let labels = self.data.labels_tensor(&batch, &self.device);
            let loss = self.loss.forward(self.classifier.forward(images), labels);
            let gradients = GradientsParams::from_grads(loss.backward(), &self.classifier);
            self.classifier = self.optimizer.step(
                self.config.learning_rate,
                self.classifier.clone(),
                gradients,
            );
            self.pending.push(loss.detach());
            self.step += 1;

            let epoch_over = self.step == self.steps_per_epoch;
            if self.pending.len() >= self.config.report_every || epoch_over {
                self.report(sink).await?;
            }
            if epoch_over {
                self.epoch += 1;
                self.step = 0;
                self.order.reshuffle();
            }
        }
        Ok(self.is_done())
    }

    async fn report(&mut self, sink: &mut impl FnMut(ClassifierEvent)) -> Result<(), TrainError> {
        let losses = read_floats(Tensor::cat(std::mem::take(&mut self.pending), 0)).await?;
        let loss = losses.iter().sum::<f32>() / losses.len().max(1) as f32;
        if !loss.is_finite() {
            return Err(TrainError::NonFinite {
                epoch: self.epoch,
                step: self.step,
                what: "classifier loss",
                value: loss,
                kept_epoch: 0,
            });
        }
        sink(ClassifierEvent::Progress {
            dataset: self.dataset,
            epoch: self.epoch,
            epochs: self.config.epochs,
            step: self.step,
            steps_per_epoch: self.steps_per_epoch,
            loss,
        });
        Ok(())
    }

    /// The trained classifier, without autodiff.
    pub fn classifier(&self) -> Classifier {
        self.classifier.valid()
    }
}

/// Fraction of `split` that `classifier` labels correctly, 0..1.
pub async fn accuracy(
    classifier: &Classifier,
    split: &Split,
    device: &Device,
) -> Result<f32, TrainError> {
    let mut correct = 0usize;
    let indices: Vec<usize> = (0..split.len()).collect();
    for chunk in indices.chunks(500) {
        let predicted = classifier
            .forward(split.images_tensor(chunk, device))
            .argmax(1)
            .float();
        let predicted = read_floats(predicted).await?;
        correct += chunk
            .iter()
            .zip(predicted)
            .filter(|&(&index, label)| label as u8 == split.labels[index])
            .count();
    }
    Ok(correct as f32 / split.len().max(1) as f32)
}
