//! The GAN's training loop: for every batch, one discriminator update on real and fake images,
//! then one generator update to fool the discriminator.

use super::{EpochSummary, StepStats, TrainError, TrainEvent, noise_tensor, read_floats};
use crate::config::TrainConfig;
use crate::data::{BatchOrder, Split};
use crate::eval::Judge;
use crate::image::{GreyImage, to_bytes};
use crate::model::{Discriminator, DiscriminatorConfig, Generator, GeneratorConfig};
use burn::nn::loss::{BinaryCrossEntropyLoss, BinaryCrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
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
    loss: BinaryCrossEntropyLoss,
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
        let generator = GeneratorConfig::new()
            .with_noise_dim(config.noise_dim)
            .init(&device);
        let discriminator = DiscriminatorConfig::new().init(&device);
        let adam = AdamConfig::new().with_beta_1(ADAM_BETA1);
        let data = train.head(config.examples_used(train.len()));
        let steps_per_epoch = config.steps_per_epoch(train.len());
        let mut grid_rng = StdRng::seed_from_u64(config.seed ^ GRID_STREAM);
        Ok(Self {
            order: BatchOrder::new(data.len(), config.batch_size, config.seed ^ SHUFFLE_STREAM),
            noise_rng: StdRng::seed_from_u64(config.seed ^ NOISE_STREAM),
            grid_noise: noise_tensor(&mut grid_rng, GRID_SAMPLES, config.noise_dim, &device),
            last_good: (generator.clone(), discriminator.clone(), 0),
            generator,
            discriminator,
            generator_optimizer: adam.init(),
            discriminator_optimizer: adam.init(),
            loss: BinaryCrossEntropyLossConfig::new()
                .with_logits(true)
                .init(&device),
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
        let ones = Tensor::<2, Int>::ones([size, 1], &self.device);
        let zeros = Tensor::<2, Int>::zeros([size, 1], &self.device);

        // Discriminator: real images should score 1, fakes 0. The fakes are detached so that
        // this update does not reach the generator.
        let noise = self.noise(size);
        let fake = self.generator.forward(noise).detach(); // [batch, 784]
        let real_logits = self.discriminator.logits(real); // [batch, 1]
        let fake_logits = self.discriminator.logits(fake); // [batch, 1]
        let d_loss = (self.loss.forward(real_logits.clone(), ones.clone())
            + self.loss.forward(fake_logits.clone(), zeros))
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
        let g_loss = self.loss.forward(
            self.discriminator.logits(self.generator.forward(noise)),
            ones,
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
        self.last_good = (
            self.generator.clone(),
            self.discriminator.clone(),
            self.epoch,
        );

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
        if let Some(judge) = &self.judge {
            let device = self.device.clone().inner();
            let verdict = judge
                .verdict(
                    &self.generator.valid(),
                    &images,
                    self.config.noise_dim,
                    self.config.seed ^ JUDGE_STREAM,
                    &device,
                )
                .await?;
            sink(TrainEvent::Verdict(Box::new(verdict)));
        }
        self.final_images = Some(images);
        self.phase = Phase::Finished;
        Ok(())
    }

    /// Images from the generator in inference mode, as bytes (784 per image).
    async fn sample(&self, noise: Tensor<2>) -> Result<Vec<u8>, TrainError> {
        let generator = self.generator.valid();
        let pixels = read_floats(generator.forward(noise.inner())).await?;
        Ok(to_bytes(&pixels))
    }
}
