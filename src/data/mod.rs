//! The datasets: IDX reading, checks against the published checksums, and shuffled batches.

pub mod idx;

use crate::config::DatasetName;
use burn::tensor::{Device, Int, Tensor, TensorData};
use idx::{IMAGE_PIXELS, IdxError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sha2::{Digest, Sha256};

/// The four files of a dataset, by their original names (served with `.gz` appended).
pub const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// sha256 of each decompressed file, in the order of [`FILE_NAMES`].
fn expected_sha256(dataset: DatasetName) -> [&'static str; 4] {
    match dataset {
        DatasetName::Mnist => [
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ],
        DatasetName::Fashion => [
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ],
    }
}

/// Why a dataset could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// A file is not valid IDX.
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// An images file and its labels file disagree on the number of records.
    #[error("{images}: {image_count} images, but {labels} has {label_count} labels")]
    CountMismatch {
        /// The images file's name.
        images: String,
        /// Images it holds.
        image_count: usize,
        /// The labels file's name.
        labels: String,
        /// Labels it holds.
        label_count: usize,
    },
    /// A file is well-formed but not the published one.
    #[error(
        "{file}: sha256 {found} does not match the published {dataset} file ({expected}); delete it and fetch the data again"
    )]
    Checksum {
        /// The file's name.
        file: String,
        /// Which dataset it should belong to.
        dataset: DatasetName,
        /// The published sum.
        expected: String,
        /// The sum of the bytes given.
        found: String,
    },
}

/// Labelled 28x28 images, stored as bytes (0 = black, 255 = white) in record order.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// `len() * 784` pixels, row-major, image after image.
    pub pixels: Vec<u8>,
    /// One label 0-9 per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Reads a split from an images file and a labels file (each raw or gzipped).
    pub fn from_idx(
        images_name: &str,
        images: &[u8],
        labels_name: &str,
        labels: &[u8],
    ) -> Result<Self, DataError> {
        let (image_count, pixels) = idx::read_images(images_name, images)?;
        let labels_read = idx::read_labels(labels_name, labels)?;
        if image_count != labels_read.len() {
            return Err(DataError::CountMismatch {
                images: images_name.to_string(),
                image_count,
                labels: labels_name.to_string(),
                label_count: labels_read.len(),
            });
        }
        Ok(Self {
            pixels,
            labels: labels_read,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no image (never true for a split read from files).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        &self.pixels[index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS]
    }

    /// The first `count` images (all when there are fewer).
    pub fn head(&self, count: usize) -> Split {
        let count = count.min(self.len());
        Split {
            pixels: self.pixels[..count * IMAGE_PIXELS].to_vec(),
            labels: self.labels[..count].to_vec(),
        }
    }

    /// Images `indices` as a `[batch, 784]` tensor scaled to 0..1.
    pub fn images_tensor(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        let mut values = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        for &index in indices {
            values.extend(
                self.image(index)
                    .iter()
                    .map(|&pixel| f32::from(pixel) / 255.0),
            );
        }
        Tensor::from_data(
            TensorData::new(values, [indices.len(), IMAGE_PIXELS]),
            device,
        )
    }

    /// Labels `indices` as a `[batch]` integer tensor.
    pub fn labels_tensor(&self, indices: &[usize], device: &Device) -> Tensor<1, Int> {
        let values: Vec<i64> = indices
            .iter()
            .map(|&index| i64::from(self.labels[index]))
            .collect();
        Tensor::from_data(TensorData::new(values, [indices.len()]), device)
    }
}

/// A whole dataset: the training and test splits.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Which dataset this is.
    pub name: DatasetName,
    /// 60,000 images in the real files.
    pub train: Split,
    /// 10,000 images in the real files.
    pub test: Split,
}

/// The four files of a dataset as bytes (raw or gzipped), in the order of [`FILE_NAMES`].
pub struct DatasetFiles<'a> {
    /// `train-images-idx3-ubyte`.
    pub train_images: &'a [u8],
    /// `train-labels-idx1-ubyte`.
    pub train_labels: &'a [u8],
    /// `t10k-images-idx3-ubyte`.
    pub test_images: &'a [u8],
    /// `t10k-labels-idx1-ubyte`.
    pub test_labels: &'a [u8],
}

impl Dataset {
    /// Reads the published dataset from its four files and checks each file's format and its
    /// sha256 against the published sums. Fails with a message naming the file at fault.
    pub fn from_published(name: DatasetName, files: &DatasetFiles) -> Result<Self, DataError> {
        let dataset = Self::from_files(name, files)?;
        dataset.verify_checksums()?;
        Ok(dataset)
    }

    /// Reads a dataset from four IDX files without comparing them to the published sums: for
    /// subsets and test data. The format checks still apply.
    pub fn from_files(name: DatasetName, files: &DatasetFiles) -> Result<Self, DataError> {
        let [train_images, train_labels, test_images, test_labels] = FILE_NAMES;
        Ok(Self {
            name,
            train: Split::from_idx(
                train_images,
                files.train_images,
                train_labels,
                files.train_labels,
            )?,
            test: Split::from_idx(
                test_images,
                files.test_images,
                test_labels,
                files.test_labels,
            )?,
        })
    }

    /// Compares the data with the published files by sha256 of their decoded contents.
    pub fn verify_checksums(&self) -> Result<(), DataError> {
        let contents = [
            idx::encode_images(&self.train.pixels),
            idx::encode_labels(&self.train.labels),
            idx::encode_images(&self.test.pixels),
            idx::encode_labels(&self.test.labels),
        ];
        for ((file, expected), bytes) in FILE_NAMES
            .iter()
            .zip(expected_sha256(self.name))
            .zip(contents)
        {
            let found = hex(&Sha256::digest(&bytes));
            if found != expected {
                return Err(DataError::Checksum {
                    file: (*file).to_string(),
                    dataset: self.name,
                    expected: expected.to_string(),
                    found,
                });
            }
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Visits a split in a fresh random order every epoch, one full batch at a time.
#[derive(Debug)]
pub struct BatchOrder {
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    rng: StdRng,
}

impl BatchOrder {
    /// An order over the first `examples` images, shuffled by `seed`.
    pub fn new(examples: usize, batch_size: usize, seed: u64) -> Self {
        let mut order = Self {
            order: (0..examples).collect(),
            batch_size,
            next: 0,
            rng: StdRng::seed_from_u64(seed),
        };
        order.order.shuffle(&mut order.rng);
        order
    }

    /// The indices of the next full batch, or `None` at the end of the epoch (the leftover
    /// images that do not fill a batch wait for the next epoch's shuffle).
    pub fn next_batch(&mut self) -> Option<&[usize]> {
        let end = self.next + self.batch_size;
        if end > self.order.len() {
            return None;
        }
        let batch = &self.order[self.next..end];
        self.next = end;
        Some(batch)
    }

    /// Starts a new epoch with a new shuffle.
    pub fn reshuffle(&mut self) {
        self.order.shuffle(&mut self.rng);
        self.next = 0;
    }
}
