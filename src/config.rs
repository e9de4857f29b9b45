//! The experiment's settings: the lab's defaults and the checks that keep impossible values out.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which of the two 28x28 grey-scale datasets an experiment uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetName {
    /// Handwritten digits 0-9.
    Mnist,
    /// Zalando's clothing images in ten classes.
    Fashion,
}

impl DatasetName {
    /// Both datasets, in the order the page and the CLI list them.
    pub const ALL: [DatasetName; 2] = [DatasetName::Mnist, DatasetName::Fashion];

    /// The short name used on the command line, in URLs and as the data folder's name.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetName::Mnist => "mnist",
            DatasetName::Fashion => "fashion",
        }
    }

    /// The human name of each of the ten labels, in label order.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            DatasetName::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetName::Fashion => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DatasetName {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "mnist" => Ok(DatasetName::Mnist),
            "fashion" | "fashion-mnist" | "fashion_mnist" => Ok(DatasetName::Fashion),
            _ => Err(ConfigError::UnknownDataset(text.to_string())),
        }
    }
}

/// A setting that cannot be used, with the reason in words a student can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The dataset name is neither MNIST nor Fashion-MNIST.
    #[error("unknown dataset '{0}': choose 'mnist' or 'fashion'")]
    UnknownDataset(String),
    /// A count that must be at least one is zero.
    #[error("{field} must be at least 1, got 0")]
    Zero {
        /// The setting's name.
        field: &'static str,
    },
    /// The batch does not fit in the training set.
    #[error("batch size {batch_size} is larger than the {examples} training images")]
    BatchTooLarge {
        /// The requested batch size.
        batch_size: usize,
        /// How many training images the dataset holds.
        examples: usize,
    },
    /// The learning rate is zero, negative, or not a number.
    #[error("learning rate must be a positive finite number, got {0}")]
    LearningRate(f64),
    /// A setting is so large that training would not fit in memory or time.
    #[error("{field} {value} is larger than the most this trainer accepts ({max})")]
    TooLarge {
        /// The setting's name.
        field: &'static str,
        /// The requested value.
        value: usize,
        /// The largest accepted value.
        max: usize,
    },
}

/// Everything that defines one GAN run. The defaults are the lab's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Which dataset to learn.
    pub dataset: DatasetName,
    /// Passes over the training set.
    pub epochs: usize,
    /// Real images per discriminator update (and fakes per update).
    pub batch_size: usize,
    /// Length of the generator's input noise vector.
    pub noise_dim: usize,
    /// Adam's learning rate, for both networks.
    pub learning_rate: f64,
    /// A 5x5 sample grid is kept every this many epochs (and after the last).
    pub save_interval: usize,
    /// Seeds the weights, the noise and the shuffling: same seed, same backend, same numbers.
    pub seed: u64,
    /// Use only the first this many training images (all when `None`): for quick demos and tests.
    pub train_limit: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            dataset: DatasetName::Mnist,
            epochs: 30,
            batch_size: 128,
            noise_dim: 100,
            learning_rate: 0.0002,
            save_interval: 5,
            seed: 42,
            train_limit: None,
        }
    }
}

/// Upper bounds that keep a typo (an extra zero or three) from freezing a laptop.
const MAX_EPOCHS: usize = 10_000;
const MAX_BATCH_SIZE: usize = 8_192;
const MAX_NOISE_DIM: usize = 4_096;

impl ConfigError {
    /// The [`TrainConfig`] field at fault, by its serialised name (`batch_size`,
    /// `learning_rate`, ...), so a form can show the message next to the right input. `None`
    /// for settings that are not fields of [`TrainConfig`] (the classifier's).
    pub fn field(&self) -> Option<&'static str> {
        let name = match self {
            ConfigError::UnknownDataset(_) => return Some("dataset"),
            ConfigError::BatchTooLarge { .. } => return Some("batch_size"),
            ConfigError::LearningRate(_) => return Some("learning_rate"),
            ConfigError::Zero { field } | ConfigError::TooLarge { field, .. } => *field,
        };
        match name {
            "epochs" => Some("epochs"),
            "batch size" => Some("batch_size"),
            "noise dimension" => Some("noise_dim"),
            "save interval" => Some("save_interval"),
            "training image limit" => Some("train_limit"),
            _ => None,
        }
    }
}

impl TrainConfig {
    /// Checks every setting on its own; `validate_for` adds the checks that need the data.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("epochs", self.epochs),
            ("batch size", self.batch_size),
            ("noise dimension", self.noise_dim),
            ("save interval", self.save_interval),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero { field });
            }
        }
        if self.train_limit == Some(0) {
            return Err(ConfigError::Zero {
                field: "training image limit",
            });
        }
        for (field, value, max) in [
            ("epochs", self.epochs, MAX_EPOCHS),
            ("batch size", self.batch_size, MAX_BATCH_SIZE),
            ("noise dimension", self.noise_dim, MAX_NOISE_DIM),
        ] {
            if value > max {
                return Err(ConfigError::TooLarge { field, value, max });
            }
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return Err(ConfigError::LearningRate(self.learning_rate));
        }
        Ok(())
    }

    /// Checks the settings against a training set of `examples` images.
    pub fn validate_for(&self, examples: usize) -> Result<(), ConfigError> {
        self.validate()?;
        let available = self.examples_used(examples);
        if self.batch_size > available {
            return Err(ConfigError::BatchTooLarge {
                batch_size: self.batch_size,
                examples: available,
            });
        }
        Ok(())
    }

    /// How many of `examples` training images the run uses.
    pub fn examples_used(&self, examples: usize) -> usize {
        self.train_limit
            .map_or(examples, |limit| limit.min(examples))
    }

    /// Training steps in one epoch: full batches only, so every step sees `batch_size` images.
    pub fn steps_per_epoch(&self, examples: usize) -> usize {
        self.examples_used(examples) / self.batch_size.max(1)
    }

    /// Whether a sample grid is kept at the end of `epoch` (counted from 1).
    pub fn saves_grid_after(&self, epoch: usize) -> bool {
        epoch.is_multiple_of(self.save_interval) || epoch == self.epochs
    }
}
