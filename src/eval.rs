//! How good and how varied the generated images are, as judged by the classifier: the label
//! distribution and its entropy, the mean confidence, an Inception-style score, and a Frechet
//! distance on the classifier's features. The real test set's own figures come alongside as
//! the reference a student compares with.

use crate::config::DatasetName;
use crate::data::Split;
use crate::model::{Classifier, Generator};
use crate::train::{TrainError, noise_tensor, read_floats};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

/// Images pushed through the classifier at once while judging.
const JUDGE_BATCH: usize = 500;

/// Counts of each predicted label 0-9.
pub fn label_distribution(labels: &[u8]) -> [usize; 10] {
    let mut counts = [0; 10];
    for &label in labels {
        counts[usize::from(label)] += 1;
    }
    counts
}

/// Entropy (natural log) of the label distribution: `ln 10` (about 2.303) when all ten labels
/// are equally common, 0 when every image gets the same label.
pub fn entropy(counts: &[usize; 10]) -> f64 {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / total as f64;
            -p * p.ln()
        })
        .sum::<f64>()
        + 0.0 // turns the -0.0 of a single label into 0.0
}

/// Inception-style score over rows of ten class probabilities: `exp(mean KL(p(y|x) || p(y)))`.
/// It is 10 at best (confident and evenly spread over the classes) and 1 at worst.
pub fn inception_score(probabilities: &[f32]) -> f64 {
    let rows = probabilities.len() / 10;
    if rows == 0 {
        return 1.0;
    }
    let mut marginal = [0.0f64; 10];
    for row in probabilities.chunks_exact(10) {
        for (sum, &p) in marginal.iter_mut().zip(row) {
            *sum += f64::from(p) / rows as f64;
        }
    }
    let mean_kl: f64 = probabilities
        .chunks_exact(10)
        .map(|row| {
            row.iter()
                .zip(&marginal)
                .filter(|&(&p, _)| p > 0.0)
                .map(|(&p, &q)| f64::from(p) * (f64::from(p).ln() - q.max(1e-12).ln()))
                .sum::<f64>()
        })
        .sum::<f64>()
        / rows as f64;
    mean_kl.exp()
}

/// Mean and covariance of feature vectors: the Gaussian the Frechet distance compares.
#[derive(Clone, Debug)]
pub struct FeatureStats {
    mean: DVector<f64>,
    covariance: DMatrix<f64>,
}

impl FeatureStats {
    /// Statistics of `features`, rows of `dim` values.
    pub fn from_rows(features: &[f32], dim: usize) -> Self {
        let rows = features.len() / dim;
        let data = DMatrix::from_row_iterator(rows, dim, features.iter().map(|&v| f64::from(v)));
        let mean = data.row_mean().transpose();
        let mut centred = data;
        for mut row in centred.row_iter_mut() {
            row -= mean.transpose();
        }
        let covariance = centred.transpose() * &centred / (rows.max(2) - 1) as f64;
        Self { mean, covariance }
    }

    /// Frechet distance between two Gaussians:
    /// `|m1 - m2|^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2))`.
    pub fn frechet_distance(&self, other: &FeatureStats) -> f64 {
        let difference = (&self.mean - &other.mean).norm_squared();

        // tr((C1 C2)^(1/2)) equals tr((S C2 S)^(1/2)) with S = C1^(1/2), and S C2 S is
        // symmetric, so both square roots come from symmetric eigendecompositions.
        let root = symmetric_sqrt(&self.covariance);
        let inner = &root * &other.covariance * &root;
        let inner = (&inner + inner.transpose()) * 0.5;
        let trace_root: f64 = inner
            .symmetric_eigenvalues()
            .iter()
            .map(|&value| value.max(0.0).sqrt())
            .sum();
        (difference + self.covariance.trace() + other.covariance.trace() - 2.0 * trace_root)
            .max(0.0)
    }
}

fn symmetric_sqrt(matrix: &DMatrix<f64>) -> DMatrix<f64> {
    let eigen = matrix.clone().symmetric_eigen();
    let roots = eigen.eigenvalues.map(|value| value.max(0.0).sqrt());
    &eigen.eigenvectors * DMatrix::from_diagonal(&roots) * eigen.eigenvectors.transpose()
}

/// The classifier's verdict on a trained generator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// Which dataset the classes come from.
    pub dataset: DatasetName,
    /// The names of the ten classes, in label order.
    pub class_names: [&'static str; 10],
    /// The predicted label of each final image, in gallery order.
    pub labels: Vec<u8>,
    /// The classifier's probability for its predicted label, per final image.
    pub confidences: Vec<f32>,
    /// How many final images got each label.
    pub distribution: [usize; 10],
    /// Entropy of `distribution` (natural log).
    pub entropy: f64,
    /// The highest possible entropy, `ln 10`.
    pub max_entropy: f64,
    /// Mean of `confidences`.
    pub mean_confidence: f64,
    /// Generated images behind the two figures below.
    pub sample_size: usize,
    /// Inception-style score of `sample_size` generated images.
    pub inception_score: f64,
    /// Frechet distance between the classifier's features of the generated images and of the
    /// real test set.
    pub frechet_distance: f64,
    /// Real images to compare with: the same figures for the real data.
    pub reference: Reference,
}

/// The figures for real images, which a good generator approaches.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reference {
    /// Inception-style score of the real test set.
    pub inception_score: f64,
    /// Frechet distance between `sample_size` real training images and the real test set: the
    /// distance one gets from sampling alone.
    pub frechet_distance: f64,
    /// Mean confidence of the classifier on the real test set.
    pub mean_confidence: f64,
    /// The classifier's accuracy on the real test set, 0..1.
    pub test_accuracy: f64,
}

/// What the classifier's outputs say about a set of images.
struct Judged {
    labels: Vec<u8>,
    confidences: Vec<f32>,
    probabilities: Vec<f32>,
    features: Vec<f32>,
}

/// A trained classifier together with its reading of the real test set, ready to judge
/// generators.
#[derive(Debug)]
pub struct Judge {
    classifier: Classifier,
    dataset: DatasetName,
    feature_dim: usize,
    test_stats: FeatureStats,
    reference: Reference,
    sample_size: usize,
}

impl Judge {
    /// Reads the real data through the classifier: the test set for the reference statistics,
    /// and `sample_size` training images for the reference distance.
    pub async fn new(
        classifier: Classifier,
        dataset: DatasetName,
        train: &Split,
        test: &Split,
        sample_size: usize,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let classifier = classifier.valid();
        let indices: Vec<usize> = (0..test.len()).collect();
        let judged = judge_images(
            &classifier,
            |range| test.images_tensor(&indices[range], device),
            test.len(),
        )
        .await?;
        let correct = judged
            .labels
            .iter()
            .zip(&test.labels)
            .filter(|(predicted, actual)| predicted == actual)
            .count();
        let feature_dim = judged.features.len() / test.len().max(1);
        let test_stats = FeatureStats::from_rows(&judged.features, feature_dim);

        let sample_size = sample_size.clamp(2, train.len().max(2));
        let train_indices: Vec<usize> = (0..sample_size.min(train.len())).collect();
        let train_judged = judge_images(
            &classifier,
            |range| train.images_tensor(&train_indices[range], device),
            train_indices.len(),
        )
        .await?;
        let reference = Reference {
            inception_score: inception_score(&judged.probabilities),
            frechet_distance: FeatureStats::from_rows(&train_judged.features, feature_dim)
                .frechet_distance(&test_stats),
            mean_confidence: mean(&judged.confidences),
            test_accuracy: correct as f64 / test.len().max(1) as f64,
        };
        Ok(Self {
            classifier,
            dataset,
            feature_dim,
            test_stats,
            reference,
            sample_size,
        })
    }

    /// The figures for the real data.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Judges `final_images` (bytes, 784 per image) one by one, and a further `sample_size`
    /// images drawn from `generator` with noise seeded by `seed` for the score and distance.
    pub async fn verdict(
        &self,
        generator: &Generator,
        final_images: &[u8],
        noise_dim: usize,
        seed: u64,
        device: &Device,
    ) -> Result<Verdict, TrainError> {
        let count = final_images.len() / crate::data::idx::IMAGE_PIXELS;
        let finals = Split {
            pixels: final_images.to_vec(),
            labels: vec![0; count],
        };
        let indices: Vec<usize> = (0..count).collect();
        let judged_finals = judge_images(
            &self.classifier,
            |range| finals.images_tensor(&indices[range], device),
            count,
        )
        .await?;

        let mut rng = StdRng::seed_from_u64(seed);
        let generator = generator.valid();
        let sample = judge_images(
            &self.classifier,
            |range| generator.forward(noise_tensor(&mut rng, range.len(), noise_dim, device)),
            self.sample_size,
        )
        .await?;

        let distribution = label_distribution(&judged_finals.labels);
        Ok(Verdict {
            dataset: self.dataset,
            class_names: self.dataset.class_names(),
            entropy: entropy(&distribution),
            max_entropy: 10f64.ln(),
            mean_confidence: mean(&judged_finals.confidences),
            distribution,
            labels: judged_finals.labels,
            confidences: judged_finals.confidences,
            sample_size: self.sample_size,
            inception_score: inception_score(&sample.probabilities),
            frechet_distance: FeatureStats::from_rows(&sample.features, self.feature_dim)
                .frechet_distance(&self.test_stats),
            reference: self.reference.clone(),
        })
    }
}

fn mean(values: &[f32]) -> f64 {
    values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len().max(1) as f64
}

/// Runs `count` images, made batch by batch by `images`, through the classifier.
async fn judge_images(
    classifier: &Classifier,
    mut images: impl FnMut(std::ops::Range<usize>) -> Tensor<2>,
    count: usize,
) -> Result<Judged, TrainError> {
    let mut judged = Judged {
        labels: Vec::with_capacity(count),
        confidences: Vec::with_capacity(count),
        probabilities: Vec::with_capacity(count * 10),
        features: Vec::new(),
    };
    let mut start = 0;
    while start < count {
        let end = (start + JUDGE_BATCH).min(count);
        let features = classifier.features(images(start..end)); // [batch, features]
        let probabilities = softmax(classifier.logits_from_features(features.clone()), 1);
        let probabilities = read_floats(probabilities).await?;
        judged.features.extend(read_floats(features).await?);
        for row in probabilities.chunks_exact(10) {
            let (label, confidence) =
                row.iter()
                    .copied()
                    .enumerate()
                    .fold(
                        (0, f32::MIN),
                        |best, (label, p)| {
                            if p > best.1 { (label, p) } else { best }
                        },
                    );
            judged.labels.push(label as u8);
            judged.confidences.push(confidence);
        }
        judged.probabilities.extend(probabilities);
        start = end;
    }
    Ok(judged)
}
