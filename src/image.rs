//! Grey-scale images: single samples, grids of samples, and their PNG bytes.

use crate::data::idx::{IMAGE_PIXELS, IMAGE_SIDE};
use serde::Serialize;

/// A grey-scale image, one byte per pixel (0 black, 255 white), row-major.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GreyImage {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height` pixels.
    pub pixels: Vec<u8>,
}

/// Blank pixels between the cells of a grid.
pub const GRID_GAP: usize = 2;

impl GreyImage {
    /// Wraps one 28x28 sample.
    pub fn sample(pixels: Vec<u8>) -> Self {
        debug_assert_eq!(pixels.len(), IMAGE_PIXELS);
        Self {
            width: IMAGE_SIDE,
            height: IMAGE_SIDE,
            pixels,
        }
    }

    /// Lays out 28x28 samples (`images.len() / 784` of them) as a `columns`-wide grid, with a
    /// [`GRID_GAP`] of black between cells and around the edge.
    pub fn grid(images: &[u8], columns: usize) -> Self {
        let count = images.len() / IMAGE_PIXELS;
        let columns = columns.max(1);
        let rows = count.div_ceil(columns);
        let cell = IMAGE_SIDE + GRID_GAP;
        let width = columns * cell + GRID_GAP;
        let height = rows * cell + GRID_GAP;
        let mut pixels = vec![0u8; width * height];
        for (index, image) in images.chunks_exact(IMAGE_PIXELS).enumerate() {
            let left = GRID_GAP + (index % columns) * cell;
            let top = GRID_GAP + (index / columns) * cell;
            for (row, line) in image.chunks_exact(IMAGE_SIDE).enumerate() {
                let start = (top + row) * width + left;
                pixels[start..start + IMAGE_SIDE].copy_from_slice(line);
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    /// Encodes the image as an 8-bit grey-scale PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        // Writing into a Vec cannot fail, and the size always matches the pixel count.
        let mut writer = encoder
            .write_header()
            .expect("PNG header into memory cannot fail");
        writer
            .write_image_data(&self.pixels)
            .expect("pixel count matches width * height");
        writer
            .finish()
            .expect("finishing a PNG in memory cannot fail");
        bytes
    }
}

/// Converts pixel values in 0..1 to bytes, rounding and clamping.
pub fn to_bytes(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .map(|value| (value.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
}
