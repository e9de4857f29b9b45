//! The GAN's training loop: for every batch, one discriminator update on real and fake images,
//! then one generator update to fool the discriminator.

use super::{EpochSummary, StepStats, TrainError, TrainEvent, noise_tensor, read_floats};
use crate::config::TrainConfig;
use crate::data::{BatchOrder, Split};
use crate::eval::{Judge, Verdict};
use crate::image::{GreyImage, to_bytes};
use crate::model::{
    Discriminator, DiscriminatorConfig, Generator, GeneratorConfig, copy_weights, snapshot,
};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use burn::tensor::activation::{sigmoid, softplus};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Samples in the grid kept at every save interval (5x5).
pub const GRID_SAMPLES: usize = 25;
/// Final generated images.
pub const FINAL_IMAGES: usize = 100;
/// Images the judge generates for the score and the distance.
pub const JUDGE_SAMPLE: usize = 1000;
/// Steps whose losses wait on the device before they are read back together.
const MAX_PENDING: usize = 32;
/// Adam's first-moment decay, as in the DCGAN recipe the lab follows.
const ADAM_BETA1: f32 = 0.5;
/// The target the discriminator learns for real images: 0.9 rather than 1 ("one-sided label
/// smoothing"). With plain targets this all-Dense discriminator becomes certain within a few
/// epochs on MNIST (D(G(z)) near 0.007 by epoch 7), the generator's gradient fades, and it
/// collapses onto one stroke; a discriminator that may not be more than 90% sure keeps
/// teaching. Fakes keep the target 0, and the generator still aims at 1.
const REAL_TARGET: f32 = 0.9;

/// Separate seeds for the separate random streams, all derived from the run's seed.
const SHUFFLE_STREAM: u64 = 1;
const NOISE_STREAM: u64 = 2;
const GRID_STREAM: u64 = 3;
const FINAL_STREAM: u64 = 4;
const JUDGE_STREAM: u64 = 5;
/// Spreads the per-step seeds of Burn's generator apart (an odd 64-bit constant).
const STEP_SEED_STRIDE: u64 = 0x9E37_79B9_7F4A_7C15;

/// Where the loop stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Training,
    Judging,
    Finished,
    Failed,
}

/// Losses of a step still on the device: `[4]` = d_loss, g_loss, D(x), D(G(z)).
struct Pending {
    epoch: usize,
    step: usize,
    global_step: usize,
    figures: Tensor<1>,
}

/// Running sums of one epoch's step figures.
#[derive(Default)]
struct EpochSums {
    steps: usize,
    sums: [f64; 4],
}

/// A GAN run that advances a chunk of steps at a time. The browser awaits between chunks to
/// stay responsive; the CLI simply calls it until it finishes.
pub struct GanTrainer {
    config: TrainConfig,
    device: Device,
    generator: Generator,
    discriminator: Discriminator,
    generator_optimizer: ModuleOptimizer,
    discriminator_optimizer: ModuleOptimizer,
    data: Split,
    order: BatchOrder,
    noise_rng: StdRng,
    grid_noise: Tensor<2>,
    judge: Option<Judge>,
    phase: Phase,
    epoch: usize,
    step: usize,
    global_step: usize,
    steps_per_epoch: usize,
    pending: Vec<Pending>,
    sums: EpochSums,
    history: Vec<EpochSummary>,
    last_good: (Generator, Discriminator, usize),
    final_images: Option<Vec<u8>>,
}

impl GanTrainer {
    /// Prepares a run on `train` (the training split) after checking `config`. `device` is a
    /// plain device; the trainer turns on autodiff itself.
    pub fn new(config: TrainConfig, train: &Split, device: &Device) -> Result<Self, TrainError> {
        config.validate_for(train.len())?;
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let generator = generator_config(&config).init(&device);
        let discriminator = DiscriminatorConfig::new().init(&device);
        let adam = AdamConfig::new().with_beta_1(ADAM_BETA1);
        let data = train.head(config.examples_used(train.len()));
        let steps_per_epoch = config.steps_per_epoch(train.len());
        let mut grid_rng = StdRng::seed_from_u64(config.seed ^ GRID_STREAM);
        let last_good = keep(&generator, &discriminator, &config, &device, 0)?;
        Ok(Self {
            order: BatchOrder::new(data.len(), config.batch_size, config.seed ^ SHUFFLE_STREAM),
            noise_rng: StdRng::seed_from_u64(config.seed ^ NOISE_STREAM),
            grid_noise: noise_tensor(&mut grid_rng, GRID_SAMPLES, config.noise_dim, &device),
            last_good,
            generator,
            discriminator,
            generator_optimizer: adam.init(),
            discriminator_optimizer: adam.init(),
            data,
            judge: None,
            phase: Phase::Training,
            epoch: 1,
            step: 0,
            global_step: 0,
            steps_per_epoch,
            pending: Vec::new(),
            sums: EpochSums::default(),
            history: Vec::new(),
            final_images: None,
            device,
            config,
        })
    }

    /// Adds a classifier-backed judge: after the last epoch the run ends with a verdict.
    pub fn with_judge(mut self, judge: Judge) -> Self {
        self.judge = Some(judge);
        self
    }

    /// The settings of this run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Steps in one epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.steps_per_epoch
    }

    /// Steps in the whole run.
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch * self.config.epochs
    }

    /// Steps done so far.
    pub fn global_step(&self) -> usize {
        self.global_step
    }

    /// Epoch summaries so far.
    pub fn history(&self) -> &[EpochSummary] {
        &self.history
    }

    /// Whether the run has nothing left to do (finished, or stopped by an error).
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Finished | Phase::Failed)
    }

    /// The generator as it stands (after a failure: the last good one).
    pub fn generator(&self) -> Generator {
        self.generator.valid()
    }

    /// The final images as bytes (784 per image), once the last epoch is done.
    pub fn final_images(&self) -> Option<&[u8]> {
        self.final_images.as_deref()
    }

    /// Runs up to `max_steps` training steps, handing every event to `sink`. After the last
    /// epoch it draws the final images and, with a judge, the verdict. Returns whether the run
    /// is done. After an error the weights are those of the last completed epoch.
    pub async fn advance(
        &mut self,
        max_steps: usize,
        sink: &mut impl FnMut(TrainEvent),
    ) -> Result<bool, TrainError> {
        let mut budget = max_steps;
        while budget > 0 && self.phase == Phase::Training {
            if self.step == self.steps_per_epoch {
                self.finish_epoch(sink).await?;
                continue;
            }
            self.train_step();
            budget -= 1;
            if self.pending.len() >= MAX_PENDING {
                self.flush(sink).await?;
            }
        }
        if self.phase == Phase::Training && self.step == self.steps_per_epoch {
            self.finish_epoch(sink).await?;
        }
        self.flush(sink).await?;
        if self.phase == Phase::Judging {
            self.finish_run(sink).await?;
        }
        Ok(self.is_done())
    }

    /// Ends the run early (stopped by the user, or after a failure) with the final images and,
    /// with a judge, the verdict, drawn from the generator as it stands: after a failure, the
    /// one of the last completed epoch. Does nothing when the run already finished.
    pub async fn conclude(&mut self, sink: &mut impl FnMut(TrainEvent)) -> Result<(), TrainError> {
        if self.phase == Phase::Finished {
            return Ok(());
        }
        self.pending.clear();
        self.finish_run(sink).await
    }

    /// One discriminator update and one generator update on the next batch.
    fn train_step(&mut self) {
        let batch = match self.order.next_batch() {
            Some(batch) => batch.to_vec(),
            None => {
                self.order.reshuffle();
                self.order
                    .next_batch()
                    .expect("validated: the batch fits the data")
                    .to_vec()
            }
        };
        let size = batch.len();
        // Burn's random draws (the discriminator's dropout masks) come from a generator shared
        // by the whole backend. Seeding it for every step makes them depend on the run's seed
        // and the step alone, not on what else used that generator in between (the
        // classifier's training, for one).
        self.device
            .seed(self.config.seed ^ (self.global_step as u64).wrapping_mul(STEP_SEED_STRIDE));
        let real = self.data.images_tensor(&batch, &self.device); // [batch, 784]

        // Discriminator: real images should score REAL_TARGET, fakes 0. The fakes are detached so
        // that this update does not reach the generator.
        let noise = self.noise(size);
        let fake = self.generator.forward(noise).detach(); // [batch, 784]
        let real_logits = self.discriminator.logits(real); // [batch, 1]
        let fake_logits = self.discriminator.logits(fake); // [batch, 1]
        let d_loss = (binary_cross_entropy(real_logits.clone(), REAL_TARGET)
            + binary_cross_entropy(fake_logits.clone(), 0.0))
            / 2.0;
        let d_real = sigmoid(real_logits.detach()).mean();
        let d_fake = sigmoid(fake_logits.detach()).mean();
        let gradients = GradientsParams::from_grads(d_loss.backward(), &self.discriminator);
        self.discriminator = self.discriminator_optimizer.step(
            self.config.learning_rate,
            self.discriminator.clone(),
            gradients,
        );

        // Generator: fresh fakes should make the updated discriminator answer 1. Gradients
        // flow through the discriminator, but only the generator's weights move.
        let noise = self.noise(size);
        let g_loss = binary_cross_entropy(
            self.discriminator.logits(self.generator.forward(noise)),
            1.0,
        );
        let gradients = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        self.generator = self.generator_optimizer.step(
            self.config.learning_rate,
            self.generator.clone(),
            gradients,
        );

        self.step += 1;
        self.global_step += 1;
        self.pending.push(Pending {
            epoch: self.epoch,
            step: self.step,
            global_step: self.global_step,
            figures: Tensor::cat(vec![d_loss.detach(), g_loss.detach(), d_real, d_fake], 0),
        });
    }

    fn noise(&mut self, count: usize) -> Tensor<2> {
        noise_tensor(
            &mut self.noise_rng,
            count,
            self.config.noise_dim,
            &self.device,
        )
    }

    /// Reads the waiting steps' figures in one transfer and reports them. A non-finite figure
    /// rolls the networks back to the end of the last completed epoch and fails the run.
    async fn flush(&mut self, sink: &mut impl FnMut(TrainEvent)) -> Result<(), TrainError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let figures = Tensor::cat(pending.iter().map(|p| p.figures.clone()).collect(), 0);
        let values = read_floats(figures).await?;
        for (step, row) in pending.iter().zip(values.chunks_exact(4)) {
            let names = ["D loss", "G loss", "D(x)", "D(G(z))"];
            if let Some(index) = row.iter().position(|value| !value.is_finite()) {
                return Err(self.fail(step, names[index], row[index]));
            }
            for (sum, &value) in self.sums.sums.iter_mut().zip(row) {
                *sum += f64::from(value);
            }
            self.sums.steps += 1;
            sink(TrainEvent::Step(StepStats {
                epoch: step.epoch,
                step: step.step,
                steps_per_epoch: self.steps_per_epoch,
                global_step: step.global_step,
                d_loss: row[0],
                g_loss: row[1],
                d_real: row[2],
                d_fake: row[3],
            }));
        }
        Ok(())
    }

    fn fail(&mut self, step: &Pending, what: &'static str, value: f32) -> TrainError {
        let (generator, discriminator, kept_epoch) = self.last_good.clone();
        self.generator = generator;
        self.discriminator = discriminator;
        self.phase = Phase::Failed;
        TrainError::NonFinite {
            epoch: step.epoch,
            step: step.step,
            what,
            value,
            kept_epoch,
        }
    }

    /// Reports the epoch's means, keeps a grid at the save interval, and moves on.
    async fn finish_epoch(&mut self, sink: &mut impl FnMut(TrainEvent)) -> Result<(), TrainError> {
        self.flush(sink).await?;
        let steps = self.sums.steps.max(1) as f64;
        let [d_loss, g_loss, d_real, d_fake] = self.sums.sums.map(|sum| (sum / steps) as f32);
        let summary = EpochSummary {
            epoch: self.epoch,
            epochs: self.config.epochs,
            d_loss,
            g_loss,
            d_real,
            d_fake,
        };
        self.history.push(summary);
        sink(TrainEvent::Epoch(summary));
        self.last_good = keep(
            &self.generator,
            &self.discriminator,
            &self.config,
            &self.device,
            self.epoch,
        )?;

        if self.config.saves_grid_after(self.epoch) {
            let samples = self.sample(self.grid_noise.clone()).await?;
            sink(TrainEvent::Grid {
                epoch: self.epoch,
                grid: GreyImage::grid(&samples, 5),
            });
        }

        self.sums = EpochSums::default();
        self.step = 0;
        if self.epoch == self.config.epochs {
            self.phase = Phase::Judging;
        } else {
            self.epoch += 1;
            self.order.reshuffle();
        }
        Ok(())
    }

    /// Draws the final images and, with a judge, the verdict; then the run is finished.
    async fn finish_run(&mut self, sink: &mut impl FnMut(TrainEvent)) -> Result<(), TrainError> {
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ FINAL_STREAM);
        let noise = noise_tensor(&mut rng, FINAL_IMAGES, self.config.noise_dim, &self.device);
        let images = self.sample(noise).await?;
        sink(TrainEvent::FinalImages {
            images: images
                .chunks_exact(crate::data::idx::IMAGE_PIXELS)
                .map(|pixels| GreyImage::sample(pixels.to_vec()))
                .collect(),
        });
        self.final_images = Some(images);
        if let Some(judge) = &self.judge {
            let verdict = self.verdict(judge).await?;
            sink(TrainEvent::Verdict(Box::new(verdict)));
        }
        self.phase = Phase::Finished;
        Ok(())
    }

    /// The verdict of `judge` on the final images and on further samples of the generator as
    /// it stands. For front ends that build their judge while the GAN trains (the page trains
    /// its classifier after the GAN) rather than before. Fails before the final images exist.
    pub async fn verdict(&self, judge: &Judge) -> Result<Verdict, TrainError> {
        let images = self.final_images.as_deref().ok_or(TrainError::Unfinished)?;
        let device = self.device.clone().inner();
        judge
            .verdict(
                &self.generator.valid(),
                images,
                self.config.noise_dim,
                self.config.seed ^ JUDGE_STREAM,
                &device,
            )
            .await
    }

    /// A 5x5 grid from the generator as it stands, on the same fixed noise as the kept grids:
    /// a live preview between save intervals. Training is not affected.
    pub async fn preview(&self) -> Result<GreyImage, TrainError> {
        let samples = self.sample(self.grid_noise.clone()).await?;
        Ok(GreyImage::grid(&samples, 5))
    }

    /// The run as it stood at the end of its last completed epoch, with the weights copied to
    /// the host (one asynchronous read), so that it can continue on another device.
    pub async fn checkpoint(&self) -> Result<GanCheckpoint, TrainError> {
        let (generator, discriminator, epoch) = &self.last_good;
        let host = Device::flex();
        let generator = copy_weights(generator, self.generator_config().init(&host)).await?;
        let discriminator =
            copy_weights(discriminator, DiscriminatorConfig::new().init(&host)).await?;
        Ok(GanCheckpoint {
            config: self.config.clone(),
            history: self.history[..*epoch].to_vec(),
            generator: record_bytes(generator)?,
            discriminator: record_bytes(discriminator)?,
        })
    }

    /// Continues a run from `checkpoint` on `device`, from the epoch after the one it was
    /// taken at. The weights are restored; Adam's running moments start afresh, so the first
    /// steps after a resume move a little differently from an uninterrupted run.
    pub fn resume(
        checkpoint: GanCheckpoint,
        train: &Split,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let mut trainer = Self::new(checkpoint.config.clone(), train, device)?;
        let epoch = checkpoint.history.len().min(trainer.config.epochs);
        trainer.generator = trainer
            .generator_config()
            .init(&trainer.device)
            .try_load_record(read_record(&checkpoint.generator)?)
            .map_err(|problem| TrainError::Checkpoint(problem.to_string()))?;
        trainer.discriminator = DiscriminatorConfig::new()
            .init(&trainer.device)
            .try_load_record(read_record(&checkpoint.discriminator)?)
            .map_err(|problem| TrainError::Checkpoint(problem.to_string()))?;
        trainer.last_good = keep(
            &trainer.generator,
            &trainer.discriminator,
            &trainer.config,
            &trainer.device,
            epoch,
        )?;
        trainer.history = checkpoint.history[..epoch].to_vec();
        trainer.global_step = epoch * trainer.steps_per_epoch;
        let resumed = (epoch as u64).wrapping_mul(STEP_SEED_STRIDE);
        trainer.order = BatchOrder::new(
            trainer.data.len(),
            trainer.config.batch_size,
            trainer.config.seed ^ SHUFFLE_STREAM ^ resumed,
        );
        trainer.noise_rng = StdRng::seed_from_u64(trainer.config.seed ^ NOISE_STREAM ^ resumed);
        if epoch == trainer.config.epochs {
            trainer.phase = Phase::Judging;
        } else {
            trainer.epoch = epoch + 1;
        }
        Ok(trainer)
    }

    fn generator_config(&self) -> GeneratorConfig {
        generator_config(&self.config)
    }

    /// Images from the generator in inference mode, as bytes (784 per image).
    async fn sample(&self, noise: Tensor<2>) -> Result<Vec<u8>, TrainError> {
        let generator = self.generator.valid();
        let pixels = read_floats(generator.forward(noise.inner())).await?;
        Ok(to_bytes(&pixels))
    }
}

/// Copies of both networks as they stand after `epoch`, sharing nothing with them (batch
/// normalisation's running statistics included): what a failed run rolls back to and what a
/// checkpoint holds.
fn keep(
    generator: &Generator,
    discriminator: &Discriminator,
    config: &TrainConfig,
    device: &Device,
    epoch: usize,
) -> Result<(Generator, Discriminator, usize), TrainError> {
    generator.sync_statistics();
    Ok((
        snapshot(generator, generator_config(config).init(device))?,
        snapshot(discriminator, DiscriminatorConfig::new().init(device))?,
        epoch,
    ))
}

/// The generator's architecture for a run's settings.
fn generator_config(config: &TrainConfig) -> GeneratorConfig {
    GeneratorConfig::new().with_noise_dim(config.noise_dim)
}

/// Mean binary cross-entropy between `sigmoid(logits)` and a constant `target` in 0..1,
/// computed from the logits for stability: `softplus(x) - x * target`. `[batch, 1]` -> `[1]`.
fn binary_cross_entropy(logits: Tensor<2>, target: f32) -> Tensor<1> {
    (softplus(logits.clone(), 1.0) - logits * target).mean()
}

/// A GAN run at the end of an epoch, with its weights on the host: enough to continue it on
/// another device. [`GanTrainer::checkpoint`] makes one; [`GanTrainer::resume`] continues.
#[derive(Clone, Debug, PartialEq)]
pub struct GanCheckpoint {
    /// The run's settings.
    pub config: TrainConfig,
    /// The completed epochs' summaries; the checkpoint was taken after the last of them.
    pub history: Vec<EpochSummary>,
    /// The generator's weights (Burn's burnpack format).
    generator: Vec<u8>,
    /// The discriminator's weights (Burn's burnpack format).
    discriminator: Vec<u8>,
}

/// The first bytes of a checkpoint, so that other bytes are refused by name.
const CHECKPOINT_MAGIC: &[u8; 8] = b"webganck";

/// The settings and epoch summaries of a checkpoint, stored as JSON inside it.
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckpointHeader {
    config: TrainConfig,
    history: Vec<EpochSummary>,
    generator_bytes: usize,
}

impl GanCheckpoint {
    /// The number of completed epochs it holds.
    pub fn epoch(&self) -> usize {
        self.history.len()
    }

    /// The checkpoint as one byte string: a magic, the JSON header's length (u32, little
    /// endian), the header, the generator's weights, the discriminator's weights.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TrainError> {
        let header = serde_json::to_vec(&CheckpointHeader {
            config: self.config.clone(),
            history: self.history.clone(),
            generator_bytes: self.generator.len(),
        })
        .map_err(|problem| TrainError::Checkpoint(problem.to_string()))?;
        let mut bytes = Vec::with_capacity(
            CHECKPOINT_MAGIC.len()
                + 4
                + header.len()
                + self.generator.len()
                + self.discriminator.len(),
        );
        bytes.extend_from_slice(CHECKPOINT_MAGIC);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(&self.generator);
        bytes.extend_from_slice(&self.discriminator);
        Ok(bytes)
    }

    /// Reads bytes written by [`Self::to_bytes`]. Fails, naming the problem, on anything else.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TrainError> {
        let bad = |what: &str| TrainError::Checkpoint(what.to_string());
        let rest = bytes
            .strip_prefix(CHECKPOINT_MAGIC.as_slice())
            .ok_or_else(|| bad("not a webgan checkpoint (wrong first bytes)"))?;
        let (length, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| bad("truncated before its header"))?;
        let length = u32::from_le_bytes(*length) as usize;
        if rest.len() < length {
            return Err(bad("truncated inside its header"));
        }
        let (header, weights) = rest.split_at(length);
        let header: CheckpointHeader = serde_json::from_slice(header)
            .map_err(|problem| TrainError::Checkpoint(format!("unreadable header: {problem}")))?;
        if weights.len() < header.generator_bytes {
            return Err(bad("truncated inside the generator's weights"));
        }
        let (generator, discriminator) = weights.split_at(header.generator_bytes);
        Ok(Self {
            config: header.config,
            history: header.history,
            generator: generator.to_vec(),
            discriminator: discriminator.to_vec(),
        })
    }
}

fn record_bytes<M: Module>(module: M) -> Result<Vec<u8>, TrainError> {
    let bytes = module
        .into_record()
        .into_bytes()
        .map_err(|problem| TrainError::Checkpoint(problem.to_string()))?;
    Ok(bytes.to_vec())
}

fn read_record(bytes: &[u8]) -> Result<ModuleRecord, TrainError> {
    ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|problem| TrainError::Checkpoint(problem.to_string()))
}
