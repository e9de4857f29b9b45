//! Shapes and ranges of the three networks, and the classifier's saved weights.
// Native only: `wasm-pack test` builds every test target for the browser too, where
// tests/web.rs is the share that runs.
#![cfg(not(target_arch = "wasm32"))]

use burn::prelude::*;
use webgan::model::{ClassifierConfig, DiscriminatorConfig, GeneratorConfig};

fn values(tensor: Tensor<2>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

#[test]
fn generator_maps_noise_to_28x28_images_in_0_1() {
    let device = Device::flex();
    let generator = GeneratorConfig::new().init(&device);
    let noise = Tensor::<2>::random(
        [3, 100],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &device,
    );
    assert_eq!(generator.images(noise.clone()).dims(), [3, 28, 28]);
    let pixels = values(generator.forward(noise));
    assert_eq!(pixels.len(), 3 * 784);
    assert!(pixels.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn generator_takes_the_configured_noise_dimension_and_widths() {
    let device = Device::flex();
    let generator = GeneratorConfig::new()
        .with_noise_dim(16)
        .with_hidden(vec![32, 64])
        .init(&device);
    let output = generator.forward(Tensor::<2>::zeros([2, 16], &device));
    assert_eq!(output.dims(), [2, 784]);
    // 16*32+32 + 32*64+64 + 64*784+784 weights and biases, and batch normalisation's scale,
    // shift, running mean and running variance for each of the 32 + 64 hidden units.
    let dense = 16 * 32 + 32 + 32 * 64 + 64 + 64 * 784 + 784;
    assert_eq!(generator.num_params(), dense + 4 * (32 + 64));

    let plain = GeneratorConfig::new()
        .with_noise_dim(16)
        .with_hidden(vec![32, 64])
        .with_batch_norm(false)
        .init(&device);
    assert_eq!(plain.num_params(), dense);
}

#[test]
fn the_generators_batch_norm_uses_batch_statistics_while_training_only() {
    // While training, each image's output depends on the rest of its batch; when sampling,
    // it does not.
    let device = Device::flex().autodiff();
    let generator = GeneratorConfig::new().init(&device);
    let noise = Tensor::<2>::random([8, 100], burn::tensor::Distribution::Default, &device);
    let alone = values(generator.forward(noise.clone().narrow(0, 0, 4)));
    let together = values(generator.forward(noise.clone()).narrow(0, 0, 4));
    assert_ne!(alone, together);

    let sampler = generator.valid();
    let noise = noise.inner();
    let alone = values(sampler.forward(noise.clone().narrow(0, 0, 4)));
    let together = values(sampler.forward(noise).narrow(0, 0, 4));
    for (a, b) in alone.iter().zip(&together) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn discriminator_gives_one_probability_per_image() {
    let device = Device::flex();
    let discriminator = DiscriminatorConfig::new().init(&device);
    let images = Tensor::<2>::random([5, 784], burn::tensor::Distribution::Default, &device);
    let probabilities = discriminator.forward(images.clone());
    assert_eq!(probabilities.dims(), [5, 1]);
    assert!(
        values(probabilities)
            .iter()
            .all(|p| (0.0..=1.0).contains(p))
    );
    assert_eq!(discriminator.logits(images).dims(), [5, 1]);
}

#[test]
fn classifier_scores_ten_labels_and_exposes_its_features() {
    let device = Device::flex();
    let config = ClassifierConfig::new();
    let classifier = config.init(&device);
    let images = Tensor::<2>::random([4, 784], burn::tensor::Distribution::Default, &device);
    assert_eq!(classifier.forward(images.clone()).dims(), [4, 10]);
    assert_eq!(classifier.features(images).dims(), [4, config.features]);
}

#[test]
fn classifier_weights_survive_a_round_trip_and_corruption_is_an_error() {
    let device = Device::flex();
    let config = ClassifierConfig::new();
    let classifier = config.init(&device);
    let images = Tensor::<2>::random([2, 784], burn::tensor::Distribution::Default, &device);
    let before = values(classifier.forward(images.clone()));

    let bytes = classifier.to_bytes().unwrap();
    let loaded = config.load(&bytes, &device).unwrap();
    assert_eq!(values(loaded.forward(images)), before);

    let error = config.load(&bytes[..bytes.len() / 3], &device).unwrap_err();
    assert!(error.to_string().contains("classifier weights"), "{error}");
    let other_shape = ClassifierConfig::new().with_features(64);
    assert!(other_shape.load(&bytes, &device).is_err());
}

#[test]
fn the_discriminators_dropout_acts_while_training_only() {
    // The discriminator scores the same images differently on every call while it trains
    // (dropout), and identically once it is switched to inference.
    let device = Device::flex().autodiff();
    let discriminator = DiscriminatorConfig::new().init(&device);
    let images = Tensor::<2>::random([64, 784], burn::tensor::Distribution::Default, &device);
    let first = values(discriminator.logits(images.clone()));
    let second = values(discriminator.logits(images.clone()));
    assert_ne!(first, second, "dropout changes the scores while training");

    let inference = discriminator.valid();
    let images = images.inner();
    assert_eq!(
        values(inference.logits(images.clone())),
        values(inference.logits(images))
    );

    // About 30% of a layer's activations are dropped.
    let dropout = burn::nn::DropoutConfig::new(0.3).init();
    let kept = values(dropout.forward(Tensor::<2>::ones([100, 1000], &device)));
    let dropped = kept.iter().filter(|&&value| value == 0.0).count() as f64 / kept.len() as f64;
    assert!((dropped - 0.3).abs() < 0.02, "dropped {dropped}");
}
