//! A small convolutional network that names the digit (or garment) in an image. It is the
//! judge of the generator: its predicted labels give the label distribution, and its
//! penultimate features give the Frechet distance.

use crate::data::idx::IMAGE_SIDE;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use burn::tensor::activation::relu;

/// Shape of the classifier: two 5x5 convolutions with max pooling, then two Dense layers.
#[derive(Config, Debug)]
pub struct ClassifierConfig {
    /// Channels of the first and second convolution.
    #[config(default = "[16, 32]")]
    pub channels: [usize; 2],
    /// Width of the hidden Dense layer, whose output is the feature vector.
    #[config(default = 128)]
    pub features: usize,
    /// Dropout before the last layer while training.
    #[config(default = 0.3)]
    pub dropout: f64,
}

/// Predicts one of ten labels for a 28x28 image.
#[derive(Module, Debug)]
pub struct Classifier {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    hidden: Linear,
    dropout: Dropout,
    output: Linear,
}

/// Side of the feature map after two 5x5 convolutions and two 2x2 poolings: 28 -> 24 -> 12 ->
/// 8 -> 4.
const FEATURE_MAP_SIDE: usize = ((IMAGE_SIDE - 4) / 2 - 4) / 2;

impl ClassifierConfig {
    /// Builds a classifier with fresh random weights on `device`.
    pub fn init(&self, device: &Device) -> Classifier {
        let [first, second] = self.channels;
        Classifier {
            conv1: Conv2dConfig::new([1, first], [5, 5]).init(device),
            conv2: Conv2dConfig::new([first, second], [5, 5]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            hidden: LinearConfig::new(second * FEATURE_MAP_SIDE * FEATURE_MAP_SIDE, self.features)
                .init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            output: LinearConfig::new(self.features, 10).init(device),
        }
    }
}

impl Classifier {
    /// The penultimate features of `[batch, 784]` images (pixels in 0..1): `[batch, features]`.
    pub fn features(&self, images: Tensor<2>) -> Tensor<2> {
        let [batch, _] = images.dims();
        let x = images.reshape([batch, 1, IMAGE_SIDE, IMAGE_SIDE]);
        let x = self.pool.forward(relu(self.conv1.forward(x))); // [batch, c1, 12, 12]
        let x = self.pool.forward(relu(self.conv2.forward(x))); // [batch, c2, 4, 4]
        let x = x.flatten(1, 3); // [batch, c2 * 16]
        relu(self.hidden.forward(x)) // [batch, features]
    }

    /// Unnormalised scores for the ten labels, `[batch, 10]`.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let features = self.features(images);
        self.output.forward(self.dropout.forward(features))
    }

    /// Scores for the ten labels from features already computed, `[batch, 10]`.
    pub fn logits_from_features(&self, features: Tensor<2>) -> Tensor<2> {
        self.output.forward(features)
    }
}

/// Why saved classifier weights could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("saved classifier weights are unusable ({0}); they will be trained again")]
pub struct WeightsError(pub String);

impl Classifier {
    /// The weights as bytes (Burn's burnpack format), to keep between runs.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WeightsError> {
        let bytes = self
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|error| WeightsError(error.to_string()))?;
        Ok(bytes.to_vec())
    }
}

impl ClassifierConfig {
    /// A classifier with the weights saved by [`Classifier::to_bytes`]. Fails, without
    /// panicking, when the bytes are corrupt or belong to a network of another shape.
    pub fn load(&self, bytes: &[u8], device: &Device) -> Result<Classifier, WeightsError> {
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
            .map_err(|error| WeightsError(error.to_string()))?;
        self.init(device)
            .try_load_record(record)
            .map_err(|error| WeightsError(error.to_string()))
    }
}
