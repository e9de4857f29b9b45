//! The three networks: the generator and discriminator of the GAN, and the classifier that
//! judges the generator's samples.

mod classifier;
mod gan;
mod host;

pub use classifier::{Classifier, ClassifierConfig, WeightsError};
pub use gan::{Discriminator, DiscriminatorConfig, Generator, GeneratorConfig};
pub use host::{copy_weights, snapshot};

/// Slope of LeakyReLU for negative inputs in both GAN networks.
pub const LEAKY_SLOPE: f64 = 0.2;
